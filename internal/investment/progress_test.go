package investment_test

import (
	"context"
	"errors"
	"strings"
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

func period(year int, month time.Month) investment.Period {
	return investment.Period{Year: year, Month: month}
}

// may2021 is the energy project's report of May 2021, made before a test.
var may2021 = investment.Progress{ProjectID: energyProject, Period: period(2021, time.May), CompletedYuan: 100, Note: "首次填报",
	Version: 1, UpdatedAt: earlier, ReportedBy: "energy_editor"}

func report(by string, p investment.Period, yuan int64, note string, version int) investment.Progress {
	return investment.Progress{ProjectID: energyProject, Period: p, CompletedYuan: yuan, Note: note, Version: version, UpdatedAt: stamped, ReportedBy: by}
}

func progressView(p investment.Period, yuan int64, note string, version int) map[string]any {
	return map[string]any{"period": p.String(), "completed_yuan": yuan, "note": note, "version": version}
}

// progressRecord is the audit record of a report.
func progressRecord(before, after map[string]any) *audit.Record {
	r := &audit.Record{Action: investment.ActionProgress, ResourceType: project.ResourceType, ResourceID: energyProject, After: after}
	if before != nil {
		r.Before = before
	}
	return r
}

func futureError(this string) []apperr.FieldError {
	return []apperr.FieldError{{Field: "period", Code: "in_future", Param: this}}
}

var (
	completedError = apperr.FieldError{Field: "completed_yuan", Code: "out_of_range", Param: "0..10000000000000"}
	noteError      = apperr.FieldError{Field: "note", Code: "too_long", Param: "2000"}
)

func TestPutProgress(t *testing.T) {
	t.Parallel()
	june := period(2021, time.June)
	tests := []struct {
		name       string
		now        time.Time // now when set
		as         identity.Principal
		id         string
		period     investment.Period
		yuan       int64
		note       string
		ifMatch    int
		set        bool // may2021 is reported before
		want       investment.Progress
		created    bool
		audit      *audit.Record // the record of the change, when one is made
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "a first report is created at version 1", as: energyEditor, period: may2021.Period, yuan: 100, note: "首次填报",
			want: report("energy_editor", may2021.Period, 100, "首次填报", 1), created: true,
			audit: progressRecord(nil, progressView(may2021.Period, 100, "首次填报", 1))},
		{name: "a second report corrects the first, a version up", as: energyEditor, period: may2021.Period, yuan: 150, note: "更正", set: true,
			want:  report("energy_editor", may2021.Period, 150, "更正", 2),
			audit: progressRecord(progressView(may2021.Period, 100, "首次填报", 1), progressView(may2021.Period, 150, "更正", 2))},
		{name: "a new note alone is a correction", as: bureau, period: may2021.Period, yuan: 100, note: "", set: true,
			want:  report("bureau", may2021.Period, 100, "", 2),
			audit: progressRecord(progressView(may2021.Period, 100, "首次填报", 1), progressView(may2021.Period, 100, "", 2))},
		{name: "the same report again changes nothing", as: energyEditor, period: may2021.Period, yuan: 100, note: "首次填报", set: true, want: may2021},
		{name: "If-Match naming the report's version", as: energyEditor, period: may2021.Period, yuan: 150, ifMatch: 1, set: true,
			want:  report("energy_editor", may2021.Period, 150, "", 2),
			audit: progressRecord(progressView(may2021.Period, 100, "首次填报", 1), progressView(may2021.Period, 150, "", 2))},
		{name: "a stale If-Match", as: energyEditor, period: may2021.Period, yuan: 150, ifMatch: 2, set: true, wantErr: apperr.ErrVersionConflict},
		{name: "If-Match on a month not reported", as: energyEditor, period: june, yuan: 1, ifMatch: 1, set: true, wantErr: apperr.ErrVersionConflict},
		{name: "the same month of another year is a report of its own", as: energyEditor, period: period(2020, time.May), yuan: 7, set: true,
			want: report("energy_editor", period(2020, time.May), 7, "", 1), created: true,
			audit: progressRecord(nil, progressView(period(2020, time.May), 7, "", 1))},

		{name: "the current month, begun", as: energyEditor, period: june, yuan: 40,
			want: report("energy_editor", june, 40, "", 1), created: true, audit: progressRecord(nil, progressView(june, 40, "", 1))},
		{name: "next month", as: energyEditor, period: period(2021, time.July), yuan: 1, wantFields: futureError("2021-06")},
		{name: "a month before the register's first year", as: energyEditor, period: period(1999, time.December), yuan: 1,
			wantFields: []apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}}},
		{name: "month zero", as: energyEditor, period: period(2021, 0), yuan: 1,
			wantFields: []apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}}},
		{name: "year zero, which the store reads as every year", as: energyEditor, period: period(0, time.May), yuan: 1,
			wantFields: []apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}}},
		{name: "January next year", as: energyEditor, period: period(2022, time.January), yuan: 1, wantFields: futureError("2021-06")},
		{name: "a month begun in Shanghai, not yet in UTC", as: energyEditor, period: period(2021, time.July), yuan: 1,
			now: time.Date(2021, 6, 30, 16, 0, 0, 0, time.UTC), created: true,
			want: investment.Progress{ProjectID: energyProject, Period: period(2021, time.July), CompletedYuan: 1, Version: 1,
				UpdatedAt: time.Date(2021, 6, 30, 16, 0, 0, 0, time.UTC), ReportedBy: "energy_editor"},
			audit: progressRecord(nil, progressView(period(2021, time.July), 1, "", 1))},
		{name: "a month not begun in Shanghai", as: energyEditor, period: period(2021, time.July), yuan: 1,
			now: time.Date(2021, 6, 30, 15, 59, 59, 0, time.UTC), wantFields: futureError("2021-06")},
		{name: "nothing completed", as: energyEditor, period: june, yuan: 0,
			want: report("energy_editor", june, 0, "", 1), created: true, audit: progressRecord(nil, progressView(june, 0, "", 1))},
		{name: "a negative figure", as: energyEditor, period: june, yuan: -1, wantFields: []apperr.FieldError{completedError}},
		{name: "more than the most money", as: energyEditor, period: june, yuan: project.MaxYuan + 1, wantFields: []apperr.FieldError{completedError}},
		{name: "the longest note", as: energyEditor, period: june, yuan: 1, note: strings.Repeat("进", project.MaxNote),
			want: report("energy_editor", june, 1, strings.Repeat("进", project.MaxNote), 1), created: true,
			audit: progressRecord(nil, progressView(june, 1, strings.Repeat("进", project.MaxNote), 1))},
		{name: "a note too long", as: energyEditor, period: june, yuan: 1, note: strings.Repeat("进", project.MaxNote+1),
			wantFields: []apperr.FieldError{noteError}},
		{name: "a note with a control character", as: energyEditor, period: june, yuan: 1, note: "a\x00b",
			wantFields: []apperr.FieldError{{Field: "note", Code: "invalid_format"}}},
		{name: "every problem at once", as: energyEditor, period: period(2021, time.July), yuan: -1, note: strings.Repeat("进", project.MaxNote+1),
			wantFields: append(futureError("2021-06"), completedError, noteError)},

		{name: "a client with progress:write", as: clientProgress, period: june, yuan: 3,
			want: report("能源局系统", june, 3, "", 1), created: true, audit: progressRecord(nil, progressView(june, 3, "", 1))},
		{name: "an administrator", as: admin, period: june, yuan: 3,
			want: report("admin", june, 3, "", 1), created: true, audit: progressRecord(nil, progressView(june, 3, "", 1))},
		{name: "a client with projects:write only", as: clientPlans, period: june, yuan: 3, wantErr: apperr.ErrForbidden},
		{name: "a client that may only read", as: clientRead, period: june, yuan: 3, wantErr: apperr.ErrForbidden},
		{name: "a department viewer", as: energyViewer, period: june, yuan: 3, wantErr: apperr.ErrForbidden},
		{name: "a leader", as: leader, period: june, yuan: 3, wantErr: apperr.ErrForbidden},
		{name: "another department's project", as: industryEditor, period: june, yuan: 3, set: true, wantErr: apperr.ErrNotFound},
		{name: "a project that does not exist", as: bureau, id: "p-none", period: june, yuan: 3, wantErr: apperr.ErrNotFound},
		{name: "an archived project", as: bureau, id: archivedProject, period: june, yuan: 3, wantErr: errArchived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := now
			if !tt.now.IsZero() {
				clock = tt.now
			}
			f := newFixture(clock)
			var before []investment.Progress
			if tt.set {
				f.putProgress(t, may2021)
				before = []investment.Progress{may2021}
			}
			id := tt.id
			if id == "" {
				id = energyProject
			}
			got, created, err := f.svc.PutProgress(context.Background(), tt.as, id, tt.period, tt.yuan, tt.note, tt.ifMatch)
			if tt.wantErr != nil || tt.wantFields != nil {
				requireErr(t, tt.wantErr, tt.wantFields, err)
				assert.Equal(t, before, nilIfEmpty(f.progress(t, energyProject)), "a refused report stores nothing")
				assert.Empty(t, f.auditor.records, "a refused report is not audited")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.created, created, "created")
			stored := f.progress(t, energyProject)
			assert.Contains(t, stored, tt.want, "the report is stored")
			if tt.created {
				assert.Len(t, stored, len(before)+1, "a month added")
			} else {
				assert.Len(t, stored, len(before), "a month replaced")
			}
			if tt.audit == nil {
				assert.Empty(t, f.auditor.records, "an unchanged report is not audited")
			} else {
				assert.Equal(t, []audited{{tt.as, *tt.audit}}, f.auditor.records)
			}
			assert.Equal(t, 1, f.register.within, "the change is made within the register, which computes health again")
		})
	}
}

