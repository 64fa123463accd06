package dispatch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
)

// at is midday in the county on day s.
func at(s string) time.Time { return day(s).Add(4 * time.Hour) }

func TestPutReport(t *testing.T) {
	t.Parallel()
	fig := func(yuan int64) dispatch.Submission {
		return dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: yuan}}
	}
	cases := []struct {
		name       string
		as         identity.Principal
		on         string
		month      calendar.Month
		id         string
		in         dispatch.Submission
		via        dispatch.Via
		prep       func(t *testing.T, f *fixture)
		ifMatch    int
		wantErr    error
		wantFields []string
		check      func(t *testing.T, r dispatch.Report)
	}{
		{name: "the entry's department, on time", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(100),
			check: func(t *testing.T, r dispatch.Report) {
				assert.Equal(t, dispatch.Submitted, r.State)
				assert.False(t, r.Late)
				assert.False(t, r.OnBehalf)
				assert.Equal(t, 1, r.Version)
				assert.Equal(t, []string{}, r.IssueIDs)
			}},
		{name: "after the due day: late", as: energyEditor, on: "2021-06-06", month: month(2021, 5), id: energyProject, in: fig(100),
			check: func(t *testing.T, r dispatch.Report) { assert.True(t, r.Late) }},
		{name: "a moved due day", as: energyEditor, on: "2021-06-06", month: month(2021, 5), id: energyProject, in: fig(100),
			prep:  func(t *testing.T, f *fixture) { f.setting(t, month(2021, 5), "2021-06-08", false) },
			check: func(t *testing.T, r dispatch.Report) { assert.False(t, r.Late) }},
		{name: "the bureau on the department's behalf", as: bureau, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1),
			check: func(t *testing.T, r dispatch.Report) { assert.True(t, r.OnBehalf) }},
		{name: "the entry's department, not the project's", as: industryEditor, on: "2021-06-03", month: month(2021, 5), id: lentProject, in: fig(1),
			check: func(t *testing.T, r dispatch.Report) { assert.False(t, r.OnBehalf) }},
		{name: "the project's department, not the entry's", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: lentProject, in: fig(1),
			wantErr: apperr.ErrForbidden},
		{name: "another department", as: industryEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1), wantErr: apperr.ErrNotFound},
		{name: "not in the plan", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: outsideProj, in: fig(1),
			wantFields: []string{"project_id:not_in_plan"}},
		{name: "outside the plan by the project's route: 计划外", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: outsideProj, in: fig(1),
			via: dispatch.ViaProgress, check: func(t *testing.T, r dispatch.Report) {
				assert.Equal(t, dispatch.Submitted, r.State)
				assert.False(t, r.OnBehalf)
			}},
		{name: "outside the plan, another department", as: industryEditor, on: "2021-06-03", month: month(2021, 5), id: outsideProj, in: fig(1),
			via: dispatch.ViaProgress, wantErr: apperr.ErrNotFound},
		{name: "before an entry added in July", as: energyEditor, on: "2021-07-03", month: month(2021, 6), id: lateProject, in: fig(1),
			wantFields: []string{"project_id:not_in_plan"}},
		{name: "the month an entry is added", as: energyEditor, on: "2021-08-03", month: month(2021, 7), id: lateProject, in: fig(1)},
		{name: "the month an entry is removed", as: energyEditor, on: "2021-10-03", month: month(2021, 9), id: lateProject, in: fig(1)},
		{name: "after an entry is removed", as: energyEditor, on: "2021-11-03", month: month(2021, 10), id: lateProject, in: fig(1),
			wantFields: []string{"project_id:not_in_plan"}},
		{name: "a future period", as: energyEditor, on: "2021-06-03", month: month(2021, 7), id: energyProject, in: fig(1),
			wantFields: []string{"period:in_future"}},
		{name: "the current month", as: energyEditor, on: "2021-06-03", month: month(2021, 6), id: energyProject, in: fig(1)},
		{name: "January of a combined year", as: energyEditor, on: "2021-03-03", month: month(2021, 1), id: energyProject, in: fig(1),
			prep:       func(t *testing.T, f *fixture) { f.setting(t, month(2021, 2), "2021-03-05", true) },
			wantFields: []string{"period:combined_period"}},
		{name: "a negative amount", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(-1),
			wantFields: []string{"completed_yuan:out_of_range"}},
		{name: "a negative statistical amount", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			in: dispatch.Submission{Figures: dispatch.Figures{StatisticalYuan: ptr(int64(-1))}}, wantFields: []string{"statistical_yuan:out_of_range"}},
		{name: "a leader", as: leader, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1), wantErr: apperr.ErrForbidden},
		{name: "a viewer", as: energyViewer, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1), wantErr: apperr.ErrForbidden},
		{name: "a system without progress:write", as: clientRead, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1), wantErr: apperr.ErrForbidden},
		{name: "an archived project", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: archivedProj, in: fig(1), wantErr: errArchived},
		{name: "an unknown blocker", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			in: dispatch.Submission{Figures: dispatch.Figures{IssueIDs: []string{"nope"}}}, wantFields: []string{"issue_ids:unknown"}},
		{name: "too many blockers", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			in: dispatch.Submission{Figures: dispatch.Figures{IssueIDs: make([]string, 21)}}, wantFields: []string{"issue_ids:too_many"}},
		{name: "a blocker of the project", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			prep:  func(t *testing.T, f *fixture) { f.store.AddIssue(energyProject, "i-1") },
			in:    dispatch.Submission{Figures: dispatch.Figures{IssueIDs: []string{"i-1"}}},
			check: func(t *testing.T, r dispatch.Report) { assert.Equal(t, []string{"i-1"}, r.IssueIDs) }},
		{name: "a new blocker", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			in:    dispatch.Submission{NewIssue: &issue.Fields{Title: "用地未批"}},
			check: func(t *testing.T, r dispatch.Report) { assert.Equal(t, []string{"issue-1"}, r.IssueIDs) }},
		{name: "a bad new blocker", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject,
			in: dispatch.Submission{NewIssue: &issue.Fields{}}, wantFields: []string{"title:required"}},
		{name: "a stale If-Match", as: energyEditor, on: "2021-06-03", month: month(2021, 5), id: energyProject, in: fig(1), ifMatch: 3,
			wantErr: apperr.ErrVersionConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at(c.on))
			if c.prep != nil {
				c.prep(t, f)
			}
			r, created, err := f.svc.PutReport(context.Background(), c.as, c.month, c.id, c.in, c.ifMatch, c.via)
			requireErr(t, c.wantErr, c.wantFields, err)
			stored, _ := f.store.Reports(context.Background(), c.id, 0)
			if err != nil {
				assert.Empty(t, stored, "nothing written")
				assert.Empty(t, f.auditor.records)
				return
			}
			assert.True(t, created)
			assert.Equal(t, []dispatch.Report{r}, stored)
			require.Len(t, f.auditor.records, 1)
			assert.Equal(t, dispatch.ActionReport, f.auditor.records[0].Action)
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func (f *fixture) setting(t *testing.T, m calendar.Month, due string, combined bool) {
	t.Helper()
	require.NoError(t, f.store.PutSetting(context.Background(), dispatch.PeriodSetting{Period: m, DueOn: day(due), Combined: combined, Version: 1}))
}

