package projectdb

import (
	"cmp"
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
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

// keptRead is one row of Read's statement: its kind, two texts and a
// number.
type keptRead struct {
	Kind, A, B string
	N          int64
}

// Read reads, in one statement (one snapshot, one round trip: a dashboard
// asks it at every tile's refresh), the kept row, the stored health's
// rules, the versions of q.Year's plan and of the dispatch calendar,
// whether a project's health is due on q.On, the feed's oldest and newest
// positions, the partials of
// q.Department (all when empty), and the projects of the events after the
// kept position, at most q.Limit in position order, and with
// q.Unsequenced those of the committed events without a position.
func (s *Stats) Read(ctx context.Context, q stats.KeptQuery) (k stats.Kept, p stats.Pending, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Read")
	db, done := s.db.Conn(ctx)
	defer done()
	// The statement has no parameters (the year and the limit are numbers
	// written into it, a department's partial is picked here): PostgreSQL
	// plans it once per connection rather than at each of a dashboard's
	// reads (2–3 ms of planning for its ten parts).
	query := fmt.Sprintf(`SELECT 'k' AS kind, key AS a, '' AS b, through AS n FROM stats_kept WHERE id = 1
		UNION ALL SELECT 's', key, value, 0 FROM settings WHERE key IN ('health_facts', 'health_rules')
		UNION ALL SELECT 'o', '', '', COALESCE(MIN(position), 0) FROM events WHERE position IS NOT NULL
		UNION ALL SELECT 'h', '', '', COALESCE(MAX(position), 0) FROM events WHERE position IS NOT NULL
		UNION ALL SELECT 'y', state, CAST(updated_at AS text), version FROM annual_plans WHERE year = %d
		UNION ALL SELECT 'd', CAST(COUNT(*) AS text), COALESCE(CAST(MAX(updated_at) AS text), ''), COALESCE(SUM(version), 0)
			FROM dispatch_periods
		UNION ALL SELECT 'x', COALESCE(CAST((SELECT health_due_on FROM projects
			WHERE archived_at IS NULL AND health_due_on IS NOT NULL ORDER BY health_due_on LIMIT 1) AS text), ''), '', 0
		UNION ALL SELECT 'p', department, tally, 0 FROM stats_partials`, q.Year)
	if q.Limit > 0 {
		query += fmt.Sprintf(` UNION ALL SELECT * FROM (SELECT 'e' AS kind, project_id AS a, '' AS b, position AS n FROM events
			WHERE position > COALESCE((SELECT through FROM stats_kept WHERE id = 1), 0) ORDER BY position LIMIT %d) AS e`, q.Limit+1)
		if q.Unsequenced {
			query += fmt.Sprintf(` UNION ALL SELECT * FROM (SELECT 'u' AS kind, project_id AS a, '' AS b, 0 AS n FROM events
				WHERE position IS NULL ORDER BY id LIMIT %d) AS u`, q.Limit+1)
		}
	}
	var rows []keptRead
	if err := db.Raw(query).Scan(&rows).Error; err != nil {
		return k, p, translate(err)
	}
	k, p = keptOf(rows, q.Department, q.Limit, *date(&q.On))
	return k, p, nil
}

// keptOf reads Read's rows: the events' in position order, the limit
// applied to the sequenced ones first.
func keptOf(rows []keptRead, dept string, limit int, on time.Time) (k stats.Kept, p stats.Pending) {
	k.Partials = map[string][]byte{}
	var oldest int64
	var health []string
	var seq, unseq []keptRead
	for _, r := range rows {
		switch r.Kind {
		case "k":
			k.Key, k.Through = r.A, r.N
		case "s":
			health = append(health, r.A+"="+r.B)
		case "y":
			k.Frame += fmt.Sprintf("plan=%s:%s:%d;", r.A, r.B, r.N)
		case "d":
			// A period's due day moves every project's health too.
			health = append(health, fmt.Sprintf("periods=%s:%s:%d", r.A, r.B, r.N))
		case "x":
			k.Due = dueBy(r.A, on)
		case "o":
			oldest = r.N
		case "h":
			p.Head = r.N
		case "p":
			if dept == "" || r.A == dept {
				k.Partials[r.A] = []byte(r.B)
			}
		case "e":
			seq = append(seq, r)
		case "u":
			unseq = append(unseq, r)
		}
	}
	slices.Sort(health)
	k.Health = strings.Join(health, ";")
	pendingOf(&p, seq, unseq, limit, k.Through)
	p.Gap = p.Head > k.Through && oldest > k.Through+1
	return k, p
}

// pendingOf reads the events after the kept position through into p: the
// sequenced ones in position order, at most limit, then the others.
func pendingOf(p *stats.Pending, seq, unseq []keptRead, limit int, through int64) {
	slices.SortFunc(seq, func(a, b keptRead) int { return cmp.Compare(a.N, b.N) })
	if p.More = len(seq) > limit || len(seq)+len(unseq) > limit; len(seq) > limit {
		seq = seq[:limit]
	}
	p.Through, p.Unsequenced = through, len(unseq) > 0
	seen := map[string]bool{}
	for _, r := range append(seq, unseq...) {
		if r.Kind == "e" {
			p.Through = r.N
		}
		if r.A != "" && !seen[r.A] {
			seen[r.A] = true
			p.IDs = append(p.IDs, r.A)
		}
	}
}

// dueBy reports whether the earliest day a project's health is due, as
// text (empty when none is), is on or before day on. The earliest is read
// first in the index's order rather than compared in SQL: a prepared
// statement's generic plan would compare a parameter by scanning every
// project, and the first entry is one probe of the index whatever the plan
// (MIN was planned as a scan of the index's every entry, dead ones too).
func dueBy(earliest string, on time.Time) bool {
	if earliest == "" {
		return false
	}
	d, err := time.Parse(time.DateOnly, earliest[:min(len(earliest), len(time.DateOnly))])
	return err != nil || !d.After(on)
}

// SpanStarts is the ID that begins each span of n live projects, in ID
// order.
func (s *Stats) SpanStarts(ctx context.Context, n int) (_ []string, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.SpanStarts")
	return s.spanStarts(ctx, project.Reach{All: true}, n)
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

// HealthCounts counts the live projects of dept (all when "") by stored
// health.
func (s *Stats) HealthCounts(ctx context.Context, dept string) (_ map[health.Level]int64, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.HealthCounts")
	db, done := s.db.Conn(ctx)
	defer done()
	sel := db.Table("projects").Select("health, count(*) AS n").Where("archived_at IS NULL")
	if dept != "" {
		sel = sel.Where("department = ?", dept)
	}
	var rows []struct {
		Health string
		N      int64
	}
	if err := sel.Group("health").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[health.Level]int64, len(rows))
	for _, r := range rows {
		out[health.Level(r.Health)] = r.N
	}
	return out, nil
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

// RebuildLock is the PostgreSQL advisory lock ("statbild" in ASCII) that
// one rebuild of the current figures holds, for a session, at a time.
const RebuildLock int64 = 0x7374617462696c64

// Rebuilding runs fn holding the rebuild lock for its whole length: on
// PostgreSQL a session's advisory lock, on a connection of its own for as
// long (a rebuild outlasts the deadline of one transaction), released with
// the connection should it break; SQLite serves one process.
func (s *Stats) Rebuilding(ctx context.Context, fn func(context.Context) error) (ran bool, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Rebuilding")
	if s.db.Dialect() != database.Postgres {
		return true, fn(ctx)
	}
	conn, err := s.db.SQL().Conn(ctx)
	if err != nil {
		return false, translate(err)
	}
	defer conn.Close()
	lock := func(q string) (ok bool, err error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockTimeout)
		defer cancel()
		err = conn.QueryRowContext(ctx, q, RebuildLock).Scan(&ok)
		return ok, translate(err)
	}
	if ran, err = lock("SELECT pg_try_advisory_lock($1)"); err != nil || !ran {
		return false, err
	}
	defer func() {
		if _, uerr := lock("SELECT pg_advisory_unlock($1)"); uerr != nil {
			// Closed rather than returned to the pool: the session's end
			// releases the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return true, fn(ctx)
}

// lockTimeout bounds a statement taking or releasing the rebuild lock.
const lockTimeout = 10 * time.Second

// Replace keeps k's partials, key and position in place of everything
// kept, contributions included.
func (s *Stats) Replace(ctx context.Context, k stats.Kept) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Replace")
	return s.db.InTx(ctx, func(ctx context.Context) error {
		db, done := s.db.Conn(ctx)
		defer done()
		for _, t := range []string{"stats_contributions", "stats_partials"} {
			if err := db.Exec("DELETE FROM " + t).Error; err != nil {
				return translate(err)
			}
		}
		return translate(keep(db, k, nil, nil))
	})
}

// Apply keeps cs in place of the projects' contributions, removes those of
// gone, keeps k's partials in place of those departments' and the key and
// position, in one transaction.
func (s *Stats) Apply(ctx context.Context, k stats.Kept, cs []stats.Contribution, gone []string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Apply")
	return s.db.InTx(ctx, func(ctx context.Context) error {
		db, done := s.db.Conn(ctx)
		defer done()
		return translate(keep(db, k, cs, gone))
	})
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
