package stats

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Service computes the statistics over a Store, remembering them for a
// short while.
type Service struct {
	store Store
	now   func() time.Time
	cache *cache
}

// DefaultCacheTTL is how long statistics are remembered by default.
const DefaultCacheTTL = 30 * time.Second

// NewService returns a Service; now is the clock of the cache.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now, cache: newCache(DefaultCacheTTL)}
}

// SetCacheTTL sets how long statistics are remembered (0: not at all),
// before first use.
func (s *Service) SetCacheTTL(d time.Duration) { s.cache = newCache(d) }

// Forget forgets every remembered statistic: the register has changed. The
// register calls it once a change has committed (project.Service.Notify):
// forgetting before the commit would let a reader fill the cache again from
// the rows as they were.
func (s *Service) Forget() { s.cache.invalidate() }

// computeStats runs compute over the rows p may read for year as of day on,
// as the store streams them: compute reads them once.
func computeStats[T any](ctx context.Context, s *Service, p identity.Principal, year int, on time.Time, compute func(iter.Seq[Row]) T) (T, error) {
	var zero T
	if err := project.CanRead(p); err != nil {
		return zero, err
	}
	var err error
	out := compute(func(yield func(Row) bool) {
		err = s.store.Rows(ctx, project.ReachOf(p), Query{Year: year, AsOf: on}, yield)
	})
	if err != nil {
		return zero, err
	}
	return out, nil
}

// cached answers a statistic from the cache, keyed by its kind, the
// caller's scope and its parameters, or computes it with load.
func cached[T any](ctx context.Context, s *Service, p identity.Principal, kind string, params []any, load func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := project.CanRead(p); err != nil {
		return zero, err
	}
	sc := project.ReachOf(p)
	key := fmt.Sprint(append([]any{kind, sc.All, sc.Department}, params...)...)
	v, err := s.cache.get(ctx, key, s.now, func(ctx context.Context) (any, error) { return load(ctx) })
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// Overview computes the KPIs over the projects p may read, with the IDs
// behind them if ids.
func (s *Service) Overview(ctx context.Context, p identity.Principal, year int, on time.Time, ids bool) (_ Overview, err error) {
	defer apperr.Wrap(&err, "stats.Service.Overview")
	return computeStats(ctx, s, p, year, on, func(rows iter.Seq[Row]) Overview { return ComputeOverview(rows, year, on, ids) })
}

// RenderedOverview is the overview as render writes it (the HTTP layer's
// JSON), remembered like the other statistics: at 200,000 projects the IDs
// behind the rates make an answer of megabytes, and writing it costs more
// than a cached computation, so the rendering is what is kept.
// ids tells the rendering with the IDs from the one without, which is kept
// apart.
func (s *Service) RenderedOverview(ctx context.Context, p identity.Principal, year int, on time.Time, ids bool, render func(Overview) ([]byte, error)) (_ []byte, err error) {
	defer apperr.Wrap(&err, "stats.Service.RenderedOverview")
	return cached(ctx, s, p, "overview", []any{year, on, ids}, func(ctx context.Context) ([]byte, error) {
		o, err := s.Overview(ctx, p, year, on, ids)
		if err != nil {
			return nil, err
		}
		return render(o)
	})
}

// Breakdown groups the projects p may read by key, for year (stages as on
// the year's last day, or today).
func (s *Service) Breakdown(ctx context.Context, p identity.Principal, by string, year int, on time.Time) (_ []Group, err error) {
	defer apperr.Wrap(&err, "stats.Service.Breakdown")
	if !slices.Contains(BreakdownKeys, by) {
		return nil, apperr.Fields([]apperr.FieldError{{Field: "by", Code: "invalid_value", Param: "stage,category,department,township,leader"}})
	}
	return cached(ctx, s, p, "breakdown", []any{by, year, on}, func(ctx context.Context) ([]Group, error) {
		return computeStats(ctx, s, p, year, on, func(rows iter.Seq[Row]) []Group { return ComputeBreakdown(rows, by, on) })
	})
}

// Batches computes 三个一批 for a quarter of year.
func (s *Service) Batches(ctx context.Context, p identity.Principal, year, quarter int) (_ Batches, err error) {
	defer apperr.Wrap(&err, "stats.Service.Batches")
	if quarter < 1 || quarter > 4 {
		return Batches{}, apperr.Fields([]apperr.FieldError{{Field: "quarter", Code: "out_of_range", Param: "1..4"}})
	}
	return cached(ctx, s, p, "batches", []any{year, quarter}, func(ctx context.Context) (Batches, error) {
		return computeStats(ctx, s, p, year, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC),
			func(rows iter.Seq[Row]) Batches { return ComputeBatches(rows, year, quarter) })
	})
}

// Trend is the year's investment and moves month by month.
func (s *Service) Trend(ctx context.Context, p identity.Principal, year int) (_ Trend, err error) {
	defer apperr.Wrap(&err, "stats.Service.Trend")
	return cached(ctx, s, p, "trend", []any{year}, func(ctx context.Context) (Trend, error) { return s.trend(ctx, p, year) })
}

func (s *Service) trend(ctx context.Context, p identity.Principal, year int) (Trend, error) {
	planned, err := computeStats(ctx, s, p, year, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC), func(rows iter.Seq[Row]) int64 {
		var sum int64
		for r := range rows {
			if r.PlannedYuan != nil {
				sum += *r.PlannedYuan
			}
		}
		return sum
	})
	if err != nil {
		return Trend{}, err
	}
	completed, moves, err := s.store.MonthlyTrend(ctx, project.ReachOf(p), year)
	if err != nil {
		return Trend{}, err
	}
	t := Trend{Year: year, PlannedYuan: planned}
	var cum int64
	for m := range 12 {
		cum += completed[m]
		ms := moves[m]
		if ms == nil {
			ms = map[project.Stage]int64{}
		}
		t.Months = append(t.Months, TrendMonth{
			Month: time.Month(m + 1), CompletedYuan: completed[m], CumulativeCompletedYuan: cum,
			PlannedToDateYuan: t.PlannedYuan * int64(m+1) / 12, Moves: ms,
		})
	}
	return t, nil
}
