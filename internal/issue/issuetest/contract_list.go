package issuetest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// list returns one page of q in scope sc.
func list(t *testing.T, st issue.Store, sc project.Reach, q issue.Query) issue.Page {
	t.Helper()
	page, err := st.List(context.Background(), sc, q)
	require.NoError(t, err)
	require.NotNil(t, page.Items, "an empty page lists no items, not nil")
	return page
}

// listIDs returns the IDs of the first page of q, up to 50 blockers, in
// scope sc.
func listIDs(t *testing.T, st issue.Store, sc project.Reach, q issue.Query) []string {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 50
	}
	page := list(t, st, sc, q)
	assert.Nil(t, page.Next, "one page")
	return ids(page.Items)
}

func ids(is []issue.Issue) []string {
	out := []string{}
	for _, i := range is {
		out = append(out, i.ID)
	}
	return out
}

// sorted returns the IDs of is in the order of lists: by due date, then ID.
func sorted(is ...issue.Issue) []string {
	is = slices.Clone(is)
	slices.SortFunc(is, func(a, b issue.Issue) int {
		return cmp.Or(a.DueOn.Compare(b.DueOn), strings.Compare(a.ID, b.ID))
	})
	return ids(is)
}

func listScope(t *testing.T, st issue.Store, s Setup) {
	a, r, o := s.Department(t), s.Department(t), s.Department(t)
	pa, po := s.Project(t, a), s.Project(t, o)
	own := blocker(pa, a, "2021-07-01")
	given := blocker(pa, r, "2021-07-02")
	taken := blocker(po, r, "2021-07-03")
	theirs := blocker(po, o, "2021-07-04")
	helping := blocker(po, a, "2021-07-05")
	create(t, st, own, given, taken, theirs, helping)

	all := issue.Query{Departments: []string{a, r, o}}
	assert.Equal(t, sorted(own, given, helping), listIDs(t, st, project.Reach{Department: a}, issue.Query{}),
		"its projects' and those it is responsible for")
	assert.Equal(t, sorted(given, taken), listIDs(t, st, project.Reach{Department: r}, issue.Query{}), "those it is responsible for")
	assert.Equal(t, sorted(taken, theirs, helping), listIDs(t, st, project.Reach{Department: o}, issue.Query{}))
	assert.Equal(t, sorted(own, given, taken, theirs, helping), listIDs(t, st, project.Reach{All: true}, all))
	assert.Empty(t, listIDs(t, st, project.Reach{}, all), "no department, no blockers")

	page := list(t, st, project.Reach{Department: a}, issue.Query{Limit: 50})
	want := map[string]issue.Issue{own.ID: of(own, a), given.ID: of(given, a), helping.ID: of(helping, o)}
	for _, got := range page.Items {
		assert.Equal(t, want[got.ID], got, "listed as read, with its project's department")
	}
}

func listArchived(t *testing.T, st issue.Store, s Setup) {
	a, r := s.Department(t), s.Department(t)
	live, gone := s.Project(t, a), s.Project(t, a)
	kept := blocker(live, r, "2021-07-01")
	hidden := blocker(gone, r, "2021-06-01")
	create(t, st, kept, hidden)
	s.Archive(t, gone)

	for _, sc := range []project.Reach{{Department: a}, {Department: r}, {All: true}} {
		page := list(t, st, sc, issue.Query{Departments: []string{r}, Count: true, Limit: 50})
		assert.Equal(t, []string{kept.ID}, ids(page.Items), "scope %+v", sc)
		require.NotNil(t, page.Total)
		assert.Equal(t, int64(1), *page.Total, "counted without them")
	}
	assert.Empty(t, listIDs(t, st, project.Reach{All: true}, issue.Query{ProjectID: gone}))
	assert.Equal(t, of(hidden, a), get(t, st, hidden.ID), "read one by one all the same")
}

