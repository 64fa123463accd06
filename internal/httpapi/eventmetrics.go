package httpapi

// The metrics of the change feed and of the monthly dispatch's reports
// outstanding (docs/architecture.md, "Metrics").

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guangling/pipeline/internal/event"
)

// OutstandingCounter counts the reports owed for the current dispatch
// period and not submitted, by department; the dispatch service is one.
type OutstandingCounter interface {
	Outstanding(ctx context.Context) (map[string]int, error)
}

// eventMetrics are the change feed's: the events this process sequenced, by
// type, and the time from each one's change to its readable position.
type eventMetrics struct {
	appended *prometheus.CounterVec
	delay    prometheus.Histogram
}

func newEventMetrics() eventMetrics {
	m := eventMetrics{
		appended: newCounter("pipeline_events_appended_total",
			"Events of the change feed by type, counted once committed, when this process gave them their position.", "type"),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "pipeline_event_position_delay_seconds",
			Help:    "Time from an event's change to its readable position in the feed (the sequencer's sequenced_at - at).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	for _, t := range event.Types {
		m.appended.WithLabelValues(t)
	}
	return m
}

// sequenced counts an event given its position lag after its change.
func (m eventMetrics) sequenced(typ string, lag time.Duration) {
	m.appended.WithLabelValues(typ).Inc()
	m.delay.Observe(lag.Seconds())
}

// outstandingCollector exports pipeline_dispatch_reports_outstanding at
// scrape time, cached as pipeline_projects is (scrapeCache).
type outstandingCollector struct {
	cache *scrapeCache[map[string]int]
	desc  *prometheus.Desc
}

func newOutstandingCollector(src OutstandingCounter, log *slog.Logger, now func() time.Time) *outstandingCollector {
	return &outstandingCollector{
		cache: &scrapeCache[map[string]int]{read: src.Outstanding, what: "counting outstanding reports", log: log, now: now},
		desc: prometheus.NewDesc("pipeline_dispatch_reports_outstanding",
			"Reports owed for the current dispatch period (last month) and not submitted (none yet, or returned), by department.",
			[]string{"department"}, nil)}
}

func (c *outstandingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *outstandingCollector) Collect(ch chan<- prometheus.Metric) {
	for dept, n := range c.cache.current() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), dept)
	}
}
