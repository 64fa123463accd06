package investment_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/investment"
	"github.com/guangling/pipeline/internal/project"
)

// shanghai is the county's zone, whose calendar sets "today".
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// now is the tests' clock: 15 June 2021, 10:00 in Shanghai, with more
// precision than is stored; stamped is it as the service stores it.
var (
	now     = time.Date(2021, 6, 15, 10, 0, 0, 123456789, shanghai)
	stamped = time.Date(2021, 6, 15, 2, 0, 0, 123456000, time.UTC)
	earlier = time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
)

// plan2021 is the energy project's plan for 2021, set before a test.
var plan2021 = investment.Plan{ProjectID: energyProject, Year: 2021, PlannedYuan: 1200, Version: 2, UpdatedAt: earlier, UpdatedBy: "bureau"}

func planSet(by string, year int, yuan int64, version int) investment.Plan {
	return investment.Plan{ProjectID: energyProject, Year: year, PlannedYuan: yuan, Version: version, UpdatedAt: stamped, UpdatedBy: by}
}

func planView(year int, yuan int64, version int) map[string]any {
	return map[string]any{"year": year, "planned_investment_yuan": yuan, "version": version}
}

// planRecord is the audit record of a plan's change.
func planRecord(before, after map[string]any) *audit.Record {
	r := &audit.Record{Action: investment.ActionPlanSet, ResourceType: project.ResourceType, ResourceID: energyProject, After: after}
	if before != nil {
		r.Before = before
	}
	return r
}

func yearError(max int) []apperr.FieldError {
	return []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000.." + strconv.Itoa(max)}}
}

var yuanError = apperr.FieldError{Field: "planned_investment_yuan", Code: "out_of_range", Param: "0..10000000000000"}

func TestPutPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		now        time.Time // now when set
		as         identity.Principal
		id         string
		year       int
		yuan       int64
		ifMatch    int
		set        bool // plan2021 is set before
		want       investment.Plan
		created    bool
		audit      *audit.Record // the record of the change, when one is made
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "a first plan is created at version 1", as: energyEditor, year: 2021, yuan: 1200,
			want: planSet("energy_editor", 2021, 1200, 1), created: true,
			audit: planRecord(nil, planView(2021, 1200, 1))},
		{name: "a new figure replaces the plan, a version up", as: energyEditor, year: 2021, yuan: 1500, set: true,
			want:  planSet("energy_editor", 2021, 1500, 3),
			audit: planRecord(planView(2021, 1200, 2), planView(2021, 1500, 3))},
		{name: "the same figure again changes nothing", as: energyEditor, year: 2021, yuan: 1200, set: true, want: plan2021},
		{name: "the same figure with the plan's version changes nothing", as: energyEditor, year: 2021, yuan: 1200, ifMatch: 2, set: true, want: plan2021},
		{name: "If-Match naming the plan's version", as: energyEditor, year: 2021, yuan: 1500, ifMatch: 2, set: true,
			want:  planSet("energy_editor", 2021, 1500, 3),
			audit: planRecord(planView(2021, 1200, 2), planView(2021, 1500, 3))},
		{name: "another year's plan is a plan of its own", as: energyEditor, year: 2022, yuan: 9, set: true,
			want: planSet("energy_editor", 2022, 9, 1), created: true,
			audit: planRecord(nil, planView(2022, 9, 1))},
		{name: "a stale If-Match", as: energyEditor, year: 2021, yuan: 1500, ifMatch: 1, set: true, wantErr: apperr.ErrVersionConflict},
		{name: "a stale If-Match with the same figure", as: energyEditor, year: 2021, yuan: 1200, ifMatch: 3, set: true, wantErr: apperr.ErrVersionConflict},
		{name: "If-Match on a plan not set", as: energyEditor, year: 2021, yuan: 1200, ifMatch: 1, wantErr: apperr.ErrVersionConflict},

		{name: "the year 2000", as: bureau, year: 2000, yuan: 1, want: planSet("bureau", 2000, 1, 1), created: true,
			audit: planRecord(nil, planView(2000, 1, 1))},
		{name: "ten years ahead", as: admin, year: 2031, yuan: 1, want: planSet("admin", 2031, 1, 1), created: true,
			audit: planRecord(nil, planView(2031, 1, 1))},
		{name: "a year before 2000", as: energyEditor, year: 1999, yuan: 1, wantFields: yearError(2031)},
		{name: "a year more than ten years ahead", as: energyEditor, year: 2032, yuan: 1, wantFields: yearError(2031)},
		{name: "ten years ahead of the new year in Shanghai, still the old one in UTC", as: energyEditor, year: 2032, yuan: 1,
			now: time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC), created: true,
			want: investment.Plan{ProjectID: energyProject, Year: 2032, PlannedYuan: 1, Version: 1,
				UpdatedAt: time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC), UpdatedBy: "energy_editor"},
			audit: planRecord(nil, planView(2032, 1, 1))},
		{name: "eleven years ahead just before the new year in Shanghai", as: energyEditor, year: 2032, yuan: 1,
			now: time.Date(2021, 12, 31, 15, 59, 59, 0, time.UTC), wantFields: yearError(2031)},
		{name: "a plan of nothing", as: energyEditor, year: 2021, yuan: 0, want: planSet("energy_editor", 2021, 0, 1), created: true,
			audit: planRecord(nil, planView(2021, 0, 1))},
		{name: "the most money", as: energyEditor, year: 2021, yuan: project.MaxYuan, want: planSet("energy_editor", 2021, project.MaxYuan, 1), created: true,
			audit: planRecord(nil, planView(2021, project.MaxYuan, 1))},
		{name: "more than the most money", as: energyEditor, year: 2021, yuan: project.MaxYuan + 1, wantFields: []apperr.FieldError{yuanError}},
		{name: "a negative figure", as: energyEditor, year: 2021, yuan: -1, wantFields: []apperr.FieldError{yuanError}},
		{name: "every problem at once", as: energyEditor, year: 1999, yuan: -1, wantFields: append(yearError(2031), yuanError)},

		{name: "a client with projects:write", as: clientPlans, year: 2021, yuan: 7, want: planSet("能源局系统", 2021, 7, 1), created: true,
			audit: planRecord(nil, planView(2021, 7, 1))},
		{name: "a client without projects:write", as: clientProgress, year: 2021, yuan: 7, wantErr: apperr.ErrForbidden},
		{name: "a client that may only read", as: clientRead, year: 2021, yuan: 7, wantErr: apperr.ErrForbidden},
		{name: "a department viewer", as: energyViewer, year: 2021, yuan: 7, wantErr: apperr.ErrForbidden},
		{name: "a leader", as: leader, year: 2021, yuan: 7, wantErr: apperr.ErrForbidden},
		{name: "another department's project", as: industryEditor, year: 2021, yuan: 7, set: true, wantErr: apperr.ErrNotFound},
		{name: "a project that does not exist", as: bureau, id: "p-none", year: 2021, yuan: 7, wantErr: apperr.ErrNotFound},
		{name: "an archived project", as: bureau, id: archivedProject, year: 2021, yuan: 7, wantErr: errArchived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := now
			if !tt.now.IsZero() {
				clock = tt.now
			}
			f := newFixture(clock)
			var before []investment.Plan
			if tt.set {
				f.putPlans(t, plan2021)
				before = []investment.Plan{plan2021}
			}
			id := tt.id
			if id == "" {
				id = energyProject
			}
			got, created, err := f.svc.PutPlan(context.Background(), tt.as, id, tt.year, tt.yuan, tt.ifMatch)
			if tt.wantErr != nil || tt.wantFields != nil {
				requireErr(t, tt.wantErr, tt.wantFields, err)
				assert.Equal(t, before, nilIfEmpty(f.plans(t, energyProject)), "a refused change stores nothing")
				assert.Empty(t, f.auditor.records, "a refused change is not audited")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.created, created, "created")
			stored := f.plans(t, energyProject)
			assert.Contains(t, stored, tt.want, "the plan is stored")
			if tt.created {
				assert.Len(t, stored, len(before)+1, "a plan added")
			} else {
				assert.Len(t, stored, len(before), "a plan replaced")
			}
			if tt.audit == nil {
				assert.Empty(t, f.auditor.records, "an unchanged plan is not audited")
			} else {
				assert.Equal(t, []audited{{tt.as, *tt.audit}}, f.auditor.records)
			}
			assert.Equal(t, 1, f.register.within, "the change is made within the register, which computes health again")
		})
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestPutPlanFailures shows a failure of the store or of the audit trail
// failing the change: the register, whose transaction the change joins,
// then writes nothing.
func TestPutPlanFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fail func(f *fixture)
	}{
		{"plans not read", func(f *fixture) { f.store.Fail("Plans", boom) }},
		{"plan not written", func(f *fixture) { f.store.Fail("PutPlan", boom) }},
		{"audit entry not written", func(f *fixture) { f.auditor.err = boom }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			f.putPlans(t, plan2021)
			tt.fail(f)
			_, _, err := f.svc.PutPlan(context.Background(), energyEditor, energyProject, 2021, 1500, 0)
			require.ErrorIs(t, err, boom)
			assert.Zero(t, f.register.within, "the register's change is abandoned")
		})
	}
}

