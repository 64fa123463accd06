package plan_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// TestPutDefaults: what a PUT leaves out takes its default, and the answer
// says where each came from.
func TestPutDefaults(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		id           string
		fields       plan.Fields
		want         plan.Entry
		wantDefaults plan.Defaults
	}{
		{name: "started before the year: 续建, the rest from the project", id: windProject,
			want: plan.Entry{BuildType: plan.Continuing, BuildTypeSource: plan.SourceStartedBefore, KeyLevel: "county",
				Department: "energy", Leader: "王县长", Section: plan.Industry},
			wantDefaults: plan.Defaults{"build_type": "started_before_year", "key_level": "project", "department": "project",
				"leader": "project", "section": "category", "opening_cumulative_yuan": "derived"}},
		{name: "signed: 新建", id: zincProject,
			want: plan.Entry{BuildType: plan.New, BuildTypeSource: plan.SourceStage, KeyLevel: "city", Department: "industry",
				Leader: "李副县长", Section: plan.Industry},
			wantDefaults: plan.Defaults{"build_type": "stage", "key_level": "project", "department": "project",
				"leader": "project", "section": "category", "opening_cumulative_yuan": "derived"}},
		{name: "at planning: 前期, a social project in 民生", id: schoolProject,
			want: plan.Entry{BuildType: plan.Preliminary, BuildTypeSource: plan.SourceDefault, KeyLevel: "none", Department: "education",
				Section: plan.Livelihood},
			wantDefaults: plan.Defaults{"build_type": "default", "key_level": "project", "department": "project",
				"leader": "project", "section": "category", "opening_cumulative_yuan": "derived"}},
		{name: "every field given", id: windProject,
			fields: plan.Fields{BuildType: plan.New, KeyLevel: "province", PlannedYuan: ptr(int64(120_000_000)),
				PlannedStartMonth: &calendar.Month{Year: 2021, Month: time.May}, PlannedCompletionOn: day("2021-11-30"),
				PlannedProductionOn: day("2021-12-31"), Goals: "  完成主体工程 ", Department: "industry", Leader: "张书记",
				Section: plan.Infrastructure, Stalled: true, StalledReason: "资金未落实", OpeningYuan: ptr(int64(9))},
			want: plan.Entry{BuildType: plan.New, BuildTypeSource: plan.SourceSet, KeyLevel: "province", PlannedYuan: ptr(int64(120_000_000)),
				PlannedStartMonth: &calendar.Month{Year: 2021, Month: time.May}, PlannedCompletionOn: day("2021-11-30"),
				PlannedProductionOn: day("2021-12-31"), Goals: "完成主体工程", Department: "industry", Leader: "张书记",
				Section: plan.Infrastructure, Stalled: true, StalledReason: "资金未落实", OpeningYuan: ptr(int64(9))},
			wantDefaults: plan.Defaults{}},
		{name: "a stall reason without the flag is dropped", id: zincProject,
			fields: plan.Fields{BuildType: plan.Preliminary, StalledReason: "x", Leader: "李副县长", Department: "industry", KeyLevel: "city", Section: plan.Industry},
			want: plan.Entry{BuildType: plan.Preliminary, BuildTypeSource: plan.SourceSet, KeyLevel: "city", Department: "industry",
				Leader: "李副县长", Section: plan.Industry},
			wantDefaults: plan.Defaults{"opening_cumulative_yuan": "derived"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			w, err := f.svc.Put(context.Background(), bureau, 2021, tt.id, tt.fields, plan.Change{}, 0)
			require.NoError(t, err)
			assert.True(t, w.Created)
			assert.Equal(t, tt.wantDefaults, w.Defaults)
			want := tt.want
			want.Year, want.ProjectID, want.Version, want.RecordedAt, want.RecordedBy = 2021, tt.id, 1, stamped, "bureau"
			got := w.Entry
			got.Project = plan.Summary{}
			assert.Equal(t, want, got)
			pl, err := f.store.LockPlan(context.Background(), 2021)
			require.NoError(t, err)
			assert.Equal(t, plan.Plan{Year: 2021, State: plan.Draft, Version: 1, UpdatedAt: stamped, UpdatedBy: "bureau"}, pl,
				"the first entry makes the year's plan a draft, its first version")
			assert.Equal(t, []string{plan.ActionEntrySet}, f.auditor.actions())
		})
	}
}

