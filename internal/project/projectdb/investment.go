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

// Facts reads what a project's health is computed from besides its own
// fields: its plans, the reported months of every year that count
// (submitted and accepted reports of the dispatch) and blockers.
func (s *Store) Facts(ctx context.Context, id string) (_ health.Facts, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Facts(%s)", id)
	plans, err := s.Plans(ctx, id)
	if err != nil {
		return health.Facts{}, err
	}
	q, done := s.db.Conn(ctx)
	months, err := countingMonths(q, id)
	if err != nil {
		done()
		return health.Facts{}, err
	}
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
	f.Progress = months
	for _, i := range issues {
		f.Issues = append(f.Issues, health.IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt})
	}
	return f, nil
}
