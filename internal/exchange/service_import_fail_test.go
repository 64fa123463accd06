package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

var errBoom = errors.New("connection reset")

// TestImportRefused: a principal that may not write projects is refused
// before the file is opened.
func TestImportRefused(t *testing.T) {
	t.Parallel()
	for _, p := range []identity.Principal{leader, energyViewer, clientRead, clientBlind, clientPlans, {Name: "nobody"}} {
		t.Run(p.Name+" "+string(p.Role)+" "+strings.Join(p.Scopes, " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			_, err := f.svc.Import(context.Background(), p, f.open(rows(header, solarRow)), true)
			require.ErrorIs(t, err, apperr.ErrForbidden)
			assert.Zero(t, f.opens, "the file is not read")
		})
	}
}

// TestImportFailsToRead: a failure to open or read the file, or of what
// the rows are checked against, fails the import, which writes nothing.
func TestImportFailsToRead(t *testing.T) {
	t.Parallel()
	file := rows(header, energyRow, []string{"", "", "新项目", "风电", "energy"}, append(solarRow[:4:4], "energy"))
	tests := []struct {
		name   string
		breaks func(f *fixture)
		open   func(f *fixture) func() (exchange.Table, error)
	}{
		{name: "the file does not open",
			open: func(*fixture) func() (exchange.Table, error) {
				return func() (exchange.Table, error) { return nil, errBoom }
			}},
		{name: "a row does not read",
			open: func(*fixture) func() (exchange.Table, error) {
				return func() (exchange.Table, error) { return &table{rows: file[:2], err: errBoom}, nil }
			}},
		{name: "the header does not read",
			open: func(*fixture) func() (exchange.Table, error) {
				return func() (exchange.Table, error) { return &table{err: errBoom}, nil }
			}},
		{name: "the departments do not list", breaks: func(f *fixture) { f.depts.err = errBoom }},
		{name: "a project does not read", breaks: func(f *fixture) { f.reg.fail["GetOwn"] = errBoom }},
		{name: "the codes held do not read", breaks: func(f *fixture) { f.reg.fail["CodeHolders"] = errBoom },
			open: func(f *fixture) func() (exchange.Table, error) {
				return f.open(rows(append(header[:5:5], "项目代码"), []string{"", "", "新项目", "风电", "energy", "2021-140223-44-01-000777"}))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			if tt.breaks != nil {
				tt.breaks(f)
			}
			open := f.open(file)
			if tt.open != nil {
				open = tt.open(f)
			}
			_, err := f.svc.Import(context.Background(), admin, open, false)
			require.ErrorIs(t, err, errBoom)
			assert.Equal(t, apperr.Internal, apperr.KindOf(err))
			assert.True(t, strings.HasPrefix(err.Error(), "exchange.Service.Import: "), "the error names its operation: %v", err)
			assert.Zero(t, f.tx.began)
			f.unchanged(t)
		})
	}
}

// someoneElse changes the register between an import's check and its
// writes, as another request may.
func someoneElse(change func(r *register)) func(r *register) {
	done := false
	return func(r *register) {
		if !done {
			r.mu.Lock()
			defer r.mu.Unlock()
			change(r)
			done = true
		}
	}
}

// TestImportRowFailsAsWritten: a row whose write fails because of a change
// made since the check undoes every row written before it and is reported
// with what failed; the other rows say what they would have done.
func TestImportRowFailsAsWritten(t *testing.T) {
	t.Parallel()
	file := rows(append(header[:5:5], "项目代码"),
		[]string{"", "", "新项目", "风电", "energy", "2021-140223-44-01-000777"},
		append(energyRow[:4:4], "energy", energyCode),
		append(solarRow[:4:4], "energy", ""),
	)
	file[2][2] = "晨风风电（改名）"
	file[3][2] = "光伏发电二期"
	tests := []struct {
		name   string
		change func(r *register)
		want   []exchange.ImportRow
		fail   error // what Create answers
	}{
		{"another version meanwhile", func(r *register) {
			p := r.projects[energyProject]
			p.Leader, p.Version = "县长", 4
			r.projects[energyProject] = p
		}, []exchange.ImportRow{row(2, "created", ""),
			row(3, "error", energyProject, cellErr("版本", "version", "version_conflict", "")), row(4, "updated", solarProject)}, nil},
		{"archived meanwhile", func(r *register) {
			p := r.projects[energyProject]
			p.ArchivedAt = ptr(now)
			r.projects[energyProject] = p
		}, []exchange.ImportRow{row(2, "created", ""),
			row(3, "error", energyProject, cellErr("项目ID", "id", "conflict", "")), row(4, "updated", solarProject)}, nil},
		{"moved out of reach meanwhile", func(r *register) {
			p := r.projects[solarProject]
			p.Department = "industry"
			r.projects[solarProject] = p
		}, []exchange.ImportRow{row(2, "created", ""), row(3, "updated", energyProject),
			row(4, "error", solarProject, cellErr("项目ID", "id", "not_found", ""))}, nil},
		{"the code taken meanwhile", func(r *register) {
			p := r.projects[industryProject]
			p.Code = ptr("2021-140223-44-01-000777")
			r.projects[industryProject] = p
		}, []exchange.ImportRow{row(2, "error", "", cellErr("项目代码", "code", "not_unique", "")),
			row(3, "updated", energyProject), row(4, "updated", solarProject)}, nil},
		{"the department gone meanwhile", func(*register) {}, []exchange.ImportRow{
			row(2, "error", "", cellErr("部门代码", "department", "unknown", "")),
			row(3, "updated", energyProject), row(4, "updated", solarProject)},
			apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			f.tx.onBegin = someoneElse(tt.change)
			if tt.fail != nil {
				f.reg.fail["Create"] = tt.fail
			}
			rep := f.importRows(t, energyEditor, false, file...)
			assert.Equal(t, report(false, tt.want...), rep)
			assert.False(t, rep.Written())
			assert.Equal(t, 1, f.tx.discarded)

			want := newRegister(seed()...)
			want.mu.Lock()
			tt.change(want)
			want.mu.Unlock()
			projects, order := f.reg.snapshot()
			assert.Equal(t, want.projects, projects, "only the change made meanwhile is kept")
			assert.Equal(t, want.order, order)
		})
	}
}

