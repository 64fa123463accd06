package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// statsBreakdown groups the projects by one key.
//
//	@Summary		Breakdown
//	@Description	The projects the caller may read grouped by stage (on as_of), category, department, township, leader, or by their plan entry's section or build type (outside_plan: without an entry): count, total investment, and of the group's entries in force their number, planned investment and the months 1..P of those with a planned amount; the months 1..P of the group's entries without an amount and of its projects without an entry apart; with ids=true the group's project IDs, for its drill-down (null otherwise: at 200,000 projects they are the whole register) (docs/stats.md).
//	@ID				statsBreakdown
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			by		query		string	true	"grouping"																		Enums(stage,category,department,township,leader,section,build_type)
//	@Param			year	query		integer	false	"year; default the current one"													minimum(2000)
//	@Param			as_of	query		string	false	"day within the year, not in the future; default today or the year's last day"	format(date)
//	@Param			plan	query		string	false	"plan version read"																Enums(as_of,baseline,current)	default(as_of)
//	@Param			period	query		string	false	"last month whose reports count (YYYY-MM, within the year, not after the current month; not a January reported with February); default P"
//	@Param			reports	query		string	false	"reports that count"										Enums(counted,accepted)	default(counted)
//	@Param			ids		query		boolean	false	"with each group's project IDs (false: project_ids null)"	default(false)
//	@Success		200		{object}	api.Breakdown
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/breakdown [get]
func (h *handlers) statsBreakdown(c *gin.Context, p identity.Principal) error {
	ps, err := h.statsParams(c, "by", "year", "as_of", "plan", "period", "reports", "ids")
	if err != nil {
		return err
	}
	ids, err := idsParam(c, false)
	if err != nil {
		return err
	}
	by := c.Query("by")
	b, err := h.stats.Breakdown(c.Request.Context(), p, by, ps, ids)
	if err != nil {
		return err
	}
	labels, err := h.breakdownLabels(c, p, by)
	if err != nil {
		return err
	}
	out := api.Breakdown{By: by, Year: ps.Year, AsOf: ps.AsOf.Format(time.DateOnly), Period: monthString(b.Period),
		Plan: toPlanVersion(b.Plan), Items: make([]api.BreakdownItem, len(b.Groups))}
	for i, g := range b.Groups {
		label, found := labels[g.Key]
		if !found {
			label = groupLabel(g.Key)
		}
		out.Items[i] = api.BreakdownItem{Key: g.Key, Label: label, Count: g.Count, TotalInvestmentYuan: g.TotalInvestmentYuan,
			Entries: g.Entries, PlannedYuan: g.PlannedYuan, CompletedYuan: g.CompletedYuan, NoAmountYuan: g.NoAmountYuan,
			OutsidePlanYuan: g.OutsidePlanYuan, ProjectIDs: idsIf(ids, g.IDs)}
	}
	ok(c, http.StatusOK, out)
	return nil
}

// breakdownLabels are the Chinese names of a breakdown's keys.
func (h *handlers) breakdownLabels(c *gin.Context, p identity.Principal, by string) (map[string]string, error) {
	labels := map[string]string{}
	switch by {
	case "stage":
		labels = labelMap(project.Stages)
	case "category":
		labels = labelMap(project.Categories)
	case "section":
		labels = labelMap(plan.Sections)
	case "build_type":
		labels = labelMap(plan.BuildTypes)
	case "department":
		ds, err := h.departments.List(c.Request.Context(), p)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			labels[d.Code] = d.Name
		}
	}
	if by == "section" || by == "build_type" {
		labels[stats.OutsidePlanKey] = "计划外"
	}
	return labels, nil
}

func labelMap(ls []project.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Value] = l.ZH
	}
	return m
}

