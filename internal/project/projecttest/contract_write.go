package projecttest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

func updateSaves(t *testing.T, s Setup) {
	ctx := context.Background()
	full, tr := fullProject()
	full.ArchivedAt = nil
	require.NoError(t, s.Store.Create(ctx, full, tr))
	before := get(t, s.Store, full.ID)
	empty := newProject(func(p *project.Project) {
		p.ID, p.CreatedAt, p.Version, p.UpdatedAt = full.ID, full.CreatedAt, full.Version+1, at.Add(time.Hour)
	})
	got, err := s.Store.Update(ctx, all, full.ID, func(p *project.Project) error {
		assert.Equal(t, before, *p, "change sees the stored project")
		*p = empty
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, empty, got)
	assert.Equal(t, empty, get(t, s.Store, full.ID), "every field, nulls too, is written")

	full.Version, full.UpdatedAt, full.Code = empty.Version+1, at.Add(2*time.Hour), newCode()
	_, err = s.Store.Update(ctx, all, full.ID, func(p *project.Project) error { *p = full; return nil })
	require.NoError(t, err)
	assert.Equal(t, full, get(t, s.Store, full.ID), "and back to every field set")

	// What a stored health's refresh does: a change without a new version.
	_, err = s.Store.Update(ctx, all, full.ID, func(p *project.Project) error {
		p.Health, p.HealthReasons, p.HealthDueOn = health.Red, []health.Reason{{Rule: health.RuleStartMissed, Level: health.Red}}, nil
		return nil
	})
	require.NoError(t, err)
	got = get(t, s.Store, full.ID)
	assert.Equal(t, health.Red, got.Health)
	assert.Nil(t, got.HealthDueOn)
	assert.Equal(t, full.Version, got.Version, "the version is what change leaves it")

	// Neither the ID nor the creation time changes.
	p := create(t, s.Store, newProject())
	_, err = s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
		q.ID, q.CreatedAt = uuid.NewString(), at.Add(time.Hour)
		q.Version++
		return nil
	})
	require.NoError(t, err)
	got = get(t, s.Store, p.ID)
	assert.Equal(t, p.CreatedAt, got.CreatedAt)
	assert.Equal(t, 2, got.Version)

	// Versions persist from update to update.
	for i := 3; i <= 5; i++ {
		got, err := s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
			require.Equal(t, i-1, q.Version)
			q.Version, q.UpdatedAt = i, at.Add(time.Duration(i)*time.Minute)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, i, got.Version)
	}
	assert.Equal(t, at.Add(5*time.Minute), get(t, s.Store, p.ID).UpdatedAt)
}

func updateAborts(t *testing.T, s Setup) {
	p := create(t, s.Store, newProject())
	cases := []struct {
		name string
		err  error
		kind apperr.Kind
	}{
		{"plain error", errBoom, apperr.Internal},
		{"version conflict", apperr.ErrVersionConflict, apperr.VersionConflict},
		{"invalid", apperr.Fields([]apperr.FieldError{{Field: "name", Code: "required"}}), apperr.Invalid},
	}
	for _, tc := range cases {
		_, err := s.Store.Update(context.Background(), all, p.ID, func(q *project.Project) error {
			q.Name = "不应保存"
			q.Version++
			return tc.err
		})
		require.ErrorIs(t, err, tc.err, tc.name)
		assert.Equal(t, tc.kind, apperr.KindOf(err), tc.name)
		assert.Equal(t, p, get(t, s.Store, p.ID), tc.name)
	}
}

func updateRefused(t *testing.T, s Setup) {
	ctx := context.Background()
	a := create(t, s.Store, newProject(func(p *project.Project) { p.Code = newCode() }))
	b := create(t, s.Store, newProject())
	_, err := s.Store.Update(ctx, all, b.ID, func(q *project.Project) error { q.Code = ptr(*a.Code); q.Version++; return nil })
	requireFieldError(t, apperr.Conflict, "code", "not_unique", err)
	_, err = s.Store.Update(ctx, all, b.ID, func(q *project.Project) error { q.Department = "nowhere"; q.Version++; return nil })
	requireFieldError(t, apperr.Invalid, "department", "unknown", err)
	assert.Equal(t, b, get(t, s.Store, b.ID))
	_, err = s.Store.Update(ctx, all, a.ID, func(q *project.Project) error { q.Name = "代码未变"; q.Version++; return nil })
	require.NoError(t, err, "a project keeps its own code")
}

