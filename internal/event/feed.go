package event

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Limits of a page of the feed and of a long poll (docs/integration.md,
// "Events").
const (
	DefaultLimit = 100
	MaxLimit     = 500
	MaxWait      = 30 * time.Second
)

// Page is one read of the feed.
type Page struct {
	Events []Event
	// Head is the newest position when the page was read: where a reader
	// that starts from now begins.
	Head int64
	// Next is the cursor to read on from: the last event's position when
	// the page is full, otherwise the head, as every event the reader may
	// see up to the head is on the page. A reader of one department or of
	// some types thus moves past the events of others, and its cursor does
	// not age out of what the feed keeps while it has missed nothing.
	Next int64
}

// Window is one consistent view of the feed: the events a query admits and
// the oldest and newest positions kept.
type Window struct {
	Events       []Event
	Oldest, Head int64
}

var (
	errNoRead = apperr.Coded(apperr.Forbidden, "event.no_read")
	// ErrExpired answers a cursor older than what the feed keeps.
	ErrExpired = apperr.Coded(apperr.CursorExpired, "event.cursor_expired")
	errAhead   = apperr.Fields([]apperr.FieldError{{Field: "after", Code: "out_of_range"}})
)

// Latest, as Query.After, starts from the newest position: a reader that
// needs nothing of the past follows the feed from now on.
const Latest int64 = -1

// Read returns the events after q.After that p may see, in commit order: a
// department-bound principal only those its department is entitled to.
// When there are none it waits up to wait for some, without holding a
// connection: woken when this process gives positions, and every second for
// the positions other replicas give; a wait ends at once when the
// sequencer stops (the service is shutting down). A cursor older than the oldest kept
// event is ErrExpired; one ahead of the newest is Invalid.
func (s *Service) Read(ctx context.Context, p identity.Principal, q Query, wait time.Duration) (_ Page, err error) {
	defer apperr.Wrap(&err, "event.Service.Read")
	q, err = scoped(p, q)
	if err != nil {
		return Page{}, err
	}
	wait = min(max(wait, 0), MaxWait)
	if q.After == Latest {
		_, head, err := s.store.Bounds(ctx)
		if err != nil {
			return Page{}, err
		}
		q.After = head
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		signal := s.signal() // before the read: a position given after it wakes the wait
		page, err := s.read(ctx, q)
		if err != nil || len(page.Events) > 0 || wait == 0 {
			return page, err
		}
		q.After = page.Next // nothing for this reader up to there
		if !s.await(ctx, deadline.C, signal, q.After) {
			return page, nil
		}
	}
}

// await waits until there may be events after position after: until this
// process gives positions, or, checked every second for the positions
// other replicas give, the newest position passes after. It reports false
// when the wait ends first (its deadline, the caller gone, the service
// stopping).
func (s *Service) await(ctx context.Context, deadline <-chan time.Time, signal <-chan struct{}, after int64) bool {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-deadline:
			return false
		case <-s.stopped:
			return false
		case <-signal:
			return true
		case <-tick.C:
			if head, err := s.farHead(ctx); err != nil || head > after {
				return true // a failed read is answered by the read that follows
			}
		}
	}
}

// farHead returns the newest position, read at most once a second however
// many readers wait.
func (s *Service) farHead(ctx context.Context) (int64, error) {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	now := time.Now() // a rate, not a time of the register: not s.now
	if d := now.Sub(s.headAt); d >= 0 && d < time.Second {
		return s.head, nil
	}
	_, head, err := s.store.Bounds(ctx)
	if err != nil {
		return 0, err
	}
	s.head, s.headAt = head, now
	return head, nil
}

// scoped is q within what p may read: a department-bound principal's
// department's events, a limit within bounds.
func scoped(p identity.Principal, q Query) (Query, error) {
	if !p.May(identity.ReadEvents) {
		return q, errNoRead
	}
	q.Department = ""
	if p.Role.DepartmentBound() {
		if p.Department == "" {
			return q, errNoRead // fails closed: no department, no events
		}
		q.Department = p.Department
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	return q, nil
}

// read is one read of the feed and its bounds, in one view of it. A cursor
// before the oldest event kept but one is expired, 0 (the start) too once
// anything has expired: nothing is ever skipped without a word.
func (s *Service) read(ctx context.Context, q Query) (Page, error) {
	w, err := s.store.Window(ctx, q)
	switch {
	case err != nil:
		return Page{}, err
	case w.Oldest > 0 && q.After < w.Oldest-1:
		return Page{}, ErrExpired
	case q.After > w.Head:
		return Page{}, errAhead
	}
	page := Page{Events: w.Events, Head: w.Head, Next: max(q.After, w.Head)}
	if n := len(w.Events); n > 0 && n == q.Limit {
		page.Next = w.Events[n-1].Position
	}
	return page, nil
}

// signal returns a channel closed when this process next gives positions.
func (s *Service) signal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sequenced
}

// told wakes the readers waiting for positions.
func (s *Service) told() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.sequenced)
	s.sequenced = make(chan struct{})
}

// encodeChanges is the JSON object of a change's fields; an empty change
// is {}.
func encodeChanges(m map[string]any) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
