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