// statsBatches answers 三个一批 for a quarter or the year.
//
//	@Summary		三个一批 (quarterly batches)
//	@Description	The projects the caller may read in the quarter's batches of 三个一批 (or the year's, the union of its quarters, without quarter): those the bureau designated into the batch, or, for a quarter and kind where nothing is designated, those signed, first started (a resumption is not a start) and put into production within the quarter, marked derived: count, total and expected annual output, and their IDs.
//	@ID				statsBatches
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"	minimum(2000)
//	@Param			quarter	query		integer	false	"quarter; none: the year"		minimum(1)	maximum(4)
//	@Success		200		{object}	api.Batches
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/batches [get]
func (h *handlers) statsBatches(c *gin.Context, p identity.Principal) error {
	ps, err := h.statsParams(c, "year", "quarter")
	if err != nil {
		return err
	}
	quarter := 0
	if s := c.Query("quarter"); s != "" {
		if quarter, err = strconv.Atoi(s); err != nil || quarter == 0 {
			quarter = -1
		}
	}
	b, err := h.stats.Batches(c.Request.Context(), p, ps.Year, quarter)
	if err != nil {
		return err
	}
	batch := func(s stats.BatchSet) api.Batch {
		return api.Batch{ProjectSet: api.ProjectSet{Count: s.Count, TotalInvestmentYuan: s.TotalInvestmentYuan, ProjectIDs: nonNil(s.IDs)},
			ExpectedAnnualOutputYuan: s.ExpectedAnnualOutputYuan, Derived: s.Derived}
	}
	out := api.Batches{Year: b.Year, Signed: batch(b.Signed), Started: batch(b.Started), InProduction: batch(b.InProduction)}
	if b.Quarter != 0 {
		out.Quarter = &b.Quarter
	}
	ok(c, http.StatusOK, out)
	return nil
}

// statsTrend answers a year month by month.
//
//	@Summary		Monthly trend
//	@Description	The investment completed each month (reports that count) and from January of the plan entries with a planned amount, against the plan × month / 12 (序时进度), each month marked due or not yet due (after P); the investment of the entries without an amount and of the projects without an entry apart; and the stage moves of each month by target stage (imports aside), over the projects the caller may read.
//	@ID				statsTrend
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"													minimum(2000)
//	@Param			as_of	query		string	false	"day within the year, not in the future; default today or the year's last day"	format(date)
//	@Param			plan	query		string	false	"plan version read"																Enums(as_of,baseline,current)	default(as_of)
//	@Param			period	query		string	false	"last month whose reports count (YYYY-MM, within the year, not after the current month; not a January reported with February); default P"
//	@Param			reports	query		string	false	"reports that count"	Enums(counted,accepted)	default(counted)
//	@Success		200		{object}	api.Trend
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/trend [get]
func (h *handlers) statsTrend(c *gin.Context, p identity.Principal) error {
	ps, err := h.statsParams(c, "year", "as_of", "plan", "period", "reports")
	if err != nil {
		return err
	}
	t, err := h.stats.Trend(c.Request.Context(), p, ps)
	if err != nil {
		return err
	}
	out := api.Trend{Year: t.Year, AsOf: t.AsOf.Format(time.DateOnly), Period: monthString(t.Period), Plan: toPlanVersion(t.Plan),
		PlannedYuan: t.PlannedYuan, Months: make([]api.TrendMonth, len(t.Months))}
	for i, m := range t.Months {
		moves := map[string]int64{}
		for st, n := range m.Moves {
			moves[string(st)] = n
		}
		out.Months[i] = api.TrendMonth{
			Month: calendar.Month{Year: t.Year, Month: m.Month}.String(), Due: m.Due, CompletedYuan: m.CompletedYuan,
			CumulativeCompletedYuan: m.CumulativeCompletedYuan, PlannedToDateYuan: m.PlannedToDateYuan,
			NoAmountYuan: m.NoAmountYuan, OutsidePlanYuan: m.OutsidePlanYuan, Moves: moves,
		}
	}
	ok(c, http.StatusOK, out)
	return nil
}
