package statstest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Register enters into a register what a case of the contract reads back
// through the store: the in-memory Store takes it as it is, the SQL store
// through its tables. IDs are UUIDs, days are at midnight UTC.
type Register interface {
	// Add enters a project, with the fields of its Row that are not
	// worked out (the year's figures and the history are not entered).
	Add(ctx context.Context, p Project) error
	// Move appends an entry to a project's history: each comes after the
	// ones entered before it in recorded order.
	Move(ctx context.Context, id string, m Move) error
	// Plan sets a project's plan for a year.
	Plan(ctx context.Context, id string, year int, yuan int64) error
	// Progress sets the investment a project completed in a month.
	Progress(ctx context.Context, id string, year int, month time.Month, yuan int64) error
}

// StoreContract checks that a store keeps what stats.Store and stats.Query
// document: rows of the live projects in scope only, in ID order, until
// yield stops them; each with its fields as entered, the year's plan and
// the investment completed up to as_of's month, and its history exactly
// when stats.Query names it; and MonthlyTrend's sums and move counts by
// month, imports aside. open returns an empty register, as a store and the
// Register that fills it; each case opens its own, since the statistics
// read every project in scope.
func StoreContract(t *testing.T, open func(t *testing.T) (stats.Store, Register)) {
	t.Helper()
	cases := []struct {
		name string
		run  func(f *fixture)
	}{
		{"rows hold the live projects in scope", scopeAndArchive},
		{"rows come in ID order with the fields entered", orderAndFields},
		{"the stream ends when yield returns false", earlyStop},
		{"the year's plan and the investment completed up to as_of's month", yearFigures},
		{"histories exactly for the projects stats.Query names", histories},
		{"the monthly trend sums reports and counts moves, imports aside", monthlyTrend},
		{"the monthly trend holds the live projects in scope", trendScope},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st, reg := open(t)
			c.run(&fixture{t: t, st: st, reg: reg})
		})
	}
}

// fixture is one case's register and its store.
type fixture struct {
	t   *testing.T
	st  stats.Store
	reg Register
}

// base is the project a case starts from: a new wind project of the energy
// bureau at planning, every optional field empty.
func base(id string) Project {
	return Project{Row: stats.Row{ID: id, Department: "energy", Category: "wind", BuildType: project.New,
		Stage: project.Planning, Health: health.Green}}
}

// add enters a project made from base by mods and returns its ID.
func (f *fixture) add(mods ...func(*Project)) string {
	f.t.Helper()
	p := base(uuid.NewString())
	for _, m := range mods {
		m(&p)
	}
	require.NoError(f.t, f.reg.Add(context.Background(), p))
	return p.ID
}

// in sets the department; archived archives; as sets build type and stage.
func in(dept string) func(*Project) { return func(p *Project) { p.Department = dept } }

func archived(p *Project) { p.Archived = true }

func as(bt project.BuildType, st project.Stage) func(*Project) {
	return func(p *Project) { p.BuildType, p.Stage = bt, st }
}

// move enters history entries, "stage@YYYY-MM-DD" or
// "kind:stage@YYYY-MM-DD", of kind move unless named.
func (f *fixture) move(id string, entries ...string) {
	f.t.Helper()
	for _, e := range entries {
		require.NoError(f.t, f.reg.Move(context.Background(), id, entry(e)))
	}
}

func entry(e string) Move {
	kind := project.KindMove
	if k, rest, ok := strings.Cut(e, ":"); ok {
		kind, e = k, rest
	}
	stage, on, _ := strings.Cut(e, "@")
	return Move{To: project.Stage(stage), On: date(on), Kind: kind}
}

func (f *fixture) plan(id string, year int, yuan int64) {
	f.t.Helper()
	require.NoError(f.t, f.reg.Plan(context.Background(), id, year, yuan))
}

func (f *fixture) progress(id string, year int, month time.Month, yuan int64) {
	f.t.Helper()
	require.NoError(f.t, f.reg.Progress(context.Background(), id, year, month, yuan))
}

// rows reads every row of sc for q.
func (f *fixture) rows(sc project.Reach, q stats.Query) []stats.Row {
	f.t.Helper()
	out := []stats.Row{}
	require.NoError(f.t, f.st.Rows(context.Background(), sc, q, func(r stats.Row) bool {
		out = append(out, r)
		return true
	}))
	return out
}

// ids reads the IDs of sc's rows for q, in the order they come.
func (f *fixture) ids(sc project.Reach, q stats.Query) []string {
	f.t.Helper()
	out := []string{}
	for _, r := range f.rows(sc, q) {
		out = append(out, r.ID)
	}
	return out
}

