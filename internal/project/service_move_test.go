package project_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// landed is a project that landed on 2021-05-01, its last move.
func landed(p *project.Project) {
	p.Stage, p.Actual.LandedOn, p.LastMoveOn = project.Landed, day("2021-05-01"), day("2021-05-01")
}

// start is the move to started on 2021-06-10, with its permit.
func start(m *project.Move) {
	m.To, m.OccurredOn, m.Note = project.Started, *day("2021-06-10"), " 开工 "
	m.Evidence = []project.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-001"}}
}

func TestMove(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		setup   func(f *fixture)
		by      identity.Principal
		ifMatch int
		move    func(*project.Move)
		failGet error
		err     func(t *testing.T, err error)
		check   func(t *testing.T, f *fixture, before, after project.Project, tr project.Transition)
	}{
		{name: "a legal move, its history entry and audit record", by: energyEditor, ifMatch: 1, move: start,
			check: func(t *testing.T, f *fixture, before, after project.Project, tr project.Transition) {
				assert.Equal(t, project.Started, after.Stage)
				assert.Equal(t, day("2021-06-10"), after.Actual.StartedOn)
				assert.Equal(t, day("2021-06-10"), after.LastMoveOn)
				assert.Equal(t, 2, after.Version)
				assert.Equal(t, stamp, after.UpdatedAt)
				assert.Equal(t, after, f.stored(after.ID))
				from := project.Landed
				want := project.Transition{ID: id(1), ProjectID: before.ID, From: &from, To: project.Started, OccurredOn: *day("2021-06-10"),
					Note: "开工", Evidence: []project.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-001"}}, Kind: project.KindMove,
					Actor: "energy_editor", Department: "energy", RecordedAt: stamp}
				assert.Equal(t, want, tr)
				assert.Equal(t, []project.Transition{want}, f.history(before.ID))
				records := f.auditor.all()
				require.Len(t, records, 1)
				assert.Equal(t, project.ActionMove, records[0].record.Action)
				assert.Equal(t, project.Landed, records[0].record.Before.(map[string]any)["stage"])
				assert.Equal(t, project.Started, records[0].record.After.(map[string]any)["stage"])
			}},
		{name: "without If-Match, whatever the version", by: bureau, move: start},
		{name: "a stale If-Match", by: bureau, ifMatch: 2, move: start, err: kind(apperr.VersionConflict)},
		{name: "an illegal move names the stages allowed", by: bureau,
			move: func(m *project.Move) { m.To, m.OccurredOn = project.Negotiating, today }, err: func(t *testing.T, err error) {
				e := requireKind(t, apperr.IllegalTransition, err)
				assert.Equal(t, []string{"started", "completed", "in_production", "at_capacity", "cancelled"}, e.Allowed)
			}},
		{name: "a move without its evidence", by: bureau, move: func(m *project.Move) { start(m); m.Evidence = nil },
			err: fields("evidence:required")},
		{name: "a move dated before the last", by: bureau, move: func(m *project.Move) { start(m); m.OccurredOn = *day("2021-04-30") },
			err: fields("occurred_on:date_order")},
		{name: "a move dated tomorrow", by: bureau, move: func(m *project.Move) { start(m); m.OccurredOn = *day("2021-06-16") },
			err: fields("occurred_on:in_future")},
		{name: "a department may not correct", by: energyEditor,
			move: func(m *project.Move) {
				m.To, m.OccurredOn, m.Note, m.Correction = project.Signed, today, "录入有误", true
			}, err: forbidden},
		{name: "the bureau corrects, with a note", by: bureau,
			move: func(m *project.Move) {
				m.To, m.OccurredOn, m.Note, m.Correction = project.Signed, today, "录入有误", true
			},
			check: func(t *testing.T, f *fixture, _, after project.Project, tr project.Transition) {
				assert.Equal(t, project.Signed, after.Stage)
				assert.Nil(t, after.Actual.LandedOn, "the dates after the stage are cleared")
				assert.Equal(t, project.KindCorrection, tr.Kind)
			}},
		{name: "another department's project", by: industryEditor, move: start, err: kind(apperr.NotFound)},
		{name: "a viewer may not", by: energyViewer, move: start, err: forbidden},
		{name: "an archived project", by: bureau, move: start,
			setup: func(f *fixture) { archiveSeed(f) }, err: isErr(project.ErrArchived)},
		{name: "changed meanwhile", by: bureau, move: start,
			setup: func(f *fixture) { f.store.Fail("Move", project.ErrChanged) }, err: isErr(project.ErrChanged)},
		{name: "changed meanwhile, with If-Match: the version asked for is gone", by: bureau, ifMatch: 1, move: start,
			setup: func(f *fixture) { f.store.Fail("Move", project.ErrChanged) }, err: kind(apperr.VersionConflict)},
		{name: "the project cannot be read", by: bureau, move: start, failGet: errBoom, err: boom},
		{name: "the audit trail fails", by: bureau, move: start, setup: func(f *fixture) { f.auditor.err = errBoom }, err: boom},
		{name: "the commit fails", by: bureau, move: start, setup: func(f *fixture) { f.tx.FailCommits(errBoom) }, err: boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.seed(landed)
			if tc.setup != nil {
				tc.setup(f)
			}
			before := f.stored(seedID(1))
			f.store.Fail("Get", tc.failGet)
			var m project.Move
			tc.move(&m)
			after, tr, err := f.svc.Move(context.Background(), tc.by, before.ID, tc.ifMatch, m)
			f.store.Fail("Get", nil)
			if tc.err != nil {
				tc.err(t, err)
				assert.Equal(t, project.Project{}, after)
				assert.Equal(t, before, f.stored(before.ID), "nothing written")
				assert.Empty(t, f.history(before.ID))
				assert.Empty(t, f.actions())
				assert.Zero(t, f.notified)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, f.notified, "told once, after the commit")
			if tc.check != nil {
				tc.check(t, f, before, after, tr)
			}
		})
	}
}

