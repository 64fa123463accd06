package indicatortest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/indicator"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 7, 9, 30, 15, 123456000, time.UTC)

// nextYear hands each case years no other case uses, so that the cases share
// a store and run in parallel.
var nextYear atomic.Int64

func init() { nextYear.Store(2100) }

func year() int { return int(nextYear.Add(1)) }

func list(y, version int, values ...string) indicator.Year {
	items := make([]indicator.Item, len(values))
	for i, v := range values {
		d := indicator.Definitions[i%len(indicator.Definitions)]
		items[i] = indicator.Item{Code: d.Code, Label: d.ZH, Value: v, Unit: d.Unit, Period: "2021-06-30",
			Source: "《报告》（2021年4月7日）"}
	}
	return indicator.Year{Year: y, Items: items, Version: version, UpdatedAt: at, UpdatedBy: "白局长"}
}

// StoreContract checks that st keeps what indicator.Store documents: a
// list comes back as written, its values digit for digit; a year without
// one is indicator.ErrNone; Put writes version 1 only where there is no
// list and each later version only over the one before, a concurrent
// writer's Put being VersionConflict and changing nothing; Years lists the
// years with lists, in order.
func StoreContract(t *testing.T, st indicator.Store) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st indicator.Store)
	}{
		{"a list comes back as written", roundTrip},
		{"a year without a list is none", none},
		{"a list is replaced over the version before", replaced},
		{"a write over another version changes nothing", conflict},
		{"of concurrent writers of one version one wins", concurrent},
		{"the years with lists are listed in order", years},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st)
		})
	}
}

func roundTrip(t *testing.T, st indicator.Store) {
	ctx := context.Background()
	want := list(year(), 1, "374204", "13.5", "147", "0.10", "-2.000001", "999999999999999.999999")
	require.NoError(t, st.Put(ctx, want))
	got, err := st.Get(ctx, want.Year)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func none(t *testing.T, st indicator.Store) {
	_, err := st.Get(context.Background(), year())
	assert.ErrorIs(t, err, indicator.ErrNone)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err))
}

func replaced(t *testing.T, st indicator.Store) {
	ctx := context.Background()
	y := year()
	require.NoError(t, st.Put(ctx, list(y, 1, "1", "2")))
	second := list(y, 2, "3")
	second.UpdatedBy = "另一人"
	require.NoError(t, st.Put(ctx, second))
	got, err := st.Get(ctx, y)
	require.NoError(t, err)
	assert.Equal(t, second, got)
}

func conflict(t *testing.T, st indicator.Store) {
	ctx := context.Background()
	y := year()
	assert.ErrorIs(t, st.Put(ctx, list(y, 2, "9")), apperr.ErrVersionConflict, "no version 1 to replace")
	first := list(y, 1, "1")
	require.NoError(t, st.Put(ctx, first))
	assert.ErrorIs(t, st.Put(ctx, list(y, 1, "2")), apperr.ErrVersionConflict, "version 1 again")
	assert.ErrorIs(t, st.Put(ctx, list(y, 3, "3")), apperr.ErrVersionConflict, "over version 2")
	got, err := st.Get(ctx, y)
	require.NoError(t, err)
	assert.Equal(t, first, got)
}

func concurrent(t *testing.T, st indicator.Store) {
	ctx := context.Background()
	y := year()
	require.NoError(t, st.Put(ctx, list(y, 1, "1")))
	var wg sync.WaitGroup
	var won, lost atomic.Int32
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.Put(ctx, list(y, 2, string(rune('5'+i))))
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, apperr.ErrVersionConflict):
				lost.Add(1)
			default:
				t.Errorf("put: %v", err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load())
	assert.Equal(t, int32(3), lost.Load())
	got, err := st.Get(ctx, y)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Version)
}

func years(t *testing.T, st indicator.Store) {
	ctx := context.Background()
	a, b := year(), year()
	require.NoError(t, st.Put(ctx, list(b, 1, "1")))
	require.NoError(t, st.Put(ctx, list(a, 1, "1")))
	ys, err := st.Years(ctx)
	require.NoError(t, err)
	assert.IsIncreasing(t, ys)
	assert.Contains(t, ys, a)
	assert.Contains(t, ys, b)
	assert.NotContains(t, ys, year())
}
