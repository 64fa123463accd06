package issue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

func TestGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	naturalResources := identity.Principal{Name: "nr", Role: identity.RoleDeptViewer, Department: "natural_resources"}
	for _, tt := range []struct {
		name    string
		as      identity.Principal
		want    issue.Issue
		id      string // want's when empty
		wantErr error
	}{
		{name: "a blocker of the department's project", as: energyViewer, want: seededOpen},
		{name: "one the department is responsible for", as: industryViewer, want: seededOpen},
		{name: "one it was responsible for, resolved", as: industryViewer, want: seededResolved},
		{name: "its own on another department's project", as: naturalResources, want: seededLand},
		{name: "a leader reads every department's", as: leader, want: seededLand},
		{name: "a client that may read", as: clientRead, want: seededProgress},
		{name: "one of an archived project", as: bureau, want: seededArchived},
		{name: "another department's", as: energyViewer, id: seededLand.ID, wantErr: apperr.ErrNotFound},
		{name: "another department's, its project's other blocker its own", as: naturalResources, id: seededOwn.ID, wantErr: apperr.ErrNotFound},
		{name: "a blocker that does not exist", as: admin, id: newID(99), wantErr: apperr.ErrNotFound},
		{name: "a malformed ID", as: admin, id: "not-a-uuid", wantErr: apperr.ErrNotFound},
		{name: "a client that may not read projects", as: clientBlind, id: seededOpen.ID, wantErr: apperr.ErrForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := tt.id
			if id == "" {
				id = tt.want.ID
			}
			got, err := f.svc.Get(context.Background(), tt.as, id)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("the store failing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		boom := errors.New("boom")
		f.store.Fail("Get", boom)
		_, err := f.svc.Get(context.Background(), bureau, seededOpen.ID)
		require.ErrorIs(t, err, boom)
	})
}

func TestList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	yes := true
	for _, tt := range []struct {
		name    string
		as      identity.Principal
		q       issue.Query
		want    []issue.Issue
		wantErr error
	}{
		{name: "a department's, and those it must clear, of live projects, the earliest due first", as: industryViewer,
			want: []issue.Issue{seededResolved, seededProgress, seededOpen, seededOwn, seededLand}},
		{name: "a department's projects'", as: energyEditor, want: []issue.Issue{seededResolved, seededProgress, seededOpen}},
		{name: "every department's", as: leader, want: []issue.Issue{seededResolved, seededProgress, seededOpen, seededOwn, seededLand}},
		{name: "filtered by the responsible department", as: bureau, q: issue.Query{Departments: []string{"natural_resources"}},
			want: []issue.Issue{seededLand}},
		{name: "filtered by status", as: bureau, q: issue.Query{Statuses: []issue.Status{issue.Open, issue.InProgress}},
			want: []issue.Issue{seededProgress, seededOpen, seededOwn, seededLand}},
		{name: "overdue on the day", as: bureau, q: issue.Query{Overdue: &yes, Today: date("2021-06-15")},
			want: []issue.Issue{seededProgress}},
		{name: "one page", as: bureau, q: issue.Query{Limit: 2}, want: []issue.Issue{seededResolved, seededProgress}},
		{name: "a client that may not read projects", as: clientBlind, wantErr: apperr.ErrForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := f.svc.List(context.Background(), tt.as, tt.q)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, page.Items)
		})
	}
	t.Run("the store failing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		boom := errors.New("boom")
		f.store.Fail("List", boom)
		_, err := f.svc.List(context.Background(), bureau, issue.Query{})
		require.ErrorIs(t, err, boom)
	})
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		due    string
		status issue.Status
		on     string
		want   bool
	}{
		{"2021-06-14", issue.Open, "2021-06-15", true},
		{"2021-06-14", issue.InProgress, "2021-06-15", true},
		{"2021-06-14", issue.Resolved, "2021-06-15", false},
		{"2021-06-15", issue.Open, "2021-06-15", false},
		{"2021-06-16", issue.InProgress, "2021-06-15", false},
	} {
		i := issue.Issue{Fields: issue.Fields{DueOn: date(tt.due), Status: tt.status}}
		assert.Equal(t, tt.want, i.Overdue(date(tt.on)), "due %s, %s, on %s", tt.due, tt.status, tt.on)
	}
}

func TestCursorAfter(t *testing.T) {
	t.Parallel()
	i := issue.Issue{ID: seededOpen.ID, Fields: issue.Fields{DueOn: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}}
	assert.Equal(t, project.Cursor{Sort: "due_on", Value: "2021-07-01T00:00:00Z", ID: seededOpen.ID}, issue.CursorAfter(i))
	assert.Equal(t, issue.Sort.Key, issue.CursorAfter(i).Sort, "the cursor names the lists' sort")
}
