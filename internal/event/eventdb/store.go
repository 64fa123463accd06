// Package eventdb keeps the change feed in PostgreSQL or SQLite through
// GORM: it stages events with their changes, gives committed events their
// positions one sequencer at a time, reads them by position within a
// department's scope, and translates driver errors into apperr kinds, so
// that no GORM error leaves it.
package eventdb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/platform/database"
)

// SequenceLock is the PostgreSQL advisory lock ("eventseq" in ASCII) that a
// sequencer holds from reading the newest position until its transaction
// ends, so that concurrent sequencers take turns.
const SequenceLock int64 = 0x6576656e74736571

// Store implements event.Store.
type Store struct {
	db *database.DB
}

var _ event.Store = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

// Content are the columns an event is staged with (exported, as GORM
// embeds only exported fields).
type Content struct {
	EventID      string
	Type         string
	At           time.Time
	Actor        string
	ActorID      string
	ActorDept    string
	ResourceType string
	ResourceID   string
	ProjectID    string
	Version      int
	Changes      string
	Departments  string
	RequestID    string
}

// stagedRow is an event as a change stages it: no position yet, its id
// from the table's sequence.
type stagedRow struct {
	ID      int64 `gorm:"primaryKey"`
	Content `gorm:"embedded"`
}

func (stagedRow) TableName() string { return "events" }

// eventRow is a sequenced event.
type eventRow struct {
	ID          int64 `gorm:"primaryKey"`
	Position    int64
	Content     `gorm:"embedded"`
	SequencedAt *time.Time
}

func (eventRow) TableName() string { return "events" }

// joinDepartments writes department codes as the column holds them:
// ",a,b," (",": none), so that a reader's condition is one LIKE.
func joinDepartments(ds []string) string {
	if len(ds) == 0 {
		return ","
	}
	return "," + strings.Join(ds, ",") + ","
}

func splitDepartments(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func toContent(e event.Event) Content {
	changes := string(e.Changes)
	if changes == "" {
		changes = "{}"
	}
	return Content{
		EventID: e.ID, Type: e.Type, At: e.At.UTC(), Actor: e.Actor, ActorID: e.ActorID, ActorDept: e.ActorDept,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, ProjectID: e.ProjectID, Version: e.Version,
		Changes: changes, Departments: joinDepartments(e.Departments), RequestID: e.RequestID,
	}
}

func toEvent(r eventRow) event.Event {
	return event.Event{
		Position: r.Position, ID: r.EventID, Type: r.Type, At: r.At.UTC(),
		Actor: r.Actor, ActorID: r.ActorID, ActorDept: r.ActorDept,
		ResourceType: r.ResourceType, ResourceID: r.ResourceID, ProjectID: r.ProjectID, Version: r.Version,
		Changes: json.RawMessage(r.Changes), Departments: splitDepartments(r.Departments), RequestID: r.RequestID,
	}
}

// translate turns driver errors into apperr kinds; errors that already
// carry a kind pass unchanged, and the rest are internal, their text kept
// for the log.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case apperr.KindOf(err) != apperr.Internal:
		return err
	}
	return fmt.Errorf("eventdb: %w", err)
}

// Append stages e with the change carried by ctx (database.DB.Stage), to
// be written with it; outside a change, in a transaction of its own.
func (s *Store) Append(ctx context.Context, e event.Event) (err error) {
	defer apperr.Wrap(&err, "eventdb.Store.Append")
	row := &stagedRow{Content: toContent(e)}
	if s.db.Staging(ctx) {
		return s.db.Stage(ctx, row)
	}
	return translate(s.db.InTx(ctx, func(ctx context.Context) error { return s.db.Stage(ctx, row) }))
}

// sequencedRow is what Sequence returns of an event it gave a position.
type sequencedRow struct {
	Position int64
	Type     string
	At       time.Time
}

