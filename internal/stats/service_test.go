package stats_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

// The principals of the service tests, as internal/auth makes them.
var (
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	// nowhere is bound to a department without naming one: it reads nothing.
	nowhere = identity.Principal{Subject: "u7", Name: "nowhere", Role: identity.RoleDeptViewer}
	// Clients of the energy bureau's system, with the OAuth scopes named.
	clientRead  = client(identity.ScopeProjectsRead)
	clientBlind = client(identity.ScopeEventsRead, identity.ScopeProjectsWrite)
)

func client(scopes ...string) identity.Principal {
	return identity.Principal{Subject: "c1", Name: "能源局系统", Role: identity.RoleDeptViewer, Department: "energy", ClientID: "pc_1", Scopes: scopes}
}

// The projects of the service tests; their IDs sort in this order.
const (
	e1       = "p1-energy-new"
	e2       = "p2-energy-continuing"
	i1       = "p3-industry-new"
	archived = "p4-energy-archived"
)

// clock is the service's clock, which a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a Service over the in-memory store, holding a small register
// of 2021, on a clock at 15 June 2021.
type fixture struct {
	svc   *stats.Service
	store *statstest.Store
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: statstest.NewStore(), clock: &clock{t: time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC)}}
	f.svc = stats.NewService(f.store, f.clock.now)
	ctx := context.Background()
	for _, p := range []statstest.Project{
		{Row: stats.Row{ID: e1, Department: "energy", Category: "wind", Township: "壶泉镇", Leader: "张副县长",
			Stage: project.Started, Health: health.Green, TotalInvestmentYuan: 60_000_000,
			SignedOn: on("2021-02-10"), StartedOn: on("2021-03-15")}},
		{Row: stats.Row{ID: e2, Department: "energy", Category: "solar_pv", Township: "南村镇", Leader: "张副县长",
			Stage: project.Started, Health: health.Yellow, TotalInvestmentYuan: 150_000_000,
			ExpectedAnnualOutputYuan: 9_000_000, StartedOn: on("2019-05-01"), ProductionOn: on("2021-05-20")}},
		{Row: stats.Row{ID: i1, Department: "industry", Category: "materials", Township: "壶泉镇", Leader: "李副县长",
			Stage: project.Signed, Health: health.Red, TotalInvestmentYuan: 20_000_000, SignedOn: on("2021-04-02")}},
		{Row: stats.Row{ID: archived, Department: "energy", Category: "wind", Stage: project.Started,
			Health: health.Green, StartedOn: on("2021-02-01")}, Archived: true},
	} {
		require.NoError(t, f.store.Add(ctx, p))
	}
	moves := []struct {
		id, kind string
		to       project.Stage
		on       string
	}{
		{e1, project.KindImport, project.Signed, "2021-02-10"}, {e1, project.KindMove, project.Started, "2021-03-15"},
		{e2, project.KindImport, project.Started, "2019-05-01"}, {e2, project.KindMove, project.Suspended, "2021-04-01"},
		{e2, project.KindResumption, project.Started, "2021-05-01"}, {i1, project.KindMove, project.Signed, "2021-04-02"},
		{archived, project.KindMove, project.Started, "2021-02-01"},
	}
	for _, m := range moves {
		require.NoError(t, f.store.Move(ctx, m.id, statstest.Move{To: m.to, On: *on(m.on), Kind: m.kind}))
	}
	for _, y := range []int{2020, 2021} {
		require.NoError(t, f.store.Plan(ctx, plan.Plan{Year: y, State: plan.Issued, IssuedOn: on(fmt.Sprintf("%d-01-01", y))}))
	}
	for _, p := range []struct {
		id    string
		year  int
		bt    plan.BuildType
		yuan  int64
		start string
	}{{e1, 2021, plan.New, 600, "2021-03"}, {e2, 2021, plan.Continuing, 1200, ""}, {i1, 2021, plan.New, 300, "2021-05"},
		{archived, 2021, plan.New, 5000, "2021-02"}, {e1, 2020, plan.Preliminary, 77, ""}} {
		e := plan.Entry{Year: p.year, ProjectID: p.id, Version: 1, EffectiveOn: on(fmt.Sprintf("%d-01-01", p.year)), BuildType: p.bt,
			PlannedYuan: &p.yuan, Section: plan.Industry}
		if p.start != "" {
			m, err := calendar.ParseMonth(p.start)
			require.NoError(t, err)
			e.PlannedStartMonth = &m
		}
		require.NoError(t, f.store.Entry(ctx, e))
	}
	for _, p := range []struct {
		id    string
		month time.Month
		yuan  int64
	}{{e1, time.January, 100}, {e1, time.June, 200}, {e1, time.July, 50}, {e2, time.March, 300}, {i1, time.April, 30}, {archived, time.March, 999}} {
		require.NoError(t, f.store.Report(ctx, statstest.Report{ProjectID: p.id, Month: calendar.Month{Year: 2021, Month: p.month},
			CompletedYuan: p.yuan, State: dispatch.Accepted}))
	}
	return f
}

