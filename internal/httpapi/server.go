package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	_ "github.com/guangling/pipeline/docs" // registers the Swagger document served at /swagger
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/webhook"
)

// Deps are what the HTTP surface serves from.
type Deps struct {
	Config      config.Config
	Log         *slog.Logger
	DB          *database.DB
	Projects    *project.Service
	Plans       *plan.Service
	Issues      *issue.Service
	Approvals   *approval.Service
	Dispatch    *dispatch.Service
	Stats       *stats.Service
	Exchange    *exchange.Service
	Departments *department.Service
	Auth        *auth.Service
	Tokens      *auth.Tokens
	Keys        *auth.KeySet
	Idempotency *idempotency.Store
	Audit       *audit.Service
	Indicators  *indicator.Service
	Events      *event.Service
	// ProjectCounts, when set, backs the pipeline_projects gauges.
	ProjectCounts ProjectCounter
	// ReportsOutstanding, when set, backs the
	// pipeline_dispatch_reports_outstanding gauges.
	ReportsOutstanding OutstandingCounter
	Now                func() time.Time
	// Webhooks serves /api/v1/webhooks and the pipeline_webhook_* metrics.
	Webhooks *webhook.Service
	// Attachments serves the files kept as evidence (docs/files.md).
	Attachments *attachment.Service
}

type handlers struct {
	cfg         config.Config
	log         *slog.Logger
	db          *database.DB
	projects    *project.Service
	plans       *plan.Service
	issues      *issue.Service
	approvals   *approval.Service
	dispatch    *dispatch.Service
	stats       *stats.Service
	exchange    *exchange.Service
	departments *department.Service
	auth        *auth.Service
	tokens      *auth.Tokens
	keys        *auth.KeySet
	idem        *idempotency.Store
	audit       *audit.Service
	indicators  *indicator.Service
	events      *event.Service
	now         func() time.Time
	m           metrics
	policies    map[string]policy
	outages     *outageLog
	webhooks    *webhook.Service
	attachments *attachment.Service
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  http.Handler
	// signIns, imports and importRows are of docs/architecture.md, "Metrics".
	signIns, imports, importRows *prometheus.CounterVec
}

func newMetrics(d Deps) metrics {
	reg := prometheus.NewRegistry()
	m := metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pipeline_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		signIns: newCounter("pipeline_signin_attempts_total",
			"Sign-in attempts by kind (user, client) and outcome (success, bad_login, rate_limited).", "kind", "outcome"),
		imports: newCounter("pipeline_imports_total",
			"Project imports by outcome (applied, refused, dry_run).", "outcome"),
		importRows: newCounter("pipeline_import_rows_total",
			"Rows of applied and refused imports by outcome (created, updated, unchanged, failed).", "outcome"),
	}
	ev := newEventMetrics()
	reg.MustRegister(ev.appended, ev.delay)
	if d.Events != nil {
		d.Events.Observe(ev.sequenced)
	}
	if d.ReportsOutstanding != nil {
		reg.MustRegister(newOutstandingCollector(d.ReportsOutstanding, d.Log, d.Now))
	}
	reg.MustRegister(m.requests, m.latency, m.signIns, m.imports, m.importRows,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.DB.SQL(), d.DB.Dialect()))
	if d.ProjectCounts != nil {
		reg.MustRegister(newProjectsCollector(d.ProjectCounts, d.Log, d.Now))
	}
	if d.Webhooks != nil {
		registerWebhookMetrics(reg, d.Webhooks)
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// New returns the service's HTTP handler.
func New(d Deps) (*Handler, error) {
	r, err := newHandlers(d).engine()
	if err != nil {
		return nil, err
	}
	outer, err := wrapTransport(d.Config, r)
	if err != nil {
		return nil, err
	}
	return &Handler{Handler: outer, engine: r}, nil
}

// Handler is the service's HTTP handler: the routes behind compression and
// CORS.
type Handler struct {
	http.Handler
	engine *gin.Engine
}

// Routes lists the registered routes.
func (h *Handler) Routes() gin.RoutesInfo { return h.engine.Routes() }

func newHandlers(d Deps) *handlers {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	h := &handlers{
		cfg: d.Config, log: d.Log, db: d.DB, projects: d.Projects, plans: d.Plans, issues: d.Issues, approvals: d.Approvals, stats: d.Stats, exchange: d.Exchange, departments: d.Departments, auth: d.Auth, tokens: d.Tokens, keys: d.Keys,
		dispatch: d.Dispatch, idem: d.Idempotency, audit: d.Audit, indicators: d.Indicators, events: d.Events, now: d.Now, m: newMetrics(d), policies: map[string]policy{},
		outages: newOutageLog(d.Log, d.Now), webhooks: d.Webhooks, attachments: d.Attachments,
	}
	if d.DB != nil {
		d.DB.OnAnswer(h.outages.up)
	}
	return h
}

// engine builds the gin engine with every route and middleware.
func (h *handlers) engine() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// The client address comes only from proxies the operator names.
	if err := r.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(requestIDMiddleware, h.accessLog, h.metrics, h.recoverer, conditional)
	h.routes(r)
	return r, nil
}

// Serve runs the HTTP server until ctx ends, then stops taking connections
// and waits up to the shutdown timeout for requests in flight.
func Serve(ctx context.Context, cfg config.Config, handler http.Handler, log *slog.Logger, ready func(addr net.Addr)) error {
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.String("timeout", cfg.ShutdownTimeout.String()))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
