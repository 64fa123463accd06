package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
)

// healthz tells that the process is alive; it does not touch the database.
//
//	@Summary		Liveness
//	@Description	Answers 200 while the process runs; it does not check the database.
//	@ID				healthz
//	@Tags			operations
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.Health
//	@Failure		400	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/healthz [get]
func (h *handlers) healthz(c *gin.Context) error {
	ok(c, http.StatusOK, api.Health{Status: "ok"})
	return nil
}

// readyz tells whether the service can serve: database reachable and every
// migration applied.
//
//	@Summary		Readiness
//	@Description	Answers 200 when the database answers and its migrations are current, 503 otherwise.
//	@ID				readyz
//	@Tags			operations
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.Health
//	@Failure		400	{object}	api.Problem
//	@Failure		503	{object}	api.Health
//	@Router			/readyz [get]
func (h *handlers) readyz(c *gin.Context) error {
	out := api.Health{Status: "ok", Checks: map[string]string{"database": "ok", "migrations": "ok"}}
	status := http.StatusOK
	if err := h.db.Ping(c.Request.Context()); err != nil {
		out.Status, out.Checks["database"], status = "unavailable", "unreachable", http.StatusServiceUnavailable
		out.Checks["migrations"] = "unknown"
	} else if current, err := h.db.MigrationsCurrent(c.Request.Context()); err != nil || !current {
		out.Status, out.Checks["migrations"], status = "unavailable", "pending", http.StatusServiceUnavailable
	}
	ok(c, status, out)
	return nil
}
