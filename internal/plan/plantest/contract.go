package plantest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Setup makes, in the store under test, what entries refer to. Each case
// of the suite uses a year, departments and projects of its own, so that
// the cases share the store and run in parallel.
type Setup struct {
	// Department makes a department the store knows and returns its code.
	Department func(t *testing.T) string
	// Project makes a project of department and returns its ID and what a
	// plan shows of it.
	Project func(t *testing.T, department string) (string, plan.Summary)
}

// StoreContract checks that st keeps what plan.Store documents: a plan is
// read as created (NotFound for a year without one; creating it again
// changes nothing) and saved only over the version it names; the states of
// entries come back with their project, by project and version, in reach
// (a department: its projects' entries and those of which a state names it
// responsible); a state names a known department; a draft's state is
// replaced by version and deleted; issuing gives every state the 下达 day;
// adjustments are listed by revision. Times come back in UTC, days as
// midnight UTC, and nothing read is shared with the store.
func StoreContract(t *testing.T, st plan.Store, setup Setup) {
	t.Helper()
	cases := []struct {
		name string
		year int
		run  func(t *testing.T, st plan.Store, s Setup, year int)
	}{
		{"a plan comes back as created; a year without one is not found", 2101, planRoundTrip},
		{"a plan is saved only over its version", 2102, planSaved},
		{"states come back with their project, by project and version", 2103, statesRoundTrip},
		{"a state names a known department", 2104, unknownDepartment},
		{"a draft's state is replaced by version, and deleted", 2105, replaceAndDelete},
		{"issuing gives every state the 下达 day; adjustments by revision", 2106, issueAndAdjust},
		{"a department reads its projects' entries and those it is responsible for", 2107, statesInReach},
		{"year 0: a project's states of every year", 2108, projectStates},
		{"what a caller does with what it reads does not change the store", 2109, readsAreCopies},
		{"year 0: every year's plan, by year", 2110, everyPlan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st, setup, c.year)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func date(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

func draft(year int) plan.Plan {
	return plan.Plan{Year: year, State: plan.Draft, Version: 1, UpdatedAt: at, UpdatedBy: "bureau"}
}

func entry(year int, id, dept string, version int) plan.Entry {
	return plan.Entry{Year: year, ProjectID: id, Version: version, BuildType: plan.New, BuildTypeSource: plan.SourceSet,
		KeyLevel: "county", Department: dept, Section: plan.Industry, RecordedAt: at, RecordedBy: "bureau"}
}

func mustPlan(t *testing.T, st plan.Store, year int) plan.Plan {
	t.Helper()
	ps, err := st.Plans(context.Background(), year)
	require.NoError(t, err)
	require.Len(t, ps, 1, "the plan of %d", year)
	return ps[0]
}

func states(t *testing.T, st plan.Store, sc project.Reach, year int, id string) []plan.Entry {
	t.Helper()
	es, err := st.States(context.Background(), sc, year, id)
	require.NoError(t, err)
	return es
}

func planRoundTrip(t *testing.T, st plan.Store, _ Setup, year int) {
	ctx := context.Background()
	none, err := st.Plans(ctx, year)
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = st.LockPlan(ctx, year)
	require.ErrorIs(t, err, apperr.ErrNotFound)
	p := draft(year)
	p.UpdatedAt = at.In(shanghai)
	require.NoError(t, st.CreatePlan(ctx, p))
	want := draft(year)
	assert.Equal(t, want, mustPlan(t, st, year))
	again := draft(year)
	again.Version, again.UpdatedBy = 9, "admin"
	require.NoError(t, st.CreatePlan(ctx, again), "creating it again does nothing")
	assert.Equal(t, want, mustPlan(t, st, year))
	locked, err := st.LockPlan(ctx, year)
	require.NoError(t, err)
	assert.Equal(t, want, locked)
}

func planSaved(t *testing.T, st plan.Store, _ Setup, year int) {
	ctx := context.Background()
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	issued := plan.Plan{Year: year, State: plan.Issued, IssuedOn: date("2101-01-20"), Revisions: 3, Version: 2,
		UpdatedAt: at.Add(time.Hour), UpdatedBy: "admin", TargetsSet: true, Targets: plan.Targets{
			StartRate:  []plan.Checkpoint{{Date: *date("2101-06-30"), Rate: 0.75}, {Date: *date("2101-09-30"), Rate: 0.9}},
			Resumption: &plan.Checkpoint{Date: *date("2101-03-31"), Rate: 1}, InvestmentYuan: ptr(int64(3_742_040_000)),
		}}
	require.ErrorIs(t, st.SavePlan(ctx, issued, 2), apperr.ErrVersionConflict)
	assert.Equal(t, draft(year), mustPlan(t, st, year), "a stale save changes nothing")
	require.NoError(t, st.SavePlan(ctx, issued, 1))
	assert.Equal(t, issued, mustPlan(t, st, year))
	require.ErrorIs(t, st.SavePlan(ctx, plan.Plan{Year: year + 1000, State: plan.Draft, Version: 2, UpdatedAt: at}, 1), apperr.ErrVersionConflict,
		"a year without a plan")
}

func statesRoundTrip(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	a, as := s.Project(t, dept)
	b, bs := s.Project(t, dept)
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	full := entry(year, a, dept, 2)
	full.Revision, full.EffectiveOn, full.Removed, full.Reason = 1, date("2103-07-01"), true, "调出：项目终止"
	full.BuildType, full.BuildTypeSource, full.KeyLevel = plan.Continuing, plan.SourceStartedBefore, "province"
	full.PlannedYuan, full.OpeningYuan = ptr(project.MaxYuan), ptr(int64(0))
	full.PlannedStartMonth = &calendar.Month{Year: year, Month: time.May}
	full.PlannedCompletionOn, full.PlannedProductionOn = date("2103-10-31"), date("2103-12-31")
	full.Goals, full.Leader, full.Section = "完成主体工程\t«设备»安装\n并网", "王县长", plan.RealEstate
	full.Stalled, full.StalledReason = true, "资金未落实"
	full.RecordedAt = at.Add(time.Microsecond).In(shanghai)
	for _, e := range []plan.Entry{entry(year, b, dept, 1), full, entry(year, a, dept, 1)} {
		require.NoError(t, st.AddState(ctx, e))
	}
	wantA1, wantB1, wantFull := entry(year, a, dept, 1), entry(year, b, dept, 1), full
	wantA1.Project, wantB1.Project, wantFull.Project = as, bs, as
	wantFull.RecordedAt = full.RecordedAt.UTC()
	want := []plan.Entry{wantA1, wantFull, wantB1}
	if b < a {
		want = []plan.Entry{wantB1, wantA1, wantFull}
	}
	got := states(t, st, project.Reach{All: true}, year, "")
	assert.Equal(t, want, got)
	assert.Equal(t, []plan.Entry{wantA1, wantFull}, states(t, st, project.Reach{All: true}, year, a), "one project's")
	assert.Empty(t, states(t, st, project.Reach{All: true}, year, "not-a-uuid"))
	assert.Empty(t, states(t, st, project.Reach{All: true}, year+1000, ""))
	require.ErrorIs(t, st.AddState(ctx, entry(year, a, dept, 1)), apperr.ErrConflict, "a version is taken once")
}

func unknownDepartment(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	id, _ := s.Project(t, dept)
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	err := st.AddState(ctx, entry(year, id, "zz_never_made", 1))
	require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%v", err)
	assert.Equal(t, []apperr.FieldError{{Field: "department", Code: "unknown"}}, apperr.As(err).Fields)
	require.NoError(t, st.AddState(ctx, entry(year, id, dept, 1)))
	err = st.ReplaceState(ctx, entry(year, id, "zz_never_made", 2), 1)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%v", err)
	assert.Len(t, states(t, st, project.Reach{All: true}, year, id), 1)
}

func replaceAndDelete(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	id, sum := s.Project(t, dept)
	other, _ := s.Project(t, dept)
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	require.NoError(t, st.AddState(ctx, entry(year, id, dept, 1)))
	require.NoError(t, st.AddState(ctx, entry(year, other, dept, 1)))
	next := entry(year, id, dept, 2)
	next.PlannedYuan, next.Goals = ptr(int64(5)), "开工"
	require.ErrorIs(t, st.ReplaceState(ctx, next, 5), apperr.ErrVersionConflict)
	require.NoError(t, st.ReplaceState(ctx, next, 1))
	next.Project = sum
	assert.Equal(t, []plan.Entry{next}, states(t, st, project.Reach{All: true}, year, id), "replaced in place")
	require.NoError(t, st.DeleteStates(ctx, year, id))
	assert.Empty(t, states(t, st, project.Reach{All: true}, year, id))
	assert.Len(t, states(t, st, project.Reach{All: true}, year, other), 1, "the other entry stays")
}

func issueAndAdjust(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	a, _ := s.Project(t, dept)
	b, _ := s.Project(t, dept)
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	require.NoError(t, st.AddState(ctx, entry(year, a, dept, 1)))
	require.NoError(t, st.AddState(ctx, entry(year, b, dept, 1)))
	require.NoError(t, st.IssueStates(ctx, year, time.Date(2106, 1, 20, 23, 0, 0, 0, shanghai)))
	for _, e := range states(t, st, project.Reach{All: true}, year, "") {
		assert.Equal(t, date("2106-01-20"), e.EffectiveOn)
	}
	adj, err := st.Adjustments(ctx, year)
	require.NoError(t, err)
	assert.Empty(t, adj)
	for _, e := range []plan.Entry{
		{Revision: 1, EffectiveOn: date("2106-07-01"), ProjectID: a, Version: 2},
		{Revision: 2, EffectiveOn: date("2106-05-01"), ProjectID: b, Version: 2},
		{Revision: 3, EffectiveOn: date("2106-08-15"), ProjectID: a, Version: 3},
	} {
		n := entry(year, e.ProjectID, dept, e.Version)
		n.Revision, n.EffectiveOn, n.Reason = e.Revision, e.EffectiveOn, "调整"
		require.NoError(t, st.AddState(ctx, n))
	}
	adj, err = st.Adjustments(ctx, year)
	require.NoError(t, err)
	assert.Equal(t, map[int]time.Time{1: *date("2106-07-01"), 2: *date("2106-05-01"), 3: *date("2106-08-15")}, adj)
}

func statesInReach(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	own, other, third := s.Department(t), s.Department(t), s.Department(t)
	mine, _ := s.Project(t, own)
	theirs, _ := s.Project(t, other)
	responsible, _ := s.Project(t, other)
	formerly, _ := s.Project(t, other)
	require.NoError(t, st.CreatePlan(ctx, draft(year)))
	require.NoError(t, st.AddState(ctx, entry(year, mine, other, 1)), "another department responsible for my project")
	require.NoError(t, st.AddState(ctx, entry(year, theirs, other, 1)))
	require.NoError(t, st.AddState(ctx, entry(year, responsible, own, 1)))
	require.NoError(t, st.AddState(ctx, entry(year, formerly, own, 1)))
	require.NoError(t, st.AddState(ctx, entry(year, formerly, third, 2)))
	ids := func(es []plan.Entry) map[string]int {
		out := map[string]int{}
		for _, e := range es {
			out[e.ProjectID]++
		}
		return out
	}
	assert.Equal(t, map[string]int{mine: 1, responsible: 1, formerly: 2}, ids(states(t, st, project.Reach{Department: own}, year, "")),
		"every state of an entry in reach")
	assert.Empty(t, states(t, st, project.Reach{Department: own}, year, theirs))
	assert.Empty(t, states(t, st, project.Reach{}, year, ""), "no department, nothing")
	assert.Len(t, states(t, st, project.Reach{Department: third}, year, ""), 2)
}

func projectStates(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	id, sum := s.Project(t, dept)
	// A second year of this case's own, before its year: the cases' years
	// are theirs alone.
	other := year - 100
	for _, y := range []int{year, other} {
		require.NoError(t, st.CreatePlan(ctx, draft(y)))
		require.NoError(t, st.AddState(ctx, entry(y, id, dept, 1)))
	}
	require.NoError(t, st.AddState(ctx, entry(year, id, dept, 2)))
	got, err := st.States(ctx, project.Reach{All: true}, 0, id)
	require.NoError(t, err)
	want := []plan.Entry{entry(other, id, dept, 1), entry(year, id, dept, 1), entry(year, id, dept, 2)}
	for i := range want {
		want[i].Project = sum
	}
	assert.Equal(t, want, got)
	none, err := st.States(ctx, project.Reach{All: true}, 0, "not-a-uuid")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func readsAreCopies(t *testing.T, st plan.Store, s Setup, year int) {
	ctx := context.Background()
	dept := s.Department(t)
	id, _ := s.Project(t, dept)
	p := draft(year)
	p.TargetsSet, p.Targets = true, plan.Targets{StartRate: []plan.Checkpoint{{Date: *date("2109-06-30"), Rate: 0.5}}, InvestmentYuan: ptr(int64(7))}
	require.NoError(t, st.CreatePlan(ctx, p))
	e := entry(year, id, dept, 1)
	e.PlannedYuan = ptr(int64(100))
	require.NoError(t, st.AddState(ctx, e))
	got := mustPlan(t, st, year)
	got.Targets.StartRate[0].Rate, *got.Targets.InvestmentYuan = 1, 8
	es := states(t, st, project.Reach{All: true}, year, id)
	*es[0].PlannedYuan, es[0].Goals = 1, "changed"
	assert.Equal(t, 0.5, mustPlan(t, st, year).Targets.StartRate[0].Rate)
	assert.Equal(t, int64(7), *mustPlan(t, st, year).Targets.InvestmentYuan)
	assert.Equal(t, int64(100), *states(t, st, project.Reach{All: true}, year, id)[0].PlannedYuan)
}

func everyPlan(t *testing.T, st plan.Store, _ Setup, year int) {
	ctx := context.Background()
	// Two years of this case's own, the later one created first; the other
	// cases' plans are in the list too, which is why only these are read.
	earlier, later := draft(year), draft(year+300)
	issued := date("2410-01-20")
	later.State, later.IssuedOn, later.Revisions = plan.Issued, issued, 2
	require.NoError(t, st.CreatePlan(ctx, later))
	require.NoError(t, st.CreatePlan(ctx, earlier))
	all, err := st.Plans(ctx, 0)
	require.NoError(t, err)
	var mine []plan.Plan
	for i, p := range all {
		if i > 0 {
			assert.Less(t, all[i-1].Year, p.Year, "by year")
		}
		if p.Year == year || p.Year == year+300 {
			mine = append(mine, p)
		}
	}
	assert.Equal(t, []plan.Plan{earlier, later}, mine)
}
