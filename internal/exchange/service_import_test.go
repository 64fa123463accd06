package exchange_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// row is the report of one row; no errors is an empty list, as the
// report has it.
func row(line int, status, id string, errs ...exchange.CellError) exchange.ImportRow {
	if errs == nil {
		errs = []exchange.CellError{}
	}
	return exchange.ImportRow{Line: line, Status: status, ID: id, Errors: errs}
}

func cellErr(column, field, code, param string) exchange.CellError {
	return exchange.CellError{Column: column, Field: field, Code: code, Param: param}
}

// report is the report of rows, counted by status.
func report(dryRun bool, rows ...exchange.ImportRow) exchange.ImportReport {
	rep := exchange.ImportReport{DryRun: dryRun, Rows: rows}
	if rows == nil {
		rep.Rows = []exchange.ImportRow{}
	}
	for _, r := range rows {
		switch r.Status {
		case exchange.RowCreated:
			rep.Created++
		case exchange.RowUpdated:
			rep.Updated++
		case exchange.RowUnchanged:
			rep.Unchanged++
		case exchange.RowError:
			rep.Failed++
		}
	}
	return rep
}

// labels are the Chinese labels of ls as an invalid_value error lists them.
func labels(ls []project.Label) string {
	zh := make([]string, len(ls))
	for i, l := range ls {
		zh[i] = l.ZH
	}
	return strings.Join(zh, "、")
}

// header is the header most tests use.
var header = []string{"项目ID", "版本", "项目名称", "项目类别", "部门代码"}

// The rows of the seeded projects as they are, in header's columns.
var (
	energyRow = []string{energyProject, "3", "晨风50兆瓦风电项目", "风电", "energy"}
	solarRow  = []string{solarProject, "1", "光伏发电项目", "光伏发电", "energy"}
)

func rows(rs ...[]string) [][]string { return rs }

type importCase struct {
	name  string
	p     identity.Principal
	dry   bool
	rows  [][]string
	want  []exchange.ImportRow
	check func(t *testing.T, f *fixture)
}

