// Command pipeline serves the major-project register of the Guangling County
// Development and Reform Bureau over a JSON API.
//
//	@title									pipeline: major-project register API
//	@version								1.0
//	@description							The register of the county's major investment projects and their way through 在谈 → 签约 → 落地 → 开工 → 竣工 → 投产 → 达效. Errors are RFC 9457 problem details (application/problem+json) with a stable code; send Accept-Language: en for English text.
//	@contact.name							Guangling County Development and Reform Bureau
//	@tag.name								admin
//	@tag.description						Users, clients and departments (administrators)
//	@tag.name								attachments
//	@tag.description						Files kept as evidence of projects: site photos, permits, contracts
//	@tag.name								approvals
//	@tag.description						The approvals (前期手续) of projects and the 开工 gate
//	@tag.name								audit
//	@tag.description						The audit trail and its verification
//	@tag.name								auth
//	@tag.description						Sign-in, refresh and sign-out of users; the client credentials token of department systems
//	@tag.name								dispatch
//	@tag.description						The monthly dispatch: periods, reports and their review, the dispatch sheet
//	@tag.name								events
//	@tag.description						The change feed: every change of the register in commit order
//	@tag.name								issues
//	@tag.description						Blockers of projects
//	@tag.name								meta
//	@tag.description						Reference data: enumerations, departments
//	@tag.name								operations
//	@tag.description						Probes and token keys
//	@tag.name								plans
//	@tag.description						The year's plan of major projects
//	@tag.name								progress
//	@tag.description						Monthly progress and health of a project
//	@tag.name								projects
//	@tag.description						The register: projects, their stages, import and export
//	@tag.name								stats
//	@tag.description						Key figures, breakdowns and trends
//	@tag.name								webhooks
//	@tag.description						Signed deliveries of the change feed's events to department systems
//	@BasePath								/
//	@securityDefinitions.apikey				BearerAuth
//	@in										header
//	@name									Authorization
//	@description							"Bearer " followed by an access token from POST /api/v1/auth/login or /api/v1/auth/token. docs/openapi.yaml makes it an HTTP bearer scheme.
//	@securitydefinitions.oauth2.application	OAuth2
//	@tokenUrl								/api/v1/auth/token
//	@scope.projects:read					the department's projects and what belongs to them
//	@scope.projects:write					creating, changing, moving and importing projects; yearly plans
//	@scope.progress:write					monthly progress
//	@scope.issues:write						opening and updating blockers
//	@scope.events:read						the change feed
//	@description							Client credentials (RFC 6749 §4.4) for department systems: HTTP Basic or client_id and client_secret in the form.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/approval/approvaldb"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventdb"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/seed"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its environment passed in so that tests
// can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", name, usage)
	}
	return cmd(ctx, invocation{cfg: cfg, log: log, stdout: stdout, stderr: stderr, getenv: getenv, name: name, args: args})
}

func openDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*database.DB, error) {
	return database.Open(ctx, database.Options{
		URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(),
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns, ConnLifetime: cfg.DBConnLifetime,
		QueryTimeout: cfg.QueryTimeout, Logger: log,
	})
}

