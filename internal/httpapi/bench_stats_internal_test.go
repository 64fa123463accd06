package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// generateRegister fills a PostgreSQL register with n projects spread over
// departments, categories, stages and build types, ten history entries
// each, a plan and five months of progress for every other one, in SQL
// (only the numbers matter here, and SQL loads 200,000 projects in seconds).
func generateRegister(tb testing.TB, db *database.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO projects (id, name, category, department, build_type, key_level, stage, version, created_at, updated_at,
			total_investment_yuan, planned_start_date, started_on, health)
		 SELECT gen_random_uuid(), '项目' || i,
			(ARRAY['wind','solar_pv','materials','tourism','infrastructure','agriculture'])[1 + i % 6],
			(ARRAY['energy','industry','tourism','agriculture','transport','devzone'])[1 + i % 6],
			CASE WHEN i % 3 = 0 THEN 'continuing' ELSE 'new' END, 'none',
			(ARRAY['planning','negotiating','signed','landed','started','completed','in_production','suspended'])[1 + i % 8],
			1, now() - i * interval '1 second', now(), (i % 50) * 10000000,
			date '2026-01-01' + (i % 365), CASE WHEN i % 8 >= 4 THEN date '2026-01-01' + (i % 300) END,
			(ARRAY['green','green','green','yellow','red'])[1 + i % 5]
		 FROM generate_series(1, $1) AS i`,
		`INSERT INTO project_transitions (id, project_id, to_stage, occurred_on, kind, actor, recorded_at)
		 SELECT gen_random_uuid(), p.id, 'signed', date '2020-01-01' + k * 30, 'move', 'gen', now()
		 FROM projects p, generate_series(1, 10) AS k`,
		`INSERT INTO project_plans (project_id, year, planned_yuan, version, updated_at, updated_by)
		 SELECT id, 2026, 12000000, 1, now(), 'gen' FROM projects WHERE total_investment_yuan % 20000000 = 0`,
		`INSERT INTO project_progress (project_id, year, month, completed_yuan, version, updated_at, reported_by)
		 SELECT project_id, 2026, m, 1000000, 1, now(), 'gen' FROM project_plans, generate_series(1, 5) AS m`,
		`VACUUM ANALYZE projects, project_transitions, project_plans, project_progress`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q, n); err != nil {
			if _, err2 := db.SQL().ExecContext(ctx, q); err2 != nil {
				tb.Fatalf("%v / %v\n%s", err, err2, q)
			}
		}
	}
}

// BenchmarkOverview measures GET /api/v1/stats/overview for the current year
// over a generated register of PIPELINE_BENCH_PROJECTS projects (default
// 20,000; the full run is 200,000), reporting p50 and p99.
func BenchmarkOverview(b *testing.B) {
	n := 20_000
	if s := os.Getenv("PIPELINE_BENCH_PROJECTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db := dbtest.Postgres(b)
	generateRegister(b, db, n)
	w := wire(b, db)
	ctx := context.Background()
	p := auth.Principal{Subject: w.newID(), Name: "leader", Role: auth.RoleLeader}
	now := time.Now().UTC()
	if err := authdb.New(db).Create(ctx, auth.User{ID: p.Subject, Username: p.Name, PasswordHash: "x", Role: p.Role,
		Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	token, err := w.tokens.Issue(p)
	if err != nil {
		b.Fatal(err)
	}
	engine, err := w.h.engine()
	if err != nil {
		b.Fatal(err)
	}
	overview := func() time.Duration {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/stats/overview", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		start := time.Now()
		engine.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return d
	}
	// The first request reads the register; the others find it in the
	// statistics cache until a change or its time to live.
	cold := overview()
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		times = append(times, overview())
	}
	slices.Sort(times)
	pct := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
	b.ReportMetric(float64(n), "projects")
}
