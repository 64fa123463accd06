package stats

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// The keeper of the current figures (docs/stats.md, "Current figures"):
// it follows the change feed, applying each changed project's new
// contribution, and builds the figures again when their key changes.

// Wake tells the keeper that events got their positions.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// keepPace is the least time from one keeper's pass to the next: under a
// stream of changes a pass applies what committed meanwhile, in one batch,
// rather than a pass for every few events, each reading the year's frame
// and the kept row again; a read catches up on what is not yet applied.
const keepPace = 250 * time.Millisecond

// RunKeeper keeps the current figures until ctx ends: after every Wake and
// every second (for what other replicas sequenced), passes at least
// keepPace apart.
func (s *Service) RunKeeper(ctx context.Context, log func(error)) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		began := time.Now()
		if _, err := s.Keep(ctx); err != nil && ctx.Err() == nil {
			log(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(keepPace - time.Since(began)):
		}
	}
}

// Keep brings the kept figures up to the events committed, or builds them
// again from scratch when today's key is not the one they were kept for
// (or the health has settled since they were built). It reports how many
// projects it computed; nothing when another replica's keeper runs.
func (s *Service) Keep(ctx context.Context) (n int, err error) {
	var build *frame
	var key string
	_, err = s.keep.Exclusive(ctx, func(ctx context.Context) error {
		today := s.today()
		f, err := s.frame(ctx, Params{Year: today.Year(), AsOf: today, Basis: plan.AsOf})
		if err != nil {
			return err
		}
		k, _, err := s.keep.Read(ctx, KeptQuery{On: today})
		if err != nil {
			return err
		}
		figures, health := splitKey(k.Key)
		if figures == currentKey(f) {
			var lost bool
			n, lost, err = s.apply(ctx, f)
			// Built again, besides, once the health is settled if it was
			// not when they were built.
			if err != nil || (!lost && (health == healthKey(k) || k.Due)) {
				return err
			}
		}
		build, key = &f, currentKey(f)+"#"+healthKey(k)
		return nil
	})
	if err != nil || build == nil {
		return n, err
	}
	return s.rebuild(ctx, *build, key)
}

// rebuild builds the figures again under the store's rebuild lock, which
// one keeper holds at a time across replicas; nothing when another holds
// it.
func (s *Service) rebuild(ctx context.Context, f frame, key string) (n int, err error) {
	_, err = s.keep.Rebuilding(ctx, func(ctx context.Context) (err error) {
		n, err = s.fold(ctx, f, key)
		return err
	})
	return n, err
}

// building is the key of figures being built: no read or keeper trusts
// them, and a rebuild that stops half way is begun again.
const building = "building"

// fold folds every live project into its contribution and the
// departments' partials, through the newest position read before. What
// was kept is given up first; then each span of projects is read
// in a snapshot of its own, within the database's deadline, and its
// contributions kept at once, so that no more than a span is held; the
// partials and the key come last. A project changed after that position
// has a later event, and is counted again by the next pass: the figures
// kept are consistent, only older.
func (s *Service) fold(ctx context.Context, f frame, key string) (int, error) {
	_, p, err := s.keep.Read(ctx, KeptQuery{})
	if err != nil {
		return 0, err
	}
	starts, err := s.keep.SpanStarts(ctx, s.span)
	if err != nil {
		return 0, err
	}
	if err := s.exclusively(ctx, func(ctx context.Context) error { return s.keep.Replace(ctx, Kept{Key: building}) }); err != nil {
		return 0, err
	}
	partials := map[string]*Tally{}
	n := 0
	for _, q := range Spans(starts) {
		q.Year, q.AsOf = f.Year, f.AsOf
		var cs []Contribution
		err := s.store.Snapshot(ctx, func(ctx context.Context) error {
			return s.store.Rows(ctx, project.Reach{All: true}, q, func(r Row) bool {
				c := contribution(r, f)
				cs = append(cs, Contribution{ProjectID: r.ID, Department: r.Department, Tally: encode(c)})
				if partials[r.Department] == nil {
					partials[r.Department] = &Tally{}
				}
				partials[r.Department].Add(c)
				return true
			})
		})
		if err == nil {
			err = s.keep.Apply(ctx, Kept{Key: building}, cs, nil)
		}
		if err != nil {
			return n, err
		}
		n += len(cs)
	}
	k := Kept{Key: key, Through: p.Head, Partials: map[string][]byte{}}
	for d, t := range partials {
		k.Partials[d] = encode(*t)
	}
	return n, s.exclusively(ctx, func(ctx context.Context) error { return s.keep.Apply(ctx, k, nil, nil) })
}

