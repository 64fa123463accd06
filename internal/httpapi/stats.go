package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
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

// idsIf is ids (never null) when they were asked for, else null.
func idsIf(kept bool, ids []string) []string {
	if !kept {
		return nil
	}
	return nonNil(ids)
}

// statsParams reads year, as_of, plan, period and reports, refusing other
// parameters than those named.
func (h *handlers) statsParams(c *gin.Context, params ...string) (stats.Params, error) {
	if err := onlyParams(c, params...); err != nil {
		return stats.Params{}, err
	}
	year, on, err := stats.Period(c.Query("year"), c.Query("as_of"), calendar.Today(h.now()))
	if err != nil {
		return stats.Params{}, err
	}
	ps := stats.Params{Year: year, AsOf: on}
	return ps, stats.Options(&ps, c.Query("plan"), c.Query("period"), c.Query("reports"))
}

// idsParam reads ids, true or false, def when it is not given.
func idsParam(c *gin.Context, def bool) (bool, error) {
	v, ok := c.GetQuery("ids")
	if !ok {
		return def, nil
	}
	if v != "true" && v != "false" {
		return false, apperr.Fields([]apperr.FieldError{{Field: "ids", Code: "invalid_value", Param: "true,false"}})
	}
	return v == "true", nil
}

// statsOverview answers the leadership's KPIs.
//
//	@Summary		KPI overview
//	@Description	The KPIs of docs/stats.md over the projects the caller may read, read from the year's plan (the version named in plan; null when the year has none, and every rate then null) and the monthly reports that count: 开工率 of the 新建 entries on both bases against the checkpoint in force, 复工率 of the 续建 entries under construction at the end of the year before (stages from the history; 停缓建 apart), 投资完成率 of months 1..P of the entries with a planned amount against 序时进度 (P's month ÷ 12), with the investment of the entries without an amount (no_amount) and outside the plan apart, 累计完成投资 (every entry), 入统 (apart), 本年竣工 and 本年投产, projects by stage, 亿元以上 projects; every number with the IDs of the projects behind it. P is the latest period whose due day has passed today, not after as_of's month, or period. With ids=false every project_ids is null: the numbers alone, a few hundred bytes however large the register (with the IDs, 200,000 projects make some 38 MB). The formulas, with a worked example: docs/stats.md.
//	@ID				statsOverview
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"													minimum(2000)
//	@Param			as_of	query		string	false	"day within the year, not in the future; default today or the year's last day"	format(date)
//	@Param			plan	query		string	false	"plan version read"																Enums(as_of,baseline,current)	default(as_of)
//	@Param			period	query		string	false	"last month whose reports count (YYYY-MM, within the year, not after the current month; not a January reported with February); default P"
//	@Param			reports	query		string	false	"reports that count: submitted and accepted, or accepted only"	Enums(counted,accepted)	default(counted)
//	@Param			ids		query		boolean	false	"with the IDs behind each number (false: project_ids null)"		default(true)
//	@Success		200		{object}	api.Overview
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/overview [get]
func (h *handlers) statsOverview(c *gin.Context, p identity.Principal) error {
	ps, err := h.statsParams(c, "year", "as_of", "plan", "period", "reports", "ids")
	if err != nil {
		return err
	}
	ids, err := idsParam(c, true)
	if err != nil {
		return err
	}
	if ids {
		o, err := h.stats.IDsOverview(c.Request.Context(), p, ps)
		if err != nil {
			return err
		}
		return writeIDsOverview(c, o)
	}
	b, err := h.stats.RenderedOverview(c.Request.Context(), p, ps, false, func(o stats.Overview) ([]byte, error) {
		return json.Marshal(toOverviewResponse(o, false))
	})
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	return nil
}

// writeIDsOverview writes the overview with every ID as it goes, the bytes
// json.Marshal(toOverviewResponse(o, true)) would give (writeHollow). Once
// it has begun, an error cuts the answer (answer); a client gone is not
// one.
func writeIDsOverview(c *gin.Context, o stats.Overview) error {
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	err := writeHollow(c.Writer, toOverviewResponse(o, true))
	if err != nil && c.Writer.Written() && clientGone(c) {
		return nil
	}
	return err
}

// dayString is a day as YYYY-MM-DD, or nil.
func dayString(d *time.Time) *string {
	if d == nil || d.IsZero() {
		return nil
	}
	s := d.Format(time.DateOnly)
	return &s
}

