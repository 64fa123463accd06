package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

func toRateResponse(r stats.Rate, ids bool) api.Rate {
	out := api.Rate{Numerator: r.Numerator, Denominator: r.Denominator, Rate: r.Rate}
	if ids {
		out.ProjectIDs = &api.ProjectIDs{Numerator: nonNil(r.NumeratorIDs), Denominator: nonNil(r.DenominatorIDs)}
	}
	return out
}

// nonNil is ids, or an empty list: an empty set of projects is [], not null.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// statsPeriod reads year and as_of, refusing other parameters than those named.
func (h *handlers) statsPeriod(c *gin.Context, params ...string) (int, time.Time, error) {
	if err := onlyParams(c, params...); err != nil {
		return 0, time.Time{}, err
	}
	return stats.Period(c.Query("year"), c.Query("as_of"), calendar.Today(h.now()))
}

// statsOverview answers the leadership's KPIs.
//
//	@Summary		KPI overview
//	@Description	The KPIs of docs/stats.md over the projects the caller may read: 开工率 on both bases against 0.75, 复工率 (stages as of as_of, from the history) against 1.0, 投资完成率 against 序时进度, projects by stage, 亿元以上 projects; every rate with the IDs of the projects behind its numerator and denominator. With ids=false every project_ids is null: the numbers alone, a few hundred bytes however large the register (with the IDs, 200,000 projects make some 38 MB). The formulas, with a worked example: docs/stats.md.
//	@ID				statsOverview
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"													minimum(2000)
//	@Param			as_of	query		string	false	"day within the year, not in the future; default today or the year's last day"	format(date)
//	@Param			ids		query		boolean	false	"with the IDs behind each number (false: project_ids null)"						default(true)
//	@Success		200		{object}	api.Overview
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Router			/api/v1/stats/overview [get]
func (h *handlers) statsOverview(c *gin.Context, p identity.Principal) error {
	year, on, err := h.statsPeriod(c, "year", "as_of", "ids")
	if err != nil {
		return err
	}
	ids := true
	if v, ok := c.GetQuery("ids"); ok {
		if v != "true" && v != "false" {
			return apperr.Fields([]apperr.FieldError{{Field: "ids", Code: "invalid_value", Param: "true,false"}})
		}
		ids = v == "true"
	}
	b, err := h.stats.RenderedOverview(c.Request.Context(), p, year, on, ids, func(o stats.Overview) ([]byte, error) {
		return json.Marshal(toOverviewResponse(o, ids))
	})
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	return nil
}

func toOverviewResponse(o stats.Overview, ids bool) api.Overview {
	out := api.Overview{
		Year: o.Year, AsOf: o.AsOf.Format(time.DateOnly),
		StartRate:            api.StartRate{Annual: toRateResponse(o.StartAnnual, ids), ToDate: toRateResponse(o.StartToDate, ids), Target: stats.StartRateTarget},
		ResumptionRate:       api.TargetRate{Rate: toRateResponse(o.Resumption, ids), Target: stats.ResumptionRateTarget},
		InvestmentCompletion: api.InvestmentCompletion{Rate: toRateResponse(o.Investment, ids), TimeProgress: o.TimeProgress, GapPoints: o.GapPoints},
		Over100M:             api.ProjectSet{Count: o.Over100M.Count, TotalInvestmentYuan: o.Over100M.TotalInvestmentYuan},
		Projects:             api.Totals{Count: o.All.Count, TotalInvestmentYuan: o.All.TotalInvestmentYuan},
		Health:               api.HealthCounts{Green: o.Health[health.Green], Yellow: o.Health[health.Yellow], Red: o.Health[health.Red]},
		ByStage:              []api.StageCount{},
	}
	if ids {
		out.Over100M.ProjectIDs = nonNil(o.Over100M.IDs)
	}
	for _, l := range project.Stages {
		if st, ok := o.ByStage[project.Stage(l.Value)]; ok {
			out.ByStage = append(out.ByStage, api.StageCount{Stage: l.Value, Count: st.Count, TotalInvestmentYuan: st.TotalInvestmentYuan})
		}
	}
	return out
}

