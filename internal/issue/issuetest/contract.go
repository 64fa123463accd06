package issuetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// unknownDepartment is a well-formed department code that no store knows.
const unknownDepartment = "zz_never_made"

// Setup makes, in the store under test, what blockers refer to. Each case
// of the suite makes departments and projects of its own, so that the cases
// share the store, run in parallel and see only their own blockers in
// lists of a department's scope.
type Setup struct {
	// Department makes a department the store knows and returns its code,
	// a new one on every call.
	Department func(t *testing.T) string
	// Project makes a live project of department and returns its ID, a UUID.
	Project func(t *testing.T, department string) string
	// Archive archives a project made by Project.
	Archive func(t *testing.T, id string)
}

// StoreContract checks that st keeps what issue.Store documents. Create
// refuses an unknown responsible department (Invalid, naming it). Get finds
// a blocker in scope — of a project of the scope's department, or one the
// department is responsible for — whatever its project's state, with its
// project's department; a malformed ID is NotFound. Update writes only over
// the version it names (a version conflict otherwise) and keeps what a
// blocker is born with. List holds the blockers in scope of live projects,
// filtered by status, kind, responsible department, project and overdue on
// Query.Today, the earliest due first (then by ID), paged by keyset: a
// page's Next is the cursor after its last item, nil on the last page.
// Values come back as they were written, times in UTC and due dates as
// midnight UTC, and nothing read is shared with the store.
func StoreContract(t *testing.T, st issue.Store, setup Setup) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st issue.Store, s Setup)
	}{
		{"a blocker comes back as created, with its project's department", roundTrip},
		{"an unknown responsible department is refused", createUnknownDepartment},
		{"a blocker is read in scope: its project's or its responsible department's", getInScope},
		{"a malformed or unknown ID is not found", getMalformedID},
		{"an update replaces what may change and keeps what a blocker is born with", updateReplaces},
		{"an update over a stale version is a version conflict", updateStale},
		{"an update to an unknown responsible department is refused", updateUnknownDepartment},
		{"what a caller does with what it reads does not change the store", readsAreCopies},
		{"lists hold the blockers in scope", listScope},
		{"lists leave out the blockers of archived projects", listArchived},
		{"lists filter by status, kind, responsible department and project", listFilters},
		{"overdue is judged on the query's day", listOverdue},
		{"lists are ordered by due date, then ID", listOrder},
		{"pages follow each other by keyset", listPaging},
		{"a cursor positions the page by due date and ID", listCursorValues},
		{"a cursor that is not a due date and ID is refused", listBadCursor},
		{"a malformed project ID matches nothing", listMalformedProjectID},
		{"a query without a limit lists the default number", listDefaultLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st, setup)
		})
	}
}

// date is the calendar day s (YYYY-MM-DD) as midnight UTC.
func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// blocker is an open blocker of project pid that department responsible
// must clear by due, as the service would create it.
func blocker(pid, responsible, due string) issue.Issue {
	return issue.Issue{
		ID: uuid.NewString(), ProjectID: pid,
		Fields: issue.Fields{
			Title: "征地拆迁未完成", Kind: "land", ResponsibleDepartment: responsible, DueOn: date(due), Status: issue.Open,
		},
		CreatedBy: "energy_editor", Version: 1, CreatedAt: at, UpdatedAt: at,
	}
}

// with returns i changed by mods.
func with(i issue.Issue, mods ...func(*issue.Issue)) issue.Issue {
	for _, m := range mods {
		m(&i)
	}
	return i
}

// of is i as read: with its project's department.
func of(i issue.Issue, department string) issue.Issue {
	i.ProjectDepartment = department
	return i
}

func create(t *testing.T, st issue.Store, is ...issue.Issue) {
	t.Helper()
	for _, i := range is {
		require.NoError(t, st.Create(context.Background(), i))
	}
}

func get(t *testing.T, st issue.Store, id string) issue.Issue {
	t.Helper()
	i, err := st.Get(context.Background(), project.Reach{All: true}, id)
	require.NoError(t, err)
	return i
}

// requireInvalid asserts that err is Invalid with exactly the field error
// named.
func requireInvalid(t *testing.T, err error, field, code string) {
	t.Helper()
	require.Equal(t, apperr.Invalid, apperr.KindOf(err), "error: %v", err)
	assert.Equal(t, []apperr.FieldError{{Field: field, Code: code}}, apperr.As(err).Fields)
}

