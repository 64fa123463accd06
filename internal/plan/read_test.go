package plan_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
)

// year2021 is a plan issued on 20 January with the wind project (100,
// raised to 150 from 1 May), the zinc project (50, taken out from 1
// August) and, added by adjustment from 10 July, the school (80, its
// responsible department energy).
func year2021(t *testing.T, clock time.Time) *fixture {
	t.Helper()
	f := newFixture(clock)
	f.put(t, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(100))}, plan.Change{})
	f.put(t, 2021, zincProject, plan.Fields{PlannedYuan: ptr(int64(50))}, plan.Change{})
	f.issue(t, 2021, "2021-01-20")
	f.put(t, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(150))}, plan.Change{Reason: "追加", EffectiveOn: day("2021-05-01")})
	f.put(t, 2021, schoolProject, plan.Fields{PlannedYuan: ptr(int64(80)), Department: "energy"}, plan.Change{Reason: "调入", EffectiveOn: day("2021-07-10")})
	require.NoError(t, f.svc.Remove(context.Background(), bureau, 2021, zincProject, plan.Change{Reason: "调出", EffectiveOn: day("2021-08-01")}, 0))
	return f
}

// later is a clock of the year after.
var later = time.Date(2022, 3, 1, 10, 0, 0, 0, shanghai)

// TestGet: the entries in force under each basis, named by version; a
// department sees its own.
func TestGet(t *testing.T) {
	t.Parallel()
	f := year2021(t, later)
	for _, tt := range []struct {
		name      string
		as        identity.Principal
		q         plan.Query
		want      map[string]int64
		wantBasis plan.Version
	}{
		{"as of a past year's end by default", bureau, plan.Query{},
			map[string]int64{windProject: 150, schoolProject: 80},
			plan.Version{Basis: plan.AsOf, AsOf: *day("2021-12-31"), Revision: 3, EffectiveOn: day("2021-08-01")}},
		{"as of June", leader, plan.Query{AsOf: day("2021-06-30")},
			map[string]int64{windProject: 150, zincProject: 50},
			plan.Version{Basis: plan.AsOf, AsOf: *day("2021-06-30"), Revision: 1, EffectiveOn: day("2021-05-01")}},
		{"as of a day before the 下达 day: the baseline", bureau, plan.Query{Basis: plan.AsOf, AsOf: day("2021-01-02")},
			map[string]int64{windProject: 100, zincProject: 50},
			plan.Version{Basis: plan.AsOf, AsOf: *day("2021-01-02"), EffectiveOn: day("2021-01-20")}},
		{"the baseline", bureau, plan.Query{Basis: plan.Baseline},
			map[string]int64{windProject: 100, zincProject: 50},
			plan.Version{Basis: plan.Baseline, AsOf: *day("2021-12-31"), EffectiveOn: day("2021-01-20")}},
		{"the current plan", admin, plan.Query{Basis: plan.Current, AsOf: day("2021-02-01")},
			map[string]int64{windProject: 150, schoolProject: 80},
			plan.Version{Basis: plan.Current, AsOf: *day("2021-02-01"), Revision: 3, EffectiveOn: day("2021-08-01")}},
		{"a department: its projects and those it is responsible for", energyViewer, plan.Query{},
			map[string]int64{windProject: 150, schoolProject: 80},
			plan.Version{Basis: plan.AsOf, AsOf: *day("2021-12-31"), Revision: 3, EffectiveOn: day("2021-08-01")}},
		{"a department's view of June", energyViewer, plan.Query{AsOf: day("2021-06-30")},
			map[string]int64{windProject: 150},
			plan.Version{Basis: plan.AsOf, AsOf: *day("2021-06-30"), Revision: 1, EffectiveOn: day("2021-05-01")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := f.svc.Get(context.Background(), tt.as, 2021, tt.q)
			require.NoError(t, err)
			got := map[string]int64{}
			var total int64
			for _, e := range v.Entries {
				got[e.ProjectID] = *e.PlannedYuan
				total += *e.PlannedYuan
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantBasis, v.Version)
			assert.Equal(t, plan.Total{Count: len(tt.want), PlannedYuan: total}, v.Totals.All)
			assert.Equal(t, plan.Issued, v.Plan.State)
		})
	}
}

