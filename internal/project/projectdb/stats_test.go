package projectdb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/investment"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

// TestStatsStoreContract runs the contract of stats.Store, which the
// in-memory store of the statistics' tests passes too, on SQLite and
// PostgreSQL. The statistics read every project in scope, so each case has
// a fresh database of its own.
func TestStatsStoreContract(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			statstest.StoreContract(t, func(t *testing.T) (stats.Store, statstest.Register) {
				db := d.open(t)
				return projectdb.NewStats(db), &statsRegister{db: db, st: projectdb.New(db)}
			})
		})
	}
}

// statsRegister enters the contract's register through the project store:
// projects as Create writes them, history entries as the store writes
// them, recorded a microsecond apart in the order given, and plans and
// reports through the investment store.
type statsRegister struct {
	db *database.DB
	st *projectdb.Store

	mu       sync.Mutex
	recorded int
}

func (r *statsRegister) Add(ctx context.Context, p statstest.Project) error {
	amount := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	return r.st.Create(ctx, newProject(func(q *project.Project) {
		q.ID, q.Department, q.Category, q.Township, q.Leader = p.ID, p.Department, p.Category, p.Township, p.Leader
		q.BuildType, q.Stage, q.Health = p.BuildType, p.Stage, p.Health
		q.TotalInvestmentYuan, q.ExpectedAnnualOutputYuan = amount(p.TotalInvestmentYuan), amount(p.ExpectedAnnualOutputYuan)
		q.PlannedStartDate = p.PlannedStartDate
		q.Actual = project.Actual{SignedOn: p.SignedOn, StartedOn: p.StartedOn, ProductionOn: p.ProductionOn}
		if p.Archived {
			q.ArchivedAt = ptr(clock.Add(time.Hour))
		}
	}), nil)
}

func (r *statsRegister) Move(ctx context.Context, id string, m statstest.Move) error {
	r.mu.Lock()
	r.recorded++
	at := clock.Add(time.Duration(r.recorded) * time.Microsecond)
	r.mu.Unlock()
	return projectdb.InsertTransition(ctx, r.db, project.Transition{ID: uuid.NewString(), ProjectID: id, To: m.To,
		OccurredOn: m.On, Kind: m.Kind, Actor: "energy1", Department: "energy", RecordedAt: at})
}

func (r *statsRegister) Plan(ctx context.Context, id string, year int, yuan int64) error {
	return putEntry(ctx, r.st, r.db, id, year, yuan)
}

func (r *statsRegister) Progress(ctx context.Context, id string, year int, month time.Month, yuan int64) error {
	return r.st.PutProgress(ctx, investment.Progress{ProjectID: id, Period: investment.Period{Year: year, Month: month},
		CompletedYuan: yuan, Version: 1, UpdatedAt: clock, ReportedBy: "energy_editor"})
}
