package database

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// Rows that ride along with a change — its audit entry, and the change-feed
// event next — are staged with the change rather than written by whoever
// makes them, so that every write has one shape: the change's statements,
// then its staged rows, all or nothing. In a transaction (InTx) whatever is
// still staged when the transaction function returns is inserted just
// before the commit. The busiest write, a conditional update (UpdateIf),
// folds the rows staged so far into its own statement: a change that is that
// one statement runs in a stage without a transaction (Staged), and its
// statement commits it with its rows.

type stageKey struct{}

// stage holds the rows staged with one change and not yet written.
type stage struct {
	mu   sync.Mutex
	rows []any
	// dropped says that an UpdateIf that did not match dropped staged rows:
	// the transaction may then not commit, lest a row staged by another of
	// its changes be lost.
	dropped bool
}

// errNoStage refuses a row staged outside a change.
var errNoStage = errors.New("database: a staged row needs the change it rides with (InTx or Staged)")

// errDropped refuses to commit a transaction whose staged rows an UpdateIf
// that did not match has dropped.
var errDropped = errors.New("database: staged rows were dropped with an update that did not match; roll back")

// Staged runs fn, a change whose only write is one UpdateIf, with a stage:
// the rows fn stages are written by the UpdateIf's own statement, which
// commits by itself (one round trip on PostgreSQL, where a transaction
// around it takes three). Inside a transaction it joins the transaction's
// stage. Rows still staged when fn returns are an error: they had no
// statement to ride with.
func (db *DB) Staged(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(stageKey{}).(*stage); ok {
		return fn(ctx)
	}
	st := &stage{}
	if err := fn(context.WithValue(ctx, stageKey{}, st)); err != nil {
		return err
	}
	if len(st.rows) > 0 {
		return fmt.Errorf("database: %d staged rows had no statement to ride with", len(st.rows))
	}
	return nil
}

// Stage adds row, a GORM row value (a pointer to a row struct), to the
// change being made in ctx (InTx or Staged), to be inserted with its next
// UpdateIf or, in a transaction, at the latest just before it commits. It is
// never written if the change does not commit. Outside a change it is an
// error.
func (db *DB) Stage(ctx context.Context, row any) error {
	s, ok := ctx.Value(stageKey{}).(*stage)
	if !ok {
		return errNoStage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, row)
	return nil
}

// Staging reports whether ctx carries a change that rows can be staged with.
func (db *DB) Staging(ctx context.Context) bool {
	_, ok := ctx.Value(stageKey{}).(*stage)
	return ok
}

// takeStaged returns the rows staged with the change carried by ctx and
// forgets them: the caller writes them.
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

// dropStaged forgets rows an UpdateIf that did not match took: in a
// transaction, which then may not commit (errDropped).
func dropStaged(ctx context.Context, rows []any) {
	if len(rows) == 0 {
		return
	}
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); !inTx {
		return
	}
	if s, ok := ctx.Value(stageKey{}).(*stage); ok {
		s.mu.Lock()
		s.dropped = true
		s.mu.Unlock()
	}
}

// flushStaged inserts the rows still staged in the transaction carried by
// ctx, through tx, in the order they were staged.
func flushStaged(ctx context.Context, tx *gorm.DB) error {
	if s, ok := ctx.Value(stageKey{}).(*stage); ok && s.dropped {
		return errDropped
	}
	for _, r := range takeStaged(ctx) {
		if err := tx.Create(r).Error; err != nil {
			return fmt.Errorf("write a staged %T: %w", r, err)
		}
	}
	return nil
}