// byID indexes rows by ID.
func byID(rows []stats.Row) map[string]stats.Row {
	out := map[string]stats.Row{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

func date(s string) time.Time {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayPtr(s string) *time.Time { d := date(s); return &d }

func query(year int, asOf string) stats.Query { return stats.Query{Year: year, AsOf: date(asOf)} }

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

var (
	all      = project.Reach{All: true}
	energy   = project.Reach{Department: "energy"}
	industry = project.Reach{Department: "industry"}
)

func scopeAndArchive(f *fixture) {
	e1, e2, i1 := f.add(), f.add(), f.add(in("industry"))
	gone := f.add(archived, as(project.Continuing, project.Started))
	f.plan(gone, 2021, 500)
	f.progress(gone, 2021, time.March, 50)
	f.move(gone, "started@2021-07-01")
	f.add(archived, in("industry"))
	q := query(2021, "2021-06-30")
	assert.Equal(f.t, sorted(e1, e2), f.ids(energy, q), "a department reads its own")
	assert.Equal(f.t, []string{i1}, f.ids(industry, q))
	assert.Equal(f.t, sorted(e1, e2, i1), f.ids(all, q), "the whole register, archived projects aside")
	assert.Empty(f.t, f.ids(project.Reach{}, q), "no department, no rows")
	assert.Empty(f.t, f.ids(project.Reach{Department: "tourism"}, q), "a department without projects")
}

func orderAndFields(f *fixture) {
	ids := sorted(uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString())
	full := Project{Row: stats.Row{ID: ids[2], Department: "industry", Category: "solar_pv", Township: "壶泉镇",
		Leader: "张副县长", BuildType: project.Continuing, Stage: project.InProduction, Health: health.Yellow,
		TotalInvestmentYuan: 456_789_012, ExpectedAnnualOutputYuan: 98_765_432, PlannedStartDate: dayPtr("2020-03-01"),
		SignedOn: dayPtr("2019-12-02"), StartedOn: dayPtr("2020-03-18"), ProductionOn: dayPtr("2021-03-05")}}
	// Entered out of ID order.
	for _, i := range []int{3, 0, 4} {
		f.add(func(p *Project) { p.ID = ids[i] })
	}
	require.NoError(f.t, f.reg.Add(context.Background(), full))
	f.add(func(p *Project) { p.ID = ids[1]; p.Health = health.Red })
	q := query(2021, "2021-06-30")
	rows := f.rows(all, q)
	assert.Equal(f.t, ids, f.ids(all, q), "in ID order")
	got := byID(rows)
	assert.Equal(f.t, full.Row, got[ids[2]], "every field as entered")
	assert.Equal(f.t, base(ids[0]).Row, got[ids[0]], "every optional field empty: no day, no amount")
	assert.Equal(f.t, health.Red, got[ids[1]].Health)
}

func earlyStop(f *fixture) {
	var ids []string
	for range 5 {
		ids = append(ids, f.add())
	}
	ids = sorted(ids...)
	for _, n := range []int{1, 3} {
		var seen []string
		err := f.st.Rows(context.Background(), all, query(2021, "2021-06-30"), func(r stats.Row) bool {
			seen = append(seen, r.ID)
			return len(seen) < n
		})
		require.NoError(f.t, err, "a stop is no error")
		assert.Equal(f.t, ids[:n], seen, "no row after yield returned false")
	}
}

func yearFigures(f *fixture) {
	a, b, c := f.add(), f.add(), f.add()
	f.plan(a, 2020, 500)
	f.plan(a, 2021, 1200)
	f.plan(a, 2022, 9)
	f.plan(b, 2021, 0)
	for _, p := range []struct {
		year  int
		month time.Month
		yuan  int64
	}{{2020, time.December, 7}, {2021, time.January, 100}, {2021, time.June, 200}, {2021, time.July, 400},
		{2021, time.December, 800}, {2022, time.January, 3}} {
		f.progress(a, p.year, p.month, p.yuan)
	}
	f.progress(c, 2021, time.March, 50)
	yuan := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		q         stats.Query
		planned   []*int64 // a, b, c
		completed []int64
	}{
		{query(2021, "2021-06-30"), []*int64{yuan(1200), yuan(0), nil}, []int64{300, 0, 50}},
		{query(2021, "2021-01-01"), []*int64{yuan(1200), yuan(0), nil}, []int64{100, 0, 0}},
		{query(2021, "2021-12-31"), []*int64{yuan(1200), yuan(0), nil}, []int64{1500, 0, 50}},
		{query(2020, "2020-12-31"), []*int64{yuan(500), nil, nil}, []int64{7, 0, 0}},
		{query(2022, "2022-01-31"), []*int64{yuan(9), nil, nil}, []int64{3, 0, 0}},
		{query(2023, "2023-06-30"), []*int64{nil, nil, nil}, []int64{0, 0, 0}},
	} {
		got := byID(f.rows(all, tc.q))
		for i, id := range []string{a, b, c} {
			name := tc.q.AsOf.Format(time.DateOnly) + " " + string(rune('a'+i))
			assert.Equal(f.t, tc.planned[i], got[id].PlannedYuan, "plan, %s: nil when none, a plan of 0 is 0", name)
			assert.Equal(f.t, tc.completed[i], got[id].CompletedYuan, "completed, %s: the year's months up to as_of's", name)
		}
	}
}
