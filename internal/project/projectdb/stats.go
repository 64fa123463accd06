package projectdb

import (
	"context"
	"database/sql"
	"time"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// StatsRows streams the live projects in scope with the year's plan and the
// investment completed up to q.AsOf's month, and the histories that
// project.StatsQuery names. Rows are scanned by hand, and no more than one is
// held at a time (with the histories, read first): a register of 200,000
// projects is read whole for every computation.
func (s *Store) StatsRows(ctx context.Context, sc project.Scope, q project.StatsQuery, yield func(project.StatsRow) bool) error {
	// The histories and the rows are read in one snapshot, so that a move
	// between the two reads cannot leave a row without the history that
	// tells its stage on the day asked about.
	return s.db.InSnapshot(ctx, func(ctx context.Context) error { return s.statsRows(ctx, sc, q, yield) })
}

func (s *Store) statsRows(ctx context.Context, sc project.Scope, q project.StatsQuery, yield func(project.StatsRow) bool) error {
	db, done := s.db.Conn(ctx)
	defer done()
	// The rows' repeated words (departments, stages, leaders, …) are kept
	// once.
	words := map[string]string{}
	word := func(b sql.RawBytes) string {
		if w, ok := words[string(b)]; ok {
			return w
		}
		w := string(b)
		words[w] = w
		return w
	}

	// The histories hold what StageOn reads, each entry's stage and day, in
	// recorded order.
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
		return translate(err)
	}
	histories := map[string][]project.Step{}
	var stage sql.RawBytes
	for hs.Next() {
		var id string
		var on time.Time
		if err := hs.Scan(&id, &stage, &on); err != nil {
			hs.Close()
			return translate(err)
		}
		histories[id] = append(histories[id], project.Step{To: project.Stage(word(stage)), On: *date(&on)})
	}
	hs.Close()
	if err := hs.Err(); err != nil {
		return translate(err)
	}

	rs, err := scoped(db.Table("projects"), sc).Where("projects.archived_at IS NULL").
		Select(`projects.id, projects.department, projects.category, projects.township, projects.leader,
			projects.build_type, projects.stage, projects.health, projects.total_investment_yuan,
			projects.expected_annual_output_yuan, projects.planned_start_date, projects.signed_on,
			projects.started_on, projects.production_on, pl.planned_yuan, coalesce(pr.completed, 0) AS completed_yuan`).
		Joins("LEFT JOIN project_plans pl ON pl.project_id = projects.id AND pl.year = ?", q.Year).
		Joins(`LEFT JOIN (SELECT project_id, sum(completed_yuan) AS completed FROM project_progress
			WHERE year = ? AND month <= ? GROUP BY project_id) pr ON pr.project_id = projects.id`, q.Year, int(q.AsOf.Month())).
		Order("projects.id").Rows()
	if err != nil {
		return translate(err)
	}
	defer rs.Close()
	day := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		return date(&t.Time)
	}
	var dept, cat, township, leader, bt, colour sql.RawBytes
	var total, output, planned sql.NullInt64
	var plannedStart, signed, started, production sql.NullTime
	for rs.Next() {
		var r project.StatsRow
		if err := rs.Scan(&r.ID, &dept, &cat, &township, &leader, &bt, &stage, &colour, &total, &output,
			&plannedStart, &signed, &started, &production, &planned, &r.CompletedYuan); err != nil {
			return translate(err)
		}
		r.Department, r.Township, r.Leader = word(dept), word(township), word(leader)
		r.Category, r.BuildType = project.Category(word(cat)), project.BuildType(word(bt))
		r.Stage, r.Health = project.Stage(word(stage)), health.Level(word(colour))
		r.TotalInvestmentYuan, r.ExpectedAnnualOutputYuan = total.Int64, output.Int64
		r.PlannedStartDate, r.SignedOn, r.StartedOn, r.ProductionOn = day(plannedStart), day(signed), day(started), day(production)
		if planned.Valid {
			p := planned.Int64
			r.PlannedYuan = &p
		}
		r.History = histories[r.ID]
		if !yield(r) {
			return nil
		}
	}
	return translate(rs.Err())
}

// MonthlyTrend sums the year's progress by month and counts its moves by
// month and target stage, over the live projects in scope.
func (s *Store) MonthlyTrend(ctx context.Context, sc project.Scope, year int) (completed [12]int64, moves [12]map[project.Stage]int64, err error) {
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
