package webhooktest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/webhook"
)

// Backend is a store and queue under test, over one fresh database.
type Backend interface {
	webhook.Store
	webhook.Queue
}

// T0 is the contract's clock.
var T0 = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

// Subscription is a subscription of dept for the contract.
func Subscription(dept string) webhook.Subscription {
	return webhook.Subscription{ID: uuid.NewString(), URL: "https://receiver.example/hook", Department: dept,
		OwnerID: uuid.NewString(), OwnerName: dept + "-system", Secret: webhook.NewSecret(), Version: 1,
		CreatedAt: T0, UpdatedAt: T0}
}

// NewDelivery is a delivery of a new event of project to sub.
func NewDelivery(sub, project string, position int64) webhook.Delivery {
	return webhook.Delivery{ID: uuid.NewString(), SubscriptionID: sub, EventID: uuid.NewString(),
		EventType: "project.updated", Position: position, ProjectID: project, Body: []byte(`{"n":1}`),
		NextAttemptAt: T0, CreatedAt: T0}
}

// Contract runs the suite; open returns a fresh backend each call.
func Contract(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("subscriptions and their department scope", func(t *testing.T) { subscriptions(t, open(t)) })
	t.Run("fan-out cursor", func(t *testing.T) { cursor(t, open(t)) })
	t.Run("claims take the head of each key once", func(t *testing.T) { claims(t, open(t)) })
	t.Run("outcomes, pauses and the log", func(t *testing.T) { outcomes(t, open(t)) })
	t.Run("a redelivery waits for its key's sender", func(t *testing.T) { redeliverWhileHeld(t, open(t)) })
	t.Run("an attempt begun before a redelivery records nothing", func(t *testing.T) { staleOutcome(t, open(t)) })
}

func redeliverWhileHeld(t *testing.T, b Backend) {
	ctx := context.Background()
	sub := Subscription("")
	require.NoError(t, b.Create(ctx, sub))
	d1, d2 := NewDelivery(sub.ID, "a", 1), NewDelivery(sub.ID, "a", 2)
	require.NoError(t, b.Enqueue(ctx, 2, []webhook.Delivery{d1, d2}))
	got, err := b.Claim(ctx, T0, T0.Add(time.Minute), "one", 10)
	require.NoError(t, err)
	require.Equal(t, []string{d1.ID}, ids(got))
	_, err = b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "one", At: T0, Status: 204, Delivered: true})
	require.NoError(t, err)
	got, err = b.Claim(ctx, T0.Add(time.Second), T0.Add(time.Minute), "two", 10)
	require.NoError(t, err)
	require.Equal(t, []string{d2.ID}, ids(got))

	_, err = b.Redeliver(ctx, sub.ID, d1.ID, T0.Add(2*time.Second))
	require.NoError(t, err)
	got, err = b.Claim(ctx, T0.Add(3*time.Second), T0.Add(time.Minute), "three", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "key a is held by sender two: no second sender takes it")
	ok, err := b.Record(ctx, webhook.Outcome{DeliveryID: d2.ID, LeaseToken: "two", Generation: generation(t, b, sub.ID, d2.ID),
		At: T0.Add(4 * time.Second), Status: 204, Delivered: true})
	require.NoError(t, err)
	require.True(t, ok)
	got, err = b.Claim(ctx, T0.Add(5*time.Second), T0.Add(time.Minute), "four", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{d1.ID}, ids(got), "once the key is free, the redelivered one goes")
}

// generation is a delivery's generation, as the log shows it.
func generation(t *testing.T, b Backend, sub, id string) int {
	t.Helper()
	page, err := b.Deliveries(context.Background(), sub, webhook.DeliveryQuery{Limit: 100})
	require.NoError(t, err)
	for _, d := range page.Items {
		if d.ID == id {
			return d.Generation
		}
	}
	require.Failf(t, "no such delivery", "%s", id)
	return 0
}

