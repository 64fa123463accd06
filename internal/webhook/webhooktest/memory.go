// Package webhooktest holds an in-memory webhook store and queue, a feed of
// events, a transactor, and the contract suite that the in-memory store and
// the SQL store (on SQLite and PostgreSQL) both pass. Only tests import it.
package webhooktest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/webhook"
)

// Memory is webhook.Store and webhook.Queue in memory.
type Memory struct {
	mu     sync.Mutex
	subs   []webhook.Subscription
	ds     []webhook.Delivery
	seq    int64
	cursor int64
	leases map[int64]time.Time // a claimed delivery's lease end, by Seq
}

var (
	_ webhook.Store = (*Memory)(nil)
	_ webhook.Queue = (*Memory)(nil)
)

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{leases: map[int64]time.Time{}} }

func (m *Memory) find(dept, id string) int {
	return slices.IndexFunc(m.subs, func(s webhook.Subscription) bool {
		return s.ID == id && (dept == "" || s.Department == dept)
	})
}

// Create implements webhook.Store.
func (m *Memory) Create(_ context.Context, s webhook.Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.find("", s.ID) >= 0 {
		return apperr.ErrConflict
	}
	m.subs = append(m.subs, s)
	return nil
}

// Get implements webhook.Store.
func (m *Memory) Get(_ context.Context, dept, id string) (webhook.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(dept, id)
	if i < 0 {
		return webhook.Subscription{}, apperr.ErrNotFound
	}
	return m.subs[i], nil
}

// List implements webhook.Store.
func (m *Memory) List(_ context.Context, dept string) ([]webhook.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []webhook.Subscription{}
	for _, s := range m.subs {
		if dept == "" || s.Department == dept {
			out = append(out, s)
		}
	}
	return out, nil
}

// Update implements webhook.Store.
func (m *Memory) Update(_ context.Context, dept, id string, change func(*webhook.Subscription) error) (webhook.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(dept, id)
	if i < 0 {
		return webhook.Subscription{}, apperr.ErrNotFound
	}
	s := m.subs[i]
	s.Types = slices.Clone(s.Types)
	if err := change(&s); err != nil {
		return webhook.Subscription{}, err
	}
	m.subs[i] = s
	return s, nil
}

// Delete implements webhook.Store.
func (m *Memory) Delete(_ context.Context, dept, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(dept, id)
	if i < 0 {
		return apperr.ErrNotFound
	}
	m.subs = slices.Delete(m.subs, i, i+1)
	m.ds = slices.DeleteFunc(m.ds, func(d webhook.Delivery) bool { return d.SubscriptionID == id })
	return nil
}

// Cursor implements webhook.Queue.
func (m *Memory) Cursor(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursor, nil
}

// Enqueue implements webhook.Queue.
func (m *Memory) Enqueue(_ context.Context, upTo int64, ds []webhook.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range ds {
		if slices.ContainsFunc(m.ds, func(o webhook.Delivery) bool {
			return o.SubscriptionID == d.SubscriptionID && o.EventID == d.EventID
		}) {
			return apperr.ErrConflict
		}
	}
	for _, d := range ds {
		m.seq++
		d.Seq = m.seq
		m.ds = append(m.ds, d)
	}
	m.cursor = max(m.cursor, upTo)
	return nil
}

func (m *Memory) paused(id string) bool {
	i := m.find("", id)
	return i < 0 || m.subs[i].Paused
}

// head reports whether d is the oldest undelivered delivery of its key,
// and no delivery of its key is held at now.
func (m *Memory) head(d webhook.Delivery, now time.Time) bool {
	return !slices.ContainsFunc(m.ds, func(o webhook.Delivery) bool {
		lease, held := m.leases[o.Seq]
		return o.SubscriptionID == d.SubscriptionID && o.ProjectID == d.ProjectID && !o.Delivered() &&
			(o.Seq < d.Seq || (held && !lease.Before(now)))
	})
}

// Claim implements webhook.Queue.
func (m *Memory) Claim(_ context.Context, now, until time.Time, token string, limit int) ([]webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []int
	for i, d := range m.ds {
		lease, held := m.leases[d.Seq]
		if d.Delivered() || m.paused(d.SubscriptionID) || d.NextAttemptAt.After(now) ||
			(held && !lease.Before(now)) || !m.head(d, now) {
			continue
		}
		due = append(due, i)
	}
	slices.SortStableFunc(due, func(a, b int) int { return m.ds[a].NextAttemptAt.Compare(m.ds[b].NextAttemptAt) })
	var out []webhook.Delivery
	for _, i := range due[:min(limit, len(due))] {
		m.ds[i].LeaseToken = token
		m.leases[m.ds[i].Seq] = until
		out = append(out, m.ds[i])
	}
	slices.SortFunc(out, func(a, b webhook.Delivery) int { return int(a.Seq - b.Seq) })
	return out, nil
}

