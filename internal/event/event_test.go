package event_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventtest"
	"github.com/guangling/pipeline/internal/identity"
)

var (
	start   = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	bureau  = identity.Principal{Subject: "u1", Name: "bureau", Role: identity.RoleBureau}
	leader  = identity.Principal{Subject: "u2", Name: "leader", Role: identity.RoleLeader}
	energy  = identity.Principal{Subject: "u3", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	orphan  = identity.Principal{Subject: "u4", Name: "nobody", Role: identity.RoleDeptEditor}
	system  = identity.Principal{Subject: "c1", Name: "energy-system", Role: identity.RoleDeptEditor, Department: "energy", ClientID: "c1", Scopes: []string{identity.ScopeEventsRead}}
	blinded = identity.Principal{Subject: "c2", Name: "reader", Role: identity.RoleDeptEditor, Department: "energy", ClientID: "c2", Scopes: []string{identity.ScopeProjectsRead}}
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newService(t *testing.T) (*event.Service, *clock) {
	t.Helper()
	c := &clock{t: start}
	return event.NewService(eventtest.NewMemory(), c.now, 0), c
}

func change(id string, depts ...string) event.Change {
	return event.Change{Type: event.ProjectUpdated, ResourceType: "project", ResourceID: id, ProjectID: id, Version: 2,
		Changes: map[string]any{"leader": "王县长"}, Departments: depts}
}

func record(t *testing.T, s *event.Service, changes ...event.Change) {
	t.Helper()
	for _, c := range changes {
		require.NoError(t, s.Record(context.Background(), bureau, c))
	}
	_, err := s.Flush(context.Background())
	require.NoError(t, err)
}

func ids(p event.Page) []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e.ResourceID)
	}
	return out
}

func TestRecord(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	for _, c := range []event.Change{
		{Type: "project.deleted", ResourceType: "project", ResourceID: "p1"},
		{Type: event.ProjectCreated, ResourceID: "p1"},
		{Type: event.ProjectCreated, ResourceType: "project"},
	} {
		assert.Error(t, s.Record(context.Background(), bureau, c), "%+v", c)
	}
	ctx := context.Background()
	require.NoError(t, s.Record(ctx, energy, change("p1", "energy", "", "water", "energy")))
	n, err := s.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	page, err := s.Read(ctx, bureau, event.Query{}, 0)
	require.NoError(t, err)
	require.Len(t, page.Events, 1)
	e := page.Events[0]
	assert.Equal(t, []string{"energy", "water"}, e.Departments, "without empties and repeats")
	assert.JSONEq(t, `{"leader":"王县长"}`, string(e.Changes))
	assert.Equal(t, "energy_viewer", e.Actor)
	assert.Equal(t, "energy", e.ActorDept)
	assert.Equal(t, start, e.At)
	assert.NotEmpty(t, e.ID)
	assert.Equal(t, int64(1), page.Head)
}

func TestReadScope(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	record(t, s, change("ours", "energy"), change("theirs", "industry"), change("shared", "industry", "energy"))
	for _, tc := range []struct {
		name string
		p    identity.Principal
		want []string
		kind apperr.Kind
	}{
		{"the bureau reads all", bureau, []string{"ours", "theirs", "shared"}, 0},
		{"a leader too", leader, []string{"ours", "theirs", "shared"}, 0},
		{"a department what it is entitled to", energy, []string{"ours", "shared"}, 0},
		{"a client with events:read", system, []string{"ours", "shared"}, 0},
		{"a client without it", blinded, nil, apperr.Forbidden},
		{"a department principal without a department", orphan, nil, apperr.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Read(context.Background(), tc.p, event.Query{Department: "industry"}, 0)
			if tc.kind != 0 {
				assert.Equal(t, tc.kind, apperr.KindOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, ids(page))
		})
	}
}

func TestReadCursor(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	ctx := context.Background()
	record(t, s, change("a", "energy"), change("b", "energy"))
	c.set(start.Add(time.Hour))
	record(t, s, change("c", "energy"))
	page, err := s.Read(ctx, bureau, event.Query{After: event.Latest}, 0)
	require.NoError(t, err)
	assert.Empty(t, page.Events)
	assert.Equal(t, int64(3), page.Head)
	page, err = s.Read(ctx, bureau, event.Query{After: 1, Limit: 1000}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "c"}, ids(page))
	_, err = s.Read(ctx, bureau, event.Query{After: 4}, 0)
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "ahead of the head")

	c.set(start.Add(event.DefaultRetention + time.Minute))
	n, err := s.Expire(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for _, after := range []int64{0, 1} {
		_, err = s.Read(ctx, energy, event.Query{After: after}, 0)
		assert.ErrorIs(t, err, event.ErrExpired, "after %d", after)
	}
	page, err = s.Read(ctx, energy, event.Query{After: 2}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, ids(page))
}

// TestReadNext: a reader of one department or of some types moves past the
// events of others, so that its cursor neither rescans them nor ages out of
// what the feed keeps while it has missed nothing; a full page ends at its
// last event.
func TestReadNext(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	ctx := context.Background()
	record(t, s, change("ours", "energy"), change("theirs", "industry"), change("theirs too", "industry"))
	page, err := s.Read(ctx, energy, event.Query{}, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"ours"}, ids(page))
	assert.Equal(t, int64(3), page.Next, "past the other department's events")
	page, err = s.Read(ctx, bureau, event.Query{Limit: 2}, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(2), page.Next, "a full page ends at its last event")

	c.set(start.Add(event.DefaultRetention + time.Minute))
	record(t, s, change("later", "industry"))
	_, err = s.Expire(ctx)
	require.NoError(t, err)
	page, err = s.Read(ctx, energy, event.Query{After: 3}, 0)
	require.NoError(t, err, "a quiet department that missed nothing is not expired")
	assert.Empty(t, page.Events)
	assert.Equal(t, int64(4), page.Next)
}

