// Package webhookdb keeps webhook subscriptions, their deliveries and the
// fan-out's cursor in PostgreSQL or SQLite through GORM, and translates
// driver errors into apperr kinds, so that no GORM error leaves it.
package webhookdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/webhook"
)

// Store implements webhook.Store and webhook.Queue.
type Store struct{ db *database.DB }

var (
	_ webhook.Store = (*Store)(nil)
	_ webhook.Queue = (*Store)(nil)
)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

type subscriptionRow struct {
	ID             string `gorm:"primaryKey"`
	URL            string `gorm:"column:url"`
	Types          string
	Department     string
	OwnerID        string
	OwnerName      string
	Description    string
	Secret         string
	PreviousSecret string
	PreviousUntil  *time.Time
	Paused         bool
	PausedReason   string
	PausedAt       *time.Time
	MissedFrom     int64
	Version        int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (subscriptionRow) TableName() string { return "webhook_subscriptions" }

// list is a list of codes as ",a,b,", which a LIKE '%,a,%' finds.
func list(items []string) string { return "," + strings.Join(items, ",") + "," }

func unlist(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func fromOpt(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func toRow(s webhook.Subscription) subscriptionRow {
	return subscriptionRow{ID: s.ID, URL: s.URL, Types: list(s.Types), Department: s.Department, OwnerID: s.OwnerID,
		OwnerName: s.OwnerName, Description: s.Description, Secret: s.Secret, PreviousSecret: s.PreviousSecret,
		PreviousUntil: optTime(s.PreviousUntil), Paused: s.Paused, PausedReason: s.PausedReason,
		PausedAt: optTime(s.PausedAt), MissedFrom: s.MissedFrom, Version: s.Version, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (r subscriptionRow) subscription() webhook.Subscription {
	return webhook.Subscription{ID: r.ID, URL: r.URL, Types: unlist(r.Types), Department: r.Department,
		OwnerID: r.OwnerID, OwnerName: r.OwnerName, Description: r.Description, Secret: r.Secret,
		PreviousSecret: r.PreviousSecret, PreviousUntil: fromOpt(r.PreviousUntil), Paused: r.Paused,
		PausedReason: r.PausedReason, PausedAt: fromOpt(r.PausedAt), MissedFrom: r.MissedFrom, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// translate turns driver errors into apperr kinds; errors that already carry
// a kind pass unchanged, and the rest are internal, their text kept for the
// log.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case apperr.KindOf(err) != apperr.Internal:
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.ErrNotFound
	}
	return fmt.Errorf("webhookdb: %w", err)
}

// scoped adds the department condition: a department's subscriptions
// only, or all of them for "" (the bureau's reach). A string condition,
// which a zero value cannot drop.
func scoped(q *gorm.DB, dept string) *gorm.DB {
	if dept != "" {
		return q.Where("department = ?", dept)
	}
	return q
}

// Create inserts a subscription.
func (s *Store) Create(ctx context.Context, sub webhook.Subscription) (err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Create")
	q, done := s.db.Conn(ctx)
	defer done()
	r := toRow(sub)
	return translate(q.Create(&r).Error)
}

// Get returns a subscription within dept.
func (s *Store) Get(ctx context.Context, dept, id string) (_ webhook.Subscription, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Get(%s)", id)
	if !database.ValidID(id) {
		return webhook.Subscription{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var r subscriptionRow
	if err := scoped(q, dept).Where("id = ?", id).Take(&r).Error; err != nil {
		return webhook.Subscription{}, translate(err)
	}
	return r.subscription(), nil
}

// List returns the subscriptions within dept in creation order.
func (s *Store) List(ctx context.Context, dept string) (_ []webhook.Subscription, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.List")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []subscriptionRow
	if err := scoped(q, dept).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]webhook.Subscription, len(rows))
	for i, r := range rows {
		out[i] = r.subscription()
	}
	return out, nil
}

// Update loads, changes and saves a subscription in one transaction, the
// row locked on PostgreSQL.
func (s *Store) Update(ctx context.Context, dept, id string, change func(*webhook.Subscription) error) (_ webhook.Subscription, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Update(%s)", id)
	if !database.ValidID(id) {
		return webhook.Subscription{}, apperr.ErrNotFound
	}
	var out webhook.Subscription
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		sel := s.db.ForUpdate(scoped(q, dept).Where("id = ?", id))
		var r subscriptionRow
		if err := sel.Take(&r).Error; err != nil {
			return err
		}
		sub := r.subscription()
		if err := change(&sub); err != nil {
			return err
		}
		next := toRow(sub)
		next.ID = r.ID
		if err := q.Select("*").Save(&next).Error; err != nil {
			return err
		}
		out = sub
		return nil
	})
	return out, translate(err)
}

// Delete removes a subscription within dept, and its deliveries.
func (s *Store) Delete(ctx context.Context, dept, id string) (err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Delete(%s)", id)
	if !database.ValidID(id) {
		return apperr.ErrNotFound
	}
	return translate(s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		// The deliveries first, whatever the foreign key's cascade does.
		if err := q.Exec(`DELETE FROM webhook_deliveries WHERE subscription_id IN
			(SELECT id FROM webhook_subscriptions WHERE id = ? AND (? = '' OR department = ?))`, id, dept, dept).Error; err != nil {
			return err
		}
		res := scoped(q, dept).Where("id = ?", id).Delete(&subscriptionRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.ErrNotFound
		}
		return nil
	}))
}
