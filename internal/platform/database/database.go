// Package database opens the service's database, PostgreSQL or the embedded
// SQLite file, applies the versioned migrations embedded in the binary, and
// runs transactions whose handle travels in the context so that every store
// taking part in one change writes in the same transaction.
package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/guangling/pipeline/internal/apperr"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

//go:embed migrations
var migrations embed.FS

// Options say which database to open and how.
type Options struct {
	URL          string // postgres://…; empty opens SQLitePath
	SQLitePath   string
	MaxOpenConns int
	MaxIdleConns int
	ConnLifetime time.Duration
	QueryTimeout time.Duration
	Logger       *slog.Logger
}

// DB is an open database.
type DB struct {
	gorm         *gorm.DB
	sql          *sql.DB
	dialect      string
	queryTimeout time.Duration
	migrator     *goose.Provider
	answers      answers
}

// Open connects to the database and checks that it answers. It does not
// migrate: call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &gorm.Config{
		TranslateError: true,
		Logger: quietTrace{logger.NewSlogLogger(log, logger.Config{
			SlowThreshold: slowQuery, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true,
			ParameterizedQueries: true, // never a password hash or token hash in a log line
		})},
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	db := &DB{queryTimeout: o.QueryTimeout}
	if db.queryTimeout <= 0 {
		db.queryTimeout = 10 * time.Second
	}
	var dialector gorm.Dialector
	var err error
	if db.dialect, dialector, err = dialectorOf(o); err != nil {
		return nil, err
	}
	g, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", db.dialect, err)
	}
	if err := markLostConnections(g); err != nil {
		return nil, err
	}
	db.gorm = g
	if db.sql, err = g.DB(); err != nil {
		return nil, err
	}
	if err := db.watchAnswers(g); err != nil {
		return nil, err
	}
	if db.dialect == SQLite {
		// One connection: SQLite has one writer, and a second connection would
		// only wait on the file lock.
		db.sql.SetMaxOpenConns(1)
	} else {
		db.sql.SetMaxOpenConns(o.MaxOpenConns)
		db.sql.SetMaxIdleConns(o.MaxIdleConns)
		db.sql.SetConnMaxLifetime(o.ConnLifetime)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach %s database: %w", db.dialect, err)
	}
	if db.migrator, err = db.newMigrator(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dialectorOf is the dialect and GORM dialector of o: PostgreSQL at its URL,
// else SQLite in its file, whose folder it creates.
func dialectorOf(o Options) (string, gorm.Dialector, error) {
	if o.URL != "" {
		return Postgres, postgres.Open(o.URL), nil
	}
	if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
		return "", nil, fmt.Errorf("create data folder: %w", err)
	}
	return SQLite, sqlite.Open("file:" + o.SQLitePath +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"), nil
}

func (db *DB) newMigrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Replicas starting together take turns at the migrations.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.sql, sub, opts...)
}

// Dialect is Postgres or SQLite.
func (db *DB) Dialect() string { return db.dialect }

// SQL is the underlying pool, for metrics.
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.queryTimeout)
	defer cancel()
	err := db.sql.PingContext(ctx)
	if err == nil {
		db.answers.answered()
	}
	return err
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Migrate applies every pending migration and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	res, err := db.migrator.Up(ctx)
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, err
}

// MigrateTo moves the schema up or down to version: for a test of what a
// migration does to the rows it finds.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	current, err := db.migrator.GetDBVersion(ctx)
	switch {
	case err != nil:
		return err
	case version < current:
		_, err = db.migrator.DownTo(ctx, version)
	default:
		_, err = db.migrator.UpTo(ctx, version)
	}
	return err
}

// MigrationsCurrent reports whether every embedded migration is applied.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, db.queryTimeout)
	defer cancel()
	pending, err := db.migrator.HasPending(ctx)
	return !pending, err
}

type txKey struct{}

// slowQuery is the time from which a statement is logged.
const slowQuery = 500 * time.Millisecond

// quietTrace passes on to GORM's logger only the statements it will log,
// failed or slow: that logger renders every statement's SQL before it looks
// whether to log it, a few percent of the service's CPU.
type quietTrace struct{ logger.Interface }

func (q quietTrace) LogMode(l logger.LogLevel) logger.Interface {
	return quietTrace{q.Interface.LogMode(l)}
}

func (q quietTrace) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if (err != nil && !answered(err)) || time.Since(begin) > slowQuery {
		q.Interface.Trace(ctx, begin, fc, err)
	}
}

// answered reports whether a statement's error is one its caller answers
// and so is no failure to log here: a constraint the request broke (a code
// taken, a department that does not exist: a 4xx), a row held or a
// deadlock (409), a client gone, or an outage, which the HTTP layer logs
// once per burst (docs/api.md, "Outages"). What is left is a bug, logged
// with its SQL.
func answered(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, gorm.ErrForeignKeyViolated) ||
		errors.Is(err, gorm.ErrCheckConstraintViolated) || errors.Is(err, context.Canceled) ||
		IsLockUnavailable(err) || isTransient(err) || Unavailable(err)
}

