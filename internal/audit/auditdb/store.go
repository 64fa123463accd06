// Package auditdb keeps the audit trail in PostgreSQL or SQLite through GORM.
// It stages entries in their changes' transactions and seals them into the
// chain one sealer at a time, so that it never forks, and translates driver
// errors into apperr kinds, so that no GORM error leaves it.
package auditdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/platform/database"
)

// ChainLock is the PostgreSQL advisory lock ("auditcha" in ASCII) that a
// sealer holds from reading the chain's last entry until its transaction
// ends, so that concurrent sealers take turns.
const ChainLock int64 = 0x6175646974636861

// Store implements audit.Store.
type Store struct {
	db *database.DB
}

var _ audit.Store = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

// Content are the columns an entry has before it is sealed (exported, as
// GORM embeds only exported fields).
type Content struct {
	At           time.Time
	Actor        string
	ActorID      string
	Dept         string
	Action       string
	ResourceType string
	ResourceID   string
	Before       string
	After        string
	RequestID    string
	// Format is what Before and After hold (audit.Format); rows from before
	// the column (migration 00019) have its default, whole snapshots.
	Format audit.Format
}

type entryRow struct {
	ID       int64 `gorm:"primaryKey;autoIncrement:false"`
	Content  `gorm:"embedded"`
	PrevHash string
	Hash     string
}

func (entryRow) TableName() string { return "audit_entries" }

func toFields(e audit.Entry) Content {
	return Content{
		At: e.At.UTC(), Actor: e.Actor, ActorID: e.ActorID, Dept: e.Dept, Action: e.Action,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, Before: string(e.Before), After: string(e.After),
		RequestID: e.RequestID, Format: max(e.Format, audit.FormatSnapshots),
	}
}

// toEntry returns the entry of f with its place in the chain.
func (f Content) toEntry(id int64, prevHash, hash string) audit.Entry {
	return audit.Entry{
		ID: id, At: f.At.UTC(), Actor: f.Actor, ActorID: f.ActorID, Dept: f.Dept, Action: f.Action,
		ResourceType: f.ResourceType, ResourceID: f.ResourceID,
		Before: json.RawMessage(f.Before), After: json.RawMessage(f.After),
		RequestID: f.RequestID, PrevHash: prevHash, Hash: hash, Format: f.Format,
	}
}

func toEntry(r entryRow) audit.Entry { return r.toEntry(r.ID, r.PrevHash, r.Hash) }

// translate turns driver errors into apperr kinds; errors that already carry
// a kind pass unchanged, and the rest are internal, their text kept for the
// log.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case apperr.KindOf(err) != apperr.Internal:
		return err
	case database.IsNotFound(err):
		return apperr.ErrNotFound
	case database.IsDuplicate(err):
		// Only a second writer outside the lock can get here.
		return apperr.Coded(apperr.Conflict, "audit.written_concurrently")
	}
	return fmt.Errorf("auditdb: %v", err)
}

// pendingRow is a staged entry.
type pendingRow struct {
	ID      int64 `gorm:"primaryKey"`
	Content `gorm:"embedded"`
}

func (pendingRow) TableName() string { return "audit_pending" }

// Append stages e with the change carried by ctx (database.DB.Stage), to be
// written with it; outside a change, in a transaction of its own.
func (s *Store) Append(ctx context.Context, e audit.Entry) (err error) {
	defer apperr.Wrap(&err, "auditdb.Store.Append")
	row := &pendingRow{Content: toFields(e)}
	if s.db.Staging(ctx) {
		return s.db.Stage(ctx, row)
	}
	return s.db.InTx(ctx, func(ctx context.Context) error { return s.db.Stage(ctx, row) })
}

