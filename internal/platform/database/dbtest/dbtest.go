// Package dbtest gives each test a fresh, migrated database: an SQLite file
// in the test's temporary folder always, and a PostgreSQL schema of its own
// when PIPELINE_TEST_DATABASE_URL names a server. Everything is dropped in
// t.Cleanup.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for schema set-up

	"github.com/guangling/pipeline/internal/platform/database"
)

// EnvURL names the PostgreSQL server for tests.
const EnvURL = "PIPELINE_TEST_DATABASE_URL"

// SQLite returns a migrated SQLite database in t's temporary folder.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	return open(t, database.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
}

// Postgres returns a migrated PostgreSQL database in a schema of its own, or
// skips t when no test server is configured.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	return open(t, database.Options{URL: PostgresURL(t), MaxOpenConns: 10, MaxIdleConns: 5})
}

// PostgresURL creates an empty schema of t's own and returns the URL that
// opens it, or skips t when no test server is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " is not set: PostgreSQL tests skipped")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The trigram operators live in public, shared by every test schema.
	// Parallel packages may race to create it; one wins, the rest see it.
	if _, err := admin.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"); err != nil &&
		!strings.Contains(err.Error(), "already exists") && !strings.Contains(err.Error(), "duplicate key") {
		t.Fatalf("create pg_trgm: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, o database.Options) *database.DB {
	t.Helper()
	o.QueryTimeout = 30 * time.Second
	ctx := context.Background()
	db, err := database.Open(ctx, o)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Each runs fn as a subtest named "sqlite" and one named "postgres" (which
// skips without a test server), each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", SQLite}, {"postgres", Postgres}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.open(t))
		})
	}
}