// app is the wired service.
type app struct {
	db         *database.DB
	keys       *auth.KeySet
	tokens     *auth.Tokens
	auth       *auth.Service
	projects   *project.Service
	plans      *plan.Service
	issues     *issue.Service
	approvals  *approval.Service
	dispatch   *dispatch.Service
	stats      *stats.Service
	exchange   *exchange.Service
	depts      *department.Service
	health     *project.Refresher
	audit      *audit.Service
	indicators *indicator.Service
	events     *event.Service
	webhooks   *webhook.Service
	files      *attachment.Service
	// staged sweeps the chunks of uploads a stop cut (contents kept in
	// the database only).
	staged func(context.Context) (int64, error)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// deps is what the HTTP surface serves from.
func (a *app) deps(cfg config.Config, log *slog.Logger) httpapi.Deps {
	return httpapi.Deps{
		Config: cfg, Log: log, DB: a.db, Projects: a.projects, Plans: a.plans, Issues: a.issues, Approvals: a.approvals, Dispatch: a.dispatch, Stats: a.stats, Exchange: a.exchange, Departments: a.depts, Auth: a.auth, Tokens: a.tokens, Keys: a.keys,
		Idempotency: idempotency.New(a.db), Audit: a.audit, Indicators: a.indicators, Events: a.events, Now: time.Now,
		ProjectCounts: projectdb.New(a.db), ReportsOutstanding: a.dispatch,
		Webhooks: a.webhooks, Attachments: a.files,
	}
}

// loadTokens loads the signing keys and the access tokens they sign.
func loadTokens(cfg config.Config) (*auth.KeySet, *auth.Tokens, error) {
	keys, err := auth.LoadKeys(cfg.KeyDir)
	if err != nil {
		return nil, nil, err
	}
	tokens, err := auth.NewTokens(keys, cfg.JWTIssuer, cfg.JWTAudience, cfg.AccessTokenTTL, time.Now)
	return keys, tokens, err
}

func wire(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (*app, error) {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		if len(applied) > 0 {
			log.Info("migrations applied", slog.Any("versions", applied))
		}
	}
	keys, tokens, err := loadTokens(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	auditor := audit.NewService(auditdb.New(db), time.Now)
	store := projectdb.New(db)
	projects := project.NewService(store, db, auditor, time.Now, newID)
	projects.SetHealthRules(cfg.HealthRules())
	depts := department.NewService(projectdb.NewDepartments(db), db, auditor, time.Now)
	statsStore := projectdb.NewStats(db)
	statistics := stats.NewService(statsStore, time.Now)
	statistics.SetCacheTTL(cfg.StatsCacheTTL)
	statistics.SetDesignations(statsStore, projects, db, auditor)
	projects.Notify(statistics.Forget)
	users := auth.NewService(authdb.Stores(db), db, tokens, auditor, time.Now, newID)
	users.SetPasswordCost(cfg.PasswordCost)
	issues := issue.NewService(projectdb.NewIssues(db), projects, auditor, time.Now, newID)
	plans := plan.NewService(projectdb.NewPlans(db), projects, db, auditor, time.Now)
	plans.Notify(statistics.Forget)
	events := event.NewService(eventdb.New(db), time.Now, cfg.EventRetention)
	projects.RecordEvents(events)
	projects.Notify(events.Wake)
	issues.RecordEvents(events)
	plans.RecordEvents(events)
	approvals := approval.NewService(approval.Deps{Store: approvaldb.New(db), Register: projects, Plans: plans, Auditor: auditor,
		Events: events, Now: time.Now, Rules: approval.Rules{EnergyReviewTCE: cfg.EnergyReviewTCE}})
	projects.GateStarts(approvals)
	a := &app{db: db, keys: keys, tokens: tokens, audit: auditor, projects: projects, auth: users,
		plans:  plans,
		issues: issues, approvals: approvals, events: events,
		dispatch: dispatch.NewService(dispatch.Deps{Store: projectdb.NewDispatch(db), Register: projects, Auditor: auditor,
			Issues: issues, Tx: db, Now: time.Now, County: cfg.County, Changed: statistics.Forget, Events: events}),
		stats:    statistics,
		exchange: exchange.NewService(projects, depts, db, time.Now),
		depts:    depts, health: project.NewRefresher(projects, store),
		indicators: indicator.NewService(projectdb.NewIndicators(db), db, auditor, time.Now),
		webhooks:   newWebhooks(cfg, db, auditor, eventdb.New(db), users)}
	if a.files, err = newAttachments(ctx, cfg, a); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// repeat runs a chore now and then at every interval, until ctx ends, and
// logs its error, or, when it did something, how many things it did.
func repeat(ctx context.Context, every time.Duration, log *slog.Logger, failed, did, things string, chore func(context.Context) (int64, error)) {
	for {
		n, err := chore(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error(failed, slog.Any("error", err))
		case n > 0:
			log.Info(did, slog.Int64(things, n))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, ready func(net.Addr)) error {
	log.Info("starting", slog.Any("config", cfg))
	if cfg.PasswordCost < auth.DefaultPasswordCost {
		log.Warn("PIPELINE_PASSWORD_COST is below bcrypt's default: passwords are cheap to guess from a stolen database", slog.Int("cost", cfg.PasswordCost))
	}
	a, err := wire(ctx, cfg, log, cfg.MigrateOnStart)
	if err != nil {
		return err
	}
	defer a.db.Close()
	if current, err := a.db.MigrationsCurrent(ctx); err != nil {
		return fmt.Errorf("check the database schema: %w", err)
	} else if !current {
		return errors.New("the database schema is not current: run 'pipeline migrate'")
	}
	signIn, err := bootstrap(ctx, cfg, log, a)
	if err != nil {
		return err
	}
	h, err := httpapi.New(a.deps(cfg, log))
	if err != nil {
		return err
	}
	// Background work: the audit sealer, the event sequencer, the health refresher and the
	// purges of idempotency records and sign-in failures. They stop before
	// the database closes.
	ctx, stop := context.WithCancel(ctx)
	var background sync.WaitGroup
	background.Go(func() {
		a.audit.Run(ctx, func(err error) { log.Error("seal audit entries", slog.Any("error", err)) })
	})
	a.runFeed(ctx, log, &background)
	// Health turns yellow and red with the passing of days, when nobody
	// writes anything: the stored health is brought up to date at every
	// interval.
	background.Go(func() {
		repeat(ctx, cfg.HealthRefreshInterval, log, "refresh project health", "project health refreshed", "projects",
			func(ctx context.Context) (int64, error) {
				n, err := a.health.Refresh(ctx)
				return int64(n), err
			})
	})
	a.purges(ctx, log, &background)
	a.runWebhooks(ctx, cfg, log, &background)
	if cfg.PprofAddr != "" {
		background.Go(func() { servePprof(ctx, cfg.PprofAddr, log) })
	}
	defer func() { stop(); background.Wait() }()
	return httpapi.Serve(ctx, cfg, h, log, func(addr net.Addr) {
		base := "http://" + hostPort(cfg.Addr, addr)
		log.Info("serving", slog.String("url", base))
		fmt.Fprintf(stdout, "\npipeline serves on %s\n  Swagger UI: %s/swagger/index.html\n%s\n", base, base, signIn(base))
		if ready != nil {
			ready(addr)
		}
	})
}

// runFeed starts the event sequencer in background, and the keeper of the
// current statistics, which follows the change feed (docs/stats.md,
// "Current figures"), woken whenever this process sequenced events.
func (a *app) runFeed(ctx context.Context, log *slog.Logger, background *sync.WaitGroup) {
	a.stats.Keeping(projectdb.NewStats(a.db), 0)
	a.events.AfterSequenced(a.stats.Wake)
	background.Go(func() {
		a.events.Run(ctx, func(err error) { log.Error("sequence events", slog.Any("error", err)) })
	})
	background.Go(func() {
		a.stats.RunKeeper(ctx, func(err error) { log.Error("keep the current statistics", slog.Any("error", err)) })
	})
}

// purges starts the hourly purges in background: an idempotency record is
// kept no longer than a retry may ask for it; a sign-in failure window no
// longer than it counts, and a pair that signed in no longer than it is
// known (docs/api.md, "Sign-in throttling").
func (a *app) purges(ctx context.Context, log *slog.Logger, background *sync.WaitGroup) {
	keys := idempotency.New(a.db)
	background.Go(func() {
		repeat(ctx, time.Hour, log, "purge idempotency records", "idempotency records purged", "records",
			func(ctx context.Context) (int64, error) { return keys.Purge(ctx, time.Now()) })
	})
	background.Go(func() {
		repeat(ctx, time.Hour, log, "purge sign-in failures", "sign-in failures purged", "rows", a.auth.PurgeFailures)
	})
	if a.staged != nil {
		background.Go(func() {
			repeat(ctx, time.Hour, log, "sweep staged uploads", "staged uploads swept", "uploads", a.staged)
		})
	}
}

// servePprof serves the Go runtime profiler on a loopback address until ctx
// ends, for an operator looking into where the time goes.
func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("profiler", slog.String("url", "http://"+addr+"/debug/pprof/"))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("profiler", slog.Any("error", err))
	}
}

// bootstrap creates the first admin on an empty database and, in demo mode,
// the demo data. It returns the sign-in help to print.
func bootstrap(ctx context.Context, cfg config.Config, log *slog.Logger, a *app) (func(base string) string, error) {
	credFile := filepath.Join(cfg.DataDir, "demo-credentials.txt")
	adminPW, err := a.auth.Bootstrap(ctx, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("create the first admin: %w", err)
	}
	var creds string
	if adminPW != "" {
		if creds, err = firstStart(ctx, cfg, log, a, adminPW); err != nil {
			return nil, err
		}
		if creds != "" && cfg.Embedded() {
			if err := os.WriteFile(credFile, []byte(credHeader+creds), 0o600); err != nil {
				return nil, err
			}
		}
	} else if b, err := os.ReadFile(credFile); err == nil && cfg.Embedded() {
		creds = strings.TrimPrefix(string(b), credHeader)
	}
	keptIn := ""
	if cfg.Embedded() {
		keptIn = credFile
	}
	return func(base string) string { return signInHelp(base, creds, keptIn) }, nil
}

// credHeader heads the file of the sign-in accounts created at first start.
const credHeader = "Sign-in accounts created at first start:\n"

// firstStart follows the creation of the first admin, with password adminPW:
// in demo mode it loads the demo data. It returns the accounts to show, one
// a line: the admin's if its password was generated, and the demo accounts.
func firstStart(ctx context.Context, cfg config.Config, log *slog.Logger, a *app, adminPW string) (string, error) {
	log.Info("created the first admin user", slog.String("username", "admin"))
	var creds string
	if cfg.AdminPassword == "" {
		creds = "  admin / " + adminPW + "   (role admin)\n"
	}
	if cfg.Demo {
		demoPW := auth.GeneratePassword()
		n, err := seed.Demo(ctx, a.projects, a.auth, demoPW)
		if err != nil {
			return "", err
		}
		years, err := seed.DemoIndicators(ctx, a.indicators)
		if err != nil {
			return "", err
		}
		entries, err := seed.DemoPlan(ctx, a.plans, a.projects)
		if err != nil {
			return "", err
		}
		log.Info("loaded the demo data set", slog.Int("projects", n), slog.Int("indicator_years", years), slog.Int("plan_entries", entries))
		for _, acc := range seed.Accounts {
			creds += fmt.Sprintf("  %s / %s   (role %s)\n", acc.Username, demoPW, strings.TrimSpace(string(acc.Role)+" "+acc.Department))
		}
	}
	return creds, nil
}

// signInHelp tells how to sign in to the service at base: it lists creds,
// the accounts created at first start, if any (kept in the file keptIn, if
// not empty), and signs in with the first of them, else as the admin.
func signInHelp(base, creds, keptIn string) string {
	user, pw := "admin", "$PIPELINE_ADMIN_PASSWORD"
	if creds == "" {
		return signInCommand(base, user, pw)
	}
	if first := strings.Fields(creds); len(first) >= 3 && first[1] == "/" {
		user, pw = first[0], first[2]
	}
	s := "  Accounts (username / password):\n" + creds
	if keptIn != "" {
		s += "  (kept in " + keptIn + ")\n"
	}
	return s + signInCommand(base, user, pw)
}

func signInCommand(base, user, pw string) string {
	return fmt.Sprintf("  Sign in: curl -s -X POST %s/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"%s\",\"password\":\"%s\"}'\n", base, user, pw)
}

func hostPort(configured string, actual net.Addr) string {
	host, _, _ := net.SplitHostPort(configured)
	_, port, _ := net.SplitHostPort(actual.String())
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