func updateStale(t *testing.T, s Setup) {
	ctx := context.Background()
	p := create(t, s.Store, newProject())
	// The inner update commits a change while the outer one holds the
	// version it read; both run in one transaction so that no database
	// blocks, and the outer save must find its version gone.
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := s.Store.Update(ctx, all, p.ID, func(outer *project.Project) error {
			_, err := s.Store.Update(ctx, all, p.ID, func(inner *project.Project) error {
				inner.Name = "先到的修改"
				inner.Version++
				return nil
			})
			require.NoError(t, err)
			outer.Name = "过期的修改"
			outer.Version++
			return nil
		})
		require.ErrorIs(t, err, project.ErrChanged)
		requireKind(t, apperr.Conflict, err)
		return nil
	})
	require.NoError(t, err)
	got := get(t, s.Store, p.ID)
	assert.Equal(t, "先到的修改", got.Name)
	assert.Equal(t, 2, got.Version)
}

func updateConcurrent(t *testing.T, s Setup) {
	p := create(t, s.Store, newProject(func(p *project.Project) { p.TotalInvestmentYuan = ptr(int64(0)) }))
	errs := concurrently(8, func() error {
		_, err := s.Store.Update(context.Background(), all, p.ID, func(q *project.Project) error {
			*q.TotalInvestmentYuan++
			q.Version++
			return nil
		})
		return err
	})
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		requireKind(t, apperr.Conflict, err)
	}
	assert.Positive(t, ok)
	got := get(t, s.Store, p.ID)
	assert.Equal(t, int64(ok), *got.TotalInvestmentYuan, "every successful update is reflected")
	assert.Equal(t, 1+ok, got.Version)
}

func archiveRestore(t *testing.T, s Setup) {
	ctx := context.Background()
	township := uuid.NewString()
	p := create(t, s.Store, newProject(func(p *project.Project) { p.Township = township }))
	ids := func(archived bool) []string {
		got, _ := listAll(t, s.Store, all, project.ListQuery{Filter: project.Filter{Township: township, Archived: archived}, Limit: 10})
		return got
	}
	require.Equal(t, []string{p.ID}, ids(false))
	require.Empty(t, ids(true))

	archivedAt := at.Add(time.Hour)
	_, err := s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
		q.ArchivedAt, q.UpdatedAt = &archivedAt, archivedAt
		q.Version++
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, ids(false))
	assert.Equal(t, []string{p.ID}, ids(true))
	assert.Equal(t, &archivedAt, get(t, s.Store, p.ID).ArchivedAt, "an archived project can still be read")

	_, err = s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
		q.ArchivedAt = nil
		q.Version++
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{p.ID}, ids(false))
	assert.Empty(t, ids(true))
	got := get(t, s.Store, p.ID)
	assert.Nil(t, got.ArchivedAt)
	assert.Equal(t, 3, got.Version)
}

// moved returns p moved to stage to on day on, as the service makes a
// move, and the move's history entry.
func moved(p project.Project, to project.Stage, on string) (project.Project, project.Transition) {
	from := p.Stage
	next := p
	next.Stage, next.Version, next.UpdatedAt, next.LastMoveOn = to, p.Version+1, p.UpdatedAt.Add(time.Minute), day(on)
	tr := project.Transition{
		ID: uuid.NewString(), ProjectID: p.ID, From: &from, To: to, OccurredOn: *day(on), Note: "开工",
		Evidence: []project.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-001"}}, Kind: project.KindMove,
		Actor: "energy1", Department: "energy", RecordedAt: next.UpdatedAt,
	}
	return next, tr
}

// move writes a move in a transaction of its own.
func move(s Setup, from, to project.Project, tr project.Transition) error {
	return s.Tx.InTx(context.Background(), func(ctx context.Context) error { return s.Store.Move(ctx, from, to, tr) })
}

func moveWrites(t *testing.T, s Setup) {
	p := create(t, s.Store, newProject(func(p *project.Project) { p.Stage, p.Actual.SignedOn = project.Landed, day("2021-01-05") }))
	read := get(t, s.Store, p.ID)
	to, tr := moved(read, project.Started, "2021-03-01")
	to.Actual.StartedOn, to.Health, to.HealthReasons = day("2021-03-01"), health.Yellow, []health.Reason{{Rule: health.RuleStartMissed, Level: health.Yellow}}
	tr.RecordedAt = tr.RecordedAt.In(shanghai)
	require.NoError(t, move(s, read, to, tr))
	assert.Equal(t, to, get(t, s.Store, p.ID))
	tr.RecordedAt = tr.RecordedAt.UTC()
	assert.Equal(t, []project.Transition{tr}, history(t, s.Store, p.ID))

	// A move entered without evidence keeps an empty list.
	next, tr2 := moved(to, project.Suspended, "2021-03-02")
	tr2.Evidence = nil
	require.NoError(t, move(s, to, next, tr2))
	tr2.Evidence = []project.Evidence{}
	assert.Equal(t, []project.Transition{tr, tr2}, history(t, s.Store, p.ID))
}

