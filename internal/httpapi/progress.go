package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/identity"
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
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
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
//	@Failure		503		{object}	api.Problem
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
