package database

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestLostConnectionIsUnavailable holds the answer to a database that ends
// the connection without a word (pg_ctl stop -m immediate): the driver's
// unexpected EOF from a statement is an outage, the same EOF from anything
// else (a request body cut short) is not, nor is it marked twice.
func TestLostConnectionIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a statement's unexpected EOF", markLost(fmt.Errorf("projectdb.Store.Facts: %w", io.ErrUnexpectedEOF)), true},
		{"a closed pgx connection", fmt.Errorf("dispatch.Service.PutReport: %w", pgconn.ErrConnClosed), true},
		{"an unexpected EOF not from the database", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), false},
		{"another error is not marked", markLost(fmt.Errorf("boom")), false},
	} {
		assert.Equal(t, tc.want, Unavailable(tc.err), tc.name)
	}
	twice := markLost(markLost(io.ErrUnexpectedEOF))
	assert.Equal(t, "unexpected EOF (the database ended the connection)", twice.Error())
	assert.ErrorIs(t, twice, io.ErrUnexpectedEOF)
	assert.NoError(t, markLost(nil))
}

// TestStatementsMarkLostConnections runs a query whose connection is cut
// as the driver reports it: its error reaches the caller marked.
func TestStatementsMarkLostConnections(t *testing.T) {
	db, err := Open(context.Background(), Options{SQLitePath: filepath.Join(t.TempDir(), "lost.db")})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.gorm.Callback().Query().Before("pipeline:connection_lost").Register("test:cut",
		func(tx *gorm.DB) { _ = tx.AddError(io.ErrUnexpectedEOF) }))
	var n int64
	err = db.gorm.Table("sqlite_master").Count(&n).Error
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.True(t, Unavailable(err), "%v", err)
}
