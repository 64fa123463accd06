package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventdb"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/send"
	"github.com/guangling/pipeline/internal/webhook/webhookdb"
)

// harnessDNS is the DNS of the harness's webhook targets.
var harnessDNS = map[string]string{
	"receiver.example": "93.184.216.34",
	"internal.example": "10.0.0.5",
	"mapped.example":   "::ffff:127.0.0.1",
}

func lookupHarness(_ context.Context, host string) ([]netip.Addr, error) {
	a, ok := harnessDNS[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// newWebhooks is the webhook service as cmd/pipeline wires it, over the
// harness's clock and DNS.
func newWebhooks(db *database.DB, cfg config.Config, auditor *audit.Service, now func() time.Time) *webhook.Service {
	w := cfg.Webhooks
	store := webhookdb.New(db)
	return webhook.NewService(webhook.Deps{
		Store: store, Queue: store, Feed: eventdb.New(db), Tx: db, Auditor: auditor,
		Sender:  send.New(send.Options{Timeout: w.Timeout, AllowPrivate: w.AllowPrivate}),
		Targets: webhook.Targets{AllowPrivate: w.AllowPrivate, Lookup: lookupHarness},
		Render:  func(e event.Event) ([]byte, error) { return json.Marshal(httpapi.RenderEvent(e)) },
		Now:     now, NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}, webhook.Settings{
		Schedule: webhook.Schedule{Base: w.RetryBase, Cap: w.RetryMax, GiveUp: w.GiveUp},
		Overlap:  w.SecretOverlap, Lease: 2*w.Timeout + 5*time.Second, Batch: 100, Senders: w.Senders, Interval: w.Interval, Keep: w.LogRetention,
	})
}
