package projectdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// Issues keeps blockers in the issues table, each read with its project's
// department.
type Issues struct{ db *database.DB }

var _ issue.Store = (*Issues)(nil)

// NewIssues returns the store of blockers.
func NewIssues(db *database.DB) *Issues { return &Issues{db: db} }

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

func toIssueRow(i issue.Issue) issueRow {
	return issueRow{
		ID: i.ID, ProjectID: i.ProjectID, Title: i.Title, Description: i.Description, Kind: string(i.Kind),
		ResponsibleDepartment: i.ResponsibleDepartment, DueOn: *date(&i.DueOn), Status: string(i.Status),
		Resolution: i.Resolution, CreatedBy: i.CreatedBy, Version: i.Version,
		CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC(), ResolvedAt: utc(i.ResolvedAt),
	}
}

func toIssue(r issueRow) issue.Issue {
	return issue.Issue{
		ID: r.ID, ProjectID: r.ProjectID,
		Fields: issue.Fields{
			Title: r.Title, Description: r.Description, Kind: issue.Kind(r.Kind),
			ResponsibleDepartment: r.ResponsibleDepartment, DueOn: *date(&r.DueOn),
			Status: issue.Status(r.Status), Resolution: r.Resolution,
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

// Create inserts a blocker.
func (s *Issues) Create(ctx context.Context, i issue.Issue) (err error) {
	defer apperr.Wrap(&err, "projectdb.Issues.Create")
	q, done := s.db.Conn(ctx)
	defer done()
	r := toIssueRow(i)
	return translateIssue(q.Omit("ProjectDepartment").Create(&r).Error)
}

// Update saves a blocker if its stored version is still version.
func (s *Issues) Update(ctx context.Context, i issue.Issue, version int) (err error) {
	defer apperr.Wrap(&err, "projectdb.Issues.Update")
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
func issues(q *gorm.DB, sc project.Reach) *gorm.DB {
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

// Get returns a blocker in scope, whatever its project's state.
func (s *Issues) Get(ctx context.Context, sc project.Reach, id string) (_ issue.Issue, err error) {
	defer apperr.Wrap(&err, "projectdb.Issues.Get(%s)", id)
	if !database.ValidID(id) {
		return issue.Issue{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var r issueRow
	if err := withDepartment(issues(q, sc)).Where("issues.id = ?", id).Take(&r).Error; err != nil {
		return issue.Issue{}, translate(err)
	}
	return toIssue(r), nil
}

// projectIssues lists every blocker of a project.
func projectIssues(q *gorm.DB, id string) ([]issue.Issue, error) {
	var rows []issueRow
	if err := withDepartment(issues(q, project.Reach{All: true})).Where("issues.project_id = ?", id).Order("issues.due_on, issues.id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]issue.Issue, len(rows))
	for i, r := range rows {
		out[i] = toIssue(r)
	}
	return out, nil
}

// List returns a page of blockers of live projects in scope, the
// earliest due first, paged by keyset on (due_on, id).
func (s *Issues) List(ctx context.Context, sc project.Reach, lq issue.Query) (_ issue.Page, err error) {
	defer apperr.Wrap(&err, "projectdb.Issues.List")
	if lq.Limit <= 0 {
		lq.Limit = project.DefaultLimit
	}
	q, done := s.db.Conn(ctx)
	defer done()
	f, ok := issueFilter(issues(q, sc).Where("projects.archived_at IS NULL"), lq)
	if !ok {
		page := issue.Page{Items: []issue.Issue{}}
		if lq.Count {
			page.Total = new(int64)
		}
		return page, nil
	}
	var page issue.Page
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
		next := issue.CursorAfter(toIssue(rows[len(rows)-1]))
		page.Next = &next
	}
	page.Items = make([]issue.Issue, len(rows))
	for i, r := range rows {
		page.Items[i] = toIssue(r)
	}
	return page, nil
}

// issueFilter narrows a selection of blockers to what lq asks for; it
// reports false when nothing can match.
func issueFilter(f *gorm.DB, lq issue.Query) (*gorm.DB, bool) {
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
			return f, false
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
	return f, true
}
