package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// FuzzAuthorizationHeader holds that no Authorization header, however
// malformed, makes a protected route answer anything but 401 (or 200 for the
// one genuine token), and never a 500.
func FuzzAuthorizationHeader(f *testing.F) {
	db := dbtest.SQLite(f)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		f.Fatal(err)
	}
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	keys, err := auth.GenerateKeySet()
	if err != nil {
		f.Fatal(err)
	}
	tokens, err := auth.NewTokens(keys, cfg.JWTIssuer, cfg.JWTAudience, cfg.AccessTokenTTL, time.Now)
	if err != nil {
		f.Fatal(err)
	}
	auditSvc := audit.NewService(auditdb.New(db), time.Now)
	h := newHandlers(Deps{Config: cfg, DB: db, Auth: auth.NewService(authdb.New(db), db, tokens, nil, time.Now, newID),
		Projects: project.NewService(projectdb.New(db), db, auditSvc, time.Now, newID), Tokens: tokens, Keys: keys,
		Idempotency: idempotency.New(db), Audit: auditSvc})
	r, err := h.engine()
	if err != nil {
		f.Fatal(err)
	}
	good, err := tokens.Issue(auth.Principal{Subject: newID(), Name: "ghost", Role: auth.RoleBureau})
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
