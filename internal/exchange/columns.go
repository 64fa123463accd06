// Package exchange writes the register as a spreadsheet and reads one back
// (docs/api.md, "Export and import"): the register file's columns, how each
// is written and read, and the import's rules. The file formats (XLSX, CSV)
// belong to package sheet and the transport to httpapi, so that this
// package knows neither.
package exchange

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// CellKind tells a file format how to write a cell.
type CellKind uint8

// The kinds of cells.
const (
	EmptyCell   CellKind = iota
	TextCell             // text, written as text
	IntegerCell          // a whole number: yuan, a version
	NumberCell           // a decimal number: a capacity, 万元
	DateCell             // a calendar day (midnight UTC)
)

// Cell is one value of a row of the register file.
type Cell struct {
	Kind   CellKind
	Text   string
	Int    int64
	Number float64
	Date   time.Time
}

// String is the cell's text as CSV writes it: dates YYYY-MM-DD, numbers in
// full, never in exponent form.
func (c Cell) String() string {
	switch c.Kind {
	case TextCell:
		return c.Text
	case IntegerCell:
		return strconv.FormatInt(c.Int, 10)
	case NumberCell:
		return strconv.FormatFloat(c.Number, 'f', -1, 64)
	case DateCell:
		return c.Date.Format(time.DateOnly)
	}
	return ""
}

// Column is one column of the register file.
type Column struct {
	// Header is the Chinese header staff see; an import also accepts Alias
	// (the API field, for systems).
	Header string
	Alias  string
	// Field is the API field the column holds, named in row errors.
	Field string
	Kind  CellKind
	// Source and Per make a derived column: the value of column Source
	// divided by Per (总投资（万元）). An XLSX file writes it as a formula.
	Source string
	Per    int64
	// Required columns must be in every imported file.
	Required bool
	// Ignored columns are written for reading and ignored by an import.
	Ignored bool
}

// Column headers an import treats specially.
const (
	HeaderID         = "项目ID"
	HeaderVersion    = "版本"
	HeaderName       = "项目名称"
	HeaderCategory   = "项目类别"
	HeaderDepartment = "部门代码"
	HeaderInvestment = "总投资（元）"
	HeaderWan        = "总投资（万元）"
	HeaderStage      = "项目阶段"
)

// column is a Column with how it is read from and written to a project.
type column struct {
	Column
	put func(p *project.Project, c *Cell)
	// set reads the cell into the row; it reports a problem as a field error
	// code and its parameter. Nil for an ignored column.
	set func(r *rowInput, v string) (code, param string)
}

func textCell(s string) Cell {
	if s == "" {
		return Cell{}
	}
	return Cell{Kind: TextCell, Text: s}
}

func optTextCell(s *string) Cell {
	if s == nil {
		return Cell{}
	}
	return textCell(*s)
}

func intCell(v *int64) Cell {
	if v == nil {
		return Cell{}
	}
	return Cell{Kind: IntegerCell, Int: *v}
}

func numberCell(v *float64) Cell {
	if v == nil {
		return Cell{}
	}
	return Cell{Kind: NumberCell, Number: *v}
}

func dayCell(t *time.Time) Cell {
	if t == nil {
		return Cell{}
	}
	return Cell{Kind: DateCell, Date: *t}
}

// labelCell is the label of value v (v itself when it has none) among
// labels, which labelsOf made.
func labelCell(labels map[string]string, v string) Cell {
	if zh, ok := labels[v]; ok {
		return textCell(zh)
	}
	return textCell(v)
}

// labelsOf maps each value of ls to its Chinese label.
func labelsOf(ls []project.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		if _, seen := m[l.Value]; !seen {
			m[l.Value] = l.ZH
		}
	}
	return m
}

// yuanPerWan is how many yuan make one 万元.
const yuanPerWan = 10000

func textColumn(header, field string, f func(p *project.Project) *string) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = textCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			*f(&r.p) = v
			return "", ""
		},
	}
}

func yuanColumn(header, field string, f func(p *project.Project) **int64) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: IntegerCell},
		put:    func(p *project.Project, c *Cell) { *c = intCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			n, code, param := parseYuan(v)
			if code == "" {
				*f(&r.p) = n
			}
			return code, param
		},
	}
}

func dateColumn(header, field string, f func(p *project.Project) **time.Time) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: DateCell},
		put:    func(p *project.Project, c *Cell) { *c = dayCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			t, ok := parseDay(v)
			if !ok {
				return "invalid_format", "YYYY-MM-DD"
			}
			*f(&r.p) = t
			return "", ""
		},
	}
}

