package webhook_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

// sharedHarness is a harness whose replica clock (Now) is ahead of the
// shared one (Clock) by skew, with the lease and timeout given.
func sharedHarness(t *testing.T, skew, lease, timeout time.Duration) (*harness, *clock) {
	t.Helper()
	h := &harness{mem: webhooktest.NewMemory(), feed: &webhooktest.Feed{}, recv: &receiver{},
		clock: &clock{t: webhooktest.T0.Add(skew)}, audit: &webhooktest.Auditor{}, owners: newOwners()}
	shared := &clock{t: webhooktest.T0}
	h.svc = webhook.NewService(webhook.Deps{Store: h.mem, Queue: h.mem, Feed: h.feed, Tx: webhooktest.Tx{},
		Auditor: h.audit, Sender: h.recv, Targets: webhook.Targets{AllowPrivate: true}, Owners: h.owners,
		Render: func(e event.Event) ([]byte, error) { return json.Marshal(map[string]any{"id": e.ID}) },
		Now:    h.clock.now, NewID: uuid.NewString,
		Clock: func(context.Context) (time.Time, error) { return shared.now(), nil },
	}, webhook.Settings{Schedule: schedule, Lease: lease, Timeout: timeout, Batch: 10, Senders: 4})
	return h, shared
}

// A replica whose clock is ahead judges deliveries and leases by the shared
// clock: what it fans out is due at once for every replica, and what it
// records is in the shared time.
func TestLeasesByTheSharedClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, shared := sharedHarness(t, time.Hour, time.Minute, 10*time.Second)
	sub := h.subscribe(t, bureau)
	h.recv.answer = func(call, int) (int, error) { return 503, nil }
	h.commit(event.ProjectCreated, "p1")
	require.Equal(t, 1, h.round(t))
	page, err := h.svc.Deliveries(ctx, bureau, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	d := page.Items[0]
	assert.WithinDuration(t, shared.now(), d.CreatedAt, time.Second, "fanned out in the shared time")
	assert.WithinDuration(t, shared.now(), d.LastAttemptAt, time.Second, "attempted in the shared time")
	assert.True(t, d.NextAttemptAt.Before(shared.now().Add(2*time.Second)), "the retry after the schedule's 1 s, shared")
	shared.advance(2 * time.Second)
	h.recv.answer = nil
	assert.Equal(t, 1, h.round(t), "due by the shared clock, whatever this replica's says")
}

// A claim with less than the timeout left of its lease is not sent: it
// runs out while the attempt could still run, and another sender would
// take the delivery.
func TestNoSendWithLessThanTheTimeoutLeft(t *testing.T) {
	t.Parallel()
	h, shared := sharedHarness(t, 0, time.Minute, time.Minute)
	h.subscribe(t, bureau)
	h.commit(event.ProjectCreated, "p1")
	assert.Equal(t, 1, h.round(t), "claimed")
	assert.Empty(t, h.recv.got(), "not sent")
	assert.Zero(t, h.round(t), "held until its lease ends")
	shared.advance(2 * time.Minute)
	assert.Equal(t, 1, h.round(t), "claimed again once the lease ran out")
}