// place is a staged entry's place in the chain.
type place struct {
	PendingID int64  `json:"pending_id"`
	ID        int64  `json:"id"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

// placesSQL reads the JSON array of places (one parameter) as rows
// pending_id, id, prev_hash, hash: one statement text and one bound
// parameter however many entries a batch seals.
func (s *Store) placesSQL() string {
	if s.db.Dialect() == database.Postgres {
		return `SELECT * FROM json_to_recordset(CAST(? AS json)) AS v (pending_id bigint, id bigint, prev_hash text, hash text)`
	}
	return `SELECT json_extract(value, '$.pending_id') AS pending_id, json_extract(value, '$.id') AS id,
		json_extract(value, '$.prev_hash') AS prev_hash, json_extract(value, '$.hash') AS hash FROM json_each(?)`
}

// sealed checks that a statement of the sealer met every staged entry of
// its batch: one left out would be deleted unsealed, or break the chain.
func sealed(res *gorm.DB, want int) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != int64(want) {
		return fmt.Errorf("auditdb: a seal met %d of %d staged entries", res.RowsAffected, want)
	}
	return nil
}

// SealPending moves up to limit committed staged entries into the chain, in
// staging order, in one transaction. On PostgreSQL the advisory lock admits
// one sealer at a time, across replicas; SQLite has a single connection,
// which does the same.
func (s *Store) SealPending(ctx context.Context, limit int) (_ int, err error) {
	defer apperr.Wrap(&err, "auditdb.Store.SealPending")
	n := 0
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		if s.db.Dialect() == database.Postgres {
			if err := q.Exec("SELECT pg_advisory_xact_lock(?)", ChainLock).Error; err != nil {
				return err
			}
		}
		var pending []pendingRow
		if err := q.Order("id").Limit(limit).Find(&pending).Error; err != nil || len(pending) == 0 {
			return err
		}
		var last []entryRow
		if err := q.Select("id", "hash").Order("id DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		var id int64
		var prev string
		if len(last) == 1 {
			id, prev = last[0].ID, last[0].Hash
		}
		// The entries are copied from their staged rows in the database;
		// only their places in the chain are sent.
		places := make([]place, len(pending))
		for i, p := range pending {
			id++
			hash := audit.SealStaged(prev, p.toEntry(id, prev, ""))
			places[i] = place{PendingID: p.ID, ID: id, PrevHash: prev, Hash: hash}
			prev = hash
		}
		js, err := json.Marshal(places)
		if err != nil {
			return err
		}
		v := s.placesSQL()
		res := q.Exec(`WITH v AS (`+v+`)
			INSERT INTO audit_entries (id, at, actor, actor_id, dept, action, resource_type, resource_id,
				before, after, request_id, format, prev_hash, hash)
			SELECT v.id, p.at, p.actor, p.actor_id, p.dept, p.action, p.resource_type, p.resource_id,
				p.before, p.after, p.request_id, p.format, v.prev_hash, v.hash
			FROM audit_pending p JOIN v ON p.id = v.pending_id`, string(js))
		if err := sealed(res, len(places)); err != nil {
			return err
		}
		if err := sealed(q.Exec(`DELETE FROM audit_pending WHERE id IN (SELECT pending_id FROM (`+v+`) AS v)`, string(js)), len(places)); err != nil {
			return err
		}
		n = len(places)
		return nil
	})
	if err != nil {
		return 0, translate(err)
	}
	return n, nil
}

// List returns one page in ID order. It pages by keyset (the last ID), so
// pages stay stable while entries are appended.
func (s *Store) List(ctx context.Context, lq audit.Query) (_ audit.Page, err error) {
	defer apperr.Wrap(&err, "auditdb.Store.List")
	q, done := s.db.Conn(ctx)
	defer done()
	if lq.Limit <= 0 {
		lq.Limit = audit.DefaultLimit
	}
	sel := q.Model(&entryRow{})
	if lq.ResourceType != "" {
		sel = sel.Where("resource_type = ?", lq.ResourceType)
	}
	if lq.ResourceID != "" {
		sel = sel.Where("resource_id = ?", lq.ResourceID)
	}
	if lq.Actor != "" {
		sel = sel.Where("actor = ?", lq.Actor)
	}
	if lq.Since != nil {
		// In UTC: SQLite compares times as text.
		sel = sel.Where("at >= ?", lq.Since.UTC())
	}
	if lq.After > 0 {
		sel = sel.Where("id > ?", lq.After)
	}
	var rows []entryRow
	if err := sel.Order("id").Limit(lq.Limit + 1).Find(&rows).Error; err != nil {
		return audit.Page{}, translate(err)
	}
	var page audit.Page
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next := rows[len(rows)-1].ID
		page.Next = &next
	}
	page.Items = make([]audit.Entry, len(rows))
	for i, r := range rows {
		page.Items[i] = toEntry(r)
	}
	return page, nil
}

// Walk returns up to limit entries after the given ID, in ID order.
func (s *Store) Walk(ctx context.Context, after int64, limit int) (_ []audit.Entry, err error) {
	defer apperr.Wrap(&err, "auditdb.Store.Walk")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []entryRow
	if err := q.Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out, nil
}