func TestPlans(t *testing.T) {
	t.Parallel()
	f := newFixture(now)
	p2020 := investment.Plan{ProjectID: energyProject, Year: 2020, PlannedYuan: 1, Version: 1, UpdatedAt: earlier, UpdatedBy: "bureau"}
	p2031 := investment.Plan{ProjectID: energyProject, Year: 2031, PlannedYuan: 3, Version: 4, UpdatedAt: earlier, UpdatedBy: "bureau"}
	f.putPlans(t, p2031, plan2021, p2020,
		investment.Plan{ProjectID: industryProject, Year: 2021, PlannedYuan: 5, Version: 1, UpdatedAt: earlier, UpdatedBy: "bureau"})
	for _, tt := range []struct {
		name    string
		as      identity.Principal
		id      string
		want    []investment.Plan
		wantErr error
	}{
		{"by year", energyViewer, energyProject, []investment.Plan{p2020, plan2021, p2031}, nil},
		{"a leader reads every department's", leader, industryProject, f.plans(t, industryProject), nil},
		{"a client that may read", clientRead, energyProject, []investment.Plan{p2020, plan2021, p2031}, nil},
		{"an archived project's are read", bureau, archivedProject, []investment.Plan{}, nil},
		{"another department's project", energyViewer, industryProject, nil, apperr.ErrNotFound},
		{"a project that does not exist", admin, "p-none", nil, apperr.ErrNotFound},
		{"a client that may not read projects", clientBlind, energyProject, nil, apperr.ErrForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.svc.Plans(context.Background(), tt.as, tt.id)
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
		f := newFixture(now)
		boom := errors.New("boom")
		f.store.Fail("Plans", boom)
		_, err := f.svc.Plans(context.Background(), bureau, energyProject)
		require.ErrorIs(t, err, boom)
	})
}
