package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/bench/benchtest"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// buildService builds the pipeline binary the bench starts.
func buildService(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the pipeline binary")
	bin := filepath.Join(t.TempDir(), "pipeline")
	build := exec.Command(goTool, "build", "-o", bin, "github.com/guangling/pipeline/cmd/pipeline")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// testSchema names a bench schema of t's own, dropped when t ends.
func testSchema(t *testing.T) string {
	base := os.Getenv(dbtest.EnvURL)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
			db.Close()
		}
	})
	return schema
}

// bareHealthz stands for the bare gin engine of cmd/pipeline-bench, which
// this package does not import: a handler that answers the service's body.
var bareHealthz = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/healthz" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
})

// floorStandIn stands for the gin floor of cmd/pipeline-bench, which this
// package does not import: the same statements through net/http. answer
// edits the list's statement (a floor that answers other projects).
func floorStandIn(list func(string) string) func(*pgxpool.Pool, FloorSQL) http.Handler {
	return func(pool *pgxpool.Pool, q FloorSQL) http.Handler {
		answer := func(w http.ResponseWriter, r *http.Request, sql string, args ...any) {
			var body []byte
			if err := pool.QueryRow(r.Context(), sql, args...).Scan(&body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(body)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/v1/projects/{id}", func(w http.ResponseWriter, r *http.Request) { answer(w, r, q.Get, r.PathValue("id")) })
		mux.HandleFunc("GET /api/v1/projects", func(w http.ResponseWriter, r *http.Request) {
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			answer(w, r, list(q.List), r.URL.Query().Get("stage"), limit)
		})
		return mux
	}
}

func same(sql string) string { return sql }

// TestRun runs the whole benchmark at a tiny size and checks that every
// pair was measured on both sides. Run fails when wrk saw an answer other
// than 2xx or a socket error, or pgbench an error, so a pass also says that
// every measured request succeeded. It asserts no time.
func TestRun(t *testing.T) {
	benchtest.NeedTools(t, true)
	bin := buildService(t)
	results := filepath.Join(t.TempDir(), "results.txt")
	var stdout bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, Options{DatabaseURL: os.Getenv(dbtest.EnvURL), Schema: testSchema(t), Projects: 300, Rounds: 1, Round: time.Second, Clients: 2,
		Out: results, Service: bin, Bare: bareHealthz, Floor: floorStandIn(same), Command: "go test ./internal/bench"}, &stdout)
	require.NoError(t, err, stdout.String())

	file, err := os.ReadFile(results)
	require.NoError(t, err)
	assert.Equal(t, stdout.String(), string(file), "the file holds what was printed")
	for _, key := range []string{"healthz", "list", "get", "page", "move", "export csv", "export xlsx"} {
		m := regexp.MustCompile(`(?m)^  ` + key + ` +.*? ([0-9.]+)/s vs .*? ([0-9.]+)/s`).FindStringSubmatch(string(file))
		if assert.NotNil(t, m, "summary line of %s", key) {
			for _, v := range m[1:] {
				f, _ := strconv.ParseFloat(v, 64)
				assert.Positive(t, f, "a rate of %s", key)
			}
		}
	}
	m := regexp.MustCompile(`(?m)^  overview +([0-9.]+)/s, p50`).FindStringSubmatch(string(file))
	if assert.NotNil(t, m, "summary line of the overview") {
		f, _ := strconv.ParseFloat(m[1], 64)
		assert.Positive(t, f)
	}
	// What each side cost per operation, and where: the move's service
	// side in the service and PostgreSQL, pgbench's in PostgreSQL and the
	// tool (and in the service, which may still be sealing the moves' audit
	// entries).
	assert.Regexp(t, `(?m)^move: (.*\n)+?  cpu/op   service: service [0-9.]+ ms, PostgreSQL [0-9.]+ ms, tools [0-9.]+ ms; `+
		`its SQL: (service [0-9.]+ ms, )?PostgreSQL [0-9.]+ ms, tools [0-9.]+ ms\n`, string(file))
	// The move's SQL ran (a failed transaction would have failed the run),
	// and the WAL of each kind of move was read.
	assert.Regexp(t, `(?m)^  wal/op   service [1-9][0-9]* B, its SQL [1-9][0-9]* B, bare transaction [1-9][0-9]* B; service/bare [0-9.]+×  target ≤ 2×`, string(file))
	// The floor answered the service's projects (the run checks it first)
	// and cost the bench process.
	assert.Regexp(t, `(?m)^get: (.*\n)+?  cpu/op   service: .*; floor: (service [0-9.]+ ms, )?bench process [0-9.]+ ms`, string(file))
	assert.Regexp(t, `(?m)^  for reference, pgbench of the service's SQL, one round: [0-9.]+/s`, string(file))
	// Each export produced its file; the service's memory was watched.
	for _, f := range []string{"export-copy.csv", "CSV-export.csv", "XLSX-export.xlsx"} {
		assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(f)+`: (0\.[1-9]|[1-9])[0-9.]* MB$`, string(file))
	}
	assert.Regexp(t, `(?m)^export csv: (.*\n)*?  cpu/op   CSV export: service [0-9.]+ ms.*; psql \\copy: .*tools [0-9.]+ ms`, string(file))
	assert.Regexp(t, `(?m)^  service peak RSS during the exports [1-9][0-9]* MB$`, string(file))
	assert.Regexp(t, `(?m)^  memory +service peak RSS \(VmHWM\) [1-9][0-9]* MB`, string(file))
	assert.Regexp(t, `(?m)^  ids +[0-9.]+/s, p50 .*, [0-9.]+ MB each, peak RSS [1-9][0-9]* MB`, string(file))
	assert.Regexp(t, `(?m)^webhook +40 stage moves .*: p50 [0-9.]+ ms  max [0-9.]+ ms$`, string(file), "the delivery latency of moves")
	assert.Contains(t, string(file), "phases: schema and migrations")
}

