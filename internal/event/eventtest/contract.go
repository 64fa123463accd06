package eventtest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
)

// Contract runs the rules every event.Store keeps on stores that newStore
// makes, each empty.
func Contract(t *testing.T, newStore func(t *testing.T) event.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s event.Store)
	}{
		{"unsequenced events are not read", unsequenced},
		{"positions follow staging order and keep every field", staged},
		{"types, departments and limit filter", filters},
		{"expiry keeps what follows the first recent event, and the newest", expiry},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

func unsequenced(t *testing.T, s event.Store) {
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, sample(1, event.ProjectCreated, "energy")))
	evs, err := s.List(ctx, event.Query{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, evs)
	oldest, head, err := s.Bounds(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{0, 0}, [2]int64{oldest, head})
}

func staged(t *testing.T, s event.Store) {
	ctx := context.Background()
	for i := range 5 {
		require.NoError(t, s.Append(ctx, sample(i, event.ProjectUpdated, "energy", "water")))
	}
	got, err := s.Sequence(ctx, 3, at(10))
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, e := range got {
		assert.Equal(t, int64(i+1), e.Position)
		assert.Equal(t, event.ProjectUpdated, e.Type)
	}
	got, err = s.Sequence(ctx, 10, at(11))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(5), got[1].Position)
	evs, err := s.List(ctx, event.Query{After: 1, Limit: 10})
	require.NoError(t, err)
	require.Len(t, evs, 4)
	want := sample(1, event.ProjectUpdated, "energy", "water")
	want.Position = 2
	assert.Equal(t, want, normal(evs[0]))
	for i, e := range evs {
		assert.Equal(t, int64(i+2), e.Position)
	}
	oldest, head, err := s.Bounds(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{1, 5}, [2]int64{oldest, head})
}

func filters(t *testing.T, s event.Store) {
	ctx := context.Background()
	appendAll(t, s,
		sample(0, event.ProjectCreated, "energy"), sample(1, event.IssueOpened, "energy", "a_b"),
		sample(2, event.ProjectCreated, "water"), sample(3, event.ProjectArchived, "axb"),
		sample(4, event.ProjectCreated))
	for _, tc := range []struct {
		name string
		q    event.Query
		want []int64
	}{
		{"all", event.Query{Limit: 10}, []int64{1, 2, 3, 4, 5}},
		{"a limit", event.Query{Limit: 2}, []int64{1, 2}},
		{"after", event.Query{After: 3, Limit: 10}, []int64{4, 5}},
		{"a type", event.Query{Types: []string{event.ProjectCreated}, Limit: 10}, []int64{1, 3, 5}},
		{"two types", event.Query{Types: []string{event.IssueOpened, event.ProjectArchived}, Limit: 10}, []int64{2, 4}},
		{"a department", event.Query{Department: "energy", Limit: 10}, []int64{1, 2}},
		{"an underscore is no wildcard", event.Query{Department: "a_b", Limit: 10}, []int64{2}},
		{"a department entitled to none", event.Query{Department: "ener", Limit: 10}, nil},
		{"a department and a type", event.Query{Department: "energy", Types: []string{event.IssueOpened}, Limit: 10}, []int64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := s.List(ctx, tc.q)
			require.NoError(t, err)
			assert.Equal(t, tc.want, positions(evs))
		})
	}
}

func expiry(t *testing.T, s event.Store) {
	ctx := context.Background()
	appendAll(t, s, sample(0, event.ProjectCreated, "energy"), sample(1, event.ProjectCreated, "energy"),
		sample(5, event.ProjectCreated, "energy"), sample(3, event.ProjectCreated, "energy"))
	n, err := s.Expire(ctx, at(2))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	oldest, head, err := s.Bounds(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{3, 4}, [2]int64{oldest, head})
	n, err = s.Expire(ctx, at(100))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	oldest, head, err = s.Bounds(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{4, 4}, [2]int64{oldest, head}, "the newest stays")
	require.NoError(t, s.Append(ctx, sample(101, event.ProjectUpdated, "energy")))
	got, err := s.Sequence(ctx, 10, at(102))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(5), got[0].Position, "positions continue")
}

// at is minute m of a fixed day.
func at(m int) time.Time {
	return time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
}

// sample is an event made at minute i, entitled to depts.
func sample(i int, typ string, depts ...string) event.Event {
	return event.Event{
		ID: fmt.Sprintf("0190a0b0-0000-7000-8000-%012d", i), Type: typ, At: at(i),
		Actor: "energy-system", ActorID: "u1", ActorDept: "energy",
		ResourceType: "project", ResourceID: "p1", ProjectID: "p1", Version: i + 1,
		Changes: json.RawMessage(`{"stage":"started"}`), Departments: event.Departments(depts...), RequestID: "r1",
	}
}

func appendAll(t *testing.T, s event.Store, evs ...event.Event) {
	t.Helper()
	for _, e := range evs {
		require.NoError(t, s.Append(context.Background(), e))
	}
	_, err := s.Sequence(context.Background(), 100, at(1000))
	require.NoError(t, err)
}

func positions(evs []event.Event) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.Position)
	}
	return out
}

// normal is e as compared: its changes compact, its time in UTC.
func normal(e event.Event) event.Event {
	var v any
	if json.Unmarshal(e.Changes, &v) == nil {
		e.Changes, _ = json.Marshal(v)
	}
	e.At = e.At.UTC()
	return e
}