// monthString is a month as YYYY-MM, or nil.
func toPlanVersion(v *stats.Version) *api.PlanVersion {
	if v == nil {
		return nil
	}
	return &api.PlanVersion{State: string(v.State), IssuedOn: dayString(v.IssuedOn), Basis: string(v.Basis),
		Revision: v.Revision, EffectiveOn: dayString(v.EffectiveOn)}
}

func toCheckpoints(cs []plan.Checkpoint) []api.Checkpoint {
	out := make([]api.Checkpoint, len(cs))
	for i, c := range cs {
		out[i] = api.Checkpoint{Date: c.Date.Format(time.DateOnly), Rate: c.Rate}
	}
	return out
}

func toFirsts(f stats.Firsts, ids bool) api.Firsts {
	set := func(s stats.Set) api.ProjectSet {
		return api.ProjectSet{Count: s.Count, TotalInvestmentYuan: s.TotalInvestmentYuan, ProjectIDs: idsIf(ids, s.IDs)}
	}
	return api.Firsts{Plan: set(f.Plan), OutsidePlan: set(f.OutsidePlan)}
}

func toOverviewResponse(o stats.Overview, ids bool) api.Overview {
	reports := "counted"
	if o.AcceptedOnly {
		reports = "accepted"
	}
	stalled := make([]api.StalledEntry, len(o.Stalled))
	for i, s := range o.Stalled {
		stalled[i] = api.StalledEntry{ProjectID: s.ID, Reason: s.Reason}
	}
	out := api.Overview{
		Year: o.Year, AsOf: o.AsOf.Format(time.DateOnly), Period: monthString(o.Period), Plan: toPlanVersion(o.Plan), Reports: reports,
		StartRate: api.StartRate{Annual: toRateResponse(o.StartAnnual, ids), ToDate: toRateResponse(o.StartToDate, ids),
			Target: o.StartTarget.Rate, TargetDate: dayString(&o.StartTarget.Date), Checkpoints: toCheckpoints(o.StartCheckpoints),
			MisclassifiedIDs: nonNil(o.Misclassified)},
		ResumptionRate: api.TargetRate{Rate: toRateResponse(o.Resumption, ids), Target: o.ResumptionTarget.Rate,
			TargetDate: dayString(&o.ResumptionTarget.Date), Stalled: stalled},
		InvestmentCompletion: api.InvestmentCompletion{Rate: toRateResponse(o.Investment, ids), TimeProgress: o.TimeProgress, GapPoints: o.GapPoints,
			NoAmountIDs: idsIf(ids, o.NoAmountIDs), NoAmount: api.Money{Yuan: o.NoAmount.Yuan, ProjectIDs: idsIf(ids, o.NoAmount.IDs)},
			OutsidePlan: api.Money{Yuan: o.OutsidePlan.Yuan, ProjectIDs: idsIf(ids, o.OutsidePlan.IDs)}},
		CumulativeCompletion: api.Cumulative{OpeningYuan: o.Cumulative.OpeningYuan, YearYuan: o.Cumulative.YearYuan,
			TotalYuan: o.Cumulative.OpeningYuan + o.Cumulative.YearYuan, ProjectIDs: idsIf(ids, o.Cumulative.IDs),
			OpeningSetIDs: idsIf(ids, o.Cumulative.OpeningSetIDs)},
		Statistical:          api.Statistical{Yuan: o.Statistical.Yuan, Count: o.StatisticalCount, ProjectIDs: idsIf(ids, o.Statistical.IDs)},
		CompletedThisYear:    toFirsts(o.Completed, ids),
		InProductionThisYear: toFirsts(o.Production, ids),
		Over100M:             api.ProjectSet{Count: o.Over100M.Count, TotalInvestmentYuan: o.Over100M.TotalInvestmentYuan, ProjectIDs: idsIf(ids, o.Over100M.IDs)},
		Projects:             api.Totals{Count: o.All.Count, TotalInvestmentYuan: o.All.TotalInvestmentYuan},
		Health:               api.HealthCounts{Green: o.Health[health.Green], Yellow: o.Health[health.Yellow], Red: o.Health[health.Red]},
		ByStage:              []api.StageCount{},
	}
	for _, l := range project.Stages {
		if st, ok := o.ByStage[project.Stage(l.Value)]; ok {
			out.ByStage = append(out.ByStage, api.StageCount{Stage: l.Value, Count: st.Count, TotalInvestmentYuan: st.TotalInvestmentYuan})
		}
	}
	return out
}
