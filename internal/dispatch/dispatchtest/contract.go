package dispatchtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Setup is what the contract needs besides the store: NewProject makes a
// project of department energy named name, with total investment total,
// and returns its ID; AddEntry adds a state of a plan entry (its plan
// made when missing); AddIssue opens a blocker of a project, titled 用地手续,
// of kind land, energy responsible, and returns its ID. Settings, being one table for all, are tried by one case alone.
type Setup struct {
	Store      dispatch.Store
	NewProject func(t *testing.T, name string, total *int64) string
	AddEntry   func(t *testing.T, e plan.Entry)
	AddIssue   func(t *testing.T, projectID string) string
}

// StoreContract checks that a store keeps what dispatch.Store documents.
func StoreContract(t *testing.T, s Setup) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s Setup)
	}{
		{"periods come back in order, replaced when put again", settings},
		{"reports come back as put, in order, times in UTC", reportsRoundTrip},
		{"a report put again replaces it", reportReplaced},
		{"the opening balance sums the counting reports of earlier years", opening},
		{"entries come back with every state, of a year and a project", entries},
		{"projects, departments and blockers are read", lookups},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, s)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func month(y int, m time.Month) calendar.Month { return calendar.Month{Year: y, Month: m} }

func report(id string, m calendar.Month, yuan int64, state dispatch.State) dispatch.Report {
	return dispatch.Report{ProjectID: id, Month: m, Figures: dispatch.Figures{CompletedYuan: yuan, IssueIDs: []string{}},
		State: state, Version: 1, UpdatedAt: at, ReportedBy: "energy_editor"}
}

func settings(t *testing.T, s Setup) {
	ctx := context.Background()
	feb := dispatch.PeriodSetting{Period: month(2031, time.February), DueOn: time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC), Combined: true,
		Version: 1, UpdatedAt: at.In(shanghai), UpdatedBy: "bureau"}
	sep := dispatch.PeriodSetting{Period: month(2030, time.September), DueOn: time.Date(2030, 10, 9, 0, 0, 0, 0, time.UTC), Version: 1, UpdatedAt: at, UpdatedBy: "bureau"}
	require.NoError(t, s.Store.PutSetting(ctx, feb))
	require.NoError(t, s.Store.PutSetting(ctx, sep))
	got, err := s.Store.Settings(ctx)
	require.NoError(t, err)
	feb.UpdatedAt = at
	assert.Equal(t, []dispatch.PeriodSetting{sep, feb}, only(got, sep.Period, feb.Period))
	sep2 := sep
	sep2.DueOn, sep2.Version = time.Date(2030, 10, 12, 0, 0, 0, 0, time.UTC), 2
	require.NoError(t, s.Store.PutSetting(ctx, sep2))
	got, err = s.Store.Settings(ctx)
	require.NoError(t, err)
	assert.Equal(t, []dispatch.PeriodSetting{sep2, feb}, only(got, sep.Period, feb.Period))
	assert.Equal(t, time.UTC, got[0].UpdatedAt.Location())
}

// only keeps the settings of the periods named, which other tests sharing
// the store do not set.
func only(ss []dispatch.PeriodSetting, ms ...calendar.Month) []dispatch.PeriodSetting {
	out := []dispatch.PeriodSetting{}
	for _, st := range ss {
		for _, m := range ms {
			if st.Period == m {
				out = append(out, st)
			}
		}
	}
	return out
}

func reportsOf(t *testing.T, st dispatch.Store, id string, year int) []dispatch.Report {
	t.Helper()
	got, err := st.Reports(context.Background(), id, year)
	require.NoError(t, err)
	return got
}

func reportsRoundTrip(t *testing.T, s Setup) {
	ctx := context.Background()
	a, b := s.NewProject(t, "晨风风电", nil), s.NewProject(t, "国昶物流", nil)
	issue := s.AddIssue(t, a)
	full := dispatch.Report{
		ProjectID: a, Month: month(2021, time.March),
		Figures: dispatch.Figures{CompletedYuan: 10_000_000_000_000, StatisticalYuan: ptr(int64(0)), SiteProgress: "风机吊装完成\t第二批 «设备» 到场",
			Problems: "用地", IssueIDs: []string{issue}, NextPlan: "并网", Note: "备注"},
		State: dispatch.Accepted, OnBehalf: true, SubmittedAt: ptr(at.In(shanghai)), Late: true, Corrected: true,
		Original:   &dispatch.Figures{CompletedYuan: 5, SiteProgress: "初报", IssueIDs: []string{}},
		ReviewedBy: "bureau", ReviewedAt: ptr(at.Add(time.Hour)), ReturnReason: "", Migrated: true,
		Version: 3, UpdatedAt: at.Add(time.Microsecond).In(shanghai), ReportedBy: "能源局系统",
	}
	plain := report(a, month(2021, time.January), 7, dispatch.Submitted)
	other := report(b, month(2021, time.February), 9, dispatch.Returned)
	last := report(a, month(2020, time.December), 3, dispatch.Submitted)
	for _, r := range []dispatch.Report{full, plain, other, last} {
		require.NoError(t, s.Store.PutReport(ctx, r))
	}
	want := full
	want.SubmittedAt, want.UpdatedAt = ptr(at), at.Add(time.Microsecond)
	got := reportsOf(t, s.Store, a, 2021)
	require.Len(t, got, 2)
	assert.Equal(t, []dispatch.Report{plain, want}, got, "in order of month")
	assert.Equal(t, time.UTC, got[1].UpdatedAt.Location())
	assert.Equal(t, []dispatch.Report{last, plain, want}, reportsOf(t, s.Store, a, 0), "every year")
	assert.Empty(t, reportsOf(t, s.Store, a, 2019))
	year, err := s.Store.Reports(ctx, "", 2021)
	require.NoError(t, err)
	assert.Subset(t, year, []dispatch.Report{plain, want, other})
	for _, r := range year {
		assert.Equal(t, 2021, r.Month.Year)
	}
}