// TestImportWriteFails: a failure to write that is no row's fails the
// import, which writes nothing; one that ran out of the query deadline says
// to import the file in parts.
func TestImportWriteFails(t *testing.T) {
	t.Parallel()
	file := rows(header, []string{"", "", "新项目", "风电", "energy"}, append(solarRow[:2:2], "光伏二期", "光伏发电", "energy"))
	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	t.Cleanup(cancel)
	tests := []struct {
		name   string
		ctx    context.Context
		breaks func(f *fixture)
		is     error
		kind   apperr.Kind
	}{
		{name: "an update fails", breaks: func(f *fixture) { f.reg.fail["Update"] = errBoom }, is: errBoom},
		{name: "a create fails", breaks: func(f *fixture) { f.reg.fail["Create"] = errBoom }, is: errBoom},
		{name: "no transaction begins", breaks: func(f *fixture) { f.tx.err = errBoom }, is: errBoom},
		{name: "a write refused", breaks: func(f *fixture) { f.reg.fail["Update"] = apperr.ErrForbidden }, is: apperr.ErrForbidden,
			kind: apperr.Forbidden},
		{name: "out of time", breaks: func(f *fixture) { f.reg.fail["Update"] = fmt.Errorf("update: %w", context.DeadlineExceeded) },
			kind: apperr.TooLarge},
		{name: "the request's own deadline passed", ctx: past,
			breaks: func(f *fixture) { f.reg.fail["Update"] = fmt.Errorf("update: %w", context.DeadlineExceeded) },
			is:     context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			tt.breaks(f)
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := f.svc.Import(ctx, admin, f.open(file), false)
			require.Error(t, err)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			assert.Equal(t, tt.kind, apperr.KindOf(err), "error: %v", err)
			f.unchanged(t)
		})
	}
}

// newRows are n rows that each create a project.
func newRows(n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{"", "", fmt.Sprintf("项目%05d", i), "风电", "energy"}
	}
	return out
}

// TestImportLimits: a file holds at most MaxImportRows rows, blank ones
// aside, of which at most MaxImportWrites create or update a project; a
// dry run checks them all.
func TestImportLimits(t *testing.T) {
	t.Parallel()
	t.Run("too many writes", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		_, err := f.svc.Import(context.Background(), admin, f.open(append(rows(header), newRows(exchange.MaxImportWrites+1)...)), false)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err))
		assert.Equal(t, []apperr.FieldError{{Field: "file", Code: "too_long", Param: "2000"}}, apperr.As(err).Fields)
		assert.Zero(t, f.tx.began)
		f.unchanged(t)
	})
	t.Run("as many writes as may be, and unchanged rows", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		rep := f.importRows(t, admin, false, append(rows(header, energyRow, solarRow), newRows(exchange.MaxImportWrites)...)...)
		assert.Equal(t, exchange.MaxImportWrites, rep.Created)
		assert.Equal(t, 2, rep.Unchanged)
		assert.True(t, rep.Written())
		last, ok := f.reg.get(fmt.Sprintf("new-%d", exchange.MaxImportWrites))
		require.True(t, ok)
		assert.Equal(t, fmt.Sprintf("项目%05d", exchange.MaxImportWrites-1), last.Name, "written in the file's order")
	})
	t.Run("a dry run checks more", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		rep := f.importRows(t, admin, true, append(rows(header), newRows(exchange.MaxImportWrites+1)...)...)
		assert.Equal(t, exchange.MaxImportWrites+1, rep.Created)
		assert.Zero(t, rep.Failed)
	})
	t.Run("as many rows as may be, blank ones not counted", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		file := append(rows(header), newRows(exchange.MaxImportRows)...)
		file = append(file, []string{}, []string{"", ""})
		rep := f.importRows(t, admin, true, file...)
		assert.Equal(t, exchange.MaxImportRows, rep.Created)
	})
	t.Run("too many rows", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		_, err := f.svc.Import(context.Background(), admin, f.open(append(rows(header), newRows(exchange.MaxImportRows+1)...)), true)
		require.Equal(t, apperr.Invalid, apperr.KindOf(err))
		assert.Equal(t, []apperr.FieldError{{Field: "file", Code: "too_long", Param: "20000"}}, apperr.As(err).Fields)
	})
}

// TestImportOfTheStageAtCreation: a row creates a project at the stage it
// gives, with the dates reached.
func TestImportOfTheStageAtCreation(t *testing.T) {
	t.Parallel()
	f := newFixture()
	rep := f.importRows(t, bureau, false,
		[]string{"项目名称", "项目类别", "部门代码", "项目阶段", "签约日期", "落地日期", "开工日期"},
		[]string{"开工的项目", "风电", "energy", "开工", "2020-01-02", "", "2021.3.4"})
	assert.Equal(t, report(false, row(2, "created", "new-1")), rep)
	p, _ := f.reg.get("new-1")
	assert.Equal(t, project.Started, p.Stage)
	assert.Equal(t, project.Actual{SignedOn: day("2020-01-02"), StartedOn: day("2021-03-04")}, p.Actual)
}
