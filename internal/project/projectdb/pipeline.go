package projectdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

type issueRow struct {
	ID                    string `gorm:"primaryKey"`
	ProjectID             string
	Title                 string
	Description           string
	Kind                  string
	ResponsibleDepartment string
	DueOn                 time.Time
	Status                string
	Resolution            string
	CreatedBy             string
	Version               int
	CreatedAt             time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt             time.Time `gorm:"autoUpdateTime:false"`
	ResolvedAt            *time.Time
	// Read with the blocker, never written: the project's department.
	ProjectDepartment string `gorm:"->;-:migration"`
}

func (issueRow) TableName() string { return "issues" }

type settingRow struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

// upsert inserts row or, when its key exists, replaces every column.
var upsert = clause.OnConflict{UpdateAll: true}

func toIssueRow(i project.Issue) issueRow {
	return issueRow{
		ID: i.ID, ProjectID: i.ProjectID, Title: i.Title, Description: i.Description, Kind: string(i.Kind),
		ResponsibleDepartment: i.ResponsibleDepartment, DueOn: *date(&i.DueOn), Status: string(i.Status),
		Resolution: i.Resolution, CreatedBy: i.CreatedBy, Version: i.Version,
		CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC(), ResolvedAt: utc(i.ResolvedAt),
	}
}

func toIssue(r issueRow) project.Issue {
	return project.Issue{
		ID: r.ID, ProjectID: r.ProjectID,
		IssueFields: project.IssueFields{
			Title: r.Title, Description: r.Description, Kind: project.IssueKind(r.Kind),
			ResponsibleDepartment: r.ResponsibleDepartment, DueOn: *date(&r.DueOn),
			Status: project.IssueStatus(r.Status), Resolution: r.Resolution,
		},
		ProjectDepartment: r.ProjectDepartment, CreatedBy: r.CreatedBy, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ResolvedAt: utc(r.ResolvedAt),
	}
}

// translateIssue names the field of an unknown responsible department.
func translateIssue(err error) error {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return apperr.Fields([]apperr.FieldError{{Field: "responsible_department", Code: "unknown"}})
	}
	return translate(err)
}

// CreateIssue inserts a blocker.
func (s *Store) CreateIssue(ctx context.Context, i project.Issue) error {
	q, done := s.db.Conn(ctx)
	defer done()
	r := toIssueRow(i)
	return translateIssue(q.Omit("ProjectDepartment").Create(&r).Error)
}

