package projectdb

import (
	"context"

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
	f := health.Facts{Plans: planned, Progress: months}
	for _, i := range issues {
		f.Issues = append(f.Issues, health.IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt,
			Dept: i.ResponsibleDepartment})
	}
	return f, nil
}
