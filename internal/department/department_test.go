package department_test

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
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/identity"
)

const codePattern = `^[a-z][a-z0-9_]{1,31}$`

func view(d department.Department) map[string]any {
	return map[string]any{"code": d.Code, "name": d.Name, "name_en": d.NameEN, "version": d.Version}
}

func ptr[T any](v T) *T { return &v }

// TestList: any principal with a role lists every department by code,
// whatever its department or its token's scopes.
func TestList(t *testing.T) {
	t.Parallel()
	for _, p := range []identity.Principal{admin, bureau, leader, energyEditor, energyViewer, clientBlind, clientWriter} {
		t.Run(p.Name+" "+string(p.Role), func(t *testing.T) {
			t.Parallel()
			got, err := newFixture().svc.List(context.Background(), p)
			require.NoError(t, err)
			assert.Equal(t, []department.Department{energy, industry, water}, got)
		})
	}
	for _, p := range []identity.Principal{roleless, stranger} {
		t.Run("refused to "+p.Name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			f.store.Fail("List", errors.New("the store is not asked"))
			_, err := f.svc.List(context.Background(), p)
			require.ErrorIs(t, err, apperr.ErrForbidden)
		})
	}
}

// TestCreate: the administrator adds a department, its text trimmed, at
// version 1, with its audit entry in the same transaction; a code is a
// lower-case English word, a name 1–100 characters, an English name up to
// 200; a taken code is a conflict.
func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		p      identity.Principal
		in     department.Department
		want   department.Department
		err    error
		fields []apperr.FieldError
	}{
		{name: "trimmed, at version 1 whatever is asked", p: admin,
			in:   department.Department{Code: " culture ", Name: " 文化局\u3000", NameEN: " Culture Bureau ", Version: 9},
			want: department.Department{Code: "culture", Name: "文化局", NameEN: "Culture Bureau", Version: 1}},
		{name: "without an English name", p: admin, in: department.Department{Code: "trade_union2", Name: "县总工会"},
			want: department.Department{Code: "trade_union2", Name: "县总工会", Version: 1}},
		{name: "the shortest code, the longest names", p: admin,
			in:   department.Department{Code: "ab", Name: strings.Repeat("局", 100), NameEN: strings.Repeat("e", 200)},
			want: department.Department{Code: "ab", Name: strings.Repeat("局", 100), NameEN: strings.Repeat("e", 200), Version: 1}},
		{name: "the longest code", p: admin, in: department.Department{Code: "a" + strings.Repeat("b_9", 10) + "c", Name: "长"},
			want: department.Department{Code: "a" + strings.Repeat("b_9", 10) + "c", Name: "长", Version: 1}},

		{name: "the bureau may not", p: bureau, in: department.Department{Code: "culture", Name: "文化局"}, err: apperr.ErrForbidden},
		{name: "a leader may not", p: leader, in: department.Department{Code: "culture", Name: "文化局"}, err: apperr.ErrForbidden},
		{name: "a department editor may not", p: energyEditor, in: department.Department{Code: "culture", Name: "文化局"}, err: apperr.ErrForbidden},
		{name: "a department system may not", p: clientWriter, in: department.Department{Code: "culture", Name: "文化局"}, err: apperr.ErrForbidden},
		{name: "no role may not", p: roleless, in: department.Department{Code: "culture", Name: "文化局"}, err: apperr.ErrForbidden},
		{name: "refused before the values are read", p: bureau, in: department.Department{Code: "能源"}, err: apperr.ErrForbidden},

		{name: "a taken code", p: admin, in: department.Department{Code: "energy", Name: "另一个能源局"}, err: apperr.ErrConflict},
		{name: "a taken code, once trimmed", p: admin, in: department.Department{Code: " water", Name: "水利局"}, err: apperr.ErrConflict},
		{name: "no name", p: admin, in: department.Department{Code: "nameless"},
			fields: []apperr.FieldError{{Field: "name", Code: "required"}}},
		{name: "a blank name", p: admin, in: department.Department{Code: "nameless", Name: " \t "},
			fields: []apperr.FieldError{{Field: "name", Code: "required"}}},
		{name: "a name too long", p: admin, in: department.Department{Code: "culture", Name: strings.Repeat("局", 101)},
			fields: []apperr.FieldError{{Field: "name", Code: "too_long", Param: "100"}}},
		{name: "a name with a control character", p: admin, in: department.Department{Code: "culture", Name: "文化\x00局"},
			fields: []apperr.FieldError{{Field: "name", Code: "invalid_format"}}},
		{name: "an English name too long", p: admin, in: department.Department{Code: "culture", Name: "文化局", NameEN: strings.Repeat("e", 201)},
			fields: []apperr.FieldError{{Field: "name_en", Code: "too_long", Param: "200"}}},
		{name: "every problem at once", p: admin, in: department.Department{Code: "Culture", NameEN: "Culture\x07"},
			fields: []apperr.FieldError{{Field: "code", Code: "invalid_format", Param: codePattern},
				{Field: "name", Code: "required"}, {Field: "name_en", Code: "invalid_format"}}},
	}
	for _, code := range []string{"", "能源", "Energy", "1abc", "_ab", "a", "a-b", "a b", "a" + strings.Repeat("b", 32), "energy\x00"} {
		tests = append(tests, struct {
			name   string
			p      identity.Principal
			in     department.Department
			want   department.Department
			err    error
			fields []apperr.FieldError
		}{name: "the code " + code, p: admin, in: department.Department{Code: code, Name: "部门"},
			fields: []apperr.FieldError{{Field: "code", Code: "invalid_format", Param: codePattern}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			got, err := f.svc.Create(context.Background(), tt.p, tt.in)
			if tt.err != nil || tt.fields != nil {
				requireErr(t, tt.err, tt.fields, err)
				assert.Equal(t, []department.Department{energy, industry, water}, f.list(t), "nothing added")
				assert.Empty(t, f.records(), "nothing audited")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Contains(t, f.list(t), tt.want)
			assert.Len(t, f.list(t), 4)
			assert.Equal(t, []audited{{by: tt.p, record: audit.Record{Action: "department.create", ResourceType: "department",
				ResourceID: tt.want.Code, After: view(tt.want)}}}, f.records())
			assert.Equal(t, []time.Time{now.UTC().Truncate(time.Microsecond)}, f.at, "the store is given the time in UTC, at the microsecond")
			assert.Equal(t, 1, f.tx.committed)
		})
	}
}

// TestUpdate: the administrator renames a department over the version it
// last saw; a field not given stays, the code never changes, and the entry
// in the audit trail holds the department before and after.
func TestUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p       identity.Principal
		code    string
		ifMatch int
		change  department.Change
		want    department.Department // on success; its code's department before is the fixture's
		err     error
		fields  []apperr.FieldError
	}{
		{name: "a new name, the English one stays", p: admin, code: "energy", ifMatch: 1, change: department.Change{Name: ptr(" 能源发展局 ")},
			want: department.Department{Code: "energy", Name: "能源发展局", NameEN: "Energy Bureau", Version: 2}},
		{name: "a new English name, the name stays", p: admin, code: "industry", ifMatch: 3, change: department.Change{NameEN: ptr("Industry Bureau ")},
			want: department.Department{Code: "industry", Name: "工业和信息化局", NameEN: "Industry Bureau", Version: 4}},
		{name: "both names", p: admin, code: "water", ifMatch: 2, change: department.Change{Name: ptr("水利局"), NameEN: ptr("Water Resources Bureau")},
			want: department.Department{Code: "water", Name: "水利局", NameEN: "Water Resources Bureau", Version: 3}},
		{name: "the English name cleared", p: admin, code: "energy", ifMatch: 1, change: department.Change{NameEN: ptr(" ")},
			want: department.Department{Code: "energy", Name: "能源局", Version: 2}},
		{name: "the longest names", p: admin, code: "energy", ifMatch: 1,
			change: department.Change{Name: ptr(strings.Repeat("能", 100)), NameEN: ptr(strings.Repeat("E", 200))},
			want:   department.Department{Code: "energy", Name: strings.Repeat("能", 100), NameEN: strings.Repeat("E", 200), Version: 2}},

		{name: "the bureau may not", p: bureau, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrForbidden},
		{name: "a leader may not", p: leader, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrForbidden},
		{name: "its own department's editor may not", p: energyEditor, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrForbidden},
		{name: "a department system may not", p: clientWriter, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrForbidden},
		{name: "an unknown role may not", p: stranger, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrForbidden},

		{name: "a stale If-Match", p: admin, code: "industry", ifMatch: 2, change: department.Change{Name: ptr("x")}, err: apperr.ErrVersionConflict},
		{name: "an If-Match ahead", p: admin, code: "industry", ifMatch: 4, change: department.Change{Name: ptr("x")}, err: apperr.ErrVersionConflict},
		{name: "a stale If-Match before the names", p: admin, code: "industry", ifMatch: 1, change: department.Change{Name: ptr("")}, err: apperr.ErrVersionConflict},
		{name: "an unknown department", p: admin, code: "culture", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrNotFound},
		{name: "a code no department may have", p: admin, code: "Energy", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrNotFound},
		{name: "a code with a NUL", p: admin, code: "a\x00", ifMatch: 1, change: department.Change{Name: ptr("x")}, err: apperr.ErrNotFound},

		{name: "an empty name", p: admin, code: "energy", ifMatch: 1, change: department.Change{Name: ptr(" ")},
			fields: []apperr.FieldError{{Field: "name", Code: "required"}}},
		{name: "a name too long", p: admin, code: "energy", ifMatch: 1, change: department.Change{Name: ptr(strings.Repeat("能", 101))},
			fields: []apperr.FieldError{{Field: "name", Code: "too_long", Param: "100"}}},
		{name: "an English name too long", p: admin, code: "energy", ifMatch: 1, change: department.Change{NameEN: ptr(strings.Repeat("E", 201))},
			fields: []apperr.FieldError{{Field: "name_en", Code: "too_long", Param: "200"}}},
		{name: "both names wrong", p: admin, code: "energy", ifMatch: 1, change: department.Change{Name: ptr("能\x1b源"), NameEN: ptr(strings.Repeat("E", 201))},
			fields: []apperr.FieldError{{Field: "name", Code: "invalid_format"}, {Field: "name_en", Code: "too_long", Param: "200"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			before := f.list(t)
			got, err := f.svc.Update(context.Background(), tt.p, tt.code, tt.ifMatch, tt.change)
			if tt.err != nil || tt.fields != nil {
				requireErr(t, tt.err, tt.fields, err)
				assert.Equal(t, department.Department{}, got)
				assert.Equal(t, before, f.list(t), "nothing changed")
				assert.Empty(t, f.records(), "nothing audited")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			var was department.Department
			for _, d := range before {
				if d.Code == tt.code {
					was = d
				}
			}
			assert.Contains(t, f.list(t), tt.want)
			assert.NotContains(t, f.list(t), was)
			assert.Equal(t, []audited{{by: tt.p, record: audit.Record{Action: "department.update", ResourceType: "department",
				ResourceID: tt.code, Before: view(was), After: view(tt.want)}}}, f.records())
			assert.Equal(t, []time.Time{now.UTC().Truncate(time.Microsecond)}, f.at, "the store is given the time in UTC, at the microsecond")
		})
	}
}

// TestUpdateSuccessive: each update names the version the one before
// answered, and the first of two sent over one version wins.
func TestUpdateSuccessive(t *testing.T) {
	t.Parallel()
	f := newFixture()
	ctx := context.Background()
	d, err := f.svc.Update(ctx, admin, "energy", 1, department.Change{Name: ptr("能源发展局")})
	require.NoError(t, err)
	_, err = f.svc.Update(ctx, admin, "energy", 1, department.Change{NameEN: ptr("Energy Development Bureau")})
	require.ErrorIs(t, err, apperr.ErrVersionConflict)
	d, err = f.svc.Update(ctx, admin, "energy", d.Version, department.Change{NameEN: ptr("Energy Development Bureau")})
	require.NoError(t, err)
	assert.Equal(t, department.Department{Code: "energy", Name: "能源发展局", NameEN: "Energy Development Bureau", Version: 3}, d)
	require.Len(t, f.records(), 2)
	assert.Equal(t, view(department.Department{Code: "energy", Name: "能源发展局", NameEN: "Energy Bureau", Version: 2}),
		f.records()[1].record.Before, "the second entry starts where the first ended")
}

// TestMalformedCodeAsksNoStore: a code no department may have is not found
// without a read of the store.
func TestMalformedCodeAsksNoStore(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.store.Fail("InTx", errors.New("no transaction was to begin"))
	_, err := f.svc.Update(context.Background(), admin, "../energy", 1, department.Change{Name: ptr("x")})
	require.ErrorIs(t, err, apperr.ErrNotFound)
	assert.Empty(t, f.at)
}

// TestFailures: a failing store, transaction or audit trail fails the
// request with an internal error naming the operation, and nothing of it
// is kept: the department and its audit entry are written together or not
// at all.
func TestFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	ctx := context.Background()
	create := func(f *fixture) error {
		_, err := f.svc.Create(ctx, admin, department.Department{Code: "culture", Name: "文化局"})
		return err
	}
	update := func(f *fixture) error {
		_, err := f.svc.Update(ctx, admin, "energy", 1, department.Change{Name: ptr("能源发展局")})
		return err
	}
	list := func(f *fixture) error {
		_, err := f.svc.List(ctx, leader)
		return err
	}
	tests := []struct {
		name   string
		breaks func(f *fixture)
		call   func(f *fixture) error
		op     string
	}{
		{"the store fails to create", func(f *fixture) { f.store.Fail("Create", boom) }, create, "department.Service.Create"},
		{"the audit trail fails a create", func(f *fixture) { f.auditor.err = boom }, create, "department.Service.Create"},
		{"no transaction begins for a create", func(f *fixture) { f.store.Fail("InTx", boom) }, create, "department.Service.Create"},
		{"the store fails to update", func(f *fixture) { f.store.Fail("Update", boom) }, update, "department.Service.Update(energy)"},
		{"the audit trail fails an update", func(f *fixture) { f.auditor.err = boom }, update, "department.Service.Update(energy)"},
		{"no transaction begins for an update", func(f *fixture) { f.store.Fail("InTx", boom) }, update, "department.Service.Update(energy)"},
		{"the store fails to list", func(f *fixture) { f.store.Fail("List", boom) }, list, "department.Service.List"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			tt.breaks(f)
			err := tt.call(f)
			require.ErrorIs(t, err, boom)
			assert.Equal(t, apperr.Internal, apperr.KindOf(err))
			assert.True(t, strings.HasPrefix(err.Error(), tt.op+": "), "the error names its operation: %v", err)
			f.store.Fail("List", nil)
			assert.Equal(t, []department.Department{energy, industry, water}, f.list(t), "nothing kept")
			assert.Empty(t, f.records())
			assert.Zero(t, f.tx.committed)
		})
	}
}

