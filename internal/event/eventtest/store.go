// Package eventtest holds an in-memory event.Store and the contract every
// event.Store passes, run on it and on the SQL store of both databases.
package eventtest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/event"
)

// Memory is an in-memory event.Store: what is appended is committed at
// once, and positions are given in the order of appending.
type Memory struct {
	mu      sync.Mutex
	pending []event.Event
	events  []event.Event
	head    int64
}

var _ event.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{} }

// Append keeps e as committed, without a position.
func (m *Memory) Append(_ context.Context, e event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Departments = slices.Clone(e.Departments)
	m.pending = append(m.pending, e)
	return nil
}

// Sequence gives up to limit pending events the next positions.
func (m *Memory) Sequence(_ context.Context, limit int, _ time.Time) ([]event.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(limit, len(m.pending))
	out := make([]event.Event, n)
	for i := range n {
		m.head++
		e := m.pending[i]
		e.Position = m.head
		m.events = append(m.events, e)
		out[i] = e
	}
	m.pending = m.pending[n:]
	return out, nil
}

// List returns sequenced events after q.After that q admits, in position
// order.
func (m *Memory) List(_ context.Context, q event.Query) ([]event.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if q.Limit <= 0 {
		q.Limit = event.DefaultLimit
	}
	out := []event.Event{}
	for _, e := range m.events {
		if len(out) == q.Limit {
			break
		}
		if e.Position > q.After && (len(q.Types) == 0 || slices.Contains(q.Types, e.Type)) &&
			(q.Department == "" || e.Entitled(q.Department)) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Bounds returns the oldest and newest positions kept.
func (m *Memory) Bounds(context.Context) (int64, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 {
		return 0, 0, nil
	}
	return m.events[0].Position, m.events[len(m.events)-1].Position, nil
}

// Expire deletes the events before the first made at or after before,
// keeping the newest.
func (m *Memory) Expire(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := max(len(m.events)-1, 0)
	if i := slices.IndexFunc(m.events, func(e event.Event) bool { return !e.At.Before(before) }); i >= 0 {
		keep = i
	}
	m.events = m.events[keep:]
	return keep, nil
}
