package httpapi_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
)

// TestALockedSQLiteFileIsA503: when another writer holds the SQLite file
// past the busy timeout ("database is locked"), a write answers 503
// unavailable with Retry-After, not 500, and is logged with its cause; once
// the file is free and the burst is over, a write passes and the log says
// the database is back.
func TestALockedSQLiteFileIsA503(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{SQLitePath: path, QueryTimeout: 30 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	e := newEnv(t, db)

	other, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	hold, err := other.Conn(ctx)
	require.NoError(t, err)
	defer hold.Close()
	_, err = hold.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)

	start := time.Now()
	res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: projectBody("锁定文件风电项目")})
	t.Logf("answered %d after %.1f s (the busy timeout)", res.status, time.Since(start).Seconds())
	require.Equal(t, http.StatusServiceUnavailable, res.status, "%s", res)
	assert.Equal(t, "unavailable", res.problem(t).Code)
	assert.Equal(t, "5", res.header.Get("Retry-After"))

	_, err = hold.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	e.clock.set(now.Add(10 * time.Second)) // the burst ends after ten quiet seconds
	e.create(t, asBureau, projectBody("锁定文件风电项目"))
	assert.Contains(t, e.log.String(), `level=ERROR msg="database unavailable"`)
	assert.Contains(t, e.log.String(), "database is locked", "the cause is logged")
	assert.Contains(t, e.log.String(), `msg="database available again"`)
}
