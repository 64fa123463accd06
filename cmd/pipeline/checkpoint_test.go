package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestAuditCheckpoint anchors the demo data's trail with `pipeline audit
// checkpoint`, then removes its newest entries as someone with the table
// owner's rights could: `audit verify` alone cannot tell, `audit verify
// --checkpoint` names it. On SQLite and on PostgreSQL.
func TestAuditCheckpoint(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"PIPELINE_DATA_DIR": dir, "PIPELINE_ADMIN_PASSWORD": "admin-password-for-tests"}
			opts := database.Options{SQLitePath: filepath.Join(dir, "pipeline.db")}
			if dialect == "postgres" {
				env["PIPELINE_DATABASE_URL"] = dbtest.PostgresURL(t)
				opts = database.Options{URL: env["PIPELINE_DATABASE_URL"]}
			}
			ctx := context.Background()
			run := func(args ...string) (string, error) {
				var out bytes.Buffer
				err := run(ctx, args, envOf(env), &out, io.Discard)
				return out.String(), err
			}
			_, err := run("seed", "--demo")
			require.NoError(t, err)

			out, err := run("audit", "checkpoint")
			require.NoError(t, err)
			var cp struct {
				ID   int64  `json:"id"`
				Hash string `json:"hash"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &cp), out)
			require.Greater(t, cp.ID, int64(2))
			require.Len(t, cp.Hash, 64)

			file := filepath.Join(dir, "checkpoints.jsonl")
			_, err = run("audit", "checkpoint", "--out", file)
			require.NoError(t, err)
			_, err = run("audit", "checkpoint", "--out", file)
			require.NoError(t, err)
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, 2, bytes.Count(b, []byte("\n")), "appended, one line each")

			out, err = run("audit", "verify", "--checkpoint", file)
			require.NoError(t, err, out)
			assert.Contains(t, out, "audit trail intact: "+strconv.FormatInt(cp.ID, 10)+" entries, holding 2 checkpoint(s)")

			db, err := database.Open(ctx, opts)
			require.NoError(t, err)
			if dialect == "postgres" {
				_, err = db.SQL().Exec("ALTER TABLE audit_entries DISABLE TRIGGER USER")
			} else {
				_, err = db.SQL().Exec("DROP TRIGGER audit_entries_no_delete")
			}
			require.NoError(t, err)
			_, err = db.SQL().Exec("DELETE FROM audit_entries WHERE id > " + strconv.FormatInt(cp.ID-2, 10))
			require.NoError(t, err)
			require.NoError(t, db.Close())

			out, err = run("audit", "verify")
			require.NoError(t, err, "the chain alone cannot tell that its newest entries are gone")
			out, err = run("audit", "verify", "--checkpoint", file)
			require.ErrorContains(t, err, "does not hold the checkpoint at entry "+strconv.FormatInt(cp.ID, 10))
			assert.Contains(t, out, "no longer has entry "+strconv.FormatInt(cp.ID, 10))
			assert.Contains(t, out, "entries were removed")

			_, err = run("audit", "verify", "--checkpoint", filepath.Join(dir, "none"))
			require.Error(t, err)
			_, err = run("audit", "verify", "--out", file)
			require.Error(t, err)
			_, err = run("audit", "checkpoint", "extra")
			require.Error(t, err)
		})
	}
}