func (f *fixture) put(t *testing.T, r dispatch.Report) {
	t.Helper()
	r.ProjectID, r.Month, r.Version = energyProject, month(2021, 5), 4
	if r.IssueIDs == nil {
		r.IssueIDs = []string{}
	}
	require.NoError(t, f.store.PutReport(context.Background(), r))
}

// TestSubmitAgain: a report submitted again moves back to submitted; a
// change after the due day or after acceptance is a correction.
func TestSubmitAgain(t *testing.T) {
	t.Parallel()
	figs := func(yuan int64) dispatch.Figures { return dispatch.Figures{CompletedYuan: yuan, IssueIDs: []string{}} }
	cases := []struct {
		name         string
		before       dispatch.Report
		on           string
		yuan         int64
		wantState    dispatch.State
		wantVersion  int
		wantOriginal *dispatch.Figures
	}{
		{"the same figures: nothing new", dispatch.Report{Figures: figs(5), State: dispatch.Submitted}, "2021-06-03", 5, dispatch.Submitted, 4, nil},
		{"the same figures, accepted: nothing new", dispatch.Report{Figures: figs(5), State: dispatch.Accepted}, "2021-06-10", 5, dispatch.Accepted, 4, nil},
		{"returned, submitted again unchanged", dispatch.Report{Figures: figs(5), State: dispatch.Returned, ReturnReason: "x"}, "2021-06-03", 5, dispatch.Submitted, 5, nil},
		{"returned, corrected before the due day", dispatch.Report{Figures: figs(5), State: dispatch.Returned}, "2021-06-03", 6, dispatch.Submitted, 5, nil},
		{"changed before the due day", dispatch.Report{Figures: figs(5), State: dispatch.Submitted}, "2021-06-03", 6, dispatch.Submitted, 5, nil},
		{"changed after the due day", dispatch.Report{Figures: figs(5), State: dispatch.Submitted}, "2021-06-10", 6, dispatch.Submitted, 5, ptr(figs(5))},
		{"changed after acceptance", dispatch.Report{Figures: figs(5), State: dispatch.Accepted}, "2021-06-03", 6, dispatch.Submitted, 5, ptr(figs(5))},
		{"corrected again: the first figures stay", dispatch.Report{Figures: figs(6), State: dispatch.Accepted, Corrected: true, Original: ptr(figs(5))},
			"2021-06-10", 7, dispatch.Submitted, 5, ptr(figs(5))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at(c.on))
			f.put(t, c.before)
			r, created, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject,
				dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: c.yuan}}, 0, dispatch.ViaDispatch)
			require.NoError(t, err)
			assert.False(t, created)
			assert.Equal(t, c.wantState, r.State)
			assert.Equal(t, c.wantVersion, r.Version)
			assert.Equal(t, c.wantOriginal, r.Original)
			assert.Equal(t, c.wantOriginal != nil, r.Corrected)
			if r.Version == 4 {
				assert.Empty(t, f.auditor.records, "nothing new, nothing audited")
			} else {
				assert.Empty(t, r.ReturnReason)
				assert.Len(t, f.auditor.records, 1)
			}
		})
	}
}

