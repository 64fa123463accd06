package webhookdb

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/webhook"
)

type deliveryRow struct {
	Seq            int64 `gorm:"primaryKey"`
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	Position       int64
	ProjectID      string
	Body           string
	Attempts       int
	FirstFailedAt  *time.Time
	LastAttemptAt  *time.Time
	LastStatus     int
	LastError      string
	NextAttemptAt  time.Time
	DeliveredAt    *time.Time
	LeaseUntil     *time.Time
	LeaseToken     string
	Generation     int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

func (r deliveryRow) delivery() webhook.Delivery {
	return webhook.Delivery{Seq: r.Seq, ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID,
		EventType: r.EventType, Position: r.Position, ProjectID: r.ProjectID, Body: []byte(r.Body),
		Attempts: r.Attempts, FirstFailedAt: fromOpt(r.FirstFailedAt), LastAttemptAt: fromOpt(r.LastAttemptAt),
		LastStatus: r.LastStatus, LastError: r.LastError, NextAttemptAt: r.NextAttemptAt.UTC(),
		DeliveredAt: fromOpt(r.DeliveredAt), CreatedAt: r.CreatedAt.UTC(), LeaseToken: r.LeaseToken,
		Generation: r.Generation}
}

type cursorRow struct {
	ID       int `gorm:"primaryKey"`
	Position int64
}

func (cursorRow) TableName() string { return "webhook_cursor" }

// Cursor reads the fan-out's cursor with its row locked on PostgreSQL until
// the transaction ends, so that replicas fan out one at a time, skipping a
// row another replica holds (webhook.ErrFanOutBusy) rather than waiting for
// it; SQLite has one connection, which does the same.
func (s *Store) Cursor(ctx context.Context) (_ int64, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Cursor")
	q, done := s.db.Conn(ctx)
	defer done()
	sel := q.Where("id = 1")
	if s.db.Dialect() == database.Postgres {
		sel = sel.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	var rows []cursorRow
	if err := sel.Limit(1).Find(&rows).Error; err != nil {
		return 0, translate(err)
	}
	if len(rows) == 0 {
		return 0, webhook.ErrFanOutBusy
	}
	return rows[0].Position, nil
}

// Enqueue inserts the deliveries in order and moves the cursor to upTo, in
// one transaction.
func (s *Store) Enqueue(ctx context.Context, upTo int64, ds []webhook.Delivery) (err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Enqueue")
	return translate(s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		rows := make([]deliveryRow, len(ds))
		for i, d := range ds {
			rows[i] = deliveryRow{ID: d.ID, SubscriptionID: d.SubscriptionID, EventID: d.EventID, EventType: d.EventType,
				Position: d.Position, ProjectID: d.ProjectID, Body: string(d.Body), NextAttemptAt: d.NextAttemptAt.UTC(),
				CreatedAt: d.CreatedAt.UTC()}
		}
		if len(rows) > 0 {
			if err := q.Omit("Seq").CreateInBatches(&rows, 200).Error; err != nil {
				return err
			}
		}
		return q.Exec(`UPDATE webhook_cursor SET position = ? WHERE id = 1 AND position < ?`, upTo, upTo).Error
	}))
}

// claimSQL leases the due heads of their keys: the oldest undelivered
// delivery of each (subscription, project) of a subscription not paused,
// unclaimed or whose claim ran out, of a key none of whose deliveries is
// held (a redelivered one becomes the head while a later one may be in
// flight). The heads are found on the index of undelivered deliveries by
// key (webhook_deliveries_undelivered), of subscriptions not paused only,
// so that neither a paused subscription's backlog nor the deliveries
// queued behind a head are read row by row. The outer condition is checked
// again on a row another claim changed meanwhile (PostgreSQL re-reads a row
// it waited for), so two claims never take the same delivery.
const claimSQL = `UPDATE webhook_deliveries SET lease_until = ?, lease_token = ?
WHERE seq IN (
	SELECT d.seq FROM (
		SELECT MIN(h.seq) AS seq FROM webhook_deliveries h
		WHERE h.delivered_at IS NULL AND h.subscription_id IN (SELECT id FROM webhook_subscriptions WHERE paused = ?)
		GROUP BY h.subscription_id, h.project_id) heads
	JOIN webhook_deliveries d ON d.seq = heads.seq
	WHERE d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries l WHERE l.subscription_id = d.subscription_id
			AND l.project_id = d.project_id AND l.delivered_at IS NULL AND l.lease_until >= ?)
	ORDER BY d.next_attempt_at, d.seq LIMIT ?)
AND delivered_at IS NULL AND (lease_until IS NULL OR lease_until < ?)`

// Claim leases up to limit due deliveries for token until until and
// returns them.
func (s *Store) Claim(ctx context.Context, now, until time.Time, token string, limit int) (_ []webhook.Delivery, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Claim")
	now, until = now.UTC(), until.UTC()
	var rows []deliveryRow
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		res := q.Exec(claimSQL, until, token, false, now, now, now, limit, now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return q.Where("lease_token = ? AND delivered_at IS NULL", token).Order("seq").Find(&rows).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]webhook.Delivery, len(rows))
	for i, r := range rows {
		out[i] = r.delivery()
	}
	return out, nil
}

