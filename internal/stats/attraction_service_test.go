package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/stats/statstest"
)

// TestServiceAttraction: the service counts the rows the caller may read,
// archived projects aside, remembers the answer until Forget, and refuses a
// caller who may not read.
func TestServiceAttraction(t *testing.T) {
	ctx := context.Background()
	st := statstest.NewStore()
	on := func(s string) *time.Time { d, _ := calendar.ParseDate(s); return &d }
	for _, p := range []statstest.Project{
		{Row: stats.Row{ID: e1, Department: "energy", Stage: project.Signed, SignedOn: on("2021-02-01"), InvestorOrigin: "in_county"}},
		{Row: stats.Row{ID: i1, Department: "industry", Stage: project.Landed, SignedOn: on("2021-03-01"), LandedOn: on("2021-04-01")},
			FundsArrived: []project.FundsArrived{{Year: 2021, Yuan: 900}}},
		{Row: stats.Row{ID: archived, Department: "energy", Stage: project.Signed, SignedOn: on("2021-03-01")}, Archived: true},
	} {
		require.NoError(t, st.Add(ctx, p))
	}
	svc := stats.NewService(st, func() time.Time { return time.Date(2021, 6, 30, 4, 0, 0, 0, time.UTC) })
	ps := stats.Params{Year: 2021, AsOf: *on("2021-06-30")}
	a, err := svc.Attraction(ctx, energyViewer, ps)
	require.NoError(t, err)
	assert.Equal(t, []string{e1}, a.Total.IDs, "a department's own, the archived project aside")
	assert.Equal(t, []string{e1}, a.ByOrigin[4].IDs, "县内")
	assert.Equal(t, []string{e1}, a.SigningToLanding.PendingIDs)
	a, err = svc.Attraction(ctx, bureau, ps)
	require.NoError(t, err)
	assert.Equal(t, []string{e1, i1}, a.Total.IDs)
	assert.Equal(t, []string{i1}, a.SigningToLanding.NumeratorIDs)
	assert.Equal(t, int64(900), a.Funds.Yuan)
	reads := st.Reads("Rows")
	_, err = svc.Attraction(ctx, bureau, ps)
	require.NoError(t, err)
	assert.Equal(t, reads, st.Reads("Rows"), "remembered")
	svc.Forget()
	_, err = svc.Attraction(ctx, bureau, ps)
	require.NoError(t, err)
	assert.Equal(t, reads+1, st.Reads("Rows"), "read again once forgotten")
	_, err = svc.Attraction(ctx, clientBlind, ps)
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), "a client without the read scope")
	st.Fail("Rows", assert.AnError)
	svc.Forget()
	_, err = svc.Attraction(ctx, bureau, ps)
	assert.ErrorIs(t, err, assert.AnError, "a failing store")
}
