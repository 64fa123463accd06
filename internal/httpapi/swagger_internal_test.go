package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestSwaggerDocConcurrently asks for the Swagger document from many
// goroutines at once, as browsers opening the UI do; under the race detector
// this fails if rendering the document writes shared state.
func TestSwaggerDocConcurrently(t *testing.T) {
	r, err := wire(t, dbtest.SQLite(t)).h.engine()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/swagger/doc.json", nil))
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"swagger": "2.0"`) {
				t.Errorf("doc.json: %d %.80s", rec.Code, rec.Body.String())
			}
		}()
	}
	wg.Wait()
}
