package projectdb

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/investment"
)

var _ investment.Store = (*Store)(nil)

type planRow struct {
	ProjectID   string `gorm:"primaryKey"`
	Year        int    `gorm:"primaryKey"`
	PlannedYuan int64
	Version     int
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy   string
}

func (planRow) TableName() string { return "project_plans" }

type progressRow struct {
	ProjectID     string `gorm:"primaryKey"`
	Year          int    `gorm:"primaryKey"`
	Month         int    `gorm:"primaryKey"`
	CompletedYuan int64
	Note          string
	Version       int
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
	ReportedBy    string
}

func (progressRow) TableName() string { return "project_progress" }

// Plans lists a project's plans by year.
func (s *Store) Plans(ctx context.Context, id string) (_ []investment.Plan, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Plans(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []planRow
	if err := q.Where("project_id = ?", id).Order("year").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]investment.Plan, len(rows))
	for i, r := range rows {
		out[i] = investment.Plan{ProjectID: r.ProjectID, Year: r.Year, PlannedYuan: r.PlannedYuan, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
	}
	return out, nil
}

// PutPlan inserts or replaces a plan.
func (s *Store) PutPlan(ctx context.Context, p investment.Plan) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.PutPlan")
	q, done := s.db.Conn(ctx)
	defer done()
	r := planRow{ProjectID: p.ProjectID, Year: p.Year, PlannedYuan: p.PlannedYuan, Version: p.Version, UpdatedAt: p.UpdatedAt.UTC(), UpdatedBy: p.UpdatedBy}
	return translate(q.Clauses(upsert).Create(&r).Error)
}

// ProgressOf lists a project's reported months of a year, or of every year
// when year is 0.
func (s *Store) ProgressOf(ctx context.Context, id string, year int) (_ []investment.Progress, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.ProgressOf(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	sel := q.Where("project_id = ?", id)
	if year != 0 {
		sel = sel.Where("year = ?", year)
	}
	var rows []progressRow
	if err := sel.Order("year, month").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]investment.Progress, len(rows))
	for i, r := range rows {
		out[i] = investment.Progress{
			ProjectID: r.ProjectID, Period: investment.Period{Year: r.Year, Month: time.Month(r.Month)},
			CompletedYuan: r.CompletedYuan, Note: r.Note, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), ReportedBy: r.ReportedBy,
		}
	}
	return out, nil
}

// PutProgress inserts or replaces a month's report.
func (s *Store) PutProgress(ctx context.Context, p investment.Progress) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.PutProgress")
	q, done := s.db.Conn(ctx)
	defer done()
	r := progressRow{
		ProjectID: p.ProjectID, Year: p.Period.Year, Month: int(p.Period.Month), CompletedYuan: p.CompletedYuan,
		Note: p.Note, Version: p.Version, UpdatedAt: p.UpdatedAt.UTC(), ReportedBy: p.ReportedBy,
	}
	return translate(q.Clauses(upsert).Create(&r).Error)
}

// Facts reads what a project's health is computed from besides its own
// fields: its plans, reported months of every year and blockers.
func (s *Store) Facts(ctx context.Context, id string) (_ health.Facts, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Facts(%s)", id)
	plans, err := s.Plans(ctx, id)
	if err != nil {
		return health.Facts{}, err
	}
	months, err := s.ProgressOf(ctx, id, 0)
	if err != nil {
		return health.Facts{}, err
	}
	q, done := s.db.Conn(ctx)
	issues, err := projectIssues(q, id)
	done()
	if err != nil {
		return health.Facts{}, err
	}
	f := health.Facts{}
	if len(plans) > 0 {
		f.Plans = map[int]int64{}
	}
	for _, p := range plans {
		f.Plans[p.Year] = p.PlannedYuan
	}
	for _, m := range months {
		f.Progress = append(f.Progress, health.MonthFact{Year: m.Period.Year, Month: int(m.Period.Month), Yuan: m.CompletedYuan})
	}
	for _, i := range issues {
		f.Issues = append(f.Issues, health.IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt})
	}
	return f, nil
}