func listFilters(t *testing.T, st issue.Store, s Setup) {
	a, r1, r2 := s.Department(t), s.Department(t), s.Department(t)
	p1, p2 := s.Project(t, a), s.Project(t, a)
	status := func(st issue.Status) func(*issue.Issue) {
		return func(i *issue.Issue) {
			if i.Status = st; st == issue.Resolved {
				i.Resolution, i.ResolvedAt = "已落实", ptr(at)
			}
		}
	}
	kind := func(k issue.Kind) func(*issue.Issue) { return func(i *issue.Issue) { i.Kind = k } }
	b1 := with(blocker(p1, r1, "2021-07-01"), kind("land"))
	b2 := with(blocker(p1, r2, "2021-07-02"), kind("grid"), status(issue.InProgress))
	b3 := with(blocker(p2, r1, "2021-07-03"), kind("funding"), status(issue.Resolved))
	b4 := with(blocker(p2, a, "2021-07-04"), kind("land"), status(issue.InProgress))
	b5 := with(blocker(p1, r1, "2021-07-05"), kind("other"))
	create(t, st, b5, b4, b3, b2, b1)

	for _, tt := range []struct {
		name string
		q    issue.Query
		want []issue.Issue
	}{
		{"none", issue.Query{}, []issue.Issue{b1, b2, b3, b4, b5}},
		{"one status", issue.Query{Statuses: []issue.Status{issue.Open}}, []issue.Issue{b1, b5}},
		{"statuses", issue.Query{Statuses: []issue.Status{issue.InProgress, issue.Resolved}}, []issue.Issue{b2, b3, b4}},
		{"one kind", issue.Query{Kinds: []issue.Kind{"land"}}, []issue.Issue{b1, b4}},
		{"kinds", issue.Query{Kinds: []issue.Kind{"grid", "funding", "environment"}}, []issue.Issue{b2, b3}},
		{"a kind none has", issue.Query{Kinds: []issue.Kind{"environment"}}, nil},
		{"a responsible department", issue.Query{Departments: []string{r1}}, []issue.Issue{b1, b3, b5}},
		{"responsible departments", issue.Query{Departments: []string{r2, a}}, []issue.Issue{b2, b4}},
		{"a department responsible for none", issue.Query{Departments: []string{unknownDepartment}}, nil},
		{"a project", issue.Query{ProjectID: p2}, []issue.Issue{b3, b4}},
		{"a project without blockers", issue.Query{ProjectID: s.Project(t, a)}, nil},
		{"every filter at once", issue.Query{Statuses: []issue.Status{issue.Open, issue.Resolved}, Kinds: []issue.Kind{"land", "funding"},
			Departments: []string{r1}, ProjectID: p1}, []issue.Issue{b1}},
	} {
		assert.Equal(t, sorted(tt.want...), listIDs(t, st, project.Reach{Department: a}, tt.q), tt.name)
		q := tt.q
		q.Count = true
		assert.Equal(t, int64(len(tt.want)), *list(t, st, project.Reach{Department: a}, q).Total, tt.name)
	}
}

func listOverdue(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	pid := s.Project(t, a)
	resolve := func(i *issue.Issue) { i.Status, i.Resolution, i.ResolvedAt = issue.Resolved, "已落实", ptr(at) }
	progress := func(i *issue.Issue) { i.Status = issue.InProgress }
	yesterday := blocker(pid, a, "2021-06-14")
	today := with(blocker(pid, a, "2021-06-15"), progress)
	tomorrow := blocker(pid, a, "2021-06-16")
	longAgo := with(blocker(pid, a, "2020-01-01"), progress)
	closed := with(blocker(pid, a, "2021-06-01"), resolve)
	create(t, st, yesterday, today, tomorrow, longAgo, closed)
	day := date("2021-06-15")
	for _, b := range []issue.Issue{yesterday, today, tomorrow, longAgo, closed} {
		want := b.ID == yesterday.ID || b.ID == longAgo.ID
		assert.Equal(t, want, b.Overdue(day), "issue.Issue.Overdue agrees: due %s, %s", b.DueOn.Format(time.DateOnly), b.Status)
	}

	sc := project.Reach{Department: a}
	yes, no := true, false
	assert.Equal(t, sorted(longAgo, yesterday), listIDs(t, st, sc, issue.Query{Overdue: &yes, Today: day}),
		"unresolved and due before the day")
	assert.Equal(t, sorted(closed, today, tomorrow), listIDs(t, st, sc, issue.Query{Overdue: &no, Today: day}),
		"resolved, or due on the day or later")
	assert.Equal(t, sorted(longAgo, yesterday, today), listIDs(t, st, sc, issue.Query{Overdue: &yes, Today: date("2021-06-16")}),
		"the day after")
	assert.Equal(t, sorted(longAgo), listIDs(t, st, sc, issue.Query{Overdue: &yes, Today: date("2021-06-14")}),
		"the day before")
	assert.Equal(t, sorted(yesterday), listIDs(t, st, sc, issue.Query{Overdue: &yes, Today: day, Statuses: []issue.Status{issue.Open}}),
		"with other filters")
	assert.Len(t, listIDs(t, st, sc, issue.Query{Today: day}), 5, "without the filter the day changes nothing")
}

func listOrder(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	p1, p2 := s.Project(t, a), s.Project(t, a)
	var all []issue.Issue
	for i, due := range []string{"2021-09-01", "2021-07-01", "2022-01-01", "2021-07-01", "2019-12-31", "2021-07-01", "2021-09-01"} {
		b := blocker([]string{p1, p2}[i%2], a, due)
		all = append(all, b)
	}
	create(t, st, all...)
	got := listIDs(t, st, project.Reach{Department: a}, issue.Query{})
	assert.Equal(t, sorted(all...), got, "by due date, then ID")
}

