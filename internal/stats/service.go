package stats

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Service computes the statistics over a Store: today's default overview from
// the kept current figures (Keeping), the rest remembered for a short while.
type Service struct {
	store Store
	now   func() time.Time
	cache *cache
	// designations is set by SetDesignations, with the register and the
	// auditor its writes go through.
	designations *designations
	// keep keeps the current figures (Keeping); wake wakes its keeper.
	keep KeepStore
	wake chan struct{}
	span int
	memo memo
}

// DefaultCacheTTL is how long statistics are remembered by default.
const DefaultCacheTTL = 30 * time.Second

// NewService returns a Service; now is the clock of the cache and tells
// the day on which the periods that count are worked out.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now, cache: newCache(DefaultCacheTTL)}
}

// SetCacheTTL sets how long statistics are remembered (0: not at all),
// before first use.
func (s *Service) SetCacheTTL(d time.Duration) { s.cache = newCache(d) }

// Forget forgets every remembered statistic. The register calls it once a
// change has committed (project.Service.Notify): a project, a plan entry,
// a report or a designation, all changed with the project locked. A change
// that does not go through the register (a dispatch period's due day, a
// plan's issue or targets) calls it after its commit too: forgetting before
// the commit would let a reader fill the cache again from the rows as they
// were.
func (s *Service) Forget() { s.cache.invalidate() }

// today is the county's day now.
func (s *Service) today() time.Time { return calendar.Today(s.now()) }

// frame reads the year and works out what the numbers of ps read; a
// period named in ps is refused when it is after the current month, or a
// January reported with February.
func (s *Service) frame(ctx context.Context, ps Params) (frame, error) {
	today := s.today()
	if this := calendar.MonthOf(today); ps.Period != nil && this.Before(*ps.Period) {
		return frame{}, apperr.Fields([]apperr.FieldError{{Field: "period", Code: "in_future", Param: this.String()}})
	}
	y, err := s.store.Year(ctx, ps.Year)
	if err != nil {
		return frame{}, err
	}
	if ps.Period != nil && ps.Period.Month == time.January && y.Periods.Combined[ps.Year] {
		feb := calendar.Month{Year: ps.Year, Month: time.February}
		return frame{}, apperr.Fields([]apperr.FieldError{{Field: "period", Code: "combined_period", Param: feb.String()}})
	}
	return newFrame(ps, y, today), nil
}

// computeStats runs compute over the rows p may read for the frame of ps,
// as the store streams them: compute reads them once, in the snapshot in
// which the frame read the year's plan.
func computeStats[T any](ctx context.Context, s *Service, p identity.Principal, ps Params, compute func(iter.Seq[Row], frame) T) (T, error) {
	var out T
	if err := project.CanRead(p); err != nil {
		return out, err
	}
	err := s.store.Snapshot(ctx, func(ctx context.Context) error {
		f, err := s.frame(ctx, ps)
		if err != nil {
			return err
		}
		out = compute(func(yield func(Row) bool) {
			err = s.store.Rows(ctx, project.ReachOf(p), Query{Year: ps.Year, AsOf: ps.AsOf, AcceptedOnly: ps.AcceptedOnly}, yield)
		}, f)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// key is a cache key of ps, with the day (the periods that count move with
// it).
func (s *Service) key(ps Params) []any {
	period := ""
	if ps.Period != nil {
		period = ps.Period.String()
	}
	return []any{ps.Year, ps.AsOf.Format(time.DateOnly), ps.Basis, period, ps.AcceptedOnly, s.today().Format(time.DateOnly)}
}

// cached answers a statistic from the cache, keyed by its kind, the
// caller's scope and its parameters, or computes it with load.
func cached[T any](ctx context.Context, s *Service, p identity.Principal, kind string, params []any, load func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := project.CanRead(p); err != nil {
		return zero, err
	}
	sc := project.ReachOf(p)
	parts := []string{kind, fmt.Sprint(sc.All), sc.Department}
	for _, v := range params {
		parts = append(parts, fmt.Sprint(v))
	}
	v, err := s.cache.get(ctx, strings.Join(parts, "|"), s.now, func(ctx context.Context) (any, error) { return load(ctx) })
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// Overview computes the KPIs over the projects p may read, with the IDs
// behind them if ids. Without the IDs, today's default request is answered
// from the kept current figures when they are kept for today (current).
func (s *Service) Overview(ctx context.Context, p identity.Principal, ps Params, ids bool) (_ Overview, err error) {
	defer apperr.Wrap(&err, "stats.Service.Overview")
	if err := project.CanRead(p); err != nil {
		return Overview{}, err
	}
	if !ids {
		o, ok, err := s.current(ctx, project.ReachOf(p), ps)
		if err != nil || ok {
			return o, err
		}
	}
	return computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], f frame) Overview { return computeOverview(rows, f, ids) })
}

// RenderedOverview is the overview as render writes it (the HTTP layer's
// JSON). Today's default request without the IDs is answered from the kept
// current figures and never remembered: every replica answers it with what
// has committed (docs/stats.md, "Current figures"). Without the IDs, every
// other answer (the historical parameters, and today's figures while the
// kept ones are being built) is computed from scratch and its rendering, a
// few hundred bytes, remembered like the other statistics. With the IDs the
// overview is remembered (IDsOverview) and rendered on every call: at
// 200,000 projects its rendering is tens of megabytes, which a caller
// writes as it goes rather than keeps (docs/performance.md, "Memory").
func (s *Service) RenderedOverview(ctx context.Context, p identity.Principal, ps Params, ids bool, render func(Overview) ([]byte, error)) (_ []byte, err error) {
	defer apperr.Wrap(&err, "stats.Service.RenderedOverview")
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	if ids {
		o, err := s.IDsOverview(ctx, p, ps)
		if err != nil {
			return nil, err
		}
		return render(o)
	}
	o, ok, err := s.current(ctx, project.ReachOf(p), ps)
	if err != nil {
		return nil, err
	}
	if ok {
		return render(o)
	}
	return cached(ctx, s, p, "overview", append(s.key(ps), false), func(ctx context.Context) ([]byte, error) {
		o, err := computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], f frame) Overview { return computeOverview(rows, f, false) })
		if err != nil {
			return nil, err
		}
		return render(o)
	})
}

