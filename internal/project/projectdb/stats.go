package projectdb

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Stats reads the register for the statistics.
type Stats struct{ db *database.DB }

var _ stats.Store = (*Stats)(nil)

// NewStats returns the statistics' store.
func NewStats(db *database.DB) *Stats { return &Stats{db: db} }

// Rows streams the live projects in scope with the year's plan and the
// investment completed up to q.AsOf's month, and the histories that
// stats.Query names. Rows are scanned by hand, and no more than one is
// held at a time (with the histories, read first): a register of 200,000
// projects is read whole for every computation.
func (s *Stats) Rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Rows")
	// The histories and the rows are read in one snapshot, so that a move
	// between the two reads cannot leave a row without the history that
	// tells its stage on the day asked about.
	return s.db.InSnapshot(ctx, func(ctx context.Context) error { return s.rows(ctx, sc, q, yield) })
}

// words keeps the rows' repeated words (departments, stages, leaders, …)
// once.
type words map[string]string

func (w words) of(b sql.RawBytes) string {
	if s, ok := w[string(b)]; ok {
		return s
	}
	s := string(b)
	w[s] = s
	return s
}

func (s *Stats) rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	db, done := s.db.Conn(ctx)
	defer done()
	w := words{}
	histories, err := statsHistories(db, q, w)
	if err != nil {
		return err
	}
	rs, err := scoped(db.Table("projects"), sc).Where("projects.archived_at IS NULL").
		Select(`projects.id, projects.department, projects.category, projects.township, projects.leader,
			projects.build_type, projects.stage, projects.health, projects.total_investment_yuan,
			projects.expected_annual_output_yuan, projects.planned_start_date, projects.signed_on,
			projects.started_on, projects.production_on, pl.planned_yuan, coalesce(pr.completed, 0) AS completed_yuan`).
		// The planned investment of the year's entry as every adjustment
		// leaves it (docs/plan.md): its latest state, unless that removed it.
		Joins(`LEFT JOIN (SELECT e.project_id, e.planned_yuan FROM plan_entries e WHERE e.year = ? AND NOT e.removed
			AND e.version = (SELECT max(l.version) FROM plan_entries l WHERE l.year = e.year AND l.project_id = e.project_id)) pl
			ON pl.project_id = projects.id`, q.Year).
		Joins(`LEFT JOIN (SELECT project_id, sum(completed_yuan) AS completed FROM project_progress
			WHERE year = ? AND month <= ? GROUP BY project_id) pr ON pr.project_id = projects.id`, q.Year, int(q.AsOf.Month())).
		Order("projects.id").Rows()
	if err != nil {
		return translate(err)
	}
	defer rs.Close()
	var sr statsScan
	for rs.Next() {
		r, err := sr.scan(rs, w)
		if err != nil {
			return translate(err)
		}
		r.History = histories[r.ID]
		if !yield(r) {
			return nil
		}
	}
	return translate(rs.Err())
}

// statsHistories reads the histories the statistics need (stats.Query):
// each entry's stage and day, in recorded order, by project.
func statsHistories(db *gorm.DB, q stats.Query, w words) (map[string][]project.Step, error) {
	yearStart := time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	hs, err := db.Table("project_transitions").Select("project_id, to_stage, occurred_on").
		Where(`project_id IN (SELECT project_id FROM project_transitions WHERE occurred_on > ?
		UNION SELECT t.project_id FROM project_transitions t JOIN projects p ON p.id = t.project_id
			WHERE t.to_stage = 'cancelled' AND t.occurred_on < ? AND p.build_type = 'continuing'
		UNION SELECT t.project_id FROM projects p JOIN project_transitions t ON t.project_id = p.id
			WHERE p.stage = 'cancelled' AND p.build_type = 'continuing' AND t.occurred_on >= ?)`,
			*date(&q.AsOf), yearStart, yearStart).
		Order("project_id, recorded_at, id").Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer hs.Close()
	histories := map[string][]project.Step{}
	var stage sql.RawBytes
	for hs.Next() {
		var id string
		var on time.Time
		if err := hs.Scan(&id, &stage, &on); err != nil {
			return nil, translate(err)
		}
		histories[id] = append(histories[id], project.Step{To: project.Stage(w.of(stage)), On: *date(&on)})
	}
	return histories, translate(hs.Err())
}

