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
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Register enters into a register what a case of the contract reads back
// through the store: the in-memory Store takes it as it is, the SQL store
// through its tables (those of the register, the plan and the dispatch,
// filled directly). IDs are UUIDs, days are at midnight UTC.
type Register interface {
	// Add enters a project, with the fields of its Row that are not
	// worked out.
	Add(ctx context.Context, p Project) error
	// Move appends an entry to a project's history: each comes after the
	// ones entered before it in recorded order.
	Move(ctx context.Context, id string, m Move) error
	// Plan enters a year's plan (without its entries).
	Plan(ctx context.Context, p plan.Plan) error
	// Entry adds a state of a project's entry in a year's plan.
	Entry(ctx context.Context, e plan.Entry) error
	// Report enters a project's month, replacing one entered before.
	Report(ctx context.Context, r Report) error
	// Period sets a dispatch period's due day, and whether it reports its
	// January too.
	Period(ctx context.Context, m calendar.Month, due time.Time, combined bool) error
	// Designation designates a project into a batch.
	Designation(ctx context.Context, d stats.Designation) error
}

// Opener returns an empty register, as a store and the Register that
// fills it.
type Opener func(t *testing.T) (Stores, Register)

// Stores are the two stores of the statistics.
type Stores interface {
	stats.Store
	stats.DesignationStore
}

