package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Scanner is a row being read: database/sql's or pgx's.
type Scanner interface {
	Scan(dest ...any) error
}

// EachRow runs the query q has built and calls scan on each of its rows, for
// a store that scans into typed targets of its own (in the order it
// selected) rather than through GORM's reflection. On PostgreSQL outside a
// transaction the rows are pgx's own, which scan into those targets without
// database/sql's conversion of every value (docs/performance.md, "Get and
// list against the floor"). The statement's errors are marked as every
// statement's are (a connection the database ended is an outage), and an
// answer is an answer (OnAnswer).
func (db *DB) EachRow(q *gorm.DB, scan func(Scanner) error) error {
	if _, pool := q.Statement.ConnPool.(*sql.DB); pool && db.dialect == Postgres {
		return db.eachPgxRow(q, scan)
	}
	return eachSQLRow(q, scan)
}

func eachSQLRow(q *gorm.DB, scan func(Scanner) error) (err error) {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = markLost(cerr)
		}
	}()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return markLost(rows.Err())
}

var errNotPgx = errors.New("database: the pool's connection is not pgx's")

// eachPgxRow has GORM build q's statement without running it and runs it
// on a pgx connection of the pool.
func (db *DB) eachPgxRow(q *gorm.DB, scan func(Scanner) error) (err error) {
	stmt := q.Session(&gorm.Session{DryRun: true}).Find(&[]struct{}{})
	if stmt.Error != nil {
		return stmt.Error
	}
	query, args := stmt.Statement.SQL.String(), stmt.Statement.Vars
	ctx := q.Statement.Context
	defer func() {
		if err = markLost(err); !Unavailable(err) {
			db.answers.answered()
		}
	}()
	return db.onPgx(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// onPgx runs fn on the pgx connection under one of the pool's, taken
// with ctx and given back after fn.
func (db *DB) onPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%w: %T", errNotPgx, dc)
		}
		return fn(c.Conn())
	})
}