// exclusively runs fn as Exclusive does, waiting its turn when another
// keeper's pass holds the lock.
func (s *Service) exclusively(ctx context.Context, fn func(context.Context) error) error {
	for {
		ran, err := s.keep.Exclusive(ctx, fn)
		if err != nil || ran {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// foldChunk is how many projects a rebuild reads in one snapshot.
const foldChunk = 5000

// Spans divides the ID space into the ranges that begin at each of the
// sorted starts, the first from the start of the space and the last to its
// end, so that every ID is in one: a range is read by index ranges, where
// a list of thousands of IDs would be looked for in every row of the
// tables read.
func Spans(starts []string) []Query {
	out := make([]Query, len(starts))
	for i := range starts {
		if i > 0 {
			out[i].From = starts[i]
		}
		if i+1 < len(starts) {
			out[i].Before = starts[i+1]
		}
	}
	return out
}

// apply applies the events after the kept position, a batch at a time:
// each project's contribution replaced by its new one, in the partials of
// its old and new departments. rebuild is true when events were lost to
// expiry.
func (s *Service) apply(ctx context.Context, f frame) (n int, rebuild bool, err error) {
	for {
		k, p, err := s.keep.Read(ctx, KeptQuery{Limit: keepBatch})
		if err != nil || p.Gap {
			return n, p.Gap, err
		}
		if p.Through == k.Through {
			return n, false, nil
		}
		partials := map[string]Tally{}
		for d, b := range k.Partials {
			if partials[d], err = decode(b); err != nil {
				return n, false, err
			}
		}
		if err := s.applyBatch(ctx, f, &k, p, partials); err != nil {
			return n, false, err
		}
		n += len(p.IDs)
		if !p.More {
			return n, false, nil
		}
	}
}

// applyBatch applies one batch of pending events to partials and keeps it.
func (s *Service) applyBatch(ctx context.Context, f frame, k *Kept, p Pending, partials map[string]Tally) error {
	changed := map[string]bool{}
	bump := func(dept string, t Tally, sign int64) {
		cur := partials[dept]
		cur.add(t, sign)
		partials[dept] = cur
		changed[dept] = true
	}
	var cs []Contribution
	gone := map[string]bool{}
	if len(p.IDs) > 0 {
		old, err := s.keep.Contributions(ctx, p.IDs)
		if err != nil {
			return err
		}
		for _, c := range old {
			u, err := decode(c.Tally)
			if err != nil {
				return err
			}
			bump(c.Department, u, -1)
		}
		for _, id := range p.IDs {
			gone[id] = true
		}
		err = s.store.Rows(ctx, project.Reach{All: true}, Query{Year: f.Year, AsOf: f.AsOf, IDs: p.IDs}, func(r Row) bool {
			c := contribution(r, f)
			bump(r.Department, c, 1)
			cs = append(cs, Contribution{ProjectID: r.ID, Department: r.Department, Tally: encode(c)})
			delete(gone, r.ID)
			return true
		})
		if err != nil {
			return err
		}
	}
	k.Through, k.Partials = p.Through, map[string][]byte{}
	for d := range changed {
		k.Partials[d] = encode(partials[d])
	}
	return s.keep.Apply(ctx, *k, cs, slices.Collect(maps.Keys(gone)))
}
