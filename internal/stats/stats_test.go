package stats

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

func hist(entries ...string) []project.Step {
	var out []project.Step
	for _, e := range entries {
		to, on := e[:len(e)-11], e[len(e)-10:]
		out = append(out, project.Step{To: project.Stage(to), On: *day(on)})
	}
	return out
}

func issued(bt plan.BuildType, mods ...func(*plan.Entry)) []plan.Entry {
	e := plan.Entry{BuildType: bt, EffectiveOn: day("2021-01-01"), Section: plan.Industry}
	for _, m := range mods {
		m(&e)
	}
	return []plan.Entry{e}
}

func frameOn(asOf string, p int) frame {
	f := frame{Params: Params{Year: 2021, AsOf: *day(asOf), Basis: plan.AsOf}, targets: plan.DefaultTargets(2021), p: p}
	if p > 0 {
		f.period = &calendar.Month{Year: 2021, Month: time.Month(p)}
	}
	return f
}

// TestResumption: 复工率's denominator is the 续建 entries at 开工 or 停工 on
// 31 December, 停缓建 aside; its numerator those at 开工 or beyond on some
// day from 1 January to as_of and not 终止 on as_of.
func TestResumption(t *testing.T) {
	for _, tc := range []struct {
		name     string
		history  []string
		stalled  bool
		den, num bool
	}{
		{"under way all along", []string{"started@2020-05-01"}, false, true, true},
		{"stopped all winter, not resumed", []string{"started@2020-05-01", "suspended@2020-11-01"}, false, true, false},
		{"resumed in March, stopped in June", []string{"started@2020-05-01", "suspended@2020-11-01", "started@2021-03-01", "suspended@2021-06-01"}, false, true, true},
		{"resumed after as_of", []string{"started@2020-05-01", "suspended@2020-11-01", "started@2021-07-01"}, false, true, false},
		{"cancelled before as_of", []string{"started@2020-05-01", "cancelled@2021-03-01"}, false, true, false},
		{"completed in the year", []string{"started@2020-05-01", "completed@2021-04-01"}, false, true, true},
		{"producing since before the year", []string{"started@2018-05-01", "in_production@2019-05-01"}, false, false, false},
		{"cancelled before the year", []string{"started@2019-05-01", "cancelled@2020-10-01"}, false, false, false},
		{"stalled", []string{"started@2019-05-01", "suspended@2020-06-01"}, true, false, false},
		{"started on 31 December", []string{"signed@2020-05-01", "started@2020-12-31"}, false, true, true},
	} {
		r := Row{ID: "C", Stage: project.Started, History: hist(tc.history...),
			Entries: issued(plan.Continuing, func(e *plan.Entry) { e.Stalled, e.StalledReason = tc.stalled, "资金" })}
		o := computeOverview(slices.Values([]Row{r}), frameOn("2021-06-30", 5), true)
		assert.Equal(t, []bool{tc.den, tc.num}, []bool{o.Resumption.Denominator == 1, o.Resumption.Numerator == 1}, tc.name)
		assert.Equal(t, tc.stalled, len(o.Stalled) == 1, tc.name)
	}
}

// TestOverviewWithoutPlan: a year without a plan has no entries; every
// rate is null, the investment is outside the plan.
func TestOverviewWithoutPlan(t *testing.T) {
	rows := []Row{{ID: "A", Stage: project.Started, StartedOn: day("2021-03-01"), Months: [12]int64{100, 200}}}
	o := computeOverview(slices.Values(rows), frameOn("2021-03-31", 2), true)
	assert.Nil(t, o.Plan)
	assert.Nil(t, o.StartAnnual.Rate, "no denominator, no rate")
	assert.Nil(t, o.Investment.Rate)
	assert.Equal(t, []string{}, o.StartAnnual.DenominatorIDs)
	assert.Nil(t, o.GapPoints)
	assert.Equal(t, Money{Yuan: 300, IDs: []string{"A"}}, o.OutsidePlan)
	assert.Equal(t, 0.1667, o.TimeProgress)
	o = computeOverview(slices.Values(rows), frameOn("2021-03-31", 0), false)
	assert.Equal(t, 0.0, o.TimeProgress, "no period counts yet")
	assert.Equal(t, int64(0), o.OutsidePlan.Yuan)
	assert.Nil(t, o.OutsidePlan.IDs)
}

// TestInvestmentNoAmount: 投资完成率's numerator is months 1..P of the
// entries with a planned amount; an entry without one shows its money apart
// (a 5,000,000 report on it leaves the rate at 0%), and 累计完成投资 keeps
// every entry.
func TestInvestmentNoAmount(t *testing.T) {
	withAmount := func(e *plan.Entry) { e.PlannedYuan = yuan(11_000_000) }
	rows := []Row{
		{ID: "A", Stage: project.Started, Entries: issued(plan.Continuing, withAmount)},
		{ID: "B", Stage: project.Started, Entries: issued(plan.Continuing), Months: [12]int64{0, 5_000_000}},
		{ID: "C", Stage: project.Started, Entries: issued(plan.Continuing)},
		{ID: "D", Stage: project.Started, Months: [12]int64{70}},
	}
	for _, tc := range []struct {
		name     string
		kept     bool
		noAmount Money
		noIDs    []string
	}{
		{"with IDs", true, Money{Yuan: 5_000_000, IDs: []string{"B"}}, []string{"B", "C"}},
		{"without IDs", false, Money{Yuan: 5_000_000}, nil},
	} {
		o := computeOverview(slices.Values(rows), frameOn("2021-03-31", 2), tc.kept)
		assert.Equal(t, []int64{0, 11_000_000}, []int64{o.Investment.Numerator, o.Investment.Denominator}, tc.name)
		require.NotNil(t, o.Investment.Rate, tc.name)
		assert.Equal(t, 0.0, *o.Investment.Rate, tc.name)
		assert.Equal(t, tc.noAmount, o.NoAmount, tc.name)
		assert.Equal(t, tc.noIDs, o.NoAmountIDs, tc.name)
		assert.Equal(t, int64(70), o.OutsidePlan.Yuan, tc.name)
		assert.Equal(t, int64(5_000_000), o.Cumulative.YearYuan, "%s: 累计完成投资 keeps every entry", tc.name)
	}
}

func TestVersionOf(t *testing.T) {
	p := plan.Plan{Year: 2021, State: plan.Issued, IssuedOn: day("2021-02-01")}
	adjs := []Adjustment{{2, *day("2021-09-01")}, {1, *day("2021-07-01")}}
	for _, tc := range []struct {
		basis plan.Basis
		on    string
		rev   int
		eff   *time.Time
	}{
		{plan.AsOf, "2021-06-30", 0, day("2021-02-01")},
		{plan.AsOf, "2021-07-01", 1, day("2021-07-01")},
		{plan.AsOf, "2021-12-31", 2, day("2021-09-01")},
		{plan.Baseline, "2021-12-31", 0, day("2021-02-01")},
		{plan.Current, "2021-03-01", 2, day("2021-09-01")},
	} {
		v := versionOf(p, adjs, tc.basis, *day(tc.on))
		assert.Equal(t, &Version{State: plan.Issued, IssuedOn: p.IssuedOn, Basis: tc.basis, Revision: tc.rev, EffectiveOn: tc.eff}, v,
			"%s on %s", tc.basis, tc.on)
	}
	v := versionOf(plan.Plan{Year: 2021, State: plan.Draft}, nil, plan.AsOf, *day("2021-03-01"))
	assert.Equal(t, &Version{State: plan.Draft, Basis: plan.AsOf}, v, "a draft as it stands")
}

