package statstest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// The projects of the worked example of docs/stats.md, P01 to P13; their
// IDs sort in this order.
func workedID(n int) string {
	return "00000000-0000-4000-8000-0000000000" + string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// WorkedToday is the day the worked example is computed on: 4 August 2021,
// 10:00 in the county; July's reports are due tomorrow.
var WorkedToday = time.Date(2021, 8, 4, 2, 0, 0, 0, time.UTC)

// workedProject is one project of the worked example and what belongs to it.
type workedProject struct {
	n       int
	stage   project.Stage
	mods    func(*Project)
	history []string
	entry   func(*plan.Entry) // nil: no entry
	bt      plan.BuildType
	reports []workedReport
}

type workedReport struct {
	month       string
	yuan        int64
	state       dispatch.State
	statistical int64
}

// workedRegister is the worked example's register (docs/stats.md).
var workedRegister = []workedProject{
	{1, project.InProduction, func(p *Project) { p.StartedOn, p.ProductionOn = dayPtr("2018-03-01"), dayPtr("2019-10-01") },
		[]string{"started@2018-03-01", "completed@2019-06-01", "in_production@2019-10-01"}, func(*plan.Entry) {}, plan.Continuing,
		[]workedReport{{"2021-03", 80_000, dispatch.Accepted, 0}}},
	{2, project.Suspended, func(p *Project) { p.StartedOn = dayPtr("2019-05-01") },
		[]string{"started@2019-05-01", "suspended@2020-11-15"}, planned(2_000_000), plan.Continuing, nil},
	{3, project.Suspended, func(p *Project) { p.StartedOn = dayPtr("2020-04-01") },
		[]string{"started@2020-04-01", "suspended@2020-12-01", "resumption:started@2021-03-10", "suspended@2021-06-20"},
		planned(3_000_000), plan.Continuing, []workedReport{
			{"2020-12", 500_000, dispatch.Accepted, 0}, {"2021-03", 200_000, dispatch.Accepted, 0},
			{"2021-04", 300_000, dispatch.Submitted, 0}, {"2021-05", 150_000, dispatch.Submitted, 0},
			{"2021-05", 120_000, dispatch.Submitted, 0}, {"2021-06", 250_000, dispatch.Returned, 0},
			{"2021-07", 400_000, dispatch.Submitted, 0},
		}},
	{4, project.Suspended, func(p *Project) { p.StartedOn = dayPtr("2019-08-01") },
		[]string{"started@2019-08-01", "suspended@2020-06-01"},
		func(e *plan.Entry) {
			e.PlannedYuan, e.Stalled, e.StalledReason = yuan(1_000_000), true, "资金链断裂"
		}, plan.Continuing, nil},
	{5, project.InProduction, func(p *Project) {
		p.StartedOn, p.CompletedOn, p.ProductionOn, p.InStatisticsSince = dayPtr("2020-05-01"), dayPtr("2021-07-01"), dayPtr("2021-07-25"), month("2020-06")
	}, []string{"started@2020-05-01", "completed@2021-07-01", "in_production@2021-07-25"},
		func(e *plan.Entry) { e.PlannedYuan, e.OpeningYuan = yuan(5_000_000), yuan(8_000_000) }, plan.Continuing,
		[]workedReport{{"2021-02", 1_000_000, dispatch.Accepted, 900_000}, {"2021-06", 1_500_000, dispatch.Accepted, 1_400_000}}},
	{6, project.Started, func(p *Project) { p.StartedOn = dayPtr("2021-05-10") }, nil,
		planned(4_000_000), plan.New, []workedReport{{"2021-05", 600_000, dispatch.Submitted, 0}}},
	{7, project.Started, func(p *Project) { p.StartedOn = dayPtr("2020-11-20") }, nil,
		func(e *plan.Entry) { e.PlannedYuan, e.PlannedStartMonth = yuan(2_000_000), month("2021-03") }, plan.New,
		[]workedReport{{"2021-04", 300_000, dispatch.Accepted, 0}}},
	{8, project.Signed, func(p *Project) { p.SignedOn = dayPtr("2021-03-02") }, nil,
		func(e *plan.Entry) { e.PlannedYuan, e.PlannedStartMonth = yuan(1_500_000), month("2021-05") }, plan.New, nil},
	{9, project.Signed, nil, nil,
		func(e *plan.Entry) { e.PlannedYuan, e.PlannedStartMonth = yuan(1_000_000), month("2021-10") }, plan.New, nil},
	{10, project.Planning, nil, nil, planned(500_000), plan.Preliminary, []workedReport{{"2021-03", 50_000, dispatch.Accepted, 0}}},
	{11, project.Started, func(p *Project) { p.StartedOn = dayPtr("2021-07-20") }, nil,
		func(e *plan.Entry) {
			e.PlannedYuan, e.PlannedStartMonth, e.Revision, e.EffectiveOn = yuan(2_500_000), month("2021-07"), 1, dayPtr("2021-07-15")
		}, plan.New, []workedReport{{"2021-05", 100_000, dispatch.Accepted, 0}, {"2021-06", 200_000, dispatch.Submitted, 0}}},
	{12, project.Started, func(p *Project) { p.StartedOn, p.InStatisticsSince = dayPtr("2020-09-01"), month("2021-07") }, nil,
		nil, "", []workedReport{{"2021-04", 700_000, dispatch.Submitted, 0}}},
	{13, project.InProduction, func(p *Project) {
		p.StartedOn, p.CompletedOn, p.ProductionOn = dayPtr("2020-03-01"), dayPtr("2021-04-15"), dayPtr("2021-06-01")
	}, nil, nil, "", nil},
}

func planned(n int64) func(*plan.Entry) { return func(e *plan.Entry) { e.PlannedYuan = yuan(n) } }

// enterWorked enters the worked example into reg.
func enterWorked(t *testing.T, reg Register) {
	t.Helper()
	f := &fixture{t: t, reg: reg}
	require.NoError(t, reg.Plan(f.ctx(), plan.Plan{Year: 2021, State: plan.Issued, IssuedOn: dayPtr("2021-01-20"), Revisions: 1,
		Targets: plan.Targets{StartRate: []plan.Checkpoint{{Date: date("2021-06-30"), Rate: 0.75}, {Date: date("2021-09-30"), Rate: 0.9}},
			Resumption: &plan.Checkpoint{Date: date("2021-03-31"), Rate: 1}},
		Version: 3, UpdatedAt: time.Date(2021, 7, 15, 1, 0, 0, 0, time.UTC), UpdatedBy: "bureau"}))
	for _, w := range workedRegister {
		p := base(workedID(w.n))
		p.Stage, p.Health, p.TotalInvestmentYuan = w.stage, health.Green, int64(w.n)*10_000_000
		if w.mods != nil {
			w.mods(&p)
		}
		require.NoError(t, reg.Add(f.ctx(), p))
		f.move(p.ID, w.history...)
		if w.entry != nil {
			e := entryOf(p.ID, 2021, w.bt, func(e *plan.Entry) { e.EffectiveOn = dayPtr("2021-01-20") })
			w.entry(&e)
			f.entry(e)
		}
		for _, r := range w.reports {
			if r.statistical > 0 {
				f.report(p.ID, r.month, r.yuan, r.state, r.statistical)
			} else {
				f.report(p.ID, r.month, r.yuan, r.state)
			}
		}
	}
}

// ids names the worked example's projects.
func ids(ns ...int) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, workedID(n))
	}
	return out
}

