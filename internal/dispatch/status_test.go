package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
)

func TestOwes(t *testing.T) {
	t.Parallel()
	issued := day("2021-02-01")
	draft := entry("p", "energy", 1, 0, nil, false)
	baseline := entry("p", "energy", 1, 0, &issued, false)
	added := entry("p", "energy", 2, 1, ptr(day("2021-07-15")), false)
	movedDept := entry("p", "industry", 2, 1, ptr(day("2021-05-20")), false)
	removed := entry("p", "energy", 3, 2, ptr(day("2021-09-10")), true)
	removedFirst := entry("p", "energy", 2, 1, ptr(day("2021-03-01")), true)
	combined := calendar.Periods{Combined: map[int]bool{2021: true}}
	cases := []struct {
		name     string
		states   []plan.Entry
		cal      calendar.Periods
		m        calendar.Month
		want     bool
		wantDept string
	}{
		{"a draft entry owes January", []plan.Entry{draft}, calendar.Periods{}, month(2021, 1), true, "energy"},
		{"a baseline entry owes January, whatever its 下达 day", []plan.Entry{baseline}, calendar.Periods{}, month(2021, 1), true, "energy"},
		{"an entry added on 15 July does not owe June", []plan.Entry{added}, calendar.Periods{}, month(2021, 6), false, ""},
		{"it owes July, in force on its last day", []plan.Entry{added}, calendar.Periods{}, month(2021, 7), true, "energy"},
		{"it owes September, in force on its first day", []plan.Entry{added, removed}, calendar.Periods{}, month(2021, 9), true, "energy"},
		{"not October, removed", []plan.Entry{added, removed}, calendar.Periods{}, month(2021, 10), false, ""},
		{"removed on 1 March owes February", []plan.Entry{baseline, removedFirst}, calendar.Periods{}, month(2021, 2), true, "energy"},
		{"but not March", []plan.Entry{baseline, removedFirst}, calendar.Periods{}, month(2021, 3), false, ""},
		{"the department at the month's end", []plan.Entry{baseline, movedDept}, calendar.Periods{}, month(2021, 5), true, "industry"},
		{"the combined February covers January", []plan.Entry{baseline, removedFirst}, combined, month(2021, 2), true, "energy"},
		{"no entry", nil, calendar.Periods{}, month(2021, 5), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, ok := dispatch.Owes(c.states, c.cal, c.m)
			assert.Equal(t, c.want, ok)
			assert.Equal(t, c.wantDept, e.Department)
		})
	}
}

func TestPeriodStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(at("2021-06-03"))
	// energy: submitted on time; lent (industry): none yet.
	_, _, err := f.svc.PutReport(ctx, energyEditor, month(2021, 5), energyProject, dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: 1}}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	st, err := f.svc.PeriodStatus(ctx, leader, month(2021, 5))
	require.NoError(t, err)
	assert.Equal(t, day("2021-06-05"), st.DueOn)
	assert.False(t, st.Counts)
	require.Len(t, st.Departments, 2, "the archived project's entry is left out")
	assert.Equal(t, "energy", st.Departments[0].Department)
	assert.Equal(t, []string{energyProject}, st.Departments[0].Reported.ProjectIDs)
	assert.Equal(t, []string{lentProject}, st.Departments[1].Pending.ProjectIDs)
	assert.Equal(t, 2, st.Total.Owed.Count())

	f.now = at("2021-06-10")
	_, err = f.svc.ReviewReport(ctx, bureau, month(2021, 5), energyProject, dispatch.Review{Accept: true}, 0)
	require.NoError(t, err)
	st, err = f.svc.PeriodStatus(ctx, bureau, month(2021, 5))
	require.NoError(t, err)
	assert.True(t, st.Counts)
	assert.Equal(t, []string{lentProject}, st.Total.Overdue.ProjectIDs)
	assert.Equal(t, []string{energyProject}, st.Total.Accepted.ProjectIDs)
	_, _, err = f.svc.PutReport(ctx, industryEditor, month(2021, 5), lentProject, dispatch.Submission{}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	_, err = f.svc.ReviewReport(ctx, bureau, month(2021, 5), lentProject, dispatch.Review{Reason: "未填形象进度"}, 0)
	require.NoError(t, err)
	st, err = f.svc.PeriodStatus(ctx, industryEditor, month(2021, 5))
	require.NoError(t, err)
	require.Len(t, st.Departments, 1, "a department sees its own row")
	assert.Equal(t, []string{lentProject}, st.Total.Returned.ProjectIDs)
	assert.Equal(t, []string{lentProject}, st.Total.Overdue.ProjectIDs, "returned counts as not reported")
	assert.Empty(t, st.Total.ReportedLate.ProjectIDs)

	_, _, err = f.svc.PutReport(ctx, industryEditor, month(2021, 5), lentProject, dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: 2}}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	st, err = f.svc.PeriodStatus(ctx, industryEditor, month(2021, 5))
	require.NoError(t, err)
	assert.Equal(t, []string{lentProject}, st.Total.ReportedLate.ProjectIDs)

	f.setting(t, month(2021, 2), "2021-03-09", true)
	_, err = f.svc.PeriodStatus(ctx, bureau, month(2021, 1))
	requireErr(t, nil, []string{"period:combined_period"}, err)
	feb, err := f.svc.PeriodStatus(ctx, bureau, month(2021, 2))
	require.NoError(t, err)
	assert.True(t, feb.Combined)
	assert.True(t, feb.Moved)
	_, err = f.svc.PeriodStatus(ctx, clientRead, month(2021, 5))
	assert.NoError(t, err)
	_, err = f.svc.PeriodStatus(ctx, identity.Principal{Role: identity.RoleLeader, ClientID: "c"}, month(2021, 5))
	requireErr(t, apperr.ErrForbidden, nil, err)
}