func TestReviewReport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		as         identity.Principal
		id         string
		before     *dispatch.State
		review     dispatch.Review
		ifMatch    int
		wantState  dispatch.State
		wantErr    error
		wantFields []string
	}{
		{name: "accept the version read", as: bureau, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Accept: true}, ifMatch: 4, wantState: dispatch.Accepted},
		{name: "accept a version changed since it was read", as: bureau, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Accept: true}, ifMatch: 3,
			wantErr: apperr.ErrVersionConflict},
		{name: "return a version changed since it was read", as: bureau, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Reason: "不符"}, ifMatch: 3,
			wantErr: apperr.ErrVersionConflict},
		{name: "accept an accepted report changed since", as: bureau, id: energyProject, before: ptr(dispatch.Accepted), review: dispatch.Review{Accept: true}, ifMatch: 2,
			wantErr: apperr.ErrVersionConflict},
		{name: "accept a submitted report", as: bureau, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Accept: true}, wantState: dispatch.Accepted},
		{name: "return a submitted report", as: admin, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Reason: "不符"}, wantState: dispatch.Returned},
		{name: "accept an accepted report", as: bureau, id: energyProject, before: ptr(dispatch.Accepted), review: dispatch.Review{Accept: true}, wantState: dispatch.Accepted},
		{name: "return an accepted report", as: bureau, id: energyProject, before: ptr(dispatch.Accepted), review: dispatch.Review{Reason: "不符"},
			wantFields: []string{"state:is"}},
		{name: "accept a returned report", as: bureau, id: energyProject, before: ptr(dispatch.Returned), review: dispatch.Review{Accept: true},
			wantFields: []string{"state:is"}},
		{name: "return without a reason", as: bureau, id: energyProject, before: ptr(dispatch.Submitted), wantFields: []string{"reason:required"}},
		{name: "no report", as: bureau, id: energyProject, review: dispatch.Review{Accept: true}, wantErr: apperr.ErrNotFound},
		{name: "outside the plan", as: bureau, id: outsideProj, review: dispatch.Review{Accept: true}, wantFields: []string{"project_id:not_in_plan"}},
		{name: "a department", as: energyEditor, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Accept: true}, wantErr: apperr.ErrForbidden},
		{name: "a leader", as: leader, id: energyProject, before: ptr(dispatch.Submitted), review: dispatch.Review{Accept: true}, wantErr: apperr.ErrForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-06-10"))
			if c.before != nil {
				f.put(t, dispatch.Report{Figures: dispatch.Figures{CompletedYuan: 5}, State: *c.before})
			}
			r, err := f.svc.ReviewReport(context.Background(), c.as, month(2021, 5), c.id, c.review, c.ifMatch)
			requireErr(t, c.wantErr, c.wantFields, err)
			if err != nil {
				assert.Empty(t, f.auditor.records)
				if c.before != nil {
					got, err := f.svc.Report(context.Background(), bureau, month(2021, 5), c.id)
					require.NoError(t, err)
					assert.Equal(t, *c.before, got.State, "unchanged")
					assert.Equal(t, 4, got.Version, "unchanged")
				}
				return
			}
			assert.Equal(t, c.wantState, r.State)
			got, err := f.svc.Report(context.Background(), energyViewer, month(2021, 5), c.id)
			require.NoError(t, err)
			assert.Equal(t, r, got)
			if *c.before == c.wantState {
				assert.Equal(t, 4, r.Version, "unchanged")
				assert.Empty(t, f.auditor.records)
				return
			}
			assert.Equal(t, 5, r.Version)
			assert.Equal(t, c.as.Name, r.ReviewedBy)
			assert.Equal(t, c.review.Reason, r.ReturnReason)
		})
	}
}

