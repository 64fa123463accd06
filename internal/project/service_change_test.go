package project_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// setLeader is a change that names a leader.
func setLeader(f project.Fields) (project.Fields, error) {
	f.Leader = "张副县长"
	return f, nil
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		seed    func(*project.Project)
		setup   func(f *fixture)
		by      identity.Principal
		ifMatch int
		change  func(project.Fields) (project.Fields, error)
		err     func(t *testing.T, err error)
		check   func(t *testing.T, f *fixture, before, after project.Project)
	}{
		{name: "a change makes a version, audited before and after", by: energyEditor, ifMatch: 1, change: setLeader,
			check: func(t *testing.T, f *fixture, before, after project.Project) {
				assert.Equal(t, "张副县长", after.Leader)
				assert.Equal(t, 2, after.Version)
				assert.Equal(t, stamp, after.UpdatedAt)
				assert.Equal(t, before.CreatedAt, after.CreatedAt)
				assert.Equal(t, after, f.stored(after.ID))
				records := f.auditor.all()
				require.Len(t, records, 1)
				assert.Equal(t, project.ActionUpdate, records[0].record.Action)
				assert.Equal(t, "", records[0].record.Before.(map[string]any)["leader"])
				assert.Equal(t, "张副县长", records[0].record.After.(map[string]any)["leader"])
				assert.Equal(t, 1, f.notified)
			}},
		{name: "the health follows the fields", by: bureau, ifMatch: 1,
			change: func(f project.Fields) (project.Fields, error) { f.PlannedStartDate = day("2021-06-01"); return f, nil },
			check: func(t *testing.T, f *fixture, _, after project.Project) {
				assert.Equal(t, health.Yellow, after.Health)
				assert.Equal(t, health.Yellow, f.stored(after.ID).Health)
			}},
		{name: "nothing changed: no version, no audit record", by: energyEditor, ifMatch: 1,
			change: func(f project.Fields) (project.Fields, error) { f.Name = "  " + f.Name + " "; return f, nil },
			check: func(t *testing.T, f *fixture, before, after project.Project) {
				assert.Equal(t, before, after)
				assert.Equal(t, before, f.stored(before.ID))
				assert.Empty(t, f.actions())
				assert.Zero(t, f.notified)
			}},
		{name: "the bureau moves a project to another department", by: bureau, ifMatch: 1,
			change: func(f project.Fields) (project.Fields, error) { f.Department = "industry"; return f, nil },
			check: func(t *testing.T, f *fixture, _, after project.Project) {
				assert.Equal(t, "industry", f.stored(after.ID).Department)
			}},
		{name: "a department may not give its project away", by: energyEditor, ifMatch: 1,
			change: func(f project.Fields) (project.Fields, error) { f.Department = "industry"; return f, nil },
			err:    fields("department:not_allowed")},
		{name: "a stale version", by: energyEditor, ifMatch: 2, change: setLeader, err: kind(apperr.VersionConflict)},
		{name: "an archived project", seed: archived, by: bureau, ifMatch: 1, change: setLeader, err: isErr(project.ErrArchived)},
		{name: "invalid fields", by: bureau, ifMatch: 1,
			change: func(f project.Fields) (project.Fields, error) { f.Name, f.KeyLevel = "", "world"; return f, nil },
			err:    fields("name:required", "key_level:invalid_value")},
		{name: "the change's own error", by: bureau, ifMatch: 1,
			change: func(project.Fields) (project.Fields, error) { return project.Fields{}, errBoom }, err: boom},
		{name: "another department's project", by: industryEditor, ifMatch: 1, change: setLeader, err: kind(apperr.NotFound)},
		{name: "a viewer may not", by: energyViewer, ifMatch: 1, change: setLeader, err: forbidden},
		{name: "a client without projects:write may not", by: clientRead, ifMatch: 1, change: setLeader, err: forbidden},
		{name: "a code another project holds", by: bureau, ifMatch: 1,
			setup: func(f *fixture) { f.seed(func(p *project.Project) { p.Code = ptr("2021-140223-44-02-000001") }) },
			change: func(f project.Fields) (project.Fields, error) {
				f.Code = ptr("2021-140223-44-02-000001")
				return f, nil
			},
			err: kind(apperr.Conflict)},
		{name: "the audit trail fails", by: bureau, ifMatch: 1, setup: func(f *fixture) { f.auditor.err = errBoom }, change: setLeader, err: boom},
		{name: "the commit fails", by: bureau, ifMatch: 1, setup: func(f *fixture) { f.tx.FailCommits(errBoom) }, change: setLeader, err: boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var mods []func(*project.Project)
			if tc.seed != nil {
				mods = append(mods, tc.seed)
			}
			before := f.seed(mods...)
			if tc.setup != nil {
				tc.setup(f)
			}
			after, err := f.svc.Update(context.Background(), tc.by, before.ID, tc.ifMatch, tc.change)
			if tc.err != nil {
				tc.err(t, err)
				assert.Equal(t, before, f.stored(before.ID), "nothing written")
				assert.Empty(t, f.actions())
				assert.Zero(t, f.notified)
				return
			}
			require.NoError(t, err)
			tc.check(t, f, before, after)
		})
	}
}

func kind(k apperr.Kind) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		requireKind(t, k, err)
	}
}

func isErr(want error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, want)
	}
}

