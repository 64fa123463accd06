package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/identity"
)

// monthParam reads a path's month, YYYY-MM, naming the field.
func monthParam(c *gin.Context, name string) (calendar.Month, error) {
	m, err := calendar.ParseMonth(c.Param(name))
	if err != nil {
		return calendar.Month{}, apperr.Fields([]apperr.FieldError{{Field: name, Code: "invalid_format", Param: "YYYY-MM"}})
	}
	return m, nil
}

// yearQuery reads ?year=, the current year when absent.
func (h *handlers) yearQuery(c *gin.Context) (int, error) {
	year := calendar.Today(h.now()).Year()
	if err := onlyParams(c, "year"); err != nil {
		return 0, err
	}
	if s := c.Query("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2999 {
			return 0, apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
		}
		year = y
	}
	return year, nil
}

func toFigures(f dispatch.Figures) api.ReportFigures {
	return api.ReportFigures{CompletedYuan: f.CompletedYuan, StatisticalYuan: f.StatisticalYuan, SiteProgress: f.SiteProgress,
		Problems: f.Problems, IssueIDs: nonNil(f.IssueIDs), NextPlan: f.NextPlan, Note: f.Note}
}

func optionalTimestamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

func toReportResponse(r dispatch.Report) api.Report {
	out := api.Report{
		ProjectID: r.ProjectID, Period: r.Month.String(), CompletedYuan: r.CompletedYuan, StatisticalYuan: r.StatisticalYuan,
		SiteProgress: r.SiteProgress, Problems: r.Problems, IssueIDs: nonNil(r.IssueIDs), NextPlan: r.NextPlan, Note: r.Note,
		State: string(r.State), OnBehalf: r.OnBehalf, SubmittedAt: optionalTimestamp(r.SubmittedAt), Late: r.Late, Corrected: r.Corrected,
		ReviewedBy: r.ReviewedBy, ReviewedAt: optionalTimestamp(r.ReviewedAt), ReturnReason: r.ReturnReason, Migrated: r.Migrated,
		Version: r.Version, UpdatedAt: timestamp(r.UpdatedAt), ReportedBy: r.ReportedBy,
	}
	if r.Original != nil {
		o := toFigures(*r.Original)
		out.Original = &o
	}
	return out
}

// readSubmission decodes a report's body.
func (h *handlers) readSubmission(c *gin.Context) (dispatch.Submission, error) {
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return dispatch.Submission{}, err
	}
	var in api.ReportWrite
	if err := decodeStrict(body, &in); err != nil {
		return dispatch.Submission{}, err
	}
	if in.CompletedYuan == nil {
		return dispatch.Submission{}, apperr.Fields([]apperr.FieldError{{Field: "completed_yuan", Code: "required"}})
	}
	out := dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: *in.CompletedYuan, StatisticalYuan: in.StatisticalYuan,
		SiteProgress: in.SiteProgress, Problems: in.Problems, IssueIDs: in.IssueIDs, NextPlan: in.NextPlan, Note: in.Note}}
	if n := in.NewIssue; n != nil {
		f, err := issueFields(n.Title, n.Description, n.Kind, n.ResponsibleDepartment, &n.DueOn, "", "")
		if err != nil {
			return dispatch.Submission{}, err
		}
		out.NewIssue = &f
	}
	return out, nil
}

// listDispatchPeriods returns a year's dispatch periods.
//
//	@Summary		The dispatch periods of a year
//	@Description	Each period of the year (eleven when January is reported with February) with its due day, whether the bureau moved it and whether it is the combined 1–2月 period (docs/dispatch.md).
//	@ID				listDispatchPeriods
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"	minimum(2000)	maximum(2999)
//	@Success		200		{object}	api.DispatchPeriodList
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/dispatch/periods [get]
func (h *handlers) listDispatchPeriods(c *gin.Context, p identity.Principal) error {
	year, err := h.yearQuery(c)
	if err != nil {
		return err
	}
	ps, err := h.dispatch.Periods(c.Request.Context(), p, year)
	if err != nil {
		return err
	}
	out := api.DispatchPeriodList{Year: year, Items: make([]api.DispatchPeriod, len(ps))}
	for i, po := range ps {
		out.Items[i] = api.DispatchPeriod{Period: po.Period.String(), DueOn: po.DueOn.Format(time.DateOnly), Moved: po.Moved, Combined: po.Combined}
		if po.Setting != nil {
			out.Items[i].Version = po.Setting.Version
		}
	}
	ok(c, http.StatusOK, out)
	return nil
}