// Record implements webhook.Queue.
func (m *Memory) Record(_ context.Context, o webhook.Outcome) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.ds, func(d webhook.Delivery) bool { return d.ID == o.DeliveryID && d.LeaseToken == o.LeaseToken })
	if i < 0 {
		return false, nil
	}
	d := &m.ds[i]
	delete(m.leases, d.Seq)
	if d.Generation != o.Generation {
		d.LeaseToken = ""
		return false, nil
	}
	d.LeaseToken, d.Attempts, d.LastAttemptAt, d.LastStatus, d.LastError = "", d.Attempts+1, o.At, o.Status, o.Error
	if o.Delivered {
		d.DeliveredAt = o.At
		return true, nil
	}
	d.NextAttemptAt, d.FirstFailedAt = o.NextAttemptAt, o.FirstFailedAt
	if s := m.find("", d.SubscriptionID); o.PauseReason != "" && s >= 0 && !m.subs[s].Paused {
		sub := &m.subs[s]
		sub.Paused, sub.PausedReason, sub.PausedAt, sub.Version, sub.UpdatedAt = true, o.PauseReason, o.At, sub.Version+1, o.At
		sub.MissedFrom = 0
	}
	return true, nil
}

// Deliveries implements webhook.Queue.
func (m *Memory) Deliveries(_ context.Context, subscriptionID string, q webhook.DeliveryQuery) (webhook.DeliveryPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var page webhook.DeliveryPage
	for i := len(m.ds) - 1; i >= 0; i-- {
		d := m.ds[i]
		if d.SubscriptionID != subscriptionID || (q.Before > 0 && d.Seq >= q.Before) {
			continue
		}
		if len(page.Items) == q.Limit {
			page.Next = page.Items[len(page.Items)-1].Seq
			break
		}
		page.Items = append(page.Items, d)
	}
	return page, nil
}

// Redeliver implements webhook.Queue.
func (m *Memory) Redeliver(_ context.Context, subscriptionID, id string, now time.Time) (webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.ds, func(d webhook.Delivery) bool { return d.ID == id && d.SubscriptionID == subscriptionID })
	if i < 0 {
		return webhook.Delivery{}, apperr.ErrNotFound
	}
	d := &m.ds[i]
	d.DeliveredAt, d.NextAttemptAt, d.FirstFailedAt, d.Attempts = time.Time{}, now, time.Time{}, 0
	d.Generation++
	return *d, nil
}

// Resume implements webhook.Queue.
func (m *Memory) Resume(_ context.Context, subscriptionID string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.ds {
		if d := &m.ds[i]; d.SubscriptionID == subscriptionID && !d.Delivered() {
			d.NextAttemptAt, d.FirstFailedAt, d.Attempts = now, time.Time{}, 0
			d.Generation++
		}
	}
	return nil
}

// Oldest implements webhook.Queue.
func (m *Memory) Oldest(context.Context) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var oldest time.Time
	for _, d := range m.ds {
		if !d.Delivered() && !m.paused(d.SubscriptionID) && (oldest.IsZero() || d.CreatedAt.Before(oldest)) {
			oldest = d.CreatedAt
		}
	}
	return oldest, !oldest.IsZero(), nil
}

// Purge implements webhook.Queue.
func (m *Memory) Purge(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.ds)
	m.ds = slices.DeleteFunc(m.ds, func(d webhook.Delivery) bool { return d.Delivered() && d.DeliveredAt.Before(before) })
	return int64(n - len(m.ds)), nil
}

// Feed is a change feed in memory: events appended are sequenced at once.
type Feed struct {
	mu     sync.Mutex
	events []event.Event
}

// Append sequences e after the events before it and returns it.
func (f *Feed) Append(e event.Event) event.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.Position = 1
	if len(f.events) > 0 {
		e.Position = f.events[len(f.events)-1].Position + 1
	}
	f.events = append(f.events, e)
	return e
}

// Expire drops the events up to position upTo, as the feed's retention
// does.
func (f *Feed) Expire(upTo int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = slices.DeleteFunc(f.events, func(e event.Event) bool { return e.Position <= upTo })
}

// List implements webhook.Feed.
func (f *Feed) List(_ context.Context, q event.Query) ([]event.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []event.Event
	for _, e := range f.events {
		if e.Position > q.After && (q.Department == "" || e.Entitled(q.Department)) && len(out) < q.Limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// Tx runs fn at once: the in-memory store has no transactions.
type Tx struct{}

// InTx implements webhook.Transactor.
func (Tx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

// Auditor records the actions of the entries appended.
type Auditor struct {
	mu      sync.Mutex
	Actions []string
}

// Append implements webhook.Auditor.
func (a *Auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Actions = append(a.Actions, r.Action)
	return nil
}
