package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/config"
)

// prepareSchema creates the bench schema afresh and migrates it with the
// service's own migrate command (the newer binary's, in a comparison).
func (r *run) prepareSchema(ctx context.Context) error {
	u, _ := url.Parse(r.o.DatabaseURL)
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	r.baseURL = u.String()
	// pg_trgm lives in public, where the migrations find it whatever the
	// schema (as the tests keep it).
	q.Set("search_path", r.o.Schema+",public")
	u.RawQuery = q.Encode()
	schemaURL := u.String()
	r.schemaURL = schemaURL
	r.pgEnv = append(withoutPrefix(r.o.Env, "PGOPTIONS="), "PGOPTIONS=-c search_path="+r.o.Schema+",public")
	r.childEnv = append(withoutPrefix(r.o.Env, "PIPELINE_"),
		"PIPELINE_DATABASE_URL="+schemaURL,
		"PIPELINE_ADDR=127.0.0.1:0",
		"PIPELINE_DATA_DIR="+filepath.Join(r.tmp, "data"),
		"PIPELINE_DEMO=false",
		"PIPELINE_LOG_LEVEL=error",
	)
	if err := r.recreateSchema(ctx); err != nil {
		return err
	}
	if err := r.command(ctx, nil, "migrate"); err != nil {
		return err
	}
	var err error
	r.db, err = sql.Open("pgx", schemaURL)
	return err
}

// recreateSchema drops the bench schema and creates it empty.
func (r *run) recreateSchema(ctx context.Context) error {
	admin, err := sql.Open("pgx", r.baseURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, s := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
		"DROP SCHEMA IF EXISTS " + r.o.Schema + " CASCADE",
		"CREATE SCHEMA " + r.o.Schema,
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil && !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// generate loads the register and what the service and pgbench need
// beside it.
func (r *run) generate(ctx context.Context) error {
	t0 := time.Now()
	if err := Generate(ctx, r.db, r.o.Projects); err != nil {
		return err
	}
	// The service computes every project's health again when the health
	// rules differ from those the stored health was computed with (the
	// setting health_rules of internal/project): generated health counts as
	// computed with the rules the service will run with, or the service
	// would spend the benchmark recomputing it.
	cfg, err := config.Load(getenv(r.childEnv))
	if err != nil {
		return fmt.Errorf("the service's configuration: %w", err)
	}
	// Likewise the form of the stored facts (health_facts): the generated
	// ones have no blockers, so they are in the current form.
	if _, err := r.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('health_rules', $1), ('health_facts', '2')
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, cfg.HealthRules().Fingerprint()); err != nil {
		return fmt.Errorf("store the health rules: %w", err)
	}
	// A checkpoint now rather than in the middle of a measurement.
	if _, err := r.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		r.printf("(no checkpoint after loading: %v)\n", err)
	}
	var projects, history, plans, progress int
	if err := r.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM project_transitions),
		(SELECT count(*) FROM plan_entries), (SELECT count(*) FROM project_progress)`).Scan(&projects, &history, &plans, &progress); err != nil {
		return err
	}
	r.printf("generated %d projects, %d history entries, %d plans, %d months of progress in %s\n",
		projects, history, plans, progress, time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// withoutPrefix drops the variables whose name starts with prefix.
func withoutPrefix(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// getenv looks a variable up in env, the last setting winning.
func getenv(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, kv := range env {
			if name, val, ok := strings.Cut(kv, "="); ok && name == k {
				v = val
			}
		}
		return v
	}
}
