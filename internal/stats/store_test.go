package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	statstest.StoreContract(t, func(*testing.T) (stats.Store, statstest.Register) {
		s := statstest.NewStore()
		return s, s
	})
}

// TestMemoryStoreRefuses: the in-memory store refuses what the SQL tables
// refuse: a second project of one ID, and what belongs to an unknown one.
func TestMemoryStoreRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := statstest.NewStore()
	p := statstest.Project{Row: stats.Row{ID: "p1", Department: "energy"}}
	require.NoError(t, s.Add(ctx, p))
	assert.Error(t, s.Add(ctx, p), "a second project of one ID")
	assert.Error(t, s.Move(ctx, "p2", statstest.Move{To: project.Started, On: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), Kind: project.KindMove}))
	assert.Error(t, s.Plan(ctx, "p2", 2021, 1))
	assert.Error(t, s.Progress(ctx, "p2", 2021, time.March, 1))
	assert.Equal(t, 0, s.Reads("Rows"))
}
