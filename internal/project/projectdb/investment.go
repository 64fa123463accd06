package projectdb

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/investment"
)

var _ investment.Store = (*Store)(nil)

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
// fields: the planned investment of its plan entries (as every adjustment
// leaves them), its reported months of every year and its blockers.
func (s *Store) Facts(ctx context.Context, id string) (_ health.Facts, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Facts(%s)", id)
	months, err := s.ProgressOf(ctx, id, 0)
	if err != nil {
		return health.Facts{}, err
	}
	q, done := s.db.Conn(ctx)
	planned, err := plannedByYear(q, id)
	if err != nil {
		done()
		return health.Facts{}, err
	}
	issues, err := projectIssues(q, id)
	done()
	if err != nil {
		return health.Facts{}, err
	}
	f := health.Facts{Plans: planned}
	for _, m := range months {
		f.Progress = append(f.Progress, health.MonthFact{Year: m.Period.Year, Month: int(m.Period.Month), Yuan: m.CompletedYuan})
	}
	for _, i := range issues {
		f.Issues = append(f.Issues, health.IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt})
	}
	return f, nil
}
