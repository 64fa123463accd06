package projectdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// TestStoreContract runs the contract of project.Store, which the
// in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL. The facts are written through the stores of plans, progress
// and blockers.
func TestStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		projecttest.StoreContract(t, projecttest.Setup{Store: st, Tx: db, AddFacts: addFacts(st, db, projectdb.NewIssues(db), projectdb.NewDispatch(db))})
	})
}

// TestHealthStoreContract runs the contract of project.HealthStore on a
// database of its own: marking every project due touches all of them.
func TestHealthStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		projecttest.HealthStoreContract(t, st, st)
	})
}

// addFacts writes facts as the services of plans, the dispatch and blockers
// would.
func addFacts(st *projectdb.Store, db *database.DB, issues *projectdb.Issues, reports *projectdb.Dispatch) func(t *testing.T, id string, f health.Facts, responsible string) {
	return func(t *testing.T, id string, f health.Facts, responsible string) {
		t.Helper()
		ctx := context.Background()
		for y, v := range f.Plans {
			require.NoError(t, putEntry(ctx, st, db, id, y, v))
		}
		for _, m := range f.Progress {
			require.NoError(t, reports.PutReport(ctx, dispatch.Report{ProjectID: id, Month: calendar.Month{Year: m.Year, Month: time.Month(m.Month)},
				Figures: dispatch.Figures{CompletedYuan: m.Yuan}, State: dispatch.Accepted, Version: 1, UpdatedAt: clock, ReportedBy: "bureau"}))
		}
		for _, i := range f.Issues {
			status := issue.Open
			if i.ResolvedAt != nil {
				status = issue.Resolved
			}
			require.NoError(t, issues.Create(ctx, issue.Issue{
				ID: i.ID, ProjectID: id, CreatedBy: "bureau", Version: 1, CreatedAt: i.CreatedAt, UpdatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt,
				Fields: issue.Fields{Title: "配套部件供应", Kind: "construction", ResponsibleDepartment: responsible, DueOn: i.DueOn, Status: status},
			}))
		}
	}
}

// TestFileStoreContract runs the contract of project.FileStore on SQLite
// and PostgreSQL; a leader's account is a row of users, as the accounts'
// store writes it.
func TestFileStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		projecttest.FileStoreContract(t, projecttest.FileSetup{
			Setup: projecttest.Setup{Store: st, Tx: db, AddFacts: addFacts(st, db, projectdb.NewIssues(db), projectdb.NewDispatch(db))},
			File:  st,
			AddLeaderAccount: func(t *testing.T, u string) {
				q, done := db.Conn(context.Background())
				defer done()
				for _, row := range []struct {
					name string
					role string
				}{{u, "leader"}, {u + "_bureau", "bureau"}} {
					require.NoError(t, q.Exec("INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (?, ?, 'x', ?, ?, ?)",
						uuid.NewString(), row.name, row.role, clock, clock).Error)
				}
			},
		})
	})
}
