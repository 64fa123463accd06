package database

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// errNoMatch rolls back the SQLite transaction of an UpdateIf whose row no
// longer matches.
var errNoMatch = errors.New("database: no row matches")

// RowWait is the longest UpdateIf waits on PostgreSQL for a row that
// another transaction holds, before it answers IsLockUnavailable.
const RowWait = 2 * time.Second

// UpdateIf sets the columns set of one row of table, only while the row
// still has the values of match (column = value, all of them; match names
// the row by its "id"), and with it writes the rows staged so far with the
// change carried by ctx (Stage): they are written if the row matched and
// dropped if it did not, and a transaction that dropped staged rows may then
// not commit. It reports whether the row matched.
//
// On PostgreSQL it is one statement, a data-modifying WITH whose inserts
// read the update's result; on SQLite, the update and the inserts in one
// transaction (or the caller's). A row that another transaction holds is
// waited for, at most RowWait (less when the deadline is nearer), and
// matched as that transaction left it: a change that kept the values of
// match (the health refresher's) lets the update through, one that changed
// them makes it report false. A row still held then answers
// IsLockUnavailable (docs/stages.md).
func (db *DB) UpdateIf(ctx context.Context, table string, match, set map[string]any) (bool, error) {
	if _, ok := match["id"]; !ok {
		return false, errors.New("database: UpdateIf needs the row's id")
	}
	if db.dialect != Postgres {
		return db.updateIfSQLite(ctx, table, match, set)
	}
	return db.updateIfPostgres(ctx, table, match, set)
}

// updateIfSQLite is UpdateIf as an update and the staged inserts in one
// transaction.
func (db *DB) updateIfSQLite(ctx context.Context, table string, match, set map[string]any) (bool, error) {
	err := db.InTx(ctx, func(ctx context.Context) error {
		q, done := db.Conn(ctx)
		defer done()
		res := q.Table(table).Where(match).Updates(set)
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected == 0:
			dropStaged(ctx, takeStaged(ctx)) // as on PostgreSQL: they go with the update or not at all
			return errNoMatch
		}
		return flushStaged(ctx, q)
	})
	if errors.Is(err, errNoMatch) {
		return false, nil
	}
	return err == nil, err
}

// updateIfPostgres is UpdateIf as one statement (updateIfStatement). Alone,
// it first refuses a held row at once, the one round trip of a row nobody
// holds, and then waits for it in a transaction of its own: a statement
// that waits outside a transaction could still commit after its deadline
// cut the connection and the request was answered as failed. In the
// caller's transaction, which commits only if the request's work ends, it
// waits at once.
func (db *DB) updateIfPostgres(ctx context.Context, table string, match, set map[string]any) (bool, error) {
	rows := takeStaged(ctx)
	var n int
	var err error
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx {
		n, err = db.updateIfWaiting(ctx, table, match, set, rows)
	} else if n, err = db.updateIfRun(ctx, table, match, set, rows, false); IsLockUnavailable(err) {
		err = db.InTx(ctx, func(ctx context.Context) (err error) {
			n, err = db.updateIfWaiting(ctx, table, match, set, rows)
			return err
		})
	}
	if err != nil {
		return false, err
	}
	if n != 1 {
		dropStaged(ctx, rows)
	}
	return n == 1, nil
}

// updateIfWaiting runs UpdateIf's statement in the transaction that ctx
// carries, waiting for a held row at most RowWait.
func (db *DB) updateIfWaiting(ctx context.Context, table string, match, set map[string]any, rows []any) (n int, err error) {
	err = db.WaitingForLocks(ctx, RowWait, func() (err error) {
		n, err = db.updateIfRun(ctx, table, match, set, rows, true)
		return err
	})
	return n, err
}

// WaitingForLocks runs fn, whose statements run in the transaction that
// ctx carries, so that on PostgreSQL a statement waits for a lock at most
// longest, or half of what is left of ctx's deadline when that is less (a
// long hold then ends as IsLockUnavailable, a conflict, and not as the
// query deadline, an outage); after fn, statements wait as before.
func (db *DB) WaitingForLocks(ctx context.Context, longest time.Duration, fn func() error) error {
	if db.dialect != Postgres {
		return fn()
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl)/2 < longest {
		longest = time.Until(dl) / 2
	}
	q, done := db.Conn(ctx)
	defer done()
	if err := q.Exec(fmt.Sprintf("SET LOCAL lock_timeout = %d", max(longest, time.Millisecond).Milliseconds())).Error; err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	return q.Exec("SET LOCAL lock_timeout TO DEFAULT").Error
}

