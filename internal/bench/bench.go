// Package bench is the benchmark (cmd/pipeline-bench): it loads a generated
// register into a PostgreSQL schema of its own, starts the pipeline binary
// on it as a child process and measures, with load from separate processes
// (wrk, pgbench, psql) on loopback, each pair that docs/performance.md
// names, interleaving the two sides of every pair over the rounds so that
// the drift of a shared machine falls on both alike. It prints each round,
// each pair's rates, ratio, p50 and p99 beside its target, the service's
// peak memory, and writes the same to a file.
//
// With Options.Against it compares two pipeline binaries instead: both
// serve the same schema, and each chosen pair's service side runs against
// one and then the other, round after round (see compare.go).
package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
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
	Rounds      int           // rounds of each pair; default 3, or 5 in a comparison
	Runs        int           // full runs of the pairs, one after another, for the median of each ratio; default 1
	Round       time.Duration // length of each side of a round; default 5s
	Clients     int           // connections of each side; default 4
	Pairs       []string      // the pairs to measure, by name; default all
	Pprof       string        // a loopback address to serve the service's profiler on; default none
	Out         string        // the results file; default "bench-results.txt"
	// Service is the pipeline binary: its serve, migrate and user commands
	// run as child processes.
	Service string
	// Against is a second pipeline binary to compare Service with, pair
	// by pair, instead of comparing the service with pgbench, psql and
	// bare gin. It serves the schema that Service migrated.
	Against string
	// Bare is the floor of the healthz pair: a handler with nothing but
	// GET /healthz, answering the service's body. The bench serves it on
	// a loopback port of its own, in its own process. The healthz pair
	// needs it, except in a comparison.
	Bare http.Handler
	// Floor builds the floor of the get and list pairs: a handler of
	// GET /api/v1/projects/{id} and GET /api/v1/projects?stage=…&limit=…
	// that answers with what the statements select, through pool, on the
	// bench schema, with no authentication, middleware or ORM. The bench
	// serves it as it serves Bare. The get and list pairs need it, except
	// in a comparison.
	Floor func(pool *pgxpool.Pool, q FloorSQL) http.Handler
	// Command is the command line recorded with the results.
	Command string
	// Env is the environment the tools and the children start from
	// (default os.Environ()); the children's PIPELINE_* settings are the
	// bench's own.
	Env []string
}

// run is one benchmark run: its options, tools, temporary folder, schema,
// the children and what was measured.
type run struct {
	o         Options
	out       io.Writer // the terminal and the results
	tmp       string
	wrk       string
	pgbench   string
	psql      string
	db        *sql.DB // the bench schema
	baseURL   string  // the server, for pgbench and psql
	pgEnv     []string
	childEnv  []string
	svc       *service // the service (Options.Service)
	against   *service // the binary it is compared with (Options.Against), or nil
	bare      *bareServer
	floor     *bareServer   // the floor of the get and list pairs
	floorPool *pgxpool.Pool // its connections
	schemaURL string        // the bench schema, for the floor's pool
	password  string
	// client talks to the service outside the measurements: signing in,
	// the check of each request before wrk sends it, the walk to a deep
	// page, the export. Deadlines come from the context: an export takes
	// longer than one timeout would fit.
	client  *http.Client
	phases  []phase
	results []result
	failed  []string
	runNo   int // the run under way, of Options.Runs (from 1 when there are several)
}

type phase struct {
	name string
	took time.Duration
}