func TestReadReports(t *testing.T) {
	t.Parallel()
	f := newFixture(at("2021-06-10"))
	ctx := context.Background()
	_, _, err := f.svc.PutReport(ctx, industryEditor, month(2021, 5), lentProject, dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: 3}}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	for _, as := range []identity.Principal{industryEditor, energyViewer, leader} {
		_, err := f.svc.Report(ctx, as, month(2021, 5), lentProject)
		assert.NoError(t, err, "%s: the entry's department, the project's, the county's", as.Name)
	}
	_, err = f.svc.Report(ctx, industryEditor, month(2021, 5), energyProject)
	requireErr(t, apperr.ErrNotFound, nil, err)
	_, err = f.svc.Report(ctx, leader, month(2021, 4), lentProject)
	requireErr(t, apperr.ErrNotFound, nil, err)
	y, err := f.svc.YearOf(ctx, industryEditor, lentProject, 2021)
	require.NoError(t, err)
	assert.Equal(t, int64(3), y.CompletedYuan)
	assert.Equal(t, ptr(int64(1200)), y.PlannedYuan)
	rs, err := f.svc.Reports(ctx, energyViewer, lentProject, 2021)
	require.NoError(t, err)
	assert.Len(t, rs, 1)
	_, err = f.svc.YearOf(ctx, identity.Principal{Role: identity.RoleDeptEditor, Department: "energy", ClientID: "c", Scopes: []string{}}, lentProject, 2021)
	requireErr(t, apperr.ErrForbidden, nil, err)
}