// TestPutRefused: bad input and callers who may not write get a clear
// error, and nothing changes.
func TestPutRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		as         identity.Principal
		id         string
		year       int
		fields     plan.Fields
		ch         plan.Change
		issued     bool
		ifMatch    int
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "a department editor", as: energyEditor, id: windProject, wantErr: apperr.ErrForbidden},
		{name: "the leader", as: leader, id: windProject, wantErr: apperr.ErrForbidden},
		{name: "an archived project", as: bureau, id: archivedProject, wantErr: errArchived},
		{name: "an unknown project", as: bureau, id: missingProject, wantErr: apperr.ErrNotFound},
		{name: "an unknown department", as: bureau, id: windProject, fields: plan.Fields{Department: "zz_none"},
			wantFields: []apperr.FieldError{{Field: "department", Code: "unknown"}}},
		{name: "a year out of range", as: bureau, id: windProject, year: 1999,
			wantFields: []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2999"}}},
		{name: "a negative amount", as: bureau, id: windProject, fields: plan.Fields{PlannedYuan: ptr(int64(-1)), OpeningYuan: ptr(int64(-2))},
			wantFields: []apperr.FieldError{{Field: "planned_investment_yuan", Code: "out_of_range", Param: "0..10000000000000"},
				{Field: "opening_cumulative_yuan", Code: "out_of_range", Param: "0..10000000000000"}}},
		{name: "a month outside the year", as: bureau, id: windProject, fields: plan.Fields{PlannedStartMonth: &calendar.Month{Year: 2022, Month: 1}},
			wantFields: []apperr.FieldError{{Field: "planned_start_month", Code: "out_of_range", Param: "2021-01..2021-12"}}},
		{name: "stalled without a reason", as: bureau, id: windProject, fields: plan.Fields{Stalled: true, StalledReason: "  "},
			wantFields: []apperr.FieldError{{Field: "stalled_reason", Code: "required"}}},
		{name: "values outside their lists", as: bureau, id: windProject, fields: plan.Fields{BuildType: "old", KeyLevel: "top", Section: "misc"},
			wantFields: []apperr.FieldError{{Field: "build_type", Code: "invalid_value", Param: "new,continuing,preliminary"},
				{Field: "key_level", Code: "invalid_value", Param: "none,county,city,province,national"},
				{Field: "section", Code: "invalid_value", Param: "industry,infrastructure,livelihood,real_estate"}}},
		{name: "production before completion", as: bureau, id: windProject, fields: plan.Fields{PlannedCompletionOn: day("2021-10-01"), PlannedProductionOn: day("2021-09-01")},
			wantFields: []apperr.FieldError{{Field: "planned_production_on", Code: "date_order", Param: "planned_completion_on"}}},
		{name: "a version that is not the entry's", as: bureau, id: windProject, ifMatch: 3, wantErr: apperr.ErrVersionConflict},
		{name: "an issued plan without a reason", as: bureau, id: zincProject, issued: true,
			wantFields: []apperr.FieldError{{Field: "reason", Code: "required"}}},
		{name: "an effective day before the 下达 day", as: bureau, id: zincProject, issued: true, ch: plan.Change{Reason: "调入", EffectiveOn: day("2021-01-19")},
			wantFields: []apperr.FieldError{{Field: "effective_on", Code: "out_of_range", Param: "2021-01-20..2021-06-15"}}},
		{name: "an effective day after today", as: bureau, id: zincProject, issued: true, ch: plan.Change{Reason: "调入", EffectiveOn: day("2021-06-16")},
			wantFields: []apperr.FieldError{{Field: "effective_on", Code: "out_of_range", Param: "2021-01-20..2021-06-15"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			f.put(t, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(5))}, plan.Change{})
			if tt.issued {
				f.issue(t, 2021, "2021-01-20")
			}
			before, err := f.store.States(context.Background(), project.Reach{All: true}, 2021, "")
			require.NoError(t, err)
			pl, err := f.store.LockPlan(context.Background(), 2021)
			require.NoError(t, err)
			year := tt.year
			if year == 0 {
				year = 2021
			}
			_, err = f.svc.Put(context.Background(), tt.as, year, tt.id, tt.fields, tt.ch, tt.ifMatch)
			if tt.wantFields != nil {
				requireFields(t, tt.wantFields, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
			}
			after, err := f.store.States(context.Background(), project.Reach{All: true}, 2021, "")
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing changed")
			again, err := f.store.LockPlan(context.Background(), 2021)
			require.NoError(t, err)
			assert.Equal(t, pl, again)
		})
	}
}

