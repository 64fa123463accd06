package projectdb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Dispatch keeps the monthly dispatch: the periods the bureau set and the
// reports (project_progress), and reads the plan entries that owe them.
type Dispatch struct{ db *database.DB }

var _ dispatch.Store = (*Dispatch)(nil)

// NewDispatch returns the store of the dispatch.
func NewDispatch(db *database.DB) *Dispatch { return &Dispatch{db: db} }

type periodRow struct {
	Period    string `gorm:"primaryKey"`
	DueOn     time.Time
	Combined  bool
	Version   int
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy string
}

func (periodRow) TableName() string { return "dispatch_periods" }

// figuresJSON is a report's figures as first submitted, kept as JSON.
type figuresJSON struct {
	CompletedYuan   int64    `json:"completed_yuan"`
	StatisticalYuan *int64   `json:"statistical_yuan,omitempty"`
	SiteProgress    string   `json:"site_progress,omitempty"`
	Problems        string   `json:"problems,omitempty"`
	IssueIDs        []string `json:"issue_ids,omitempty"`
	NextPlan        string   `json:"next_plan,omitempty"`
	Note            string   `json:"note,omitempty"`
}

type reportRow struct {
	ProjectID       string `gorm:"primaryKey"`
	Year            int    `gorm:"primaryKey"`
	Month           int    `gorm:"primaryKey"`
	CompletedYuan   int64
	StatisticalYuan *int64
	SiteProgress    string
	Problems        string
	IssueIDs        jsonValue[[]string]
	NextPlan        string
	Note            string
	State           string
	OnBehalf        bool
	SubmittedAt     *time.Time
	Late            bool
	Corrected       bool
	Original        jsonValue[*figuresJSON]
	ReviewedBy      string
	ReviewedAt      *time.Time
	ReturnReason    string
	Migrated        bool
	Version         int
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
	ReportedBy      string
}

func (reportRow) TableName() string { return "project_progress" }

func toFiguresJSON(f dispatch.Figures) *figuresJSON {
	return &figuresJSON{CompletedYuan: f.CompletedYuan, StatisticalYuan: f.StatisticalYuan, SiteProgress: f.SiteProgress,
		Problems: f.Problems, IssueIDs: f.IssueIDs, NextPlan: f.NextPlan, Note: f.Note}
}

func fromFiguresJSON(j figuresJSON) dispatch.Figures {
	ids := j.IssueIDs
	if ids == nil {
		ids = []string{}
	}
	return dispatch.Figures{CompletedYuan: j.CompletedYuan, StatisticalYuan: j.StatisticalYuan, SiteProgress: j.SiteProgress,
		Problems: j.Problems, IssueIDs: ids, NextPlan: j.NextPlan, Note: j.Note}
}

func toReportRow(r dispatch.Report) reportRow {
	row := reportRow{
		ProjectID: r.ProjectID, Year: r.Month.Year, Month: int(r.Month.Month), CompletedYuan: r.CompletedYuan,
		StatisticalYuan: r.StatisticalYuan, SiteProgress: r.SiteProgress, Problems: r.Problems, IssueIDs: jsonValue[[]string]{V: r.IssueIDs},
		NextPlan: r.NextPlan, Note: r.Note, State: string(r.State), OnBehalf: r.OnBehalf, SubmittedAt: utc(r.SubmittedAt),
		Late: r.Late, Corrected: r.Corrected, ReviewedBy: r.ReviewedBy, ReviewedAt: utc(r.ReviewedAt), ReturnReason: r.ReturnReason,
		Migrated: r.Migrated, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), ReportedBy: r.ReportedBy,
	}
	if row.IssueIDs.V == nil {
		row.IssueIDs.V = []string{}
	}
	if r.Original != nil {
		row.Original.V = toFiguresJSON(*r.Original)
	}
	return row
}