// statsScan holds the buffers a row of the statistics is scanned into,
// reused from row to row.
type statsScan struct {
	dept, cat, township, leader, bt, stage, colour sql.RawBytes
	total, output, planned                         sql.NullInt64
	plannedStart, signed, started, production      sql.NullTime
}

func (b *statsScan) scan(rs *sql.Rows, w words) (stats.Row, error) {
	var r stats.Row
	if err := rs.Scan(&r.ID, &b.dept, &b.cat, &b.township, &b.leader, &b.bt, &b.stage, &b.colour, &b.total, &b.output,
		&b.plannedStart, &b.signed, &b.started, &b.production, &b.planned, &r.CompletedYuan); err != nil {
		return r, err
	}
	day := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		return date(&t.Time)
	}
	r.Department, r.Township, r.Leader = w.of(b.dept), w.of(b.township), w.of(b.leader)
	r.Category, r.BuildType = project.Category(w.of(b.cat)), project.BuildType(w.of(b.bt))
	r.Stage, r.Health = project.Stage(w.of(b.stage)), health.Level(w.of(b.colour))
	r.TotalInvestmentYuan, r.ExpectedAnnualOutputYuan = b.total.Int64, b.output.Int64
	r.PlannedStartDate, r.SignedOn, r.StartedOn, r.ProductionOn = day(b.plannedStart), day(b.signed), day(b.started), day(b.production)
	if b.planned.Valid {
		p := b.planned.Int64
		r.PlannedYuan = &p
	}
	return r, nil
}

// MonthlyTrend sums the year's progress by month and counts its moves by
// month and target stage, over the live projects in scope.
func (s *Stats) MonthlyTrend(ctx context.Context, sc project.Reach, year int) (completed [12]int64, moves [12]map[project.Stage]int64, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.MonthlyTrend")
	db, done := s.db.Conn(ctx)
	defer done()
	var sums []struct {
		Month int
		Yuan  int64
	}
	err = scoped(db.Table("project_progress").Joins("JOIN projects ON projects.id = project_progress.project_id"), sc).
		Where("projects.archived_at IS NULL AND project_progress.year = ?", year).
		Select("project_progress.month AS month, sum(project_progress.completed_yuan) AS yuan").
		Group("project_progress.month").Scan(&sums).Error
	if err != nil {
		return completed, moves, translate(err)
	}
	for _, m := range sums {
		if m.Month >= 1 && m.Month <= 12 {
			completed[m.Month-1] = m.Yuan
		}
	}
	month := "CAST(strftime('%m', project_transitions.occurred_on) AS INTEGER)"
	if s.db.Dialect() == database.Postgres {
		month = "CAST(EXTRACT(MONTH FROM project_transitions.occurred_on) AS INTEGER)"
	}
	var counts []struct {
		Month int
		Stage string
		N     int64
	}
	jan1, dec31 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	err = scoped(db.Table("project_transitions").Joins("JOIN projects ON projects.id = project_transitions.project_id"), sc).
		Where("projects.archived_at IS NULL AND project_transitions.kind <> ? AND project_transitions.occurred_on BETWEEN ? AND ?",
			project.KindImport, jan1, dec31).
		Select(month + " AS month, project_transitions.to_stage AS stage, count(*) AS n").
		Group(month + ", project_transitions.to_stage").Scan(&counts).Error
	if err != nil {
		return completed, moves, translate(err)
	}
	for _, c := range counts {
		if c.Month >= 1 && c.Month <= 12 {
			if moves[c.Month-1] == nil {
				moves[c.Month-1] = map[project.Stage]int64{}
			}
			moves[c.Month-1][project.Stage(c.Stage)] = c.N
		}
	}
	return completed, moves, nil
}
