package projecttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// Setup is what StoreContract runs on.
type Setup struct {
	Store project.Store
	// Tx runs the transactions that the store's writes join: Move writes
	// only in one.
	Tx project.Transactor
	// AddFacts writes plans, reported months and blockers of project id as
	// the stores of plans, progress and blockers do: f's plans and months,
	// and its blockers, each the responsibility of department responsible
	// and resolved when its ResolvedAt is set. Facts reads them back, and
	// the Responsible scope reads the unresolved blockers.
	AddFacts func(t *testing.T, id string, f health.Facts, responsible string)
}

// StoreContract checks that a store keeps what project.Store documents:
// projects created, read and listed within a scope; an update that loads,
// changes and saves, conditional on the version read; a move conditional on
// the version and the facts read, with its history entry, in its
// transaction; the history oldest first; codes held across departments;
// the facts of plans, progress and blockers; and lists filtered, sorted and
// paged by keyset. Each case makes projects of its own, so the cases share
// the store and run in parallel; the store is one the suite has not run on
// before (the filter cases give fixed codes).
func StoreContract(t *testing.T, s Setup) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s Setup)
	}{
		{"a project comes back as created, times in UTC", roundTrip},
		{"a duplicate code or an unknown department is refused, and nothing written", createRefused},
		{"a project is read within the scope only", readInScope},
		{"a department reads the projects of the blockers it must clear", responsibleScope},
		{"codes are found in every department, archived or not", codeHolders},
		{"facts are the plans, the months in order and the blockers by due day", factsInOrder},
		{"an update saves what change made of the stored project", updateSaves},
		{"an error from change aborts the update", updateAborts},
		{"an update is refused a taken code and an unknown department", updateRefused},
		{"an update from a stale version is a conflict", updateStale},
		{"concurrent updates lose nothing", updateConcurrent},
		{"an archived project leaves the lists and comes back", archiveRestore},
		{"a move writes the project and its history entry", moveWrites},
		{"a move of a project changed meanwhile is a conflict", moveConflicts},
		{"a move is written with its transaction or not at all", moveInTransaction},
		{"the history comes oldest first", transitionsInOrder},
		{"a rolled back transaction leaves nothing of its writes", rolledBack},
		{"lists filter", listFilters},
		{"lists sort and page by keyset", listSortAndPage},
		{"pages hold every project once while others are inserted", listUnderInserts},
		{"list queries at the edges", listEdges},
		{"lists hold the projects of the scope", listScope},
		{"listed projects come without facts, exported ones with the file's columns", listedWithout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, s)
		})
	}
}

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

var all = project.Reach{All: true}

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// codes numbers the codes the suite gives, which a store keeps unique.
var codes atomic.Int64

// newCode returns a code no other project of the suite holds.
func newCode() *string { return ptr(fmt.Sprintf("2000-000000-00-00-%06d", codes.Add(1))) }

// newProject returns a valid planning-stage project of the energy
// department with every optional field empty; mods adjust it.
func newProject(mods ...func(*project.Project)) project.Project {
	p := project.Project{
		ID: uuid.NewString(),
		Fields: project.Fields{
			Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
			BuildType: project.New, KeyLevel: "none", Funding: []project.Funding{},
		},
		Stage: project.Planning, Health: health.Green, HealthReasons: []health.Reason{},
		Version: 1, CreatedAt: at, UpdatedAt: at,
	}
	CopyFile(&p.Fields, EmptyFile())
	for _, m := range mods {
		m(&p)
	}
	return p
}

