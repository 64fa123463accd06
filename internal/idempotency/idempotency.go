// Package idempotency records the responses of creating requests sent with
// an Idempotency-Key, so that a retried request replays the first answer
// instead of creating twice. Records are written in the same transaction as
// what the request created.
package idempotency

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

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

// Store keeps records.
type Store struct{ db *database.DB }

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

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

// Put stores a record, replacing an expired one with the same key.
func (s *Store) Put(ctx context.Context, rec Record) (err error) {
	defer apperr.Wrap(&err, "idempotency.Store.Put")
	q, done := s.db.Conn(ctx)
	defer done()
	rec.CreatedAt = rec.CreatedAt.UTC()
	if err := q.Where("principal = ? AND key = ? AND created_at <= ?", rec.Principal, rec.Key, rec.CreatedAt.Add(-TTL)).
		Delete(&recordRow{}).Error; err != nil {
		return err
	}
	r := recordRow(rec)
	err = q.Create(&r).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrTaken
	}
	return err
}
