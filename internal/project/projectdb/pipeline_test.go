package projectdb_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/stats"
)

// movingClock is a clock a test sets.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = day0(day).Add(2 * time.Hour)
}

func day0(s string) time.Time { return *day(s) }

// TestHealthIsKeptCurrent: the stored health, which the list filter reads,
// follows the passing of days through the Refresher, and is computed again
// for every project when the thresholds change; none of it makes a version.
func TestHealthIsKeptCurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := &movingClock{}
		clk.set("2021-06-15")
		svc := project.NewService(projectdb.New(db), db, audit.NewService(auditdb.New(db), clk.now), clk.now, uuid.NewString)
		refresher := project.NewRefresher(svc, projectdb.New(db))
		bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
		healthOf := func(id string) (health.Level, int) {
			p, err := svc.Get(ctx, bureau, id)
			require.NoError(t, err)
			return p.Health, p.Version
		}
		listed := func(h health.Level) []string {
			page, err := svc.List(ctx, bureau, project.ListQuery{Filter: project.Filter{Healths: []health.Level{h}}, Limit: 50})
			require.NoError(t, err)
			var ids []string
			for _, p := range page.Items {
				ids = append(ids, p.ID)
			}
			return ids
		}

		p, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{
			Name: "天宏阳光100兆瓦光伏项目", Category: "solar_pv", Department: "energy", PlannedStartDate: day("2021-06-20"),
		}})
		require.NoError(t, err)
		assert.Equal(t, health.Green, p.Health)
		gone, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{
			Name: "archived", Category: "solar_pv", Department: "energy", PlannedStartDate: day("2021-06-20"),
		}})
		require.NoError(t, err)
		require.NoError(t, svc.Archive(ctx, bureau, gone.ID, 1))

		n, err := refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "the first run computes every live project under the configured rules")
		n, err = refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is due the same day")

		clk.set("2021-06-21")
		n, err = refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		h, v := healthOf(p.ID)
		assert.Equal(t, health.Yellow, h, "the planned start passed yesterday")
		assert.Equal(t, 1, v, "health is derived: no new version")
		assert.Equal(t, []string{p.ID}, listed(health.Yellow))
		h, _ = healthOf(gone.ID)
		assert.Equal(t, health.Green, h, "an archived project is left alone")

		// Stricter thresholds: every project is computed again.
		rules := health.DefaultRules()
		rules.DateRedDays = 0
		svc.SetHealthRules(rules)
		n, err = refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		h, _ = healthOf(p.ID)
		assert.Equal(t, health.Red, h)
		assert.Equal(t, []string{p.ID}, listed(health.Red))
		assert.Empty(t, listed(health.Yellow))

		// Restoring computes the archived project's health for today.
		restored, err := svc.Restore(ctx, bureau, gone.ID)
		require.NoError(t, err)
		assert.Equal(t, health.Red, restored.Health)
	})
}

// TestResponsibleDepartmentReadsTheProject: the scope clause for responsible departments (docs/api.md, "Plans, progress and blockers").
// A department responsible for an unresolved blocker reads the project, and
// only while the blocker is unresolved; it never writes the project, and its
// lists stay its own department's register.
func TestResponsibleDepartmentReadsTheProject(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC) }
		svc := project.NewService(projectdb.New(db), db, audit.NewService(auditdb.New(db), now), now, uuid.NewString)
		plans := plan.NewService(projectdb.NewPlans(db), svc, db, audit.NewService(auditdb.New(db), now), now)
		blockers := issue.NewService(projectdb.NewIssues(db), svc, audit.NewService(auditdb.New(db), now), now, uuid.NewString)
		bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
		industry := identity.Principal{Subject: uuid.NewString(), Name: "industry", Role: identity.RoleDeptEditor, Department: "industry"}
		p, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"}})
		require.NoError(t, err)

		_, err = svc.Get(ctx, industry, p.ID)
		require.Equal(t, apperr.NotFound, apperr.KindOf(err), "another department's project")

		is, err := blockers.Open(ctx, bureau, p.ID, issue.Fields{
			Title: "配套部件供应", Kind: "construction", ResponsibleDepartment: "industry", DueOn: day0("2021-07-01"),
		})
		require.NoError(t, err)
		got, err := svc.Get(ctx, industry, p.ID)
		require.NoError(t, err, "the responsible department reads the project")
		assert.Equal(t, p.ID, got.ID)
		_, err = svc.Transitions(ctx, industry, p.ID)
		require.NoError(t, err)
		_, err = plans.ProjectPlans(ctx, industry, p.ID)
		require.NoError(t, err)

		_, err = svc.Update(ctx, industry, p.ID, 1, func(f project.Fields) (project.Fields, error) { f.Leader = "x"; return f, nil })
		assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "but does not change it")
		_, err = plans.SetPlanned(ctx, industry, 2021, p.ID, 1, plan.Change{}, 0)
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), "nor its plan")
		page, err := svc.List(ctx, industry, project.ListQuery{Limit: 50})
		require.NoError(t, err)
		assert.Empty(t, page.Items, "lists hold the department's own register")

		_, err = blockers.Update(ctx, industry, is.ID, is.Version, func(f issue.Fields) (issue.Fields, error) {
			f.Status, f.Resolution = issue.Resolved, "供应商已落实"
			return f, nil
		})
		require.NoError(t, err)
		_, err = svc.Get(ctx, industry, p.ID)
		assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "a resolved blocker opens nothing")
		seen, err := blockers.Get(ctx, industry, is.ID)
		require.NoError(t, err, "the responsible department still sees its blocker")
		assert.Equal(t, issue.Resolved, seen.Status)
	})
}