func TestGetTotals(t *testing.T) {
	t.Parallel()
	f := year2021(t, later)
	v, err := f.svc.Get(context.Background(), bureau, 2021, plan.Query{Basis: plan.Current})
	require.NoError(t, err)
	assert.Equal(t, map[plan.BuildType]plan.Total{plan.Continuing: {Count: 1, PlannedYuan: 150}, plan.Preliminary: {Count: 1, PlannedYuan: 80}}, v.Totals.ByBuildType)
	assert.Equal(t, map[plan.Section]plan.Total{plan.Industry: {Count: 1, PlannedYuan: 150}, plan.Livelihood: {Count: 1, PlannedYuan: 80}}, v.Totals.BySection)
}

func TestGetRefused(t *testing.T) {
	t.Parallel()
	f := year2021(t, later)
	_, err := f.svc.Get(context.Background(), bureau, 2022, plan.Query{})
	require.ErrorIs(t, err, plan.ErrNoPlan)
	assert.Equal(t, "plan.not_found", apperr.As(err).Message)
	_, err = f.svc.Get(context.Background(), clientBlind, 2021, plan.Query{})
	require.ErrorIs(t, err, apperr.ErrForbidden)
	_, err = f.svc.Get(context.Background(), bureau, 3000, plan.Query{})
	requireFields(t, []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2999"}}, err)
	boom := errors.New("boom")
	for _, m := range []string{"Plans", "Adjustments", "States"} {
		f.store.Fail(m, boom)
		_, err = f.svc.Get(context.Background(), bureau, 2021, plan.Query{})
		require.ErrorIs(t, err, boom, m)
		_, err = f.svc.Entry(context.Background(), bureau, 2021, windProject, plan.Query{})
		require.ErrorIs(t, err, boom, m)
		f.store.Fail(m, nil)
	}
}

// TestEntry: the entry in force and its history, the baseline and each
// adjustment in order.
func TestEntry(t *testing.T) {
	t.Parallel()
	f := year2021(t, later)
	v, err := f.svc.Entry(context.Background(), bureau, 2021, zincProject, plan.Query{AsOf: day("2021-06-01")})
	require.NoError(t, err)
	require.NotNil(t, v.Entry)
	assert.Equal(t, int64(50), *v.Entry.PlannedYuan)
	require.Len(t, v.History, 2)
	assert.Equal(t, []any{0, false, ""}, []any{v.History[0].Revision, v.History[0].Removed, v.History[0].Reason})
	assert.Equal(t, []any{3, true, "调出", day("2021-08-01")}, []any{v.History[1].Revision, v.History[1].Removed, v.History[1].Reason, v.History[1].EffectiveOn})

	gone, err := f.svc.Entry(context.Background(), bureau, 2021, zincProject, plan.Query{Basis: plan.Current})
	require.NoError(t, err)
	assert.Nil(t, gone.Entry, "removed under the current plan")

	_, err = f.svc.Entry(context.Background(), bureau, 2021, archivedProject, plan.Query{})
	require.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = f.svc.Entry(context.Background(), energyViewer, 2021, zincProject, plan.Query{})
	require.ErrorIs(t, err, apperr.ErrNotFound, "another department's entry")
	mine, err := f.svc.Entry(context.Background(), energyViewer, 2021, schoolProject, plan.Query{})
	require.NoError(t, err, "an entry the department is responsible for")
	assert.Equal(t, "energy", mine.Entry.Department)
}

// TestRemove: 调出 deletes a draft's entry and is an adjustment of an
// issued plan.
func TestRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(now)
	f.put(t, 2021, windProject, plan.Fields{}, plan.Change{})
	f.put(t, 2021, zincProject, plan.Fields{}, plan.Change{})
	require.ErrorIs(t, f.svc.Remove(ctx, energyEditor, 2021, windProject, plan.Change{}, 0), apperr.ErrForbidden)
	require.ErrorIs(t, f.svc.Remove(ctx, bureau, 2021, windProject, plan.Change{}, 7), apperr.ErrVersionConflict)
	require.NoError(t, f.svc.Remove(ctx, bureau, 2021, windProject, plan.Change{}, 1))
	_, err := f.svc.Entry(ctx, bureau, 2021, windProject, plan.Query{})
	require.ErrorIs(t, err, apperr.ErrNotFound, "a draft's entry is gone")
	require.ErrorIs(t, f.svc.Remove(ctx, bureau, 2021, windProject, plan.Change{}, 0), apperr.ErrNotFound)
	require.ErrorIs(t, f.svc.Remove(ctx, bureau, 2022, windProject, plan.Change{}, 0), plan.ErrNoPlan)
	requireFields(t, []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2999"}},
		f.svc.Remove(ctx, bureau, 1999, windProject, plan.Change{}, 0))

	f.issue(t, 2021, "2021-02-01")
	requireFields(t, []apperr.FieldError{{Field: "reason", Code: "required"}}, f.svc.Remove(ctx, bureau, 2021, zincProject, plan.Change{}, 0))
	require.NoError(t, f.svc.Remove(ctx, bureau, 2021, zincProject, plan.Change{Reason: "终止"}, 0))
	v, err := f.svc.Entry(ctx, bureau, 2021, zincProject, plan.Query{})
	require.NoError(t, err)
	assert.Nil(t, v.Entry)
	assert.Len(t, v.History, 2)
	require.ErrorIs(t, f.svc.Remove(ctx, bureau, 2021, zincProject, plan.Change{Reason: "again"}, 0), apperr.ErrNotFound)

	back, err := f.svc.Put(ctx, bureau, 2021, zincProject, plan.Fields{}, plan.Change{Reason: "恢复"}, 0)
	require.NoError(t, err)
	assert.True(t, back.Created, "taken back in: added again")
}

