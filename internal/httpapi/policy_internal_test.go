package httpapi

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestEveryRouteHasAPolicy: every route the engine serves was registered
// through handle, with a policy. A route added with r.GET (or any other way
// around handle), in routes or in New, fails here.
func TestEveryRouteHasAPolicy(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	h, err := New(Deps{Config: cfg, DB: dbtest.SQLite(t)})
	require.NoError(t, err)
	engine := h.engine

	// The policy table: what routes declares through handle.
	ref := &handlers{policies: map[string]policy{}}
	ref.routes(gin.New())
	require.NotEmpty(t, ref.policies)

	served := map[string]bool{}
	for _, rt := range engine.Routes() {
		key := rt.Method + " " + rt.Path
		served[key] = true
		p, found := ref.policies[key]
		if !assert.True(t, found, "route %s has no policy", key) {
			continue
		}
		if p.public {
			assert.Empty(t, p.roles, "public route %s lists roles", key)
		}
	}
	for key := range ref.policies {
		assert.True(t, served[key], "policy %s has no route", key)
	}

	// Sign-in (by password, refresh token or client credentials) and the
	// operational routes are the only public ones.
	var publics []string
	for key, p := range ref.policies {
		if p.public {
			publics = append(publics, key)
		}
	}
	assert.ElementsMatch(t, []string{
		"GET /healthz", "GET /readyz", "GET /metrics", "GET /swagger/*any", "GET /.well-known/jwks.json",
		"GET /dashboard", "GET /dashboard/*file",
		"HEAD /healthz", "HEAD /readyz", "HEAD /metrics", "HEAD /swagger/*any", "HEAD /.well-known/jwks.json",
		"HEAD /dashboard", "HEAD /dashboard/*file",
		"POST /api/v1/auth/login", "POST /api/v1/auth/refresh", "POST /api/v1/auth/logout", "POST /api/v1/auth/token",
	}, publics)
}
