package database

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// Rows that ride along with a change — its audit entry, and the change-feed
// event next — are staged in the change's transaction rather than written
// by whoever makes them, so that every write has one shape: the change's
// statements, then its staged rows, then the commit, all or nothing. The
// busiest write, a conditional update (UpdateIf), folds the rows staged so
// far into its own statement; whatever is still staged when the transaction
// function returns is inserted just before the commit.

type stageKey struct{}

// stage holds the rows staged in one transaction and not yet written.
type stage struct {
	mu   sync.Mutex
	rows []any
}

// errNoTx refuses a row staged outside a transaction: it would have nothing
// to commit with.
var errNoTx = errors.New("database: a staged row needs the transaction of its change")

// Stage adds row, a GORM row value (a pointer to a row struct), to the
// transaction carried by ctx, to be inserted with that transaction's next
// UpdateIf or, at the latest, just before it commits. It is never written if
// the transaction rolls back. Outside a transaction it is an error.
func (db *DB) Stage(ctx context.Context, row any) error {
	s, ok := ctx.Value(stageKey{}).(*stage)
	if !ok {
		return errNoTx
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, row)
	return nil
}

// take returns the rows staged in the transaction carried by ctx and forgets
// them: the caller writes them.
func takeStaged(ctx context.Context) []any {
	s, ok := ctx.Value(stageKey{}).(*stage)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.rows
	s.rows = nil
	return rows
}

// flushStaged inserts the rows still staged in the transaction carried by
// ctx, through tx, in the order they were staged.
func flushStaged(ctx context.Context, tx *gorm.DB) error {
	for _, r := range takeStaged(ctx) {
		if err := tx.Create(r).Error; err != nil {
			return fmt.Errorf("write a staged %T: %w", r, err)
		}
	}
	return nil
}