func reportReplaced(t *testing.T, s Setup) {
	ctx := context.Background()
	id := s.NewProject(t, "上墨家沟", nil)
	require.NoError(t, s.Store.PutReport(ctx, report(id, month(2021, time.May), 100, dispatch.Submitted)))
	again := report(id, month(2021, time.May), 150, dispatch.Submitted)
	again.Version, again.Corrected, again.Original = 2, true, &dispatch.Figures{CompletedYuan: 100, IssueIDs: []string{}}
	require.NoError(t, s.Store.PutReport(ctx, again))
	assert.Equal(t, []dispatch.Report{again}, reportsOf(t, s.Store, id, 2021))
}

func opening(t *testing.T, s Setup) {
	ctx := context.Background()
	id := s.NewProject(t, "水神堂", nil)
	for _, r := range []dispatch.Report{
		report(id, month(2019, time.March), 1, dispatch.Accepted), report(id, month(2020, time.June), 10, dispatch.Submitted),
		report(id, month(2020, time.July), 100, dispatch.Returned), report(id, month(2021, time.January), 1000, dispatch.Accepted),
	} {
		require.NoError(t, s.Store.PutReport(ctx, r))
	}
	got, err := s.Store.Opening(ctx, 2021, false)
	require.NoError(t, err)
	assert.Equal(t, int64(11), got[id], "submitted and accepted reports before 2021")
	got, err = s.Store.Opening(ctx, 2021, true)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got[id], "accepted only")
	got, err = s.Store.Opening(ctx, 2019, false)
	require.NoError(t, err)
	assert.Zero(t, got[id])
}

func entry(id string, version, revision int, effective *time.Time) plan.Entry {
	return plan.Entry{Year: 2021, ProjectID: id, Version: version, Revision: revision, EffectiveOn: effective,
		BuildType: plan.Continuing, BuildTypeSource: plan.SourceSet, KeyLevel: "county", Department: "energy",
		Section: plan.Industry, Goals: "并网发电", RecordedAt: at, RecordedBy: "bureau"}
}

func entries(t *testing.T, s Setup) {
	ctx := context.Background()
	a, b := s.NewProject(t, "晨风", nil), s.NewProject(t, "国昶", nil)
	issued := time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC)
	july := time.Date(2021, 7, 15, 0, 0, 0, 0, time.UTC)
	first := entry(a, 1, 0, &issued)
	first.PlannedYuan, first.OpeningYuan, first.Leader = ptr(int64(120_000_000)), ptr(int64(5)), "王副县长"
	first.PlannedStartMonth = &calendar.Month{Year: 2021, Month: time.April}
	second := entry(a, 2, 1, &july)
	second.Removed, second.Reason = true, "调出"
	other := entry(b, 1, 0, &issued)
	for _, e := range []plan.Entry{second, first, other} {
		s.AddEntry(t, e)
	}
	got, err := s.Store.Entries(ctx, 2021, a)
	require.NoError(t, err)
	assert.Equal(t, []plan.Entry{first, second}, got)
	all, err := s.Store.Entries(ctx, 2021, "")
	require.NoError(t, err)
	assert.Subset(t, all, []plan.Entry{first, second, other})
	none, err := s.Store.Entries(ctx, 2022, a)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func lookups(t *testing.T, s Setup) {
	ctx := context.Background()
	a := s.NewProject(t, "山水白羊一期", ptr(int64(340_000_000)))
	b := s.NewProject(t, "国昶", nil)
	got, err := s.Store.Projects(ctx, []string{a, b})
	require.NoError(t, err)
	assert.Equal(t, map[string]dispatch.ProjectInfo{
		a: {Name: "山水白羊一期", Department: "energy", TotalInvestmentYuan: ptr(int64(340_000_000))},
		b: {Name: "国昶", Department: "energy"},
	}, got)
	none, err := s.Store.Projects(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, none)
	names, err := s.Store.DepartmentNames(ctx)
	require.NoError(t, err)
	assert.Equal(t, "能源局", names["energy"])
	i1, i2 := s.AddIssue(t, a), s.AddIssue(t, a)
	blockers, err := s.Store.Blockers(ctx, a)
	require.NoError(t, err)
	require.Len(t, blockers, 2)
	assert.ElementsMatch(t, []string{i1, i2}, []string{blockers[0].ID, blockers[1].ID})
	for _, bl := range blockers {
		assert.Equal(t, issue.Fields{Title: "用地手续", Kind: "land", ResponsibleDepartment: "energy", Status: issue.Open}, bl.Fields)
		assert.Equal(t, a, bl.ProjectID)
	}
	blockers, err = s.Store.Blockers(ctx, b)
	require.NoError(t, err)
	assert.Empty(t, blockers)
	require.NoError(t, s.Store.MarkHealthDue(ctx, time.Date(2021, 5, 6, 0, 0, 0, 0, time.UTC)))
}
