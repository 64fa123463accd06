package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// pathYear reads the year of a plan's path.
func pathYear(c *gin.Context) (int, error) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || len(c.Param("year")) != 4 {
		return 0, apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
	}
	return year, nil
}

// planQuery reads the basis of a plan's read: plan and as_of.
func planQuery(c *gin.Context) (plan.Query, error) {
	if err := onlyParams(c, "plan", "as_of"); err != nil {
		return plan.Query{}, err
	}
	var ch project.Check
	b, err := plan.ParseBasis(c.Query("plan"))
	if err != nil {
		ch.Add("plan", "invalid_value", "as_of,baseline,current")
	}
	q := plan.Query{Basis: b, AsOf: dateParam(&ch, "as_of", c.Query("as_of"))}
	return q, ch.Err()
}

func toBasis(v plan.Version) api.PlanBasis {
	return api.PlanBasis{Plan: string(v.Basis), AsOf: v.AsOf.Format(time.DateOnly), Revision: v.Revision, EffectiveOn: dateString(v.EffectiveOn)}
}

func toTargets(pl plan.Plan) api.PlanTargets {
	t := pl.Targets
	if !pl.TargetsSet {
		t = plan.DefaultTargets(pl.Year)
	}
	out := api.PlanTargets{StartRate: []api.PlanCheckpoint{}, InvestmentYuan: t.InvestmentYuan, Default: !pl.TargetsSet}
	for _, cp := range t.StartRate {
		out.StartRate = append(out.StartRate, api.PlanCheckpoint{Date: cp.Date.Format(time.DateOnly), Rate: cp.Rate})
	}
	if r := t.Resumption; r != nil {
		out.Resumption = &api.PlanCheckpoint{Date: r.Date.Format(time.DateOnly), Rate: r.Rate}
	}
	return out
}

func toPlanEntry(e plan.Entry) api.PlanEntry {
	out := api.PlanEntry{
		Year: e.Year, ProjectID: e.ProjectID, ProjectName: e.Project.Name, ProjectCode: e.Project.Code, Stage: string(e.Project.Stage),
		ProjectDepartment: e.Project.Department, Version: e.Version, Revision: e.Revision, EffectiveOn: dateString(e.EffectiveOn),
		Removed: e.Removed, Reason: e.Reason, BuildType: string(e.BuildType), BuildTypeSource: string(e.BuildTypeSource),
		KeyLevel: string(e.KeyLevel), PlannedInvestmentYuan: e.PlannedYuan, PlannedCompletionOn: dateString(e.PlannedCompletionOn),
		PlannedProductionOn: dateString(e.PlannedProductionOn), Goals: e.Goals, Department: e.Department, Leader: e.Leader,
		Section: string(e.Section), Stalled: e.Stalled, StalledReason: e.StalledReason, OpeningCumulativeYuan: e.OpeningYuan,
		RecordedAt: timestamp(e.RecordedAt), RecordedBy: e.RecordedBy,
	}
	if m := e.PlannedStartMonth; m != nil {
		s := m.String()
		out.PlannedStartMonth = &s
	}
	return out
}

func toPlanTotals(t plan.Totals) api.PlanTotals {
	out := api.PlanTotals{Count: t.All.Count, PlannedInvestmentYuan: t.All.PlannedYuan,
		ByBuildType: map[string]api.PlanTotal{}, BySection: map[string]api.PlanTotal{}}
	for k, v := range t.ByBuildType {
		out.ByBuildType[string(k)] = api.PlanTotal{Count: v.Count, PlannedInvestmentYuan: v.PlannedYuan}
	}
	for k, v := range t.BySection {
		out.BySection[string(k)] = api.PlanTotal{Count: v.Count, PlannedInvestmentYuan: v.PlannedYuan}
	}
	return out
}

