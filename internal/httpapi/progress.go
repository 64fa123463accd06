package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/investment"
)

// putAnswer writes the answer of a PUT: 201 with Location when it created
// the resource, 200 otherwise.
func putAnswer(c *gin.Context, created bool, version int, body any) {
	c.Header("ETag", etag(version))
	if created {
		c.Header("Location", c.Request.URL.Path)
		ok(c, http.StatusCreated, body)
		return
	}
	ok(c, http.StatusOK, body)
}

func toPlanResponse(p investment.Plan) api.Plan {
	return api.Plan{Year: p.Year, PlannedInvestmentYuan: p.PlannedYuan, Version: p.Version, UpdatedAt: timestamp(p.UpdatedAt), UpdatedBy: p.UpdatedBy}
}

// putPlan sets a project's planned investment for a year.
//
//	@Summary		Set a year's planned investment
//	@Description	Sets the project's planned investment for the year (docs/stages.md), creating the plan or replacing it; the audit trail keeps the old figure. If-Match is optional and names the plan's version.
//	@ID				putPlan
//	@Tags			progress
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"project ID"	format(uuid)
//	@Param			year		path		integer			true	"year"			minimum(2000)
//	@Param			If-Match	header		string			false	"ETag of the plan being replaced"
//	@Param			plan		body		api.PlanWrite	true	"the plan"
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
//	@Router			/api/v1/projects/{id}/plans/{year} [put]
func (h *handlers) putPlan(c *gin.Context, p identity.Principal) error {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
	}
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	var in api.PlanWrite
	if err := decodeStrict(body, &in); err != nil {
		return err
	}
	if in.PlannedInvestmentYuan == nil {
		return apperr.Fields([]apperr.FieldError{{Field: "planned_investment_yuan", Code: "required"}})
	}
	pl, created, err := h.investment.PutPlan(c.Request.Context(), p, c.Param("id"), year, *in.PlannedInvestmentYuan, optionalIfMatch(c))
	if err != nil {
		return err
	}
	putAnswer(c, created, pl.Version, toPlanResponse(pl))
	return nil
}

// listPlans returns a project's plans.
//
//	@Summary		A project's yearly plans
//	@Description	The planned investment of every year set, by year.
//	@ID				listPlans
//	@Tags			progress
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.PlanList
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/plans [get]
func (h *handlers) listPlans(c *gin.Context, p identity.Principal) error {
	plans, err := h.investment.Plans(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	out := api.PlanList{Items: make([]api.Plan, len(plans))}
	for i, pl := range plans {
		out.Items[i] = toPlanResponse(pl)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// putProgress reports the investment completed in a month.
//
//	@Summary		Report a month's completed investment
//	@Description	For a plan entry owing the period, this is that period's report (docs/dispatch.md), the same record as PUT /api/v1/dispatch/{period}/reports/{project_id}, under the same rules; for any other project it records investment outside the plan (计划外: submitted, never reviewed), by the project's department. The month is not in the future. The same figures again change nothing. If-Match is optional and names the report's version.
//	@ID				putProgress
//	@Tags			progress
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"project ID"	format(uuid)
//	@Param			period		path		string			true	"month, YYYY-MM"
//	@Param			If-Match	header		string			false	"ETag of the report being corrected"
//	@Param			progress	body		api.ReportWrite	true	"the month's report"
//	@Success		200			{object}	api.Report
//	@Success		201			{object}	api.Report
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		422			{object}	api.Problem
//	@Router			/api/v1/projects/{id}/progress/{period} [put]
func (h *handlers) putProgress(c *gin.Context, p identity.Principal) error {
	return h.submitReport(c, p, "period", "id", dispatch.ViaProgress)
}

// getProgress returns a project's investment in a year.
//
//	@Summary		A project's investment in a year
//	@Description	The year's planned investment (its plan entry's) and every month reported, in order, each with its state and flags, with the sum of the months whose reports count (submitted and accepted).
//	@ID				getProgress
//	@Tags			progress
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id		path		string	true	"project ID"					format(uuid)
//	@Param			year	query		integer	false	"year; default the current one"	minimum(2000)	maximum(2999)
//	@Success		200		{object}	api.YearProgress
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Router			/api/v1/projects/{id}/progress [get]
func (h *handlers) getProgress(c *gin.Context, p identity.Principal) error {
	year, err := h.yearQuery(c)
	if err != nil {
		return err
	}
	y, err := h.dispatch.YearOf(c.Request.Context(), p, c.Param("id"), year)
	if err != nil {
		return err
	}
	out := api.YearProgress{ProjectID: c.Param("id"), Year: y.Year, CompletedYuan: y.CompletedYuan, PlannedInvestmentYuan: y.PlannedYuan,
		Months: make([]api.Report, len(y.Months))}
	for i, m := range y.Months {
		out.Months[i] = toReportResponse(m)
	}
	ok(c, http.StatusOK, out)
	return nil
}
