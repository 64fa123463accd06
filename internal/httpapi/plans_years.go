package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
)

// listAnnualPlans lists the years that have a plan.
//
//	@Summary		The years with a plan
//	@Description	The years that have a plan (年度重点项目计划, docs/plan.md), in order, each with its state, 下达 day, number of adjustments and version: what a reader needs to pick a year. Every reader of projects sees every year; what a department sees of a plan's entries is GET /api/v1/annual-plans/{year}'s.
//	@ID				listAnnualPlans
//	@Tags			plans
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.AnnualPlanYears
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/annual-plans [get]
func (h *handlers) listAnnualPlans(c *gin.Context, p identity.Principal) error {
	plans, err := h.plans.Plans(c.Request.Context(), p)
	if err != nil {
		return err
	}
	out := api.AnnualPlanYears{Items: make([]api.AnnualPlanYear, len(plans))}
	for i, pl := range plans {
		out.Items[i] = api.AnnualPlanYear{Year: pl.Year, State: string(pl.State), IssuedOn: dateString(pl.IssuedOn),
			Revisions: pl.Revisions, Version: pl.Version, UpdatedAt: timestamp(pl.UpdatedAt)}
	}
	ok(c, http.StatusOK, out)
	return nil
}
