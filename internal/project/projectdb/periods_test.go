package projectdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestGetWithPeriods: the one read of a move answers what Get and Periods
// answer, with no calendar set and with one, within the reader's scope.
func TestGetWithPeriods(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		st := projectdb.New(db)
		p := create(t, st, newProject())
		check := func(t *testing.T) {
			t.Helper()
			got, periods, err := st.GetWithPeriods(ctx, project.Reach{Department: p.Department}, p.ID)
			require.NoError(t, err)
			want, err := st.Get(ctx, project.Reach{All: true}, p.ID)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			wantPeriods, err := st.Periods(ctx)
			require.NoError(t, err)
			assert.Equal(t, wantPeriods, periods)
		}
		check(t)

		d := projectdb.NewDispatch(db)
		for _, s := range []dispatch.PeriodSetting{
			{Period: calendar.Month{Year: 2021, Month: 2}, DueOn: time.Date(2021, 3, 5, 0, 0, 0, 0, time.UTC), Combined: true},
			{Period: calendar.Month{Year: 2021, Month: 3}, DueOn: time.Date(2021, 4, 3, 0, 0, 0, 0, time.UTC)},
		} {
			s.Version, s.UpdatedAt, s.UpdatedBy = 1, clock, "bureau"
			require.NoError(t, d.PutSetting(ctx, s))
		}
		check(t)
		_, periods, err := st.GetWithPeriods(ctx, project.Reach{All: true}, p.ID)
		require.NoError(t, err)
		assert.True(t, periods.Combined[2021])
		assert.Equal(t, time.Date(2021, 4, 3, 0, 0, 0, 0, time.UTC), periods.Due[calendar.Month{Year: 2021, Month: 3}])

		_, _, err = st.GetWithPeriods(ctx, project.Reach{Department: "tourism"}, p.ID)
		assert.ErrorIs(t, err, apperr.ErrNotFound, "out of scope")
	})
}
