package database

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// endTimeout bounds the end of a copy's transaction.
const endTimeout = 5 * time.Second

// ErrNoCopy is CopyOut's answer on SQLite, which has no COPY.
var ErrNoCopy = errors.New("database: COPY is PostgreSQL's")

// CopyOut runs query, with args in place of its $1, $2 … (as GORM renders a
// statement), as PostgreSQL's COPY (query) TO STDOUT in its text format,
// and writes the rows to w as they arrive: the fastest way out of the
// database for a read of many rows (docs/performance.md, "Exports at the
// stack's speed"). w receives each row whole in one Write (PostgreSQL sends
// a row a message) and must not keep the slice.
//
// COPY takes no parameters, so the arguments are written into the
// statement as literals (Literal). The copy runs in a read-only
// transaction that fixes how values are written whatever the server's or
// the session's settings: dates as ISO, floating-point numbers in their
// shortest exact form, strings without backslash escapes. It holds one
// connection, and one snapshot, until the last row is written: the query
// timeout bounds reaching the database and waiting for a lock, not the
// rows, which take as long as ctx allows. Failures are marked as every
// statement's are, so that an outage reads as Unavailable.
func (db *DB) CopyOut(ctx context.Context, w io.Writer, query string, args ...any) (err error) {
	if db.dialect != Postgres {
		return ErrNoCopy
	}
	q, err := Inline(query, args)
	if err != nil {
		return err
	}
	// Reaching the database, and a lock the copy waits for, take no
	// longer than any query may; the rows then take as long as the
	// reader needs.
	start, cancel := context.WithTimeout(ctx, db.queryTimeout)
	defer cancel()
	return markLost(db.onPgx(start, func(c *pgx.Conn) error {
		pc := c.PgConn()
		if err := pc.Exec(start, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "+
			"SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1; "+
			"SET LOCAL standard_conforming_strings = on; "+
			fmt.Sprintf("SET LOCAL lock_timeout = %d", db.queryTimeout.Milliseconds())).Close(); err != nil {
			return err
		}
		_, err := pc.CopyTo(ctx, w, "COPY ("+q+") TO STDOUT")
		if IsLockUnavailable(err) {
			// A lock held past the query timeout: an outage, as a query's.
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
		if pc.IsClosed() {
			return err // the driver closed it: the pool drops it
		}
		// The transaction ends even when ctx has (the client left): a
		// connection still in it must not go back to the pool.
		end, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTimeout)
		defer cancel()
		if e := pc.Exec(end, "ROLLBACK").Close(); e != nil {
			_ = pc.Close(end)
			return errors.Join(err, e)
		}
		return err
	}))
}

// Inline writes args into query in place of its placeholders $1, $2 …,
// each as a literal (Literal), and leaves the text of quoted strings and
// identifiers in query as it is.
func Inline(query string, args []any) (string, error) {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(query) && isDigit(query[i+1]):
			j := i + 1
			for j < len(query) && isDigit(query[j]) {
				j++
			}
			n, _ := strconv.Atoi(query[i+1 : j])
			if n < 1 || n > len(args) {
				return "", fmt.Errorf("database: placeholder $%d of %d arguments", n, len(args))
			}
			lit, err := Literal(args[n-1])
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	if quote != 0 {
		return "", errors.New("database: unterminated quote in a statement to inline")
	}
	return b.String(), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Literal is v as a PostgreSQL literal of unknown type, which takes the
// type of what it is compared with, as a parameter would: a string quoted
// (quotes doubled; with standard_conforming_strings on, as CopyOut sets
// it, a backslash is a backslash), a number, a boolean, an instant in UTC
// (a date column takes its day). Other types, and strings holding a NUL,
// which PostgreSQL's text cannot, are refused.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return "", errors.New("database: a NUL in a literal")
		}
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", errors.New("database: a number that is not finite")
		}
		return "'" + strconv.FormatFloat(x, 'g', -1, 64) + "'", nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		// To the microsecond, cut as pgx cuts a parameter.
		return "'" + x.UTC().Truncate(time.Microsecond).Format("2006-01-02 15:04:05.999999Z07:00") + "'", nil
	}
	return "", fmt.Errorf("database: no literal for %T", v)
}
