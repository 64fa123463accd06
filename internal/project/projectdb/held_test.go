package projectdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestMoveWaitsForAHeldProject: a move that finds its project held by
// another transaction waits for it (at most database.RowWait) and is then
// decided on the project as that transaction left it (docs/stages.md). The
// health refresher holds projects while nobody changes them, its first pass
// every live project at once: a move meeting it is made, not refused as if
// someone else were moving the project. A change of the project's version
// meanwhile makes the move a conflict. (SQLite runs one change at a time.)
func TestMoveWaitsForAHeldProject(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// hold holds the project id in a transaction of ctx until release
		// returns, as a background task or a client's change would.
		hold    func(ctx context.Context, st *projectdb.Store, id string, release func()) error
		changed bool // whether hold changes what the move depends on
	}{
		{"the refresher's first pass makes every project's health due", func(ctx context.Context, st *projectdb.Store, _ string, release func()) error {
			if err := st.MarkHealthDue(ctx, calendar.Today(time.Now())); err != nil {
				return err
			}
			release()
			return st.PutSetting(ctx, "health_rules", "held")
		}, false},
		{"the refresher computes a project's health again", func(ctx context.Context, st *projectdb.Store, id string, release func()) error {
			_, err := st.Update(ctx, project.Reach{All: true}, id, func(p *project.Project) error {
				release()
				p.HealthDueOn = nil
				return nil
			})
			return err
		}, false},
		{"a client changes the project", func(ctx context.Context, st *projectdb.Store, id string, release func()) error {
			_, err := st.Update(ctx, project.Reach{All: true}, id, func(p *project.Project) error {
				release()
				p.Name, p.Version = "改名的项目", p.Version+1
				return nil
			})
			return err
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := dbtest.Postgres(t)
			ctx := context.Background()
			st := projectdb.New(db)
			svc := project.NewService(st, db, audit.NewService(auditdb.New(db), time.Now), time.Now, uuid.NewString)
			bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
			p, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"}})
			require.NoError(t, err)

			holder, held, release := make(chan int, 1), make(chan error, 1), make(chan struct{})
			go func() {
				held <- db.InTx(ctx, func(ctx context.Context) error {
					q, done := db.Conn(ctx)
					var pid int
					err := q.Raw("SELECT pg_backend_pid()").Scan(&pid).Error
					done()
					if err != nil {
						return err
					}
					return tc.hold(ctx, st, p.ID, func() { holder <- pid; <-release })
				})
			}()
			pid := <-holder
			moved := make(chan error, 1)
			go func() {
				_, _, err := svc.Move(ctx, bureau, p.ID, 0, project.Move{To: project.Started, OccurredOn: *day("2021-03-01"),
					Evidence: []project.Evidence{{Kind: "permit", Ref: "晋发改许〔2021〕1号"}}})
				moved <- err
			}()
			answeredEarly := !waitsFor(t, db, pid, moved)
			close(release)
			require.NoError(t, <-held)
			err = <-moved
			require.False(t, answeredEarly, "the move answered while the project was held: %v", err)

			got, gerr := svc.Get(ctx, bureau, p.ID)
			require.NoError(t, gerr)
			if tc.changed {
				assert.ErrorIs(t, err, project.ErrChanged, "the project changed while the move waited")
				assert.Equal(t, project.Planning, got.Stage)
				assert.Equal(t, "改名的项目", got.Name)
				return
			}
			require.NoError(t, err, "the project is as the move read it")
			assert.Equal(t, project.Started, got.Stage)
			assert.Equal(t, 2, got.Version)
		})
	}
}

// waitsFor reports whether a statement waits for the backend pid's locks
// before moved is answered.
func waitsFor(t *testing.T, db *database.DB, pid int, moved chan error) bool {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-moved:
			moved <- err
			return false
		default:
		}
		q, done := db.Conn(context.Background())
		var n int
		err := q.Raw("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid).Scan(&n).Error
		done()
		require.NoError(t, err)
		if n > 0 {
			return true
		}
	}
	t.Error("the move neither answered nor waited for the held project within 30 s")
	return true
}
