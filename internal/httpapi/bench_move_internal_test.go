package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
)

const (
	moveProjects = 1000            // projects toggled; a multiple of every client count
	moveRounds   = 3               // service, pgbench pairs per client count
	moveRound    = 5 * time.Second // length of each side of a round
)

// bareMove is the SQL a move comes down to, for pgbench, on twins of
// projects and project_transitions (same columns, indexes and foreign key).
const bareMove = `\set n random(1, %d)
BEGIN;
SELECT stage FROM bare_projects WHERE id = md5(:n::text)::uuid FOR UPDATE \gset
UPDATE bare_projects SET stage = CASE :stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END,
    version = version + 1, updated_at = now() WHERE id = md5(:n::text)::uuid;
INSERT INTO bare_transitions (id, project_id, from_stage, to_stage, occurred_on, note, kind, actor, recorded_at)
    VALUES (gen_random_uuid(), md5(:n::text)::uuid, :stage, CASE :stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END,
    (now() AT TIME ZONE 'Asia/Shanghai')::date, '用地调整', 'move', 'bench', now());
COMMIT;
`

// bareTables makes the twins, their rows copied from projects with IDs that
// pgbench can compute (md5 of 1…n).
var bareTables = []string{
	`CREATE TABLE bare_projects (LIKE projects INCLUDING ALL)`,
	`INSERT INTO bare_projects SELECT * FROM projects`,
	`UPDATE bare_projects b SET id = md5(s.n::text)::uuid
	   FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM projects) s WHERE b.id = s.id`,
	`CREATE TABLE bare_transitions (LIKE project_transitions INCLUDING ALL,
	   FOREIGN KEY (project_id) REFERENCES bare_projects (id))`,
	`VACUUM ANALYZE projects, project_transitions, audit_entries, bare_projects, bare_transitions`,
}

