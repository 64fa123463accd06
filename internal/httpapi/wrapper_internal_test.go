package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// TestServeAnswersTheHandlersError: a handler's error becomes problem
// details; a signed-in handler on a route that put no principal in place
// is never run, and the request fails closed.
func TestServeAnswersTheHandlersError(t *testing.T) {
	var logs strings.Builder
	h := &handlers{log: slog.New(slog.NewTextHandler(&logs, nil))}
	ran := false
	r := gin.New()
	r.Use(requestIDMiddleware, h.recoverer)
	r.GET("/error", h.servePublic(func(*gin.Context) error {
		return apperr.Fields([]apperr.FieldError{{Field: "year", Code: "required"}})
	}))
	r.GET("/no-principal", h.serve(func(*gin.Context, identity.Principal) error {
		ran = true
		return nil
	}))
	for path, want := range map[string]int{"/error": http.StatusBadRequest, "/no-principal": http.StatusInternalServerError} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, want, rec.Code, path)
		assert.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json"), path)
		var p api.Problem
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), path)
		assert.Equal(t, want, p.Status, path)
	}
	assert.False(t, ran, "a signed-in handler without a principal does not run")
	assert.Contains(t, logs.String(), "route without principal")
}

// TestAnErrorAfterTheAnswerBeganCutsTheConnection: once a handler has begun
// its answer (a streamed export), its error cannot become problem details;
// the connection is cut, so that the client sees a failed download.
func TestAnErrorAfterTheAnswerBeganCutsTheConnection(t *testing.T) {
	var logs strings.Builder
	h := &handlers{log: slog.New(slog.NewTextHandler(&logs, nil))}
	r := gin.New()
	r.Use(requestIDMiddleware, h.recoverer)
	r.GET("/stream", h.servePublic(func(c *gin.Context) error {
		c.Data(http.StatusOK, "text/csv", []byte("a,b\n"))
		return errors.New("the register cannot be read")
	}))
	rec := httptest.NewRecorder()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/stream", nil))
	})
	assert.Equal(t, "a,b\n", rec.Body.String(), "nothing is added to the answer")
	assert.Contains(t, logs.String(), "the register cannot be read")
}