// TestStoreFailures: a failing store fails the call, and a failed change
// writes nothing.
func TestStoreFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, method := range []string{"Settings", "Entries", "Reports", "PutReport", "Blockers"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-06-10"))
			f.store.Fail(method, boom)
			var in dispatch.Submission
			if method == "Blockers" {
				in.IssueIDs = []string{"x"}
			}
			_, _, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject, in, 0, dispatch.ViaDispatch)
			require.ErrorIs(t, err, boom)
		})
	}
	f := newFixture(at("2021-06-10"))
	f.auditor.err = boom
	_, _, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject, dispatch.Submission{}, 0, dispatch.ViaDispatch)
	require.ErrorIs(t, err, boom)
	f.auditor.err = nil
	stored, _ := f.store.Reports(context.Background(), energyProject, 0)
	assert.Empty(t, stored, "rolled back with its audit entry")
	for _, method := range []string{"Settings", "Entries", "Reports", "Opening", "Projects", "DepartmentNames"} {
		f.store.Fail(method, boom)
		if method != "Settings" {
			_, err := f.svc.Sheet(context.Background(), bureau, month(2021, 5), false)
			require.ErrorIs(t, err, boom, method)
		}
		if method != "Opening" && method != "DepartmentNames" {
			_, err = f.svc.PeriodStatus(context.Background(), bureau, month(2021, 5))
			require.ErrorIs(t, err, boom, method)
		}
		f.store.Fail(method, nil)
	}
}

// TestCorrectionIsMoney: after the due day or after acceptance, a change of
// the money is a correction; texts, blockers and next month's plan change
// without it, in a new version with its audit entry.
func TestCorrectionIsMoney(t *testing.T) {
	t.Parallel()
	first := dispatch.Figures{CompletedYuan: 5, StatisticalYuan: ptr(int64(4)), SiteProgress: "基础施工", IssueIDs: []string{}, NextPlan: "吊装"}
	cases := []struct {
		name          string
		state         dispatch.State
		change        func(f *dispatch.Figures)
		wantCorrected bool
	}{
		{"形象进度 after the due day", dispatch.Submitted, func(f *dispatch.Figures) { f.SiteProgress = "主体封顶" }, false},
		{"problems and next month's plan after acceptance", dispatch.Accepted, func(f *dispatch.Figures) { f.Problems, f.NextPlan = "缺工", "并网" }, false},
		{"a blocker linked after the due day", dispatch.Submitted, func(f *dispatch.Figures) { f.IssueIDs = []string{"i-1"} }, false},
		{"the note after acceptance", dispatch.Accepted, func(f *dispatch.Figures) { f.Note = "补充" }, false},
		{"completed investment after the due day", dispatch.Submitted, func(f *dispatch.Figures) { f.CompletedYuan = 6 }, true},
		{"入统 investment after acceptance", dispatch.Accepted, func(f *dispatch.Figures) { f.StatisticalYuan = ptr(int64(5)) }, true},
		{"入统 investment dropped after the due day", dispatch.Submitted, func(f *dispatch.Figures) { f.StatisticalYuan = nil }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-06-10"))
			f.store.AddIssue(energyProject, "i-1")
			f.put(t, dispatch.Report{Figures: first, State: c.state})
			in := first
			in.IssueIDs = slices.Clone(first.IssueIDs)
			c.change(&in)
			r, _, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject, dispatch.Submission{Figures: in}, 0, dispatch.ViaDispatch)
			require.NoError(t, err)
			assert.Equal(t, 5, r.Version)
			assert.Equal(t, dispatch.Submitted, r.State)
			assert.Len(t, f.auditor.records, 1)
			assert.Equal(t, c.wantCorrected, r.Corrected)
			if c.wantCorrected {
				assert.Equal(t, &first, r.Original)
			} else {
				assert.Nil(t, r.Original)
			}
		})
	}
}

