package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
)

// TestInternalErrorsLeakNothing: a panic and an error without a kind both
// answer a generic 500 problem; their text reaches the log, never the client.
func TestInternalErrorsLeakNothing(t *testing.T) {
	var logs strings.Builder
	h := &handlers{log: slog.New(slog.NewTextHandler(&logs, nil))}
	r := gin.New()
	r.Use(requestIDMiddleware, h.recoverer)
	r.GET("/panic", func(*gin.Context) { panic("secret panic value") })
	r.GET("/error", func(c *gin.Context) {
		h.fail(c, errors.New(`pq: relation "secret_table" does not exist`))
	})
	r.GET("/wrapped", func(c *gin.Context) {
		h.fail(c, &apperr.Error{Kind: apperr.Internal, Message: "project.code_taken", Err: errors.New("secret detail")})
	})
	for _, path := range []string{"/panic", "/error", "/wrapped"} {
		for _, lang := range []string{"", "en"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Language", lang)
			r.ServeHTTP(rec, req)
			require.Equal(t, http.StatusInternalServerError, rec.Code, path)
			assert.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json"))
			body := rec.Body.String()
			assert.NotContains(t, body, "secret", path)
			assert.NotContains(t, body, "秘密", path)
			var p api.Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, "internal", p.Code)
			assert.Equal(t, 500, p.Status)
			assert.NotEmpty(t, p.Detail)
			assert.Equal(t, rec.Header().Get("X-Request-ID"), p.RequestID)
			assert.Contains(t, logs.String(), p.RequestID, "the log carries the request ID")
		}
	}
	assert.Contains(t, logs.String(), "secret panic value")
	assert.Contains(t, logs.String(), "secret_table")
}

// TestEveryKindHasAStatus: the kind table covers every kind, so that no
// error of a known kind is answered as internal.
func TestEveryKindHasAStatus(t *testing.T) {
	for _, k := range apperr.Kinds() {
		st, found := kinds[k]
		if assert.True(t, found, "kind %s has no status", k.Code()) {
			assert.NotEmpty(t, st.title.ZH, k.Code())
			assert.NotEmpty(t, st.title.EN, k.Code())
		}
	}
}

// TestFieldMessage: a message whose parameter is empty ends cleanly, in
// either language.
func TestFieldMessage(t *testing.T) {
	cases := []struct {
		f    apperr.FieldError
		en   bool
		want string
	}{
		{apperr.FieldError{Code: "invalid_format"}, false, "格式无效"},
		{apperr.FieldError{Code: "invalid_format"}, true, "has an invalid format"},
		{apperr.FieldError{Code: "invalid_format", Param: "YYYY-MM"}, false, "格式无效（应为 YYYY-MM）"},
		{apperr.FieldError{Code: "invalid_format", Param: "YYYY-MM"}, true, "has an invalid format (expected YYYY-MM)"},
		{apperr.FieldError{Code: "invalid_value"}, false, "取值无效"},
		{apperr.FieldError{Code: "invalid_value"}, true, "is not a valid value"},
		{apperr.FieldError{Code: "invalid_value", Param: "a,b"}, false, "取值无效，可选值：a,b"},
		{apperr.FieldError{Code: "required"}, false, "必填"},
		{apperr.FieldError{Code: "no_such_code"}, false, "no_such_code"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, fieldMessage(c.f, c.en), "%+v", c)
	}
}

// TestAGoneClientHidesNoBug: after the client went away, a failure that
// its leaving caused (a canceled query, an interrupted statement) is
// counted as 499 and not logged as an error, while a bug met meanwhile is
// still a 500 with its error line.
func TestAGoneClientHidesNoBug(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		logged bool
	}{
		{"a canceled query", fmt.Errorf("projectdb.Store.List: %w", context.Canceled), 499, false},
		{"a bug", errors.New(`pq: relation "missing" does not exist`), http.StatusInternalServerError, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			h := &handlers{log: slog.New(slog.NewTextHandler(&logs, nil))}
			r := gin.New()
			r.GET("/x", func(c *gin.Context) { h.fail(c, tc.err) })
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/x", nil))
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.logged, strings.Contains(logs.String(), "level=ERROR"), logs.String())
		})
	}
}