// putDispatchPeriod sets a period's due day.
//
//	@Summary		Set a dispatch period's due day
//	@Description	Moves the period's due day (a holiday), at most two months after the period's end, and on February whether January is reported with it. Every live project's health is computed again, since the period its investment rule reads may move. If-Match is optional and names the setting's version.
//	@ID				putDispatchPeriod
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			period		path		string					true	"period, YYYY-MM"
//	@Param			If-Match	header		string					false	"ETag of the setting being replaced"
//	@Param			setting		body		api.DispatchPeriodWrite	true	"the due day"
//	@Success		200			{object}	api.DispatchPeriod
//	@Success		201			{object}	api.DispatchPeriod
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		422			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/dispatch/periods/{period} [put]
func (h *handlers) putDispatchPeriod(c *gin.Context, p identity.Principal) error {
	m, err := monthParam(c, "period")
	if err != nil {
		return err
	}
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	var in api.DispatchPeriodWrite
	if err := decodeStrict(body, &in); err != nil {
		return err
	}
	var d dates
	due := d.parse("due_on", &in.DueOn)
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	var dueOn time.Time
	if due != nil {
		dueOn = *due
	}
	st, created, err := h.dispatch.SetPeriod(c.Request.Context(), p, m, dueOn, in.Combined, optionalIfMatch(c))
	if err != nil {
		return err
	}
	putAnswer(c, created, st.Version, api.DispatchPeriod{Period: st.Period.String(), DueOn: st.DueOn.Format(time.DateOnly),
		Moved: !st.DueOn.Equal(calendar.Periods{}.DueOn(st.Period)), Combined: st.Combined, Version: st.Version})
	return nil
}

func toTally(t dispatch.Tally) api.DispatchTally {
	return api.DispatchTally{Count: t.Count(), ProjectIDs: nonNil(t.ProjectIDs)}
}

func toStanding(s dispatch.Standing) api.DispatchStanding {
	return api.DispatchStanding{Department: s.Department, Owed: toTally(s.Owed), Reported: toTally(s.Reported),
		ReportedLate: toTally(s.ReportedLate), Overdue: toTally(s.Overdue), Pending: toTally(s.Pending),
		Returned: toTally(s.Returned), Accepted: toTally(s.Accepted)}
}

