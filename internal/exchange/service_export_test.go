package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// many are n projects, energy's and industry's in turn, in creation order.
func many(n int) []project.Project {
	out := make([]project.Project, n)
	for i := range out {
		dept := []string{"energy", "industry"}[i%2]
		out[i] = stored(project.Project{ID: fmt.Sprintf("p-%05d", i), Version: 1 + i%3, Stage: project.Planning,
			Fields: project.Fields{Name: fmt.Sprintf("项目%05d", i), Category: "wind", Department: dept}})
	}
	return out
}

func ids(ps []project.Project) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// exported is what an export wrote: the ID of each row, in order, and
// what happened when, begin being "begin".
type exported struct {
	ids    []string
	events []string
	rows   [][]exchange.Cell
}

// export runs an export, failing the writes from the failAt'th (from 1)
// with errWrite when failAt is not 0.
func export(f *fixture, p identity.Principal, q project.ListQuery, begin error, failAt int) (exported, error) {
	var out exported
	err := f.svc.Export(context.Background(), p, q, func() error {
		out.events = append(out.events, "begin")
		return begin
	}, func(cells []exchange.Cell) error {
		if failAt != 0 && len(out.ids)+1 == failAt {
			return errWrite
		}
		out.events = append(out.events, "row")
		out.ids = append(out.ids, cells[0].Text)
		out.rows = append(out.rows, slices.Clone(cells))
		return nil
	})
	return out, err
}

var errWrite = errors.New("the client went away")

// lists are the queries the register was asked, once the export is over.
func (r *register) queries() []project.ListQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lists)
}

// TestExportPages: an export reads the selection in pages of
// ExportPageSize in creation order, whatever order, limit, cursor or count
// the query asks, and writes every project once, begin first.
func TestExportPages(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, exchange.ExportPageSize, exchange.ExportPageSize + 1, 2*exchange.ExportPageSize + 101} {
		t.Run(fmt.Sprint(n, " projects"), func(t *testing.T) {
			t.Parallel()
			ps := many(n)
			f := newFixture(append(ps, seed()[3])...) // the archived project is not listed
			asked := project.ListQuery{Filter: project.Filter{Q: "项目"}, Sort: project.Sort{Key: project.SortName, Desc: true},
				Limit: 5, After: &project.Cursor{ID: "p-00003"}, Count: true}
			got, err := export(f, admin, asked, nil, 0)
			require.NoError(t, err)
			assert.Equal(t, ids(ps), got.ids)
			assert.Equal(t, append([]string{"begin"}, slices.Repeat([]string{"row"}, n)...), got.events, "begin comes before any row")
			for i, cells := range got.rows {
				assert.Equal(t, exchange.ExportRow(&ps[i], nil), cells)
			}
			pages := max(1, (n+exchange.ExportPageSize-1)/exchange.ExportPageSize)
			queries := f.reg.queries()
			require.Len(t, queries, pages)
			for i, q := range queries {
				want := project.ListQuery{Filter: asked.Filter, Sort: project.Sort{Key: project.SortCreated}, Limit: exchange.ExportPageSize, Brief: true}
				if i > 0 {
					want.After = &project.Cursor{Sort: project.SortCreated, ID: ps[i*exchange.ExportPageSize-1].ID}
				}
				assert.Equal(t, want, q, "page %d", i+1)
			}
		})
	}
}

// TestExportScope: an export holds what the principal's list holds: a
// department's own projects, of the departments the filter names.
func TestExportScope(t *testing.T) {
	t.Parallel()
	ps := many(7)
	tests := []struct {
		name string
		p    identity.Principal
		q    project.ListQuery
		want []string
	}{
		{"the bureau, everything", bureau, project.ListQuery{}, ids(ps)},
		{"a leader, everything", leader, project.ListQuery{}, ids(ps)},
		{"energy's viewer, energy's", energyViewer, project.ListQuery{}, []string{"p-00000", "p-00002", "p-00004", "p-00006"}},
		{"a department system that may read, energy's", clientRead, project.ListQuery{}, []string{"p-00000", "p-00002", "p-00004", "p-00006"}},
		{"industry's editor, industry's", industryEditor, project.ListQuery{}, []string{"p-00001", "p-00003", "p-00005"}},
		{"a filter by department", admin, project.ListQuery{Filter: project.Filter{Departments: []string{"industry"}}},
			[]string{"p-00001", "p-00003", "p-00005"}},
		{"energy's viewer asking for industry's", energyViewer, project.ListQuery{Filter: project.Filter{Departments: []string{"industry"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := export(newFixture(ps...), tt.p, tt.q, nil, 0)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.ids)
		})
	}
}

// TestExportFails: a refusal or a failure before the first page is read
// comes before begin, so that nothing of the file is sent; a failure later
// ends the file where it is.
func TestExportFails(t *testing.T) {
	t.Parallel()
	n := 2*exchange.ExportPageSize + 1
	tests := []struct {
		name   string
		p      identity.Principal
		breaks func(f *fixture)
		begin  error
		failAt int
		is     error
		events []string
	}{
		{name: "a principal that may not read", p: clientBlind, is: apperr.ErrForbidden},
		{name: "the first page does not read", breaks: func(f *fixture) { f.reg.listErr[1] = errBoom }, is: errBoom},
		{name: "begin refuses", begin: errWrite, is: errWrite, events: []string{"begin"}},
		{name: "the second page does not read", breaks: func(f *fixture) { f.reg.listErr[2] = errBoom }, is: errBoom,
			events: append([]string{"begin"}, slices.Repeat([]string{"row"}, exchange.ExportPageSize)...)},
		{name: "the last page does not read", breaks: func(f *fixture) { f.reg.listErr[3] = errBoom }, is: errBoom,
			events: append([]string{"begin"}, slices.Repeat([]string{"row"}, 2*exchange.ExportPageSize)...)},
		{name: "a row does not write", failAt: 10, is: errWrite, events: append([]string{"begin"}, slices.Repeat([]string{"row"}, 9)...)},
		{name: "a row of the second page does not write", failAt: exchange.ExportPageSize + 2, is: errWrite,
			events: append([]string{"begin"}, slices.Repeat([]string{"row"}, exchange.ExportPageSize+1)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(many(n)...)
			if tt.breaks != nil {
				tt.breaks(f)
			}
			p := tt.p
			if p.Role == "" {
				p = admin
			}
			got, err := export(f, p, project.ListQuery{}, tt.begin, tt.failAt)
			require.ErrorIs(t, err, tt.is)
			if apperr.KindOf(tt.is) == apperr.Internal {
				assert.Contains(t, err.Error(), "exchange.Service.Export: ", "the error names its operation")
			}
			assert.Equal(t, tt.events, got.events)
		})
	}
}

// TestExportImportRoundTrip: a file exported and imported again unchanged
// changes nothing: every row is unchanged.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture()
	file := [][]string{{}}
	for _, c := range exchange.Columns() {
		file[0] = append(file[0], c.Header)
	}
	err := f.svc.Export(context.Background(), bureau, project.ListQuery{}, func() error { return nil }, func(cells []exchange.Cell) error {
		r := make([]string, len(cells))
		for i, c := range cells {
			r[i] = c.String()
		}
		file = append(file, r)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, file, 4, "the header and the three live projects")
	rep := f.importRows(t, bureau, false, file...)
	assert.Equal(t, report(false, row(2, "unchanged", energyProject), row(3, "unchanged", industryProject),
		row(4, "unchanged", solarProject)), rep)
	f.unchanged(t)
}