// Record writes an attempt's outcome under its claim and generation and,
// when it says so, pauses the subscription, in one transaction. An outcome
// of an earlier generation (the delivery was redelivered or resumed while
// the attempt ran) records nothing but ends the claim, so that the
// delivery is sent afresh at once.
func (s *Store) Record(ctx context.Context, o webhook.Outcome) (_ bool, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Record(%s)", o.DeliveryID)
	set := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_attempt_at": o.At.UTC(),
		"last_status": o.Status, "last_error": o.Error, "lease_until": nil, "lease_token": ""}
	if o.Delivered {
		set["delivered_at"] = o.At.UTC()
	} else {
		set["next_attempt_at"] = o.NextAttemptAt.UTC()
		set["first_failed_at"] = optTime(o.FirstFailedAt)
	}
	recorded := false
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		claim := func() *gorm.DB {
			return q.Model(&deliveryRow{}).Where("id = ? AND lease_token = ?", o.DeliveryID, o.LeaseToken)
		}
		res := claim().Where("generation = ?", o.Generation).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return claim().Updates(map[string]any{"lease_until": nil, "lease_token": ""}).Error
		}
		recorded = true
		if o.PauseReason == "" {
			return nil
		}
		return q.Exec(`UPDATE webhook_subscriptions SET paused = ?, paused_reason = ?, paused_at = ?,
			missed_from = 0, version = version + 1, updated_at = ?
			WHERE id = (SELECT subscription_id FROM webhook_deliveries WHERE id = ?) AND paused = ?`,
			true, o.PauseReason, o.At.UTC(), o.At.UTC(), o.DeliveryID, false).Error
	})
	return recorded, translate(err)
}

// Deliveries returns a page of a subscription's log, newest first.
func (s *Store) Deliveries(ctx context.Context, subscriptionID string, dq webhook.DeliveryQuery) (_ webhook.DeliveryPage, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Deliveries(%s)", subscriptionID)
	q, done := s.db.Conn(ctx)
	defer done()
	if dq.Limit <= 0 {
		dq.Limit = 50
	}
	sel := q.Where("subscription_id = ?", subscriptionID)
	if dq.Before > 0 {
		sel = sel.Where("seq < ?", dq.Before)
	}
	var rows []deliveryRow
	if err := sel.Order("seq DESC").Limit(dq.Limit + 1).Find(&rows).Error; err != nil {
		return webhook.DeliveryPage{}, translate(err)
	}
	var page webhook.DeliveryPage
	if len(rows) > dq.Limit {
		rows = rows[:dq.Limit]
		page.Next = rows[len(rows)-1].Seq
	}
	page.Items = make([]webhook.Delivery, len(rows))
	for i, r := range rows {
		page.Items[i] = r.delivery()
	}
	return page, nil
}

// Redeliver makes a delivery due at now, its window and attempts afresh, in
// a new generation, and returns it. A claim on it stays, so that it is not
// sent twice at once, but its outcome is no longer recorded (Record).
func (s *Store) Redeliver(ctx context.Context, subscriptionID, id string, now time.Time) (_ webhook.Delivery, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Redeliver(%s)", id)
	if !database.ValidID(id) {
		return webhook.Delivery{}, apperr.ErrNotFound
	}
	var r deliveryRow
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		res := q.Model(&deliveryRow{}).Where("id = ? AND subscription_id = ?", id, subscriptionID).Updates(map[string]any{
			"delivered_at": nil, "next_attempt_at": now.UTC(), "first_failed_at": nil, "attempts": 0,
			"generation": gorm.Expr("generation + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.ErrNotFound
		}
		return q.Where("id = ?", id).Take(&r).Error
	})
	if err != nil {
		return webhook.Delivery{}, translate(err)
	}
	return r.delivery(), nil
}

// Resume makes a subscription's undelivered deliveries due at now, in a new
// generation (Redeliver).
func (s *Store) Resume(ctx context.Context, subscriptionID string, now time.Time) (err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Resume(%s)", subscriptionID)
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&deliveryRow{}).Where("subscription_id = ? AND delivered_at IS NULL", subscriptionID).
		Updates(map[string]any{"next_attempt_at": now.UTC(), "first_failed_at": nil, "attempts": 0,
			"generation": gorm.Expr("generation + 1")}).Error)
}

// Purge deletes the deliveries delivered before before.
func (s *Store) Purge(ctx context.Context, before time.Time) (_ int64, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Purge")
	q, done := s.db.Conn(ctx)
	defer done()
	res := q.Where("delivered_at IS NOT NULL AND delivered_at < ?", before.UTC()).Delete(&deliveryRow{})
	return res.RowsAffected, translate(res.Error)
}

// Oldest is when the oldest undelivered delivery of a subscription not
// paused was fanned out.
func (s *Store) Oldest(ctx context.Context) (_ time.Time, _ bool, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Oldest")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []deliveryRow
	err = q.Table("webhook_deliveries AS d").Select("d.seq, d.created_at").
		Joins("JOIN webhook_subscriptions s ON s.id = d.subscription_id").
		Where("d.delivered_at IS NULL AND s.paused = ?", false).Order("d.created_at, d.seq").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, translate(err)
	}
	return rows[0].CreatedAt.UTC(), true, nil
}

// Now is the database's time, the clock every replica shares (webhook.Deps
// Clock): PostgreSQL's clock_timestamp(). An SQLite file has one process
// writing it, whose clock is the only one.
func (s *Store) Now(ctx context.Context) (_ time.Time, err error) {
	defer apperr.Wrap(&err, "webhookdb.Store.Now")
	if s.db.Dialect() != database.Postgres {
		return time.Now().UTC(), nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var now time.Time
	if err := q.Raw(`SELECT clock_timestamp()`).Scan(&now).Error; err != nil {
		return time.Time{}, translate(err)
	}
	return now.UTC(), nil
}
