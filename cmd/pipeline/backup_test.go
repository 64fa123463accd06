package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestBackupRestore follows deploy/README.md, "Backup and restore", on a
// scratch database: migrate and seed it, dump it with pg_dump -Fc, drop it,
// create it again, restore it with pg_restore; the audit trail then verifies
// against a checkpoint taken before the dump, and the register is as it was.
// PostgreSQL only; .ci/run fails when it did not run.
func TestBackupRestore(t *testing.T) {
	base := os.Getenv(dbtest.EnvURL)
	if base == "" {
		t.Skip(dbtest.EnvURL + " is not set: PostgreSQL tests skipped")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (Debian's postgresql-client): backup test skipped", tool)
		}
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "backup_" + hex.EncodeToString(b)
	scratch := withDatabase(t, base, name)
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })

	dir := t.TempDir()
	env := envOf(map[string]string{
		"PIPELINE_DATABASE_URL": scratch, "PIPELINE_DATA_DIR": dir,
		"PIPELINE_ADMIN_PASSWORD": "admin-password-for-tests", "PIPELINE_NEW_PASSWORD": "a-chosen-password-123",
	})
	pipeline := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		require.NoError(t, run(ctx, args, env, &out, io.Discard), "pipeline %s: %s", strings.Join(args, " "), out.String())
		return out.String()
	}
	pipeline("migrate")
	pipeline("seed", "--demo")
	pipeline("user", "create", "li.backup", "dept_editor", "energy") // one more audit entry
	checkpoints := filepath.Join(dir, "checkpoints.jsonl")
	pipeline("audit", "checkpoint", "--out", checkpoints)
	before := register(t, scratch)

	dump := filepath.Join(dir, "pipeline.dump")
	execTool(t, "pg_dump", "--format=custom", "--file="+dump, scratch)
	_, err = admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	require.NoError(t, err)
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	execTool(t, "pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--dbname="+scratch, dump)

	out := pipeline("audit", "verify", "--checkpoint", checkpoints)
	assert.Contains(t, out, "audit trail intact")
	assert.Contains(t, out, "holding 1 checkpoint(s)")
	assert.Equal(t, before, register(t, scratch), "the register is as it was")
	assert.Contains(t, pipeline("migrate"), "applied 0 migration", "the schema's version came back with it")
	fmt.Printf("backup and restore: %s\n", before)
}

// withDatabase is the URL base with another database's name.
func withDatabase(t *testing.T, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

func execTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", name, out)
}

// register summarises the register: every project's ID and version, the
// plan entries, the users and the audit trail's head.
func register(t *testing.T, dbURL string) string {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	defer db.Close()
	var parts []string
	for _, q := range []string{
		`SELECT count(*) || ' projects ' || md5(string_agg(id::text || ':' || version, ',' ORDER BY id)) FROM projects`,
		`SELECT count(*) || ' plan entries' FROM plan_entries`,
		`SELECT count(*) || ' users ' || md5(string_agg(username || ':' || version, ',' ORDER BY username)) FROM users`,
		`SELECT count(*) || ' audit entries, head ' || coalesce(max(hash) FILTER (WHERE id = (SELECT max(id) FROM audit_entries)), '') FROM audit_entries`,
	} {
		var s string
		require.NoError(t, db.QueryRow(q).Scan(&s), q)
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
