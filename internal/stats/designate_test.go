package stats_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// register is the register as designations see it: it finds the projects
// it holds, refuses archived ones, and tells the statistics once a change
// is made.
type register struct {
	archived map[string]bool
	held     map[string]bool
	changed  func()
}

func (r register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	switch {
	case !r.held[id]:
		return project.Project{}, apperr.ErrNotFound
	case r.archived[id]:
		return project.Project{}, project.ErrArchived
	}
	if err := fn(ctx, &project.Project{ID: id}); err != nil {
		return project.Project{}, err
	}
	r.changed()
	return project.Project{ID: id}, nil
}

// inTx runs fn as if in a transaction.
type inTx struct{}

func (inTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

// auditor keeps the records appended.
type auditor struct{ records *[]audit.Record }

func (a auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	*a.records = append(*a.records, r)
	return nil
}

func TestDesignations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var records []audit.Record
	f.svc.SetDesignations(f.store, register{held: map[string]bool{e1: true, i1: true, archived: true},
		archived: map[string]bool{archived: true}, changed: f.svc.Forget}, inTx{}, auditor{&records})
	q2 := stats.Batch{Quarter: 2, Kind: stats.Started}

	b, err := f.svc.Batches(ctx, bureau, 2021, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{}, b.Started.IDs, "derived: nothing started in the second quarter")
	d, created, err := f.svc.Designate(ctx, bureau, 2021, q2, i1)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, stats.Designation{Year: 2021, Batch: q2, ProjectID: i1, DesignatedAt: f.clock.now(), DesignatedBy: "bureau"}, d)
	_, created, err = f.svc.Designate(ctx, bureau, 2021, q2, i1)
	require.NoError(t, err)
	assert.False(t, created, "designated already: nothing changes")
	require.Len(t, records, 1, "one audit entry")
	assert.Equal(t, audit.Record{Action: stats.ActionDesignate, ResourceType: stats.ResourceDesignation, ResourceID: "2021-Q2/started/" + i1,
		After: map[string]any{"year": 2021, "quarter": 2, "kind": "started", "project_id": i1}}, records[0])

	b, err = f.svc.Batches(ctx, bureau, 2021, 2)
	require.NoError(t, err)
	assert.Equal(t, stats.BatchSet{Set: stats.Set{Count: 1, TotalInvestmentYuan: 20_000_000, IDs: []string{i1}}}, b.Started,
		"the designated batch, the cache forgotten")
	assert.True(t, b.Signed.Derived)

	require.NoError(t, f.svc.Undesignate(ctx, bureau, 2021, q2, i1))
	require.Len(t, records, 2)
	assert.Equal(t, stats.ActionUndesignate, records[1].Action)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(f.svc.Undesignate(ctx, bureau, 2021, q2, i1)))
	b, err = f.svc.Batches(ctx, bureau, 2021, 2)
	require.NoError(t, err)
	assert.True(t, b.Started.Derived, "derived again")

	for _, tc := range []struct {
		name string
		p    identity.Principal
		year int
		b    stats.Batch
		id   string
		kind apperr.Kind
	}{
		{"a department", industryEditor, 2021, q2, i1, apperr.Forbidden},
		{"the leader", leader, 2021, q2, i1, apperr.Forbidden},
		{"an unknown project", bureau, 2021, q2, "p9", apperr.NotFound},
		{"quarter 5", bureau, 2021, stats.Batch{Quarter: 5, Kind: stats.Signed}, i1, apperr.Invalid},
		{"an unknown kind", bureau, 2021, stats.Batch{Quarter: 1, Kind: "landed"}, i1, apperr.Invalid},
		{"a year out of range", bureau, 1999, q2, i1, apperr.Invalid},
		{"a year the statistics cannot read", bureau, 2030, q2, i1, apperr.Invalid},
	} {
		_, _, err := f.svc.Designate(ctx, tc.p, tc.year, tc.b, tc.id)
		assert.Equal(t, tc.kind, apperr.KindOf(err), "designate: %s", tc.name)
		assert.Equal(t, tc.kind, apperr.KindOf(f.svc.Undesignate(ctx, tc.p, tc.year, tc.b, tc.id)), "undesignate: %s", tc.name)
	}
	_, _, err = f.svc.Designate(ctx, bureau, 2030, q2, i1)
	assert.Equal(t, []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2022"}}, apperr.As(err).Fields,
		"the years of the statistics: to the year after today's")
	_, _, err = f.svc.Designate(ctx, bureau, 2021, q2, archived)
	assert.Equal(t, apperr.Conflict, apperr.KindOf(err), "an archived project is not designated")
	assert.Equal(t, apperr.NotFound, apperr.KindOf(f.svc.Undesignate(ctx, bureau, 2021, q2, archived)), "nor was it")
	assert.Len(t, records, 2, "nothing refused is audited")
}

// TestDesignationOfAnArchivedProject: an archived project's designation
// counts nowhere (the quarter derives from the days), and the bureau may
// remove it.
func TestDesignationOfAnArchivedProject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var records []audit.Record
	f.svc.SetDesignations(f.store, register{held: map[string]bool{e1: true, i1: true, archived: true},
		archived: map[string]bool{archived: true}, changed: f.svc.Forget}, inTx{}, auditor{&records})
	q2 := stats.Batch{Quarter: 2, Kind: stats.Started}
	require.NoError(t, f.store.Designation(ctx, stats.Designation{Year: 2021, Batch: q2, ProjectID: archived}))
	b, err := f.svc.Batches(ctx, bureau, 2021, 2)
	require.NoError(t, err)
	assert.True(t, b.Started.Derived, "designated only by an archived project: derived")
	assert.Equal(t, []string{}, b.Started.IDs)

	require.NoError(t, f.svc.Undesignate(ctx, bureau, 2021, q2, archived))
	require.Len(t, records, 1)
	assert.Equal(t, audit.Record{Action: stats.ActionUndesignate, ResourceType: stats.ResourceDesignation, ResourceID: "2021-Q2/started/" + archived,
		Before: map[string]any{"year": 2021, "quarter": 2, "kind": "started", "project_id": archived}}, records[0])
	assert.Equal(t, apperr.NotFound, apperr.KindOf(f.svc.Undesignate(ctx, bureau, 2021, q2, archived)), "removed")
}

// TestDesignatedOverWhatTheCallerReads: a batch designated only with
// another department's project is derived for a department, which learns
// nothing of it; the bureau reads the designation.
func TestDesignatedOverWhatTheCallerReads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q2 := stats.Batch{Quarter: 2, Kind: stats.Started}
	require.NoError(t, f.store.Designation(ctx, stats.Designation{Year: 2021, Batch: q2, ProjectID: i1}))
	for _, tc := range []struct {
		name    string
		p       identity.Principal
		derived bool
		ids     []string
	}{
		{"the bureau", bureau, false, []string{i1}},
		{"the department of the designated project", industryEditor, false, []string{i1}},
		{"another department", energyViewer, true, nil},
	} {
		b, err := f.svc.Batches(ctx, tc.p, 2021, 2)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.derived, b.Started.Derived, tc.name)
		if tc.ids != nil {
			assert.Equal(t, tc.ids, b.Started.IDs, tc.name)
		}
	}
}