// toPlanFields converts an entry's wire fields, naming a bad date or month.
func toPlanFields(in api.PlanEntryWrite) (plan.Fields, plan.Change, error) {
	var d dates
	f := plan.Fields{
		PlannedYuan: in.PlannedInvestmentYuan, PlannedCompletionOn: d.parse("planned_completion_on", in.PlannedCompletionOn),
		PlannedProductionOn: d.parse("planned_production_on", in.PlannedProductionOn), Goals: in.Goals, Department: in.Department,
		Leader: in.Leader, Section: plan.Section(in.Section), Stalled: in.Stalled, StalledReason: in.StalledReason,
		OpeningYuan: in.OpeningCumulativeYuan,
	}
	if in.BuildType != nil {
		f.BuildType = plan.BuildType(*in.BuildType)
		if f.BuildType == "" {
			d.errs = append(d.errs, apperr.FieldError{Field: "build_type", Code: "invalid_value", Param: "new,continuing,preliminary"})
		}
	}
	if in.KeyLevel != nil {
		f.KeyLevel = project.KeyLevel(*in.KeyLevel)
	}
	if in.PlannedStartMonth != nil {
		m, err := calendar.ParseMonth(*in.PlannedStartMonth)
		if err != nil {
			d.errs = append(d.errs, apperr.FieldError{Field: "planned_start_month", Code: "invalid_format", Param: "YYYY-MM"})
		} else {
			f.PlannedStartMonth = &m
		}
	}
	ch := plan.Change{Reason: in.Reason, EffectiveOn: d.parse("effective_on", in.EffectiveOn)}
	return f, ch, apperr.Fields(d.errs)
}

// getAnnualPlan returns a year's plan.
//
//	@Summary		Get a year's plan
//	@Description	The year's plan (年度重点项目计划, docs/plan.md) as read under its basis — plan=as_of (default: the baseline and the adjustments effective on or before as_of, default today or 31 December for a past year), baseline or current — with the entries in force, each with its project, their totals, and basis naming the version read. A department sees the entries it is responsible for and those of its projects; the totals are over what it sees. A year without a plan is 404 plan.not_found.
//	@ID				getAnnualPlan
//	@Tags			plans
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	path		integer	true	"year"	minimum(2000)	maximum(2999)
//	@Param			plan	query		string	false	"basis"	Enums(as_of, baseline, current)
//	@Param			as_of	query		string	false	"day of the as_of basis, YYYY-MM-DD"
//	@Success		200		{object}	api.AnnualPlan
//	@Header			200		{string}	ETag	"version of the plan"
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/annual-plans/{year} [get]
func (h *handlers) getAnnualPlan(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	q, err := planQuery(c)
	if err != nil {
		return err
	}
	v, err := h.plans.Get(c.Request.Context(), p, year, q)
	if err != nil {
		return err
	}
	out := toAnnualPlan(v.Plan)
	out.Basis, out.Totals, out.Entries = toBasis(v.Version), toPlanTotals(v.Totals), make([]api.PlanEntry, len(v.Entries))
	for i, e := range v.Entries {
		out.Entries[i] = toPlanEntry(e)
	}
	c.Header("ETag", etag(v.Plan.Version))
	ok(c, http.StatusOK, out)
	return nil
}

func toAnnualPlan(pl plan.Plan) api.AnnualPlan {
	return api.AnnualPlan{Year: pl.Year, State: string(pl.State), IssuedOn: dateString(pl.IssuedOn), Revisions: pl.Revisions,
		Version: pl.Version, UpdatedAt: timestamp(pl.UpdatedAt), UpdatedBy: pl.UpdatedBy, Targets: toTargets(pl),
		Entries: []api.PlanEntry{}, Totals: api.PlanTotals{ByBuildType: map[string]api.PlanTotal{}, BySection: map[string]api.PlanTotal{}}}
}

