package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
