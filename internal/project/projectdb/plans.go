package projectdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// Plans keeps the year's plans in annual_plans and the states of their
// entries in plan_entries (docs/plan.md).
type Plans struct{ db *database.DB }

var _ plan.Store = (*Plans)(nil)

// NewPlans returns the store of the year's plans.
func NewPlans(db *database.DB) *Plans { return &Plans{db: db} }

type checkpointRow struct {
	Date string  `json:"date"`
	Rate float64 `json:"rate"`
}

type targetsRow struct {
	Set            bool            `json:"set,omitempty"`
	StartRate      []checkpointRow `json:"start_rate,omitempty"`
	Resumption     *checkpointRow  `json:"resumption,omitempty"`
	InvestmentYuan *int64          `json:"investment_yuan,omitempty"`
}

type annualPlanRow struct {
	Year      int `gorm:"primaryKey;autoIncrement:false"`
	State     string
	IssuedOn  *time.Time
	Revisions int
	Targets   jsonValue[targetsRow]
	Version   int
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy string
}

func (annualPlanRow) TableName() string { return "annual_plans" }

type planEntryRow struct {
	Year                int    `gorm:"primaryKey;autoIncrement:false"`
	ProjectID           string `gorm:"primaryKey"`
	Version             int    `gorm:"primaryKey;autoIncrement:false"`
	Revision            int
	EffectiveOn         *time.Time
	Removed             bool
	Reason              string
	BuildType           string
	BuildTypeSource     string
	KeyLevel            string
	PlannedYuan         *int64
	PlannedStartMonth   *string
	PlannedCompletionOn *time.Time
	PlannedProductionOn *time.Time
	Goals               string
	Department          string
	Leader              string
	Section             string
	Stalled             bool
	StalledReason       string
	OpeningYuan         *int64
	RecordedAt          time.Time `gorm:"autoCreateTime:false"`
	RecordedBy          string
	// Read with the entry, never written: its project.
	ProjectName       string  `gorm:"->;-:migration"`
	ProjectCode       *string `gorm:"->;-:migration"`
	ProjectStage      string  `gorm:"->;-:migration"`
	ProjectDepartment string  `gorm:"->;-:migration"`
}

func (planEntryRow) TableName() string { return "plan_entries" }

// projectColumns are the read-only columns of planEntryRow.
var projectColumns = []string{"ProjectName", "ProjectCode", "ProjectStage", "ProjectDepartment"}

func toPlanRow(p plan.Plan) annualPlanRow {
	t := targetsRow{Set: p.TargetsSet, InvestmentYuan: p.Targets.InvestmentYuan}
	for _, c := range p.Targets.StartRate {
		t.StartRate = append(t.StartRate, checkpointRow{Date: c.Date.Format(time.DateOnly), Rate: c.Rate})
	}
	if r := p.Targets.Resumption; r != nil {
		t.Resumption = &checkpointRow{Date: r.Date.Format(time.DateOnly), Rate: r.Rate}
	}
	return annualPlanRow{Year: p.Year, State: string(p.State), IssuedOn: date(p.IssuedOn), Revisions: p.Revisions,
		Targets: jsonValue[targetsRow]{t}, Version: p.Version, UpdatedAt: p.UpdatedAt.UTC(), UpdatedBy: p.UpdatedBy}
}

