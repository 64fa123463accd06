package projectdb_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

var databases = []struct {
	name string
	open func(testing.TB) *database.DB
}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}}

// statsOpener opens a fresh database of the kind and its register.
func statsOpener(open func(testing.TB) *database.DB) statstest.Opener {
	return func(t *testing.T) (statstest.Stores, statstest.Register) {
		db := open(t)
		return projectdb.NewStats(db), &statsRegister{db: db, st: projectdb.New(db)}
	}
}

// TestStatsStoreContract runs the contract of stats.Store, which the
// in-memory store of the statistics' tests passes too, on SQLite and
// PostgreSQL. The statistics read every project in scope, so each case has
// a fresh database of its own.
func TestStatsStoreContract(t *testing.T) {
	t.Parallel()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			statstest.StoreContract(t, statsOpener(d.open))
		})
	}
}

// TestStatsStoreContractInSpans runs the contract again with a whole read
// in spans of two projects: the rows, their order and an early stop are
// those of one read.
func TestStatsStoreContractInSpans(t *testing.T) {
	t.Parallel()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			statstest.StoreContract(t, func(t *testing.T) (statstest.Stores, statstest.Register) {
				db := d.open(t)
				return projectdb.NewStatsInSpans(db, 2), &statsRegister{db: db, st: projectdb.New(db)}
			})
		})
	}
}

// TestOverviewWorkedExample is the worked example of docs/stats.md through
// the SQL store, on both databases.
func TestOverviewWorkedExample(t *testing.T) {
	t.Parallel()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			statstest.WorkedExample(t, statsOpener(d.open))
		})
	}
}

// statsRegister enters the contract's register: projects as Create writes
// them, history entries as the store writes them, recorded a microsecond
// apart in the order given; the plan's, the dispatch's and the
// designations' rows straight into their tables.
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
	err := r.st.Create(ctx, newProject(func(q *project.Project) {
		q.ID, q.Department, q.Category, q.Township, q.Leader = p.ID, p.Department, p.Category, p.Township, p.Leader
		q.Stage, q.Health = p.Stage, p.Health
		q.TotalInvestmentYuan, q.ExpectedAnnualOutputYuan = amount(p.TotalInvestmentYuan), amount(p.ExpectedAnnualOutputYuan)
		q.Actual = project.Actual{SignedOn: p.SignedOn, LandedOn: p.LandedOn, StartedOn: p.StartedOn, CompletedOn: p.CompletedOn,
			ProductionOn: p.ProductionOn}
		q.ContractAmountYuan, q.InvestorOrigin = p.ContractAmountYuan, p.InvestorOrigin
		if p.FundsArrived != nil {
			q.FundsArrived = p.FundsArrived
		}
		if p.Archived {
			q.ArchivedAt = ptr(clock.Add(time.Hour))
		}
	}), nil)
	if err != nil || p.InStatisticsSince == nil {
		return err
	}
	return r.exec(ctx, "UPDATE projects SET in_statistics_since = ? WHERE id = ?", p.InStatisticsSince.String(), p.ID)
}

func (r *statsRegister) exec(ctx context.Context, sql string, args ...any) error {
	q, done := r.db.Conn(ctx)
	defer done()
	return q.Exec(sql, args...).Error
}

func (r *statsRegister) Move(ctx context.Context, id string, m statstest.Move) error {
	r.mu.Lock()
	r.recorded++
	at := clock.Add(time.Duration(r.recorded) * time.Microsecond)
	r.mu.Unlock()
	return projectdb.InsertTransition(ctx, r.db, project.Transition{ID: uuid.NewString(), ProjectID: id, To: m.To,
		OccurredOn: m.On, Kind: m.Kind, Actor: "energy1", Department: "energy", RecordedAt: at})
}

// targets writes a plan's targets as annual_plans.targets keeps them.
func targets(t plan.Targets) string {
	type cp struct {
		Date string  `json:"date"`
		Rate float64 `json:"rate"`
	}
	out := map[string]any{}
	var rates []cp
	for _, c := range t.StartRate {
		rates = append(rates, cp{c.Date.Format(time.DateOnly), c.Rate})
	}
	if rates != nil {
		out["start_rate"] = rates
	}
	if t.Resumption != nil {
		out["resumption"] = cp{t.Resumption.Date.Format(time.DateOnly), t.Resumption.Rate}
	}
	if t.InvestmentYuan != nil {
		out["investment_yuan"] = *t.InvestmentYuan
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func (r *statsRegister) Plan(ctx context.Context, p plan.Plan) error {
	return r.exec(ctx, `INSERT INTO annual_plans (year, state, issued_on, revisions, targets, version, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.Year, string(p.State), p.IssuedOn, p.Revisions, targets(p.Targets), max(p.Version, 1),
		p.UpdatedAt.UTC(), p.UpdatedBy)
}

func (r *statsRegister) Entry(ctx context.Context, e plan.Entry) error {
	var start *string
	if e.PlannedStartMonth != nil {
		s := e.PlannedStartMonth.String()
		start = &s
	}
	return r.exec(ctx, `INSERT INTO plan_entries (year, project_id, version, revision, effective_on, removed, reason, build_type,
		build_type_source, key_level, planned_yuan, planned_start_month, department, leader, section, stalled, stalled_reason,
		opening_yuan, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Year, e.ProjectID, max(e.Version, 1), e.Revision, e.EffectiveOn, e.Removed, e.Reason, string(e.BuildType),
		"set", "county", e.PlannedYuan, start, e.Department, e.Leader, string(e.Section), e.Stalled, e.StalledReason,
		e.OpeningYuan, clock, "bureau")
}

func (r *statsRegister) Report(ctx context.Context, rep statstest.Report) error {
	return r.exec(ctx, `INSERT INTO project_progress (project_id, year, month, completed_yuan, statistical_yuan, state, version,
		updated_at, reported_by) VALUES (?, ?, ?, ?, ?, ?, 1, ?, 'energy_editor')
		ON CONFLICT (project_id, year, month) DO UPDATE SET completed_yuan = excluded.completed_yuan,
		statistical_yuan = excluded.statistical_yuan, state = excluded.state, corrected = true`,
		rep.ProjectID, rep.Month.Year, int(rep.Month.Month), rep.CompletedYuan, rep.StatisticalYuan, string(rep.State), clock)
}

func (r *statsRegister) Period(ctx context.Context, m calendar.Month, due time.Time, combined bool) error {
	return r.exec(ctx, `INSERT INTO dispatch_periods (period, due_on, combined, version, updated_at, updated_by)
		VALUES (?, ?, ?, 1, ?, 'bureau')`, m.String(), due, combined, clock)
}

func (r *statsRegister) Designation(ctx context.Context, d stats.Designation) error {
	_, err := projectdb.NewStats(r.db).Designate(ctx, d)
	return err
}