// TestAMoveDoesNotUndoWhatItDidNotRead: a move is written on the condition
// that the project is as it was read, facts included. A plan set between
// the read and the write changes the facts the move's health would be
// computed from, not the version: the move is refused and the plan's health
// stays.
func TestAMoveDoesNotUndoWhatItDidNotRead(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := &movingClock{}
		clk.set("2021-06-15")
		auditor := audit.NewService(auditdb.New(db), clk.now)
		st := projectdb.New(db)
		svc := project.NewService(st, db, auditor, clk.now, uuid.NewString)
		plans := plan.NewService(projectdb.NewPlans(db), svc, db, auditor, clk.now)
		bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
		p, err := svc.Create(ctx, bureau, project.Draft{Stage: project.Started, Actual: project.Actual{StartedOn: day("2021-03-01")},
			Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"}})
		require.NoError(t, err)

		read, err := st.Get(ctx, project.Reach{All: true}, p.ID)
		require.NoError(t, err)
		_, err = plans.SetPlanned(ctx, bureau, 2021, p.ID, 1_000_000, plan.Change{}, 0)
		require.NoError(t, err)
		planned, err := st.Get(ctx, project.Reach{All: true}, p.ID)
		require.NoError(t, err)
		require.Equal(t, read.Version, planned.Version, "a plan makes no version")
		require.NotEqual(t, read.Facts, planned.Facts)

		moved := read
		moved.Stage, moved.Version = project.Suspended, read.Version+1
		err = db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, auditor.Append(ctx, bureau, audit.Record{Action: project.ActionMove, ResourceType: project.ResourceType, ResourceID: p.ID}))
			return st.Move(ctx, read, moved, project.Transition{ID: uuid.NewString(), ProjectID: p.ID, To: project.Suspended,
				OccurredOn: day0("2021-06-15"), Note: "资金未到位", Kind: project.KindMove, RecordedAt: clk.now()})
		})
		require.ErrorIs(t, err, project.ErrChanged)
		got, err := st.Get(ctx, project.Reach{All: true}, p.ID)
		require.NoError(t, err)
		assert.Equal(t, planned, got, "nothing of the move was written")
		require.NoError(t, auditor.Flush(ctx))
		es, err := auditdb.New(db).Walk(ctx, 0, 100)
		require.NoError(t, err)
		for _, e := range es {
			assert.NotEqual(t, project.ActionMove, e.Action, "nor its audit entry")
		}

		// Read afresh, the move goes through.
		_, _, err = svc.Move(ctx, bureau, p.ID, 0, project.Move{To: project.Suspended, OccurredOn: day0("2021-06-15"), Note: "资金未到位"})
		require.NoError(t, err)
		// A move sent with a version that has gone is 412, not 409.
		_, _, err = svc.Move(ctx, bureau, p.ID, read.Version, project.Move{To: project.Started, OccurredOn: day0("2021-06-15")})
		assert.Equal(t, apperr.ErrVersionConflict, err)
	})
}

// TestStatisticsFollowTheCommit: a change made in a caller's transaction
// (an Idempotency-Key's) counts once that transaction commits, even when the
// statistics were read between the change and the commit, from the rows as
// they were; and a change rolled back never counts.
func TestStatisticsFollowTheCommit(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t) // SQLite's one connection cannot read beside an open transaction
	ctx := context.Background()
	now := func() time.Time { return time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC) }
	svc := project.NewService(projectdb.New(db), db, audit.NewService(auditdb.New(db), now), now, uuid.NewString)
	statistics := stats.NewService(projectdb.NewStats(db), now)
	statistics.SetCacheTTL(time.Hour)
	svc.Notify(statistics.Forget)
	bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
	// The overview as the HTTP layer asks for it: through the cache.
	projects := func() int64 {
		b, err := statistics.RenderedOverview(ctx, bureau, stats.Params{Year: 2021, AsOf: now()}, false, func(o stats.Overview) ([]byte, error) {
			return strconv.AppendInt(nil, o.All.Count, 10), nil
		})
		require.NoError(t, err)
		n, err := strconv.ParseInt(string(b), 10, 64)
		require.NoError(t, err)
		return n
	}
	create := func(ctx context.Context) {
		_, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"}})
		require.NoError(t, err)
	}
	require.Equal(t, int64(0), projects())

	require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
		create(ctx)
		assert.Equal(t, int64(0), projects(), "read beside the transaction, before it commits")
		return nil
	}))
	assert.Equal(t, int64(1), projects(), "counted once committed")

	rollback := errors.New("rolled back")
	require.ErrorIs(t, db.InTx(ctx, func(ctx context.Context) error {
		create(ctx)
		return rollback
	}), rollback)
	assert.Equal(t, int64(1), projects())
}
