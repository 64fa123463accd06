// Package bench is the benchmark command (pipeline bench): it loads a
// generated register into a PostgreSQL schema of its own, starts the service
// on it as a child process and measures, with load from separate processes
// (wrk, pgbench, psql) on loopback, each pair that docs/performance.md
// names, interleaving the two sides of every pair over the rounds so that
// the drift of a shared machine falls on both alike. It prints each round,
// each pair's rates, ratio, p50 and p99 beside its target, the service's
// peak memory, and writes the same to a file.
package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/guangling/pipeline/internal/config"
)

// Sizes of the two standard runs.
const (
	QuickProjects = 10_000
	FullProjects  = 200_000
)

// Options say what to measure and where.
type Options struct {
	// DatabaseURL names the PostgreSQL server and database (postgres://…),
	// on this machine. The bench works in Schema, which it drops and
	// creates again.
	DatabaseURL string
	Schema      string        // default "pipeline_bench"
	Projects    int           // projects generated; default QuickProjects
	Rounds      int           // rounds of each pair; default 3
	Round       time.Duration // length of each side of a round; default 5s
	Clients     int           // connections of each side; default 4
	Pairs       []string      // the pairs to measure, by name; default all
	Pprof       string        // a loopback address to serve the service's profiler on; default none
	Out         string        // the results file; default "bench-results.txt"
	// Service is the pipeline binary: its serve, migrate and user commands
	// and the hidden "bench serve-pairs" run as child processes.
	Service string
	// Command is the command line recorded with the results.
	Command string
	// Env is the environment the tools and the children start from
	// (default os.Environ()); the children's PIPELINE_* settings are the
	// bench's own.
	Env []string
}

func (o Options) withDefaults() (Options, error) {
	if o.Schema == "" {
		o.Schema = "pipeline_bench"
	}
	if o.Projects == 0 {
		o.Projects = QuickProjects
	}
	if o.Rounds == 0 {
		o.Rounds = 3
	}
	if o.Round == 0 {
		o.Round = 5 * time.Second
	}
	if o.Clients == 0 {
		o.Clients = 4
	}
	if o.Out == "" {
		o.Out = "bench-results.txt"
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	switch {
	case o.DatabaseURL == "":
		return o, errors.New("no database: set PIPELINE_BENCH_DATABASE_URL (or PIPELINE_TEST_DATABASE_URL) or pass -database-url")
	case o.Service == "":
		return o, errors.New("no service binary")
	case !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(o.Schema):
		return o, fmt.Errorf("schema %q: want a lower-case SQL identifier", o.Schema)
	case o.Projects < 100:
		return o, fmt.Errorf("%d projects: want at least 100", o.Projects)
	case o.Rounds < 1 || o.Clients < 1:
		return o, errors.New("rounds and clients: want at least 1")
	case o.Round < time.Second:
		return o, errors.New("round: want at least 1s (wrk and pgbench count whole seconds)")
	}
	u, err := url.Parse(o.DatabaseURL)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return o, errors.New("database URL: want postgres://…")
	}
	// libpq and pgx take hosts from the query too; the bench compares with
	// tools on this machine, so only the URL's own host may say where.
	if q := u.Query(); q.Has("host") || q.Has("hostaddr") {
		return o, errors.New("database URL: name the host in the URL itself, not in a host or hostaddr parameter")
	}
	if !local(u.Hostname()) {
		return o, fmt.Errorf("database host %q: the bench compares with pgbench and psql on this machine, so the database must be on loopback", u.Hostname())
	}
	return o, nil
}

// local reports whether a database host is this machine: loopback, or a
// local socket (no host, or a socket folder).
func local(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || host == "localhost" || strings.HasPrefix(host, "/") || ip != nil && ip.IsLoopback()
}

// run is one benchmark run: its options, tools, temporary folder, schema,
// the children and what was measured.
type run struct {
	o        Options
	out      io.Writer // the terminal and the results
	tmp      string
	wrk      string
	pgbench  string
	psql     string
	db       *sql.DB // the bench schema
	baseURL  string  // the server, for pgbench and psql
	pgEnv    []string
	childEnv []string
	service  *child
	api      string // the service's base URL
	pairs    *child
	authed   string // base URLs of the pair server's handlers
	bare     string
	unauthed string
	password string
	// client talks to the service outside the measurements: signing in,
	// the check of each request before wrk sends it, the walk to a deep
	// page, the export. Deadlines come from the context: an export takes
	// longer than one timeout would fit.
	client  *http.Client
	phases  []phase
	results []result
	failed  []string
}

type phase struct {
	name string
	took time.Duration
}

