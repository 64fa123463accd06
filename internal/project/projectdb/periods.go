package projectdb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// GetWithPeriods reads a project and the dispatch calendar in one
// statement: a move computes the project's health with the calendar, and a
// second round trip for it cost the move a tenth of its rate.
func (s *Store) GetWithPeriods(ctx context.Context, sc project.Reach, id string) (_ project.Project, _ calendar.Periods, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.GetWithPeriods(%s)", id)
	if !database.ValidID(id) {
		return project.Project{}, calendar.Periods{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var row struct {
		Project         projectRow `gorm:"embedded"`
		DispatchPeriods string
	}
	err = scoped(q.Model(&projectRow{}), sc).Select("projects.*, ("+s.periodsJSON()+") AS dispatch_periods").
		Where("id = ?", id).Take(&row).Error
	if err != nil {
		return project.Project{}, calendar.Periods{}, translate(err)
	}
	periods, err := periodsFromJSON(row.DispatchPeriods)
	if err != nil {
		return project.Project{}, calendar.Periods{}, err
	}
	return toProject(row.Project), periods, nil
}

// periodsJSON is a scalar subquery of the dispatch calendar's settings as
// a JSON array of {"period", "due_on", "combined"}.
func (s *Store) periodsJSON() string {
	if s.db.Dialect() == database.Postgres {
		return `SELECT COALESCE(json_agg(json_build_object('period', period, 'due_on', due_on, 'combined', combined)), '[]')
			FROM dispatch_periods`
	}
	return `SELECT COALESCE(json_group_array(json_object('period', period, 'due_on', substr(due_on, 1, 10),
			'combined', json(CASE WHEN combined THEN 'true' ELSE 'false' END))), '[]') FROM dispatch_periods`
}

// periodsFromJSON reads what periodsJSON selects.
func periodsFromJSON(s string) (calendar.Periods, error) {
	var rows []struct {
		Period   string `json:"period"`
		DueOn    string `json:"due_on"`
		Combined bool   `json:"combined"`
	}
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return calendar.Periods{}, err
	}
	settings := make([]dispatch.PeriodSetting, len(rows))
	for i, r := range rows {
		m, err := calendar.ParseMonth(r.Period)
		if err != nil {
			return calendar.Periods{}, err
		}
		due, err := time.Parse(time.DateOnly, r.DueOn[:min(len(r.DueOn), len(time.DateOnly))])
		if err != nil {
			return calendar.Periods{}, err
		}
		settings[i] = dispatch.PeriodSetting{Period: m, DueOn: due, Combined: r.Combined}
	}
	return dispatch.PeriodsOf(settings), nil
}