// monthColumn holds a month, written YYYY-MM; an import reads YYYY-MM, or
// a day (a cell Excel turned into a date) as its month.
func monthColumn(header, field string, f func(p *project.Project) **calendar.Month) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell},
		put: func(p *project.Project, c *Cell) {
			if m := *f(p); m != nil {
				*c = textCell(m.String())
			} else {
				*c = Cell{}
			}
		},
		set: func(r *rowInput, v string) (string, string) {
			m, ok := parseMonth(v)
			if !ok {
				return "invalid_format", "YYYY-MM"
			}
			*f(&r.p) = m
			return "", ""
		},
	}
}

// enumColumn reads a label (or the API value) of ls; get and put read and
// write the project's field.
func enumColumn(header, field string, ls []project.Label, get func(p *project.Project) string, put func(p *project.Project, v string)) *column {
	labels := labelsOf(ls)
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = labelCell(labels, get(p)) },
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				put(&r.p, "")
				return "", ""
			}
			if former, ok := formerLabels[v]; ok && valid(ls, former) {
				v = former
			}
			for _, l := range ls {
				if v == l.ZH || v == l.Value {
					put(&r.p, l.Value)
					return "", ""
				}
			}
			zh := make([]string, len(ls))
			for i, l := range ls {
				zh[i] = l.ZH
			}
			return "invalid_value", strings.Join(zh, "、")
		},
	}
}

// formerLabels are labels that files exported before a label changed
// still carry, with the value each stands for, so that such a file imports
// as it was meant: 一般项目 is now 未定级.
var formerLabels = map[string]string{"一般项目": "none"}

func valid(ls []project.Label, v string) bool {
	return slices.ContainsFunc(ls, func(l project.Label) bool { return l.Value == v })
}