// putPlanEntry adds or replaces a project's entry in a year's plan.
//
//	@Summary		Put a project's entry in a year's plan
//	@Description	Adds the project to the year's plan (201) or replaces its entry (200); the first entry of a year creates its plan as a draft. The whole entry is replaced: a field left out takes its default (build_type from the project's first start, stage and build type; department, leader and key level from the project; section from its category), and defaults names where each came from. Once the plan is issued the change is an adjustment (调整): reason is required and effective_on defaults to today (not before the 下达 day, the entry's last change or the plan's latest adjustment, so that revisions are numbered in the order they take effect; not after today or 31 December). Sending the same entry again changes nothing. If-Match is optional and names the entry's version. The bureau and the administrator only.
//	@ID				putPlanEntry
//	@Tags			plans
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			year		path		integer				true	"year"			minimum(2000)	maximum(2999)
//	@Param			project_id	path		string				true	"project ID"	format(uuid)
//	@Param			If-Match	header		string				false	"ETag of the entry being replaced"
//	@Param			entry		body		api.PlanEntryWrite	true	"the entry"
//	@Success		200			{object}	api.PlanEntry
//	@Success		201			{object}	api.PlanEntry
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
//	@Router			/api/v1/annual-plans/{year}/entries/{project_id} [put]
func (h *handlers) putPlanEntry(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	var in api.PlanEntryWrite
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	f, ch, err := toPlanFields(in)
	if err != nil {
		return err
	}
	w, err := h.plans.Put(c.Request.Context(), p, year, c.Param("project_id"), f, ch, optionalIfMatch(c))
	if err != nil {
		return err
	}
	out := toPlanEntry(w.Entry)
	out.Defaults = w.Defaults
	putAnswer(c, w.Created, w.Entry.Version, out)
	return nil
}