func listPaging(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	pid := s.Project(t, a)
	var all []issue.Issue
	for _, due := range []string{"2021-07-01", "2021-07-01", "2021-07-01", "2021-07-02", "2021-07-02", "2021-07-03", "2021-07-03"} {
		all = append(all, blocker(pid, a, due))
	}
	create(t, st, all...)
	want := sorted(all...)
	sc := project.Reach{Department: a}
	for _, limit := range []int{1, 2, 3, 6, 7} {
		var got []string
		q := issue.Query{Limit: limit, Count: true}
		for pages := 0; ; pages++ {
			require.Less(t, pages, len(all), "limit %d: the pages end", limit)
			page := list(t, st, sc, q)
			require.NotNil(t, page.Total)
			assert.Equal(t, int64(len(all)), *page.Total, "limit %d: every page counts every blocker", limit)
			assert.LessOrEqual(t, len(page.Items), limit)
			got = append(got, ids(page.Items)...)
			if page.Next == nil {
				break
			}
			require.Len(t, page.Items, limit, "limit %d: only the last page is short", limit)
			assert.Equal(t, issue.CursorAfter(page.Items[len(page.Items)-1]), *page.Next, "limit %d: the cursor after its last item", limit)
			q.After = page.Next
		}
		assert.Equal(t, want, got, "limit %d: every blocker once, in order", limit)
	}
	full := list(t, st, sc, issue.Query{Limit: len(all)})
	assert.Nil(t, full.Next, "a page that holds the rest is the last")
	assert.Nil(t, full.Total, "counted only when asked")
	last := list(t, st, sc, issue.Query{Limit: 3, After: ptr(issue.CursorAfter(full.Items[len(all)-1]))})
	assert.Empty(t, last.Items, "nothing after the last")
	assert.Nil(t, last.Next)
}

func listCursorValues(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	pid := s.Project(t, a)
	early, mid1, mid2, late := blocker(pid, a, "2021-06-30"), blocker(pid, a, "2021-07-01"), blocker(pid, a, "2021-07-01"), blocker(pid, a, "2021-07-02")
	create(t, st, early, mid1, mid2, late)
	sc := project.Reach{Department: a}
	const lowest, highest = "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"
	firstMid := sorted(mid1, mid2)[0]
	for _, tt := range []struct {
		name   string
		cursor project.Cursor
		want   []string
	}{
		{"before every ID of the day", project.Cursor{Value: "2021-07-01T00:00:00Z", ID: lowest}, sorted(mid1, mid2, late)},
		{"after every ID of the day", project.Cursor{Value: "2021-07-01T00:00:00Z", ID: highest}, sorted(late)},
		{"between two of the day", project.Cursor{Value: "2021-07-01T00:00:00Z", ID: firstMid}, sorted(mid1, mid2, late)[1:]},
		{"a time", project.Cursor{Value: date("2021-06-30"), ID: highest}, sorted(mid1, mid2, late)},
		{"a day none is due", project.Cursor{Value: "2021-06-01T00:00:00Z", ID: highest}, sorted(early, mid1, mid2, late)},
		{"after them all", project.Cursor{Value: "2031-01-01T00:00:00Z", ID: lowest}, []string{}},
	} {
		c := tt.cursor
		c.Sort = issue.Sort.Key
		assert.Equal(t, tt.want, listIDs(t, st, sc, issue.Query{After: &c}), tt.name)
	}
}

func listBadCursor(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	i := blocker(s.Project(t, a), a, "2021-07-01")
	create(t, st, i)
	good := issue.CursorAfter(i)
	for _, c := range []project.Cursor{
		{Sort: good.Sort, Value: nil, ID: good.ID},
		{Sort: good.Sort, Value: 20210701, ID: good.ID},
		{Sort: good.Sort, Value: "2021-07-01", ID: good.ID},
		{Sort: good.Sort, Value: "yesterday", ID: good.ID},
		{Sort: good.Sort, Value: good.Value, ID: "not-a-uuid"},
		{Sort: good.Sort, Value: good.Value, ID: strings.ToUpper(good.ID)},
		{Sort: good.Sort, Value: good.Value, ID: ""},
	} {
		_, err := st.List(context.Background(), project.Reach{Department: a}, issue.Query{After: &c})
		requireInvalid(t, err, "cursor", "invalid_value")
	}
}

func listMalformedProjectID(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	pid := s.Project(t, a)
	create(t, st, blocker(pid, a, "2021-07-01"))
	for _, id := range []string{strings.ToUpper(pid), "not-a-uuid", pid + "0", "'; DROP TABLE issues; --"} {
		assert.Empty(t, listIDs(t, st, project.Reach{Department: a}, issue.Query{ProjectID: id}), "%q", id)
		page, err := st.List(context.Background(), project.Reach{Department: a}, issue.Query{ProjectID: id, Count: true})
		require.NoError(t, err)
		if assert.NotNil(t, page.Total, "a count asked for is given, %q", id) {
			assert.Zero(t, *page.Total)
		}
	}
}

func listDefaultLimit(t *testing.T, st issue.Store, s Setup) {
	a := s.Department(t)
	pid := s.Project(t, a)
	var all []issue.Issue
	for range project.DefaultLimit + 1 {
		all = append(all, blocker(pid, a, "2021-07-01"))
	}
	create(t, st, all...)
	page := list(t, st, project.Reach{Department: a}, issue.Query{})
	assert.Equal(t, sorted(all...)[:project.DefaultLimit], ids(page.Items))
	require.NotNil(t, page.Next)
	page = list(t, st, project.Reach{Department: a}, issue.Query{After: page.Next})
	assert.Equal(t, sorted(all...)[project.DefaultLimit:], ids(page.Items))
	assert.Nil(t, page.Next)
}