func TestSetPeriod(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		as          identity.Principal
		m           calendar.Month
		due         string
		combined    bool
		ifMatch     int
		wantErr     error
		wantFields  []string
		wantCreated bool
	}{
		{name: "a holiday", as: bureau, m: month(2021, 9), due: "2021-10-09", wantCreated: true},
		{name: "combined February", as: admin, m: month(2021, 2), due: "2021-03-09", combined: true, wantCreated: true},
		{name: "the same again", as: bureau, m: month(2021, 4), due: "2021-05-08"},
		{name: "combined on March", as: bureau, m: month(2021, 3), due: "2021-04-09", combined: true, wantFields: []string{"combined:february_only"}},
		{name: "on the period's last day", as: bureau, m: month(2021, 3), due: "2021-03-31", wantFields: []string{"due_on:out_of_range"}},
		{name: "more than two months after", as: bureau, m: month(2021, 3), due: "2021-06-01", wantFields: []string{"due_on:out_of_range"}},
		{name: "two months after", as: bureau, m: month(2021, 3), due: "2021-05-31", wantCreated: true},
		{name: "no day", as: bureau, m: month(2021, 3), wantFields: []string{"due_on:required"}},
		{name: "a department", as: energyEditor, m: month(2021, 3), due: "2021-04-09", wantErr: apperr.ErrForbidden},
		{name: "a stale If-Match", as: bureau, m: month(2021, 4), due: "2021-05-09", ifMatch: 7, wantErr: apperr.ErrVersionConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-06-10"))
			f.setting(t, month(2021, 4), "2021-05-08", false)
			var due time.Time
			if c.due != "" {
				due = day(c.due)
			}
			st, created, err := f.svc.SetPeriod(context.Background(), c.as, c.m, due, c.combined, c.ifMatch)
			requireErr(t, c.wantErr, c.wantFields, err)
			if err != nil {
				assert.Empty(t, f.auditor.records)
				return
			}
			assert.Equal(t, c.wantCreated, created)
			assert.Equal(t, due, st.DueOn)
			if c.m == month(2021, 4) {
				assert.Nil(t, f.store.HealthDueOn(), "nothing changed")
				return
			}
			assert.Equal(t, ptr(day("2021-06-10")), f.store.HealthDueOn(), "every project's health is computed again")
			cal, err := f.svc.Calendar(context.Background())
			require.NoError(t, err)
			assert.Equal(t, due, cal.DueOn(c.m))
			ps, err := f.svc.Periods(context.Background(), leader, 2021)
			require.NoError(t, err)
			if c.combined {
				require.Len(t, ps, 11)
				assert.True(t, ps[0].Combined)
			} else {
				require.Len(t, ps, 12)
			}
		})
	}
}

// TestOutstanding: the reports of last month not submitted, by department,
// a returned one among them.
func TestOutstanding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(at("2021-06-03"))
	got, err := f.svc.Outstanding(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"energy": 1, "industry": 1}, got)
	_, _, err = f.svc.PutReport(ctx, energyEditor, month(2021, 5), energyProject, dispatch.Submission{Figures: dispatch.Figures{CompletedYuan: 1}}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	_, _, err = f.svc.PutReport(ctx, industryEditor, month(2021, 5), lentProject, dispatch.Submission{}, 0, dispatch.ViaDispatch)
	require.NoError(t, err)
	_, err = f.svc.ReviewReport(ctx, bureau, month(2021, 5), lentProject, dispatch.Review{Reason: "未填形象进度"}, 0)
	require.NoError(t, err)
	got, err = f.svc.Outstanding(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"energy": 0, "industry": 1}, got)

	f.now = at("2021-02-10")
	f.setting(t, month(2021, 2), "2021-03-09", true)
	got, err = f.svc.Outstanding(ctx)
	require.NoError(t, err)
	assert.Empty(t, got, "January is reported with February")
}