// Sequence gives up to limit committed events without a position the next
// positions after the newest, in id order, in one transaction: the
// advisory lock, then one statement that reads the newest position and the
// events without one and sets theirs. On PostgreSQL the lock admits one
// sequencer at a time, across replicas, and the statement, begun after the
// lock was granted, sees what the sequencer before committed; SQLite has a
// single connection, which does the same. Why id order among the committed
// is commit order: docs/integration.md, "Commit order".
func (s *Store) Sequence(ctx context.Context, limit int, at time.Time) (_ []event.Event, err error) {
	defer apperr.Wrap(&err, "eventdb.Store.Sequence")
	var rows []sequencedRow
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		if s.db.Dialect() == database.Postgres {
			if err := q.Exec("SELECT pg_advisory_xact_lock(?)", SequenceLock).Error; err != nil {
				return err
			}
		}
		return q.Raw(`WITH v AS (
				SELECT p.id, h.head + row_number() OVER (ORDER BY p.id) AS pos
				FROM (SELECT id FROM events WHERE position IS NULL ORDER BY id LIMIT ?) AS p,
					(SELECT COALESCE(MAX(position), 0) AS head FROM events) AS h)
			UPDATE events SET position = v.pos, sequenced_at = ? FROM v WHERE events.id = v.id
			RETURNING events.position, events.type, events.at`, limit, at.UTC()).Scan(&rows).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	slices.SortFunc(rows, func(a, b sequencedRow) int { return cmp.Compare(a.Position, b.Position) })
	out := make([]event.Event, len(rows))
	for i, r := range rows {
		out[i] = event.Event{Position: r.Position, Type: r.Type, At: r.At.UTC()}
	}
	return out, nil
}

// likeEscaper escapes LIKE's wildcards in a department code (its "_").
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// List returns sequenced events after q.After, in position order, of
// q.Types (all when empty), that q.Department is entitled to (all when
// empty), at most q.Limit.
func (s *Store) List(ctx context.Context, lq event.Query) (_ []event.Event, err error) {
	defer apperr.Wrap(&err, "eventdb.Store.List")
	q, done := s.db.Conn(ctx)
	defer done()
	if lq.Limit <= 0 {
		lq.Limit = event.DefaultLimit
	}
	sel := q.Model(&eventRow{}).Where("position > ?", lq.After)
	if len(lq.Types) > 0 {
		sel = sel.Where("type IN ?", lq.Types)
	}
	if lq.Department != "" {
		sel = sel.Where(`departments LIKE ? ESCAPE '\'`, "%,"+likeEscaper.Replace(lq.Department)+",%")
	}
	var rows []eventRow
	if err := sel.Order("position").Limit(lq.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]event.Event, len(rows))
	for i, r := range rows {
		out[i] = toEvent(r)
	}
	return out, nil
}

// Bounds returns the oldest and newest positions kept (0, 0 when none),
// two reads of the position's unique index.
func (s *Store) Bounds(ctx context.Context) (oldest, head int64, err error) {
	defer apperr.Wrap(&err, "eventdb.Store.Bounds")
	q, done := s.db.Conn(ctx)
	defer done()
	var b struct{ Oldest, Head int64 }
	if err := q.Table("events").Select("COALESCE(MIN(position), 0) AS oldest, COALESCE(MAX(position), 0) AS head").
		Where("position IS NOT NULL").Scan(&b).Error; err != nil {
		return 0, 0, translate(err)
	}
	return b.Oldest, b.Head, nil
}

// Expire deletes the sequenced events before the first one made at or after
// before (so that what is kept has no gap), and keeps the newest event
// whatever its age, so that positions continue from it.
func (s *Store) Expire(ctx context.Context, before time.Time) (_ int, err error) {
	defer apperr.Wrap(&err, "eventdb.Store.Expire")
	q, done := s.db.Conn(ctx)
	defer done()
	res := q.Exec(`DELETE FROM events WHERE position < COALESCE(
		(SELECT MIN(position) FROM events WHERE position IS NOT NULL AND at >= ?),
		(SELECT MAX(position) FROM events))`, before.UTC())
	if res.Error != nil {
		return 0, translate(res.Error)
	}
	return int(res.RowsAffected), nil
}
