package project

import (
	"time"

	"github.com/guangling/pipeline/internal/health"
)

// Filter narrows a project list. Empty fields do not filter.
type Filter struct {
	IDs          []string
	Stages       []Stage
	Categories   []Category
	Departments  []string
	BuildTypes   []BuildType
	KeyLevels    []KeyLevel
	Healths      []health.Level
	Township     string
	Leader       string
	Q            string
	MinInvest    *int64
	MaxInvest    *int64
	StartFrom    *time.Time
	StartTo      *time.Time
	UpdatedSince *time.Time
	Archived     bool // list archived projects instead of live ones
}

// Sort keys of a project list.
const (
	SortName       = "name"
	SortInvestment = "total_investment_yuan"
	SortStart      = "planned_start_date"
	SortUpdated    = "updated_at"
	SortCreated    = "created_at"
)

// SortKeys are the keys a project list may be sorted by.
var SortKeys = []string{SortName, SortInvestment, SortStart, SortUpdated, SortCreated}

// Sort orders a list by one key, ties broken by ID in the same direction.
// Empty values sort after every value in both directions.
type Sort struct {
	Key  string
	Desc bool
}

// Cursor is the position after the last item of a page. Value is the sort
// key's value there (nil when empty): a string for name and dates, an integer
// for money.
type Cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	ID    string `json:"id"`
}

// ListQuery is a parsed list request.
type ListQuery struct {
	Filter Filter
	Sort   Sort
	Limit  int
	After  *Cursor
	Count  bool
	// Brief lists the projects without what a list that is read whole
	// (the register file) does not show: funding, health reasons and the
	// dates of their changes, unless the list is sorted by one.
	Brief bool
}

// Page is one page of a list.
type Page struct {
	Items []Project
	Next  *Cursor
	Total *int64
}

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// MaxQ bounds the text a list searches for, in characters.
	MaxQ = 100
)

// String is the sort as a list's sort parameter names it: the key, behind a
// "-" when descending.
func (s Sort) String() string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// CursorAfter returns the cursor positioned after p under sort s.
func CursorAfter(p Project, s Sort) Cursor {
	c := Cursor{Sort: s.String(), ID: p.ID}
	switch s.Key {
	case SortName:
		c.Value = p.Name
	case SortInvestment:
		if p.TotalInvestmentYuan != nil {
			c.Value = *p.TotalInvestmentYuan
		}
	case SortStart:
		if p.PlannedStartDate != nil {
			c.Value = p.PlannedStartDate.UTC().Format(time.RFC3339Nano)
		}
	case SortUpdated:
		c.Value = p.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case SortCreated:
		c.Value = p.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	return c
}