func TestReadWaits(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go s.Run(ctx, func(err error) { t.Errorf("sequence: %v", err) })
	got := make(chan event.Page, 1)
	go func() {
		page, err := s.Read(ctx, energy, event.Query{}, event.MaxWait)
		assert.NoError(t, err)
		got <- page
	}()
	require.NoError(t, s.Record(ctx, bureau, change("elsewhere", "industry")))
	require.NoError(t, s.Record(ctx, bureau, change("ours", "energy")))
	select {
	case page := <-got:
		assert.Equal(t, []string{"ours"}, ids(page), "what the department is not entitled to does not end the wait")
	case <-time.After(25 * time.Second):
		t.Fatal("the wait did not end with the event")
	}

	cut, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(cut, energy, event.Query{After: event.Latest}, event.MaxWait)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a reader that leaves gets an empty page")
	case <-time.After(25 * time.Second):
		t.Fatal("the wait did not end when its reader left")
	}
}

func TestObserve(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	var mu sync.Mutex
	seen := map[string]time.Duration{}
	s.Observe(func(typ string, lag time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		seen[typ] += lag
	})
	require.NoError(t, s.Record(context.Background(), bureau, change("a")))
	c.set(start.Add(40 * time.Millisecond))
	_, err := s.Flush(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Duration{event.ProjectUpdated: 40 * time.Millisecond}, seen)
}

func TestDiff(t *testing.T) {
	t.Parallel()
	day := "2021-05-01"
	other := "2021-05-01"
	at := start
	for _, tc := range []struct {
		name          string
		before, after map[string]any
		want          map[string]any
	}{
		{"a creation: every field", nil, map[string]any{"name": "a", "version": 1, "code": nil},
			map[string]any{"name": "a", "code": nil}},
		{"only what changed, without version and updated_at",
			map[string]any{"name": "a", "stage": "planning", "version": 1, "updated_at": at, "n": 1, "ok": true},
			map[string]any{"name": "a", "stage": "signed", "version": 2, "updated_at": at.Add(time.Second), "n": 1, "ok": true},
			map[string]any{"stage": "signed"}},
		{"pointers by what they point to", map[string]any{"on": &day, "t": at}, map[string]any{"on": &other, "t": at.UTC()},
			map[string]any{}},
		{"a field cleared", map[string]any{"on": &day}, map[string]any{"on": (*string)(nil)},
			map[string]any{"on": (*string)(nil)}},
		{"a field gone", map[string]any{"gone": 1, "n": 1}, map[string]any{"n": 2}, map[string]any{"gone": nil, "n": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, event.Diff(tc.before, tc.after))
		})
	}
}

func TestEntitled(t *testing.T) {
	t.Parallel()
	e := event.Event{Departments: []string{"energy", "water"}}
	assert.True(t, e.Entitled("energy"))
	assert.False(t, e.Entitled("industry"))
	assert.False(t, e.Entitled(""))
	assert.True(t, event.Known(event.IssueResolved))
	assert.False(t, event.Known("issue.deleted"))
}

// TestStopEndsWaits: when the sequencer stops, as the service shuts down,
// a long poll answers at once with what there is.
func TestStopEndsWaits(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		s.Run(ctx, func(err error) { t.Errorf("sequence: %v", err) })
		close(ran)
	}()
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(context.Background(), bureau, event.Query{After: event.Latest}, event.MaxWait)
		done <- err
	}()
	stop()
	<-ran
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(25 * time.Second):
		t.Fatal("the wait did not end when the sequencer stopped")
	}
}

// TestReadWaitsForAnotherReplica: a waiting reader learns of positions
// another replica gave, from the newest position checked once a second, and
// passes over positions it may not see.
func TestReadWaitsForAnotherReplica(t *testing.T) {
	t.Parallel()
	store := eventtest.NewMemory()
	c := &clock{t: start}
	here, there := event.NewService(store, c.now, 0), event.NewService(store, c.now, 0)
	got := make(chan event.Page, 1)
	go func() {
		page, err := here.Read(context.Background(), energy, event.Query{}, event.MaxWait)
		assert.NoError(t, err)
		got <- page
	}()
	record(t, there, change("elsewhere", "industry"))
	time.Sleep(1500 * time.Millisecond) // past one check: the reader moves on to position 1
	record(t, there, change("ours", "energy"))
	select {
	case page := <-got:
		assert.Equal(t, []string{"ours"}, ids(page))
		assert.Equal(t, int64(2), page.Next)
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not learn of the other replica's positions")
	}
}

// countingStore counts the reads of waiting readers.
type countingStore struct {
	event.Store
	windows, bounds atomic.Int64
}

func (s *countingStore) Window(ctx context.Context, q event.Query) (event.Window, error) {
	s.windows.Add(1)
	return s.Store.Window(ctx, q)
}

func (s *countingStore) Bounds(ctx context.Context) (int64, int64, error) {
	s.bounds.Add(1)
	return s.Store.Bounds(ctx)
}

// TestWaitingReadersShareOneCheck: however many readers wait, this process
// checks for other replicas' positions once a second, and a reader reads
// its page again only when there may be something new.
func TestWaitingReadersShareOneCheck(t *testing.T) {
	t.Parallel()
	store := &countingStore{Store: eventtest.NewMemory()}
	s := event.NewService(store, (&clock{t: start}).now, 0)
	const readers = 10
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			_, err := s.Read(context.Background(), energy, event.Query{}, 2500*time.Millisecond)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(readers), store.windows.Load(), "one read each: nothing came")
	assert.LessOrEqual(t, store.bounds.Load(), int64(5), "checks shared, about one a second")
}