// staleOutcome redelivers, and resumes, a delivery while an attempt at it
// runs: the attempt's outcome, computed from the window it was claimed
// with, neither undoes the fresh start nor pauses the subscription.
func staleOutcome(t *testing.T, b Backend) {
	ctx := context.Background()
	sub := Subscription("")
	require.NoError(t, b.Create(ctx, sub))
	d1 := NewDelivery(sub.ID, "a", 1)
	require.NoError(t, b.Enqueue(ctx, 1, []webhook.Delivery{d1}))
	for i, fresh := range []func(at time.Time) error{
		func(at time.Time) error { _, err := b.Redeliver(ctx, sub.ID, d1.ID, at); return err },
		func(at time.Time) error { return b.Resume(ctx, sub.ID, at) },
	} {
		at := T0.Add(time.Duration(24+i) * time.Hour)
		got, err := b.Claim(ctx, at, at.Add(time.Minute), "one", 10)
		require.NoError(t, err)
		require.Equal(t, []string{d1.ID}, ids(got))
		require.NoError(t, fresh(at.Add(time.Second)))
		ok, err := b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "one", Generation: got[0].Generation,
			At: at.Add(2 * time.Second), Error: "HTTP 503", Status: 503, NextAttemptAt: at, FirstFailedAt: T0, PauseReason: "gave up"})
		require.NoError(t, err)
		assert.False(t, ok, "an outcome of a claim taken before the fresh start is not recorded")
		s, err := b.Get(ctx, "", sub.ID)
		require.NoError(t, err)
		assert.False(t, s.Paused, "not paused by an attempt made before the fresh start")
		page, err := b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{})
		require.NoError(t, err)
		assert.Zero(t, page.Items[0].Attempts)
		assert.True(t, page.Items[0].FirstFailedAt.IsZero(), "the window stays afresh")
		again, err := b.Claim(ctx, at.Add(3*time.Second), at.Add(time.Minute), "two", 10)
		require.NoError(t, err)
		assert.Equal(t, []string{d1.ID}, ids(again), "the stale attempt ended its claim: sent afresh at once")
		_, err = b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "two", Generation: again[0].Generation,
			At: at.Add(4 * time.Second), Error: "HTTP 503", Status: 503, NextAttemptAt: at, FirstFailedAt: at})
		require.NoError(t, err)
	}
}