// InTx runs fn in one transaction, committed when fn returns nil, after the
// rows fn staged (Stage) are written. A call inside another InTx joins the
// outer transaction. The whole transaction runs
// under the query deadline.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.inTx(ctx, nil, db.queryTimeout, fn)
}

// InSnapshot runs fn in one read-only transaction that sees the database as
// it was when it began (REPEATABLE READ on PostgreSQL; a SQLite transaction
// does so anyway), for a read of several statements that must agree with
// each other. Inside another transaction it joins that one.
func (db *DB) InSnapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.inTx(ctx, db.snapshot(), db.queryTimeout, fn)
}

// snapshot is a snapshot's options: REPEATABLE READ, read only, on
// PostgreSQL; SQLite's transaction is one anyway.
func (db *DB) snapshot() *sql.TxOptions {
	if db.dialect != Postgres {
		return nil
	}
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

// wholeReads is how many query deadlines a read of the whole register
// (InWholeSnapshot) may take: 60 s by default, the HTTP write deadline.
const wholeReads = 6

// InWholeSnapshot is InSnapshot for a read of the whole register — the
// statistics computed from scratch — under wholeReads times the query
// deadline: at 200,000 projects such a read takes seconds on a busy
// machine, where an interactive statement is cut at the query deadline.
func (db *DB) InWholeSnapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.inTx(ctx, db.snapshot(), wholeReads*db.queryTimeout, fn)
}

// inTx runs fn in a transaction of its own, or in the one ctx carries, and
// then what fn left for after its commit.
func (db *DB) inTx(ctx context.Context, opts *sql.TxOptions, timeout time.Duration, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a := &afterCommit{}
	fromFn := false // whether err is fn's own
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ctx := context.WithValue(context.WithValue(ctx, txKey{}, tx), afterKey{}, a)
		if !db.Staging(ctx) { // in Staged, the transaction writes that change's rows
			ctx = context.WithValue(ctx, stageKey{}, &stage{})
		}
		if err := fn(ctx); err != nil {
			fromFn = true
			return err
		}
		return flushStaged(ctx, tx)
	}, opts)
	a.end(err == nil)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		// SQLite reports a statement cut at the deadline as interrupted,
		// not as the deadline: the caller tells a transaction over its
		// time (an import too slow is 413) by context.DeadlineExceeded.
		err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
	}
	if !fromFn {
		err = markLost(err) // the begin's, the commit's or the staged rows'
	}
	if isTransient(err) {
		// PostgreSQL chose this transaction to end a deadlock or a
		// conflict of snapshots: nothing was written, and the same
		// request sent again will most likely pass.
		return &apperr.Error{Kind: apperr.Conflict, Message: "database.changed_concurrently", Err: err}
	}
	return err
}

// isTransient reports a deadlock or a serialization failure.
func isTransient(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

type afterKey struct{}

// afterCommit holds what runs once a transaction commits.
type afterCommit struct {
	mu    sync.Mutex
	fns   []func()
	ended bool
}

// end runs the functions if the transaction committed, and lets later
// ones (a context kept past its transaction) run at once.
func (a *afterCommit) end(committed bool) {
	a.mu.Lock()
	fns := a.fns
	a.fns, a.ended = nil, true
	a.mu.Unlock()
	if committed {
		for _, f := range fns {
			f()
		}
	}
}

// AfterCommit runs f once the transaction carried by ctx has committed, and
// never if it rolls back; outside a transaction, or after it ended, it runs
// f at once. It is for what must follow the commit, not precede it:
// forgetting cached values that a concurrent reader would otherwise fill
// again from the rows as they were.
func (db *DB) AfterCommit(ctx context.Context, f func()) {
	if a, ok := ctx.Value(afterKey{}).(*afterCommit); ok {
		a.mu.Lock()
		if !a.ended {
			a.fns = append(a.fns, f)
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
	}
	f()
}

// Conn returns the handle a store queries through: the transaction carried by
// ctx, or the pool under the query deadline. Call done when finished.
func (db *DB) Conn(ctx context.Context) (g *gorm.DB, done func()) {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx, func() {}
	}
	ctx, cancel := context.WithTimeout(ctx, db.queryTimeout)
	return db.gorm.WithContext(ctx), cancel
}

// IsDuplicate reports a unique-constraint violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// IsLockUnavailable reports that a row was locked by another transaction
// and the statement would not wait (PostgreSQL's NOWAIT).
func IsLockUnavailable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}

// IsNotFound reports that no row matched.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// ValidID reports whether id is a UUID in its canonical form, the only form
// the stores hand out. Stores answer anything else as not found before it
// reaches the database: PostgreSQL would accept some other spellings of a
// UUID and refuse others with an error, and SQLite would match none.
func ValidID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}
