package approvaltest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
)

// Backend is a store under test and a way to make projects it may hold
// items of.
type Backend struct {
	Store approval.Store
	// NewProject makes a project and returns its ID.
	NewProject func(t *testing.T) string
}

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// Contract is the behaviour every approval.Store keeps.
func Contract(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	at := time.Date(2021, 4, 20, 1, 2, 3, 456000, time.UTC)
	t.Run("an item round-trips, with its dates and version", func(t *testing.T) {
		b := open(t)
		id := b.NewProject(t)
		none, err := b.Store.Items(ctx, id)
		require.NoError(t, err)
		assert.Empty(t, none)
		it := approval.Item{ProjectID: id, Code: approval.EnvironmentalAssessment, Fields: approval.Fields{
			Status: approval.Obtained, AppliedOn: day("2021-01-05"), ExpectedOn: day("2021-03-01"), ObtainedOn: day("2021-02-20"),
			ApprovalNo: "广环审〔2021〕3号", Issuer: "市生态环境局广灵分局", Note: "批复", EnvLevel: approval.ReportForm,
		}, Version: 1, UpdatedAt: at, UpdatedBy: "bureau"}
		require.NoError(t, b.Store.Put(ctx, it, 0))
		got, err := b.Store.Items(ctx, id)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, it, got[0])
	})
	t.Run("a write is conditional on the version read", func(t *testing.T) {
		b := open(t)
		id := b.NewProject(t)
		it := approval.Item{ProjectID: id, Code: approval.Filing, Fields: approval.Fields{Status: approval.InProgress},
			Version: 1, UpdatedAt: at, UpdatedBy: "a"}
		require.NoError(t, b.Store.Put(ctx, it, 0))
		assert.Equal(t, apperr.VersionConflict, apperr.KindOf(b.Store.Put(ctx, it, 0)), "inserted twice")
		next := it
		next.Version, next.Status, next.Reason = 2, approval.NotNeeded, "免于备案"
		assert.Equal(t, apperr.VersionConflict, apperr.KindOf(b.Store.Put(ctx, next, 5)), "a stale version")
		require.NoError(t, b.Store.Put(ctx, next, 1))
		got, err := b.Store.Items(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, []approval.Item{next}, got)
	})
	t.Run("items of several projects come by project", func(t *testing.T) {
		b := open(t)
		one, two, three := b.NewProject(t), b.NewProject(t), b.NewProject(t)
		for _, it := range []approval.Item{
			{ProjectID: one, Code: approval.Filing}, {ProjectID: one, Code: approval.ConstructionPermit}, {ProjectID: two, Code: approval.Filing},
		} {
			it.Status, it.Version, it.UpdatedAt, it.UpdatedBy = approval.InProgress, 1, at, "a"
			require.NoError(t, b.Store.Put(ctx, it, 0))
		}
		got, err := b.Store.ItemsOf(ctx, []string{one, two, three, "not-an-id"})
		require.NoError(t, err)
		assert.Len(t, got[one], 2)
		assert.Equal(t, []approval.Code{approval.ConstructionPermit, approval.Filing}, []approval.Code{got[one][0].Code, got[one][1].Code})
		assert.Len(t, got[two], 1)
		assert.Empty(t, got[three])
	})
}
