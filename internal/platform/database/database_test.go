package database_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestAfterCommit: a function left for after the commit runs once the
// outermost transaction commits, never when it rolls back, and at once
// where there is no transaction to wait for.
func TestAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ran := 0
		count := func() { ran++ }

		db.AfterCommit(ctx, count)
		assert.Equal(t, 1, ran, "outside a transaction, at once")

		ran = 0
		var kept context.Context
		require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
				db.AfterCommit(ctx, count)
				return nil
			}))
			assert.Zero(t, ran, "a joined transaction has not committed when it returns")
			kept = ctx
			return nil
		}))
		assert.Equal(t, 1, ran, "after the outer commit")
		db.AfterCommit(kept, count)
		assert.Equal(t, 2, ran, "once the transaction has ended, at once")

		ran = 0
		boom := errors.New("boom")
		require.ErrorIs(t, db.InTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, count)
			return boom
		}), boom)
		assert.Zero(t, ran, "never after a rollback")

		require.NoError(t, db.InSnapshot(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, count)
			assert.Zero(t, ran, "a snapshot's too waits for its end")
			return nil
		}))
		assert.Equal(t, 1, ran)
	})
}

// TestDeadlockIsConflict: of two transactions that lock two rows in
// opposite orders, PostgreSQL ends one; it is a Conflict to send again,
// never an internal error, and the other commits.
func TestDeadlockIsConflict(t *testing.T) {
	db := dbtest.Postgres(t)
	ctx := context.Background()
	q, done := db.Conn(ctx)
	require.NoError(t, q.Exec("CREATE TABLE deadlock_test (id int PRIMARY KEY, n int NOT NULL); INSERT INTO deadlock_test VALUES (1, 0), (2, 0)").Error)
	done()

	var both sync.WaitGroup
	both.Add(2)
	move := func(first, second int) error {
		return db.InTx(ctx, func(ctx context.Context) error {
			q, done := db.Conn(ctx)
			defer done()
			if err := q.Exec("UPDATE deadlock_test SET n = n + 1 WHERE id = ?", first).Error; err != nil {
				return err
			}
			both.Done()
			both.Wait() // each holds its first row
			return q.Exec("UPDATE deadlock_test SET n = n + 1 WHERE id = ?", second).Error
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- move(1, 2) }()
	go func() { errs <- move(2, 1) }()
	a, b := <-errs, <-errs
	if a == nil {
		a, b = b, a
	}
	require.NoError(t, b, "one commits")
	require.Error(t, a, "the other is ended")
	assert.Equal(t, apperr.Conflict, apperr.KindOf(a), "%v", a)
}
