package event

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
)

// How the sequencer runs (docs/integration.md, "Commit order"): it settles
// a moment after a wake, so that the events of a burst are sequenced
// together, and looks every second for what other processes committed.
// Under a stream of changes its passes are at least pace apart: each is a
// transaction of four round trips, and sequencing several changes at once
// costs hardly more than one.
const (
	settle      = 20 * time.Millisecond
	pace        = 50 * time.Millisecond
	every       = time.Second
	expireEvery = time.Hour
)

// Flush gives every committed event without a position its position, in
// batches, tells waiting readers and the observer, and reports how many it
// sequenced.
func (s *Service) Flush(ctx context.Context) (n int, err error) {
	defer apperr.Wrap(&err, "event.Service.Flush")
	for {
		at := s.now().UTC().Truncate(time.Microsecond)
		evs, err := s.store.Sequence(ctx, s.batch, at)
		if len(evs) > 0 {
			n += len(evs)
			s.told()
			s.mu.Lock()
			observe, after := s.observe, s.afterSequenced
			s.mu.Unlock()
			for _, f := range after {
				f()
			}
			for _, e := range evs {
				if observe != nil {
					observe(e.Type, max(at.Sub(e.At), 0))
				}
			}
		}
		if err != nil || len(evs) < s.batch {
			return n, err
		}
	}
}

// Expire deletes the events older than the retention, keeping the newest.
func (s *Service) Expire(ctx context.Context) (_ int, err error) {
	defer apperr.Wrap(&err, "event.Service.Expire")
	return s.store.Expire(ctx, s.now().Add(-s.retention))
}

// Run sequences events as they commit, until ctx ends: a moment after a
// wake (Record, Wake after a commit), and every second for the events that
// other processes committed; and expires old events every hour. When it
// ends, waiting readers are answered at once.
func (s *Service) Run(ctx context.Context, log func(error)) {
	defer s.stopOnce.Do(func() { close(s.stopped) })
	expire := time.NewTicker(expireEvery)
	defer expire.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	var last time.Time // the last pass
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.staged:
			time.Sleep(max(settle, pace-time.Since(last)))
		case <-tick.C:
		case <-expire.C:
			if _, err := s.Expire(ctx); err != nil && ctx.Err() == nil {
				log(err)
			}
		}
		last = time.Now()
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			log(err)
		}
	}
}

// AfterSequenced has f called whenever this process has given events their
// positions (the webhooks fan them out then); set before Run.
func (s *Service) AfterSequenced(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.afterSequenced = append(s.afterSequenced, f)
}