// seedID is the ID of the n-th project a fixture seeded.
func seedID(n int) string { return "99999999-0000-4000-8000-" + id(n)[24:] }

// archiveSeed archives the fixture's first project behind the service's back.
func archiveSeed(f *fixture) {
	_, err := f.store.Update(context.Background(), project.Reach{All: true}, seedID(1), func(p *project.Project) error {
		archived(p)
		return nil
	})
	require.NoError(f.t, err)
}

// TestCorrectionAfterCancellation: a correction takes a cancelled project
// back as far as the stage its cancellation left, which its history tells,
// even when no date of that stage is known (docs/stages.md).
func TestCorrectionAfterCancellation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	correct := func(to project.Stage) project.Move {
		return project.Move{To: to, OccurredOn: today, Note: "终止录入有误", Correction: true}
	}

	f := newFixture(t)
	p := f.seed(func(p *project.Project) { p.Stage = project.Signed })
	_, _, err := f.svc.Move(ctx, bureau, p.ID, 1, project.Move{To: project.Cancelled, OccurredOn: *day("2021-06-01"), Note: "企业撤资"})
	require.NoError(t, err)
	_, _, err = f.svc.Move(ctx, bureau, p.ID, 2, correct(project.Landed))
	e := requireKind(t, apperr.IllegalTransition, err)
	assert.Equal(t, []string{"planning", "negotiating", "signed"}, e.Allowed, "back to the stage it left, no further")
	back, tr, err := f.svc.Move(ctx, bureau, p.ID, 2, correct(project.Signed))
	require.NoError(t, err)
	assert.Equal(t, project.Signed, back.Stage)
	assert.Equal(t, project.KindCorrection, tr.Kind)
	assert.Equal(t, project.Cancelled, *tr.From)
	assert.Len(t, f.history(p.ID), 2)

	// Entered cancelled, with no move out of a stage: negotiating at most.
	f = newFixture(t)
	p = f.seed(func(p *project.Project) { p.Stage = project.Cancelled })
	_, _, err = f.svc.Move(ctx, bureau, p.ID, 1, correct(project.Signed))
	e = requireKind(t, apperr.IllegalTransition, err)
	assert.Equal(t, []string{"planning", "negotiating"}, e.Allowed)

	// The history cannot be read.
	f.store.Fail("Transitions", errBoom)
	_, _, err = f.svc.Move(ctx, bureau, p.ID, 1, correct(project.Negotiating))
	require.ErrorIs(t, err, errBoom)
}

// TestMoveInACallersTransaction: a move made in a caller's transaction is
// told of once that transaction commits, never if it rolls back.
func TestMoveInACallersTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.seed(landed)
	require.ErrorIs(t, f.tx.InTx(ctx, func(ctx context.Context) error {
		_, _, err := f.svc.Move(ctx, bureau, p.ID, 1, project.Move{To: project.Cancelled, OccurredOn: today, Note: "撤资"})
		require.NoError(t, err)
		return errBoom
	}), errBoom)
	assert.Zero(t, f.notified)
	assert.Equal(t, p, f.stored(p.ID), "the move rolled back with the caller's transaction")
	assert.Empty(t, f.history(p.ID))

	require.NoError(t, f.tx.InTx(ctx, func(ctx context.Context) error {
		_, _, err := f.svc.Move(ctx, bureau, p.ID, 1, project.Move{To: project.Cancelled, OccurredOn: today, Note: "撤资"})
		require.NoError(t, err)
		assert.Zero(t, f.notified, "not before the caller's commit")
		return nil
	}))
	assert.Equal(t, 1, f.notified)
	assert.Equal(t, project.Cancelled, f.stored(p.ID).Stage)
}