// WorkedExample enters the worked example of docs/stats.md into an empty
// register and holds the overview computed over it, on WorkedToday, to
// every number the document gives.
func WorkedExample(t *testing.T, open Opener) {
	t.Helper()
	st, reg := open(t)
	enterWorked(t, reg)
	svc := stats.NewService(st, func() time.Time { return WorkedToday })
	bureau := identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	ps := stats.Params{Year: 2021, AsOf: date("2021-08-04"), Basis: plan.AsOf}
	o, err := svc.Overview(context.Background(), bureau, ps, true)
	require.NoError(t, err)
	checkWorked(t, o)
	checkWorkedVariants(t, svc, bureau, ps)
}

func rate(n, d int64, r float64, num, den []string) stats.Rate {
	return stats.Rate{Numerator: n, Denominator: d, Rate: &r, NumeratorIDs: num, DenominatorIDs: den}
}

func checkWorked(t *testing.T, o stats.Overview) {
	t.Helper()
	require.NotNil(t, o.Period)
	assert.Equal(t, "2021-06", o.Period.String(), "P: July's reports are due tomorrow")
	assert.Equal(t, &stats.Version{State: plan.Issued, IssuedOn: dayPtr("2021-01-20"), Basis: plan.AsOf, Revision: 1,
		EffectiveOn: dayPtr("2021-07-15")}, o.Plan, "the plan as issued and adjusted by 4 August")
	assert.Equal(t, rate(2, 5, 0.4, ids(6, 11), ids(6, 7, 8, 9, 11)), o.StartAnnual, "开工率 (annual)")
	assert.Equal(t, rate(2, 4, 0.5, ids(6, 11), ids(6, 7, 8, 11)), o.StartToDate, "开工率 (to date)")
	assert.Equal(t, ids(7), o.Misclassified, "started before the year")
	assert.Equal(t, plan.Checkpoint{Date: date("2021-09-30"), Rate: 0.9}, o.StartTarget, "the checkpoint in force")
	assert.Len(t, o.StartCheckpoints, 2)
	assert.Equal(t, rate(2, 3, 0.6667, ids(3, 5), ids(2, 3, 5)), o.Resumption, "复工率")
	assert.Equal(t, []stats.Stalled{{ID: workedID(4), Reason: "资金链断裂"}}, o.Stalled, "停缓建 apart")
	assert.Equal(t, plan.Checkpoint{Date: date("2021-03-31"), Rate: 1}, o.ResumptionTarget)
	assert.Equal(t, rate(4_370_000, 22_500_000, 0.1942, ids(3, 5, 6, 7, 10, 11), ids(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), o.Investment, "投资完成率")
	assert.Equal(t, ids(1), o.NoAmountIDs, "an entry without a planned amount")
	assert.Equal(t, stats.Money{Yuan: 80_000, IDs: ids(1)}, o.NoAmount, "its months apart, never in the rate")
	assert.Equal(t, stats.Money{Yuan: 700_000, IDs: ids(12)}, o.OutsidePlan, "outside the plan, apart")
	assert.Equal(t, 0.5, o.TimeProgress, "序时进度: June ÷ 12")
	require.NotNil(t, o.GapPoints)
	assert.Equal(t, 30.58, *o.GapPoints)
	assert.Equal(t, stats.Cumulative{OpeningYuan: 8_500_000, YearYuan: 4_450_000, IDs: ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
		OpeningSetIDs: ids(5)}, o.Cumulative, "累计完成投资")
	assert.Equal(t, stats.Money{Yuan: 2_300_000, IDs: ids(5)}, o.Statistical, "入统")
	assert.Equal(t, int64(1), o.StatisticalCount)
	assert.Equal(t, []string{workedID(5)}, o.Completed.Plan.IDs, "本年竣工")
	assert.Equal(t, []string{workedID(13)}, o.Completed.OutsidePlan.IDs)
	assert.Equal(t, []string{workedID(5)}, o.Production.Plan.IDs, "本年投产")
	assert.Equal(t, []string{workedID(13)}, o.Production.OutsidePlan.IDs)
	assert.Equal(t, int64(13), o.All.Count)
}

func checkWorkedVariants(t *testing.T, svc *stats.Service, p identity.Principal, ps stats.Params) {
	t.Helper()
	ctx := context.Background()
	base := ps
	base.Basis = plan.Baseline
	o, err := svc.Overview(ctx, p, base, true)
	require.NoError(t, err)
	assert.Equal(t, &stats.Version{State: plan.Issued, IssuedOn: dayPtr("2021-01-20"), Basis: plan.Baseline,
		EffectiveOn: dayPtr("2021-01-20")}, o.Plan)
	assert.Equal(t, rate(1, 4, 0.25, ids(6), ids(6, 7, 8, 9)), o.StartAnnual, "the baseline: P11 not in the plan")
	assert.Equal(t, []int64{4_070_000, 20_000_000}, []int64{o.Investment.Numerator, o.Investment.Denominator})
	assert.Equal(t, stats.Money{Yuan: 1_000_000, IDs: ids(11, 12)}, o.OutsidePlan)
	assert.Equal(t, stats.Money{Yuan: 80_000, IDs: ids(1)}, o.NoAmount)

	accepted := ps
	accepted.AcceptedOnly = true
	o, err = svc.Overview(ctx, p, accepted, true)
	require.NoError(t, err)
	assert.Equal(t, []int64{3_150_000, 22_500_000}, []int64{o.Investment.Numerator, o.Investment.Denominator}, "accepted reports only")

	july := ps
	july.Period = month("2021-07")
	o, err = svc.Overview(ctx, p, july, false)
	require.NoError(t, err)
	assert.Equal(t, int64(4_770_000), o.Investment.Numerator, "July named: its reports count")
	assert.Equal(t, 0.5833, o.TimeProgress)
	assert.Nil(t, o.Investment.NumeratorIDs, "no IDs asked for")
}
