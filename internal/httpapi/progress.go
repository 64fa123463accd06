package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
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

func toProgressResponse(p investment.Progress) api.ProgressMonth {
	return api.ProgressMonth{Period: p.Period.String(), CompletedYuan: p.CompletedYuan, Note: p.Note, Version: p.Version, UpdatedAt: timestamp(p.UpdatedAt), ReportedBy: p.ReportedBy}
}

// putProgress reports the investment completed in a month.
//
//	@Summary		Report a month's completed investment
//	@Description	Records the investment completed in the month (YYYY-MM, not in the future). Reporting a month again is a correction: the new figure replaces the old, which the audit trail keeps. If-Match is optional and names the report's version.
//	@ID				putProgress
//	@Tags			progress
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string				true	"project ID"	format(uuid)
//	@Param			period		path		string				true	"month, YYYY-MM"
//	@Param			If-Match	header		string				false	"ETag of the report being corrected"
//	@Param			progress	body		api.ProgressWrite	true	"the month's figure"
//	@Success		200			{object}	api.ProgressMonth
//	@Success		201			{object}	api.ProgressMonth
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Router			/api/v1/projects/{id}/progress/{period} [put]
func (h *handlers) putProgress(c *gin.Context, p identity.Principal) error {
	period, err := investment.ParsePeriod(c.Param("period"))
	if err != nil {
		return err
	}
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	var in api.ProgressWrite
	if err := decodeStrict(body, &in); err != nil {
		return err
	}
	if in.CompletedYuan == nil {
		return apperr.Fields([]apperr.FieldError{{Field: "completed_yuan", Code: "required"}})
	}
	pr, created, err := h.investment.PutProgress(c.Request.Context(), p, c.Param("id"), period, *in.CompletedYuan, in.Note, optionalIfMatch(c))
	if err != nil {
		return err
	}
	putAnswer(c, created, pr.Version, toProgressResponse(pr))
	return nil
}

// getProgress returns a project's investment in a year.
//
//	@Summary		A project's investment in a year
//	@Description	The planned investment of the project's entry in the year's plan (docs/plan.md) and every month reported, in order, with their sum.
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
	year := calendar.Today(h.now()).Year()
	err := onlyParams(c, "year")
	if s := c.Query("year"); err == nil && s != "" {
		if year, err = strconv.Atoi(s); err != nil {
			err = apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
		}
	}
	if err != nil {
		return err
	}
	yp, err := h.investment.Investment(c.Request.Context(), p, c.Param("id"), year)
	if err != nil {
		return err
	}
	out := api.YearProgress{ProjectID: c.Param("id"), Year: yp.Year, CompletedYuan: yp.CompletedYuan, Months: make([]api.ProgressMonth, len(yp.Months))}
	// The year's planned investment is the project's entry in the year's plan.
	years, err := h.plans.ProjectPlans(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	for _, y := range years {
		if y.Entry.Year == year {
			out.PlannedInvestmentYuan = y.Entry.PlannedYuan
		}
	}
	for i, m := range yp.Months {
		out.Months[i] = toProgressResponse(m)
	}
	ok(c, http.StatusOK, out)
	return nil
}
