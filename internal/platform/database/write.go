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
// the row by its "id"), and with it writes the rows staged so far in the
// transaction carried by ctx (Stage): they are written if the row matched and
// dropped if it did not. It reports whether the row matched. A row that
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
		err := db.InTx(ctx, func(ctx context.Context) error {
			q, done := db.Conn(ctx)
			defer done()
			res := q.Table(table).Where(match).Updates(set)
			switch {
			case res.Error != nil:
				return res.Error
			case res.RowsAffected == 0:
				takeStaged(ctx) // as on PostgreSQL: they go with the update or not at all
				return errNoMatch
			}
			return flushStaged(ctx, q)
		})
		if errors.Is(err, errNoMatch) {
			return false, nil
		}
		return err == nil, err
	}

	rows := takeStaged(ctx)
	q, done := db.Conn(ctx)
	defer done()
	var b strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	t := q.Statement.Quote(table)
	b.WriteString("WITH u AS (UPDATE " + t + " SET ")
	for i, col := range slices.Sorted(maps.Keys(set)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q.Statement.Quote(col) + " = " + arg(set[col]))
	}
	// The locking subquery makes the update refuse, rather than queue behind,
	// a transaction that holds the row.
	var conds []string
	for _, col := range slices.Sorted(maps.Keys(match)) {
		conds = append(conds, q.Statement.Quote(col)+" = "+arg(match[col]))
	}
	fmt.Fprintf(&b, " WHERE id = (SELECT id FROM %s WHERE %s FOR UPDATE NOWAIT) RETURNING 1)", t, strings.Join(conds, " AND "))
	for i, r := range rows {
		stmt := &gorm.Statement{DB: q} // for the row's schema, from GORM's cache
		if err := stmt.Parse(r); err != nil {
			return false, err
		}
		rv := reflect.Indirect(reflect.ValueOf(r))
		var cols, vals []string
		for _, f := range stmt.Schema.Fields {
			if f.DBName == "" || !f.Creatable {
				continue
			}
			v, zero := f.ValueOf(ctx, rv)
			if zero && f.HasDefaultValue {
				continue // as GORM's Create: the database's default
			}
			cols, vals = append(cols, q.Statement.Quote(f.DBName)), append(vals, arg(v))
		}
		fmt.Fprintf(&b, ", i%d AS (INSERT INTO %s (%s) SELECT %s FROM u)",
			i, q.Statement.Quote(stmt.Schema.Table), strings.Join(cols, ", "), strings.Join(vals, ", "))
	}
	b.WriteString(" SELECT count(*) FROM u")
	var n int
	if err := q.Statement.ConnPool.QueryRowContext(q.Statement.Context, b.String(), args...).Scan(&n); err != nil {
		if tr, ok := q.Dialector.(gorm.ErrorTranslator); ok {
			err = tr.Translate(err)
		}
		return false, err
	}
	return n == 1, nil
}