func toPlan(r annualPlanRow) plan.Plan {
	t := r.Targets.V
	out := plan.Plan{Year: r.Year, State: plan.State(r.State), IssuedOn: date(r.IssuedOn), Revisions: r.Revisions,
		TargetsSet: t.Set, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
	out.Targets.InvestmentYuan = t.InvestmentYuan
	for _, c := range t.StartRate {
		d, _ := time.Parse(time.DateOnly, c.Date)
		out.Targets.StartRate = append(out.Targets.StartRate, plan.Checkpoint{Date: d, Rate: c.Rate})
	}
	if c := t.Resumption; c != nil {
		d, _ := time.Parse(time.DateOnly, c.Date)
		out.Targets.Resumption = &plan.Checkpoint{Date: d, Rate: c.Rate}
	}
	return out
}

func toEntryRow(e plan.Entry) planEntryRow {
	r := planEntryRow{
		Year: e.Year, ProjectID: e.ProjectID, Version: e.Version, Revision: e.Revision, EffectiveOn: date(e.EffectiveOn),
		Removed: e.Removed, Reason: e.Reason, BuildType: string(e.BuildType), BuildTypeSource: string(e.BuildTypeSource),
		KeyLevel: string(e.KeyLevel), PlannedYuan: e.PlannedYuan, PlannedCompletionOn: date(e.PlannedCompletionOn),
		PlannedProductionOn: date(e.PlannedProductionOn), Goals: e.Goals, Department: e.Department, Leader: e.Leader,
		Section: string(e.Section), Stalled: e.Stalled, StalledReason: e.StalledReason, OpeningYuan: e.OpeningYuan,
		RecordedAt: e.RecordedAt.UTC(), RecordedBy: e.RecordedBy,
	}
	if m := e.PlannedStartMonth; m != nil {
		s := m.String()
		r.PlannedStartMonth = &s
	}
	return r
}

func toEntry(r planEntryRow) plan.Entry {
	e := plan.Entry{
		Year: r.Year, ProjectID: r.ProjectID, Version: r.Version, Revision: r.Revision, EffectiveOn: date(r.EffectiveOn),
		Removed: r.Removed, Reason: r.Reason, BuildType: plan.BuildType(r.BuildType), BuildTypeSource: plan.Source(r.BuildTypeSource),
		KeyLevel: project.KeyLevel(r.KeyLevel), PlannedYuan: r.PlannedYuan, PlannedCompletionOn: date(r.PlannedCompletionOn),
		PlannedProductionOn: date(r.PlannedProductionOn), Goals: r.Goals, Department: r.Department, Leader: r.Leader,
		Section: plan.Section(r.Section), Stalled: r.Stalled, StalledReason: r.StalledReason, OpeningYuan: r.OpeningYuan,
		RecordedAt: r.RecordedAt.UTC(), RecordedBy: r.RecordedBy,
		Project: plan.Summary{Name: r.ProjectName, Code: r.ProjectCode, Stage: project.Stage(r.ProjectStage), Department: r.ProjectDepartment},
	}
	if r.PlannedStartMonth != nil {
		if m, err := calendar.ParseMonth(*r.PlannedStartMonth); err == nil {
			e.PlannedStartMonth = &m
		}
	}
	return e
}

// translatePlan names the field of an unknown department; a state taken
// already is a conflict.
func translatePlan(err error) error {
	switch {
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return apperr.ErrConflict
	}
	return translate(err)
}

// Plans returns a year's plan, or every year's by year for year 0.
func (s *Plans) Plans(ctx context.Context, year int) (_ []plan.Plan, err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.Plans(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	if year != 0 {
		q = q.Where("year = ?", year)
	}
	var rows []annualPlanRow
	if err := q.Order("year").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]plan.Plan, len(rows))
	for i, r := range rows {
		out[i] = toPlan(r)
	}
	return out, nil
}

// LockPlan returns a year's plan, locked until the transaction ends.
func (s *Plans) LockPlan(ctx context.Context, year int) (_ plan.Plan, err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.LockPlan(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	q = s.db.ForUpdate(q.Where("year = ?", year))
	var r annualPlanRow
	if err := q.Take(&r).Error; err != nil {
		return plan.Plan{}, translate(err)
	}
	return toPlan(r), nil
}

// CreatePlan inserts a plan unless the year has one.
func (s *Plans) CreatePlan(ctx context.Context, p plan.Plan) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.CreatePlan(%d)", p.Year)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toPlanRow(p)
	return translate(q.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error)
}

// SavePlan saves a plan if its stored version is still version.
func (s *Plans) SavePlan(ctx context.Context, p plan.Plan, version int) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.SavePlan(%d)", p.Year)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toPlanRow(p)
	res := q.Model(&annualPlanRow{}).Where("year = ? AND version = ?", p.Year, version).Select("*").Omit("year").Updates(&r)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.ErrVersionConflict
	}
	return nil
}

