package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLite's result codes of an outage (their extended codes share the low byte).
const (
	sqliteBusy      = 5 // SQLITE_BUSY: another writer held the file past busy_timeout
	sqliteInterrupt = 9 // SQLITE_INTERRUPT: the query ended at its context's end
)

// Unavailable reports whether err is an outage rather than a bug: the
// database could not be reached, ended the connection (a restart, SQLSTATE
// class 08, 57P01–57P04, or without a word: connectionLost, a closed pgx
// connection), had no connection, disk or memory to give, or became a
// read-only standby (pgOutages), or did not answer before
// the query timeout; on SQLite, the file stayed locked by another writer
// past the busy timeout ("database is locked", SQLITE_BUSY) or the query was
// interrupted at its deadline. The HTTP layer answers it 503, to be retried
// (docs/api.md, "Errors").
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var lost connectionLost
	if errors.As(err, &lost) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	if outage, known := driverOutage(err); known {
		return outage
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// database/sql does not export the error of a closed pool.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// pgOutages are PostgreSQL's SQLSTATEs of an outage besides class 08: the
// server shutting down, crashed or starting (57P01–57P04), out of
// connections (53300), disk or memory (53100, 53200), an I/O error (58030),
// or a read-only transaction because the server is now a standby after a
// failover (25006).
var pgOutages = map[string]bool{
	"57P01": true, "57P02": true, "57P03": true, "57P04": true,
	"53300": true, "53100": true, "53200": true, "58030": true, "25006": true,
}

// driverOutage reports whether err, an error of PostgreSQL's or SQLite's
// driver (known), is an outage.
func driverOutage(err error) (outage, known bool) {
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) || pgconn.Timeout(err) {
		return true, true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "08") || pgOutages[pg.Code], true
	}
	var lite *gosqlite.Error
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff
		return code == sqliteBusy || code == sqliteInterrupt, true
	}
	return false, false
}
