package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// TestOnlyBugsAreLoggedWithTheirSQL: a failed statement whose error its
// caller answers (a broken constraint, a held row, a client gone, an
// outage) writes no log line of its own; any other failure, a bug, is
// logged with its SQL.
func TestOnlyBugsAreLoggedWithTheirSQL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		logged bool
	}{
		{"a code taken", gorm.ErrDuplicatedKey, false},
		{"a department that does not exist", fmt.Errorf("insert: %w", gorm.ErrForeignKeyViolated), false},
		{"a check", gorm.ErrCheckConstraintViolated, false},
		{"a row held (NOWAIT)", &pgconn.PgError{Code: "55P03"}, false},
		{"a deadlock", &pgconn.PgError{Code: "40P01"}, false},
		{"a client gone", context.Canceled, false},
		{"an outage", &pgconn.PgError{Code: "57P01"}, false},
		{"a syntax error", &pgconn.PgError{Code: "42601"}, true},
		{"a plain error", errors.New("boom"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			q := quietTrace{logger.NewSlogLogger(slog.New(slog.NewTextHandler(&buf, nil)), logger.Config{LogLevel: logger.Warn})}
			q.Trace(context.Background(), time.Now(), func() (string, int64) { return "INSERT INTO t VALUES (1)", 0 }, tc.err)
			assert.Equal(t, tc.logged, bytes.Contains(buf.Bytes(), []byte("INSERT INTO t")), buf.String())
		})
	}
}
