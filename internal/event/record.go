package event

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// Change is what a change tells the feed about itself; the Service adds
// who made it, when, and in which request.
type Change struct {
	Type                     string
	ResourceType, ResourceID string
	ProjectID                string
	Version                  int
	// Changes are the changed fields with their new values, by their wire
	// names (Diff makes them from the resource's snapshots).
	Changes map[string]any
	// Departments are the departments entitled to the event.
	Departments []string
}

// Store keeps the feed. Implementations translate their driver errors into
// apperr kinds.
type Store interface {
	// Append stages e, without a position, with the change carried by ctx
	// (or in a transaction of its own), to be written with it or not at all.
	Append(ctx context.Context, e Event) error
	// Sequence gives up to limit committed events without a position the
	// next positions, in the order they were staged, under a lock that
	// admits one sequencer at a time, and sets their sequenced time to at.
	// It returns them (their Type and At are enough).
	Sequence(ctx context.Context, limit int, at time.Time) ([]Event, error)
	// List returns sequenced events that q admits, in position order.
	List(ctx context.Context, q Query) ([]Event, error)
	// Bounds returns the oldest and newest positions kept (0, 0 when none).
	Bounds(ctx context.Context) (oldest, head int64, err error)
	// Window returns what List and Bounds would, read in one consistent
	// view of the feed: every event q admits up to the head it returns.
	Window(ctx context.Context, q Query) (Window, error)
	// Expire deletes sequenced events made before before, always keeping
	// the newest event, and reports how many it deleted.
	Expire(ctx context.Context, before time.Time) (int, error)
}

// Service records changes in the feed, sequences them after they commit and
// reads them back.
type Service struct {
	store     Store
	now       func() time.Time
	newID     func() string
	retention time.Duration
	batch     int
	staged    chan struct{} // a signal to the sequencer that events were staged

	// stopped is closed when Run ends (the service is stopping): long
	// polls then answer at once, so that shutdown does not wait for them.
	stopped  chan struct{}
	stopOnce sync.Once

	mu        sync.Mutex
	sequenced chan struct{} // closed, and replaced, when events got positions
	observe   func(typ string, lag time.Duration)
	// afterSequenced are told when this process gave positions.
	afterSequenced []func()

	// The newest position as last read for waiting readers (farHead), so
	// that however many wait, this process asks once a second.
	headMu sync.Mutex
	head   int64
	headAt time.Time
}

// DefaultRetention is how long events are kept unless set otherwise.
const DefaultRetention = 30 * 24 * time.Hour

// NewService returns a Service over store; now is the clock of events and
// retention how long sequenced events are kept (0: DefaultRetention).
func NewService(store Store, now func() time.Time, retention time.Duration) *Service {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Service{
		store: store, now: now, newID: func() string { return uuid.Must(uuid.NewV7()).String() }, retention: retention,
		batch: 1000, staged: make(chan struct{}, 1), sequenced: make(chan struct{}), stopped: make(chan struct{}),
	}
}

// Observe has f told, for every event the sequencer of this process gives
// a position, its type and the time from its change to its position; set
// before Run (metrics).
func (s *Service) Observe(f func(typ string, lag time.Duration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe = f
}

var errNoType = errors.New("event: a change needs a known type, a resource type and a resource ID")

// Record stages the event of change c made by p with the change carried by
// ctx, so that it commits with the change or not at all, and wakes the
// sequencer. The request ID comes from ctx (audit.WithRequestID).
func (s *Service) Record(ctx context.Context, p identity.Principal, c Change) (err error) {
	defer apperr.Wrap(&err, "event.Service.Record")
	if !Known(c.Type) || c.ResourceType == "" || c.ResourceID == "" {
		return errNoType
	}
	e := Event{
		ID: s.newID(), Type: c.Type, At: s.now().UTC().Truncate(time.Microsecond),
		Actor: p.Name, ActorID: p.Subject, ActorDept: p.Department,
		ResourceType: c.ResourceType, ResourceID: c.ResourceID, ProjectID: c.ProjectID, Version: c.Version,
		Changes: encodeChanges(c.Changes), Departments: Departments(c.Departments...), RequestID: audit.RequestIDFrom(ctx),
	}
	if err := s.store.Append(ctx, e); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Wake tells the sequencer that events were staged or committed: called
// after a commit, it lets their positions be given without waiting for the
// next tick.
func (s *Service) Wake() {
	select {
	case s.staged <- struct{}{}:
	default:
	}
}

// Departments returns the department codes given, without empty ones or
// repeats, in order.
func Departments(codes ...string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Diff returns the members of after whose values differ from before's (all
// of after when before is nil), leaving out version and updated_at, which
// the event tells by its version and time. Both are snapshots as the audit
// trail records them: maps keyed by wire names.
func Diff(before, after map[string]any) map[string]any {
	out := make(map[string]any, 4)
	for k, v := range after {
		if k == "version" || k == "updated_at" {
			continue
		}
		if old, ok := before[k]; before == nil || !ok || !same(old, v) {
			out[k] = v
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok && after != nil {
			out[k] = nil
		}
	}
	return out
}

// same compares two snapshot values: the common kinds directly, the rest
// (pointers, slices, times) by reflection.
func same(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return reflect.DeepEqual(a, b)
}
