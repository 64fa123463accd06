package httpapi

// The metrics an operator watches besides the HTTP ones: sign-in attempts,
// import results and live projects by stage (docs/architecture.md,
// "Metrics").

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/project"
)

const (
	// projectsQueryTimeout bounds the query behind pipeline_projects.
	projectsQueryTimeout = 2 * time.Second
	// projectsCacheTTL is how long one answer of that query serves scrapes.
	projectsCacheTTL = 30 * time.Second
)

// Sign-in kinds: users at the login endpoint, department systems at the
// token endpoint.
const (
	signInUser   = "user"
	signInClient = "client"
)

// ProjectCounter counts live projects by stage and category; the project
// store is one.
type ProjectCounter interface {
	LiveByStage(ctx context.Context) ([]project.StageCount, error)
}

func newCounter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// signIn counts a sign-in attempt of kind by its outcome. Requests refused
// before credentials were checked (malformed, or during an outage) are not
// attempts and are not counted.
func (m metrics) signIn(kind string, err error) {
	if o := signInOutcome(err); o != "" {
		m.signIns.WithLabelValues(kind, o).Inc()
	}
}

func signInOutcome(err error) string {
	var oe *auth.OAuthError
	switch {
	case err == nil:
		return "success"
	case errors.As(err, &oe):
		if oe.Code == "invalid_client" {
			return "bad_login"
		}
		return ""
	}
	switch apperr.KindOf(err) {
	case apperr.Unauthenticated:
		return "bad_login"
	case apperr.RateLimited:
		return "rate_limited"
	}
	return ""
}

// imported counts an import that answered a report: a dry run, one refused
// because rows failed (its failed rows are counted), or one applied (its
// rows by what was done to them). A dry run's rows are not counted: nothing
// happened to them.
func (m metrics) imported(rep exchange.ImportReport) {
	switch {
	case rep.DryRun:
		m.imports.WithLabelValues("dry_run").Inc()
	case rep.Failed > 0:
		m.imports.WithLabelValues("refused").Inc()
		m.importRows.WithLabelValues("failed").Add(float64(rep.Failed))
	default:
		m.imports.WithLabelValues("applied").Inc()
		m.importRows.WithLabelValues("created").Add(float64(rep.Created))
		m.importRows.WithLabelValues("updated").Add(float64(rep.Updated))
		m.importRows.WithLabelValues("unchanged").Add(float64(rep.Unchanged))
	}
}

// scrapeCache is a value read at scrape time and kept for projectsCacheTTL,
// so that frequent scrapes cost one query per TTL; scrapes wait for one
// query rather than each sending its own. A failed read answers the zero
// value for its TTL and is logged once, not again until a read has
// succeeded; /metrics still answers.
type scrapeCache[T any] struct {
	read func(context.Context) (T, error)
	what string // what is read, for the log: "counting projects"
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	at      time.Time
	val     T
	failing bool
}

func (c *scrapeCache[T]) current() T {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) >= 0 && now.Sub(c.at) < projectsCacheTTL {
		return c.val
	}
	ctx, cancel := context.WithTimeout(context.Background(), projectsQueryTimeout)
	defer cancel()
	val, err := c.read(ctx)
	c.at, c.val = now, val
	if err != nil {
		var zero T
		c.val = zero
		if !c.failing {
			c.log.Warn("metrics: "+c.what+" failed", slog.Any("error", err))
		}
	}
	c.failing = err != nil
	return c.val
}

// projectsCollector exports pipeline_projects at scrape time from one
// GROUP BY query (scrapeCache).
type projectsCollector struct {
	cache *scrapeCache[[]project.StageCount]
	desc  *prometheus.Desc
}

func newProjectsCollector(src ProjectCounter, log *slog.Logger, now func() time.Time) *projectsCollector {
	return &projectsCollector{
		cache: &scrapeCache[[]project.StageCount]{read: src.LiveByStage, what: "counting projects", log: log, now: now},
		desc: prometheus.NewDesc("pipeline_projects",
			"Live (not archived) projects by stage and category.", []string{"stage", "category"}, nil)}
}

func (c *projectsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *projectsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.cache.current() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n.Count), string(n.Stage), string(n.Category))
	}
}
