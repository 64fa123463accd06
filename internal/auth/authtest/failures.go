package authtest

import (
	"context"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/auth"
)

// Failures is an auth.FailureStore in memory, safe for concurrent use,
// with windows in UTC.
type Failures struct {
	mu    sync.Mutex
	byKey map[string]auth.Window
	// known is when each remembered key was remembered.
	known map[string]time.Time
	faults
}

var _ auth.FailureStore = (*Failures)(nil)

// NewFailures returns an empty Failures.
func NewFailures() *Failures {
	return &Failures{byKey: map[string]auth.Window{}, known: map[string]time.Time{}}
}

// put sets a key's window, or forgets the key for ok false, and undoes it
// when the transaction of ctx fails.
func (s *Failures) put(ctx context.Context, key string, w auth.Window, ok bool) {
	old, had := s.byKey[key]
	if ok {
		s.byKey[key] = w
	} else {
		delete(s.byKey, key)
	}
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if had {
			s.byKey[key] = old
		} else {
			delete(s.byKey, key)
		}
	})
}

// RecordFailure counts one attempt for each key.
func (s *Failures) RecordFailure(ctx context.Context, keys []string, now, since time.Time) (map[string]auth.Window, error) {
	if err := s.fault("RecordFailure"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]auth.Window, len(keys))
	for _, k := range keys {
		w, ok := s.byKey[k]
		if !ok || !w.Start.After(since) {
			w = auth.Window{Start: now.UTC()}
		}
		w.Count++
		s.put(ctx, k, w, true)
		out[k] = w
	}
	return out, nil
}

// ReleaseFailure takes one attempt back from each key's count.
func (s *Failures) ReleaseFailure(ctx context.Context, keys []string) error {
	if err := s.fault("ReleaseFailure"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if w, ok := s.byKey[k]; ok && w.Count > 0 {
			w.Count--
			s.put(ctx, k, w, true)
		}
	}
	return nil
}

// ClearFailures forgets a key's failures.
func (s *Failures) ClearFailures(ctx context.Context, key string) error {
	if err := s.fault("ClearFailures"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byKey[key]; ok {
		s.put(ctx, key, auth.Window{}, false)
	}
	return nil
}

// Remember marks key known at now.
func (s *Failures) Remember(ctx context.Context, key string, now time.Time) error {
	if err := s.fault("Remember"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.known[key]
	s.known[key] = now.UTC()
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if had {
			s.known[key] = old
		} else {
			delete(s.known, key)
		}
	})
	return nil
}

// Known reports whether key was remembered after since.
func (s *Failures) Known(_ context.Context, key string, since time.Time) (bool, error) {
	if err := s.fault("Known"); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.known[key]
	return ok && at.After(since), nil
}

// PurgeFailures deletes the windows that began at or before windowsBefore
// and the markers remembered at or before markersBefore.
func (s *Failures) PurgeFailures(_ context.Context, windowsBefore, markersBefore time.Time) (int64, error) {
	if err := s.fault("PurgeFailures"); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k, w := range s.byKey {
		if !w.Start.After(windowsBefore) {
			delete(s.byKey, k)
			n++
		}
	}
	for k, at := range s.known {
		if !at.After(markersBefore) {
			delete(s.known, k)
			n++
		}
	}
	return n, nil
}

// Window returns a key's window, for a test to look at the counters.
func (s *Failures) Window(key string) (auth.Window, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.byKey[key]
	return w, ok
}
