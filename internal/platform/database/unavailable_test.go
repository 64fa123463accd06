package database

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"none", nil, false},
		{"a query past its timeout", fmt.Errorf("projectdb.Store.List: %w", context.DeadlineExceeded), true},
		{"a server restart (57P01)", &pgconn.PgError{Code: "57P01"}, true},
		{"a server starting up (57P03)", &pgconn.PgError{Code: "57P03"}, true},
		{"a connection exception (08006)", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections (53300)", &pgconn.PgError{Code: "53300"}, true},
		{"a disk full (53100)", &pgconn.PgError{Code: "53100"}, true},
		{"out of memory (53200)", &pgconn.PgError{Code: "53200"}, true},
		{"an I/O error (58030)", &pgconn.PgError{Code: "58030"}, true},
		{"a standby after a failover (25006)", &pgconn.PgError{Code: "25006"}, true},
		{"a server crashed (57P02)", &pgconn.PgError{Code: "57P02"}, true},
		{"a database dropped (57P04)", &pgconn.PgError{Code: "57P04"}, true},
		{"a refused connection", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"a closed pool", errors.New("sql: database is closed"), true},
		{"a unique violation is no outage", &pgconn.PgError{Code: "23505"}, false},
		{"a syntax error is a bug", &pgconn.PgError{Code: "42601"}, false},
		{"a plain error", errors.New("boom"), false},
	} {
		assert.Equal(t, tc.want, Unavailable(tc.err), tc.name)
	}
}