// runImports imports each case's rows into a fresh register and compares
// the report; an import that wrote wrote once, in one transaction, and one
// that did not (a dry run, a row failed) left the register as it was.
func runImports(t *testing.T, cases []importCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			rep := f.importRows(t, tt.p, tt.dry, tt.rows...)
			assert.Equal(t, report(tt.dry, tt.want...), rep)
			if rep.Written() {
				assert.Equal(t, 1, f.tx.committed, "one transaction")
			} else {
				assert.Zero(t, f.tx.began, "nothing to write")
				f.unchanged(t)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// TestImportWrites: rows without an ID create projects, rows with one
// update them over the version they name, and rows that change nothing are
// unchanged and write nothing; all in one transaction. A dry run reports
// the same and writes nothing.
func TestImportWrites(t *testing.T) {
	t.Parallel()
	file := rows(
		[]string{"项目ID", "版本", "项目名称", "项目类别", "部门代码", "总投资（元）"},
		[]string{"", "", " 县城供热管网改造 ", "基础设施", "housing", "12,000,000"},
		[]string{energyProject, "3", "晨风50兆瓦风电项目（一期）", "wind", "energy", "400000000.00"},
		[]string{industryProject, "1", "新材料产业园", "新材料", "industry", ""},
	)
	runImports(t, []importCase{
		{name: "created, updated and unchanged", p: bureau, rows: file,
			want: []exchange.ImportRow{row(2, "created", "new-1"), row(3, "updated", energyProject), row(4, "unchanged", industryProject)},
			check: func(t *testing.T, f *fixture) {
				created, ok := f.reg.get("new-1")
				require.True(t, ok)
				assert.Equal(t, stored(project.Project{ID: "new-1", Version: 1, Stage: project.Planning,
					Fields: project.Fields{Name: "县城供热管网改造", Category: "infrastructure", Department: "housing",
						TotalInvestmentYuan: ptr(int64(12_000_000))}}), created)
				want := seed()[0]
				want.Name, want.Version = "晨风50兆瓦风电项目（一期）", 4
				got, _ := f.reg.get(energyProject)
				assert.Equal(t, want, got, "the columns the file lacks, and funding, stay")
				got, _ = f.reg.get(industryProject)
				assert.Equal(t, seed()[1], got)
			}},
		{name: "a dry run", p: bureau, dry: true, rows: file,
			want: []exchange.ImportRow{row(2, "created", ""), row(3, "updated", energyProject), row(4, "unchanged", industryProject)}},
		{name: "by a department system", p: clientWrite, rows: rows(header, []string{"", "", "新风电", "风电", ""}, solarRow),
			want: []exchange.ImportRow{row(2, "created", "new-1"), row(3, "unchanged", solarProject)},
			check: func(t *testing.T, f *fixture) {
				created, _ := f.reg.get("new-1")
				assert.Equal(t, "energy", created.Department, "a new row without a department is the caller's")
			}},
		{name: "a header alone", p: admin, rows: rows(header), want: nil},
		{name: "the header after blank rows, lines counted", p: admin,
			rows: rows([]string{}, []string{"", " "}, []string{"项目名称", "项目类别", "部门代码"}, []string{"甲", "风电", "energy"}),
			want: []exchange.ImportRow{row(4, "created", "new-1")}},
		{name: "header and field names, a new row past planning", p: admin,
			rows: rows([]string{"name", "category", "department", "stage", "signed_on", "总投资(万元)"},
				[]string{"乙", "wind", "drc", "签约", "2021/6/15", "34000"}),
			want: []exchange.ImportRow{row(2, "created", "new-1")},
			check: func(t *testing.T, f *fixture) {
				created, _ := f.reg.get("new-1")
				assert.Equal(t, project.Signed, created.Stage)
				assert.Equal(t, project.Actual{SignedOn: day("2021-06-15")}, created.Actual)
				assert.Equal(t, ptr(int64(340_000_000)), created.TotalInvestmentYuan, "万元 alone gives the total")
			}},
		{name: "departments by code, or by a name no other has", p: admin,
			rows: rows([]string{"项目名称", "项目类别", "部门代码"}, []string{"甲", "风电", "能源局"}, []string{"乙", "风电", " industry "}),
			want: []exchange.ImportRow{row(2, "created", "new-1"), row(3, "created", "new-2")},
			check: func(t *testing.T, f *fixture) {
				a, _ := f.reg.get("new-1")
				b, _ := f.reg.get("new-2")
				assert.Equal(t, []string{"energy", "industry"}, []string{a.Department, b.Department})
			}},
	})
}

// TestImportCellErrors: every problem of a row is reported on its column,
// with the field, the code and its parameter, and nothing is written.
func TestImportCellErrors(t *testing.T) {
	t.Parallel()
	runImports(t, []importCase{
		{name: "cells that do not read", p: bureau,
			rows: rows([]string{"项目名称", "项目类别", "部门代码", "版本", "总投资（元）", "建设规模", "规模单位", "计划开工日期",
				"预计年产值（元）", "建设性质", "重点级别"},
				[]string{"新项目", "风车", "energy", "2", "1.5", "很大", "MW", "2021-02-30", "8E+07", "改建", "重点"},
				[]string{"大数", "风电", "energy", "", "99999999999999999999", "", "", "", "-5", "续建", "省级重点"},
				[]string{"好的", "风电", "energy", "", "1", "1,000.5", "MW", "44348", "0", "continuing", "province"}),
			want: []exchange.ImportRow{
				row(2, "error", "",
					cellErr("版本", "version", "only_when", "项目ID"),
					cellErr("项目类别", "category", "invalid_value", labels(project.Categories)),
					cellErr("总投资（元）", "total_investment_yuan", "invalid_type", "integer"),
					cellErr("建设规模", "capacity", "invalid_type", "number"),
					cellErr("计划开工日期", "planned_start_date", "invalid_format", "YYYY-MM-DD"),
					cellErr("预计年产值（元）", "expected_annual_output_yuan", "invalid_type", "integer"),
					cellErr("建设性质", "build_type", "invalid_value", labels(project.BuildTypes)),
					cellErr("重点级别", "key_level", "invalid_value", labels(project.KeyLevels))),
				row(3, "error", "",
					cellErr("总投资（元）", "total_investment_yuan", "out_of_range", "0..10000000000000"),
					cellErr("预计年产值（元）", "expected_annual_output_yuan", "out_of_range", "0..10000000000000")),
				row(4, "created", ""),
			}},
		{name: "the project's rules, on their columns", p: bureau,
			rows: rows([]string{"项目名称", "项目类别", "部门代码", "建设规模", "计划签约日期", "计划开工日期", "项目阶段", "签约日期"},
				[]string{"", "wind", "", "50", "2021-05-01", "2021-04-01", "谋划储备", "2021-03-01"},
				[]string{"新签约项目", "风电", "energy", "", "", "", "签约", "2021-06-16"},
				[]string{"今天签约", "风电", "energy", "", "", "", "签约", "2021年6月15日"},
				[]string{"新项目", "风电", "energy", "", "", "", "飞升", ""}),
			want: []exchange.ImportRow{
				row(2, "error", "",
					cellErr("项目名称", "name", "required", ""),
					cellErr("部门代码", "department", "required", ""),
					cellErr("规模单位", "capacity_unit", "required", ""),
					cellErr("计划开工日期", "planned_start_date", "date_order", "计划签约日期"),
					cellErr("签约日期", "signed_on", "not_reached", "谋划储备")),
				row(3, "error", "", cellErr("签约日期", "signed_on", "in_future", "2021-06-15")),
				row(4, "created", ""),
				row(5, "error", "", cellErr("项目阶段", "stage", "invalid_value", labels(project.Stages))),
			}},
		{name: "万元 beside 元", p: bureau,
			rows: rows([]string{"项目名称", "项目类别", "部门代码", "总投资（元）", "总投资（万元）"},
				[]string{"甲", "风电", "energy", "", "1,234.5"},
				[]string{"乙", "风电", "energy", "12345000", "1234.5"},
				[]string{"丙", "风电", "energy", "12345000", "1234"},
				[]string{"丁", "风电", "energy", "x", "1"},
				[]string{"戊", "风电", "energy", "", "-1"},
				[]string{"己", "风电", "energy", "", "0.00001"},
				[]string{"庚", "风电", "energy", "", "万"}),
			want: []exchange.ImportRow{
				row(2, "created", ""),
				row(3, "created", ""),
				row(4, "error", "", cellErr("总投资（万元）", "total_investment_yuan", "mismatch", "总投资（元）")),
				row(5, "error", "", cellErr("总投资（元）", "total_investment_yuan", "invalid_type", "integer")),
				row(6, "error", "", cellErr("总投资（万元）", "total_investment_yuan", "out_of_range", "0..1000000000")),
				row(7, "error", "", cellErr("总投资（万元）", "total_investment_yuan", "invalid_type", "integer")),
				row(8, "error", "", cellErr("总投资（万元）", "total_investment_yuan", "invalid_type", "number")),
			}},
		{name: "departments no code or single name gives", p: bureau,
			rows: rows([]string{"项目名称", "项目类别", "部门代码"},
				[]string{"甲", "风电", "水务局"}, []string{"乙", "风电", "nosuch"}, []string{"丙", "风电", "Energy"}, []string{"丁", "风电", "water"}),
			want: []exchange.ImportRow{
				row(2, "error", "", cellErr("部门代码", "department", "unknown", "")),
				row(3, "error", "", cellErr("部门代码", "department", "unknown", "")),
				row(4, "error", "", cellErr("部门代码", "department", "unknown", "")),
				row(5, "created", ""),
			}},
	})
}

// TestImportRowsNamingProjects: a row with an ID names a live project in
// the caller's scope, once in the file, at its current version, and leaves
// its stage and actual dates as they are.
func TestImportRowsNamingProjects(t *testing.T) {
	t.Parallel()
	runImports(t, []importCase{
		{name: "an ID given twice", p: bureau,
			rows: rows(header, energyRow, []string{energyProject, "3", "改名", "风电", "energy"}, solarRow, []string{}, solarRow),
			want: []exchange.ImportRow{
				row(2, "unchanged", energyProject),
				row(3, "error", "", cellErr("项目ID", "id", "repeated", "2")),
				row(4, "unchanged", solarProject),
				row(6, "error", "", cellErr("项目ID", "id", "repeated", "4")),
			}},
		{name: "versions", p: bureau,
			rows: rows(header,
				[]string{energyProject, "2", "晨风50兆瓦风电项目", "风电", "energy"},
				[]string{industryProject, "", "新材料产业园", "新材料", "industry"},
				[]string{solarProject, "0", "光伏发电项目", "光伏发电", "energy"},
				[]string{"", "1", "新项目", "风电", "energy"}),
			want: []exchange.ImportRow{
				row(2, "error", energyProject, cellErr("版本", "version", "version_conflict", "3")),
				row(3, "error", industryProject, cellErr("版本", "version", "required", "")),
				row(4, "error", solarProject, cellErr("版本", "version", "invalid_type", "integer")),
				row(5, "error", "", cellErr("版本", "version", "only_when", "项目ID")),
			}},
		{name: "unknown and archived projects", p: bureau,
			rows: rows(header,
				[]string{"p-missing", "1", "不存在", "风电", "energy"},
				[]string{archivedProject, "2", "已归档的项目", "其他", "energy"},
				[]string{"p-missing2", "x", "不存在", "风电", "energy"}),
			want: []exchange.ImportRow{
				row(2, "error", "", cellErr("项目ID", "id", "not_found", "")),
				row(3, "error", "", cellErr("项目ID", "id", "archived", "")),
				row(4, "error", "", cellErr("项目ID", "id", "not_found", ""), cellErr("版本", "version", "invalid_type", "integer")),
			}},
		{name: "a row shorter than the header: its cells empty", p: bureau, rows: rows(header, []string{energyProject}),
			want: []exchange.ImportRow{row(2, "error", energyProject,
				cellErr("版本", "version", "required", ""),
				cellErr("项目名称", "name", "required", ""),
				cellErr("项目类别", "category", "invalid_value", strings.Join(project.Values(project.Categories), ",")),
				cellErr("部门代码", "department", "required", ""))}},
		{name: "a caller's department that is not listed", p: identity.Principal{Subject: "u9", Name: "tourism_editor",
			Role: identity.RoleDeptEditor, Department: "tourism"},
			rows: rows(header, []string{"", "", "新项目", "文化旅游", ""}),
			want: []exchange.ImportRow{row(2, "error", "", cellErr("部门代码", "department", "unknown", ""))}},
		{name: "another department's project", p: energyEditor,
			rows: rows(header, []string{industryProject, "1", "新材料产业园", "新材料", "industry"}, solarRow),
			want: []exchange.ImportRow{row(2, "error", "", cellErr("项目ID", "id", "not_found", "")), row(3, "unchanged", solarProject)}},
		{name: "stage and actual dates are read only", p: bureau,
			rows: rows([]string{"项目ID", "版本", "项目名称", "项目类别", "部门代码", "项目阶段", "签约日期", "落地日期"},
				append(energyRow[:5:5], "落地", "2021-03-16", "2021-04-01"),
				append(solarRow[:5:5], "planning", "", ""),
				append(energyRow[:5:5], "签约", "44270", "")), // the same day as a date cell, but a repeated ID
			want: []exchange.ImportRow{
				row(2, "error", energyProject,
					cellErr("项目阶段", "stage", "read_only", "签约"),
					cellErr("签约日期", "signed_on", "read_only", "2021-03-15"),
					cellErr("落地日期", "landed_on", "read_only", "")),
				row(3, "unchanged", solarProject),
				row(4, "error", "", cellErr("项目ID", "id", "repeated", "2")),
			}},
		{name: "the stage and dates as they are, from a date cell", p: bureau,
			rows: rows([]string{"项目ID", "版本", "项目名称", "项目类别", "部门代码", "项目阶段", "签约日期"},
				append(energyRow[:5:5], "签约", "44270")),
			want: []exchange.ImportRow{row(2, "unchanged", energyProject)}},
		{name: "a department's caller keeps to its department", p: energyEditor,
			rows: rows(header,
				[]string{"", "", "新风电", "风电", ""},
				[]string{"", "", "新风电二期", "风电", "industry"},
				[]string{energyProject, "3", "晨风50兆瓦风电项目", "风电", "industry"},
				solarRow,
				[]string{"", "", "新风电三期", "风电", "能源局"}),
			want: []exchange.ImportRow{
				row(2, "created", ""),
				row(3, "error", "", cellErr("部门代码", "department", "not_allowed", "energy")),
				row(4, "error", energyProject, cellErr("部门代码", "department", "not_allowed", "energy")),
				row(5, "unchanged", solarProject),
				row(6, "created", ""),
			}},
	})
}

// TestImportCodes: a code is unique across the register, archived projects
// and other departments included, and a file gives it to one row.
func TestImportCodes(t *testing.T) {
	t.Parallel()
	h := append(header[:5:5], "项目代码")
	runImports(t, []importCase{
		{name: "codes held elsewhere or given twice", p: bureau,
			rows: rows(h,
				[]string{"", "", "甲", "风电", "energy", archivedCode},
				[]string{industryProject, "1", "新材料产业园", "新材料", "industry", energyCode},
				append(energyRow[:5:5], energyCode),
				[]string{"", "", "乙", "风电", "energy", "2021-140223-44-01-000777"},
				[]string{"", "", "丙", "风电", "energy", " 2021-140223-44-01-000777 "},
				[]string{"", "", "丁", "风电", "energy", "bad"},
				append(solarRow[:5:5], "2021-140223-44-01-000888")),
			want: []exchange.ImportRow{
				row(2, "error", "", cellErr("项目代码", "code", "not_unique", "")),
				row(3, "error", industryProject, cellErr("项目代码", "code", "not_unique", "")),
				row(4, "unchanged", energyProject),
				row(5, "created", ""),
				row(6, "error", "", cellErr("项目代码", "code", "repeated", "5")),
				row(7, "error", "", cellErr("项目代码", "code", "invalid_format", "YYYY-RRRRRR-DD-TT-NNNNNN")),
				row(8, "updated", solarProject),
			},
			check: func(t *testing.T, f *fixture) {
				assert.Equal(t, [][]string{{archivedCode, energyCode, "2021-140223-44-01-000777", "2021-140223-44-01-000777",
					"2021-140223-44-01-000888"}}, f.reg.asked, "only the codes rows give anew are looked up, at once")
			}},
		{name: "two projects cannot swap codes", p: bureau,
			rows: rows(h, append(energyRow[:5:5], ""), append(solarRow[:5:5], energyCode)),
			want: []exchange.ImportRow{
				row(2, "updated", energyProject),
				row(3, "error", solarProject, cellErr("项目代码", "code", "not_unique", "")),
			}},
		{name: "a code moved to a new project", p: bureau,
			rows: rows(h, append(energyRow[:5:5], "2021-140223-44-01-000002"), []string{"", "", "甲", "风电", "energy", energyCode}),
			want: []exchange.ImportRow{
				row(2, "updated", energyProject),
				row(3, "error", "", cellErr("项目代码", "code", "not_unique", "")),
			}},
		{name: "no new codes, none looked up", p: bureau, rows: rows(h, append(energyRow[:5:5], energyCode), append(solarRow[:5:5], "")),
			want:  []exchange.ImportRow{row(2, "unchanged", energyProject), row(3, "unchanged", solarProject)},
			check: func(t *testing.T, f *fixture) { assert.Empty(t, f.reg.asked) }},
	})
}

// TestImportReading: the header names the columns; a column without a
// heading, blank rows and cells beyond the header's last column are not
// read; a row shorter than the header has its last cells empty.
func TestImportReading(t *testing.T) {
	t.Parallel()
	wide := append([]string{"项目名称", "项目类别"}, make([]string, 97)...)
	runImports(t, []importCase{
		{name: "unnamed columns, blank rows, long and short rows", p: admin,
			rows: rows([]string{"项目名称", "", "项目类别", "部门代码", "", " "},
				[]string{"供水工程", "说明文字", "基础设施", "water", "", "", "超出表头的单元格", "项目ID"},
				[]string{"", " ", "", "\t"},
				[]string{"污水处理厂", "", "生态环保"}),
			want: []exchange.ImportRow{row(2, "created", ""), row(4, "error", "", cellErr("部门代码", "department", "required", ""))}},
		{name: "a heading in the 100th column", p: admin,
			rows: rows(append(wide, "部门代码"), append(append([]string{"甲", "风电"}, make([]string, 97)...), "energy")),
			want: []exchange.ImportRow{row(2, "created", "new-1")}},
		{name: "blank cells after the last heading are no columns", p: admin,
			rows: rows(append([]string{"项目名称", "项目类别", "部门代码"}, make([]string, 500)...), []string{"甲", "风电", "energy"}),
			want: []exchange.ImportRow{row(2, "created", "new-1")}},
		{name: "the health column is ignored", p: admin,
			rows: rows(append(header[:5:5], "健康状态"), append(energyRow[:5:5], "红灯")),
			want: []exchange.ImportRow{row(2, "unchanged", energyProject)}},
	})
}

// TestImportHeader: a header that names an unknown column, lacks a
// required one, repeats one or names one beyond the 100th refuses the file
// before any row is read, as does a file without a header.
func TestImportHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rows   [][]string
		kind   apperr.Kind
		fields []apperr.FieldError
	}{
		{"unknown columns", rows([]string{"项目名称", "项目类别", "备注", " remark ", "项目代码"}),
			apperr.UnknownField, []apperr.FieldError{{Field: "备注", Code: "unknown_field"}, {Field: "remark", Code: "unknown_field"}}},
		{"an unknown column before a missing one", rows([]string{"备注"}),
			apperr.UnknownField, []apperr.FieldError{{Field: "备注", Code: "unknown_field"}}},
		{"the required columns", rows([]string{"项目代码"}, []string{"2021-140223-44-01-000001"}),
			apperr.Invalid, []apperr.FieldError{{Field: "项目名称", Code: "required"}, {Field: "项目类别", Code: "required"}}},
		{"an ID without its version", rows([]string{"项目ID", "项目名称", "项目类别"}),
			apperr.Invalid, []apperr.FieldError{{Field: "版本", Code: "required"}}},
		{"a column repeated, by header or field name", rows([]string{"项目名称", "项目类别", "name", "总投资 (元)", "总投资（元）"}),
			apperr.Invalid, []apperr.FieldError{{Field: "项目名称", Code: "repeated"}, {Field: "总投资（元）", Code: "repeated"}}},
		{"a missing column before a repeated one", rows([]string{"项目名称", "项目名称"}),
			apperr.Invalid, []apperr.FieldError{{Field: "项目类别", Code: "required"}}},
		{"a heading beyond the 100th column", rows(append(append([]string{"项目名称", "项目类别"}, make([]string, 98)...), "部门代码")),
			apperr.Invalid, []apperr.FieldError{{Field: "file", Code: "too_long", Param: "100"}}},
		{"an empty file", nil, apperr.Invalid, []apperr.FieldError{{Field: "file", Code: "required"}}},
		{"blank rows only", rows([]string{}, []string{"", " \t"}, []string{"\u00a0", "\u3000"}),
			apperr.Invalid, []apperr.FieldError{{Field: "file", Code: "required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			_, err := f.svc.Import(context.Background(), admin, f.open(tt.rows), false)
			require.Equal(t, tt.kind, apperr.KindOf(err), "error: %v", err)
			assert.Equal(t, tt.fields, apperr.As(err).Fields)
			assert.Zero(t, f.tx.began)
			f.unchanged(t)
		})
	}
}