// getDispatchStatus returns a period's state of reporting.
//
//	@Summary		A dispatch period's status
//	@Description	The period's due day, whether its reports count yet, and per responsible department the plan entries that owe a report (应报), reported on time (已报), reported late (逾期已报), overdue (逾期未报), not yet due (未报), returned (退回) and accepted (已审核), each with the projects behind it; totals. A department sees its own row only. A period after the current month is 400 (period: in_future); January of a year whose January is reported with February is 422 (period: combined_period).
//	@ID				getDispatchStatus
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			period	path		string	true	"period, YYYY-MM"
//	@Success		200		{object}	api.DispatchStatus
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		422		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/dispatch/{period} [get]
func (h *handlers) getDispatchStatus(c *gin.Context, p identity.Principal) error {
	m, err := monthParam(c, "period")
	if err != nil {
		return err
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	st, err := h.dispatch.PeriodStatus(c.Request.Context(), p, m)
	if err != nil {
		return err
	}
	out := api.DispatchStatus{Period: st.Period.String(), DueOn: st.DueOn.Format(time.DateOnly), Moved: st.Moved, Combined: st.Combined,
		Counts: st.Counts, Departments: make([]api.DispatchStanding, len(st.Departments)), Total: toStanding(st.Total)}
	for i, d := range st.Departments {
		out.Departments[i] = toStanding(d)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// putReport submits a plan entry's report of a period.
//
//	@Summary		Submit a month's report
//	@Description	The report (月报) of a plan entry owing the period, by the entry's responsible department or by the bureau on its behalf: the month's completed investment, 入统 investment, 形象进度, problems (the project's blockers, or a new one opened in the same change) and next month's plan. Submitting again after a return, or a correction, makes it submitted again; a correction after the due day or after acceptance is marked and the first figures kept. The same figures again change nothing; a new problem alike an unresolved blocker of the project (title, kind, responsible department) links that blocker, so that a retry opens none. A correction is a change of money (completed_yuan, statistical_yuan); texts, blockers and next month's plan change without it. If-Match is optional and names the report's version.
//	@ID				putReport
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			period		path		string			true	"period, YYYY-MM"
//	@Param			project_id	path		string			true	"project ID"	format(uuid)
//	@Param			If-Match	header		string			false	"ETag of the report being replaced"
//	@Param			report		body		api.ReportWrite	true	"the report"
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
//	@Router			/api/v1/dispatch/{period}/reports/{project_id} [put]
func (h *handlers) putReport(c *gin.Context, p identity.Principal) error {
	return h.submitReport(c, p, "period", "project_id", dispatch.ViaDispatch)
}

func (h *handlers) submitReport(c *gin.Context, p identity.Principal, monthName, idName string, via dispatch.Via) error {
	m, err := monthParam(c, monthName)
	if err != nil {
		return err
	}
	in, err := h.readSubmission(c)
	if err != nil {
		return err
	}
	r, created, err := h.dispatch.PutReport(c.Request.Context(), p, m, c.Param(idName), in, optionalIfMatch(c), via)
	if err != nil {
		return err
	}
	putAnswer(c, created, r.Version, toReportResponse(r))
	return nil
}

// getReport reads a project's report of a period.
//
//	@Summary		A month's report
//	@Description	The report with its state, flags and, when corrected, the figures as they stood before the first correction.
//	@ID				getReport
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			period		path		string	true	"period, YYYY-MM"
//	@Param			project_id	path		string	true	"project ID"	format(uuid)
//	@Success		200			{object}	api.Report
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/dispatch/{period}/reports/{project_id} [get]
func (h *handlers) getReport(c *gin.Context, p identity.Principal) error {
	m, err := monthParam(c, "period")
	if err != nil {
		return err
	}
	r, err := h.dispatch.Report(c.Request.Context(), p, m, c.Param("project_id"))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(r.Version))
	ok(c, http.StatusOK, toReportResponse(r))
	return nil
}

// acceptReport accepts a submitted report.
//
//	@Summary		Accept a report
//	@Description	The bureau accepts a submitted report (审核通过); accepting an accepted report changes nothing. A returned report is 409 (dispatch.report_returned). If-Match is optional and names the version the bureau read: a report changed since is 412 and stays as it is.
//	@ID				acceptReport
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			period		path		string	true	"period, YYYY-MM"
//	@Param			project_id	path		string	true	"project ID"	format(uuid)
//	@Param			If-Match	header		string	false	"ETag of the report as read"
//	@Success		200			{object}	api.Report
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		422			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/dispatch/{period}/reports/{project_id}/accept [post]
func (h *handlers) acceptReport(c *gin.Context, p identity.Principal) error {
	return h.review(c, p, dispatch.Review{Accept: true})
}

// returnReport returns a submitted report to its department.
//
//	@Summary		Return a report
//	@Description	The bureau returns a submitted report with a reason (退回); until it is submitted again it counts as not reported. A report not submitted is 409 with a code naming its state. If-Match is optional and names the version the bureau read: a report changed since is 412 and stays as it is.
//	@ID				returnReport
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			period		path		string				true	"period, YYYY-MM"
//	@Param			project_id	path		string				true	"project ID"	format(uuid)
//	@Param			If-Match	header		string				false	"ETag of the report as read"
//	@Param			return		body		api.ReportReturn	true	"why"
//	@Success		200			{object}	api.Report
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
//	@Router			/api/v1/dispatch/{period}/reports/{project_id}/return [post]
func (h *handlers) returnReport(c *gin.Context, p identity.Principal) error {
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	var in api.ReportReturn
	if err := decodeStrict(body, &in); err != nil {
		return err
	}
	return h.review(c, p, dispatch.Review{Reason: in.Reason})
}

func (h *handlers) review(c *gin.Context, p identity.Principal, rv dispatch.Review) error {
	m, err := monthParam(c, "period")
	if err != nil {
		return err
	}
	r, err := h.dispatch.ReviewReport(c.Request.Context(), p, m, c.Param("project_id"), rv, optionalIfMatch(c))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(r.Version))
	ok(c, http.StatusOK, toReportResponse(r))
	return nil
}