func subscriptions(t *testing.T, b Backend) {
	ctx := context.Background()
	energy, industry, bureau := Subscription("energy"), Subscription("industry"), Subscription("")
	energy.Types = []string{"project.created", "project.stage_changed"}
	energy.Description = "能源局系统"
	for _, s := range []webhook.Subscription{energy, industry, bureau} {
		require.NoError(t, b.Create(ctx, s))
	}
	got, err := b.Get(ctx, "energy", energy.ID)
	require.NoError(t, err)
	assert.Equal(t, energy, got)
	_, err = b.Get(ctx, "industry", energy.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another department's is not found")
	_, err = b.Get(ctx, "", "not-an-id")
	assert.ErrorIs(t, err, apperr.ErrNotFound)

	all, err := b.List(ctx, "")
	require.NoError(t, err)
	assert.Len(t, all, 3)
	mine, err := b.List(ctx, "energy")
	require.NoError(t, err)
	require.Len(t, mine, 1)
	assert.Equal(t, energy.ID, mine[0].ID)

	_, err = b.Update(ctx, "industry", energy.ID, func(*webhook.Subscription) error { return nil })
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = b.Update(ctx, "energy", energy.ID, func(*webhook.Subscription) error { return apperr.ErrVersionConflict })
	assert.ErrorIs(t, err, apperr.ErrVersionConflict)
	updated, err := b.Update(ctx, "energy", energy.ID, func(s *webhook.Subscription) error {
		s.PreviousSecret, s.PreviousUntil, s.Secret = s.Secret, T0.Add(time.Hour), webhook.NewSecret()
		s.Paused, s.PausedReason, s.PausedAt, s.Types = true, "maintenance", T0, nil
		s.Version++
		return nil
	})
	require.NoError(t, err)
	got, err = b.Get(ctx, "", energy.ID)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, energy.Secret, got.PreviousSecret)

	require.NoError(t, b.Enqueue(ctx, 1, []webhook.Delivery{NewDelivery(energy.ID, "p1", 1)}))
	assert.ErrorIs(t, b.Delete(ctx, "industry", energy.ID), apperr.ErrNotFound)
	page, err := b.Deliveries(ctx, energy.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused delete removes nothing")
	require.NoError(t, b.Delete(ctx, "energy", energy.ID))
	_, err = b.Get(ctx, "", energy.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	page, err = b.Deliveries(ctx, energy.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "the deliveries go with it")
}

func cursor(t *testing.T, b Backend) {
	ctx := context.Background()
	at, err := b.Cursor(ctx)
	require.NoError(t, err)
	assert.Zero(t, at)
	sub := Subscription("")
	require.NoError(t, b.Create(ctx, sub))
	require.NoError(t, b.Enqueue(ctx, 7, []webhook.Delivery{NewDelivery(sub.ID, "p1", 3), NewDelivery(sub.ID, "p1", 7)}))
	require.NoError(t, b.Enqueue(ctx, 9, nil))
	at, err = b.Cursor(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 9, at)
	require.NoError(t, b.Enqueue(ctx, 5, nil))
	at, err = b.Cursor(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 9, at, "the cursor never goes back")
	page, err := b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.EqualValues(t, 7, page.Items[0].Position, "newest first")
	assert.Greater(t, page.Items[0].Seq, page.Items[1].Seq)
}

// ids are the IDs of ds.
func ids(ds []webhook.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func claims(t *testing.T, b Backend) {
	ctx := context.Background()
	sub, paused := Subscription(""), Subscription("")
	paused.Paused = true
	require.NoError(t, b.Create(ctx, sub))
	require.NoError(t, b.Create(ctx, paused))
	a1, a2, b1 := NewDelivery(sub.ID, "a", 1), NewDelivery(sub.ID, "a", 2), NewDelivery(sub.ID, "b", 3)
	later := NewDelivery(sub.ID, "c", 4)
	later.NextAttemptAt = T0.Add(time.Minute)
	p1 := NewDelivery(paused.ID, "a", 1)
	require.NoError(t, b.Enqueue(ctx, 4, []webhook.Delivery{a1, a2, b1, later, p1}))

	lease := T0.Add(30 * time.Second)
	got, err := b.Claim(ctx, T0, lease, "one", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{a1.ID, b1.ID}, ids(got), "the heads of keys a and b; c is not due, the paused one waits")
	assert.Equal(t, "one", got[0].LeaseToken)
	again, err := b.Claim(ctx, T0.Add(time.Second), lease, "two", 10)
	require.NoError(t, err)
	assert.Empty(t, again, "a held key is not claimed again, nor the next of it")

	ok, err := b.Record(ctx, webhook.Outcome{DeliveryID: a1.ID, LeaseToken: "one", At: T0.Add(time.Second), Status: 204, Delivered: true})
	require.NoError(t, err)
	assert.True(t, ok)
	got, err = b.Claim(ctx, T0.Add(2*time.Second), T0.Add(time.Minute), "three", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{a2.ID}, ids(got), "the next of key a once its head was delivered")

	got, err = b.Claim(ctx, lease.Add(time.Second), lease.Add(time.Minute), "four", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b1.ID}, ids(got), "a claim that ran out is taken again")
	ok, err = b.Record(ctx, webhook.Outcome{DeliveryID: b1.ID, LeaseToken: "one", At: lease, Status: 200, Delivered: true})
	require.NoError(t, err)
	assert.False(t, ok, "the lost claim records nothing")

	got, err = b.Claim(ctx, T0.Add(2*time.Minute), T0.Add(3*time.Minute), "five", 1)
	require.NoError(t, err)
	assert.Len(t, got, 1, "limit")
}

func outcomes(t *testing.T, b Backend) {
	ctx := context.Background()
	sub := Subscription("energy")
	require.NoError(t, b.Create(ctx, sub))
	d1, d2 := NewDelivery(sub.ID, "a", 1), NewDelivery(sub.ID, "a", 2)
	d1.CreatedAt = T0.Add(-time.Hour)
	require.NoError(t, b.Enqueue(ctx, 2, []webhook.Delivery{d1, d2}))
	oldest, found, err := b.Oldest(ctx)
	require.NoError(t, err)
	require.True(t, found)
	assert.True(t, oldest.Equal(d1.CreatedAt), "%s", oldest)

	got, err := b.Claim(ctx, T0, T0.Add(time.Minute), "one", 10)
	require.NoError(t, err)
	require.Equal(t, []string{d1.ID}, ids(got))
	next := T0.Add(10 * time.Second)
	ok, err := b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "one", At: T0, Status: 503, Error: "HTTP 503",
		NextAttemptAt: next, FirstFailedAt: T0})
	require.NoError(t, err)
	require.True(t, ok)
	got, err = b.Claim(ctx, T0.Add(time.Second), T0.Add(time.Minute), "two", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "not due before its next attempt, and key a waits for it")

	page, err := b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, d2.ID, page.Items[0].ID)
	page, err = b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{Limit: 1, Before: page.Next})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	failed := page.Items[0]
	assert.Equal(t, d1.ID, failed.ID)
	assert.Equal(t, 1, failed.Attempts)
	assert.Equal(t, 503, failed.LastStatus)
	assert.Equal(t, "HTTP 503", failed.LastError)
	assert.True(t, failed.NextAttemptAt.Equal(next))
	assert.True(t, failed.FirstFailedAt.Equal(T0))
	assert.Empty(t, failed.LeaseToken)
	assert.Equal(t, `{"n":1}`, string(failed.Body))

	pauseAndResume(t, b, sub, d1, next)
}

