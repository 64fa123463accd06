// Command pipeline-bench measures the pipeline service from outside: it
// loads a generated register into a PostgreSQL schema of its own, starts
// the pipeline binary on it as a child process and compares it, with load
// from wrk, with pgbench, psql \copy and a bare gin handler, or, with
// -against, with a second pipeline binary. docs/performance.md says what
// it measures.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/guangling/pipeline/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline-bench:", err)
		os.Exit(1)
	}
}

// servicePackage is the service's main package, built when no -service is
// given.
const servicePackage = "github.com/guangling/pipeline/cmd/pipeline"

// run is the whole command, with its environment passed in so that tests
// can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if o.Service == "" {
		dir, err := os.MkdirTemp("", "pipeline-bench-build-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintf(stdout, "building the service: go build %s\n", servicePackage)
		if o.Service, err = buildService(ctx, dir); err != nil {
			return err
		}
	}
	return bench.Run(ctx, o, stdout)
}

// parseFlags reads the command line into the benchmark's options.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (bench.Options, error) {
	fs := flag.NewFlagSet("pipeline-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: go run ./cmd/pipeline-bench [flags]\n\n"+
			"PostgreSQL, pgbench, psql and wrk on this machine; see docs/performance.md.\n\nflags:\n")
		fs.PrintDefaults()
	}
	full := fs.Bool("full", false, fmt.Sprintf("the full run: %d projects", bench.FullProjects))
	projects := fs.Int("projects", 0, fmt.Sprintf("projects to generate (default %d, or %d with -full)", bench.QuickProjects, bench.FullProjects))
	out := fs.String("out", "bench-results.txt", "file the results are written to as well")
	dbURL := fs.String("database-url", "", "PostgreSQL on this machine, postgres://… (default $PIPELINE_BENCH_DATABASE_URL, else $PIPELINE_TEST_DATABASE_URL)")
	schema := fs.String("schema", "pipeline_bench", "the schema to work in, dropped and created again")
	round := fs.Duration("round", 5*time.Second, "length of each side of a round, whole seconds")
	rounds := fs.Int("rounds", 0, "rounds of each pair (default 3, or 5 with -against)")
	runs := fs.Int("runs", 1, "full runs of the pairs, one after another on the same register and service; prints each pair's median ratio with each run's")
	clients := fs.Int("clients", 4, "connections of each side")
	pprof := fs.String("pprof", "", "serve the service's profiler on this loopback address (e.g. 127.0.0.1:6060)")
	pairs := fs.String("pairs", "", "only these pairs, comma-separated (healthz, list, get, page, move, overview, export, overview-ids)")
	service := fs.String("service", "", "the pipeline binary to measure (default: go build "+servicePackage+" of the module the command runs in)")
	against := fs.String("against", "", "a second pipeline binary, the baseline: compare the service with it, pair by pair, instead of with pgbench, psql and bare gin")
	if err := fs.Parse(args); err != nil {
		return bench.Options{}, err
	}
	if fs.NArg() > 0 {
		return bench.Options{}, fmt.Errorf("unexpected %q", fs.Args())
	}
	n := bench.QuickProjects
	if *full {
		n = bench.FullProjects
	}
	dbu := cmp.Or(*dbURL, getenv("PIPELINE_BENCH_DATABASE_URL"), getenv("PIPELINE_TEST_DATABASE_URL"))
	if dbu == "" {
		return bench.Options{}, errors.New("set PIPELINE_BENCH_DATABASE_URL (or PIPELINE_TEST_DATABASE_URL) to a PostgreSQL database on this machine, or pass -database-url")
	}
	var only []string
	if *pairs != "" {
		only = strings.Split(*pairs, ",")
	}
	return bench.Options{
		DatabaseURL: dbu, Schema: *schema, Projects: cmp.Or(*projects, n), Rounds: *rounds, Runs: *runs, Round: *round, Clients: *clients,
		Out: *out, Pairs: only, Pprof: *pprof, Service: *service, Against: *against, Bare: bareHealthz(), Floor: floor,
		Command: "pipeline-bench " + strings.Join(redacted(args), " "),
	}, nil
}

// buildService builds the service's binary into dir with the go command,
// from the module the command runs in.
func buildService(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "pipeline")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, servicePackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the service (go build %s, in the repository): %w\n%s(or pass -service PATH)", servicePackage, err, out)
	}
	return bin, nil
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
