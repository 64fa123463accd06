package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
)

// putPlan sets the planned investment of a project's entry in a year's plan.
//
//	@Summary		Set a year's planned investment
//	@Description	A view of the project's entry in the year's plan (docs/plan.md): sets its planned investment, adding the entry with its defaults when the project has none (the plan is created as a draft when the year has none). On an issued plan the change is an adjustment: reason is required, effective_on defaults to today. If-Match is optional and names the entry's version. The bureau and the administrator only.
//	@ID				putPlan
//	@Tags			progress
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"project ID"	format(uuid)
//	@Param			year		path		integer			true	"year"			minimum(2000)
//	@Param			If-Match	header		string			false	"ETag of the entry being changed"
//	@Param			plan		body		api.PlanWrite	true	"the planned investment"
//	@Success		200			{object}	api.Plan
//	@Success		201			{object}	api.Plan
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/projects/{id}/plans/{year} [put]
func (h *handlers) putPlan(c *gin.Context, p identity.Principal) error {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
	}
	var in api.PlanWrite
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	var d dates
	ch := plan.Change{Reason: in.Reason, EffectiveOn: d.parse("effective_on", in.EffectiveOn)}
	if in.PlannedInvestmentYuan == nil {
		d.errs = append(d.errs, apperr.FieldError{Field: "planned_investment_yuan", Code: "required"})
	}
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	w, err := h.plans.SetPlanned(c.Request.Context(), p, year, c.Param("id"), *in.PlannedInvestmentYuan, ch, optionalIfMatch(c))
	if err != nil {
		return err
	}
	state := plan.Draft
	if w.Entry.EffectiveOn != nil {
		state = plan.Issued
	}
	putAnswer(c, w.Created, w.Entry.Version, toPlanResponse(plan.YearEntry{Entry: w.Entry, State: state}))
	return nil
}

func toPlanResponse(y plan.YearEntry) api.Plan {
	e := y.Entry
	return api.Plan{Year: e.Year, PlannedInvestmentYuan: e.PlannedYuan, BuildType: string(e.BuildType), PlanState: string(y.State),
		Version: e.Version, UpdatedAt: timestamp(e.RecordedAt), UpdatedBy: e.RecordedBy}
}

// listPlans returns a project's entries in the years' plans.
//
//	@Summary		A project's yearly plans
//	@Description	A view of the project's entries in the years' plans (docs/plan.md), by year, each as every adjustment leaves it: planned investment, build type, the plan's state and the entry's version.
//	@ID				listPlans
//	@Tags			progress
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.PlanList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/plans [get]
func (h *handlers) listPlans(c *gin.Context, p identity.Principal) error {
	years, err := h.plans.ProjectPlans(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	out := api.PlanList{Items: make([]api.Plan, len(years))}
	for i, y := range years {
		out.Items[i] = toPlanResponse(y)
	}
	ok(c, http.StatusOK, out)
	return nil
}
