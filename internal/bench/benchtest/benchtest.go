// Package benchtest holds what the benchmark's tests share.
package benchtest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// NeedTools skips t without wrk, pgbench or psql, or without PostgreSQL
// (PIPELINE_TEST_DATABASE_URL) when database is set, unless
// PIPELINE_BENCH_TESTS=required (CI), where their absence fails it.
func NeedTools(t testing.TB, database bool) {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("PIPELINE_BENCH_TESTS") == "required" {
			t.Fatalf("%s, and PIPELINE_BENCH_TESTS=required", why)
		}
		t.Skip(why + ": benchmark command tests skipped")
	}
	if database && os.Getenv(dbtest.EnvURL) == "" {
		missing(dbtest.EnvURL + " is not set")
	}
	for _, tool := range []string{"wrk", "pgbench", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing(tool + " is not on PATH (wrk: apt-get install wrk; pgbench, psql: postgresql-client)")
		}
	}
}