// fullProject returns a project with every field set, entered at
// in_production, archived, and its import transition.
func fullProject() (project.Project, *project.Transition) {
	p := newProject(func(p *project.Project) {
		p.Code, p.Name, p.Category, p.Department = newCode(), "壶泉镇100兆瓦光伏发电项目", "solar_pv", "energy"
		p.Leader, p.Company, p.Township = "张副县长", "广灵县新能源开发有限公司", "壶泉镇"
		p.Capacity, p.CapacityUnit = ptr(99.875), "MW"
		p.TotalInvestmentYuan, p.ExpectedAnnualOutputYuan = ptr(int64(456_789_012)), ptr(int64(98_765_432))
		p.BuildType, p.KeyLevel = project.Continuing, "province"
		p.Funding = []project.Funding{
			{Source: "enterprise", PlannedYuan: 300_000_000, ReceivedYuan: 120_000_000},
			{Source: "bank_loan", PlannedYuan: 156_789_012, ReceivedYuan: 0},
		}
		p.PlannedSignDate, p.PlannedStartDate = day("2019-11-30"), day("2020-03-01")
		CopyFile(&p.Fields, FullFile())
		p.PlannedCompletionDate, p.PlannedProductionDate = day("2020-12-31"), day("2021-02-28")
		p.Stage = project.InProduction
		p.Actual = project.Actual{
			SignedOn: day("2019-12-02"), LandedOn: day("2020-01-15"), StartedOn: day("2020-03-18"),
			CompletedOn: day("2021-01-10"), ProductionOn: day("2021-03-05"),
		}
		p.Health = health.Yellow
		p.HealthReasons = []health.Reason{
			{Rule: health.RuleProductionMissed, Level: health.Yellow, Since: day("2021-03-01")},
			{Rule: health.RuleInvestmentBehind, Level: health.Yellow, Ref: "2021: 12.5"},
		}
		p.HealthDueOn, p.LastMoveOn = day("2021-04-01"), day("2021-03-05")
		p.Facts = health.Facts{
			Plans:    map[int]int64{2021: 1200},
			Progress: []health.MonthFact{{Year: 2021, Month: 1, Yuan: 100}},
			Issues:   []health.IssueFact{{ID: uuid.NewString(), DueOn: *day("2021-05-01"), CreatedAt: at.Add(-time.Hour)}},
		}
		p.Version = 3
		p.CreatedAt, p.UpdatedAt = at.Add(-48*time.Hour+7*time.Microsecond), at.Add(1234*time.Microsecond)
		p.ArchivedAt = ptr(at.Add(2 * time.Hour))
	})
	tr := &project.Transition{
		ID: uuid.NewString(), ProjectID: p.ID, To: project.InProduction, OccurredOn: *day("2021-03-05"),
		Kind: project.KindImport, Actor: "bureau1", Department: "drc", RecordedAt: p.CreatedAt, Evidence: []project.Evidence{},
	}
	return p, tr
}

func create(t *testing.T, st project.Store, p project.Project) project.Project {
	t.Helper()
	require.NoError(t, st.Create(context.Background(), p, nil))
	return p
}

func get(t *testing.T, st project.Store, id string) project.Project {
	t.Helper()
	p, err := st.Get(context.Background(), all, id)
	require.NoError(t, err)
	return p
}

func history(t *testing.T, st project.Store, id string) []project.Transition {
	t.Helper()
	ts, err := st.Transitions(context.Background(), all, id)
	require.NoError(t, err)
	return ts
}

// requireKind asserts that err carries kind k, so that no driver error leaks.
func requireKind(t *testing.T, k apperr.Kind, err error, msgAndArgs ...any) *apperr.Error {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v %v", err, msgAndArgs)
	return apperr.As(err)
}

// requireFieldError asserts that err has kind k and a field error on field.
func requireFieldError(t *testing.T, k apperr.Kind, field, code string, err error) {
	t.Helper()
	e := requireKind(t, k, err)
	require.Contains(t, e.Fields, apperr.FieldError{Field: field, Code: code}, "error: %v", err)
}

func roundTrip(t *testing.T, s Setup) {
	full, tr := fullProject()
	cases := []struct {
		name string
		p    project.Project
		tr   *project.Transition
		want func(p project.Project) project.Project
	}{
		{"every field set, with its import entry", full, tr, nil},
		{"every optional field empty", newProject(), nil, nil},
		{"nil funding and reasons come back empty", newProject(func(p *project.Project) {
			p.Funding, p.HealthReasons = nil, nil
		}), nil, func(p project.Project) project.Project {
			p.Funding, p.HealthReasons = []project.Funding{}, []health.Reason{}
			return p
		}},
		{"times in another zone come back as the same instant in UTC", newProject(func(p *project.Project) {
			p.CreatedAt, p.UpdatedAt = at.In(shanghai), at.Add(time.Microsecond).In(shanghai)
			p.ArchivedAt, p.PlannedStartDate = ptr(at.Add(time.Hour).In(shanghai)), day("2021-05-01")
		}), nil, func(p project.Project) project.Project {
			p.CreatedAt, p.UpdatedAt, p.ArchivedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC(), ptr(p.ArchivedAt.UTC())
			return p
		}},
	}
	for _, tc := range cases {
		require.NoError(t, s.Store.Create(context.Background(), tc.p, tc.tr), tc.name)
		want := tc.p
		if tc.want != nil {
			want = tc.want(tc.p)
		}
		assert.Equal(t, want, get(t, s.Store, tc.p.ID), tc.name)
		wantHistory := []project.Transition{}
		if tc.tr != nil {
			wantHistory = append(wantHistory, *tc.tr)
		}
		assert.Equal(t, wantHistory, history(t, s.Store, tc.p.ID), tc.name)
	}
}

