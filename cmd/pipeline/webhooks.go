package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/send"
	"github.com/guangling/pipeline/internal/webhook/webhookdb"
)

// newWebhooks wires the webhook service over the change feed, whose events
// it posts as the feed shows them (docs/operations.md, "Webhooks"), each
// following its owner among owners' users and clients.
func newWebhooks(cfg config.Config, db *database.DB, auditor *audit.Service, feed webhook.Feed, owners webhook.Owners) *webhook.Service {
	w := cfg.Webhooks
	store := webhookdb.New(db)
	return webhook.NewService(webhook.Deps{
		Store: store, Queue: store, Feed: feed, Tx: db, Auditor: auditor, Render: renderEvent, Owners: owners,
		Sender:  send.New(send.Options{Timeout: w.Timeout, AllowPrivate: w.AllowPrivate}),
		Targets: webhook.Targets{AllowPrivate: w.AllowPrivate, Lookup: send.Lookup(nil)},
		Now:     time.Now, Clock: store.Now, NewID: newID,
	}, webhook.Settings{
		Schedule: webhook.Schedule{Base: w.RetryBase, Cap: w.RetryMax, GiveUp: w.GiveUp},
		Overlap:  w.SecretOverlap,
		// A claim outlives the longest attempt and the writing of its
		// outcome, so that a delivery is taken again only from a sender
		// that is gone.
		Lease: 2*w.Timeout + 5*time.Second, Timeout: w.Timeout, Batch: 100, Senders: w.Senders, Interval: w.Interval, Keep: w.LogRetention,
	})
}

// renderEvent is the body of a webhook delivery: the event as the feed
// answers it.
func renderEvent(e event.Event) ([]byte, error) { return json.Marshal(httpapi.RenderEvent(e)) }

// runWebhooks starts the webhook worker in background, unless this
// replica is set to leave it to others.
func (a *app) runWebhooks(ctx context.Context, cfg config.Config, log *slog.Logger, background *sync.WaitGroup) {
	if !cfg.Webhooks.Enabled || a.webhooks == nil {
		return
	}
	// A move's delivery leaves as soon as its event has its position, not at
	// the next interval.
	a.events.AfterSequenced(a.webhooks.Wake)
	background.Go(func() {
		a.webhooks.Run(ctx, func(err error) { log.Error("deliver webhooks", slog.Any("error", err)) })
	})
	background.Go(func() {
		repeat(ctx, time.Hour, log, "purge webhook deliveries", "webhook deliveries purged", "deliveries", a.webhooks.Purge)
	})
}
