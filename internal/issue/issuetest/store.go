// Package issuetest holds what tests of blockers share: an in-memory
// issue.Store and StoreContract, the behaviour every Store keeps, which the
// SQL store and the in-memory one both pass. Only tests import it, so that
// neither is linked into a binary.
package issuetest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// Store is an issue.Store in memory, safe for concurrent use. It keeps what
// the SQL store keeps, times in UTC and due dates as midnight UTC, and no
// more. Like the SQL store it knows the departments and projects, which the
// test gives it: a blocker names a known department, belongs to a known
// project and is read with that project's department, and the blockers of
// archived projects are left out of lists.
type Store struct {
	mu          sync.Mutex
	issues      map[string]issue.Issue
	projects    map[string]projectState
	departments map[string]bool
	fail        map[string]error
}

// projectState is what the store knows of a project.
type projectState struct {
	department string
	archived   bool
}

var _ issue.Store = (*Store)(nil)

// NewStore returns an empty Store that knows the departments named.
func NewStore(departments ...string) *Store {
	s := &Store{issues: map[string]issue.Issue{}, projects: map[string]projectState{}, departments: map[string]bool{}, fail: map[string]error{}}
	s.AddDepartments(departments...)
	return s
}

// AddDepartments makes departments known.
func (s *Store) AddDepartments(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.departments[c] = true
	}
}

// PutProject makes a live project of department known, or gives a known
// one to department (and brings it back when archived).
func (s *Store) PutProject(id, department string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = projectState{department: department}
}

// Archive archives a known project.
func (s *Store) Archive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[id]
	p.archived = true
	s.projects[id] = p
}

// Fail makes every later call of the named method ("Create", "Get",
// "Update" or "List") return err, as a failing database would; a nil err
// makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// validID is the SQL store's test of an ID: a UUID in its canonical form.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// day is the calendar day of t, in t's zone, as midnight UTC: how the SQL
// store keeps a date.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// stored is i as the store keeps it: without its project's department,
// times in UTC, the due date a day, nothing shared with the caller.
func stored(i issue.Issue) issue.Issue {
	i.ProjectDepartment = ""
	i.DueOn = day(i.DueOn)
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	if i.ResolvedAt != nil {
		t := i.ResolvedAt.UTC()
		i.ResolvedAt = &t
	}
	return i
}

// read is i as a caller gets it: with its project's department, nothing
// shared with the store.
func (s *Store) read(i issue.Issue) issue.Issue {
	i.ProjectDepartment = s.projects[i.ProjectID].department
	if i.ResolvedAt != nil {
		t := *i.ResolvedAt
		i.ResolvedAt = &t
	}
	return i
}

var errUnknownDepartment = apperr.Fields([]apperr.FieldError{{Field: "responsible_department", Code: "unknown"}})

// Create inserts a blocker; an unknown responsible department is Invalid.
// A blocker of an unknown project is Invalid too (naming project_id: the
// service opens blockers of projects it holds locked, never of others).
func (s *Store) Create(_ context.Context, i issue.Issue) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.fail["Create"] != nil:
		return s.fail["Create"]
	case !s.departments[i.ResponsibleDepartment]:
		return errUnknownDepartment
	case s.projects[i.ProjectID].department == "":
		return apperr.Fields([]apperr.FieldError{{Field: "project_id", Code: "unknown"}})
	case s.issues[i.ID].ID != "":
		return apperr.ErrConflict
	}
	s.issues[i.ID] = stored(i)
	return nil
}

// Get finds a blocker in scope, whatever its project's state.
func (s *Store) Get(_ context.Context, sc project.Reach, id string) (issue.Issue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Get"]; err != nil {
		return issue.Issue{}, err
	}
	i, ok := s.issues[id]
	if !ok || !validID(id) || !s.admits(sc, i) {
		return issue.Issue{}, apperr.ErrNotFound
	}
	return s.read(i), nil
}

