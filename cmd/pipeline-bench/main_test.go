package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to drop the test's schema
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/bench/benchtest"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestNeedsADatabase(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-rounds", "1"}, envOf(map[string]string{}), &out, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PIPELINE_BENCH_DATABASE_URL")
	assert.Empty(t, out.String(), "nothing built or started")
}

func TestRedactsThePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-full"}, []string{"-full"}},
		{[]string{"-database-url", "postgres://u:secret@127.0.0.1/db", "-full"}, []string{"-database-url", "postgres://u:xxxxx@127.0.0.1/db", "-full"}},
		{[]string{"--database-url=postgres://u:secret@127.0.0.1/db"}, []string{"--database-url=postgres://u:xxxxx@127.0.0.1/db"}},
		{[]string{"-database-url"}, []string{"-database-url"}},
	} {
		assert.Equal(t, tc.want, redacted(tc.in))
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"PIPELINE_TEST_DATABASE_URL": "postgres://127.0.0.1/test"})
	o, err := parseFlags([]string{"-full", "-pairs", "move,get", "-service", "/bin/new", "-against", "/bin/base"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "postgres://127.0.0.1/test", o.DatabaseURL)
	assert.Equal(t, 200_000, o.Projects)
	assert.Equal(t, []string{"move", "get"}, o.Pairs)
	assert.Equal(t, "/bin/new", o.Service)
	assert.Equal(t, "/bin/base", o.Against)
	assert.Zero(t, o.Rounds, "the benchmark's default: 3, or 5 in a comparison")
	assert.NotNil(t, o.Bare)
	assert.NotNil(t, o.Floor)
	assert.Equal(t, 1, o.Runs)

	o, err = parseFlags([]string{"-projects", "2000", "-runs", "3", "-database-url", "postgres://127.0.0.1/other"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 2000, o.Projects)
	assert.Equal(t, 3, o.Runs)
	assert.Equal(t, "postgres://127.0.0.1/other", o.DatabaseURL)

	_, err = parseFlags([]string{"-pairs", "move", "extra"}, env, io.Discard)
	assert.ErrorContains(t, err, "unexpected")
}

// TestBareHealthz holds the floor of the healthz pair to the service's
// answer: GET /healthz answers 200 with {"status":"ok"}, and nothing else
// is served.
func TestBareHealthz(t *testing.T) {
	t.Parallel()
	h := bareHealthz()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var got api.Health
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, api.Health{Status: "ok"}, got)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// TestRunBuildsTheService runs the command as docs/performance.md does,
// without -service, on the healthz, get and list pairs: it builds the
// pipeline binary, starts it and measures it against its bare gin engine
// and against its floor of gin and pgx, which must answer a get and a list
// with the service's projects first (the run checks them).
func TestRunBuildsTheService(t *testing.T) {
	benchtest.NeedTools(t, true)
	base := os.Getenv(dbtest.EnvURL)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_cmd_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
			db.Close()
		}
	})
	results := filepath.Join(t.TempDir(), "results.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout bytes.Buffer
	err := run(ctx, []string{"-schema", schema, "-projects", "300", "-rounds", "1", "-round", "1s", "-clients", "2", "-pairs", "healthz,get,list", "-out", results},
		envOf(map[string]string{"PIPELINE_BENCH_DATABASE_URL": base}), &stdout, io.Discard)
	require.NoError(t, err, stdout.String())
	assert.Contains(t, stdout.String(), "building the service: go build "+servicePackage)
	file, err := os.ReadFile(results)
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^  healthz +service [0-9.]+/s vs bare gin [0-9.]+/s`, string(file))
	assert.Regexp(t, `(?m)^healthz: (.*\n)+?  cpu/op   service: service [0-9.]+ ms.*; bare gin: bench process [0-9.]+ ms`, string(file))
	for _, key := range []string{"get", "list"} {
		assert.Regexp(t, `(?m)^  `+key+` +service [0-9.]+/s vs floor [0-9.]+/s`, string(file))
		assert.Regexp(t, `(?m)^`+key+`: (.*\n)+?  cpu/op   service: service [0-9.]+ ms.*; floor: (service [0-9.]+ ms, )?bench process [0-9.]+ ms`, string(file))
	}
	assert.Regexp(t, `(?m) -pairs healthz,get,list -out \S+$`, string(file), "the command line is recorded")
}