// TestWrkCountsWrongAnswers holds the rule that makes the figures worth
// reading: a side whose answers are not all 2xx is not measured.
func TestWrkCountsWrongAnswers(t *testing.T) {
	benchtest.NeedTools(t, false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusOK)
		case "/move":
			w.WriteHeader(http.StatusOK) // not the 201 a move answers
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	wrk, _ := exec.LookPath("wrk")
	r := &run{o: Options{Clients: 1, Env: os.Environ()}, tmp: t.TempDir(), wrk: wrk}
	ctx := context.Background()

	s, err := r.wrkRun(ctx, srv.URL+"/ok", "", time.Second)
	require.NoError(t, err)
	assert.Positive(t, s.n)
	assert.Positive(t, s.rate())

	_, err = r.wrkRun(ctx, srv.URL+"/denied", "", time.Second)
	var pf pairFailure
	require.ErrorAs(t, err, &pf)
	assert.Contains(t, err.Error(), "4xx/5xx")

	// A script's response function counts what wrk itself would not: a
	// move answers 201.
	counting := `
function init(args) wrong = 0 end
function request() return wrk.format("POST", "/move") end
function response(status) if status ~= 201 then wrong = wrong + 1 end end
`
	_, err = r.wrkRun(ctx, srv.URL, counting, time.Second)
	require.ErrorAs(t, err, &pf)
	assert.Regexp(t, `0 4xx/5xx answers, [1-9][0-9]* answers other than the script expects`, err.Error())
}

// TestCompare runs the comparison of two binaries, here the same one
// twice, on the move pair, and checks that each side's median and spread
// of its rate and of its processor time per move were printed.
func TestCompare(t *testing.T) {
	benchtest.NeedTools(t, true)
	bin := buildService(t)
	results := filepath.Join(t.TempDir(), "results.txt")
	var stdout bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, Options{DatabaseURL: os.Getenv(dbtest.EnvURL), Schema: testSchema(t), Projects: 300, Rounds: 2, Round: time.Second, Clients: 2,
		Pairs: []string{"move"}, Out: results, Service: bin, Against: bin, Command: "go test ./internal/bench"}, &stdout)
	require.NoError(t, err, stdout.String())

	file, err := os.ReadFile(results)
	require.NoError(t, err)
	out := string(file)
	assert.Regexp(t, `(?m)^against: `+regexp.QuoteMeta(bin), out)
	assert.Regexp(t, `(?m)^move: .*; the service against the baseline, in turns$`, out)
	for _, round := range []string{"1", "2"} {
		assert.Regexp(t, `(?m)^  round `+round+`  service +[0-9.]+/s .*  baseline +[0-9.]+/s .*ratio [0-9.]+$`, out)
	}
	for _, name := range []string{"service", "baseline"} {
		assert.Regexp(t, `(?m)^  `+name+` +[0-9.]+/s \([0-9.]+–[0-9.]+\)  cpu/op: service [0-9.]+ ms \([0-9.]+–[0-9.]+\), PostgreSQL [0-9.]+ ms \([0-9.]+–[0-9.]+\)$`, out)
	}
	assert.Regexp(t, `(?m)^  ratio of the median rates [0-9.]+$`, out)
	assert.Regexp(t, `(?m)^  move +service [0-9.]+/s vs baseline [0-9.]+/s \(medians\) +[0-9.]+`, out)
	assert.NotContains(t, out, "pgbench", "a comparison runs no pgbench side")
}

