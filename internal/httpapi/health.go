package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// getHealth computes a project's health for a day.
//
//	@Summary		A project's health on a day
//	@Description	Computes the traffic light (docs/stages.md) for a day, past or future, from what the register holds now: the plans, the actual dates and the blockers as they stood that day. The project's stored health is this for today.
//	@ID				getHealth
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"						format(uuid)
//	@Param			on	query		string	false	"day, YYYY-MM-DD; default today"	format(date)
//	@Success		200	{object}	api.ProjectHealth
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/health [get]
func (h *handlers) getHealth(c *gin.Context, p identity.Principal) error {
	var on time.Time
	err := onlyParams(c, "on")
	if s := c.Query("on"); err == nil && s != "" {
		var d dates
		if t := d.parse("on", &s); t != nil {
			on = *t
		}
		err = apperr.Fields(d.errs)
	}
	if err != nil {
		return err
	}
	hs, err := h.projects.Health(c.Request.Context(), p, c.Param("id"), on)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, api.ProjectHealth{On: hs.On.Format(time.DateOnly), Health: string(hs.Health), HealthReasons: toReasons(hs.Reasons)})
	return nil
}