// TestIssue: 下达 once, on a day from 1 October before the year to its end
// and not after today.
func TestIssue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(now)
	_, err := f.svc.Issue(ctx, bureau, 2021, nil)
	require.ErrorIs(t, err, plan.ErrNoPlan)
	f.put(t, 2021, windProject, plan.Fields{}, plan.Change{})
	for _, tt := range []struct {
		on   string
		want string
	}{{"2020-09-30", "2020-10-01..2021-06-15"}, {"2021-06-16", "2020-10-01..2021-06-15"}} {
		_, err := f.svc.Issue(ctx, bureau, 2021, day(tt.on))
		requireFields(t, []apperr.FieldError{{Field: "issued_on", Code: "out_of_range", Param: tt.want}}, err)
	}
	_, err = f.svc.Issue(ctx, leader, 2021, nil)
	require.ErrorIs(t, err, apperr.ErrForbidden)
	_, err = f.svc.Issue(ctx, bureau, 1999, nil)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	pl, err := f.svc.Issue(ctx, admin, 2021, day("2020-12-28"))
	require.NoError(t, err)
	assert.Equal(t, plan.Issued, pl.State)
	assert.Equal(t, day("2020-12-28"), pl.IssuedOn)
	e, err := f.svc.Entry(ctx, bureau, 2021, windProject, plan.Query{})
	require.NoError(t, err)
	assert.Equal(t, day("2020-12-28"), e.Entry.EffectiveOn, "the entries take the 下达 day")
	_, err = f.svc.Issue(ctx, bureau, 2021, nil)
	require.ErrorIs(t, err, apperr.ErrConflict)
	assert.Equal(t, "plan.already_issued", apperr.As(err).Message)

	f.store.Fail("IssueStates", errors.New("boom"))
	f.put(t, 2022, windProject, plan.Fields{}, plan.Change{})
	_, err = f.svc.Issue(ctx, bureau, 2022, day("2021-12-01"))
	require.Error(t, err)
	again, err := f.store.LockPlan(ctx, 2022)
	require.NoError(t, err)
	assert.Equal(t, plan.Draft, again.State, "rolled back")
}

// TestPutTargets: the year's targets, checked, the plan made when the year
// has none; the same targets again change nothing.
func TestPutTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(now)
	tg := plan.Targets{StartRate: []plan.Checkpoint{{Date: *day("2021-06-30"), Rate: 0.75}},
		Resumption: &plan.Checkpoint{Date: *day("2021-03-31"), Rate: 1}, InvestmentYuan: ptr(int64(3_742_040_000))}
	pl, err := f.svc.PutTargets(ctx, bureau, 2021, tg)
	require.NoError(t, err)
	assert.True(t, pl.TargetsSet)
	assert.Equal(t, tg, pl.Targets)
	assert.Equal(t, 1, pl.Version)
	same, err := f.svc.PutTargets(ctx, bureau, 2021, tg)
	require.NoError(t, err)
	assert.Equal(t, 1, same.Version, "nothing changed")
	assert.Equal(t, []string{plan.ActionTargets}, f.auditor.actions())

	_, err = f.svc.PutTargets(ctx, bureau, 2021, plan.Targets{StartRate: []plan.Checkpoint{{Date: *day("2022-06-30"), Rate: 1.5}},
		Resumption: &plan.Checkpoint{Date: *day("2021-03-31"), Rate: -1}, InvestmentYuan: ptr(int64(-1))})
	requireFields(t, []apperr.FieldError{
		{Field: "start_rate[0].rate", Code: "out_of_range", Param: "0..1"},
		{Field: "start_rate[0].date", Code: "out_of_range", Param: "2021-01-01..2021-12-31"},
		{Field: "resumption.rate", Code: "out_of_range", Param: "0..1"},
		{Field: "investment_yuan", Code: "out_of_range", Param: "0..10000000000000"},
	}, err)
	_, err = f.svc.PutTargets(ctx, energyEditor, 2021, tg)
	require.ErrorIs(t, err, apperr.ErrForbidden)
}