// TestOptionsRefuse holds what a run refuses before it starts anything.
func TestOptionsRefuse(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "pipeline")
	require.NoError(t, os.WriteFile(bin, nil, 0o755))
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string // "" when the options are accepted
	}{
		{"every pair", func(*Options) {}, ""},
		{"no floor", func(o *Options) { o.Floor = nil }, "the get and list pairs need a floor"},
		{"no floor, no get or list", func(o *Options) { o.Floor, o.Pairs = nil, []string{"move", "healthz"} }, ""},
		{"several runs", func(o *Options) { o.Runs = 3 }, ""},
		{"several runs of a comparison", func(o *Options) { o.Against, o.Runs = bin, 3 }, "a comparison of two binaries takes -rounds"},
		{"unknown pair", func(o *Options) { o.Pairs = []string{"auth"} }, `pair "auth": the pairs are healthz, list, get, page, move, overview, export, overview-ids`},
		{"no bare handler", func(o *Options) { o.Bare = nil }, "the healthz pair needs a bare handler"},
		{"no bare handler, no healthz", func(o *Options) { o.Bare, o.Pairs = nil, []string{"move"} }, ""},
		{"comparison", func(o *Options) { o.Against, o.Bare = bin, nil }, ""},
		{"comparison of a pair that does not compare", func(o *Options) { o.Against, o.Pairs = bin, []string{"overview-ids"} },
			`pair "overview-ids": the pairs that compare two binaries are healthz, list, get, page, move, overview, export`},
		{"missing binary", func(o *Options) { o.Service = bin + "-none" }, "not a file"},
		{"missing baseline", func(o *Options) { o.Against = bin + "-none" }, "not a file"},
		{"remote database", func(o *Options) { o.DatabaseURL = "postgres://db.example.org/test" }, "must be on loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{DatabaseURL: "postgres://127.0.0.1/test", Service: bin, Bare: bareHealthz, Floor: floorStandIn(same)}
			tc.edit(&o)
			_, err := o.withDefaults()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestRoundsDefault: three rounds, or five when two binaries are compared.
func TestRoundsDefault(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "pipeline")
	require.NoError(t, os.WriteFile(bin, nil, 0o755))
	o, err := Options{DatabaseURL: "postgres://127.0.0.1/test", Service: bin, Bare: bareHealthz, Floor: floorStandIn(same)}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 3, o.Rounds)
	o, err = Options{DatabaseURL: "postgres://127.0.0.1/test", Service: bin, Against: bin}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 5, o.Rounds)
}

// TestFloorAnswersTheSame: a floor that answers other projects than the
// service (here the list's last page first) is not measured against it.
func TestFloorAnswersTheSame(t *testing.T) {
	benchtest.NeedTools(t, true)
	bin := buildService(t)
	results := filepath.Join(t.TempDir(), "results.txt")
	var stdout bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	other := func(sql string) string {
		return strings.Replace(sql, "ORDER BY created_at, id LIMIT", "ORDER BY created_at DESC, id DESC LIMIT", 1)
	}
	err := Run(ctx, Options{DatabaseURL: os.Getenv(dbtest.EnvURL), Schema: testSchema(t), Projects: 300, Rounds: 1, Round: time.Second, Clients: 2,
		Pairs: []string{"list", "get"}, Out: results, Service: bin, Floor: floorStandIn(other), Command: "go test ./internal/bench"}, &stdout)
	require.ErrorContains(t, err, "not measured: list")
	assert.Contains(t, stdout.String(), "the floor answers other projects than the service")
	assert.Regexp(t, `(?m)^  get +service [0-9.]+/s vs floor [0-9.]+/s`, stdout.String(), "the get pair, whose floor answers the same, is measured")
}

// TestRuns: several runs print each pair's median ratio with each run's.
func TestRuns(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := &run{o: Options{Runs: 3, Projects: 100, Clients: 1, Rounds: 1, Round: time.Second}, out: &out}
	for i, v := range []float64{0.9, 0.5, 0.7} {
		r.results = append(r.results, result{key: "get", value: v, target: 0.8, goal: "≥ 0.80", run: i + 1},
			result{key: "move WAL", value: 3 - v, target: 2, atMost: true, goal: "≤ 2×", run: i + 1},
			result{key: "ids", info: true, run: i + 1})
	}
	r.summary()
	assert.Regexp(t, `(?m)^  get +median 0\.70  \(0\.90, 0\.50, 0\.70\)  target ≥ 0\.80  MISS$`, out.String())
	assert.Regexp(t, `(?m)^  move WAL +median 2\.30  \(2\.10, 2\.50, 2\.30\)  target ≤ 2×  MISS$`, out.String())
	assert.NotRegexp(t, `(?m)^  ids +median`, out.String(), "a figure without a target has no median")
}
