package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
)

// bareHealthz is the floor that the service's /healthz, with its
// middleware, is measured against: a gin engine with nothing but a
// GET /healthz handler that answers the body the service's does.
func bareHealthz() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, api.Health{Status: "ok"}) })
	return r
}
