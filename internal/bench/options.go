package bench

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

func (o Options) withDefaults() (Options, error) {
	o.Schema = cmp.Or(o.Schema, "pipeline_bench")
	o.Projects = cmp.Or(o.Projects, QuickProjects)
	if o.Against != "" {
		o.Rounds = cmp.Or(o.Rounds, 5)
	}
	o.Rounds = cmp.Or(o.Rounds, 3)
	o.Runs = cmp.Or(o.Runs, 1)
	o.Round = cmp.Or(o.Round, 5*time.Second)
	o.Clients = cmp.Or(o.Clients, 4)
	o.Out = cmp.Or(o.Out, "bench-results.txt")
	if o.Env == nil {
		o.Env = os.Environ()
	}
	if err := o.check(); err != nil {
		return o, err
	}
	if err := o.checkBinaries(); err != nil {
		return o, err
	}
	if err := o.checkPairs(); err != nil {
		return o, err
	}
	return o, checkDatabaseURL(o.DatabaseURL)
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (o Options) check() error {
	switch {
	case o.DatabaseURL == "":
		return errors.New("no database: set PIPELINE_BENCH_DATABASE_URL (or PIPELINE_TEST_DATABASE_URL) or pass -database-url")
	case !identifier.MatchString(o.Schema):
		return fmt.Errorf("schema %q: want a lower-case SQL identifier", o.Schema)
	case o.Projects < 100:
		return fmt.Errorf("%d projects: want at least 100", o.Projects)
	case o.Rounds < 1 || o.Clients < 1 || o.Runs < 1:
		return errors.New("runs, rounds and clients: want at least 1")
	case o.Runs > 1 && o.Against != "":
		return errors.New("runs: a comparison of two binaries takes -rounds, not -runs")
	case o.Round < time.Second:
		return errors.New("round: want at least 1s (wrk and pgbench count whole seconds)")
	}
	return nil
}

// checkBinaries fails unless the pipeline binaries are files.
func (o Options) checkBinaries() error {
	if o.Service == "" {
		return errors.New("no service binary")
	}
	for _, bin := range []string{o.Service, o.Against} {
		if bin == "" {
			continue
		}
		if st, err := os.Stat(bin); err != nil || st.IsDir() {
			return fmt.Errorf("pipeline binary %q: not a file", bin)
		}
	}
	return nil
}

// checkPairs fails on a pair name that the run does not know, and when the
// healthz pair has no bare handler to be compared with.
func (o Options) checkPairs() error {
	names := pairNames(o.Against != "")
	for _, p := range o.Pairs {
		if !slices.Contains(names, p) {
			how := "pairs"
			if o.Against != "" {
				how = "pairs that compare two binaries"
			}
			return fmt.Errorf("pair %q: the %s are %s", p, how, strings.Join(names, ", "))
		}
	}
	if o.Against == "" && o.wants("healthz") && o.Bare == nil {
		return errors.New("the healthz pair needs a bare handler to compare with")
	}
	if o.Against == "" && (o.wants("get") || o.wants("list")) && o.Floor == nil {
		return errors.New("the get and list pairs need a floor to compare with")
	}
	return nil
}

func checkDatabaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return errors.New("database URL: want postgres://…")
	}
	// libpq and pgx take hosts from the query too; the bench compares with
	// tools on this machine, so only the URL's own host may say where.
	if q := u.Query(); q.Has("host") || q.Has("hostaddr") {
		return errors.New("database URL: name the host in the URL itself, not in a host or hostaddr parameter")
	}
	if !local(u.Hostname()) {
		return fmt.Errorf("database host %q: the bench compares with pgbench and psql on this machine, so the database must be on loopback", u.Hostname())
	}
	return nil
}

// local reports whether a database host is this machine: loopback, or a
// local socket (no host, or a socket folder).
func local(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || host == "localhost" || strings.HasPrefix(host, "/") || ip != nil && ip.IsLoopback()
}