func TestNewFrame(t *testing.T) {
	today := *day("2021-06-05")
	y := Year{Periods: calendar.Periods{Due: map[calendar.Month]time.Time{{Year: 2021, Month: time.May}: *day("2021-06-08")}}}
	f := newFrame(Params{Year: 2021, AsOf: today}, y, today)
	assert.Equal(t, 4, f.p, "May is due on the 8th: April counts")
	assert.Equal(t, plan.AsOf, f.Basis)
	assert.Equal(t, plan.DefaultTargets(2021), f.targets, "no plan: the default targets")
	f = newFrame(Params{Year: 2021, AsOf: *day("2021-02-15")}, y, today)
	assert.Equal(t, 2, f.p, "not after as_of's month")
	f = newFrame(Params{Year: 2021, AsOf: today, Period: &calendar.Month{Year: 2021, Month: time.September}}, y, today)
	assert.Equal(t, 9, f.p, "a period named counts")
	f = newFrame(Params{Year: 2021, AsOf: *day("2021-01-04")}, Year{}, *day("2021-01-04"))
	assert.Zero(t, f.p, "no period yet")
	assert.Nil(t, f.period)
	targets := plan.Targets{StartRate: []plan.Checkpoint{{Date: *day("2021-05-31"), Rate: 0.5}}}
	f = newFrame(Params{Year: 2021, AsOf: today}, Year{Plan: &plan.Plan{Year: 2021, State: plan.Draft, Targets: targets}}, today)
	assert.Equal(t, targets, f.targets, "the plan's targets")
}

func TestCheckpointOn(t *testing.T) {
	cs := []plan.Checkpoint{{Date: *day("2021-06-30"), Rate: 0.75}, {Date: *day("2021-09-30"), Rate: 0.9}}
	assert.Equal(t, cs[0], checkpointOn(cs, *day("2021-03-01")))
	assert.Equal(t, cs[0], checkpointOn(cs, *day("2021-06-30")))
	assert.Equal(t, cs[1], checkpointOn(cs, *day("2021-07-01")))
	assert.Equal(t, cs[1], checkpointOn(cs, *day("2021-12-31")), "after the last: the last")
	assert.Equal(t, plan.Checkpoint{}, checkpointOn(nil, *day("2021-12-31")))
}

func TestComputeBatches(t *testing.T) {
	rows := []Row{
		{ID: "A", SignedOn: day("2021-04-02"), StartedOn: day("2021-05-01"), TotalInvestmentYuan: 10},
		{ID: "B", SignedOn: day("2021-01-02"), Designated: []Batch{{2, Started}}, ExpectedAnnualOutputYuan: 7},
		{ID: "C", ProductionOn: day("2021-08-01"), Designated: []Batch{{2, Signed}}},
	}
	b := computeBatches(slices.Values(rows), 2021, 2)
	assert.Equal(t, BatchSet{Set: Set{Count: 1, ExpectedAnnualOutputYuan: 7, IDs: []string{"B"}}}, b.Started, "designated: the dates do not count")
	assert.Equal(t, []string{"C"}, b.Signed.IDs)
	assert.False(t, b.Signed.Derived)
	assert.Equal(t, BatchSet{Set: Set{IDs: []string{}}, Derived: true}, b.InProduction, "nothing designated: derived")
	b = computeBatches(slices.Values(rows), 2021, 0)
	assert.Equal(t, []string{"B", "C"}, b.Signed.IDs, "the year: Q1 derived, Q2 designated (A's day does not count)")
	assert.True(t, b.Signed.Derived)
	assert.Equal(t, []string{"B"}, b.Started.IDs)
	assert.Equal(t, []string{"C"}, b.InProduction.IDs)
	b = computeBatches(slices.Values(rows[:1]), 2021, 2)
	assert.Equal(t, BatchSet{Set: Set{Count: 1, TotalInvestmentYuan: 10, IDs: []string{"A"}}, Derived: true}, b.Started,
		"designated only among rows the caller may not read: derived from A's day")
}