// updateIfRun runs UpdateIf's statement and returns the count of rows it
// updated; wait says whether it waits for a held row or refuses it at once.
func (db *DB) updateIfRun(ctx context.Context, table string, match, set map[string]any, rows []any, wait bool) (int, error) {
	q, done := db.Conn(ctx)
	defer done()
	stmt, args, err := updateIfStatement(ctx, q, table, match, set, rows, wait)
	if err != nil {
		return 0, err
	}
	var n int
	if err := q.Statement.ConnPool.QueryRowContext(q.Statement.Context, stmt, args...).Scan(&n); err != nil {
		if tr, ok := q.Dialector.(gorm.ErrorTranslator); ok {
			err = tr.Translate(err)
		}
		return 0, markLost(err)
	}
	return n, nil
}

// pgStatement builds a PostgreSQL statement and its numbered parameters.
type pgStatement struct {
	q    *gorm.DB
	b    strings.Builder
	args []any
}

// arg adds v as the statement's next parameter and returns its placeholder.
func (s *pgStatement) arg(v any) string {
	s.args = append(s.args, v)
	return "$" + strconv.Itoa(len(s.args))
}

func (s *pgStatement) quote(name string) string { return s.q.Statement.Quote(name) }

// updateIfStatement is UpdateIf's statement on PostgreSQL: the update as u,
// an insert of each of rows that selects from u, so that it writes only if
// the update matched, and the count of rows u updated.
func updateIfStatement(ctx context.Context, q *gorm.DB, table string, match, set map[string]any, rows []any, wait bool) (string, []any, error) {
	s := &pgStatement{q: q}
	s.update(table, match, set, wait)
	for i, r := range rows {
		if err := s.insertFromUpdate(ctx, i, r); err != nil {
			return "", nil, err
		}
	}
	s.b.WriteString(" SELECT count(*) FROM u")
	return s.b.String(), s.args, nil
}

// update writes the WITH clause u: the update of the row of table that has
// the values of match, returning 1 if it did.
func (s *pgStatement) update(table string, match, set map[string]any, wait bool) {
	t := s.quote(table)
	s.b.WriteString("WITH u AS (UPDATE " + t + " SET ")
	for i, col := range slices.Sorted(maps.Keys(set)) {
		if i > 0 {
			s.b.WriteString(", ")
		}
		s.b.WriteString(s.quote(col) + " = " + s.arg(set[col]))
	}
	// The locking subquery refuses a row that another transaction holds
	// (NOWAIT), or waits for that transaction and then checks match again on
	// the row it left (READ COMMITTED), so that only a row that still
	// matches is written.
	var conds []string
	for _, col := range slices.Sorted(maps.Keys(match)) {
		conds = append(conds, s.quote(col)+" = "+s.arg(match[col]))
	}
	lock := "FOR UPDATE NOWAIT"
	if wait {
		lock = "FOR UPDATE"
	}
	fmt.Fprintf(&s.b, " WHERE id = (SELECT id FROM %s WHERE %s %s) RETURNING 1)", t, strings.Join(conds, " AND "), lock)
}

// insertFromUpdate writes the i-th insert's WITH clause: row, a GORM row
// value, selected from u, so that it is written if the update matched and
// not at all otherwise.
func (s *pgStatement) insertFromUpdate(ctx context.Context, i int, row any) error {
	stmt := &gorm.Statement{DB: s.q} // for the row's schema, from GORM's cache
	if err := stmt.Parse(row); err != nil {
		return err
	}
	rv := reflect.Indirect(reflect.ValueOf(row))
	var cols, vals []string
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" || !f.Creatable {
			continue
		}
		v, zero := f.ValueOf(ctx, rv)
		if zero && f.HasDefaultValue {
			continue // as GORM's Create: the database's default
		}
		cols, vals = append(cols, s.quote(f.DBName)), append(vals, s.arg(v))
	}
	fmt.Fprintf(&s.b, ", i%d AS (INSERT INTO %s (%s) SELECT %s FROM u)",
		i, s.quote(stmt.Schema.Table), strings.Join(cols, ", "), strings.Join(vals, ", "))
	return nil
}

// ForUpdate has q lock the rows it reads until the transaction ends, on
// PostgreSQL (FOR UPDATE); SQLite runs one writing transaction at a time,
// which does the same.
func (db *DB) ForUpdate(q *gorm.DB) *gorm.DB {
	if db.dialect == Postgres {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}