// columns is the register file, in order: the register's fields, the
// project file's, and the health, for reading.
var columns = slices.Concat([]*column{
	{
		Column: Column{Header: HeaderID, Alias: "id", Field: "id", Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = textCell(p.ID) },
	},
	{
		Column: Column{Header: HeaderVersion, Alias: "version", Field: "version", Kind: IntegerCell},
		put:    func(p *project.Project, c *Cell) { *c = Cell{Kind: IntegerCell, Int: int64(p.Version)} },
	},
	{
		Column: Column{Header: "项目代码", Alias: "code", Field: "code", Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = optTextCell(p.Code) },
		set: func(r *rowInput, v string) (string, string) {
			r.p.Code = nil
			if v != "" {
				r.p.Code = &v
			}
			return "", ""
		},
	},
	withRequired(textColumn(HeaderName, "name", func(p *project.Project) *string { return &p.Name })),
	withRequired(enumColumn(HeaderCategory, "category", project.Categories,
		func(p *project.Project) string { return string(p.Category) }, func(p *project.Project, v string) { p.Category = project.Category(v) })),
	{
		Column: Column{Header: HeaderDepartment, Alias: "department", Field: "department", Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = textCell(p.Department) },
		set: func(r *rowInput, v string) (string, string) {
			code, ok := r.imp.department(v)
			if !ok {
				return "unknown", ""
			}
			r.p.Department = code
			return "", ""
		},
	},
	leaderColumn(),
	textColumn("投资主体", "company", func(p *project.Project) *string { return &p.Company }),
	textColumn("所在乡镇", "township", func(p *project.Project) *string { return &p.Township }),
	{
		Column: Column{Header: "建设规模", Alias: "capacity", Field: "capacity", Kind: NumberCell},
		put:    func(p *project.Project, c *Cell) { *c = numberCell(p.Capacity) },
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				r.p.Capacity = nil
				return "", ""
			}
			n, ok := parseNumber(v)
			if !ok {
				return "invalid_type", "number"
			}
			r.p.Capacity = &n
			return "", ""
		},
	},
	textColumn("规模单位", "capacity_unit", func(p *project.Project) *string { return &p.CapacityUnit }),
	yuanColumn(HeaderInvestment, "total_investment_yuan", func(p *project.Project) **int64 { return &p.TotalInvestmentYuan }),
	{
		Column: Column{Header: HeaderWan, Alias: "total_investment_wan", Field: "total_investment_yuan", Kind: NumberCell,
			Source: HeaderInvestment, Per: yuanPerWan},
		put: func(p *project.Project, c *Cell) {
			if v := p.TotalInvestmentYuan; v != nil {
				*c = Cell{Kind: NumberCell, Number: float64(*v) / yuanPerWan}
			} else {
				*c = Cell{}
			}
		},
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				return "", ""
			}
			n, code, param := parseWan(v)
			if code == "" {
				r.wan = &n
			}
			return code, param
		},
	},
	yuanColumn("预计年产值（元）", "expected_annual_output_yuan", func(p *project.Project) **int64 { return &p.ExpectedAnnualOutputYuan }),
	enumColumn("建设性质", "build_type", project.BuildTypes,
		func(p *project.Project) string { return string(p.BuildType) }, func(p *project.Project, v string) { p.BuildType = project.BuildType(v) }),
	enumColumn("重点级别", "key_level", project.KeyLevels,
		func(p *project.Project) string { return string(p.KeyLevel) }, func(p *project.Project, v string) { p.KeyLevel = project.KeyLevel(v) }),
	dateColumn("计划签约日期", "planned_sign_date", func(p *project.Project) **time.Time { return &p.PlannedSignDate }),
	dateColumn("计划开工日期", "planned_start_date", func(p *project.Project) **time.Time { return &p.PlannedStartDate }),
	dateColumn("计划竣工日期", "planned_completion_date", func(p *project.Project) **time.Time { return &p.PlannedCompletionDate }),
	dateColumn("计划投产日期", "planned_production_date", func(p *project.Project) **time.Time { return &p.PlannedProductionDate }),
	monthColumn("入统月份", "in_statistics_since", func(p *project.Project) **calendar.Month { return &p.InStatisticsSince }),
	enumColumn(HeaderStage, "stage", project.Stages,
		func(p *project.Project) string { return string(p.Stage) }, func(p *project.Project, v string) { p.Stage = project.Stage(v) }),
	dateColumn("签约日期", "signed_on", func(p *project.Project) **time.Time { return &p.Actual.SignedOn }),
	dateColumn("落地日期", "landed_on", func(p *project.Project) **time.Time { return &p.Actual.LandedOn }),
	dateColumn("开工日期", "started_on", func(p *project.Project) **time.Time { return &p.Actual.StartedOn }),
	dateColumn("竣工日期", "completed_on", func(p *project.Project) **time.Time { return &p.Actual.CompletedOn }),
	dateColumn("投产日期", "production_on", func(p *project.Project) **time.Time { return &p.Actual.ProductionOn }),
	dateColumn("达效日期", "at_capacity_on", func(p *project.Project) **time.Time { return &p.Actual.AtCapacityOn }),
}, fileColumns, []*column{{
	Column: Column{Header: "健康状态", Alias: "health", Field: "health", Kind: TextCell, Ignored: true},
	put:    func(p *project.Project, c *Cell) { *c = labelCell(healthLabels, string(p.Health)) },
}})

var (
	healthLabels = labelsOf(project.Healths)
	stageLabels  = labelsOf(project.Stages)
)

func withRequired(c *column) *column {
	c.Required = true
	return c
}

// Columns lists the columns of the register file, in order.
func Columns() []Column {
	out := make([]Column, len(columns))
	for i, c := range columns {
		out[i] = c.Column
	}
	return out
}

// columnOf finds a column by its header or alias, forgiving ASCII
// parentheses and spaces in a header typed by hand.
func columnOf(header string) *column {
	header = strings.TrimSpace(header)
	h := strings.NewReplacer("(", "（", ")", "）", " ", "", "\u3000", "").Replace(header)
	for _, c := range columns {
		if h == c.Header || header == c.Alias {
			return c
		}
	}
	return nil
}

// fieldColumn is the header of the column that holds an API field, for
// errors the validation of a whole project reports.
func fieldColumn(field string) string {
	for _, c := range columns {
		if c.Field == field && c.Source == "" {
			return c.Header
		}
	}
	return field
}

// ExportRow writes a project's row into cells (reused when long enough)
// and returns it. Each column puts its cell in place: a cell returned by
// value was a third of the row's time.
func ExportRow(p *project.Project, cells []Cell) []Cell {
	cells = slices.Grow(cells[:0], len(columns))[:len(columns)]
	for i, c := range columns {
		c.put(p, &cells[i])
	}
	return cells
}

// cell is the column's cell of p.
func (c *column) cell(p *project.Project) Cell {
	var out Cell
	c.put(p, &out)
	return out
}
