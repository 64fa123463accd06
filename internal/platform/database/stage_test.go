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

// Two kinds of rows ride along with a change in these tests, as the audit
// entry and the change-feed event do: a note and an event.
type stagedTarget struct {
	ID      string `gorm:"primaryKey"`
	Version int
}

type stagedNote struct {
	ID   string `gorm:"primaryKey"`
	Text string
}

type stagedEvent struct {
	ID   string `gorm:"primaryKey"`
	Kind string
}

func stagingTables(t *testing.T, db *database.DB) {
	t.Helper()
	for _, ddl := range []string{
		`CREATE TABLE staged_targets (id TEXT PRIMARY KEY, version INTEGER NOT NULL)`,
		`CREATE TABLE staged_notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)`,
		`CREATE TABLE staged_events (id TEXT PRIMARY KEY, kind TEXT NOT NULL)`,
		`INSERT INTO staged_targets (id, version) VALUES ('t1', 1)`,
	} {
		_, err := db.SQL().Exec(ddl)
		require.NoError(t, err, ddl)
	}
}

// written lists the IDs of the notes and events in the database.
func written(t *testing.T, db *database.DB) []string {
	t.Helper()
	q, done := db.Conn(context.Background())
	defer done()
	var ids []string
	require.NoError(t, q.Raw(`SELECT id FROM staged_notes UNION ALL SELECT id FROM staged_events ORDER BY 1`).Scan(&ids).Error)
	return ids
}

// TestStage: rows staged in a transaction are written when it commits, in
// the statement of its conditional update when it makes one, and never when
// it rolls back or the update does not match; a row staged outside a
// transaction is refused.
func TestStage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		stagingTables(t, db)
		require.Error(t, db.Stage(ctx, &stagedNote{ID: "n0", Text: "alone"}), "no transaction to commit with")

		boom := errors.New("boom")
		require.ErrorIs(t, db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n1", Text: "rolled back"}))
			require.NoError(t, db.Stage(ctx, &stagedEvent{ID: "e1", Kind: "rolled back"}))
			return boom
		}), boom)
		assert.Empty(t, written(t, db), "a rollback writes nothing staged")

		require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
			return db.InTx(ctx, func(ctx context.Context) error { // joins
				require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n2", Text: "committed"}))
				return db.Stage(ctx, &stagedEvent{ID: "e2", Kind: "committed"})
			})
		}))
		assert.Equal(t, []string{"e2", "n2"}, written(t, db), "written at the commit")

		err := db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n3", Text: "stale"}))
			require.NoError(t, db.Stage(ctx, &stagedEvent{ID: "e3", Kind: "stale"}))
			ok, err := db.UpdateIf(ctx, "staged_targets", map[string]any{"id": "t1", "version": 7}, map[string]any{"version": 8})
			require.NoError(t, err)
			assert.False(t, ok)
			return nil // a caller that commits all the same
		})
		require.ErrorContains(t, err, "dropped", "a transaction whose staged rows were dropped does not commit")
		assert.Equal(t, []string{"e2", "n2"}, written(t, db), "an update that did not match takes its rows with it")

		require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n4", Text: "moved"}))
			require.NoError(t, db.Stage(ctx, &stagedEvent{ID: "e4", Kind: "moved"}))
			ok, err := db.UpdateIf(ctx, "staged_targets", map[string]any{"id": "t1", "version": 1}, map[string]any{"version": 2})
			require.NoError(t, err)
			assert.True(t, ok)
			return db.Stage(ctx, &stagedEvent{ID: "e5", Kind: "after the update"})
		}))
		assert.Equal(t, []string{"e2", "e4", "e5", "n2", "n4"}, written(t, db))
		var v int
		q, done := db.Conn(ctx)
		defer done()
		require.NoError(t, q.Raw(`SELECT version FROM staged_targets WHERE id = 't1'`).Scan(&v).Error)
		assert.Equal(t, 2, v)
	})
}

// TestStaged: a change that is one conditional update runs without a
// transaction, its rows written by the update's statement, or not at all;
// inside a transaction it joins the transaction's stage.
func TestStaged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		stagingTables(t, db)
		assert.False(t, db.Staging(ctx))

		require.NoError(t, db.Staged(ctx, func(ctx context.Context) error {
			assert.True(t, db.Staging(ctx))
			require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n1", Text: "moved"}))
			require.NoError(t, db.Stage(ctx, &stagedEvent{ID: "e1", Kind: "moved"}))
			ok, err := db.UpdateIf(ctx, "staged_targets", map[string]any{"id": "t1", "version": 1}, map[string]any{"version": 2})
			require.NoError(t, err)
			assert.True(t, ok)
			return nil
		}))
		assert.Equal(t, []string{"e1", "n1"}, written(t, db), "written by the update's statement")

		require.NoError(t, db.Staged(ctx, func(ctx context.Context) error {
			require.NoError(t, db.Stage(ctx, &stagedNote{ID: "n2", Text: "stale"}))
			ok, err := db.UpdateIf(ctx, "staged_targets", map[string]any{"id": "t1", "version": 1}, map[string]any{"version": 3})
			require.NoError(t, err)
			assert.False(t, ok)
			return nil
		}))
		assert.Equal(t, []string{"e1", "n1"}, written(t, db), "an update that did not match writes nothing")

		err := db.Staged(ctx, func(ctx context.Context) error {
			return db.Stage(ctx, &stagedNote{ID: "n3", Text: "no statement"})
		})
		require.Error(t, err, "a row with no statement to ride with")
		assert.Equal(t, []string{"e1", "n1"}, written(t, db))

		// In a transaction, an earlier change's staged row and a stale update:
		// the transaction does not commit, so neither is lost silently.
		err = db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, db.Stage(ctx, &stagedEvent{ID: "e4", Kind: "an earlier change"}))
			return db.Staged(ctx, func(ctx context.Context) error {
				ok, err := db.UpdateIf(ctx, "staged_targets", map[string]any{"id": "t1", "version": 1}, map[string]any{"version": 3})
				require.NoError(t, err)
				assert.False(t, ok)
				return nil
			})
		})
		require.Error(t, err)
		assert.Equal(t, []string{"e1", "n1"}, written(t, db))
	})
}
