package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// FuzzAuthorizationHeader holds that no Authorization header, however
// malformed, makes a protected route answer anything but 401 (or 200 for the
// one genuine token), and never a 500.
func FuzzAuthorizationHeader(f *testing.F) {
	w := wire(f, dbtest.SQLite(f))
	h, tokens, newID := w.h, w.tokens, w.newID
	r, err := h.engine()
	if err != nil {
		f.Fatal(err)
	}
	good, err := tokens.Issue(identity.Principal{Subject: newID(), Name: "ghost", Role: identity.RoleBureau})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "Bearer", "Bearer ", "bearer " + good, "Bearer " + good, "Bearer " + good + "x",
		"Basic YWRtaW46YWRtaW4=", "Bearer a.b.c", "Bearer \x00", "Bearer eyJhbGciOiJub25lIn0.e30.", "Token abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/departments", nil)
		req.Header["Authorization"] = []string{header}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		// The genuine token's account does not exist, so even it is refused.
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("Authorization %q: status %d, body %s", header, rec.Code, rec.Body)
		}
	})
}