func createRefused(t *testing.T, s Setup) {
	ctx := context.Background()
	first := create(t, s.Store, newProject(func(p *project.Project) { p.Code = newCode() }))
	dup := newProject(func(p *project.Project) { p.Code, p.Name, p.Stage = ptr(*first.Code), "重复代码", project.Signed })
	tr := &project.Transition{ID: uuid.NewString(), ProjectID: dup.ID, To: project.Signed,
		OccurredOn: *day("2021-01-01"), Kind: project.KindImport, Actor: "a", RecordedAt: at}
	requireFieldError(t, apperr.Conflict, "code", "not_unique", s.Store.Create(ctx, dup, tr))
	_, err := s.Store.Get(ctx, all, dup.ID)
	requireKind(t, apperr.NotFound, err)
	_, err = s.Store.Transitions(ctx, all, dup.ID)
	requireKind(t, apperr.NotFound, err)

	unknown := newProject(func(p *project.Project) { p.Department = "no_such_dept" })
	requireFieldError(t, apperr.Invalid, "department", "unknown", s.Store.Create(ctx, unknown, nil))
	_, err = s.Store.Get(ctx, all, unknown.ID)
	requireKind(t, apperr.NotFound, err)

	create(t, s.Store, newProject())
	create(t, s.Store, newProject()) // two projects without a code
	assert.Equal(t, first, get(t, s.Store, first.ID))
}

func readInScope(t *testing.T, s Setup) {
	ctx := context.Background()
	mine := create(t, s.Store, newProject())
	other := create(t, s.Store, newProject(func(p *project.Project) { p.Department = "industry" }))
	energy := project.Reach{Department: "energy"}
	upper := strings.ToUpper(mine.ID)
	cases := []struct {
		name  string
		scope project.Reach
		id    string
		found bool
	}{
		{"unscoped", all, mine.ID, true},
		{"the department's own", energy, mine.ID, true},
		{"another department's", energy, other.ID, false},
		{"that department's", project.Reach{Department: "industry"}, other.ID, true},
		{"no department fails closed", project.Reach{}, mine.ID, false},
		{"no department, responsible, fails closed", project.Reach{Responsible: true}, mine.ID, false},
		{"unknown", all, uuid.NewString(), false},
		{"empty", all, "", false},
		{"not a uuid", all, "'; DROP TABLE projects; --", false},
		{"upper case", all, upper, upper == mine.ID},
		{"braces", all, "{" + mine.ID + "}", false},
	}
	for _, tc := range cases {
		p, err := s.Store.Get(ctx, tc.scope, tc.id)
		_, herr := s.Store.Transitions(ctx, tc.scope, tc.id)
		called := false
		_, uerr := s.Store.Update(ctx, tc.scope, tc.id, func(*project.Project) error { called = true; return nil })
		if !tc.found {
			requireKind(t, apperr.NotFound, err)
			requireKind(t, apperr.NotFound, herr)
			requireKind(t, apperr.NotFound, uerr)
			assert.False(t, called, "%s: change called for a project out of scope", tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.id, p.ID, tc.name)
		require.NoError(t, herr, tc.name)
		require.NoError(t, uerr, tc.name)
	}
}

func responsibleScope(t *testing.T, s Setup) {
	ctx := context.Background()
	open := create(t, s.Store, newProject())
	resolved := create(t, s.Store, newProject())
	industry := project.Reach{Department: "industry", Responsible: true}
	_, err := s.Store.Get(ctx, industry, open.ID)
	requireKind(t, apperr.NotFound, err)

	blocker := func(resolvedAt *time.Time) health.Facts {
		return health.Facts{Issues: []health.IssueFact{{ID: uuid.NewString(), DueOn: *day("2021-07-01"), CreatedAt: at, ResolvedAt: resolvedAt}}}
	}
	s.AddFacts(t, open.ID, blocker(nil), "industry")
	s.AddFacts(t, resolved.ID, blocker(ptr(at.Add(time.Hour))), "industry")

	got, err := s.Store.Get(ctx, industry, open.ID)
	require.NoError(t, err, "the department responsible for an unresolved blocker reads the project")
	assert.Equal(t, open.ID, got.ID)
	_, err = s.Store.Transitions(ctx, industry, open.ID)
	require.NoError(t, err)
	for _, sc := range []project.Reach{{Department: "industry"}, {Department: "tourism", Responsible: true}} {
		_, err = s.Store.Get(ctx, sc, open.ID)
		requireKind(t, apperr.NotFound, err)
	}
	_, err = s.Store.Get(ctx, industry, resolved.ID)
	requireKind(t, apperr.NotFound, err, "a resolved blocker opens nothing")
}

func codeHolders(t *testing.T, s Setup) {
	ctx := context.Background()
	a := create(t, s.Store, newProject(func(p *project.Project) { p.Code = newCode() }))
	b := create(t, s.Store, newProject(func(p *project.Project) {
		p.Code, p.Department, p.ArchivedAt = newCode(), "industry", ptr(at)
	}))
	create(t, s.Store, newProject())
	absent := *newCode()
	got, err := s.Store.CodeHolders(ctx, []string{*a.Code, absent, *b.Code})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{*a.Code: a.ID, *b.Code: b.ID}, got)

	got, err = s.Store.CodeHolders(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, got)

	// More codes than one statement takes.
	many := []string{*a.Code}
	for range 1200 {
		many = append(many, *newCode())
	}
	many = append(many, *b.Code)
	got, err = s.Store.CodeHolders(ctx, many)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{*a.Code: a.ID, *b.Code: b.ID}, got)
}