// IDsOverview is the overview with the IDs behind every number, computed
// from scratch and remembered like the other statistics. What is kept is
// the computation: its lists share the rows' ID strings (some 20 MB at
// 200,000 projects, where its JSON is some 40 MB), and every caller reads
// the same lists — a caller reads them and never changes them.
func (s *Service) IDsOverview(ctx context.Context, p identity.Principal, ps Params) (_ Overview, err error) {
	defer apperr.Wrap(&err, "stats.Service.IDsOverview")
	return cached(ctx, s, p, "overview", append(s.key(ps), true), func(ctx context.Context) (Overview, error) {
		return computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], f frame) Overview { return computeOverview(rows, f, true) })
	})
}

// Breakdown groups the projects p may read by key, with each group's
// project IDs if ids.
func (s *Service) Breakdown(ctx context.Context, p identity.Principal, by string, ps Params, ids bool) (_ Breakdown, err error) {
	defer apperr.Wrap(&err, "stats.Service.Breakdown")
	if !slices.Contains(BreakdownKeys, by) {
		return Breakdown{}, invalidParam("by", strings.Join(BreakdownKeys, ","))
	}
	return cached(ctx, s, p, "breakdown", append(s.key(ps), by, ids), func(ctx context.Context) (Breakdown, error) {
		return computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], f frame) Breakdown { return computeBreakdown(rows, by, f, ids) })
	})
}

// Batches computes 三个一批 for a quarter of year, or for the year when
// quarter is 0.
func (s *Service) Batches(ctx context.Context, p identity.Principal, year, quarter int) (_ Batches, err error) {
	defer apperr.Wrap(&err, "stats.Service.Batches")
	if quarter < 0 || quarter > 4 {
		return Batches{}, apperr.Fields([]apperr.FieldError{{Field: "quarter", Code: "out_of_range", Param: "1..4"}})
	}
	ps := Params{Year: year, AsOf: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)}
	return cached(ctx, s, p, "batches", []any{year, quarter}, func(ctx context.Context) (Batches, error) {
		return computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], _ frame) Batches {
			return computeBatches(rows, year, quarter)
		})
	})
}

// Trend is the year's investment month by month, with the moves of each.
func (s *Service) Trend(ctx context.Context, p identity.Principal, ps Params) (_ Trend, err error) {
	defer apperr.Wrap(&err, "stats.Service.Trend")
	return cached(ctx, s, p, "trend", s.key(ps), func(ctx context.Context) (Trend, error) {
		t, err := computeStats(ctx, s, p, ps, computeTrend)
		if err != nil {
			return Trend{}, err
		}
		moves, err := s.store.MonthlyMoves(ctx, project.ReachOf(p), ps.Year)
		if err != nil {
			return Trend{}, err
		}
		for m := range t.Months {
			t.Months[m].Moves = moves[m]
			if t.Months[m].Moves == nil {
				t.Months[m].Moves = map[project.Stage]int64{}
			}
		}
		return t, nil
	})
}
