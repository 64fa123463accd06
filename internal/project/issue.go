package project

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// IssueKind is what holds a project back.
type IssueKind string

// IssueStatus is where the clearing of a blocker stands.
type IssueStatus string

// The statuses of a blocker.
const (
	IssueOpen       IssueStatus = "open"
	IssueInProgress IssueStatus = "in_progress"
	IssueResolved   IssueStatus = "resolved"
)

// IssueKinds lists the kinds of blockers.
var IssueKinds = []Label{
	{"land", "用地", "Land"},
	{"funding", "资金", "Funding"},
	{"approval", "审批手续", "Approval"},
	{"grid", "电网接入", "Grid connection"},
	{"construction", "施工建设", "Construction"},
	{"environment", "环保", "Environment"},
	{"other", "其他", "Other"},
}

// IssueStatuses lists the statuses of blockers.
var IssueStatuses = []Label{
	{"open", "待解决", "Open"},
	{"in_progress", "解决中", "In progress"},
	{"resolved", "已解决", "Resolved"},
}

// issueMoves are the status changes a blocker may make: forward only, and a
// resolved blocker is closed (a problem that comes back is a new blocker).
var issueMoves = map[IssueStatus][]IssueStatus{
	IssueOpen:       {IssueInProgress, IssueResolved},
	IssueInProgress: {IssueResolved},
}

// Limits of a blocker's text, in characters.
const (
	MaxIssueTitle = 200
	MaxIssueText  = 4000
)

// IssueFields are the writable fields of a blocker.
type IssueFields struct {
	Title                 string
	Description           string
	Kind                  IssueKind
	ResponsibleDepartment string
	DueOn                 time.Time // zero when missing
	Status                IssueStatus
	Resolution            string
}

// Issue is a blocker of the 问题清单: a problem holding a project back,
// assigned to a responsible department with a due date.
type Issue struct {
	ID        string
	ProjectID string
	IssueFields
	// ProjectDepartment is the department that owns the project.
	ProjectDepartment string
	CreatedBy         string
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ResolvedAt        *time.Time
}

// Overdue reports whether the blocker is unresolved past its due date on day on.
func (i Issue) Overdue(on time.Time) bool {
	return i.Status != IssueResolved && i.DueOn.Before(on)
}

func (f *IssueFields) normalize() {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Resolution = strings.TrimSpace(f.Resolution)
	f.ResponsibleDepartment = strings.TrimSpace(f.ResponsibleDepartment)
}

func (f IssueFields) validate() error {
	var c Check
	c.Text("title", f.Title, MaxIssueTitle, true)
	c.Text("description", f.Description, MaxIssueText, false)
	c.Text("resolution", f.Resolution, MaxIssueText, false)
	c.Enum("kind", string(f.Kind), IssueKinds)
	c.Enum("status", string(f.Status), IssueStatuses)
	switch {
	case f.ResponsibleDepartment == "":
		c.Add("responsible_department", "required", "")
	case !ValidDepartmentCode.MatchString(f.ResponsibleDepartment):
		c.Add("responsible_department", "invalid_format", ValidDepartmentCode.String())
	}
	if f.DueOn.IsZero() {
		c.Add("due_on", "required", "")
	}
	if f.Status == IssueResolved && f.Resolution == "" {
		c.Add("resolution", "required", "")
	}
	if f.Status != IssueResolved && f.Resolution != "" {
		c.Add("resolution", "only_when", string(IssueResolved))
	}
	return c.Err()
}

// Audit actions and resource type of blockers.
const (
	IssueResourceType = "issue"
	ActionIssueOpen   = "issue.opened"
	ActionIssueUpdate = "issue.updated"
)

var (
	errNoIssueWrite = apperr.New(apperr.Forbidden, "当前身份无权登记或处理问题", "this identity may not open or update blockers")
	errIssueClosed  = apperr.New(apperr.Conflict, "问题已解决，不能再修改；问题再次出现时请新登记", "the blocker is resolved and closed; open a new one if the problem returns")
)

func canWriteIssues(p identity.Principal) error {
	if !p.Is(identity.RoleAdmin, identity.RoleBureau, identity.RoleDeptEditor) || !p.HasScope(identity.ScopeIssuesWrite) {
		return errNoIssueWrite
	}
	return nil
}

// OpenIssue records a blocker of a project the principal may change.
func (s *Service) OpenIssue(ctx context.Context, p identity.Principal, projectID string, f IssueFields) (Issue, error) {
	if err := canWriteIssues(p); err != nil {
		return Issue{}, err
	}
	f.normalize()
	if f.Status == "" {
		f.Status = IssueOpen
	}
	var c Check
	if f.Status != IssueOpen {
		c.Add("status", "invalid_value", string(IssueOpen))
	}
	if err := JoinInvalid(f.validate(), c.Err()); err != nil {
		return Issue{}, err
	}
	now := s.clock()
	is := Issue{ID: s.newID(), ProjectID: projectID, IssueFields: f, CreatedBy: p.Name, Version: 1, CreatedAt: now, UpdatedAt: now}
	_, err := s.Within(ctx, ScopeOf(p), projectID, func(ctx context.Context, pr *Project) error {
		is.ProjectDepartment = pr.Department
		if err := s.store.CreateIssue(ctx, is); err != nil {
			return err
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionIssueOpen, ResourceType: IssueResourceType, ResourceID: is.ID, After: issueView(is)})
	})
	if err != nil {
		return Issue{}, err
	}
	return is, nil
}

