package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// BenchmarkAuthOverhead measures what authentication adds to a request:
// GET /api/v1/projects/{id} through the real router (token checked, account
// checked) against the same handler and middleware with the principal put in
// place directly. The two alternate within each iteration so that drift of a
// shared machine falls on both alike. It reports ns per request of each and
// their ratio; the target is a ratio of at most 1.15.
//
//	go test -run '^$' -bench AuthOverhead -benchtime 20000x ./internal/httpapi
//	PIPELINE_TEST_DATABASE_URL=… go test -run '^$' -bench AuthOverhead ./internal/httpapi
func BenchmarkAuthOverhead(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(d.name, func(b *testing.B) { benchAuthOverhead(b, d.open(b)) })
	}
}

// wired is the service's handlers over db, wired as cmd/pipeline wires
// them, for the tests inside the package.
type wired struct {
	h        *handlers
	tokens   *auth.Tokens
	projects *project.Service
	newID    func() string
}

func wire(tb testing.TB, db *database.DB) wired {
	tb.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	keys, err := auth.GenerateKeySet()
	if err != nil {
		tb.Fatal(err)
	}
	tokens, err := auth.NewTokens(keys, cfg.JWTIssuer, cfg.JWTAudience, cfg.AccessTokenTTL, time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	auditSvc := audit.NewService(auditdb.New(db), time.Now)
	projects := project.NewService(projectdb.New(db), db, auditSvc, time.Now, newID)
	h := newHandlers(Deps{Config: cfg, DB: db, Projects: projects, Auth: auth.NewService(authdb.Stores(db), db, tokens, nil, time.Now, newID),
		Tokens: tokens, Keys: keys, Idempotency: idempotency.New(db), Audit: auditSvc})
	return wired{h: h, tokens: tokens, projects: projects, newID: newID}
}

func benchAuthOverhead(b *testing.B, db *database.DB) {
	ctx := context.Background()
	w := wire(b, db)
	h, tokens, projects, newID := w.h, w.tokens, w.projects, w.newID

	p := identity.Principal{Subject: newID(), Name: "bench", Role: identity.RoleBureau}
	now := time.Now().UTC()
	if err := authdb.New(db).Create(ctx, auth.User{ID: p.Subject, Username: p.Name, PasswordHash: "x", Role: p.Role,
		Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	pr, err := projects.Create(ctx, p, project.Draft{Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"}})
	if err != nil {
		b.Fatal(err)
	}
	token, err := tokens.Issue(p)
	if err != nil {
		b.Fatal(err)
	}

	withAuth, withoutAuth, err := authPair(h, p)
	if err != nil {
		b.Fatal(err)
	}

	path := "/api/v1/projects/" + pr.ID
	do := func(handler http.Handler, authz string) time.Duration {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		handler.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return d
	}
	do(withAuth, "Bearer "+token) // warm the caches both paths use
	do(withoutAuth, "")
	b.ResetTimer()
	var authed, bare time.Duration
	for b.Loop() {
		authed += do(withAuth, "Bearer "+token)
		bare += do(withoutAuth, "")
	}
	n := float64(b.N)
	b.ReportMetric(float64(authed.Nanoseconds())/n, "ns/authenticated")
	b.ReportMetric(float64(bare.Nanoseconds())/n, "ns/unauthenticated")
	b.ReportMetric(float64(authed)/float64(bare), "ratio")
}

// authPair returns the two handlers BenchmarkAuthOverhead compares:
// authenticated is the service's whole router, where
// GET /api/v1/projects/:id checks the bearer token and the account;
// unauthenticated serves only that route, through the same middleware and
// handler, with principal p put in place instead. Requests that differ
// only in the Authorization header then measure the cost of
// authentication.
func authPair(h *handlers, p identity.Principal) (authenticated, unauthenticated http.Handler, err error) {
	withAuth, err := h.engine()
	if err != nil {
		return nil, nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	withoutAuth := gin.New()
	if err := withoutAuth.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		return nil, nil, err
	}
	withoutAuth.ContextWithFallback = true
	withoutAuth.Use(requestIDMiddleware, h.accessLog, h.metrics, h.recoverer)
	withoutAuth.GET("/api/v1/projects/:id", func(c *gin.Context) {
		c.Request = c.Request.WithContext(identity.WithPrincipal(c.Request.Context(), p))
	}, h.serve(h.readProject))
	return withAuth, withoutAuth, nil
}