// step is one thing a run does; pair: one of the measurements that
// Options.Pairs chooses from.
type step struct {
	name string
	fn   func(context.Context) error
	pair bool
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
	defer func() { err = r.finish(err, began, &log) }()
	if err := r.findTools(); err != nil {
		return err
	}
	if r.tmp, err = os.MkdirTemp("", "pipeline-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.tmp)
	defer r.stopChildren()
	defer r.closeDB()
	r.header()
	if err := r.runSteps(ctx); err != nil {
		return err
	}
	r.summary()
	if len(r.failed) > 0 {
		return fmt.Errorf("not measured: %s", strings.Join(r.failed, ", "))
	}
	return nil
}

// finish prints how the run ended and writes everything printed to the
// results file.
func (r *run) finish(err error, began time.Time, printed *bytes.Buffer) error {
	r.printf("\n")
	if err != nil {
		r.printf("FAILED: %v\n", err)
	}
	r.printf("took %s; %s; %s\n", time.Since(began).Round(time.Second), began.UTC().Format("2006-01-02 15:04 MST"), r.o.Command)
	if werr := os.WriteFile(r.o.Out, printed.Bytes(), 0o644); werr != nil {
		err = errors.Join(err, fmt.Errorf("write the results: %w", werr))
	}
	return err
}

func (r *run) findTools() error {
	for _, t := range []struct {
		path *string
		name string
		from string
	}{{&r.wrk, "wrk", "Debian's wrk (apt-get install wrk)"}, {&r.pgbench, "pgbench", "postgresql-client"}, {&r.psql, "psql", "postgresql-client"}} {
		var err error
		if *t.path, err = exec.LookPath(t.name); err != nil {
			return fmt.Errorf("%s is not on PATH: install %s", t.name, t.from)
		}
	}
	return nil
}

func (r *run) closeDB() {
	if r.db != nil {
		r.db.Close()
	}
}

func (r *run) header() {
	o := r.o
	r.printf("pipeline-bench: %d projects, %d round(s) of %s per side, %d client(s) a side; results also in %s\n",
		o.Projects, o.Rounds, o.Round, o.Clients, o.Out)
	r.printf("service: %s\n", o.Service)
	if o.Against != "" {
		r.printf("against: %s (the baseline; every round runs both, the service first in odd rounds, the baseline in even ones)\n", o.Against)
	}
	r.printf("(rates: requests or transactions per second; a total is all of them over all the time, its p50 the median\n" +
		" of the rounds' p50 and its p99 the highest round's p99; ratio: the first side's rate over the second's)\n")
}

// steps are what a run does, in order: the pairs of the service against
// their floors, or, with Options.Against, the comparisons of the two
// binaries.
func (r *run) steps() []step {
	start := []step{
		{"schema and migrations", r.prepareSchema, false},
		{"generate", r.generate, false},
		{"start the service", r.startServices, false},
	}
	if r.o.Against != "" {
		return append(append(start, r.comparisonSteps()...), step{"stop the services", r.stopServices, false})
	}
	steps := start
	for i := range r.o.Runs {
		if r.o.Runs > 1 {
			steps = append(steps, step{fmt.Sprintf("run %d", i+1), func(context.Context) error {
				r.runNo = i + 1
				r.printf("\n=== run %d of %d\n", i+1, r.o.Runs)
				return nil
			}, false})
		}
		steps = append(steps, r.pairSteps()...)
	}
	return append(steps,
		// Memory is the service's peak over everything above, the overview
		// with every ID included.
		step{"memory", func(ctx context.Context) error { r.runNo = 0; return r.memory(ctx) }, false},
		step{"stop the service", r.stopServices, false},
	)
}

// pairSteps are one run's measurements of the service against its floors.
func (r *run) pairSteps() []step {
	return []step{
		{"healthz", r.healthzPair, true},
		{"list", r.listPair, true},
		{"get", r.getPair, true},
		{"page", r.pagePair, true},
		{"move", r.movePair, true},
		// The delivery latency of moves to a webhook, beside the move pair.
		{"webhook", func(ctx context.Context) error {
			if !r.o.wants("move") {
				return nil
			}
			return r.webhookLatency(ctx)
		}, false},
		{"overview", r.overview, true},
		{"export", r.exportPair, true},
		{"overview-ids", r.overviewIDs, true},
	}
}

// pairNames are the pairs a run can measure, in order.
func pairNames(comparison bool) []string {
	if comparison {
		return comparableNames()
	}
	return []string{"healthz", "list", "get", "page", "move", "overview", "export", "overview-ids"}
}

// wants reports whether the run measures pair key.
func (o Options) wants(key string) bool { return len(o.Pairs) == 0 || slices.Contains(o.Pairs, key) }

// runSteps runs the steps that the options choose. A pair that could not
// be measured is reported and the others go on; anything else ends the
// run.
func (r *run) runSteps(ctx context.Context) error {
	for _, s := range r.steps() {
		if s.pair && !r.o.wants(s.name) {
			continue
		}
		t0, had := time.Now(), len(r.results)
		err := s.fn(ctx)
		for i := had; i < len(r.results); i++ {
			r.results[i].run = r.runNo
		}
		if err != nil {
			var pf pairFailure
			if !errors.As(err, &pf) || ctx.Err() != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			r.printf("FAIL %s: %v\n", s.name, err)
			r.failed = append(r.failed, s.name)
		}
		r.phases = append(r.phases, phase{s.name, time.Since(t0)})
	}
	return nil
}

func (r *run) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }
