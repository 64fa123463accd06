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
	"github.com/guangling/pipeline/internal/bench"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// BenchmarkOverview measures GET /api/v1/stats/overview for the current year
// over a generated register (bench.Generate) of PIPELINE_BENCH_PROJECTS
// projects (default 20,000; the full run is 200,000), reporting p50 and p99.
func BenchmarkOverview(b *testing.B) {
	n := 20_000
	if s := os.Getenv("PIPELINE_BENCH_PROJECTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db := dbtest.Postgres(b)
	ctx := context.Background()
	if err := bench.Generate(ctx, db.SQL(), n); err != nil {
		b.Fatal(err)
	}
	w := wire(b, db)
	p := identity.Principal{Subject: w.newID(), Name: "leader", Role: identity.RoleLeader}
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