// TestProjectPlans: a project's entries by year, as every adjustment
// leaves them, and SetPlanned, the planned investment alone.
func TestProjectPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := year2021(t, later)
	w, err := f.svc.SetPlanned(ctx, bureau, 2022, windProject, 9, plan.Change{}, 0)
	require.NoError(t, err)
	assert.True(t, w.Created)
	assert.Equal(t, plan.Continuing, w.Entry.BuildType, "the defaults of the year")
	assert.Equal(t, plan.SourceStartedBefore, w.Entry.BuildTypeSource)
	again, err := f.svc.SetPlanned(ctx, bureau, 2022, windProject, 12, plan.Change{}, w.Entry.Version)
	require.NoError(t, err)
	assert.False(t, again.Created)
	assert.Equal(t, int64(12), *again.Entry.PlannedYuan)

	ys, err := f.svc.ProjectPlans(ctx, energyViewer, windProject)
	require.NoError(t, err)
	require.Len(t, ys, 2)
	assert.Equal(t, []any{2021, int64(150), plan.Issued}, []any{ys[0].Entry.Year, *ys[0].Entry.PlannedYuan, ys[0].State})
	assert.Equal(t, []any{2022, int64(12), plan.Draft}, []any{ys[1].Entry.Year, *ys[1].Entry.PlannedYuan, ys[1].State})
	zinc, err := f.svc.ProjectPlans(ctx, bureau, zincProject)
	require.NoError(t, err)
	assert.Empty(t, zinc, "taken out of its only plan")
	_, err = f.svc.ProjectPlans(ctx, energyViewer, zincProject)
	require.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = f.svc.ProjectPlans(ctx, clientBlind, windProject)
	require.ErrorIs(t, err, apperr.ErrForbidden)

	_, err = f.svc.SetPlanned(ctx, bureau, 2021, windProject, 200, plan.Change{}, 0)
	requireFields(t, []apperr.FieldError{{Field: "reason", Code: "required"}}, err)
	set, err := f.svc.SetPlanned(ctx, bureau, 2021, windProject, 200, plan.Change{Reason: "追加"}, 0)
	require.NoError(t, err)
	assert.Equal(t, plan.Continuing, set.Entry.BuildType, "the rest of the entry stays")

	f.store.Fail("States", errors.New("boom"))
	_, err = f.svc.ProjectPlans(ctx, bureau, windProject)
	require.Error(t, err)
}

// TestPlans: the years that have a plan, by year, with their state, for
// every reader; a failing store's error comes back.
func TestPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(now)
	none, err := f.svc.Plans(ctx, leader)
	require.NoError(t, err)
	assert.Empty(t, none)
	f.put(t, 2021, windProject, plan.Fields{}, plan.Change{})
	f.put(t, 2020, windProject, plan.Fields{}, plan.Change{})
	_, err = f.svc.Issue(ctx, bureau, 2020, day("2020-01-20"))
	require.NoError(t, err)
	for _, p := range []identity.Principal{leader, energyViewer, bureau} {
		got, err := f.svc.Plans(ctx, p)
		require.NoError(t, err, p.Name)
		require.Len(t, got, 2, p.Name)
		assert.Equal(t, [2]int{2020, 2021}, [2]int{got[0].Year, got[1].Year}, p.Name)
		assert.Equal(t, [2]plan.State{plan.Issued, plan.Draft}, [2]plan.State{got[0].State, got[1].State}, p.Name)
		assert.Equal(t, day("2020-01-20"), got[0].IssuedOn, p.Name)
	}
	_, err = f.svc.Plans(ctx, identity.Principal{Subject: "x", Name: "nobody"})
	require.ErrorIs(t, err, apperr.ErrForbidden)
	f.store.Fail("Plans", errors.New("boom"))
	_, err = f.svc.Plans(ctx, leader)
	require.Error(t, err)
}
