package projectdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
)

// Facts reads what a project's health is computed from besides its own
// fields: the planned investment of its plan entries (as every adjustment
// leaves them), the reported months of every year that count (submitted and
// accepted reports of the dispatch) and its blockers.
func (s *Store) Facts(ctx context.Context, id string) (_ health.Facts, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Facts(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	planned, err := plannedByYear(q, id)
	if err != nil {
		return health.Facts{}, err
	}
	months, err := countingMonths(q, id)
	if err != nil {
		return health.Facts{}, err
	}
	issues, err := projectIssues(q, id)
	if err != nil {
		return health.Facts{}, err
	}
	approvals, err := overdueable(q, id)
	if err != nil {
		return health.Facts{}, err
	}
	f := health.Facts{Plans: planned, Progress: months, Approvals: approvals}
	for _, i := range issues {
		f.Issues = append(f.Issues, health.IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt,
			Dept: i.ResponsibleDepartment})
	}
	return f, nil
}

// overdueable reads the approval items of a project that are neither
// obtained nor not needed and have an expected day (docs/approvals.md): the
// health rule of overdue approvals reads them.
func overdueable(q *gorm.DB, id string) ([]health.ApprovalFact, error) {
	var rows []struct {
		Item       string
		ExpectedOn time.Time
	}
	if err := q.Table("project_approvals").Select("item, expected_on").
		Where("project_id = ? AND status IN ('not_started', 'in_progress') AND expected_on IS NOT NULL", id).
		Order("expected_on, item").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	var out []health.ApprovalFact
	for _, r := range rows {
		out = append(out, health.ApprovalFact{Item: r.Item, ExpectedOn: *date(&r.ExpectedOn)})
	}
	return out, nil
}