// TestAuditFailureUndoesTheChange: the department written before its
// audit entry failed is undone with the transaction.
func TestAuditFailureUndoesTheChange(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.auditor.err = errors.New("audit chain broken")
	_, err := f.svc.Update(context.Background(), admin, "water", 2, department.Change{Name: ptr("水利局")})
	require.Error(t, err)
	require.Len(t, f.at, 1, "the store was written")
	assert.Equal(t, 1, f.tx.discarded)
	assert.Contains(t, f.list(t), water, "and put back")
}

// TestUpdateUnchanged: an update that changes nothing (the same names, or
// none given) makes no new version and no audit entry, as for a project.
func TestUpdateUnchanged(t *testing.T) {
	t.Parallel()
	for _, change := range []department.Change{
		{Name: ptr("能源局"), NameEN: ptr("Energy Bureau")},
		{Name: ptr(" 能源局 ")},
		{},
	} {
		f := newFixture()
		before := f.list(t)
		got, err := f.svc.Update(context.Background(), admin, "energy", 1, change)
		require.NoError(t, err)
		assert.Equal(t, department.Department{Code: "energy", Name: "能源局", NameEN: "Energy Bureau", Version: 1}, got)
		assert.Equal(t, before, f.list(t))
		assert.Empty(t, f.records(), "nothing audited")
	}
}