// pauseAndResume gives up on d1 at next, which pauses sub, resumes it and
// redelivers d1.
func pauseAndResume(t *testing.T, b Backend, sub webhook.Subscription, d1 webhook.Delivery, next time.Time) {
	ctx := context.Background()
	got, err := b.Claim(ctx, next, next.Add(time.Minute), "three", 10)
	require.NoError(t, err)
	require.Equal(t, []string{d1.ID}, ids(got))
	ok, err := b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "three", At: next, Error: "timeout",
		NextAttemptAt: next, FirstFailedAt: T0, PauseReason: "gave up"})
	require.NoError(t, err)
	require.True(t, ok)
	s, err := b.Get(ctx, "", sub.ID)
	require.NoError(t, err)
	assert.True(t, s.Paused)
	assert.Equal(t, "gave up", s.PausedReason)
	assert.Equal(t, 2, s.Version, "a pause is a new version")
	got, err = b.Claim(ctx, next.Add(time.Hour), next.Add(2*time.Hour), "four", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "a paused subscription is sent nothing")
	_, found, err := b.Oldest(ctx)
	require.NoError(t, err)
	assert.False(t, found, "a paused subscription's deliveries do not age the queue")

	resumeAt := next.Add(time.Hour)
	_, err = b.Update(ctx, "", sub.ID, func(s *webhook.Subscription) error { s.Paused = false; return nil })
	require.NoError(t, err)
	require.NoError(t, b.Resume(ctx, sub.ID, resumeAt))
	got, err = b.Claim(ctx, resumeAt, resumeAt.Add(time.Minute), "five", 10)
	require.NoError(t, err)
	require.Equal(t, []string{d1.ID}, ids(got), "resumed, in order")
	assert.Zero(t, got[0].Attempts)
	assert.True(t, got[0].FirstFailedAt.IsZero())
	_, err = b.Record(ctx, webhook.Outcome{DeliveryID: d1.ID, LeaseToken: "five", Generation: got[0].Generation, At: resumeAt, Status: 200, Delivered: true})
	require.NoError(t, err)

	_, err = b.Redeliver(ctx, sub.ID, uuid.NewString(), resumeAt)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	other := Subscription("")
	require.NoError(t, b.Create(ctx, other))
	_, err = b.Redeliver(ctx, other.ID, d1.ID, resumeAt)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another subscription's delivery")
	again, err := b.Redeliver(ctx, sub.ID, d1.ID, resumeAt)
	require.NoError(t, err)
	assert.Equal(t, d1.ID, again.ID)
	assert.False(t, again.Delivered())
	purge(t, b, sub)
}

// purge delivers one of sub's deliveries and purges the log.
func purge(t *testing.T, b Backend, sub webhook.Subscription) {
	ctx := context.Background()
	at := T0.Add(10 * time.Hour)
	got, err := b.Claim(ctx, at, at.Add(time.Minute), "purge", 10)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	_, err = b.Record(ctx, webhook.Outcome{DeliveryID: got[0].ID, LeaseToken: "purge", Generation: got[0].Generation, At: at, Status: 200, Delivered: true})
	require.NoError(t, err)
	before, err := b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	n, err := b.Purge(ctx, at)
	require.NoError(t, err)
	assert.Zero(t, n, "delivered at the moment given: kept")
	n, err = b.Purge(ctx, at.Add(time.Second))
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	after, err := b.Deliveries(ctx, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	assert.Len(t, after.Items, len(before.Items)-1, "only the delivered one goes; the undelivered stay")
}