// TestPutProgressFailures shows a failure of the store or of the audit
// trail failing the report.
func TestPutProgressFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fail func(f *fixture)
	}{
		{"months not read", func(f *fixture) { f.store.Fail("ProgressOf", boom) }},
		{"report not written", func(f *fixture) { f.store.Fail("PutProgress", boom) }},
		{"audit entry not written", func(f *fixture) { f.auditor.err = boom }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			f.putProgress(t, may2021)
			tt.fail(f)
			_, _, err := f.svc.PutProgress(context.Background(), energyEditor, energyProject, may2021.Period, 150, "", 0)
			require.ErrorIs(t, err, boom)
			assert.Zero(t, f.register.within, "the register's change is abandoned")
			f.store.Fail("ProgressOf", nil)
			months, err := f.store.ProgressOf(context.Background(), energyProject, 2021)
			require.NoError(t, err)
			assert.Equal(t, []investment.Progress{may2021}, months, "the report stays as it was")
		})
	}
}

func TestInvestment(t *testing.T) {
	t.Parallel()
	f := newFixture(now)
	month := func(id string, year int, m time.Month, yuan int64) investment.Progress {
		return investment.Progress{ProjectID: id, Period: period(year, m), CompletedYuan: yuan, Version: 1, UpdatedAt: earlier, ReportedBy: "bureau"}
	}
	f.putProgress(t, month(energyProject, 2021, time.June, 40), month(energyProject, 2020, time.December, 999), may2021,
		month(energyProject, 2021, time.January, 30), month(energyProject, 2022, time.January, 5), month(industryProject, 2021, time.May, 7))
	in2021 := investment.YearProgress{Year: 2021, CompletedYuan: 30 + 100 + 40, Months: []investment.Progress{
		month(energyProject, 2021, time.January, 30), may2021, month(energyProject, 2021, time.June, 40)}}
	for _, tt := range []struct {
		name       string
		as         identity.Principal
		id         string
		year       int
		want       investment.YearProgress
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "the months in order and their sum", as: energyViewer, id: energyProject, year: 2021, want: in2021},
		{name: "a year before", as: leader, id: energyProject, year: 2020, want: investment.YearProgress{Year: 2020,
			CompletedYuan: 999, Months: []investment.Progress{month(energyProject, 2020, time.December, 999)}}},
		{name: "a year after", as: clientRead, id: energyProject, year: 2022, want: investment.YearProgress{Year: 2022,
			CompletedYuan: 5, Months: []investment.Progress{month(energyProject, 2022, time.January, 5)}}},
		{name: "a year of nothing", as: bureau, id: energyProject, year: 2000, want: investment.YearProgress{Year: 2000, Months: []investment.Progress{}}},
		{name: "the year 2999", as: bureau, id: energyProject, year: 2999, want: investment.YearProgress{Year: 2999, Months: []investment.Progress{}}},
		{name: "an archived project's is read", as: admin, id: archivedProject, year: 2021, want: investment.YearProgress{Year: 2021, Months: []investment.Progress{}}},
		{name: "a year before 2000", as: bureau, id: energyProject, year: 1999,
			wantFields: []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2999"}}},
		{name: "a year after 2999", as: bureau, id: energyProject, year: 3000,
			wantFields: []apperr.FieldError{{Field: "year", Code: "out_of_range", Param: "2000..2999"}}},
		{name: "another department's project", as: industryEditor, id: energyProject, year: 2021, wantErr: apperr.ErrNotFound},
		{name: "a project that does not exist", as: bureau, id: "p-none", year: 2021, wantErr: apperr.ErrNotFound},
		{name: "a client that may not read projects", as: clientBlind, id: energyProject, year: 2021, wantErr: apperr.ErrForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.svc.Investment(context.Background(), tt.as, tt.id, tt.year)
			if tt.wantErr != nil || tt.wantFields != nil {
				requireErr(t, tt.wantErr, tt.wantFields, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestInvestmentFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, method := range []string{"ProgressOf"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			f.store.Fail(method, boom)
			_, err := f.svc.Investment(context.Background(), bureau, energyProject, 2021)
			require.ErrorIs(t, err, boom)
		})
	}
}