func TestComputeBreakdown(t *testing.T) {
	rows := []Row{
		{ID: "A", Stage: project.Started, Entries: issued(plan.New, func(e *plan.Entry) { e.PlannedYuan = yuan(100); e.Section = plan.Livelihood }),
			Months: [12]int64{10, 20, 30}},
		{ID: "B", Stage: project.Signed, Entries: issued(plan.Continuing), Months: [12]int64{5}},
		{ID: "C", Stage: project.Started, Months: [12]int64{7, 7}},
		{ID: "D", Stage: project.Started, Entries: issued(plan.Continuing, func(e *plan.Entry) { e.PlannedYuan = yuan(50) }), Months: [12]int64{1}},
	}
	f := frameOn("2021-06-30", 2)
	assert.Equal(t, []Group{
		{Key: "industry", Count: 2, Entries: 2, PlannedYuan: 50, CompletedYuan: 1, NoAmountYuan: 5, IDs: []string{"B", "D"}},
		{Key: "livelihood", Count: 1, Entries: 1, PlannedYuan: 100, CompletedYuan: 30, IDs: []string{"A"}},
		{Key: OutsidePlanKey, Count: 1, OutsidePlanYuan: 14, IDs: []string{"C"}},
	}, computeBreakdown(slices.Values(rows), "section", f, true).Groups, "in the sections' order; months 1..P; B's without an amount apart")
	assert.Nil(t, computeBreakdown(slices.Values(rows), "section", f, false).Groups[0].IDs, "no IDs asked for")
	keys := func(gs []Group) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Key)
		}
		return out
	}
	assert.Equal(t, []string{"new", "continuing", OutsidePlanKey}, keys(computeBreakdown(slices.Values(rows), "build_type", f, false).Groups))
	assert.Equal(t, []string{"signed", "started"}, keys(computeBreakdown(slices.Values(rows), "stage", f, false).Groups))
}

func TestComputeTrend(t *testing.T) {
	rows := []Row{
		{ID: "A", Entries: issued(plan.New, func(e *plan.Entry) { e.PlannedYuan = yuan(1200) }), Months: [12]int64{10, 20, 30}},
		{ID: "B", Months: [12]int64{0, 0, 0, 40}},
		{ID: "C", Entries: issued(plan.Continuing), Months: [12]int64{0, 5_000}},
	}
	tr := computeTrend(slices.Values(rows), frameOn("2021-06-30", 2))
	assert.Equal(t, int64(1200), tr.PlannedYuan)
	assert.Equal(t, TrendMonth{Month: time.February, Due: true, CompletedYuan: 20, CumulativeCompletedYuan: 30, PlannedToDateYuan: 200,
		NoAmountYuan: 5_000}, tr.Months[1], "C's month without a planned amount apart")
	assert.Equal(t, TrendMonth{Month: time.March, CompletedYuan: 30, CumulativeCompletedYuan: 60, PlannedToDateYuan: 300}, tr.Months[2], "not yet due")
	assert.Equal(t, int64(40), tr.Months[3].OutsidePlanYuan)
}

func TestOptions(t *testing.T) {
	ps := Params{Year: 2021}
	require.NoError(t, Options(&ps, "", "", ""))
	assert.Equal(t, Params{Year: 2021, Basis: plan.AsOf}, ps)
	require.NoError(t, Options(&ps, "baseline", "2021-07", "accepted"))
	assert.Equal(t, Params{Year: 2021, Basis: plan.Baseline, Period: &calendar.Month{Year: 2021, Month: time.July}, AcceptedOnly: true}, ps)
	err := Options(&Params{Year: 2021}, "latest", "2020-12", "all")
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	assert.Len(t, apperr.As(err).Fields, 3)
	err = Options(&Params{Year: 2021}, "", "2021-13", "")
	assert.Equal(t, []apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}}, apperr.As(err).Fields)
}

func TestPeriod(t *testing.T) {
	today := *day("2021-06-15")
	for _, tc := range []struct {
		year, asOf string
		want       string
		wantYear   int
		ok         bool
	}{
		{"", "", "2021-06-15", 2021, true},
		{"2020", "", "2020-12-31", 2020, true},
		{"2021", "2021-03-31", "2021-03-31", 2021, true},
		{"2022", "", "2022-01-01", 2022, true},
		{"2021", "2020-12-31", "", 0, false},
		{"2021", "2021-06-16", "", 0, false},
		{"2021", "2021-13-01", "", 0, false},
		{"1999", "", "", 0, false},
		{"2023", "", "", 0, false},
		{"abc", "", "", 0, false},
	} {
		y, on, err := Period(tc.year, tc.asOf, today)
		if !tc.ok {
			assert.Error(t, err, "%s %s", tc.year, tc.asOf)
			continue
		}
		require.NoError(t, err, "%s %s", tc.year, tc.asOf)
		assert.Equal(t, tc.wantYear, y)
		assert.Equal(t, tc.want, on.Format(time.DateOnly), "%s %s", tc.year, tc.asOf)
	}
}

func yuan(n int64) *int64 { return &n }

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}