// StoreContract checks that a store keeps what stats.Store, stats.Row and
// stats.DesignationStore document. Each case opens its own register, since
// the statistics read every project in scope.
func StoreContract(t *testing.T, open Opener) {
	t.Helper()
	cases := []struct {
		name string
		run  func(f *fixture)
	}{
		{"rows hold the live projects in scope", scopeAndArchive},
		{"rows come in ID order with the fields entered", orderAndFields},
		{"the stream ends when yield returns false", earlyStop},
		{"reports that count, by month, and the earlier years'", reportSums},
		{"every state of the year's entries", entries},
		{"histories exactly for the projects stats.Row names", histories},
		{"the year: plan, adjustments, calendar, designated batches", yearOf},
		{"designations: recorded once, removed, read with the rows", designations},
		{"the monthly moves, imports aside, in scope", monthlyMoves},
		{"investment attraction: landing, contract, origin, the year's funds", attraction},
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
	st  Stores
	reg Register
}

func (f *fixture) ctx() context.Context { return context.Background() }

// base is the project a case starts from: a wind project of the energy
// bureau at planning, every optional field empty.
func base(id string) Project {
	return Project{Row: stats.Row{ID: id, Department: "energy", Category: "wind", Stage: project.Planning, Health: health.Green}}
}

// add enters a project made from base by mods and returns its ID.
func (f *fixture) add(mods ...func(*Project)) string {
	f.t.Helper()
	p := base(uuid.NewString())
	for _, m := range mods {
		m(&p)
	}
	require.NoError(f.t, f.reg.Add(f.ctx(), p))
	return p.ID
}

func in(dept string) func(*Project) { return func(p *Project) { p.Department = dept } }

func archived(p *Project) { p.Archived = true }

func at(st project.Stage) func(*Project) { return func(p *Project) { p.Stage = st } }

// move enters history entries, "stage@YYYY-MM-DD" or
// "kind:stage@YYYY-MM-DD", of kind move unless named.
func (f *fixture) move(id string, entries ...string) {
	f.t.Helper()
	for _, e := range entries {
		require.NoError(f.t, f.reg.Move(f.ctx(), id, entry(e)))
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

// plan enters an issued plan of year, issued on its first day.
func (f *fixture) plan(year int) {
	f.t.Helper()
	require.NoError(f.t, f.reg.Plan(f.ctx(), plan.Plan{Year: year, State: plan.Issued, IssuedOn: dayPtr(jan1(year)),
		Version: 1, UpdatedAt: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedBy: "bureau"}))
}

func jan1(year int) string { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) }

// entryOf is an entry of the issued plan of year as issued.
func entryOf(id string, year int, bt plan.BuildType, mods ...func(*plan.Entry)) plan.Entry {
	e := plan.Entry{Year: year, ProjectID: id, Version: 1, EffectiveOn: dayPtr(jan1(year)), BuildType: bt,
		BuildTypeSource: plan.SourceSet, KeyLevel: "county", Department: "energy", Section: plan.Industry,
		RecordedAt: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), RecordedBy: "bureau"}
	for _, m := range mods {
		m(&e)
	}
	return e
}

func (f *fixture) entry(e plan.Entry) {
	f.t.Helper()
	require.NoError(f.t, f.reg.Entry(f.ctx(), e))
}

// report enters a month's report, "YYYY-MM".
func (f *fixture) report(id, month string, yuan int64, state dispatch.State, statistical ...int64) {
	f.t.Helper()
	m, err := calendar.ParseMonth(month)
	require.NoError(f.t, err)
	r := Report{ProjectID: id, Month: m, CompletedYuan: yuan, State: state}
	if len(statistical) > 0 {
		r.StatisticalYuan = &statistical[0]
	}
	require.NoError(f.t, f.reg.Report(f.ctx(), r))
}

// rows reads every row of sc for q.
func (f *fixture) rows(sc project.Reach, q stats.Query) []stats.Row {
	f.t.Helper()
	out := []stats.Row{}
	require.NoError(f.t, f.st.Rows(f.ctx(), sc, q, func(r stats.Row) bool {
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

func month(s string) *calendar.Month {
	m, err := calendar.ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return &m
}

func query(year int, asOf string) stats.Query { return stats.Query{Year: year, AsOf: date(asOf)} }

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func yuan(n int64) *int64 { return &n }

var (
	all      = project.Reach{All: true}
	energy   = project.Reach{Department: "energy"}
	industry = project.Reach{Department: "industry"}
)

func scopeAndArchive(f *fixture) {
	e1, e2, i1 := f.add(), f.add(), f.add(in("industry"))
	gone := f.add(archived, at(project.Started))
	f.plan(2021)
	f.entry(entryOf(gone, 2021, plan.Continuing))
	f.report(gone, "2021-03", 50, dispatch.Accepted)
	f.move(gone, "started@2021-07-01")
	q2 := stats.Batch{Quarter: 2, Kind: stats.Started}
	require.NoError(f.t, f.reg.Designation(f.ctx(), stats.Designation{Year: 2021, Batch: q2, ProjectID: gone,
		DesignatedAt: time.Date(2021, 4, 2, 0, 0, 0, 0, time.UTC), DesignatedBy: "bureau"}))
	f.add(archived, in("industry"))
	q := query(2021, "2021-06-30")
	assert.Equal(f.t, sorted(e1, e2), f.ids(energy, q), "a department reads its own")
	assert.Equal(f.t, []string{i1}, f.ids(industry, q))
	assert.Equal(f.t, sorted(e1, e2, i1), f.ids(all, q), "the whole register, archived projects aside")
	assert.Empty(f.t, f.ids(project.Reach{}, q), "no department, no rows")
	assert.Empty(f.t, f.ids(project.Reach{Department: "tourism"}, q), "a department without projects")
	require.NoError(f.t, f.st.Undesignate(f.ctx(), 2021, q2, gone), "an archived project's designation can be removed")
}

func orderAndFields(f *fixture) {
	ids := sorted(uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString())
	full := Project{Row: stats.Row{ID: ids[2], Department: "industry", Category: "solar_pv", Township: "壶泉镇",
		Leader: "张副县长", Stage: project.InProduction, Health: health.Yellow,
		TotalInvestmentYuan: 456_789_012, ExpectedAnnualOutputYuan: 98_765_432, SignedOn: dayPtr("2019-12-02"),
		LandedOn: dayPtr("2020-01-15"), ContractAmountYuan: yuan(300_000_000), InvestorOrigin: "yangtze_delta",
		StartedOn: dayPtr("2020-03-18"), CompletedOn: dayPtr("2021-01-20"), ProductionOn: dayPtr("2021-03-05"),
		InStatisticsSince: month("2020-04")}}
	// Entered out of ID order.
	for _, i := range []int{3, 0, 4} {
		f.add(func(p *Project) { p.ID = ids[i] })
	}
	require.NoError(f.t, f.reg.Add(f.ctx(), full))
	f.add(func(p *Project) { p.ID = ids[1]; p.Health = health.Red })
	q := query(2021, "2021-06-30")
	rows := f.rows(all, q)
	assert.Equal(f.t, ids, f.ids(all, q), "in ID order")
	got := byID(rows)
	assert.Equal(f.t, full.Row, got[ids[2]], "every field as entered")
	assert.Equal(f.t, base(ids[0]).Row, got[ids[0]], "every optional field empty: no day, no amount, no entry")
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
		err := f.st.Rows(f.ctx(), all, query(2021, "2021-06-30"), func(r stats.Row) bool {
			seen = append(seen, r.ID)
			return len(seen) < n
		})
		require.NoError(f.t, err, "a stop is no error")
		assert.Equal(f.t, ids[:n], seen, "no row after yield returned false")
	}
}