// params asks for the year of day as of that day, on the plan as of it.
func params(day string) stats.Params {
	d := *on(day)
	return stats.Params{Year: d.Year(), AsOf: d, Basis: plan.AsOf}
}

func on(s string) *time.Time {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// reads is how many times the store was read, Rows and MonthlyMoves.
func (f *fixture) reads() [2]int { return [2]int{f.store.Reads("Rows"), f.store.Reads("MonthlyMoves")} }

func keys(b stats.Breakdown) []string {
	out := []string{}
	for _, g := range b.Groups {
		out = append(out, g.Key)
	}
	return out
}

func TestReadPermission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	asOf := params("2021-06-15")
	rendered := false
	render := func(stats.Overview) ([]byte, error) { rendered = true; return nil, nil }
	calls := map[string]func(p identity.Principal) error{
		"overview": func(p identity.Principal) error { _, err := f.svc.Overview(ctx, p, asOf, true); return err },
		"rendered overview": func(p identity.Principal) error {
			_, err := f.svc.RenderedOverview(ctx, p, asOf, true, render)
			return err
		},
		"rendered overview without the IDs": func(p identity.Principal) error {
			_, err := f.svc.RenderedOverview(ctx, p, asOf, false, render)
			return err
		},
		"overview with the IDs": func(p identity.Principal) error {
			_, err := f.svc.IDsOverview(ctx, p, asOf)
			return err
		},
		"breakdown": func(p identity.Principal) error { _, err := f.svc.Breakdown(ctx, p, "stage", asOf, false); return err },
		"batches":   func(p identity.Principal) error { _, err := f.svc.Batches(ctx, p, 2021, 2); return err },
		"trend":     func(p identity.Principal) error { _, err := f.svc.Trend(ctx, p, asOf); return err },
	}
	for name, call := range calls {
		err := call(clientBlind)
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), "%s: a client without projects:read", name)
	}
	assert.Equal(t, [2]int{0, 0}, f.reads(), "nothing is read for a client that may not read")
	assert.False(t, rendered)
	for name, call := range calls {
		for _, p := range []identity.Principal{clientRead, leader, energyViewer, nowhere} {
			assert.NoError(t, call(p), "%s: %s reads", name, p.Name)
		}
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	asOf := params("2021-06-30")
	for _, tc := range []struct {
		p          identity.Principal
		ids        []string // the new projects planned in the year, of the live projects read
		planned    int64
		completed  int64 // to May, P on 15 June
		year       int64 // to December
		department []string
	}{
		{bureau, []string{e1, i1}, 2100, 430, 680, []string{"energy", "industry"}},
		{leader, []string{e1, i1}, 2100, 430, 680, []string{"energy", "industry"}},
		{energyViewer, []string{e1}, 1800, 400, 650, []string{"energy"}},
		{clientRead, []string{e1}, 1800, 400, 650, []string{"energy"}},
		{industryEditor, []string{i1}, 300, 30, 30, []string{"industry"}},
		{nowhere, []string{}, 0, 0, 0, []string{}},
	} {
		o, err := f.svc.Overview(ctx, tc.p, asOf, true)
		require.NoError(t, err)
		assert.Equal(t, tc.ids, o.StartAnnual.DenominatorIDs, tc.p.Name)
		assert.Equal(t, []int64{tc.planned, tc.completed}, []int64{o.Investment.Denominator, o.Investment.Numerator}, tc.p.Name)
		gs, err := f.svc.Breakdown(ctx, tc.p, "department", asOf, false)
		require.NoError(t, err)
		assert.Equal(t, tc.department, keys(gs), "%s: a department sees its own", tc.p.Name)
		tr, err := f.svc.Trend(ctx, tc.p, asOf)
		require.NoError(t, err)
		assert.Equal(t, tc.planned, tr.PlannedYuan, tc.p.Name)
		assert.Equal(t, tc.year, tr.Months[11].CumulativeCompletedYuan, tc.p.Name)
	}
}

func TestOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	asOf := params("2021-04-15")
	o, err := f.svc.Overview(ctx, bureau, asOf, true)
	require.NoError(t, err)
	assert.Equal(t, []string{e2}, o.Resumption.DenominatorIDs)
	assert.Equal(t, []string{e2}, o.Resumption.NumeratorIDs, "under way on 1 January: 已复工, though suspended on 15 April")
	assert.Equal(t, []string{e1}, o.StartToDate.DenominatorIDs, "i1 is planned for May")
	assert.Equal(t, []string{e1}, o.StartToDate.NumeratorIDs)
	assert.Equal(t, []int64{430, 2100}, []int64{o.Investment.Numerator, o.Investment.Denominator}, "January to April, P")
	assert.Equal(t, "2021-04", o.Period.String())

	without, err := f.svc.Overview(ctx, bureau, asOf, false)
	require.NoError(t, err)
	assert.Nil(t, without.StartAnnual.DenominatorIDs, "no IDs unless asked")
	assert.Equal(t, o.StartAnnual.Numerator, without.StartAnnual.Numerator)

	reads := f.reads()
	_, err = f.svc.Overview(ctx, bureau, asOf, false)
	require.NoError(t, err)
	assert.Equal(t, reads[0]+1, f.reads()[0], "Overview itself is not cached")

	boom := errors.New("boom")
	f.store.Fail("Rows", boom)
	_, err = f.svc.Overview(ctx, bureau, asOf, false)
	assert.ErrorIs(t, err, boom)
	f.store.Fail("Rows", nil)
	f.store.Fail("Year", boom)
	_, err = f.svc.Overview(ctx, bureau, asOf, false)
	assert.ErrorIs(t, err, boom)
}

// TestPeriodRefused: a period named after the current month is refused
// before anything is read; one not yet due is an explicit request and
// allowed; a January reported with February is refused naming February.
func TestPeriodRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.store.Period(ctx, calendar.Month{Year: 2021, Month: time.February}, *on("2021-03-08"), true))
	for _, tc := range []struct {
		name   string
		period calendar.Month
		want   []apperr.FieldError
	}{
		{"after the current month", calendar.Month{Year: 2021, Month: time.July},
			[]apperr.FieldError{{Field: "period", Code: "in_future", Param: "2021-06"}}},
		{"the current month, not yet due", calendar.Month{Year: 2021, Month: time.June}, nil},
		{"January reported with February", calendar.Month{Year: 2021, Month: time.January},
			[]apperr.FieldError{{Field: "period", Code: "combined_period", Param: "2021-02"}}},
		{"February, with January", calendar.Month{Year: 2021, Month: time.February}, nil},
		{"January of a year reported monthly", calendar.Month{Year: 2020, Month: time.January}, nil},
	} {
		ps := params("2021-06-15")
		if tc.period.Year == 2020 {
			ps = params("2020-12-31")
		}
		ps.Period = &tc.period
		calls := map[string]func() error{
			"overview":  func() error { _, err := f.svc.Overview(ctx, bureau, ps, false); return err },
			"trend":     func() error { _, err := f.svc.Trend(ctx, bureau, ps); return err },
			"breakdown": func() error { _, err := f.svc.Breakdown(ctx, bureau, "stage", ps, false); return err },
		}
		for name, call := range calls {
			err := call()
			if tc.want == nil {
				assert.NoError(t, err, "%s: %s", name, tc.name)
				continue
			}
			require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%s: %s", name, tc.name)
			assert.Equal(t, tc.want, apperr.As(err).Fields, "%s: %s", name, tc.name)
		}
	}
}

func TestBreakdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	asOf := params("2021-04-15")
	for _, by := range []string{"", "owner", "Stage", "stage,category", "health"} {
		_, err := f.svc.Breakdown(ctx, bureau, by, asOf, false)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%q", by)
		assert.Equal(t, []apperr.FieldError{{Field: "by", Code: "invalid_value", Param: "stage,category,department,township,leader,section,build_type"}},
			apperr.As(err).Fields, "%q", by)
	}
	assert.Equal(t, [2]int{0, 0}, f.reads(), "an unknown key reads nothing")

	want := map[string][]stats.Group{
		"stage": {{Key: "signed", Count: 1, Entries: 1, TotalInvestmentYuan: 20_000_000, PlannedYuan: 300, CompletedYuan: 30},
			{Key: "started", Count: 1, Entries: 1, TotalInvestmentYuan: 60_000_000, PlannedYuan: 600, CompletedYuan: 100},
			{Key: "suspended", Count: 1, Entries: 1, TotalInvestmentYuan: 150_000_000, PlannedYuan: 1200, CompletedYuan: 300}},
		"category": {{Key: "wind", Count: 1, Entries: 1, TotalInvestmentYuan: 60_000_000, PlannedYuan: 600, CompletedYuan: 100},
			{Key: "solar_pv", Count: 1, Entries: 1, TotalInvestmentYuan: 150_000_000, PlannedYuan: 1200, CompletedYuan: 300},
			{Key: "materials", Count: 1, Entries: 1, TotalInvestmentYuan: 20_000_000, PlannedYuan: 300, CompletedYuan: 30}},
		"department": {{Key: "energy", Count: 2, Entries: 2, TotalInvestmentYuan: 210_000_000, PlannedYuan: 1800, CompletedYuan: 400},
			{Key: "industry", Count: 1, Entries: 1, TotalInvestmentYuan: 20_000_000, PlannedYuan: 300, CompletedYuan: 30}},
		"township": {{Key: "南村镇", Count: 1, Entries: 1, TotalInvestmentYuan: 150_000_000, PlannedYuan: 1200, CompletedYuan: 300},
			{Key: "壶泉镇", Count: 2, Entries: 2, TotalInvestmentYuan: 80_000_000, PlannedYuan: 900, CompletedYuan: 130}},
		"leader": {{Key: "张副县长", Count: 2, Entries: 2, TotalInvestmentYuan: 210_000_000, PlannedYuan: 1800, CompletedYuan: 400},
			{Key: "李副县长", Count: 1, Entries: 1, TotalInvestmentYuan: 20_000_000, PlannedYuan: 300, CompletedYuan: 30}},
		"section": {{Key: "industry", Count: 3, Entries: 3, TotalInvestmentYuan: 230_000_000, PlannedYuan: 2100, CompletedYuan: 430}},
		"build_type": {{Key: "new", Count: 2, Entries: 2, TotalInvestmentYuan: 80_000_000, PlannedYuan: 900, CompletedYuan: 130},
			{Key: "continuing", Count: 1, Entries: 1, TotalInvestmentYuan: 150_000_000, PlannedYuan: 1200, CompletedYuan: 300}},
	}
	for _, by := range stats.BreakdownKeys {
		gs, err := f.svc.Breakdown(ctx, bureau, by, asOf, false)
		require.NoError(t, err, by)
		assert.Equal(t, want[by], gs.Groups, "%s: stages and categories in their order, the others by key; stages on 15 April", by)
	}
}

func TestBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, q := range []int{5, -1} {
		_, err := f.svc.Batches(ctx, bureau, 2021, q)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), "quarter %d", q)
		assert.Equal(t, []apperr.FieldError{{Field: "quarter", Code: "out_of_range", Param: "1..4"}}, apperr.As(err).Fields)
	}
	assert.Equal(t, [2]int{0, 0}, f.reads(), "a quarter out of range reads nothing")
	ids := func(b stats.Batches) [3][]string { return [3][]string{b.Signed.IDs, b.Started.IDs, b.InProduction.IDs} }
	for q, want := range map[int][3][]string{
		1: {{e1}, {e1}, {}},
		2: {{i1}, {}, {e2}},
		3: {{}, {}, {}},
		4: {{}, {}, {}},
	} {
		b, err := f.svc.Batches(ctx, bureau, 2021, q)
		require.NoError(t, err)
		assert.Equal(t, want, ids(b), "quarter %d: signed, started, put into production", q)
		assert.Equal(t, []int{2021, q}, []int{b.Year, b.Quarter})
		assert.True(t, b.Signed.Derived, "nothing designated")
	}
	b, err := f.svc.Batches(ctx, bureau, 2021, 0)
	require.NoError(t, err)
	assert.Equal(t, [3][]string{{e1, i1}, {e1}, {e2}}, ids(b), "the year")
	b, err = f.svc.Batches(ctx, energyViewer, 2021, 2)
	require.NoError(t, err)
	assert.Equal(t, [3][]string{{}, {}, {e2}}, ids(b), "a department's own")
	assert.Equal(t, stats.BatchSet{Set: stats.Set{Count: 1, TotalInvestmentYuan: 150_000_000, ExpectedAnnualOutputYuan: 9_000_000, IDs: []string{e2}},
		Derived: true}, b.InProduction)
}

func TestTrend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tr, err := f.svc.Trend(ctx, bureau, params("2021-06-15"))
	require.NoError(t, err)
	assert.Equal(t, 2021, tr.Year)
	assert.Equal(t, int64(2100), tr.PlannedYuan, "the year's plans, the archived project's aside")
	completed := [12]int64{100, 0, 300, 30, 0, 200, 50}
	moves := [12]map[project.Stage]int64{2: {project.Started: 1}, 3: {project.Suspended: 1, project.Signed: 1}, 4: {project.Started: 1}}
	require.Len(t, tr.Months, 12)
	var cum int64
	for i, m := range tr.Months {
		cum += completed[i]
		want := moves[i]
		if want == nil {
			want = map[project.Stage]int64{}
		}
		assert.Equal(t, stats.TrendMonth{Month: time.Month(i + 1), Due: i < 5, CompletedYuan: completed[i], CumulativeCompletedYuan: cum,
			PlannedToDateYuan: 2100 * int64(i+1) / 12, Moves: want}, m, "month %d: the plan to date is the year's × month ÷ 12", i+1)
	}
	assert.Equal(t, int64(680), tr.Months[11].CumulativeCompletedYuan)

	tr, err = f.svc.Trend(ctx, industryEditor, params("2021-06-15"))
	require.NoError(t, err)
	assert.Equal(t, []int64{25, 50, 75}, []int64{tr.Months[0].PlannedToDateYuan, tr.Months[1].PlannedToDateYuan, tr.Months[2].PlannedToDateYuan})
	assert.Equal(t, map[project.Stage]int64{project.Signed: 1}, tr.Months[3].Moves, "a department's own moves")

	tr, err = f.svc.Trend(ctx, bureau, params("2020-12-31"))
	require.NoError(t, err)
	assert.Equal(t, int64(77), tr.PlannedYuan)
	assert.Equal(t, []int64{6, 12, 19}, []int64{tr.Months[0].PlannedToDateYuan, tr.Months[1].PlannedToDateYuan, tr.Months[2].PlannedToDateYuan},
		"rounded down")
	assert.Zero(t, tr.Months[11].CumulativeCompletedYuan)
}

// TestOneSnapshot: a statistic reads the year's plan and its rows in one
// snapshot, so that the plan version it names is the one its rows were
// counted under.
func TestOneSnapshot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.Overview(ctx, bureau, params("2021-04-15"), false)
	require.NoError(t, err)
	_, err = f.svc.Breakdown(ctx, bureau, "stage", params("2021-04-15"), false)
	require.NoError(t, err)
	require.Positive(t, f.store.Reads("Year"))
	require.Positive(t, f.store.Reads("Rows"))
	assert.Zero(t, f.store.Reads("outside"), "Year or Rows read outside a snapshot")
}