// admits reports whether scope sc holds blocker i: of a project of its
// department, or one its department is responsible for.
func (s *Store) admits(sc project.Reach, i issue.Issue) bool {
	return sc.Admits(s.projects[i.ProjectID].department) || sc.Admits(i.ResponsibleDepartment)
}

// Update saves a blocker if its stored version is still version. What a
// blocker is born with stays: its project, creator and creation time.
func (s *Store) Update(_ context.Context, i issue.Issue, version int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.issues[i.ID]
	switch {
	case s.fail["Update"] != nil:
		return s.fail["Update"]
	case !ok || cur.Version != version:
		return apperr.ErrVersionConflict
	case !s.departments[i.ResponsibleDepartment]:
		return errUnknownDepartment
	}
	i.ProjectID, i.CreatedBy, i.CreatedAt = cur.ProjectID, cur.CreatedBy, cur.CreatedAt
	s.issues[i.ID] = stored(i)
	return nil
}

// List returns a page of blockers of live projects in scope, the earliest
// due first, paged by keyset on the due date and ID.
func (s *Store) List(_ context.Context, sc project.Reach, q issue.Query) (issue.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["List"]; err != nil {
		return issue.Page{}, err
	}
	if q.Limit <= 0 {
		q.Limit = project.DefaultLimit
	}
	all := []issue.Issue{}
	for _, i := range s.issues {
		if s.admits(sc, i) && !s.projects[i.ProjectID].archived && matches(i, q) {
			all = append(all, s.read(i))
		}
	}
	slices.SortFunc(all, func(a, b issue.Issue) int {
		return cmp.Or(a.DueOn.Compare(b.DueOn), strings.Compare(a.ID, b.ID))
	})
	var page issue.Page
	if q.Count {
		n := int64(len(all))
		page.Total = &n
	}
	items, err := after(all, q.After)
	if err != nil {
		return page, err
	}
	if len(items) > q.Limit {
		items = items[:q.Limit]
		next := issue.CursorAfter(items[len(items)-1])
		page.Next = &next
	}
	page.Items = items
	return page, nil
}

// matches reports whether i passes the filters of q.
func matches(i issue.Issue, q issue.Query) bool {
	in := func(v string, vs []string) bool { return len(vs) == 0 || slices.Contains(vs, v) }
	ok := in(string(i.Status), strs(q.Statuses)) && in(string(i.Kind), strs(q.Kinds)) &&
		in(i.ResponsibleDepartment, q.Departments) && (q.ProjectID == "" || i.ProjectID == q.ProjectID && validID(q.ProjectID))
	if q.Overdue != nil {
		overdue := i.Status != issue.Resolved && i.DueOn.Before(day(q.Today))
		ok = ok && overdue == *q.Overdue
	}
	return ok
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var errCursor = apperr.Fields([]apperr.FieldError{{Field: "cursor", Code: "invalid_value"}})

// after drops the blockers of sorted up to cursor c, which must hold a
// due date (an RFC 3339 time or a time.Time) and a canonical ID.
func after(sorted []issue.Issue, c *project.Cursor) ([]issue.Issue, error) {
	if c == nil {
		return sorted, nil
	}
	var due time.Time
	switch v := c.Value.(type) {
	case time.Time:
		due = v
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, errCursor
		}
		due = t
	default:
		return nil, errCursor
	}
	if !validID(c.ID) {
		return nil, errCursor
	}
	due = day(due.UTC())
	n, _ := slices.BinarySearchFunc(sorted, c, func(i issue.Issue, _ *project.Cursor) int {
		return cmp.Or(i.DueOn.Compare(due), strings.Compare(i.ID, c.ID), -1)
	})
	return sorted[n:], nil
}

// Snapshot returns a function that puts the store's blockers back as they
// are now: a transaction's rollback, for the fakes that stand for one.
func (s *Store) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	issues := maps.Clone(s.issues)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.issues = issues
	}
}