// statsBreakdown groups the projects by one key.
//
//	@Summary		Breakdown
//	@Description	Counts, total investment, and the year's planned and completed investment of the projects the caller may read, grouped by stage (as of the year's last day, or today), category, department, township or leader.
//	@ID				statsBreakdown
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			by		query		string	true	"grouping"						Enums(stage,category,department,township,leader)
//	@Param			year	query		integer	false	"year; default the current one"	minimum(2000)
//	@Success		200		{object}	api.Breakdown
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Router			/api/v1/stats/breakdown [get]
func (h *handlers) statsBreakdown(c *gin.Context, p identity.Principal) error {
	year, on, err := h.statsPeriod(c, "by", "year")
	if err != nil {
		return err
	}
	by := c.Query("by")
	groups, err := h.stats.Breakdown(c.Request.Context(), p, by, year, on)
	if err != nil {
		return err
	}
	labels := map[string]string{}
	switch by {
	case "stage":
		labels = labelMap(project.Stages)
	case "category":
		labels = labelMap(project.Categories)
	case "department":
		ds, err := h.departments.List(c.Request.Context(), p)
		if err != nil {
			return err
		}
		for _, d := range ds {
			labels[d.Code] = d.Name
		}
	}
	out := api.Breakdown{By: by, Year: year, Items: make([]api.BreakdownItem, len(groups))}
	for i, g := range groups {
		label, found := labels[g.Key]
		if !found {
			label = g.Key
		}
		out.Items[i] = api.BreakdownItem{Key: g.Key, Label: label, Count: g.Count, TotalInvestmentYuan: g.TotalInvestmentYuan,
			PlannedYuan: g.PlannedYuan, CompletedYuan: g.CompletedYuan}
	}
	ok(c, http.StatusOK, out)
	return nil
}

func labelMap(ls []project.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Value] = l.ZH
	}
	return m
}

// statsBatches answers 三个一批 for a quarter.
//
//	@Summary		三个一批 (quarterly batches)
//	@Description	The projects the caller may read signed, started (first start; a resumption is not one) and put into production within the quarter: count, total and expected annual output, and their IDs.
//	@ID				statsBatches
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"						minimum(2000)
//	@Param			quarter	query		integer	false	"quarter; default today's, or 4 for a past year"	minimum(1)	maximum(4)
//	@Success		200		{object}	api.Batches
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Router			/api/v1/stats/batches [get]
func (h *handlers) statsBatches(c *gin.Context, p identity.Principal) error {
	year, on, err := h.statsPeriod(c, "year", "quarter")
	if err != nil {
		return err
	}
	quarter := (int(on.Month())-1)/3 + 1
	if s := c.Query("quarter"); s != "" {
		if quarter, err = strconv.Atoi(s); err != nil {
			quarter = 0
		}
	}
	b, err := h.stats.Batches(c.Request.Context(), p, year, quarter)
	if err != nil {
		return err
	}
	batch := func(s stats.Set) api.Batch {
		return api.Batch{ProjectSet: api.ProjectSet{Count: s.Count, TotalInvestmentYuan: s.TotalInvestmentYuan, ProjectIDs: nonNil(s.IDs)},
			ExpectedAnnualOutputYuan: s.ExpectedAnnualOutputYuan}
	}
	ok(c, http.StatusOK, api.Batches{Year: b.Year, Quarter: b.Quarter, Signed: batch(b.Signed), Started: batch(b.Started), InProduction: batch(b.InProduction)})
	return nil
}

// statsTrend answers a year month by month.
//
//	@Summary		Monthly trend
//	@Description	Investment completed each month and from January, against the year's plan × month / 12 (序时进度), and the stage moves of each month by target stage (imports aside), over the projects the caller may read.
//	@ID				statsTrend
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"	minimum(2000)
//	@Success		200		{object}	api.Trend
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Router			/api/v1/stats/trend [get]
func (h *handlers) statsTrend(c *gin.Context, p identity.Principal) error {
	year, _, err := h.statsPeriod(c, "year")
	if err != nil {
		return err
	}
	t, err := h.stats.Trend(c.Request.Context(), p, year)
	if err != nil {
		return err
	}
	out := api.Trend{Year: t.Year, PlannedYuan: t.PlannedYuan, Months: make([]api.TrendMonth, len(t.Months))}
	for i, m := range t.Months {
		moves := map[string]int64{}
		for st, n := range m.Moves {
			moves[string(st)] = n
		}
		out.Months[i] = api.TrendMonth{
			Month: calendar.Month{Year: t.Year, Month: m.Month}.String(), CompletedYuan: m.CompletedYuan,
			CumulativeCompletedYuan: m.CumulativeCompletedYuan, PlannedToDateYuan: m.PlannedToDateYuan, Moves: moves,
		}
	}
	ok(c, http.StatusOK, out)
	return nil
}
