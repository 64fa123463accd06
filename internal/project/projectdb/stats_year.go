package projectdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/stats"
)

// statsEntryRow is what the statistics read of a state of a plan entry.
type statsEntryRow struct {
	ProjectID         string
	Version, Revision int
	EffectiveOn       *time.Time
	Removed           bool
	BuildType         string
	PlannedYuan       *int64
	PlannedStartMonth *string
	Section           string
	Stalled           bool
	StalledReason     string
	OpeningYuan       *int64
	Department        string
	Leader            string
}

// statsEntries reads every state of the year's plan entries, by project.
func statsEntries(db *gorm.DB, q stats.Query) (map[string][]plan.Entry, error) {
	var rows []statsEntryRow
	year := q.Year
	sel := db.Table("plan_entries").Select(`project_id, version, revision, effective_on, removed, build_type, planned_yuan,
		planned_start_month, section, stalled, stalled_reason, opening_yuan, department, leader`).Where("year = ?", year)
	sel = narrowed(sel, "project_id", q)
	err := sel.Order("project_id, version").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := map[string][]plan.Entry{}
	for _, r := range rows {
		e := plan.Entry{Year: year, ProjectID: r.ProjectID, Version: r.Version, Revision: r.Revision, EffectiveOn: date(r.EffectiveOn),
			Removed: r.Removed, BuildType: plan.BuildType(r.BuildType), PlannedYuan: r.PlannedYuan, Section: plan.Section(r.Section),
			Stalled: r.Stalled, StalledReason: r.StalledReason, OpeningYuan: r.OpeningYuan, Department: r.Department, Leader: r.Leader}
		if r.PlannedStartMonth != nil {
			if m, err := calendar.ParseMonth(*r.PlannedStartMonth); err == nil {
				e.PlannedStartMonth = &m
			}
		}
		out[r.ProjectID] = append(out[r.ProjectID], e)
	}
	return out, nil
}

// statsDesignated reads the year's designations, by project.
func statsDesignated(db *gorm.DB, q stats.Query) (map[string][]stats.Batch, error) {
	var rows []struct {
		ProjectID string
		Quarter   int
		Kind      string
	}
	sel := db.Table("batch_designations").Select("project_id, quarter, kind").Where("year = ?", q.Year)
	sel = narrowed(sel, "project_id", q)
	err := sel.Order("project_id, quarter, kind").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := map[string][]stats.Batch{}
	for _, r := range rows {
		out[r.ProjectID] = append(out[r.ProjectID], stats.Batch{Quarter: r.Quarter, Kind: stats.Kind(r.Kind)})
	}
	return out, nil
}

// Year reads the year's plan and its adjustments and the dispatch
// calendar.
func (s *Stats) Year(ctx context.Context, year int) (y stats.Year, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Year(%d)", year)
	db, done := s.db.Conn(ctx)
	defer done()
	var pr []annualPlanRow
	if err := db.Where("year = ?", year).Find(&pr).Error; err != nil {
		return y, translate(err)
	}
	if len(pr) == 1 {
		p := toPlan(pr[0])
		y.Plan = &p
		var adjs []struct {
			Revision    int
			EffectiveOn time.Time
		}
		if err := db.Table("plan_entries").Distinct("revision, effective_on").
			Where("year = ? AND revision > 0 AND effective_on IS NOT NULL", year).Scan(&adjs).Error; err != nil {
			return y, translate(err)
		}
		for _, a := range adjs {
			y.Adjustments = append(y.Adjustments, stats.Adjustment{Revision: a.Revision, EffectiveOn: *date(&a.EffectiveOn)})
		}
	}
	settings, err := periodSettings(db)
	if err != nil {
		return y, err
	}
	y.Periods = dispatch.PeriodsOf(settings)
	return y, nil
}

// Designate records a designation; created is false when it was there.
func (s *Stats) Designate(ctx context.Context, d stats.Designation) (created bool, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Designate(%s)", d.ProjectID)
	db, done := s.db.Conn(ctx)
	defer done()
	res := db.Exec(`INSERT INTO batch_designations (year, quarter, kind, project_id, designated_at, designated_by)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (year, quarter, kind, project_id) DO NOTHING`,
		d.Year, d.Quarter, string(d.Kind), d.ProjectID, d.DesignatedAt.UTC(), d.DesignatedBy)
	if res.Error != nil {
		return false, translate(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ErrNotDesignated is a designation that is not there.
var ErrNotDesignated = apperr.Coded(apperr.NotFound, "stats.not_designated")

// Undesignate removes a designation.
func (s *Stats) Undesignate(ctx context.Context, year int, b stats.Batch, projectID string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Undesignate(%s)", projectID)
	db, done := s.db.Conn(ctx)
	defer done()
	res := db.Exec("DELETE FROM batch_designations WHERE year = ? AND quarter = ? AND kind = ? AND project_id = ?",
		year, b.Quarter, string(b.Kind), projectID)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotDesignated
	}
	return nil
}