func TestArchiveAndRestore(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		by   identity.Principal
		kind apperr.Kind
	}{
		{"the bureau", bureau, 0},
		{"an administrator", admin, 0},
		{"not a leader", leader, apperr.Forbidden},
		{"not a department editor", energyEditor, apperr.Forbidden},
		{"not a bureau client without projects:write", bureauReader, apperr.Forbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.seed()
			ctx := context.Background()
			err := f.svc.Archive(ctx, tc.by, p.ID, 1)
			_, rerr := f.svc.Restore(ctx, tc.by, p.ID)
			if tc.kind != 0 {
				requireKind(t, tc.kind, err)
				requireKind(t, tc.kind, rerr)
				assert.Equal(t, p, f.stored(p.ID))
				return
			}
			require.NoError(t, err)
			require.NoError(t, rerr)
			assert.Equal(t, []string{project.ActionArchive + " " + p.ID, project.ActionRestore + " " + p.ID}, f.actions())
			assert.Equal(t, 2, f.notified)
			assert.Equal(t, 3, f.stored(p.ID).Version)
		})
	}
}

func TestArchiveRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.seed()
	requireKind(t, apperr.VersionConflict, f.svc.Archive(ctx, bureau, p.ID, 2), "a stale version")
	_, err := f.svc.Restore(ctx, bureau, p.ID)
	requireKind(t, apperr.Conflict, err, "a live project is not restored")

	require.NoError(t, f.svc.Archive(ctx, bureau, p.ID, 1))
	gone := f.stored(p.ID)
	assert.Equal(t, &stamp, gone.ArchivedAt)
	assert.Equal(t, 2, gone.Version)
	assert.Equal(t, stamp, gone.UpdatedAt)
	requireKind(t, apperr.NotFound, f.svc.Archive(ctx, bureau, p.ID, 2), "archived twice: it has left the register")
	requireKind(t, apperr.NotFound, f.svc.Archive(ctx, bureau, p.ID, 1), "archived twice with the version the first found: 404 all the same")
	got, err := f.svc.Get(ctx, energyViewer, p.ID)
	require.NoError(t, err, "the history stays readable")
	assert.NotNil(t, got.ArchivedAt)
	page, err := f.svc.List(ctx, bureau, project.ListQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "out of the lists")

	_, err = f.svc.Update(ctx, bureau, p.ID, 2, setLeader)
	require.ErrorIs(t, err, project.ErrArchived)
	_, _, err = f.svc.Move(ctx, bureau, p.ID, 2, project.Move{To: project.Negotiating, OccurredOn: today})
	require.ErrorIs(t, err, project.ErrArchived)

	back, err := f.svc.Restore(ctx, bureau, p.ID)
	require.NoError(t, err)
	assert.Nil(t, back.ArchivedAt)
	assert.Equal(t, 3, back.Version)
	assert.Equal(t, back, f.stored(p.ID))
	assert.Equal(t, []string{project.ActionArchive + " " + p.ID, project.ActionRestore + " " + p.ID}, f.actions())
}

func TestWithin(t *testing.T) {
	t.Parallel()
	energy := project.Reach{Department: "energy"}
	overdue := health.Facts{Issues: []health.IssueFact{{ID: id(900), DueOn: *day("2021-06-01"), CreatedAt: stamp.AddDate(0, -1, 0), Dept: "energy"}}}
	cases := []struct {
		name  string
		seed  func(*project.Project)
		setup func(f *fixture)
		scope project.Reach
		fn    func(ctx context.Context, p *project.Project) error
		err   func(t *testing.T, err error)
	}{
		{name: "its own department's", scope: energy},
		{name: "unscoped", scope: project.Reach{All: true}},
		{name: "another department's", scope: project.Reach{Department: "industry"}, err: kind(apperr.NotFound)},
		{name: "an archived project", seed: archived, scope: energy, err: isErr(project.ErrArchived)},
		{name: "fn's own error", scope: energy, fn: func(context.Context, *project.Project) error { return errBoom }, err: boom},
		{name: "the facts cannot be read", scope: energy, setup: func(f *fixture) { f.store.Fail("Facts", errBoom) }, err: boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var mods []func(*project.Project)
			if tc.seed != nil {
				mods = append(mods, tc.seed)
			}
			p := f.seed(mods...)
			f.store.AddFacts(p.ID, overdue, "energy")
			if tc.setup != nil {
				tc.setup(f)
			}
			called := false
			fn := func(ctx context.Context, pr *project.Project) error {
				called = true
				assert.True(t, projecttest.InTransaction(ctx), "fn runs in the change's transaction")
				if tc.fn != nil {
					return tc.fn(ctx, pr)
				}
				return nil
			}
			got, err := f.svc.Within(context.Background(), tc.scope, p.ID, fn)
			if tc.err != nil {
				tc.err(t, err)
				assert.Equal(t, p, f.stored(p.ID))
				assert.Zero(t, f.notified)
				return
			}
			require.NoError(t, err)
			assert.True(t, called)
			assert.Equal(t, health.Yellow, got.Health, "the health computed from the facts read afresh")
			assert.Equal(t, health.RuleBlockerOverdue, got.HealthReasons[0].Rule)
			assert.Equal(t, overdue, got.Facts)
			assert.Equal(t, p.Version, got.Version, "plans, progress and blockers make no version")
			assert.Equal(t, got, f.stored(p.ID))
			assert.Equal(t, 1, f.notified)
		})
	}
}