func toReport(r reportRow) dispatch.Report {
	out := dispatch.Report{
		ProjectID: r.ProjectID, Month: calendar.Month{Year: r.Year, Month: time.Month(r.Month)},
		Figures: fromFiguresJSON(figuresJSON{CompletedYuan: r.CompletedYuan, StatisticalYuan: r.StatisticalYuan, SiteProgress: r.SiteProgress,
			Problems: r.Problems, IssueIDs: r.IssueIDs.V, NextPlan: r.NextPlan, Note: r.Note}),
		State: dispatch.State(r.State), OnBehalf: r.OnBehalf, SubmittedAt: utc(r.SubmittedAt), Late: r.Late, Corrected: r.Corrected,
		ReviewedBy: r.ReviewedBy, ReviewedAt: utc(r.ReviewedAt), ReturnReason: r.ReturnReason, Migrated: r.Migrated,
		Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), ReportedBy: r.ReportedBy,
	}
	if r.Original.V != nil {
		f := fromFiguresJSON(*r.Original.V)
		out.Original = &f
	}
	return out
}

// Settings lists every period the bureau set, in order.
func (s *Dispatch) Settings(ctx context.Context) (_ []dispatch.PeriodSetting, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Settings")
	q, done := s.db.Conn(ctx)
	defer done()
	return periodSettings(q)
}

func periodSettings(q *gorm.DB) ([]dispatch.PeriodSetting, error) {
	var rows []periodRow
	if err := q.Order("period").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]dispatch.PeriodSetting, 0, len(rows))
	for _, r := range rows {
		m, err := calendar.ParseMonth(r.Period)
		if err != nil {
			return nil, err
		}
		out = append(out, dispatch.PeriodSetting{Period: m, DueOn: *date(&r.DueOn), Combined: r.Combined, Version: r.Version,
			UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy})
	}
	return out, nil
}

// PutSetting inserts or replaces a period's setting.
func (s *Dispatch) PutSetting(ctx context.Context, st dispatch.PeriodSetting) (err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.PutSetting(%s)", st.Period)
	q, done := s.db.Conn(ctx)
	defer done()
	r := periodRow{Period: st.Period.String(), DueOn: *date(&st.DueOn), Combined: st.Combined, Version: st.Version,
		UpdatedAt: st.UpdatedAt.UTC(), UpdatedBy: st.UpdatedBy}
	return translate(q.Clauses(upsert).Create(&r).Error)
}

// Entries lists every state of the plan entries of year, of one project
// when id is not empty.
func (s *Dispatch) Entries(ctx context.Context, year int, id string) (_ []plan.Entry, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Entries(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	sel := q.Where("year = ?", year)
	if id != "" {
		sel = sel.Where("project_id = ?", id)
	}
	var rows []planEntryRow
	if err := sel.Order("project_id, version").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]plan.Entry, len(rows))
	for i, r := range rows {
		out[i] = toEntry(r)
	}
	return out, nil
}