// BenchmarkStageMoveVsPgbench compares the rate of stage moves through the
// service with the rate pgbench gets for the bare SQL on the same database.
// A move is POST /api/v1/projects/{id}/transitions through the real router as
// a signed-in bureau user; the service locks and updates the project and
// appends its history row and its hash-chained audit entry in one
// transaction. pgbench runs bareMove. Both sides use the same number of
// clients, toggle projects started → suspended → started dated today, and
// alternate in rounds so that drift of a shared machine falls on both alike.
// It logs every round and reports moves/s of each, their ratio
// (service/pgbench; the target is at least 0.8) and the service's p50 and
// p99 latency. It asserts no time.
//
//	PIPELINE_TEST_DATABASE_URL=… go test -run '^$' -bench StageMoveVsPgbench -benchtime 1x ./internal/httpapi
func BenchmarkStageMoveVsPgbench(b *testing.B) {
	base := os.Getenv(dbtest.EnvURL)
	if base == "" {
		b.Skip(dbtest.EnvURL + " is not set")
	}
	if u, err := url.Parse(base); err != nil || !loopback(u.Hostname()) {
		b.Skip("the test database is not on loopback")
	}
	pgbench, err := exec.LookPath("pgbench")
	if err != nil {
		b.Skip("no pgbench")
	}
	ctx := context.Background()
	db := dbtest.Postgres(b)
	w := wire(b, db)
	p := auth.Principal{Subject: w.newID(), Name: "bench", Role: auth.RoleBureau}
	now := time.Now().UTC()
	if err := authdb.New(db).Create(ctx, auth.User{ID: p.Subject, Username: p.Name, PasswordHash: "x", Role: p.Role,
		Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	token, err := w.tokens.Issue(p)
	if err != nil {
		b.Fatal(err)
	}
	handler, err := w.h.engine()
	if err != nil {
		b.Fatal(err)
	}
	started := time.Date(2021, time.April, 10, 0, 0, 0, 0, time.UTC)
	ids := make([]string, moveProjects)
	for i := range ids {
		pr, err := w.projects.Create(ctx, p, project.Entry{Stage: project.Started, Actual: project.Actual{StartedOn: &started},
			Fields: project.Fields{Name: fmt.Sprintf("晨风%d号50兆瓦风电项目", i+1), Category: "wind", Department: "energy"}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = pr.ID
	}
	for _, q := range bareTables {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	var schema string
	if err := db.SQL().QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(b.TempDir(), "move.sql")
	if err := os.WriteFile(script, fmt.Appendf(nil, bareMove, moveProjects), 0o600); err != nil {
		b.Fatal(err)
	}
	svc := mover{h: handler, token: token, ids: ids, suspended: make([]bool, len(ids))}
	bare := func(clients int, d time.Duration) (float64, error) {
		n, secs := strconv.Itoa(clients), strconv.Itoa(int(d.Seconds()))
		cmd := exec.CommandContext(ctx, pgbench, "-n", "-M", "prepared", "-f", script, "-c", n, "-j", n, "-T", secs, base)
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema+",public")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("pgbench: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
		}
		return strconv.ParseFloat(string(m[1]), 64)
	}
	// Warm both up: caches, prepared statements, the pool.
	if _, _, err := svc.run(4, time.Second); err != nil {
		b.Fatal(err)
	}
	if _, err := bare(4, time.Second); err != nil {
		b.Fatal(err)
	}

	for _, clients := range []int{1, 4} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			var lat []time.Duration
			var elapsed time.Duration
			var tps []float64
			for b.Loop() {
				for r := range moveRounds {
					l, d, err := svc.run(clients, moveRound)
					if err != nil {
						b.Fatal(err)
					}
					t, err := bare(clients, moveRound)
					if err != nil {
						b.Fatal(err)
					}
					rate := float64(len(l)) / d.Seconds()
					b.Logf("round %d: service %4.0f moves/s (p50 %5.2f ms, p99 %5.2f ms)  pgbench %4.0f tps  ratio %.2f",
						r+1, rate, ms(l, 0.50), ms(l, 0.99), t, rate/t)
					lat, elapsed, tps = append(lat, l...), elapsed+d, append(tps, t)
				}
			}
			rate, t := float64(len(lat))/elapsed.Seconds(), mean(tps)
			b.Logf("total:   service %4.0f moves/s (p50 %5.2f ms, p99 %5.2f ms)  pgbench %4.0f tps  ratio %.2f",
				rate, ms(lat, 0.50), ms(lat, 0.99), t, rate/t)
			b.ReportMetric(rate, "service-moves/s")
			b.ReportMetric(t, "pgbench-tps")
			b.ReportMetric(rate/t, "ratio")
			b.ReportMetric(ms(lat, 0.50), "p50-ms")
			b.ReportMetric(ms(lat, 0.99), "p99-ms")
		})
	}
}

// mover sends stage moves through the handler; suspended[k] is the stage
// ids[k] is in.
type mover struct {
	h         http.Handler
	token     string
	ids       []string
	suspended []bool
}

// run sends moves from the given number of clients for d, each toggling its
// own share of the projects, and returns the latency of every move and the
// time they took.
func (m mover) run(clients int, d time.Duration) ([]time.Duration, time.Duration, error) {
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for k := c; time.Since(start) < d; k = (k + clients) % len(m.ids) {
				move := api.TransitionCreate{To: "suspended", Note: "用地调整"}
				if m.suspended[k] {
					move = api.TransitionCreate{To: "started"}
				}
				move.OccurredOn = project.Today(time.Now()).Format(time.DateOnly)
				body, _ := json.Marshal(move)
				req := httptest.NewRequest(http.MethodPost, "/api/v1/projects/"+m.ids[k]+"/transitions", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+m.token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				t0 := time.Now()
				m.h.ServeHTTP(rec, req)
				lat[c] = append(lat[c], time.Since(t0))
				if rec.Code != http.StatusCreated {
					errs[c] = fmt.Errorf("move %s to %s: %d %s", m.ids[k], move.To, rec.Code, rec.Body)
					return
				}
				m.suspended[k] = !m.suspended[k]
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	return slices.Concat(lat...), elapsed, nil
}

// ms is the q-quantile of l in milliseconds.
func ms(l []time.Duration, q float64) float64 {
	s := slices.Clone(l)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond)
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// loopback reports whether host is this machine (empty: a local socket).
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || host == "localhost" || ip != nil && ip.IsLoopback()
}
