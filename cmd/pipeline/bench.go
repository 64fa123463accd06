package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/bench"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/httpapi"
)

// runBench is the benchmark command: its flags, then package bench.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	full := fs.Bool("full", false, fmt.Sprintf("the full run: %d projects", bench.FullProjects))
	projects := fs.Int("projects", 0, fmt.Sprintf("projects to generate (default %d, or %d with -full)", bench.QuickProjects, bench.FullProjects))
	out := fs.String("out", "bench-results.txt", "file the results are written to as well")
	dbURL := fs.String("database-url", "", "PostgreSQL on this machine, postgres://… (default $PIPELINE_BENCH_DATABASE_URL, else $PIPELINE_TEST_DATABASE_URL)")
	round := fs.Duration("round", 5*time.Second, "length of each side of a round, whole seconds")
	rounds := fs.Int("rounds", 3, "rounds of each pair")
	clients := fs.Int("clients", 4, "connections of each side")
	pprof := fs.String("pprof", "", "serve the service's profiler on this loopback address (e.g. 127.0.0.1:6060)")
	pairs := fs.String("pairs", "", "only these pairs, comma-separated (healthz, auth, list, get, page, move, overview, export)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected %q", fs.Args())
	}
	n := bench.QuickProjects
	if *full {
		n = bench.FullProjects
	}
	if *projects > 0 {
		n = *projects
	}
	dbu := cmp.Or(*dbURL, getenv("PIPELINE_BENCH_DATABASE_URL"), getenv("PIPELINE_TEST_DATABASE_URL"))
	if dbu == "" {
		return errors.New("bench: set PIPELINE_BENCH_DATABASE_URL (or PIPELINE_TEST_DATABASE_URL) to a PostgreSQL database on this machine, or pass -database-url")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the pipeline binary: %w", err)
	}
	var only []string
	if *pairs != "" {
		only = strings.Split(*pairs, ",")
	}
	return bench.Run(ctx, bench.Options{
		DatabaseURL: dbu, Projects: n, Rounds: *rounds, Round: *round, Clients: *clients, Out: *out, Pairs: only, Pprof: *pprof,
		Service: self, Command: "pipeline bench " + strings.Join(redacted(args), " "),
	}, stdout)
}

// redacted is args with the password of a -database-url masked, for the
// command line recorded with the results.
func redacted(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		switch name, value, inline := strings.Cut(a, "="); {
		case (name == "-database-url" || name == "--database-url") && inline:
			out[i] = name + "=" + redactedURL(value)
		case (a == "-database-url" || a == "--database-url") && i+1 < len(out):
			out[i+1] = redactedURL(out[i+1])
		}
	}
	return out
}

func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "…"
	}
	return u.Redacted()
}

// benchPairs is the pair server that the benchmark command starts beside
// the service (pipeline bench serve-pairs, not for operators): on loopback
// ports of their own, GET /api/v1/projects/:id with and without
// authentication, the latter as the principal of token, and a bare gin
// /healthz, each behind the service's HTTP server settings. It announces
// each address on stdout and serves until ctx ends.
func benchPairs(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, token string) error {
	a, err := wire(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer a.db.Close()
	p, err := a.tokens.Verify(token)
	if err != nil {
		return fmt.Errorf("bench serve-pairs: the principal to serve as (PIPELINE_BENCH_TOKEN): %w", err)
	}
	withAuth, withoutAuth, err := httpapi.AuthPair(a.deps(cfg, log), p)
	if err != nil {
		return err
	}
	cfg.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	handlers := []struct {
		name string
		h    http.Handler
	}{{"authenticated", withAuth}, {"unauthenticated", withoutAuth}, {"bare-gin", httpapi.BareHealthz()}}
	errs := make(chan error, len(handlers))
	for _, s := range handlers {
		go func() {
			errs <- httpapi.Serve(ctx, cfg, s.h, log, func(addr net.Addr) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(stdout, "bench serves %s on http://%s\n", s.name, addr)
			})
		}()
	}
	for range handlers {
		if e := <-errs; e != nil && err == nil {
			err = e
			cancel()
		}
	}
	return err
}