// sortedIDs returns n new IDs in ascending order.
func sortedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	slices.Sort(ids)
	return ids
}

func factsInOrder(t *testing.T, s Setup) {
	ctx := context.Background()
	p, q := create(t, s.Store, newProject()), create(t, s.Store, newProject())
	none, err := s.Store.Facts(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, health.Facts{}, none)

	ids := sortedIDs(3)
	resolved := at.Add(26 * time.Hour).In(shanghai)
	s.AddFacts(t, p.ID, health.Facts{
		Plans: map[int]int64{2022: 5, 2021: 1200},
		Progress: []health.MonthFact{
			{Year: 2021, Month: 10, Yuan: 10}, {Year: 2020, Month: 12, Yuan: 12}, {Year: 2021, Month: 2, Yuan: 2},
		},
		Issues: []health.IssueFact{
			{ID: ids[2], DueOn: *day("2021-06-01"), CreatedAt: at},
			{ID: ids[1], DueOn: *day("2021-05-15"), CreatedAt: at.Add(time.Hour)},
			{ID: ids[0], DueOn: *day("2021-06-01"), CreatedAt: at, ResolvedAt: &resolved},
		},
	}, "energy")
	s.AddFacts(t, q.ID, health.Facts{Plans: map[int]int64{2021: 7}}, "energy")

	got, err := s.Store.Facts(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, health.Facts{
		Plans: map[int]int64{2021: 1200, 2022: 5},
		Progress: []health.MonthFact{
			{Year: 2020, Month: 12, Yuan: 12}, {Year: 2021, Month: 2, Yuan: 2}, {Year: 2021, Month: 10, Yuan: 10},
		},
		Issues: []health.IssueFact{
			{ID: ids[1], DueOn: *day("2021-05-15"), CreatedAt: at.Add(time.Hour), Dept: "energy"},
			{ID: ids[0], DueOn: *day("2021-06-01"), CreatedAt: at, ResolvedAt: ptr(resolved.UTC()), Dept: "energy"},
			{ID: ids[2], DueOn: *day("2021-06-01"), CreatedAt: at, Dept: "energy"},
		},
	}, got)
	got, err = s.Store.Facts(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, health.Facts{Plans: map[int]int64{2021: 7}}, got)
}

// errBoom is what a change or a transaction of the suite fails with.
var errBoom = errors.New("boom")

// concurrently runs n changes of one project at once and returns their
// errors.
func concurrently(n int, f func() error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return errs
}
