package projectdb

import (
	"context"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// InsertTransition writes one history entry as the store writes them. The
// store has no method for moves yet; the suite needs several entries to show
// the order in which Transitions returns them.
func InsertTransition(ctx context.Context, db *database.DB, t project.Transition) error {
	q, done := db.Conn(ctx)
	defer done()
	r := toTransitionRow(t)
	return translate(q.Create(&r).Error)
}

// Statement is SQL with its arguments, as the driver receives them.
type Statement struct {
	SQL  string
	Vars []any
}

// ListStatements returns the statements List runs for lq, the page and the
// count, built by the same planList without running them.
func ListStatements(ctx context.Context, s *Store, sc project.Reach, lq project.ListQuery) (page, count Statement, err error) {
	q, done := s.db.Conn(ctx)
	defer done()
	plan, err := s.planList(q.Session(&gorm.Session{DryRun: true}), sc, lq)
	if err != nil {
		return page, count, err
	}
	var rows []projectRow
	ps := plan.page.Find(&rows).Statement
	var n int64
	cs := plan.count.Count(&n).Statement
	return Statement{ps.SQL.String(), ps.Vars}, Statement{cs.SQL.String(), cs.Vars}, nil
}

// NewStatsInSpans returns the statistics' store reading a whole register
// span projects at a time.
func NewStatsInSpans(db *database.DB, span int) *Stats { return &Stats{db: db, span: span} }
