package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
)

// This file exists for the benchmark command (pipeline bench) only: it
// builds what the service is compared with. The service never serves these
// handlers.

// AuthPair returns two handlers for the benchmark of what authentication
// costs: authenticated is the service's whole router, where
// GET /api/v1/projects/:id checks the bearer token and the account;
// unauthenticated serves only that route, through the same middleware and
// handler, with principal p put in place instead. Requests that differ only
// in the Authorization header then measure the cost of authentication.
func AuthPair(d Deps, p identity.Principal) (authenticated, unauthenticated http.Handler, err error) {
	return newHandlers(d).authPair(p)
}

func (h *handlers) authPair(p identity.Principal) (authenticated, unauthenticated http.Handler, err error) {
	withAuth, err := h.engine()
	if err != nil {
		return nil, nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	withoutAuth := gin.New()
	if err := withoutAuth.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		return nil, nil, err
	}
	withoutAuth.ContextWithFallback = true
	withoutAuth.Use(requestIDMiddleware, h.accessLog, h.metrics, h.recoverer)
	withoutAuth.GET("/api/v1/projects/:id", func(c *gin.Context) {
		c.Request = c.Request.WithContext(identity.WithPrincipal(c.Request.Context(), p))
	}, h.getProject)
	return withAuth, withoutAuth, nil
}

// BareHealthz returns a gin engine with nothing but a GET /healthz handler
// that answers the body the service's does: the floor that the benchmark
// measures the service's /healthz (with its middleware) against.
func BareHealthz() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, api.Health{Status: "ok"}) })
	return r
}
