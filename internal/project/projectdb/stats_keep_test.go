package projectdb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestRebuildingOneAtATime: the rebuild lock admits one holder at a time,
// across the pool's connections (as across replicas), for as long as its
// function runs, and is free again once it returns, with an error too.
func TestRebuildingOneAtATime(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	a, b := projectdb.NewStats(db), projectdb.NewStats(db)
	ctx := context.Background()
	failed := errors.New("failed half way")
	ran, err := a.Rebuilding(ctx, func(ctx context.Context) error {
		other, err := b.Rebuilding(ctx, func(context.Context) error {
			t.Error("a second rebuild ran while the first held the lock")
			return nil
		})
		require.NoError(t, err)
		assert.False(t, other, "held by the first")
		return failed
	})
	assert.True(t, ran)
	require.ErrorIs(t, err, failed)
	ran, err = b.Rebuilding(ctx, func(context.Context) error { return nil })
	require.NoError(t, err)
	assert.True(t, ran, "free again once the first returned, failed")
}
