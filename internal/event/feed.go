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
		select {
		case <-ctx.Done():
			return page, nil
		case <-deadline.C:
			return page, nil
		case <-s.stopped:
			return page, nil
		case <-signal:
		case <-time.After(time.Second):
		}
	}
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

// read is one read of the feed and its bounds, read after the events so
// that events expired before the read are noticed.
func (s *Service) read(ctx context.Context, q Query) (Page, error) {
	evs, err := s.store.List(ctx, q)
	if err != nil {
		return Page{}, err
	}
	oldest, head, err := s.store.Bounds(ctx)
	switch {
	case err != nil:
		return Page{}, err
	case oldest > 0 && q.After < oldest-1:
		return Page{}, ErrExpired
	case q.After > head:
		return Page{}, errAhead
	}
	return Page{Events: evs, Head: head}, nil
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
