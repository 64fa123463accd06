package projecttest

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/project"
)

// List returns one page of the projects in scope that f admits, in the
// order of the sort (the creation time by default), after the cursor.
func (s *Store) List(_ context.Context, sc project.Reach, lq project.ListQuery) (project.Page, error) {
	if lq.Sort.Key == "" {
		lq.Sort.Key = project.SortCreated
	}
	if lq.Limit <= 0 {
		lq.Limit = project.DefaultLimit
	}
	if !slices.Contains(project.SortKeys, lq.Sort.Key) {
		return project.Page{}, apperr.Fields([]apperr.FieldError{{Field: "sort", Code: "invalid_value"}})
	}
	var after *position
	if c := lq.After; c != nil {
		v, ok := keysetValue(lq.Sort.Key, c.Value)
		if !ok || !validID(c.ID) {
			return project.Page{}, apperr.Fields([]apperr.FieldError{{Field: "cursor", Code: "invalid_value"}})
		}
		after = &position{value: v, id: c.ID}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("List"); err != nil {
		return project.Page{}, err
	}
	var all []project.Project
	for _, p := range s.projects {
		if s.admits(sc, p) && admitted(lq.Filter, p) {
			all = append(all, p)
		}
	}
	order := compare(lq.Sort)
	slices.SortFunc(all, func(a, b project.Project) int { return order(positionOf(a, lq.Sort.Key), positionOf(b, lq.Sort.Key)) })
	var page project.Page
	if lq.Count {
		n := int64(len(all))
		page.Total = &n
	}
	rows := all
	if after != nil {
		rows = slices.DeleteFunc(all, func(p project.Project) bool { return order(positionOf(p, lq.Sort.Key), *after) <= 0 })
	}
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next := project.CursorAfter(rows[len(rows)-1], lq.Sort)
		page.Next = &next
	}
	page.Items = make([]project.Project, len(rows))
	for i, p := range rows {
		page.Items[i] = listed(p, lq)
	}
	return page, nil
}

// validID reports whether id is a UUID in its canonical form, the only form
// the stores hand out; a cursor naming another is not one of theirs.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// admitted reports whether f admits p.
func admitted(f project.Filter, p project.Project) bool {
	return (p.ArchivedAt != nil) == f.Archived &&
		in(f.IDs, p.ID) && in(strs(f.Stages), string(p.Stage)) && in(strs(f.Categories), string(p.Category)) &&
		in(f.Departments, p.Department) && in(strs(f.BuildTypes), string(p.BuildType)) &&
		in(strs(f.KeyLevels), string(p.KeyLevel)) && in(strs(f.Healths), string(p.Health)) &&
		(f.Township == "" || f.Township == p.Township) && (f.Leader == "" || f.Leader == p.Leader) &&
		(f.Q == "" || searched(p, f.Q)) && admittedRanges(f, p)
}

// admittedRanges reports whether p is within f's ranges of money and days;
// an empty value is within none.
func admittedRanges(f project.Filter, p project.Project) bool {
	inv, start := p.TotalInvestmentYuan, p.PlannedStartDate
	return (f.MinInvest == nil || inv != nil && *inv >= *f.MinInvest) &&
		(f.MaxInvest == nil || inv != nil && *inv <= *f.MaxInvest) &&
		(f.StartFrom == nil || start != nil && !start.Before(*date(f.StartFrom))) &&
		(f.StartTo == nil || start != nil && !start.After(*date(f.StartTo))) &&
		(f.UpdatedSince == nil || !p.UpdatedAt.Before(*f.UpdatedSince))
}

// searched reports whether q is part of p's name, company or code, ASCII
// letters of either case alike (as SQL's LIKE matches them); no match spans
// two of them.
func searched(p project.Project, q string) bool {
	code := ""
	if p.Code != nil {
		code = *p.Code
	}
	return strings.Contains(asciiLower(p.Name+"\x1f"+p.Company+"\x1f"+code), asciiLower(q))
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// position is a project's place in a list: its value under the sort key
// (nil when empty) and its ID.
type position struct {
	value any
	id    string
}

func positionOf(p project.Project, key string) position {
	var v any
	switch key {
	case project.SortName:
		v = p.Name
	case project.SortInvestment:
		if p.TotalInvestmentYuan != nil {
			v = *p.TotalInvestmentYuan
		}
	case project.SortStart:
		if p.PlannedStartDate != nil {
			v = *p.PlannedStartDate
		}
	case project.SortUpdated:
		v = p.UpdatedAt
	case project.SortCreated:
		v = p.CreatedAt
	}
	return position{value: v, id: p.ID}
}

// compare orders positions as a list does: by value in the sort's
// direction, an empty value after every value in both, ties by ID in the
// sort's direction.
func compare(s project.Sort) func(a, b position) int {
	sign := 1
	if s.Desc {
		sign = -1
	}
	return func(a, b position) int {
		switch {
		case a.value == nil && b.value != nil:
			return 1
		case a.value != nil && b.value == nil:
			return -1
		}
		return sign * cmp.Or(compareValues(a.value, b.value), cmp.Compare(a.id, b.id))
	}
}

// compareValues compares two values of one sort key; nil is equal to nil.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		return cmp.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}

// keysetValue reads a cursor's value as a value of the sort key, reporting
// false when it cannot be one, as the SQL store reads it.
func keysetValue(key string, v any) (any, bool) {
	switch key {
	case project.SortName:
		s, ok := v.(string)
		return s, ok
	case project.SortInvestment:
		return yuanValue(v)
	}
	var t time.Time
	switch x := v.(type) {
	case nil:
		return nil, key == project.SortStart
	case time.Time:
		t = x
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	t = t.UTC()
	if key == project.SortStart {
		return *date(&t), true
	}
	return t, true
}

// yuanValue reads a cursor's amount of money: an integer, or nil for none.
func yuanValue(v any) (any, bool) {
	switch n := v.(type) {
	case nil:
		return nil, true
	case int64:
		return n, true
	case int:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, false
		}
		return int64(n), true
	}
	return nil, false
}
