package audit

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// view stands for a resource that a package snapshots as a struct.
type view struct {
	Name    string   `json:"name"`
	Stage   string   `json:"stage"`
	Tags    []string `json:"tags"`
	Version int      `json:"version"`
}

// TestSides: an entry keeps only the members a change changed when it has
// an object on both sides, and the whole resource otherwise.
func TestSides(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name          string
		before, after any
		keep          []string
		wantB, wantA  string
		format        Format
	}{
		{name: "a move keeps what it changed",
			before: map[string]any{"id": "p1", "name": "晨风风电", "stage": "signed", "started_on": nil, "version": 3, "updated_at": day},
			after:  map[string]any{"id": "p1", "name": "晨风风电", "stage": "started", "started_on": "2026-12-07", "version": 4, "updated_at": day.Add(time.Second)},
			wantB:  `{"stage":"signed","started_on":null,"updated_at":"2026-12-07T08:00:00Z","version":3}`,
			wantA:  `{"stage":"started","started_on":"2026-12-07","updated_at":"2026-12-07T08:00:01Z","version":4}`,
			format: FormatChanges},
		{name: "a member added and one removed",
			before: map[string]any{"id": "p1", "gone": 1.5},
			after:  map[string]any{"id": "p1", "new": []any{"a"}},
			wantB:  `{"gone":1.5}`, wantA: `{"new":["a"]}`, format: FormatChanges},
		{name: "nested values compare whole",
			before: map[string]any{"reasons": []string{"late"}, "id": "p1"},
			after:  map[string]any{"reasons": []string{"late", "blocked"}, "id": "p1"},
			wantB:  `{"reasons":["late"]}`, wantA: `{"reasons":["late","blocked"]}`, format: FormatChanges},
		{name: "members kept whether changed or not",
			before: map[string]any{"period": "2021-05", "completed_yuan": 100, "state": "submitted"},
			after:  map[string]any{"period": "2021-05", "completed_yuan": 150, "state": "submitted"}, keep: []string{"period", "absent"},
			wantB: `{"completed_yuan":100,"period":"2021-05"}`, wantA: `{"completed_yuan":150,"period":"2021-05"}`, format: FormatChanges},
		{name: "nothing changed", before: map[string]any{"id": "p1"}, after: map[string]any{"id": "p1"},
			wantB: `{}`, wantA: `{}`, format: FormatChanges},
		{name: "structs compare by their JSON members",
			before: view{Name: "a", Stage: "signed", Tags: []string{"x"}, Version: 1},
			after:  &view{Name: "a", Stage: "started", Tags: []string{"x"}, Version: 2},
			wantB:  `{"stage":"signed","version":1}`, wantA: `{"stage":"started","version":2}`, format: FormatChanges},
		{name: "a creation keeps the whole resource", after: map[string]any{"id": "p1", "version": 1},
			wantB: `null`, wantA: `{"id":"p1","version":1}`, format: FormatSnapshots},
		{name: "a removal keeps the whole resource", before: view{Name: "a", Version: 2},
			wantB: `{"name":"a","stage":"","tags":null,"version":2}`, wantA: `null`, format: FormatSnapshots},
		{name: "a typed nil is no object", before: (*view)(nil), after: &view{Name: "a"},
			wantB: `null`, wantA: `{"name":"a","stage":"","tags":null,"version":0}`, format: FormatSnapshots},
		{name: "lists keep the whole", before: []any{1, 2}, after: []any{1, 3},
			wantB: `[1,2]`, wantA: `[1,3]`, format: FormatSnapshots},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, a, f, err := sides(c.before, c.after, c.keep...)
			require.NoError(t, err)
			assert.Equal(t, c.wantB, string(b))
			assert.Equal(t, c.wantA, string(a))
			assert.Equal(t, c.format, f)
		})
	}
	_, _, _, err := sides(map[string]any{"n": 1}, map[string]any{"n": uint64(1<<63 + 1)})
	assert.Error(t, err, "a number that cannot be sealed exactly is refused in a change too")
}

// replay is the rule of docs/audit.md ("Reading it"): a resource's state at
// an entry is its last whole snapshot with the members of each later entry
// of changes set over it, and those that its before has and its after has
// not removed.
func replay(t *testing.T, entries []Entry) map[string]json.RawMessage {
	t.Helper()
	var state map[string]json.RawMessage
	for _, e := range entries {
		var b, a map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(e.Before, &b))
		require.NoError(t, json.Unmarshal(e.After, &a))
		if e.Format != FormatChanges {
			state = a
			continue
		}
		for k := range b {
			delete(state, k)
		}
		for k, v := range a {
			state[k] = v
		}
	}
	return state
}

// TestChangesReplayToTheSnapshots: the changed members of a run of changes,
// applied to the creation's snapshot, give at each entry the resource that
// a whole snapshot would have shown.
func TestChangesReplayToTheSnapshots(t *testing.T) {
	t.Parallel()
	store := &stager{}
	svc := NewService(store, func() time.Time { return at })
	states := []map[string]any{
		{"id": "p1", "name": "晨风", "stage": "signed", "capacity": 50.0, "version": 1, "note": nil},
		{"id": "p1", "name": "晨风风电", "stage": "signed", "capacity": 50.0, "version": 2, "note": nil},
		{"id": "p1", "name": "晨风风电", "stage": "started", "capacity": 50.0, "version": 3, "note": "开工"},
		{"id": "p1", "name": "晨风风电", "stage": "started", "capacity": 99.875, "version": 4},
	}
	for i, s := range states {
		r := Record{Action: "project.update", ResourceType: "project", ResourceID: "p1", After: s}
		if i > 0 {
			r.Before = states[i-1]
		}
		require.NoError(t, svc.Append(context.Background(), bureau, r))
	}
	require.Len(t, store.entries, len(states))
	assert.Equal(t, FormatSnapshots, store.entries[0].Format)
	for i := 1; i < len(states); i++ {
		assert.Equal(t, FormatChanges, store.entries[i].Format)
		want, err := snapshot(states[i])
		require.NoError(t, err)
		got, err := json.Marshal(replay(t, store.entries[:i+1]))
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), "the state at entry %d", i+1)
	}
}

// stager keeps what Append stages.
type stager struct {
	walker
	entries []Entry
}

func (s *stager) Append(_ context.Context, e Entry) error {
	s.entries = append(s.entries, e)
	return nil
}
