package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
)

// TestAuditVerify runs `pipeline audit verify` over the demo data's trail,
// intact and then tampered with.
func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"PIPELINE_DATA_DIR": dir, "PIPELINE_ADMIN_PASSWORD": "admin-password-for-tests"})
	ctx := context.Background()
	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"seed", "--demo"}, env, &out, io.Discard))

	out.Reset()
	require.NoError(t, run(ctx, []string{"audit", "verify"}, env, &out, io.Discard))
	m := regexp.MustCompile(`audit trail intact: (\d+) entries`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	n, _ := strconv.Atoi(m[1])
	assert.GreaterOrEqual(t, n, 56+2, "one entry per demo project and year of indicators at least")

	db, err := database.Open(ctx, database.Options{SQLitePath: filepath.Join(dir, "pipeline.db")})
	require.NoError(t, err)
	_, err = db.SQL().Exec("DROP TRIGGER audit_entries_no_update")
	require.NoError(t, err)
	_, err = db.SQL().Exec("UPDATE audit_entries SET actor = 'nobody' WHERE id = 7")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	out.Reset()
	err = run(ctx, []string{"audit", "verify"}, env, &out, io.Discard)
	require.ErrorContains(t, err, "audit trail broken at entry 7")
	assert.Contains(t, out.String(), "first broken entry 7")

	require.Error(t, run(ctx, []string{"audit"}, env, &out, io.Discard))
	require.Error(t, run(ctx, []string{"audit", "repair"}, env, &out, io.Discard))
}