// deletePlanEntry takes a project out of a year's plan.
//
//	@Summary		Take a project out of a year's plan (调出)
//	@Description	On a draft plan the entry is deleted. On an issued plan the removal is an adjustment: the body gives its reason and effective_on (default today; not before the plan's latest adjustment), and the entry's history keeps it. If-Match is optional and names the entry's version. The bureau and the administrator only.
//	@ID				deletePlanEntry
//	@Tags			plans
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		application/problem+json
//	@Param			year		path	integer			true	"year"			minimum(2000)	maximum(2999)
//	@Param			project_id	path	string			true	"project ID"	format(uuid)
//	@Param			If-Match	header	string			false	"ETag of the entry"
//	@Param			removal		body	api.PlanRemoval	false	"the adjustment, on an issued plan"
//	@Success		204
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		409	{object}	api.Problem
//	@Failure		412	{object}	api.Problem
//	@Failure		415	{object}	api.Problem
//	@Failure		428	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/annual-plans/{year}/entries/{project_id} [delete]
func (h *handlers) deletePlanEntry(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	var in api.PlanRemoval
	if c.Request.ContentLength != 0 {
		if err := h.decodeBody(c, &in); err != nil {
			return err
		}
	}
	var d dates
	ch := plan.Change{Reason: in.Reason, EffectiveOn: d.parse("effective_on", in.EffectiveOn)}
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	if err := h.plans.Remove(c.Request.Context(), p, year, c.Param("project_id"), ch, optionalIfMatch(c)); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// getPlanEntry returns a project's entry in a year's plan and its history.
//
//	@Summary		Get a project's entry in a year's plan
//	@Description	The entry in force under the basis (as in GET /annual-plans/{year}; null when the project is not in the plan then) and its history: the baseline and each adjustment, in order, with reason, effective day, who and when.
//	@ID				getPlanEntry
//	@Tags			plans
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year		path		integer	true	"year"			minimum(2000)	maximum(2999)
//	@Param			project_id	path		string	true	"project ID"	format(uuid)
//	@Param			plan		query		string	false	"basis"			Enums(as_of, baseline, current)
//	@Param			as_of		query		string	false	"day of the as_of basis, YYYY-MM-DD"
//	@Success		200			{object}	api.PlanEntryDetail
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/annual-plans/{year}/entries/{project_id} [get]
func (h *handlers) getPlanEntry(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	q, err := planQuery(c)
	if err != nil {
		return err
	}
	v, err := h.plans.Entry(c.Request.Context(), p, year, c.Param("project_id"), q)
	if err != nil {
		return err
	}
	out := api.PlanEntryDetail{PlanState: string(v.Plan.State), Basis: toBasis(v.Version), History: make([]api.PlanEntry, len(v.History))}
	for i, e := range v.History {
		out.History[i] = toPlanEntry(e)
	}
	if v.Entry != nil {
		e := toPlanEntry(*v.Entry)
		out.Entry = &e
		c.Header("ETag", etag(v.History[len(v.History)-1].Version))
	}
	ok(c, http.StatusOK, out)
	return nil
}

// issuePlan issues a draft plan.
//
//	@Summary		Issue (下达) a year's plan
//	@Description	Issues the draft plan on issued_on (default today; not after today; from 1 October of the year before to 31 December of the year). By issuing, the bureau confirms each entry's build type. Its entries become the baseline, which counts for the whole year whatever its 下达 day; later changes are adjustments. Issuing an issued plan is 409 plan.already_issued. The bureau and the administrator only.
//	@ID				issuePlan
//	@Tags			plans
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			year	path		integer			true	"year"	minimum(2000)	maximum(2999)
//	@Param			issue	body		api.PlanIssue	false	"the 下达 day"
//	@Success		200		{object}	api.AnnualPlan
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Failure		409		{object}	api.Problem
//	@Failure		415		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/annual-plans/{year}/issue [post]
func (h *handlers) issuePlan(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	var in api.PlanIssue
	if c.Request.ContentLength != 0 {
		if err := h.decodeBody(c, &in); err != nil {
			return err
		}
	}
	var d dates
	on := d.parse("issued_on", in.IssuedOn)
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	pl, err := h.plans.Issue(c.Request.Context(), p, year, on)
	if err != nil {
		return err
	}
	return h.answerPlan(c, p, pl)
}

// putPlanTargets sets a year's targets.
//
//	@Summary		Set a year's targets
//	@Description	Sets the year's targets: 开工率 checkpoints, the 复工率 target and its day, the investment target; rates from 0 to 1, days within the year. Creates the year's plan as a draft when there is none. The bureau and the administrator only.
//	@ID				putPlanTargets
//	@Tags			plans
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			year	path		integer					true	"year"	minimum(2000)	maximum(2999)
//	@Param			targets	body		api.PlanTargetsWrite	true	"the targets"
//	@Success		200		{object}	api.AnnualPlan
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		409		{object}	api.Problem
//	@Failure		413		{object}	api.Problem
//	@Failure		415		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/annual-plans/{year}/targets [put]
func (h *handlers) putPlanTargets(c *gin.Context, p identity.Principal) error {
	year, err := pathYear(c)
	if err != nil {
		return err
	}
	var in api.PlanTargetsWrite
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	var d dates
	t := plan.Targets{InvestmentYuan: in.InvestmentYuan}
	for i, cp := range in.StartRate {
		if day := d.parse("start_rate["+strconv.Itoa(i)+"].date", &cp.Date); day != nil {
			t.StartRate = append(t.StartRate, plan.Checkpoint{Date: *day, Rate: cp.Rate})
		}
	}
	if r := in.Resumption; r != nil {
		if day := d.parse("resumption.date", &r.Date); day != nil {
			t.Resumption = &plan.Checkpoint{Date: *day, Rate: r.Rate}
		}
	}
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	pl, err := h.plans.PutTargets(c.Request.Context(), p, year, t)
	if err != nil {
		return err
	}
	return h.answerPlan(c, p, pl)
}

// answerPlan answers a change of a plan with the plan as read now.
func (h *handlers) answerPlan(c *gin.Context, p identity.Principal, pl plan.Plan) error {
	v, err := h.plans.Get(c.Request.Context(), p, pl.Year, plan.Query{})
	if err != nil {
		return err
	}
	out := toAnnualPlan(pl)
	out.Basis, out.Totals, out.Entries = toBasis(v.Version), toPlanTotals(v.Totals), make([]api.PlanEntry, len(v.Entries))
	for i, e := range v.Entries {
		out.Entries[i] = toPlanEntry(e)
	}
	c.Header("ETag", etag(pl.Version))
	ok(c, http.StatusOK, out)
	return nil
}