// UpdateIssue saves a blocker if its stored version is still version.
func (s *Store) UpdateIssue(ctx context.Context, i project.Issue, version int) error {
	q, done := s.db.Conn(ctx)
	defer done()
	r := toIssueRow(i)
	res := q.Model(&issueRow{}).Where("id = ? AND version = ?", i.ID, version).
		Select("*").Omit("id", "project_id", "created_at", "created_by", "ProjectDepartment").Updates(&r)
	if res.Error != nil {
		return translateIssue(res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.ErrVersionConflict
	}
	return nil
}

// issues selects blockers of live projects with their project's department,
// within scope: the blockers of projects in scope and those the scope's
// department is responsible for.
func issues(q *gorm.DB, sc project.Scope) *gorm.DB {
	q = q.Model(&issueRow{}).Joins("JOIN projects ON projects.id = issues.project_id")
	if !sc.All {
		q = q.Where("(projects.department = ? OR issues.responsible_department = ?)", sc.Department, sc.Department)
	}
	return q
}

// withDepartment selects a blocker with its project's department.
func withDepartment(q *gorm.DB) *gorm.DB {
	return q.Select("issues.*, projects.department AS project_department")
}

// GetIssue returns a blocker in scope, whatever its project's state.
func (s *Store) GetIssue(ctx context.Context, sc project.Scope, id string) (project.Issue, error) {
	if !database.ValidID(id) {
		return project.Issue{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var r issueRow
	if err := withDepartment(issues(q, sc)).Where("issues.id = ?", id).Take(&r).Error; err != nil {
		return project.Issue{}, translate(err)
	}
	return toIssue(r), nil
}

// ProjectIssues lists every blocker of a project.
func (s *Store) ProjectIssues(ctx context.Context, id string) ([]project.Issue, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []issueRow
	if err := withDepartment(issues(q, project.Scope{All: true})).Where("issues.project_id = ?", id).Order("issues.due_on, issues.id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]project.Issue, len(rows))
	for i, r := range rows {
		out[i] = toIssue(r)
	}
	return out, nil
}

// ListIssues returns a page of blockers of live projects in scope, the
// earliest due first, paged by keyset on (due_on, id).
func (s *Store) ListIssues(ctx context.Context, sc project.Scope, lq project.IssueQuery) (project.IssuePage, error) {
	if lq.Limit <= 0 {
		lq.Limit = project.DefaultLimit
	}
	q, done := s.db.Conn(ctx)
	defer done()
	f := issues(q, sc).Where("projects.archived_at IS NULL")
	in := func(col string, vs []string) {
		if len(vs) > 0 {
			f = f.Where(col+" IN ?", vs)
		}
	}
	in("issues.status", strs(lq.Statuses))
	in("issues.kind", strs(lq.Kinds))
	in("issues.responsible_department", lq.Departments)
	if lq.ProjectID != "" {
		if !database.ValidID(lq.ProjectID) {
			return project.IssuePage{Items: []project.Issue{}}, nil
		}
		f = f.Where("issues.project_id = ?", lq.ProjectID)
	}
	if lq.Overdue != nil {
		today := *date(&lq.Today)
		if *lq.Overdue {
			f = f.Where("issues.status <> 'resolved' AND issues.due_on < ?", today)
		} else {
			f = f.Where("(issues.status = 'resolved' OR issues.due_on >= ?)", today)
		}
	}
	var page project.IssuePage
	if lq.Count {
		var n int64
		if err := f.Session(&gorm.Session{}).Count(&n).Error; err != nil {
			return page, translate(err)
		}
		page.Total = &n
	}
	pq := withDepartment(f.Session(&gorm.Session{}))
	if c := lq.After; c != nil {
		after, ok := keysetValue(project.SortStart, c.Value)
		if !ok || after == nil || !database.ValidID(c.ID) {
			return page, apperr.Fields([]apperr.FieldError{{Field: "cursor", Code: "invalid_value"}})
		}
		pq = pq.Where("(issues.due_on, issues.id) > (?, ?)", after, c.ID)
	}
	var rows []issueRow
	if err := pq.Order("issues.due_on, issues.id").Limit(lq.Limit + 1).Find(&rows).Error; err != nil {
		return page, translate(err)
	}
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next := project.IssueCursorAfter(toIssue(rows[len(rows)-1]))
		page.Next = &next
	}
	page.Items = make([]project.Issue, len(rows))
	for i, r := range rows {
		page.Items[i] = toIssue(r)
	}
	return page, nil
}

// HealthDue lists live projects whose health is due on day on.
func (s *Store) HealthDue(ctx context.Context, on time.Time, limit int) ([]string, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var ids []string
	err := q.Model(&projectRow{}).Where("archived_at IS NULL AND health_due_on <= ?", *date(&on)).
		Order("health_due_on").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err)
}

// MarkHealthDue makes every live project's health due on day on.
func (s *Store) MarkHealthDue(ctx context.Context, on time.Time) error {
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&projectRow{}).Where("archived_at IS NULL").Update("health_due_on", *date(&on)).Error)
}

// Setting reads a setting, "" when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []settingRow
	if err := q.Where("key = ?", key).Find(&rows).Error; err != nil || len(rows) == 0 {
		return "", translate(err)
	}
	return rows[0].Value, nil
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Clauses(upsert).Create(&settingRow{Key: key, Value: value}).Error)
}
