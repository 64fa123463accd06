// Package issue keeps the blockers (问题清单) of projects: a problem holding a
// project back, assigned to a responsible department with a due date, and
// cleared open → in progress → resolved (docs/stages.md, "问题清单 ·
// Blockers"). The API and the code call a blocker an issue. A blocker is
// opened and changed with its project locked, so that the project's health
// follows.
package issue

import (
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Kind is what holds a project back.
type Kind string

// Status is where the clearing of a blocker stands.
type Status string

// The statuses of a blocker.
const (
	Open       Status = "open"
	InProgress Status = "in_progress"
	Resolved   Status = "resolved"
)

// Kinds lists the kinds of blockers.
var Kinds = []project.Label{
	{Value: "land", ZH: "用地", EN: "Land"},
	{Value: "funding", ZH: "资金", EN: "Funding"},
	{Value: "approval", ZH: "审批手续", EN: "Approval"},
	{Value: "construction", ZH: "施工建设", EN: "Construction"},
	{Value: "environment", ZH: "环评", EN: "Environmental assessment"},
	{Value: "land_acquisition", ZH: "征地拆迁", EN: "Land acquisition and relocation"},
	{Value: "energy_quota", ZH: "能耗指标", EN: "Energy-use quota"},
	{Value: "forestry", ZH: "林草", EN: "Forestry and grassland"},
	{Value: "grid_connection", ZH: "电网接入", EN: "Grid connection"},
	{Value: "other", ZH: "其他", EN: "Other"},
	// The kind before grid_connection, which names it as the bureau's
	// report does: still taken and shown, for the blockers entered with it
	// (docs/api.md, "Plans, progress and blockers").
	{Value: "grid", ZH: "电网（原分类）", EN: "Grid (former kind)"},
}

// Statuses lists the statuses of blockers.
var Statuses = []project.Label{
	{Value: "open", ZH: "待解决", EN: "Open"},
	{Value: "in_progress", ZH: "解决中", EN: "In progress"},
	{Value: "resolved", ZH: "已解决", EN: "Resolved"},
}

// moves are the status changes a blocker may make: forward only, and a
// resolved blocker is closed (a problem that comes back is a new blocker).
var moves = map[Status][]Status{
	Open:       {InProgress, Resolved},
	InProgress: {Resolved},
}

// Limits of a blocker's text, in characters.
const (
	MaxTitle = 200
	MaxText  = 4000
)

// Fields are the writable fields of a blocker.
type Fields struct {
	Title                 string
	Description           string
	Kind                  Kind
	ResponsibleDepartment string
	DueOn                 time.Time // zero when missing
	Status                Status
	Resolution            string
}

// Issue is a blocker of the 问题清单: a problem holding a project back,
// assigned to a responsible department with a due date.
type Issue struct {
	ID        string
	ProjectID string
	Fields
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
	return i.Status != Resolved && i.DueOn.Before(on)
}

func (f *Fields) normalize() {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Resolution = strings.TrimSpace(f.Resolution)
	f.ResponsibleDepartment = strings.TrimSpace(f.ResponsibleDepartment)
}

func (f Fields) validate() error {
	var c project.Check
	c.Text("title", f.Title, MaxTitle, true)
	c.Text("description", f.Description, MaxText, false)
	c.Text("resolution", f.Resolution, MaxText, false)
	c.Enum("kind", string(f.Kind), Kinds)
	c.Enum("status", string(f.Status), Statuses)
	switch {
	case f.ResponsibleDepartment == "":
		c.Add("responsible_department", "required", "")
	case !identity.ValidDepartmentCode.MatchString(f.ResponsibleDepartment):
		c.Add("responsible_department", "invalid_format", identity.ValidDepartmentCode.String())
	}
	if f.DueOn.IsZero() {
		c.Add("due_on", "required", "")
	}
	if f.Status == Resolved && f.Resolution == "" {
		c.Add("resolution", "required", "")
	}
	if f.Status != Resolved && f.Resolution != "" {
		c.Add("resolution", "only_when", string(Resolved))
	}
	return c.Err()
}

// Query is a parsed list of blockers.
type Query struct {
	Statuses    []Status
	Kinds       []Kind
	Departments []string // responsible departments
	ProjectID   string
	Overdue     *bool
	Today       time.Time // the day overdue is judged on
	Limit       int
	After       *project.Cursor
	Count       bool
}

// Page is one page of blockers.
type Page struct {
	Items []Issue
	Next  *project.Cursor
	Total *int64
}

// Sort is the order of blocker lists: the earliest due first.
var Sort = project.Sort{Key: "due_on"}

// CursorAfter returns the cursor positioned after i.
func CursorAfter(i Issue) project.Cursor {
	return project.Cursor{Sort: Sort.Key, Value: i.DueOn.UTC().Format(time.RFC3339Nano), ID: i.ID}
}