func roundTrip(t *testing.T, st issue.Store, s Setup) {
	d, r := s.Department(t), s.Department(t)
	pid := s.Project(t, d)
	resolved := at.Add(3 * time.Hour).In(shanghai)
	full := issue.Issue{
		ID: uuid.NewString(), ProjectID: pid,
		Fields: issue.Fields{
			Title: strings.Repeat("界", issue.MaxTitle), Description: "风机基础\t第二批 «设备» 未到场\n待协调",
			Kind: "grid", ResponsibleDepartment: r, DueOn: time.Date(2021, 7, 1, 7, 0, 0, 0, shanghai),
			Status: issue.Resolved, Resolution: strings.Repeat("办", issue.MaxText),
		},
		// Never written: the store reads the project's department.
		ProjectDepartment: "somebody_else",
		CreatedBy:         "能源局系统", Version: 7,
		CreatedAt: at.Add(time.Microsecond).In(shanghai), UpdatedAt: at.Add(2 * time.Microsecond).In(shanghai), ResolvedAt: &resolved,
	}
	plain := blocker(pid, d, "2021-12-31")
	create(t, st, full, plain)

	got := get(t, st, full.ID)
	want := of(full, d)
	want.DueOn = date("2021-07-01")
	want.CreatedAt, want.UpdatedAt, want.ResolvedAt = full.CreatedAt.UTC(), full.UpdatedAt.UTC(), ptr(resolved.UTC())
	assert.Equal(t, want, got)
	for _, ts := range []time.Time{got.DueOn, got.CreatedAt, got.UpdatedAt, *got.ResolvedAt} {
		assert.Equal(t, time.UTC, ts.Location())
	}
	assert.True(t, resolved.Equal(*got.ResolvedAt), "the same instant")
	assert.Equal(t, of(plain, d), get(t, st, plain.ID), "no resolution, no resolved_at")
}

func ptr[T any](v T) *T { return &v }

func createUnknownDepartment(t *testing.T, st issue.Store, s Setup) {
	d := s.Department(t)
	i := blocker(s.Project(t, d), unknownDepartment, "2021-07-01")
	requireInvalid(t, st.Create(context.Background(), i), "responsible_department", "unknown")
	_, err := st.Get(context.Background(), project.Reach{All: true}, i.ID)
	require.ErrorIs(t, err, apperr.ErrNotFound, "nothing is stored")
}

func getInScope(t *testing.T, st issue.Store, s Setup) {
	owner, responsible, other := s.Department(t), s.Department(t), s.Department(t)
	pid := s.Project(t, owner)
	open := blocker(pid, responsible, "2021-07-01")
	done := with(blocker(pid, responsible, "2021-07-02"), func(i *issue.Issue) {
		i.Status, i.Resolution, i.ResolvedAt = issue.Resolved, "已落实", ptr(at)
	})
	create(t, st, open, done)
	for _, tt := range []struct {
		name  string
		scope project.Reach
		found bool
	}{
		{"every department", project.Reach{All: true}, true},
		{"the project's department", project.Reach{Department: owner}, true},
		{"the responsible department", project.Reach{Department: responsible}, true},
		{"the responsible department, reading a project", project.Reach{Department: responsible, Responsible: true}, true},
		{"another department", project.Reach{Department: other}, false},
		{"another department, reading a project", project.Reach{Department: other, Responsible: true}, false},
		{"no department", project.Reach{}, false},
	} {
		for _, i := range []issue.Issue{open, done} {
			got, err := st.Get(context.Background(), tt.scope, i.ID)
			if !tt.found {
				require.ErrorIs(t, err, apperr.ErrNotFound, "%s, %s", tt.name, i.Status)
				continue
			}
			require.NoError(t, err, "%s, %s", tt.name, i.Status)
			assert.Equal(t, of(i, owner), got, "%s, %s", tt.name, i.Status)
		}
	}
}

func getMalformedID(t *testing.T, st issue.Store, s Setup) {
	d := s.Department(t)
	i := blocker(s.Project(t, d), d, "2021-07-01")
	create(t, st, i)
	for _, id := range []string{
		uuid.NewString(), strings.ToUpper(i.ID), "{" + i.ID + "}", strings.ReplaceAll(i.ID, "-", ""),
		i.ID + " ", "not-a-uuid", "", "'; DROP TABLE issues; --",
	} {
		_, err := st.Get(context.Background(), project.Reach{All: true}, id)
		require.ErrorIs(t, err, apperr.ErrNotFound, "%q", id)
	}
}

