package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

func memory(*testing.T) (statstest.Stores, statstest.Register) {
	s := statstest.NewStore()
	return s, s
}

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	statstest.StoreContract(t, memory)
}

// TestOverviewWorkedExample is the worked example of docs/stats.md, over the
// in-memory store; internal/project/projectdb runs it on both databases.
func TestOverviewWorkedExample(t *testing.T) {
	t.Parallel()
	statstest.WorkedExample(t, memory)
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
	assert.Error(t, s.Entry(ctx, plan.Entry{Year: 2021, ProjectID: "p1"}), "an entry of a plan not entered")
	require.NoError(t, s.Plan(ctx, plan.Plan{Year: 2021, State: plan.Draft}))
	assert.Error(t, s.Entry(ctx, plan.Entry{Year: 2021, ProjectID: "p2"}))
	assert.Error(t, s.Report(ctx, statstest.Report{ProjectID: "p2", Month: calendar.Month{Year: 2021, Month: time.March}}))
	assert.Error(t, s.Designation(ctx, stats.Designation{Year: 2021, ProjectID: "p2"}))
	assert.Equal(t, 0, s.Reads("Rows"))
}
