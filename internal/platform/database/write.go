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

	"gorm.io/gorm"
)

// errNoMatch rolls back the SQLite transaction of an UpdateIf whose row no
// longer matches.
var errNoMatch = errors.New("database: no row matches")

// UpdateIf sets the columns set of one row of table, only while the row
// still has the values of match (column = value, all of them; match names
// the row by its "id"), and with it writes the rows staged so far with the
// change carried by ctx (Stage): they are written if the row matched and
// dropped if it did not, and a transaction that dropped staged rows may then
// not commit. It reports whether the row matched. A row that
// another transaction holds answers IsLockUnavailable at once instead of
// waiting.
//
// On PostgreSQL it is one statement, a data-modifying WITH whose inserts
// read the update's result; on SQLite, the update and the inserts in one
// transaction (or the caller's).
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

// updateIfPostgres is UpdateIf as one statement (updateIfStatement).
func (db *DB) updateIfPostgres(ctx context.Context, table string, match, set map[string]any) (bool, error) {
	rows := takeStaged(ctx)
	q, done := db.Conn(ctx)
	defer done()
	stmt, args, err := updateIfStatement(ctx, q, table, match, set, rows)
	if err != nil {
		return false, err
	}
	var n int
	if err := q.Statement.ConnPool.QueryRowContext(q.Statement.Context, stmt, args...).Scan(&n); err != nil {
		if tr, ok := q.Dialector.(gorm.ErrorTranslator); ok {
			err = tr.Translate(err)
		}
		return false, markLost(err)
	}
	if n != 1 {
		dropStaged(ctx, rows)
	}
	return n == 1, nil
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
func updateIfStatement(ctx context.Context, q *gorm.DB, table string, match, set map[string]any, rows []any) (string, []any, error) {
	s := &pgStatement{q: q}
	s.update(table, match, set)
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
func (s *pgStatement) update(table string, match, set map[string]any) {
	t := s.quote(table)
	s.b.WriteString("WITH u AS (UPDATE " + t + " SET ")
	for i, col := range slices.Sorted(maps.Keys(set)) {
		if i > 0 {
			s.b.WriteString(", ")
		}
		s.b.WriteString(s.quote(col) + " = " + s.arg(set[col]))
	}
	// The locking subquery makes the update refuse, rather than queue behind,
	// a transaction that holds the row.
	var conds []string
	for _, col := range slices.Sorted(maps.Keys(match)) {
		conds = append(conds, s.quote(col)+" = "+s.arg(match[col]))
	}
	fmt.Fprintf(&s.b, " WHERE id = (SELECT id FROM %s WHERE %s FOR UPDATE NOWAIT) RETURNING 1)", t, strings.Join(conds, " AND "))
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