func updateReplaces(t *testing.T, st issue.Store, s Setup) {
	d, r, r2 := s.Department(t), s.Department(t), s.Department(t)
	pid := s.Project(t, d)
	i := blocker(pid, r, "2021-07-01")
	create(t, st, i)
	resolved := at.Add(time.Hour).In(shanghai)
	next := issue.Issue{
		ID: i.ID, ProjectID: s.Project(t, d),
		Fields: issue.Fields{
			Title: "并网手续", Description: "已上报", Kind: "approval", ResponsibleDepartment: r2,
			DueOn: date("2021-08-15"), Status: issue.Resolved, Resolution: "已批复",
		},
		ProjectDepartment: "somebody_else", CreatedBy: "bureau", Version: 2,
		CreatedAt: at.Add(time.Hour), UpdatedAt: resolved, ResolvedAt: &resolved,
	}
	require.NoError(t, st.Update(context.Background(), next, 1))

	want := of(next, d)
	want.ProjectID, want.CreatedBy, want.CreatedAt = pid, i.CreatedBy, i.CreatedAt
	want.UpdatedAt, want.ResolvedAt = resolved.UTC(), ptr(resolved.UTC())
	assert.Equal(t, want, get(t, st, i.ID), "every field replaced but the project, the creator and the creation time")

	back := with(want, func(i *issue.Issue) { i.Status, i.Resolution, i.ResolvedAt, i.Version = issue.Open, "", nil, 3 })
	require.NoError(t, st.Update(context.Background(), back, 2))
	assert.Equal(t, back, get(t, st, i.ID), "resolved_at cleared")
}

func updateStale(t *testing.T, st issue.Store, s Setup) {
	d := s.Department(t)
	i := with(blocker(s.Project(t, d), d, "2021-07-01"), func(i *issue.Issue) { i.Version = 4 })
	create(t, st, i)
	change := func(title string, version int) issue.Issue {
		return with(i, func(i *issue.Issue) { i.Title, i.Version = title, version })
	}
	for _, v := range []int{0, 3, 5} {
		err := st.Update(context.Background(), change("过期", v+1), v)
		require.ErrorIs(t, err, apperr.ErrVersionConflict, "version %d", v)
	}
	assert.Equal(t, of(i, d), get(t, st, i.ID), "nothing written")

	require.NoError(t, st.Update(context.Background(), change("第一", 5), 4))
	require.ErrorIs(t, st.Update(context.Background(), change("第二", 5), 4), apperr.ErrVersionConflict,
		"the version an update replaced is stale")
	assert.Equal(t, of(change("第一", 5), d), get(t, st, i.ID))

	missing := with(i, func(i *issue.Issue) { i.ID = uuid.NewString() })
	require.ErrorIs(t, st.Update(context.Background(), missing, 4), apperr.ErrVersionConflict, "a blocker that is not there")
	_, err := st.Get(context.Background(), project.Reach{All: true}, missing.ID)
	require.ErrorIs(t, err, apperr.ErrNotFound, "an update creates nothing")
}

func updateUnknownDepartment(t *testing.T, st issue.Store, s Setup) {
	d := s.Department(t)
	i := blocker(s.Project(t, d), d, "2021-07-01")
	create(t, st, i)
	next := with(i, func(i *issue.Issue) { i.ResponsibleDepartment, i.Version = unknownDepartment, 2 })
	requireInvalid(t, st.Update(context.Background(), next, 1), "responsible_department", "unknown")
	assert.Equal(t, of(i, d), get(t, st, i.ID), "nothing written")
}

func readsAreCopies(t *testing.T, st issue.Store, s Setup) {
	d := s.Department(t)
	resolved := at
	i := with(blocker(s.Project(t, d), d, "2021-07-01"), func(i *issue.Issue) {
		i.Status, i.Resolution, i.ResolvedAt = issue.Resolved, "已落实", &resolved
	})
	create(t, st, i)
	resolved = resolved.Add(time.Hour)
	got := get(t, st, i.ID)
	*got.ResolvedAt = got.ResolvedAt.Add(time.Hour)
	page, err := st.List(context.Background(), project.Reach{Department: d}, issue.Query{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	*page.Items[0].ResolvedAt = page.Items[0].ResolvedAt.Add(time.Hour)
	page.Items[0].Title = "changed"
	assert.Equal(t, at, *get(t, st, i.ID).ResolvedAt)
	assert.Equal(t, "征地拆迁未完成", get(t, st, i.ID).Title)
}