// States lists the states of a year's entries (of every year for year 0)
// with their project, within reach: a department's projects and the
// entries of which a state names it responsible.
func (s *Plans) States(ctx context.Context, sc project.Reach, year int, projectID string) (_ []plan.Entry, err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.States(%d/%s)", year, projectID)
	if projectID != "" && !database.ValidID(projectID) {
		return []plan.Entry{}, nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	sel := q.Model(&planEntryRow{}).Joins("JOIN projects ON projects.id = plan_entries.project_id").
		Select(`plan_entries.*, projects.name AS project_name, projects.code AS project_code,
			projects.stage AS project_stage, projects.department AS project_department`)
	if !sc.All {
		sel = sel.Where(`(projects.department = ? OR EXISTS (SELECT 1 FROM plan_entries r WHERE r.year = plan_entries.year
			AND r.project_id = plan_entries.project_id AND r.department = ?))`, sc.Department, sc.Department)
	}
	if year != 0 {
		sel = sel.Where("plan_entries.year = ?", year)
	}
	if projectID != "" {
		sel = sel.Where("plan_entries.project_id = ?", projectID)
	}
	return scanEntries(sel.Order("plan_entries.year, plan_entries.project_id, plan_entries.version"))
}

func scanEntries(q *gorm.DB) ([]plan.Entry, error) {
	var rows []planEntryRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]plan.Entry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out, nil
}

// Adjustments lists the effective day of each adjustment of a year.
func (s *Plans) Adjustments(ctx context.Context, year int) (_ map[int]time.Time, err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.Adjustments(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []struct {
		Revision    int
		EffectiveOn time.Time
	}
	if err := q.Model(&planEntryRow{}).Distinct("revision", "effective_on").
		Where("year = ? AND revision > 0", year).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := map[int]time.Time{}
	for _, r := range rows {
		out[r.Revision] = *date(&r.EffectiveOn)
	}
	return out, nil
}

// AddState inserts a state.
func (s *Plans) AddState(ctx context.Context, e plan.Entry) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.AddState(%d/%s)", e.Year, e.ProjectID)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toEntryRow(e)
	return translatePlan(q.Omit(projectColumns...).Create(&r).Error)
}

// ReplaceState replaces a draft's state of version version.
func (s *Plans) ReplaceState(ctx context.Context, e plan.Entry, version int) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.ReplaceState(%d/%s)", e.Year, e.ProjectID)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toEntryRow(e)
	res := q.Model(&planEntryRow{}).Where("year = ? AND project_id = ? AND version = ?", e.Year, e.ProjectID, version).
		Select("*").Omit(append([]string{"year", "project_id"}, projectColumns...)...).Updates(&r)
	if res.Error != nil {
		return translatePlan(res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.ErrVersionConflict
	}
	return nil
}

// DeleteStates deletes the states of a project's entry of a year.
func (s *Plans) DeleteStates(ctx context.Context, year int, projectID string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.DeleteStates(%d/%s)", year, projectID)
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Where("year = ? AND project_id = ?", year, projectID).Delete(&planEntryRow{}).Error)
}

// IssueStates gives every state of a year's entries the 下达 day.
func (s *Plans) IssueStates(ctx context.Context, year int, on time.Time) (err error) {
	defer apperr.Wrap(&err, "projectdb.Plans.IssueStates(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&planEntryRow{}).Where("year = ?", year).Update("effective_on", date(&on)).Error)
}

// plannedByYear reads a project's planned investment of each year from its
// entries as every adjustment leaves them (health's facts): a year whose
// entry has no amount, or was removed, has none.
func plannedByYear(q *gorm.DB, id string) (map[int]int64, error) {
	var rows []planEntryRow
	if err := q.Model(&planEntryRow{}).Where("project_id = ?", id).Order("year, version").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	byYear := map[int][]plan.Entry{}
	for _, r := range rows {
		byYear[r.Year] = append(byYear[r.Year], toEntry(r))
	}
	var out map[int]int64
	for y, states := range byYear {
		if e, in := plan.InForce(states, plan.Current, time.Time{}); in && e.PlannedYuan != nil {
			if out == nil {
				out = map[int]int64{}
			}
			out[y] = *e.PlannedYuan
		}
	}
	return out, nil
}