// TestPutDraftAndIssued: a draft's entry changes in place; an issued
// plan's changes by adjustments, each numbered and dated; the same PUT sent
// twice changes nothing.
func TestPutDraftAndIssued(t *testing.T) {
	t.Parallel()
	f := newFixture(now)
	ctx := context.Background()
	first := f.put(t, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(100))}, plan.Change{})
	second, err := f.svc.Put(ctx, bureau, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(120))}, plan.Change{Reason: "ignored"}, first.Entry.Version)
	require.NoError(t, err)
	assert.False(t, second.Created)
	assert.Equal(t, 2, second.Entry.Version)
	assert.Empty(t, second.Entry.Reason, "a draft keeps no reasons")
	states, err := f.store.States(ctx, project.Reach{All: true}, 2021, windProject)
	require.NoError(t, err)
	require.Len(t, states, 1, "a draft's entry changes in place")

	same, err := f.svc.Put(ctx, bureau, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(120))}, plan.Change{}, 0)
	require.NoError(t, err)
	assert.Equal(t, second.Entry.Version, same.Entry.Version, "the same PUT again: no new version")
	assert.False(t, same.Created)

	f.issue(t, 2021, "2021-01-20")
	adj, err := f.svc.Put(ctx, bureau, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(150))}, plan.Change{Reason: " 追加投资 "}, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, adj.Entry.Revision)
	assert.Equal(t, day("2021-06-15"), adj.Entry.EffectiveOn, "effective today by default")
	assert.Equal(t, "追加投资", adj.Entry.Reason)
	assert.Equal(t, plan.SourceStartedBefore, adj.Entry.BuildTypeSource, "a default stays a default")
	twice, err := f.svc.Put(ctx, bureau, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(150))}, plan.Change{Reason: "追加投资"}, 0)
	require.NoError(t, err)
	assert.Equal(t, adj.Entry.Version, twice.Entry.Version, "a double submit makes no second adjustment")

	_, err = f.svc.Put(ctx, bureau, 2021, zincProject, plan.Fields{}, plan.Change{Reason: "调入", EffectiveOn: day("2021-06-01")}, 0)
	requireFields(t, []apperr.FieldError{{Field: "effective_on", Code: "out_of_range", Param: "2021-06-15..2021-06-15"}}, err) // not before the plan's latest adjustment, of another entry
	added, err := f.svc.Put(ctx, bureau, 2021, zincProject, plan.Fields{}, plan.Change{Reason: "调入"}, 0)
	require.NoError(t, err)
	assert.True(t, added.Created)
	assert.Equal(t, 2, added.Entry.Revision)
	_, err = f.svc.Put(ctx, bureau, 2021, windProject, plan.Fields{PlannedYuan: ptr(int64(1))}, plan.Change{Reason: "x", EffectiveOn: day("2021-06-14")}, 0)
	requireFields(t, []apperr.FieldError{{Field: "effective_on", Code: "out_of_range", Param: "2021-06-15..2021-06-15"}}, err)

	pl, err := f.store.LockPlan(ctx, 2021)
	require.NoError(t, err)
	assert.Equal(t, 2, pl.Revisions)
	assert.Equal(t, 5, pl.Version, "two changes, issued, two adjustments")
	assert.Equal(t, []string{plan.ActionEntrySet, plan.ActionEntrySet, plan.ActionIssue, plan.ActionEntrySet, plan.ActionEntrySet}, f.auditor.actions())
}

