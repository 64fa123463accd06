package httpapi

// The webhook metrics (docs/architecture.md, "Metrics"): deliveries by
// outcome, and the age of the oldest undelivered one.

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guangling/pipeline/internal/webhook"
)

// webhookQueryTimeout bounds the query behind the age gauge at a scrape.
const webhookQueryTimeout = 2 * time.Second

// registerWebhookMetrics counts the outcome of every attempt the service
// makes and exports the age of the oldest undelivered delivery, read at
// scrape time.
func registerWebhookMetrics(reg *prometheus.Registry, svc *webhook.Service) {
	deliveries := newCounter("pipeline_webhook_deliveries_total",
		"Webhook delivery attempts by outcome (delivered, failed: retried later, gave_up: the subscription was paused).", "outcome")
	for _, o := range []string{webhook.OutcomeDelivered, webhook.OutcomeFailed, webhook.OutcomeGaveUp} {
		deliveries.WithLabelValues(o) // every outcome from the start, at 0
	}
	svc.Observe(func(outcome string) { deliveries.WithLabelValues(outcome).Inc() })
	oldest := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pipeline_webhook_oldest_undelivered_seconds",
		Help: "Age of the oldest undelivered webhook delivery of a subscription not paused; 0 when none waits, NaN when it could not be read.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), webhookQueryTimeout)
		defer cancel()
		age, err := svc.Oldest(ctx)
		if err != nil {
			return math.NaN() // unknown, not "nothing waits"
		}
		return age.Seconds()
	})
	reg.MustRegister(deliveries, oldest)
}
