// Package idempotency records the responses of creating requests sent with
// an Idempotency-Key, so that a retried request replays the first answer
// instead of creating twice. Records are written in the same transaction as
// what the request created: the key is claimed first (Claim), before the
// work, and the answer filled in (Fill) before the commit, so that a twin
// sent with the same key waits for the first to end and then replays it
// (docs/api.md, "Idempotency").
package idempotency

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Record is the first response to a keyed request.
type Record struct {
	Principal   string
	Key         string
	Method      string
	Path        string
	RequestHash string
	Status      int
	Location    string
	Body        []byte
	CreatedAt   time.Time
}

// ClaimWait is the longest Claim waits for a twin that holds the key.
const ClaimWait = 3 * time.Second

// Store keeps records.
type Store struct {
	db   *database.DB
	wait time.Duration
}

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db, wait: ClaimWait} }

type recordRow struct {
	Principal   string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	Method      string
	Path        string
	RequestHash string
	Status      int
	Location    string
	Body        []byte
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
}

func (recordRow) TableName() string { return "idempotency_keys" }

// ErrTaken is returned by Put when another request stored the key first.
var ErrTaken = apperr.Coded(apperr.Conflict, "idempotency.in_progress")

// ErrInProgress is returned by Claim when a twin request holds the key for
// longer than the claim waits: the client retries after a moment and then
// finds the twin's answer.
var ErrInProgress = &apperr.Error{Kind: apperr.Conflict, Message: "idempotency.in_progress", RetryAfter: time.Second}

// Times are written and compared in UTC: SQLite compares them as text, so an
// instant written in another zone would be taken for another age.

// Get returns the live record of a principal's key, NotFound when there is none.
func (s *Store) Get(ctx context.Context, principal, key string, now time.Time) (_ Record, err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Get")
	q, done := s.db.Conn(ctx)
	defer done()
	var r recordRow
	err = q.Where("principal = ? AND key = ? AND created_at > ?", principal, key, now.UTC().Add(-TTL)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Record{}, apperr.ErrNotFound
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return Record(r), err
}

// Purge deletes the records that expired before now and reports how many:
// an answer is kept no longer than a retry may ask for it.
func (s *Store) Purge(ctx context.Context, now time.Time) (_ int64, err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Purge")
	q, done := s.db.Conn(ctx)
	defer done()
	res := q.Where("created_at <= ?", now.UTC().Add(-TTL)).Delete(&recordRow{})
	return res.RowsAffected, res.Error
}

// Put stores a record, replacing an expired one with the same key: Claim
// and Fill in one.
func (s *Store) Put(ctx context.Context, rec Record) (err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Put")
	return s.db.InTx(ctx, func(ctx context.Context) error {
		won, err := s.Claim(ctx, rec)
		switch {
		case err != nil:
			return err
		case !won:
			return ErrTaken
		}
		return s.Fill(ctx, rec)
	})
}

// Claim takes rec's key for a request about to run, replacing an expired
// record of the key, and reports whether it did: false when a twin request
// stored the key first. It is called in the transaction of the request's
// work, and the answer is filled in (Fill) before it commits: a twin that
// claims the key meanwhile waits for that transaction to end, at most
// ClaimWait (ErrInProgress), and then finds the key free (the first one
// rolled back) or taken, its answer committed with it.
func (s *Store) Claim(ctx context.Context, rec Record) (won bool, err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Claim")
	q, done := s.db.Conn(ctx)
	defer done()
	rec.CreatedAt = rec.CreatedAt.UTC()
	err = s.db.WaitingForLocks(ctx, s.wait, func() error {
		err := q.Where("principal = ? AND key = ? AND created_at <= ?", rec.Principal, rec.Key, rec.CreatedAt.Add(-TTL)).
			Delete(&recordRow{}).Error
		if err != nil {
			return err
		}
		r := recordRow(rec)
		r.Body = []byte{}
		res := q.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
		won = res.RowsAffected == 1
		return res.Error
	})
	if database.IsLockUnavailable(err) {
		return false, ErrInProgress
	}
	return won && err == nil, err
}

// Fill writes the answer of the request that claimed rec's key.
func (s *Store) Fill(ctx context.Context, rec Record) (err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Fill")
	q, done := s.db.Conn(ctx)
	defer done()
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	res := q.Model(&recordRow{}).Where("principal = ? AND key = ?", rec.Principal, rec.Key).
		Updates(map[string]any{"status": rec.Status, "location": rec.Location, "body": body})
	if res.Error == nil && res.RowsAffected != 1 {
		return fmt.Errorf("no claim of key %q to fill", rec.Key)
	}
	return res.Error
}
