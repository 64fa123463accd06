package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestAnOutageIsA503: with the database gone, a request answers 503
// unavailable with Retry-After, sign-in included, and tells nothing of the
// driver's error; an outage is not a bug (docs/api.md, "Errors").
func TestAnOutageIsA503(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		require.NoError(t, db.Close())
		for _, r := range []request{
			{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects"},
			{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + p.ID},
			{method: http.MethodPost, path: "/api/v1/auth/login", body: api.LoginRequest{Username: "bureau", Password: "a password of the right length"}},
		} {
			res := e.do(t, r)
			require.Equal(t, http.StatusServiceUnavailable, res.status, "%s %s: %s", r.method, r.path, res)
			pr := res.problem(t)
			assert.Equal(t, "unavailable", pr.Code)
			assert.Equal(t, "5", res.header.Get("Retry-After"))
			assert.NotContains(t, strings.ToLower(string(res.body)), "sql", "the driver's error stays in the log")
		}
	})
}
