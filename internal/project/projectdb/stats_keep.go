package projectdb

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/stats"
)

// KeepLock is the PostgreSQL advisory lock ("statkeep" in ASCII) that
// admits one keeper of the current figures at a time, across replicas.
const KeepLock int64 = 0x737461746b656570

var _ stats.KeepStore = (*Stats)(nil)

type statsKeptRow struct {
	ID      int `gorm:"primaryKey"`
	Key     string
	Through int64
}

func (statsKeptRow) TableName() string { return "stats_kept" }

type statsPartialRow struct {
	Department string `gorm:"primaryKey"`
	Tally      string
}

func (statsPartialRow) TableName() string { return "stats_partials" }

type statsContributionRow struct {
	ProjectID  string `gorm:"primaryKey"`
	Department string
	Tally      string
}

func (statsContributionRow) TableName() string { return "stats_contributions" }

// Kept reads the key and position of the kept figures and dept's partial
// (every department's when dept is "").
func (s *Stats) Kept(ctx context.Context, dept string) (k stats.Kept, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Kept")
	db, done := s.db.Conn(ctx)
	defer done()
	var kept []statsKeptRow
	if err := db.Where("id = 1").Find(&kept).Error; err != nil || len(kept) == 0 {
		return k, translate(err)
	}
	k.Key, k.Through = kept[0].Key, kept[0].Through
	sel := db.Model(&statsPartialRow{})
	if dept != "" {
		sel = sel.Where("department = ?", dept)
	}
	var ps []statsPartialRow
	if err := sel.Find(&ps).Error; err != nil {
		return k, translate(err)
	}
	k.Partials = make(map[string][]byte, len(ps))
	for _, p := range ps {
		k.Partials[p.Department] = []byte(p.Tally)
	}
	return k, nil
}

// Pending reads the projects of the events after position after, at most
// limit of them in position order, and with unsequenced those of the
// committed events without a position; the newest position, and whether
// events after after have expired.
func (s *Stats) Pending(ctx context.Context, after int64, limit int, unsequenced bool) (p stats.Pending, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Pending")
	db, done := s.db.Conn(ctx)
	defer done()
	var bounds struct{ Oldest, Head int64 }
	if err := db.Raw("SELECT COALESCE(MIN(position), 0) AS oldest, COALESCE(MAX(position), 0) AS head FROM events WHERE position IS NOT NULL").
		Scan(&bounds).Error; err != nil {
		return p, translate(err)
	}
	p.Head, p.Through = bounds.Head, after
	p.Gap = bounds.Head > after && bounds.Oldest > after+1
	if limit <= 0 || p.Gap {
		return p, nil
	}
	var evs []struct {
		ProjectID string
		Position  int64
	}
	if err := db.Table("events").Select("project_id, position").Where("position > ?", after).
		Order("position").Limit(limit + 1).Scan(&evs).Error; err != nil {
		return p, translate(err)
	}
	if p.More = len(evs) > limit; p.More {
		evs = evs[:limit]
	}
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			p.IDs = append(p.IDs, id)
		}
	}
	for _, e := range evs {
		add(e.ProjectID)
		p.Through = e.Position
	}
	if unsequenced && !p.More {
		var ids []string
		if err := db.Table("events").Where("position IS NULL").Order("id").Limit(limit+1).Pluck("project_id", &ids).Error; err != nil {
			return p, translate(err)
		}
		p.More = len(evs)+len(ids) > limit
		for _, id := range ids {
			add(id)
		}
	}
	return p, nil
}

// Contributions reads the kept contributions of the projects ids.
func (s *Stats) Contributions(ctx context.Context, ids []string) (_ []stats.Contribution, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Contributions")
	db, done := s.db.Conn(ctx)
	defer done()
	var rows []statsContributionRow
	if err := db.Where("project_id IN ?", nonEmpty(ids)).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]stats.Contribution, len(rows))
	for i, r := range rows {
		out[i] = stats.Contribution{ProjectID: r.ProjectID, Department: r.Department, Tally: []byte(r.Tally)}
	}
	return out, nil
}

// HealthDue reports whether a live project's stored health is due to be
// computed again on day on.
func (s *Stats) HealthDue(ctx context.Context, on time.Time) (_ bool, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.HealthDue")
	db, done := s.db.Conn(ctx)
	defer done()
	var ids []string
	err = db.Table("projects").Where("archived_at IS NULL AND health_due_on <= ?", *date(&on)).Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, translate(err)
}

// Exclusive runs fn in a transaction holding the keeper's advisory lock
// on PostgreSQL, if no other holds it (SQLite's one connection admits one
// at a time anyway).
func (s *Stats) Exclusive(ctx context.Context, fn func(context.Context) error) (ran bool, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Exclusive")
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if s.db.Dialect() == database.Postgres {
			db, done := s.db.Conn(ctx)
			var got bool
			err := db.Raw("SELECT pg_try_advisory_xact_lock(?)", KeepLock).Scan(&got).Error
			done()
			if err != nil || !got {
				return translate(err)
			}
		}
		ran = true
		return fn(ctx)
	})
	return ran, err
}

// Replace keeps cs and k's partials in place of everything kept.
func (s *Stats) Replace(ctx context.Context, k stats.Kept, cs []stats.Contribution) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Replace")
	db, done := s.db.Conn(ctx)
	defer done()
	for _, t := range []string{"stats_contributions", "stats_partials"} {
		if err := db.Exec("DELETE FROM " + t).Error; err != nil {
			return translate(err)
		}
	}
	return translate(keep(db, k, cs, nil))
}

// Apply keeps cs in place of the projects' contributions, removes those of
// gone, keeps k's partials in place of those departments' and the position.
func (s *Stats) Apply(ctx context.Context, k stats.Kept, cs []stats.Contribution, gone []string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Apply")
	db, done := s.db.Conn(ctx)
	defer done()
	return translate(keep(db, k, cs, gone))
}

// keep writes contributions, partials and the kept row.
func keep(db *gorm.DB, k stats.Kept, cs []stats.Contribution, gone []string) error {
	if len(gone) > 0 {
		if err := db.Where("project_id IN ?", gone).Delete(&statsContributionRow{}).Error; err != nil {
			return err
		}
	}
	upsert := func(key string, cols ...string) clause.OnConflict {
		return clause.OnConflict{Columns: []clause.Column{{Name: key}}, DoUpdates: clause.AssignmentColumns(cols)}
	}
	rows := make([]statsContributionRow, len(cs))
	for i, c := range cs {
		rows[i] = statsContributionRow{ProjectID: c.ProjectID, Department: c.Department, Tally: string(c.Tally)}
	}
	if len(rows) > 0 {
		if err := db.Clauses(upsert("project_id", "department", "tally")).CreateInBatches(rows, 1000).Error; err != nil {
			return err
		}
	}
	ps := make([]statsPartialRow, 0, len(k.Partials))
	for d, t := range k.Partials {
		ps = append(ps, statsPartialRow{Department: d, Tally: string(t)})
	}
	if len(ps) > 0 {
		if err := db.Clauses(upsert("department", "tally")).CreateInBatches(ps, 500).Error; err != nil {
			return err
		}
	}
	return db.Clauses(upsert("id", "key", "through")).Create(&statsKeptRow{ID: 1, Key: k.Key, Through: k.Through}).Error
}