// GetIssue returns a blocker the principal may see: those of its projects and
// those its department is responsible for.
func (s *Service) GetIssue(ctx context.Context, p identity.Principal, id string) (Issue, error) {
	if err := CanRead(p); err != nil {
		return Issue{}, err
	}
	return s.store.GetIssue(ctx, ScopeOf(p), id)
}

// UpdateIssue changes a blocker: its owner (whoever may change the project)
// may change every field; the responsible department, while the blocker is
// unresolved, only its status and resolution. ifMatch is the version the
// caller last saw; change receives the current fields and returns the new.
func (s *Service) UpdateIssue(ctx context.Context, p identity.Principal, id string, ifMatch int, change func(IssueFields) (IssueFields, error)) (Issue, error) {
	if err := canWriteIssues(p); err != nil {
		return Issue{}, err
	}
	cur, err := s.store.GetIssue(ctx, ScopeOf(p), id)
	if err != nil {
		return Issue{}, err
	}
	var out Issue
	_, err = s.Within(ctx, Scope{All: true}, cur.ProjectID, func(ctx context.Context, pr *Project) error {
		// Who the caller is to the blocker is decided with the project
		// locked, so that a project given to another department meanwhile
		// is not changed by the one it left.
		is, err := s.store.GetIssue(ctx, Scope{All: true}, id)
		if err != nil {
			return err
		}
		owner := ScopeOf(p).admits(pr.Department)
		if !owner && !ScopeOf(p).admits(is.ResponsibleDepartment) {
			return apperr.ErrNotFound
		}
		switch {
		case is.Version != ifMatch:
			return apperr.ErrVersionConflict
		case is.Status == IssueResolved:
			return errIssueClosed
		}
		f, err := change(is.IssueFields)
		if err != nil {
			return err
		}
		f.normalize()
		if err := f.validate(); err != nil {
			return err
		}
		if next := issueMoves[is.Status]; f.Status != is.Status && !slices.Contains(next, f.Status) {
			allowed := make([]string, len(next))
			for i, st := range next {
				allowed[i] = string(st)
			}
			return &apperr.Error{Kind: apperr.IllegalTransition, Allowed: allowed,
				Detail: apperr.Text{ZH: "问题状态不能从“" + string(is.Status) + "”变为“" + string(f.Status) + "”",
					EN: "a blocker that is " + string(is.Status) + " cannot become " + string(f.Status)}}
		}
		if !owner {
			var c Check
			for _, fd := range []struct {
				name string
				same bool
			}{
				{"title", f.Title == is.Title}, {"description", f.Description == is.Description}, {"kind", f.Kind == is.Kind},
				{"responsible_department", f.ResponsibleDepartment == is.ResponsibleDepartment}, {"due_on", f.DueOn.Equal(is.DueOn)},
			} {
				if !fd.same {
					c.Add(fd.name, "owner_only", "status, resolution")
				}
			}
			if err := c.Err(); err != nil {
				return err
			}
		}
		if f == is.IssueFields {
			out = is
			return nil
		}
		before := is
		is.IssueFields = f
		is.Version++
		is.UpdatedAt = s.clock()
		if f.Status == IssueResolved {
			is.ResolvedAt = &is.UpdatedAt
		}
		if err := s.store.UpdateIssue(ctx, is, before.Version); err != nil {
			return err
		}
		out = is
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionIssueUpdate, ResourceType: IssueResourceType, ResourceID: id,
			Before: issueView(before), After: issueView(is)})
	})
	return out, err
}

// IssueQuery is a parsed list of blockers.
type IssueQuery struct {
	Statuses    []IssueStatus
	Kinds       []IssueKind
	Departments []string // responsible departments
	ProjectID   string
	Overdue     *bool
	Today       time.Time // the day overdue is judged on
	Limit       int
	After       *Cursor
	Count       bool
}

// IssuePage is one page of blockers.
type IssuePage struct {
	Items []Issue
	Next  *Cursor
	Total *int64
}

// IssueSort is the order of blocker lists: the earliest due first.
var IssueSort = Sort{Key: "due_on"}

// IssueCursorAfter returns the cursor positioned after i.
func IssueCursorAfter(i Issue) Cursor {
	return Cursor{Sort: IssueSort.Key, Value: i.DueOn.UTC().Format(time.RFC3339Nano), ID: i.ID}
}

// ListIssues returns a page of the blockers the principal may see, the
// earliest due first.
func (s *Service) ListIssues(ctx context.Context, p identity.Principal, q IssueQuery) (IssuePage, error) {
	if err := CanRead(p); err != nil {
		return IssuePage{}, err
	}
	return s.store.ListIssues(ctx, ScopeOf(p), q)
}

func issueView(i Issue) map[string]any {
	var resolved any
	if i.ResolvedAt != nil {
		resolved = *i.ResolvedAt
	}
	return map[string]any{
		"id": i.ID, "project_id": i.ProjectID, "title": i.Title, "description": i.Description, "kind": i.Kind,
		"responsible_department": i.ResponsibleDepartment, "due_on": i.DueOn.Format(time.DateOnly),
		"status": i.Status, "resolution": i.Resolution, "version": i.Version, "resolved_at": resolved,
	}
}