func moveConflicts(t *testing.T, s Setup) {
	ctx := context.Background()
	p := create(t, s.Store, newProject(func(p *project.Project) { p.Stage = project.Landed }))

	// A change made between the read and the move: a new version.
	read := get(t, s.Store, p.ID)
	changed, err := s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
		q.Leader, q.Leaders = "李四", []project.Leader{{Name: "李四", Lead: true}}
		q.Version++
		return nil
	})
	require.NoError(t, err)
	to, tr := moved(read, project.Started, "2021-03-01")
	require.ErrorIs(t, move(s, read, to, tr), project.ErrChanged)
	requireKind(t, apperr.Conflict, move(s, read, to, tr))
	assert.Equal(t, changed, get(t, s.Store, p.ID), "nothing of the move was written")
	assert.Empty(t, history(t, s.Store, p.ID))

	// A plan set between the read and the move: new facts, the same version.
	read = get(t, s.Store, p.ID)
	_, err = s.Store.Update(ctx, all, p.ID, func(q *project.Project) error {
		q.Facts = health.Facts{Plans: map[int]int64{2021: 1_000_000}}
		return nil
	})
	require.NoError(t, err)
	planned := get(t, s.Store, p.ID)
	require.Equal(t, read.Version, planned.Version)
	to, tr = moved(read, project.Started, "2021-03-01")
	require.ErrorIs(t, move(s, read, to, tr), project.ErrChanged)
	assert.Equal(t, planned, get(t, s.Store, p.ID))
	assert.Empty(t, history(t, s.Store, p.ID))

	// Read afresh, the move goes through.
	to, tr = moved(planned, project.Started, "2021-03-01")
	require.NoError(t, move(s, planned, to, tr))
	assert.Equal(t, to, get(t, s.Store, p.ID))
	assert.Len(t, history(t, s.Store, p.ID), 1)
}

func moveInTransaction(t *testing.T, s Setup) {
	p := create(t, s.Store, newProject(func(p *project.Project) { p.Stage = project.Landed }))
	read := get(t, s.Store, p.ID)
	to, tr := moved(read, project.Started, "2021-03-01")
	assert.Error(t, s.Store.Move(context.Background(), read, to, tr), "a move outside a transaction")
	assert.Equal(t, read, get(t, s.Store, p.ID))

	err := s.Tx.InTx(context.Background(), func(ctx context.Context) error {
		require.NoError(t, s.Store.Move(ctx, read, to, tr))
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, read, get(t, s.Store, p.ID), "the move rolled back with its transaction")
	assert.Empty(t, history(t, s.Store, p.ID))

	require.NoError(t, move(s, read, to, tr))
	assert.Equal(t, to, get(t, s.Store, p.ID))
}

func transitionsInOrder(t *testing.T, s Setup) {
	ctx := context.Background()
	planning := create(t, s.Store, newProject())
	none, err := s.Store.Transitions(ctx, all, planning.ID)
	require.NoError(t, err)
	assert.NotNil(t, none)
	assert.Empty(t, none)

	p := newProject(func(p *project.Project) { p.Stage = project.Signed })
	imp := project.Transition{ID: uuid.NewString(), ProjectID: p.ID, To: project.Signed, OccurredOn: *day("2021-01-05"),
		Kind: project.KindImport, Actor: "bureau1", Department: "drc", RecordedAt: at, Evidence: []project.Evidence{}}
	require.NoError(t, s.Store.Create(ctx, p, &imp))
	// Written out of order, one in another zone, two recorded at the same
	// instant (then ordered by ID).
	ids := sortedIDs(3)
	recorded := []time.Time{at.Add(2 * time.Hour), at.Add(time.Hour).In(shanghai), at.Add(2 * time.Hour)}
	var written []project.Transition
	cur := p
	for i, id := range []string{ids[2], ids[0], ids[1]} {
		next, tr := moved(cur, []project.Stage{project.Landed, project.Started, project.Suspended}[i], "2021-03-01")
		tr.ID, tr.RecordedAt = id, recorded[i]
		require.NoError(t, move(s, cur, next, tr))
		tr.RecordedAt = tr.RecordedAt.UTC()
		written, cur = append(written, tr), next
	}
	assert.Equal(t, []project.Transition{imp, written[1], written[2], written[0]}, history(t, s.Store, p.ID))
}

func rolledBack(t *testing.T, s Setup) {
	ctx := context.Background()
	p := newProject()
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, s.Store.Create(ctx, p, nil))
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	_, err = s.Store.Get(ctx, all, p.ID)
	requireKind(t, apperr.NotFound, err)

	create(t, s.Store, p)
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := s.Store.Update(ctx, all, p.ID, func(q *project.Project) error { q.Name = "回滚"; q.Version++; return nil })
		require.NoError(t, err)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, p, get(t, s.Store, p.ID))
}
