package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/webhook"
)

// Events that expire from the feed before the fan-out reads them are never
// lost without a word: the webhooks that may have missed them are paused
// with the reason, and the fan-out reports it, once.
func TestEventsExpiredUnreadPauseTheWebhooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	before := h.subscribe(t, bureau)
	paused := h.subscribe(t, energy)
	_, err := h.svc.Update(ctx, energy, paused.ID, 1, webhook.Change{Paused: ptr(true), PausedReason: ptr("maintenance")})
	require.NoError(t, err)
	h.commit(event.ProjectCreated, "p1")
	h.commit(event.ProjectUpdated, "p1")
	h.clock.advance(time.Minute)
	h.commit(event.ProjectUpdated, "p2")
	h.clock.advance(time.Minute)
	after := h.subscribe(t, bureau) // registered after the oldest event kept
	h.feed.Expire(2)

	_, err = h.svc.FanOut(ctx)
	require.ErrorIs(t, err, webhook.ErrEventsLost)
	assert.Contains(t, err.Error(), "positions 1 to 2; 1 webhooks paused")
	got, err := h.svc.Get(ctx, bureau, before.ID)
	require.NoError(t, err)
	assert.True(t, got.Paused)
	assert.Contains(t, got.PausedReason, "events at positions 1 to 2 expired before they were delivered")
	got, err = h.svc.Get(ctx, bureau, paused.ID)
	require.NoError(t, err)
	assert.Equal(t, "maintenance", got.PausedReason, "a paused webhook keeps its reason")
	got, err = h.svc.Get(ctx, bureau, after.ID)
	require.NoError(t, err)
	assert.False(t, got.Paused, "registered after what expired: it missed nothing")

	n, err := h.svc.FanOut(ctx)
	require.NoError(t, err, "told once")
	assert.Zero(t, n)
	page, err := h.svc.Deliveries(ctx, bureau, before.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "what was kept waits for the resume")
}

func TestEventsExpiredBeforeAnyWebhookAreNoLoss(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.commit(event.ProjectCreated, "p1")
	h.commit(event.ProjectCreated, "p2")
	h.clock.advance(time.Minute)
	h.feed.Expire(1)
	h.subscribe(t, bureau)
	_, err := h.svc.FanOut(context.Background())
	require.NoError(t, err)
}

// A webhook paused for longer than the give-up window stops collecting
// deliveries, and says from which position of the feed it missed events;
// what it collected before waits for the resume.
func TestPausedLongerThanTheWindowStopsCollecting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	sub := h.subscribe(t, bureau)
	sub, err := h.svc.Update(ctx, bureau, sub.ID, 1, webhook.Change{Paused: ptr(true)})
	require.NoError(t, err)
	h.clock.advance(5 * time.Second)
	kept := h.commit(event.ProjectCreated, "p1")
	h.clock.advance(10 * time.Second) // 15 s after the pause: past the window of 10 s
	first := h.commit(event.ProjectUpdated, "p1")
	h.commit(event.ProjectUpdated, "p2")
	assert.Zero(t, h.round(t))
	h.commit(event.ProjectUpdated, "p3")
	assert.Zero(t, h.round(t))

	got, err := h.svc.Get(ctx, bureau, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, first.Position, got.MissedFrom, "the first position it was not given")
	assert.Equal(t, sub.Version+1, got.Version)
	page, err := h.svc.Deliveries(ctx, bureau, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "only what was made within the window waits")
	assert.Equal(t, kept.ID, page.Items[0].EventID)

	resumed, err := h.svc.Update(ctx, bureau, sub.ID, got.Version, webhook.Change{Paused: ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, first.Position, resumed.MissedFrom, "the resume says from where events were missed")
	require.Equal(t, 1, h.round(t))
	next := h.commit(event.ProjectArchived, "p1")
	require.Equal(t, 1, h.round(t))
	calls := h.recv.got()
	require.Len(t, calls, 2)
	assert.Equal(t, next.Type, calls[1].header[webhook.HeaderEvent], "collecting again once resumed")

	repaused, err := h.svc.Update(ctx, bureau, sub.ID, resumed.Version, webhook.Change{Paused: ptr(true)})
	require.NoError(t, err)
	assert.Zero(t, repaused.MissedFrom, "a new pause starts afresh")
}
