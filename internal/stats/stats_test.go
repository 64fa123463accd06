package stats

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// statsFixture is the worked example of docs/stats.md: 2021, as of 30 June.
func statsFixture() []Row {
	hist := func(entries ...string) []project.Step {
		// entries: "to@day"
		var out []project.Step
		for _, e := range entries {
			to, on := e[:len(e)-11], e[len(e)-10:]
			out = append(out, project.Step{To: project.Stage(to), On: *day(on)})
		}
		return out
	}
	yuan := func(n int64) *int64 { return &n }
	return []Row{
		// project.New projects.
		{ID: "N1", BuildType: project.New, Stage: project.Started, PlannedStartDate: day("2021-03-01"), StartedOn: day("2021-03-15"),
			PlannedYuan: yuan(600), CompletedYuan: 300, TotalInvestmentYuan: 60_000_000},
		{ID: "N2", BuildType: project.New, Stage: project.Landed, PlannedStartDate: day("2021-05-01"), TotalInvestmentYuan: 150_000_000,
			SignedOn: day("2021-04-02")},
		{ID: "N3", BuildType: project.New, Stage: project.Started, PlannedStartDate: day("2021-09-01"), StartedOn: day("2021-06-20"),
			ExpectedAnnualOutputYuan: 9_000_000, TotalInvestmentYuan: 20_000_000},
		{ID: "N4", BuildType: project.New, Stage: project.Signed, PlannedStartDate: day("2021-08-01"), SignedOn: day("2021-05-10")},
		{ID: "N5", BuildType: project.New, Stage: project.Started, PlannedStartDate: day("2020-11-01"), StartedOn: day("2021-02-01")},
		{ID: "N6", BuildType: project.New, Stage: project.Started, PlannedStartDate: day("2021-04-01"), StartedOn: day("2021-07-05"),
			History: hist("landed@2021-03-01", "started@2021-07-05")},
		// project.Continuing projects.
		{ID: "C1", BuildType: project.Continuing, Stage: project.Started, PlannedYuan: yuan(1200), CompletedYuan: 300, TotalInvestmentYuan: 100_000_000},
		{ID: "C2", BuildType: project.Continuing, Stage: project.Started,
			History: hist("started@2020-05-01", "suspended@2020-11-15", "started@2021-07-10")},
		{ID: "C3", BuildType: project.Continuing, Stage: project.Cancelled, History: hist("started@2019-05-01", "cancelled@2020-10-01")},
		{ID: "C4", BuildType: project.Continuing, Stage: project.Cancelled, History: hist("started@2019-05-01", "cancelled@2021-05-01")},
		{ID: "C5", BuildType: project.Continuing, Stage: project.Completed, ProductionOn: nil, History: hist("started@2019-05-01", "completed@2021-04-01")},
	}
}

func TestOverviewWorkedExample(t *testing.T) {
	o := ComputeOverview(slices.Values(statsFixture()), 2021, *day("2021-06-30"), true)
	rate := func(r Rate) []any {
		v := -1.0
		if r.Rate != nil {
			v = *r.Rate
		}
		return []any{r.Numerator, r.Denominator, v, r.NumeratorIDs, r.DenominatorIDs}
	}
	assert.Equal(t, []any{int64(2), int64(5), 0.4, []string{"N1", "N3"}, []string{"N1", "N2", "N3", "N4", "N6"}}, rate(o.StartAnnual), "start rate, the year's plan")
	assert.Equal(t, []any{int64(1), int64(3), 0.3333, []string{"N1"}, []string{"N1", "N2", "N6"}}, rate(o.StartToDate), "start rate, the plan to date")
	assert.Equal(t, []any{int64(2), int64(4), 0.5, []string{"C1", "C5"}, []string{"C1", "C2", "C4", "C5"}}, rate(o.Resumption),
		"C3 was cancelled before the year; C2 was still stopped on 30 June; C4 cancelled in the year")
	assert.Equal(t, []any{int64(600), int64(1800), 0.3333, []string{"N1", "C1"}, []string{"N1", "C1"}}, rate(o.Investment))
	assert.Equal(t, 0.5, o.TimeProgress)
	require.NotNil(t, o.GapPoints)
	assert.Equal(t, 16.67, *o.GapPoints)
	assert.Equal(t, []string{"N2", "C1"}, o.Over100M.IDs, "亿元以上 includes exactly 100,000,000")
	assert.Equal(t, int64(11), o.All.Count)
	assert.Equal(t, int64(330_000_000), o.All.TotalInvestmentYuan)
	counts := map[project.Stage]int64{}
	for st, s := range o.ByStage {
		counts[st] = s.Count
	}
	assert.Equal(t, map[project.Stage]int64{project.Started: 4, project.Landed: 2, project.Signed: 1, project.Suspended: 1, project.Cancelled: 2, project.Completed: 1}, counts,
		"stages on 30 June: N6 was still landed, C2 suspended")
}

// TestOverviewWithoutIDs: the numbers are the same without the IDs
// behind them, and no ID is kept.
func TestOverviewWithoutIDs(t *testing.T) {
	with := ComputeOverview(slices.Values(statsFixture()), 2021, *day("2021-06-30"), true)
	without := ComputeOverview(slices.Values(statsFixture()), 2021, *day("2021-06-30"), false)
	for _, r := range []*Rate{&with.StartAnnual, &with.StartToDate, &with.Resumption, &with.Investment} {
		r.NumeratorIDs, r.DenominatorIDs = nil, nil
	}
	with.Over100M.IDs = nil
	assert.Equal(t, with, without)
	assert.Equal(t, int64(2), without.StartAnnual.Numerator)
	assert.Equal(t, int64(2), without.Over100M.Count)
}

func TestOverviewWithoutPlans(t *testing.T) {
	o := ComputeOverview(slices.Values([]Row(nil)), 2021, *day("2021-03-31"), true)
	assert.Nil(t, o.StartAnnual.Rate, "no denominator, no rate")
	assert.Equal(t, []string{}, o.StartAnnual.DenominatorIDs)
	assert.Nil(t, o.GapPoints)
	assert.Equal(t, 0.25, o.TimeProgress)
}

func TestBatchesWorkedExample(t *testing.T) {
	b := ComputeBatches(slices.Values(statsFixture()), 2021, 2)
	assert.Equal(t, []string{"N2", "N4"}, b.Signed.IDs)
	assert.Equal(t, int64(150_000_000), b.Signed.TotalInvestmentYuan)
	assert.Equal(t, []string{"N3"}, b.Started.IDs, "first starts in April–June")
	assert.Equal(t, int64(9_000_000), b.Started.ExpectedAnnualOutputYuan)
	assert.Equal(t, []string{}, b.InProduction.IDs)
	b = ComputeBatches(slices.Values(statsFixture()), 2021, 1)
	assert.Equal(t, []string{"N1", "N5"}, b.Started.IDs)
}

func TestBreakdown(t *testing.T) {
	gs := ComputeBreakdown(slices.Values(statsFixture()), "stage", *day("2021-06-30"))
	var keys []string
	for _, g := range gs {
		keys = append(keys, g.Key)
	}
	assert.Equal(t, []string{"signed", "landed", "started", "completed", "suspended", "cancelled"}, keys, "in the stages' order")
	gs = ComputeBreakdown(slices.Values(statsFixture()), "category", *day("2021-06-30"))
	require.Len(t, gs, 1)
	assert.Equal(t, Group{Key: "", Count: 11, TotalInvestmentYuan: 330_000_000, PlannedYuan: 1800, CompletedYuan: 600}, gs[0])
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

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}