// Run runs the benchmark and writes what it printed to o.Out as well. It
// fails when a tool is missing or when a pair could not be measured (wrk
// saw an answer other than 2xx or a socket error, pgbench an error); a
// missed target is reported, not failed.
func Run(ctx context.Context, o Options, stdout io.Writer) (err error) {
	began := time.Now()
	o, err = o.withDefaults()
	if err != nil {
		return err
	}
	var log bytes.Buffer
	r := &run{o: o, out: io.MultiWriter(stdout, &log), client: &http.Client{}}
	defer func() {
		r.printf("\n")
		if err != nil {
			r.printf("FAILED: %v\n", err)
		}
		r.printf("took %s; %s; %s\n", time.Since(began).Round(time.Second), began.UTC().Format("2006-01-02 15:04 MST"), o.Command)
		if werr := os.WriteFile(o.Out, log.Bytes(), 0o644); werr != nil {
			err = errors.Join(err, fmt.Errorf("write the results: %w", werr))
		}
	}()
	for _, t := range []struct {
		path *string
		name string
		from string
	}{{&r.wrk, "wrk", "Debian's wrk (apt-get install wrk)"}, {&r.pgbench, "pgbench", "postgresql-client"}, {&r.psql, "psql", "postgresql-client"}} {
		if *t.path, err = exec.LookPath(t.name); err != nil {
			return fmt.Errorf("%s is not on PATH: install %s", t.name, t.from)
		}
	}
	if r.tmp, err = os.MkdirTemp("", "pipeline-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.tmp)
	defer r.stopChildren()
	defer func() {
		if r.db != nil {
			r.db.Close()
		}
	}()

	r.printf("pipeline bench: %d projects, %d round(s) of %s per side, %d client(s) a side; results also in %s\n",
		o.Projects, o.Rounds, o.Round, o.Clients, o.Out)
	r.printf("(rates: requests or transactions per second; a total is all of them over all the time, its p50 the median\n" +
		" of the rounds' p50 and its p99 the highest round's p99; ratio: the first side's rate over the second's)\n")
	steps := []struct {
		name string
		fn   func(context.Context) error
		pair bool // one of the measurements that -pairs chooses from
	}{
		{"schema and migrations", r.prepareSchema, false},
		{"generate", r.generate, false},
		{"start the service", r.startService, false},
		{"healthz", r.healthzPair, true},
		{"auth", r.authPair, true},
		{"list", r.listPair, true},
		{"get", r.getPair, true},
		{"page", r.pagePair, true},
		{"move", r.movePair, true},
		{"overview", r.overview, true},
		{"export", r.exportPair, true},
		// Memory is read before the overview with every ID, an answer of
		// tens of megabytes at the full size, which is measured last and
		// reports the memory it took by itself.
		{"memory", r.memory, false},
		{"overview-ids", r.overviewIDs, true},
		{"stop the service", r.stopService, false},
	}
	for _, s := range steps {
		if s.pair && len(o.Pairs) > 0 && !slices.Contains(o.Pairs, s.name) {
			continue
		}
		t0 := time.Now()
		if err := s.fn(ctx); err != nil {
			var pf pairFailure
			if !errors.As(err, &pf) || ctx.Err() != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			// One pair that could not be measured does not hide the others.
			r.printf("FAIL %s: %v\n", s.name, err)
			r.failed = append(r.failed, s.name)
		}
		r.phases = append(r.phases, phase{s.name, time.Since(t0)})
	}
	r.summary()
	if len(r.failed) > 0 {
		return fmt.Errorf("not measured: %s", strings.Join(r.failed, ", "))
	}
	return nil
}

func (r *run) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

// prepareSchema creates the bench schema afresh and migrates it with the
// service's own migrate command.
func (r *run) prepareSchema(ctx context.Context) error {
	u, _ := url.Parse(r.o.DatabaseURL)
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	r.baseURL = u.String()
	// pg_trgm lives in public, where the migrations find it whatever the
	// schema (as the tests keep it).
	q.Set("search_path", r.o.Schema+",public")
	u.RawQuery = q.Encode()
	schemaURL := u.String()
	r.pgEnv = append(withoutPrefix(r.o.Env, "PGOPTIONS="), "PGOPTIONS=-c search_path="+r.o.Schema+",public")
	r.childEnv = append(withoutPrefix(r.o.Env, "PIPELINE_"),
		"PIPELINE_DATABASE_URL="+schemaURL,
		"PIPELINE_ADDR=127.0.0.1:0",
		"PIPELINE_DATA_DIR="+filepath.Join(r.tmp, "data"),
		"PIPELINE_DEMO=false",
		"PIPELINE_LOG_LEVEL=error",
	)

	admin, err := sql.Open("pgx", r.baseURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, s := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
		"DROP SCHEMA IF EXISTS " + r.o.Schema + " CASCADE",
		"CREATE SCHEMA " + r.o.Schema,
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil && !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	if err := r.command(ctx, nil, "migrate"); err != nil {
		return err
	}
	r.db, err = sql.Open("pgx", schemaURL)
	return err
}

// generate loads the register and what the service and pgbench need
// beside it.
func (r *run) generate(ctx context.Context) error {
	t0 := time.Now()
	if err := Generate(ctx, r.db, r.o.Projects); err != nil {
		return err
	}
	// The service computes every project's health again when the health
	// rules differ from those the stored health was computed with (the
	// setting health_rules of internal/project): generated health counts as
	// computed with the rules the service will run with, or the service
	// would spend the benchmark recomputing it.
	cfg, err := config.Load(getenv(r.childEnv))
	if err != nil {
		return fmt.Errorf("the service's configuration: %w", err)
	}
	if _, err := r.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('health_rules', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, cfg.HealthRules().Fingerprint()); err != nil {
		return fmt.Errorf("store the health rules: %w", err)
	}
	// A checkpoint now rather than in the middle of a measurement.
	if _, err := r.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		r.printf("(no checkpoint after loading: %v)\n", err)
	}
	var projects, history, plans, progress int
	if err := r.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM project_transitions),
		(SELECT count(*) FROM project_plans), (SELECT count(*) FROM project_progress)`).Scan(&projects, &history, &plans, &progress); err != nil {
		return err
	}
	r.printf("generated %d projects, %d history entries, %d plans, %d months of progress in %s\n",
		projects, history, plans, progress, time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// withoutPrefix drops the variables whose name starts with prefix.
func withoutPrefix(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// getenv looks a variable up in env, the last setting winning.
func getenv(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, kv := range env {
			if name, val, ok := strings.Cut(kv, "="); ok && name == k {
				v = val
			}
		}
		return v
	}
}