// TestAdjustmentsInOrder: an adjustment may not take effect before the
// plan's latest adjustment, of whichever entry, so that the revision an
// answer names includes every earlier-numbered one.
func TestAdjustmentsInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(time.Date(2021, 8, 4, 10, 0, 0, 0, shanghai))
	ctx := context.Background()
	f.put(t, 2021, windProject, plan.Fields{}, plan.Change{})
	f.issue(t, 2021, "2021-01-20")
	for _, tc := range []struct {
		name, id, on string
		want         []apperr.FieldError
	}{
		{"May", windProject, "2021-05-10", nil},
		{"July, another entry", zincProject, "2021-07-01", nil},
		{"the same day", windProject, "2021-07-01", nil},
		{"backdated behind July", schoolProject, "2021-03-01",
			[]apperr.FieldError{{Field: "effective_on", Code: "out_of_range", Param: "2021-07-01..2021-08-04"}}},
		{"after July", schoolProject, "2021-07-02", nil},
	} {
		_, err := f.svc.Put(ctx, bureau, 2021, tc.id, plan.Fields{Goals: tc.name}, plan.Change{Reason: tc.name, EffectiveOn: day(tc.on)}, 0)
		if tc.want == nil {
			require.NoError(t, err, tc.name)
			continue
		}
		requireFields(t, tc.want, err)
	}
	pls, err := f.store.Plans(ctx, 2021)
	require.NoError(t, err)
	require.Len(t, pls, 1)
	assert.Equal(t, 4, pls[0].Revisions, "the backdated adjustment was not made")
	adjs, err := f.store.Adjustments(ctx, 2021)
	require.NoError(t, err)
	assert.Equal(t, *day("2021-07-02"), adjs[4])
}

// TestPutPastYear: an adjustment of a past year's plan is effective on 31
// December by default.
func TestPutPastYear(t *testing.T) {
	t.Parallel()
	f := newFixture(now)
	f.put(t, 2020, windProject, plan.Fields{}, plan.Change{})
	_, err := f.svc.Issue(context.Background(), bureau, 2020, nil)
	require.NoError(t, err)
	pl, err := f.store.LockPlan(context.Background(), 2020)
	require.NoError(t, err)
	assert.Equal(t, day("2020-12-31"), pl.IssuedOn, "issued on 31 December of a past year by default")
	w, err := f.svc.Put(context.Background(), bureau, 2020, windProject, plan.Fields{Goals: "补录"}, plan.Change{Reason: "补录"}, 0)
	require.NoError(t, err)
	assert.Equal(t, day("2020-12-31"), w.Entry.EffectiveOn)
}

// TestWriteFailures: a failing store or audit trail fails the change, and
// the transaction leaves nothing behind.
func TestWriteFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, method := range []string{"LockPlan", "CreatePlan", "SavePlan", "States", "AddState", "audit"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			if method == "audit" {
				f.auditor.err = boom
			} else {
				f.store.Fail(method, boom)
			}
			_, err := f.svc.Put(context.Background(), bureau, 2021, windProject, plan.Fields{}, plan.Change{}, 0)
			require.ErrorIs(t, err, boom)
			f.store.Fail(method, nil)
			_, err = f.store.LockPlan(context.Background(), 2021)
			require.ErrorIs(t, err, apperr.ErrNotFound, "rolled back")
		})
	}
}

// TestNotifyAfterAPlanChange: issuing a plan and setting its targets tell
// whoever asked, once committed; a refused change tells nobody.
func TestNotifyAfterAPlanChange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(time.Date(2021, 3, 1, 2, 0, 0, 0, time.UTC))
	told := 0
	f.svc.Notify(func() { told++ })
	_, err := f.svc.PutTargets(ctx, bureau, 2021, plan.DefaultTargets(2021))
	require.NoError(t, err)
	assert.Equal(t, 1, told, "targets set")
	_, err = f.svc.Issue(ctx, bureau, 2021, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, told, "the plan issued")
	_, err = f.svc.Issue(ctx, bureau, 2021, nil)
	require.Error(t, err)
	assert.Equal(t, 2, told, "issuing twice is refused and tells nobody")
}