// TestNewIssue: a report's new problem opens a blocker once, admitting the
// entry's responsible department when the project is another's; a retry
// links the unresolved blocker alike.
func TestNewIssue(t *testing.T) {
	t.Parallel()
	problem := issue.Fields{Title: "用地未批", Kind: "land", ResponsibleDepartment: "energy"}
	cases := []struct {
		name       string
		as         identity.Principal
		id         string
		prep       func(f *fixture)
		in         issue.Fields
		wantIssues []string
		wantErr    error
	}{
		{name: "a new blocker", as: energyEditor, id: energyProject, in: problem, wantIssues: []string{"issue-1"}},
		{name: "the same blocker unresolved: linked", as: energyEditor, id: energyProject, in: problem,
			prep:       func(f *fixture) { f.store.AddIssueWith(energyProject, "i-old", withStatus(problem, issue.InProgress)) },
			wantIssues: []string{"i-old"}},
		{name: "the same title, spaced", as: energyEditor, id: energyProject, in: issue.Fields{Title: " 用地未批 ", Kind: "land", ResponsibleDepartment: "energy"},
			prep:       func(f *fixture) { f.store.AddIssueWith(energyProject, "i-old", withStatus(problem, issue.Open)) },
			wantIssues: []string{"i-old"}},
		{name: "the same blocker resolved: a new one", as: energyEditor, id: energyProject, in: problem,
			prep:       func(f *fixture) { f.store.AddIssueWith(energyProject, "i-old", withStatus(problem, issue.Resolved)) },
			wantIssues: []string{"issue-1"}},
		{name: "another kind: a new one", as: energyEditor, id: energyProject, in: issue.Fields{Title: "用地未批", Kind: "funding", ResponsibleDepartment: "energy"},
			prep:       func(f *fixture) { f.store.AddIssueWith(energyProject, "i-old", withStatus(problem, issue.Open)) },
			wantIssues: []string{"issue-1"}},
		{name: "another department responsible: a new one", as: energyEditor, id: energyProject, in: issue.Fields{Title: "用地未批", Kind: "land", ResponsibleDepartment: "industry"},
			prep:       func(f *fixture) { f.store.AddIssueWith(energyProject, "i-old", withStatus(problem, issue.Open)) },
			wantIssues: []string{"issue-1"}},
		{name: "the entry's department, not the project's", as: industryEditor, id: lentProject, in: problem, wantIssues: []string{"issue-1"}},
		{name: "the project's department, not the entry's: refused first", as: energyEditor, id: lentProject, in: problem, wantErr: apperr.ErrForbidden},
		{name: "another department: not found, nothing opened", as: industryEditor, id: energyProject, in: problem, wantErr: apperr.ErrNotFound},
		{name: "not in the plan: nothing opened", as: energyEditor, id: outsideProj, in: problem, wantErr: &apperr.Error{Kind: apperr.Unprocessable}},
		{name: "an unknown project", as: bureau, id: "p-none", in: problem, wantErr: apperr.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-06-03"))
			if c.prep != nil {
				c.prep(f)
			}
			in := c.in
			r, _, err := f.svc.PutReport(context.Background(), c.as, month(2021, 5), c.id, dispatch.Submission{NewIssue: &in}, 0, dispatch.ViaDispatch)
			requireErr(t, c.wantErr, nil, err)
			ids := blockerIDs(t, f, c.id)
			if err != nil {
				assert.NotContains(t, ids, "issue-1", "no blocker opened")
				return
			}
			assert.Equal(t, c.wantIssues, r.IssueIDs)
			assert.Subset(t, ids, c.wantIssues)
		})
	}
}

// TestNewIssueRetried: the same submission sent twice after the due day
// opens one blocker and is no correction.
func TestNewIssueRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(at("2021-06-10"))
	in := dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: 7, Problems: "用地未批"},
		NewIssue: &issue.Fields{Title: "用地未批", Kind: "land", ResponsibleDepartment: "energy"}}
	first, created, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject, in, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := f.svc.PutReport(context.Background(), energyEditor, month(2021, 5), energyProject, in, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, first, again, "nothing new")
	assert.False(t, again.Corrected)
	assert.Equal(t, []string{"issue-1"}, blockerIDs(t, f, energyProject), "one blocker")
	assert.Len(t, f.auditor.records, 1)
}

func withStatus(f issue.Fields, s issue.Status) issue.Fields {
	f.Status = s
	return f
}

func blockerIDs(t *testing.T, f *fixture, id string) []string {
	t.Helper()
	bs, err := f.store.Blockers(context.Background(), id)
	require.NoError(t, err)
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}
