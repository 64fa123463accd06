package webhook_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

// countingFeed counts the fan-outs' reads of the feed.
type countingFeed struct {
	*webhooktest.Feed
	lists atomic.Int64
}

func (f *countingFeed) List(ctx context.Context, q event.Query) ([]event.Event, error) {
	f.lists.Add(1)
	return f.Feed.List(ctx, q)
}

// TestRunWithoutWebhooksLetsWakesPass: while there are no webhooks, the
// sequencer's wakes do not make fan-outs (the interval's do); the first
// webhook wakes the worker itself, and then a wake delivers at once.
func TestRunWithoutWebhooksLetsWakesPass(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feed := &countingFeed{Feed: h.feed}
	h.svc = webhook.NewService(webhook.Deps{Store: h.mem, Queue: h.mem, Feed: feed, Tx: webhooktest.Tx{},
		Auditor: h.audit, Sender: h.recv, Targets: webhook.Targets{AllowPrivate: true}, Owners: h.owners,
		Render: func(e event.Event) ([]byte, error) { return json.Marshal(map[string]any{"id": e.ID}) },
		Now:    h.clock.now, NewID: uuid.NewString,
	}, webhook.Settings{Schedule: schedule, Overlap: time.Hour, Lease: time.Minute, Batch: 10, Senders: 4, Interval: time.Hour})
	h.commit(event.ProjectCreated, "p1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.svc.Run(ctx, func(err error) { t.Error(err) }) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { return feed.lists.Load() == 1 }, 30*time.Second, time.Millisecond, "the first pass")

	for range 20 {
		h.commit(event.ProjectCreated, "p2")
		h.svc.Wake()
		time.Sleep(10 * time.Millisecond) // more than a wake's settle
	}
	assert.Equal(t, int64(1), feed.lists.Load(), "no webhooks: wakes make no fan-out")

	h.clock.advance(time.Second) // the webhook is made after the events so far
	h.subscribe(t, bureau)
	require.Eventually(t, func() bool { return feed.lists.Load() > 1 }, 30*time.Second, time.Millisecond, "a new webhook wakes the worker")
	h.commit(event.ProjectCreated, "p3")
	h.svc.Wake()
	require.Eventually(t, func() bool { return len(h.recv.got()) == 1 }, 30*time.Second, time.Millisecond)
}