// Reports lists a project's reports of a year (of every year when year is
// 0), or every project's reports of a year when id is empty, in order of
// month.
func (s *Dispatch) Reports(ctx context.Context, id string, year int) (_ []dispatch.Report, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Reports(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	sel := q.Model(&reportRow{})
	if id != "" {
		sel = sel.Where("project_id = ?", id)
	}
	if year != 0 {
		sel = sel.Where("year = ?", year)
	}
	return findReports(sel)
}

func findReports(sel *gorm.DB) ([]dispatch.Report, error) {
	var rows []reportRow
	if err := sel.Order("year, month, project_id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]dispatch.Report, len(rows))
	for i, r := range rows {
		out[i] = toReport(r)
	}
	return out, nil
}

// Opening sums each project's counting reports of the years before year.
func (s *Dispatch) Opening(ctx context.Context, year int, acceptedOnly bool) (_ map[string]int64, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Opening(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	states := []string{string(dispatch.Accepted)}
	if !acceptedOnly {
		states = append(states, string(dispatch.Submitted))
	}
	var rows []struct {
		ProjectID string
		Yuan      int64
	}
	err = q.Model(&reportRow{}).Select("project_id, sum(completed_yuan) AS yuan").
		Where("year < ? AND state IN ?", year, states).Group("project_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ProjectID] = r.Yuan
	}
	return out, nil
}

// PutReport inserts or replaces a project's report of a month.
func (s *Dispatch) PutReport(ctx context.Context, r dispatch.Report) (err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.PutReport(%s)", r.ProjectID)
	q, done := s.db.Conn(ctx)
	defer done()
	row := toReportRow(r)
	return translate(q.Clauses(upsert).Create(&row).Error)
}

// Projects reads the names, departments, total investment and whether
// archived of projects.
func (s *Dispatch) Projects(ctx context.Context, ids []string) (_ map[string]dispatch.ProjectInfo, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Projects")
	out := map[string]dispatch.ProjectInfo{}
	if len(ids) == 0 {
		return out, nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []struct {
		ID                  string
		Name                string
		Department          string
		TotalInvestmentYuan *int64
		Capacity            *float64
		CapacityUnit        string
		ArchivedAt          *time.Time
	}
	if err := q.Table("projects").Select("id, name, department, total_investment_yuan, capacity, capacity_unit, archived_at").
		Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[r.ID] = dispatch.ProjectInfo{Name: r.Name, Department: r.Department, TotalInvestmentYuan: r.TotalInvestmentYuan,
			Scale: scale(r.Capacity, r.CapacityUnit), Archived: r.ArchivedAt != nil}
	}
	return out, nil
}

// DepartmentNames maps each department's code to its Chinese name.
func (s *Dispatch) DepartmentNames(ctx context.Context) (_ map[string]string, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.DepartmentNames")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []struct{ Code, Name string }
	if err := q.Table("departments").Select("code, name").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}

// Blockers lists a project's blockers, the earliest created first.
func (s *Dispatch) Blockers(ctx context.Context, id string) (_ []issue.Issue, err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.Blockers(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []struct {
		ID, Title, Kind, ResponsibleDepartment, Status string
	}
	err = q.Table("issues").Select("id, title, kind, responsible_department, status").Where("project_id = ?", id).
		Order("created_at, id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]issue.Issue, len(rows))
	for i, r := range rows {
		out[i] = issue.Issue{ID: r.ID, ProjectID: id, Fields: issue.Fields{Title: r.Title, Kind: issue.Kind(r.Kind),
			ResponsibleDepartment: r.ResponsibleDepartment, Status: issue.Status(r.Status)}}
	}
	return out, nil
}

// MarkHealthDue makes every live project's stored health due on day on.
func (s *Dispatch) MarkHealthDue(ctx context.Context, on time.Time) (err error) {
	defer apperr.Wrap(&err, "projectdb.Dispatch.MarkHealthDue")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Table("projects").Where("archived_at IS NULL").Update("health_due_on", *date(&on)).Error)
}

// countingMonths reads a project's reported months of every year that
// count in its health: submitted and accepted ones.
func countingMonths(q *gorm.DB, id string) ([]health.MonthFact, error) {
	var rows []reportRow
	err := q.Where("project_id = ? AND state IN ?", id, []string{string(dispatch.Submitted), string(dispatch.Accepted)}).
		Order("year, month").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	var out []health.MonthFact
	for _, r := range rows {
		out = append(out, health.MonthFact{Year: r.Year, Month: r.Month, Yuan: r.CompletedYuan})
	}
	return out, nil
}

// Periods reads the dispatch calendar, which decides the months a
// project's investment rule reads.
func (s *Store) Periods(ctx context.Context) (_ calendar.Periods, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Periods")
	q, done := s.db.Conn(ctx)
	defer done()
	settings, err := periodSettings(q)
	if err != nil {
		return calendar.Periods{}, err
	}
	return dispatch.PeriodsOf(settings), nil
}

// scale writes a design capacity with its unit, "200 MW"; empty without one.
func scale(capacity *float64, unit string) string {
	if capacity == nil {
		return ""
	}
	return strings.TrimSpace(strconv.FormatFloat(*capacity, 'f', -1, 64) + " " + unit)
}
