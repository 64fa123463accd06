package database

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSQLiteOutagesAreUnavailable: the errors SQLite really answers when
// another writer holds the file past the busy timeout (SQLITE_BUSY,
// "database is locked") and when a query is cut at its deadline
// (SQLITE_INTERRUPT) are outages, to be answered 503.
func TestSQLiteOutagesAreUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
		require.NoError(t, err)
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	ctx := context.Background()
	holder, other := open(), open()
	_, err := holder.ExecContext(ctx, "CREATE TABLE t (x INTEGER)")
	require.NoError(t, err)

	hold, err := holder.Conn(ctx)
	require.NoError(t, err)
	defer hold.Close()
	_, err = hold.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	_, busy := other.ExecContext(ctx, "INSERT INTO t VALUES (1)")
	require.Error(t, busy)
	t.Logf("a locked file: %v", busy)
	assert.True(t, Unavailable(busy), "SQLITE_BUSY is an outage: %v", busy)
	_, err = hold.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	// An endless statement, run to its end by Exec, which the driver
	// interrupts when the context ends.
	_, cut := other.ExecContext(short, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c)
		INSERT INTO t SELECT count(*) FROM c`)
	require.Error(t, cut)
	t.Logf("a query past its deadline: %v", cut)
	assert.True(t, Unavailable(cut), "a query cut at its deadline is an outage: %v", cut)

	_, err = other.ExecContext(ctx, "INSERT INTO nowhere VALUES (1)")
	require.Error(t, err)
	assert.False(t, Unavailable(err), "a missing table is a bug: %v", err)
}

// TestATransactionOverItsTimeIsADeadline: a transaction cut at its own
// deadline answers an error that is context.DeadlineExceeded on SQLite too,
// whose driver reports the statement as interrupted, so that a caller can
// tell a write over its time (an import too slow is 413) from the others.
func TestATransactionOverItsTimeIsADeadline(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "slow.db"), QueryTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	err = db.InTx(ctx, func(ctx context.Context) error {
		q, done := db.Conn(ctx)
		defer done()
		if err := q.Exec("CREATE TABLE slow (x INTEGER)").Error; err != nil {
			return err
		}
		return q.Exec("INSERT INTO slow WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT x FROM c").Error
	})
	require.Error(t, err)
	t.Logf("a transaction over its time: %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, Unavailable(err), "still an outage for the HTTP layer")
}

// TestAWholeReadHasLonger: a read of the whole register may take
// wholeReads query deadlines; a snapshot of its own is cut at one.
func TestAWholeReadHasLonger(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "whole.db"), QueryTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	read := func(ctx context.Context) error {
		time.Sleep(200 * time.Millisecond) // a read of many statements, past one deadline
		q, done := db.Conn(ctx)
		defer done()
		return q.Exec("SELECT 1").Error
	}
	assert.ErrorIs(t, db.InSnapshot(ctx, read), context.DeadlineExceeded)
	assert.NoError(t, db.InWholeSnapshot(ctx, read))
}
