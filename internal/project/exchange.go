package project

// Export and import of the register as a spreadsheet (docs/api.md, "Export and import"). The
// columns, how each is written and read, and the import's rules live here;
// the file formats (XLSX, CSV) belong to package sheet and the transport to
// httpapi, so that this file knows neither.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
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
	// Width is the column's width in a spreadsheet, in characters.
	Width float64
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
	get func(p *Project) Cell
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

func intCell(v *int64) Cell {
	if v == nil {
		return Cell{}
	}
	return Cell{Kind: IntegerCell, Int: *v}
}

func dayCell(t *time.Time) Cell {
	if t == nil {
		return Cell{}
	}
	return Cell{Kind: DateCell, Date: *t}
}

func labelCell(ls []Label, v string) Cell {
	for _, l := range ls {
		if l.Value == v {
			return textCell(l.ZH)
		}
	}
	return textCell(v)
}

// yuanPerWan is how many yuan make one 万元.
const yuanPerWan = 10000

func textColumn(header, field string, width float64, f func(p *Project) *string) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell, Width: width},
		get:    func(p *Project) Cell { return textCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			*f(&r.p) = v
			return "", ""
		},
	}
}

func yuanColumn(header, field string, f func(p *Project) **int64) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: IntegerCell, Width: 16},
		get:    func(p *Project) Cell { return intCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			n, code, param := parseYuan(v)
			if code == "" {
				*f(&r.p) = n
			}
			return code, param
		},
	}
}

func dateColumn(header, field string, f func(p *Project) **time.Time) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: DateCell, Width: 12},
		get:    func(p *Project) Cell { return dayCell(*f(p)) },
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

// enumColumn reads a label (or the API value) of ls; get and put read and
// write the project's field.
func enumColumn(header, field string, width float64, ls []Label, get func(p *Project) string, put func(p *Project, v string)) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell, Width: width},
		get:    func(p *Project) Cell { return labelCell(ls, get(p)) },
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				put(&r.p, "")
				return "", ""
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

// columns is the register file, in order.
var columns = []*column{
	{
		Column: Column{Header: HeaderID, Alias: "id", Field: "id", Kind: TextCell, Width: 38},
		get:    func(p *Project) Cell { return textCell(p.ID) },
	},
	{
		Column: Column{Header: HeaderVersion, Alias: "version", Field: "version", Kind: IntegerCell, Width: 6},
		get:    func(p *Project) Cell { return Cell{Kind: IntegerCell, Int: int64(p.Version)} },
	},
	{
		Column: Column{Header: "项目代码", Alias: "code", Field: "code", Kind: TextCell, Width: 26},
		get: func(p *Project) Cell {
			if p.Code == nil {
				return Cell{}
			}
			return textCell(*p.Code)
		},
		set: func(r *rowInput, v string) (string, string) {
			r.p.Code = nil
			if v != "" {
				r.p.Code = &v
			}
			return "", ""
		},
	},
	withRequired(textColumn(HeaderName, "name", 36, func(p *Project) *string { return &p.Name })),
	withRequired(enumColumn(HeaderCategory, "category", 12, Categories,
		func(p *Project) string { return string(p.Category) }, func(p *Project, v string) { p.Category = Category(v) })),
	{
		Column: Column{Header: HeaderDepartment, Alias: "department", Field: "department", Kind: TextCell, Width: 14},
		get:    func(p *Project) Cell { return textCell(p.Department) },
		set: func(r *rowInput, v string) (string, string) {
			code, ok := r.imp.department(v)
			if !ok {
				return "unknown", ""
			}
			r.p.Department = code
			return "", ""
		},
	},
	textColumn("包联领导", "leader", 10, func(p *Project) *string { return &p.Leader }),
	textColumn("投资主体", "company", 24, func(p *Project) *string { return &p.Company }),
	textColumn("所在乡镇", "township", 10, func(p *Project) *string { return &p.Township }),
	{
		Column: Column{Header: "建设规模", Alias: "capacity", Field: "capacity", Kind: NumberCell, Width: 10},
		get: func(p *Project) Cell {
			if p.Capacity == nil {
				return Cell{}
			}
			return Cell{Kind: NumberCell, Number: *p.Capacity}
		},
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
	textColumn("规模单位", "capacity_unit", 8, func(p *Project) *string { return &p.CapacityUnit }),
	yuanColumn(HeaderInvestment, "total_investment_yuan", func(p *Project) **int64 { return &p.TotalInvestmentYuan }),
	{
		Column: Column{Header: HeaderWan, Alias: "total_investment_wan", Field: "total_investment_yuan", Kind: NumberCell,
			Source: HeaderInvestment, Per: yuanPerWan, Width: 14},
		get: func(p *Project) Cell {
			if p.TotalInvestmentYuan == nil {
				return Cell{}
			}
			return Cell{Kind: NumberCell, Number: float64(*p.TotalInvestmentYuan) / yuanPerWan}
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
	yuanColumn("预计年产值（元）", "expected_annual_output_yuan", func(p *Project) **int64 { return &p.ExpectedAnnualOutputYuan }),
	enumColumn("建设性质", "build_type", 8, BuildTypes,
		func(p *Project) string { return string(p.BuildType) }, func(p *Project, v string) { p.BuildType = BuildType(v) }),
	enumColumn("重点级别", "key_level", 10, KeyLevels,
		func(p *Project) string { return string(p.KeyLevel) }, func(p *Project, v string) { p.KeyLevel = KeyLevel(v) }),
	dateColumn("计划签约日期", "planned_sign_date", func(p *Project) **time.Time { return &p.PlannedSignDate }),
	dateColumn("计划开工日期", "planned_start_date", func(p *Project) **time.Time { return &p.PlannedStartDate }),
	dateColumn("计划竣工日期", "planned_completion_date", func(p *Project) **time.Time { return &p.PlannedCompletionDate }),
	dateColumn("计划投产日期", "planned_production_date", func(p *Project) **time.Time { return &p.PlannedProductionDate }),
	enumColumn(HeaderStage, "stage", 10, Stages,
		func(p *Project) string { return string(p.Stage) }, func(p *Project, v string) { p.Stage = Stage(v) }),
	dateColumn("签约日期", "signed_on", func(p *Project) **time.Time { return &p.Actual.SignedOn }),
	dateColumn("落地日期", "landed_on", func(p *Project) **time.Time { return &p.Actual.LandedOn }),
	dateColumn("开工日期", "started_on", func(p *Project) **time.Time { return &p.Actual.StartedOn }),
	dateColumn("竣工日期", "completed_on", func(p *Project) **time.Time { return &p.Actual.CompletedOn }),
	dateColumn("投产日期", "production_on", func(p *Project) **time.Time { return &p.Actual.ProductionOn }),
	dateColumn("达效日期", "at_capacity_on", func(p *Project) **time.Time { return &p.Actual.AtCapacityOn }),
	{
		Column: Column{Header: "健康状态", Alias: "health", Field: "health", Kind: TextCell, Width: 8, Ignored: true},
		get:    func(p *Project) Cell { return labelCell(Healths, string(p.Health)) },
	},
}

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
// and returns it.
func ExportRow(p *Project, cells []Cell) []Cell {
	cells = slices.Grow(cells[:0], len(columns))
	for _, c := range columns {
		cells = append(cells, c.get(p))
	}
	return cells
}

// Export formats.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ExportPageSize is how many projects an export reads from the database at
// a time.
const ExportPageSize = 500

// ExportQuery is a parsed export request: the file format and the list
// filters.
type ExportQuery struct {
	Format string
	List   ListQuery
}

// Export reads the projects q selects, within the principal's scope, page by
// page in creation order (so that each appears once however the register
// changes meanwhile), and calls write with each one's row; the slice is
// reused between calls. begin is called once the first page has been read,
// so that a refused request fails before anything is written.
func (s *Service) Export(ctx context.Context, p identity.Principal, q ListQuery, begin func() error, write func([]Cell) error) error {
	q.Sort, q.Limit, q.After, q.Count, q.Export = Sort{Key: SortCreated}, ExportPageSize, nil, false, true
	page, err := s.List(ctx, p, q)
	if err != nil {
		return err
	}
	if err := begin(); err != nil {
		return err
	}
	// The next page is read while this one is written: the database and
	// the file's encoding each take about half of an export's time.
	type next struct {
		page Page
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cells []Cell
	for {
		var ahead chan next
		if page.Next != nil {
			ahead = make(chan next, 1)
			q.After = page.Next
			go func(q ListQuery) {
				pg, err := s.List(ctx, p, q)
				ahead <- next{pg, err}
			}(q)
		}
		for i := range page.Items {
			cells = ExportRow(&page.Items[i], cells)
			if err := write(cells); err != nil {
				return err
			}
		}
		if ahead == nil {
			return nil
		}
		n := <-ahead
		if n.err != nil {
			return n.err
		}
		page = n.page
	}
}

// Table is a register file being read: its rows in order, each with its
// 1-based line number in the file. Next answers io.EOF after the last row.
type Table interface {
	Next() (line int, cells []string, err error)
}

// Limits of one import. A file may hold the whole register, whose unchanged
// rows cost a read each; the rows that create or update a project are
// written in one transaction, which must end within the query deadline
// (PIPELINE_QUERY_TIMEOUT), so fewer of those are taken at once.
const (
	MaxImportRows   = 20000
	MaxImportWrites = 2000
)

var errImportTooSlow = apperr.New(apperr.TooLarge,
	"导入未能在时限内完成，没有写入任何数据；请分批导入",
	"the import did not finish in time and wrote nothing; import the file in parts")

// Row statuses of an import report.
const (
	RowCreated   = "created"
	RowUpdated   = "updated"
	RowUnchanged = "unchanged"
	RowError     = "error"
)

// ImportReport is the outcome of an import, row by row. When any row
// failed, or in a dry run, nothing was written and each status says what
// the row would do.
type ImportReport struct {
	DryRun    bool
	Created   int
	Updated   int
	Unchanged int
	Failed    int
	Rows      []ImportRow
}

// ImportRow is the outcome of one row. ID is the project's, when known.
type ImportRow struct {
	Line   int
	Status string
	ID     string
	Errors []CellError
}

// CellError is one problem of one cell: its column's Chinese header, the
// API field, and a field error code with its parameter.
type CellError struct {
	Column string
	Field  string
	Code   string
	Param  string
}

// Written reports whether the import was committed.
func (r ImportReport) Written() bool { return !r.DryRun && r.Failed == 0 }

// importNote is the note of the history entry of a project an import enters
// past planning.
const importNote = "表格导入"

// rowInput is a row being read into a project.
type rowInput struct {
	p   Project
	wan *int64 // the 万元 cell, in yuan
	imp *importer
}

// rowPlan is what an import will do with one row.
type rowPlan struct {
	ImportRow
	create  *Entry
	version int
	fields  Fields // an update's new fields
	code    *string
	newCode bool // the row gives its project a code it does not hold yet
}

func (r *rowPlan) fail(col, field, code, param string) {
	r.Errors = append(r.Errors, CellError{Column: col, Field: field, Code: code, Param: param})
}

// failed reports whether a column's cell has an error already.
func (r *rowPlan) failed(col string) bool {
	return slices.ContainsFunc(r.Errors, func(e CellError) bool { return e.Column == col })
}

type importer struct {
	s     *Service
	p     identity.Principal
	today time.Time
	// cols are the file's columns by position; nil for one without a header.
	cols  []*column
	has   map[string]bool
	depts map[string]string // code, and unambiguous name, to code
}

func (imp *importer) department(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	code, ok := imp.depts[v]
	return code, ok
}

// maxImportColumns bounds how far to the right the header row may name a
// column: the register file has fewer than 30.
const maxImportColumns = 100

// readHeader maps the file's header row to columns.
func (imp *importer) readHeader(cells []string) error {
	imp.has = map[string]bool{}
	// Blank cells after the last heading are no columns; a heading far to
	// the right would make every row that wide.
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) > maxImportColumns {
		return &apperr.Error{Kind: apperr.Invalid,
			Fields: []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(maxImportColumns)}},
			Detail: apperr.Text{ZH: "第一行的列名超出了前 " + strconv.Itoa(maxImportColumns) + " 列", EN: "the first row names columns beyond the first " + strconv.Itoa(maxImportColumns)}}
	}
	var unknown, repeated []apperr.FieldError
	for _, h := range cells {
		c := (*column)(nil)
		if strings.TrimSpace(h) != "" {
			if c = columnOf(h); c == nil {
				unknown = append(unknown, apperr.FieldError{Field: strings.TrimSpace(h), Code: "unknown_field"})
			} else if imp.has[c.Header] {
				repeated = append(repeated, apperr.FieldError{Field: c.Header, Code: "repeated"})
			}
		}
		if c != nil {
			imp.has[c.Header] = true
		}
		imp.cols = append(imp.cols, c)
	}
	if len(unknown) > 0 {
		known := make([]string, len(columns))
		for i, c := range columns {
			known[i] = c.Header
		}
		return &apperr.Error{Kind: apperr.UnknownField, Fields: unknown, Detail: apperr.Text{
			ZH: "文件含有未知的列；可用的列：" + strings.Join(known, "、"),
			EN: "the file has unknown columns; the columns are: " + strings.Join(known, ", "),
		}}
	}
	var missing []apperr.FieldError
	for _, c := range columns {
		if c.Required && !imp.has[c.Header] || c.Header == HeaderVersion && imp.has[HeaderID] && !imp.has[HeaderVersion] {
			missing = append(missing, apperr.FieldError{Field: c.Header, Code: "required"})
		}
	}
	if len(missing) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Fields: missing, Detail: apperr.Text{
			ZH: "文件缺少必需的列（有“项目ID”列时也须有“版本”列）",
			EN: "the file lacks required columns (with 项目ID, 版本 is required too)",
		}}
	}
	if len(repeated) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Fields: repeated, Detail: apperr.Text{
			ZH: "文件中有重复的列", EN: "the file repeats columns",
		}}
	}
	return nil
}

// Import reads a register file and creates or updates a project for each
// row, all in one transaction, or, when any row fails or in a dry run,
// writes nothing. Each row is checked and reported. A row with an ID updates
// that project, if its version is the current one; stage and actual dates
// do not change through an import. A row without one creates a project,
// at any stage, as Create does. Funding is not in the file and stays as it
// is. open is called once the principal may write.
func (s *Service) Import(ctx context.Context, p identity.Principal, open func() (Table, error), dryRun bool) (ImportReport, error) {
	if err := CanWrite(p); err != nil {
		return ImportReport{}, err
	}
	t, err := open()
	if err != nil {
		return ImportReport{}, err
	}
	imp := &importer{s: s, p: p, today: calendar.Today(s.clock())}

	var lines []int
	var rows [][]string
	for {
		line, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ImportReport{}, err
		}
		if imp.cols != nil {
			// Only the header's columns are read: a reader may pad a row
			// to its last cell, which a file can put in column XFD.
			cells = slices.Clone(cells[:min(len(cells), len(imp.cols))])
		}
		if blank(cells) {
			continue
		}
		if imp.cols == nil {
			if err := imp.readHeader(cells); err != nil {
				return ImportReport{}, err
			}
			continue
		}
		if len(rows) == MaxImportRows {
			return ImportReport{}, &apperr.Error{Kind: apperr.Invalid,
				Fields: []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(MaxImportRows)}},
				Detail: apperr.Text{ZH: "文件行数超过上限，请分批导入", EN: "the file has too many rows; import it in parts"}}
		}
		lines, rows = append(lines, line), append(rows, cells)
	}
	if imp.cols == nil {
		return ImportReport{}, &apperr.Error{Kind: apperr.Invalid, Fields: []apperr.FieldError{{Field: "file", Code: "required"}},
			Detail: apperr.Text{ZH: "文件是空的，第一行应为列名", EN: "the file is empty; its first row must name the columns"}}
	}

	depts, err := s.store.Departments(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	imp.depts = departmentKeys(depts)

	plans := make([]*rowPlan, len(rows))
	ids := map[string]int{}
	for i, cells := range rows {
		if plans[i], err = imp.plan(ctx, lines[i], cells, ids); err != nil {
			return ImportReport{}, err
		}
	}
	if err := imp.checkCodes(ctx, plans); err != nil {
		return ImportReport{}, err
	}

	rep := ImportReport{DryRun: dryRun, Rows: make([]ImportRow, len(plans))}
	for _, r := range plans {
		if len(r.Errors) > 0 {
			r.Status = RowError
			rep.Failed++
		}
	}
	if rep.Failed == 0 && !dryRun {
		writes := 0
		for _, r := range plans {
			if r.Status == RowCreated || r.Status == RowUpdated {
				writes++
			}
		}
		if writes > MaxImportWrites {
			return ImportReport{}, &apperr.Error{Kind: apperr.Invalid,
				Fields: []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(MaxImportWrites)}},
				Detail: apperr.Text{
					ZH: fmt.Sprintf("文件中有 %d 行要新建或修改项目，一次最多 %d 行，请分批导入", writes, MaxImportWrites),
					EN: fmt.Sprintf("%d rows of the file create or change a project, at most %d may at once; import it in parts", writes, MaxImportWrites),
				}}
		}
		if err := s.apply(ctx, p, plans); err != nil {
			var rf rowFailure
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				return ImportReport{}, errImportTooSlow
			}
			if !errors.As(err, &rf) {
				return ImportReport{}, err
			}
			for _, r := range plans {
				if r.Status == RowCreated {
					r.ID = ""
				}
			}
			r := plans[rf.i]
			r.Status, r.Errors = RowError, rf.errs
			rep.Failed = 1
		}
	}
	for i, r := range plans {
		switch r.Status {
		case RowCreated:
			rep.Created++
		case RowUpdated:
			rep.Updated++
		case RowUnchanged:
			rep.Unchanged++
		}
		if r.Errors == nil {
			r.Errors = []CellError{}
		}
		rep.Rows[i] = r.ImportRow
	}
	return rep, nil
}

func blank(cells []string) bool {
	return !slices.ContainsFunc(cells, func(s string) bool { return strings.TrimSpace(s) != "" })
}

// departmentKeys maps each department's code, and each name no other
// department shares, to the code. Files carry codes, which never change;
// names are admitted for rows typed by hand.
func departmentKeys(ds []Department) map[string]string {
	out := map[string]string{}
	names := map[string]int{}
	for _, d := range ds {
		names[d.Name]++
	}
	for _, d := range ds {
		if names[d.Name] == 1 && d.Name != "" {
			out[d.Name] = d.Code
		}
	}
	for _, d := range ds {
		out[d.Code] = d.Code
	}
	return out
}

// plan reads one row and checks it against the project it names.
func (imp *importer) plan(ctx context.Context, line int, cells []string, ids map[string]int) (*rowPlan, error) {
	r := &rowPlan{ImportRow: ImportRow{Line: line}}
	cell := func(header string) (string, bool) {
		for i, c := range imp.cols {
			if c != nil && c.Header == header {
				if i < len(cells) {
					return strings.TrimSpace(cells[i]), true
				}
				return "", true
			}
		}
		return "", false
	}
	id, _ := cell(HeaderID)
	ver, _ := cell(HeaderVersion)

	var cur *Project
	switch {
	case id == "":
		if ver != "" {
			r.fail(HeaderVersion, "version", "only_when", HeaderID)
		}
	case ids[id] != 0:
		r.fail(HeaderID, "id", "repeated", strconv.Itoa(ids[id]))
	default:
		ids[id] = line
		pr, err := imp.s.store.Get(ctx, ScopeOf(imp.p), id)
		switch {
		case apperr.KindOf(err) == apperr.NotFound:
			r.fail(HeaderID, "id", "not_found", "")
		case err != nil:
			return nil, err
		case pr.ArchivedAt != nil:
			r.fail(HeaderID, "id", "archived", "")
		default:
			cur, r.ID = &pr, pr.ID
		}
		if v, err := strconv.Atoi(ver); ver == "" {
			r.fail(HeaderVersion, "version", "required", "")
		} else if err != nil || v < 1 {
			r.fail(HeaderVersion, "version", "invalid_type", "integer")
		} else if r.version = v; cur != nil && v != cur.Version {
			r.fail(HeaderVersion, "version", "version_conflict", strconv.Itoa(cur.Version))
		}
	}

	in := rowInput{imp: imp}
	if cur != nil {
		in.p = *cur
	}
	for i, c := range imp.cols {
		if c == nil || c.set == nil {
			continue
		}
		v := ""
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		if code, param := c.set(&in, v); code != "" {
			r.fail(c.Header, c.Field, code, param)
		}
	}
	imp.applyWan(r, &in, cell)
	if id != "" && cur == nil {
		return r, nil // nothing to check the cells against
	}
	if cur != nil {
		imp.planUpdate(r, cur, &in.p)
	} else {
		imp.planCreate(r, &in.p)
	}
	return r, nil
}

// applyWan reads the 万元 cell: it gives the total investment when the yuan
// cell is empty or missing, and must agree with it otherwise.
func (imp *importer) applyWan(r *rowPlan, in *rowInput, cell func(string) (string, bool)) {
	if in.wan == nil || r.failed(HeaderInvestment) {
		return
	}
	if yuan, _ := cell(HeaderInvestment); yuan == "" {
		in.p.TotalInvestmentYuan = in.wan
		return
	}
	if *in.p.TotalInvestmentYuan != *in.wan {
		r.fail(HeaderWan, "total_investment_yuan", "mismatch", HeaderInvestment)
	}
}

// fieldErrors adds the field errors of err to r, skipping columns that
// failed to read already; it returns err when it is not Invalid.
func (r *rowPlan) fieldErrors(err error) error {
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	if e.Kind != apperr.Invalid && len(e.Fields) == 0 {
		return err
	}
	for _, f := range e.Fields {
		col := fieldColumn(f.Field)
		if r.failed(col) {
			continue
		}
		param := f.Param
		switch f.Code {
		case "date_order":
			param = fieldColumn(param)
		case "not_reached":
			param = labelCell(Stages, param).Text
		}
		r.fail(col, f.Field, f.Code, param)
	}
	return nil
}

// planUpdate checks an update as Service.Update will, and finds whether it
// changes anything.
func (imp *importer) planUpdate(r *rowPlan, cur, next *Project) {
	if next.Stage != cur.Stage {
		r.fail(HeaderStage, "stage", "read_only", labelCell(Stages, string(cur.Stage)).Text)
	}
	for _, c := range columns {
		if c.Kind != DateCell || !strings.HasSuffix(c.Field, "_on") {
			continue
		}
		if was, now := c.get(cur).String(), c.get(next).String(); was != now {
			r.fail(c.Header, c.Field, "read_only", was)
		}
	}
	f := next.Fields
	f.Normalize()
	_ = r.fieldErrors(f.Validate())
	if f.Department != cur.Department {
		if imp.p.Role.DepartmentBound() {
			r.fail(HeaderDepartment, "department", "not_allowed", imp.p.Department)
		}
	}
	r.code, r.newCode = f.Code, f.Code != nil && (cur.Code == nil || *cur.Code != *f.Code)
	r.fields = f
	if reflect.DeepEqual(f, cur.Fields) {
		r.Status = RowUnchanged
	} else {
		r.Status = RowUpdated
	}
}

// planCreate checks a new project as Service.Create will.
func (imp *importer) planCreate(r *rowPlan, next *Project) {
	e := Entry{Fields: next.Fields, Stage: next.Stage, Actual: next.Actual, Note: importNote}
	e.Fields.Normalize()
	if imp.p.Role.DepartmentBound() {
		if e.Department != "" && e.Department != imp.p.Department {
			r.fail(HeaderDepartment, "department", "not_allowed", imp.p.Department)
		}
		e.Department = imp.p.Department
	}
	if e.Stage == "" {
		e.Stage = Planning
	}
	_ = r.fieldErrors(e.Fields.Validate())
	_ = r.fieldErrors(ValidateEntry(e.Stage, e.Actual, imp.today))
	if _, known := imp.depts[e.Department]; e.Department != "" && !known && !r.failed(HeaderDepartment) {
		r.fail(HeaderDepartment, "department", "unknown", "")
	}
	r.code, r.newCode = e.Code, e.Code != nil
	r.create, r.Status = &e, RowCreated
}

// checkCodes finds codes that other projects hold, in any department,
// archived or not (the code is unique across the register), and codes the
// file gives to two rows.
func (imp *importer) checkCodes(ctx context.Context, plans []*rowPlan) error {
	codeCol := fieldColumn("code")
	var fresh []string
	for _, r := range plans {
		if r.code != nil && r.newCode && !r.failed(codeCol) {
			fresh = append(fresh, *r.code)
		}
	}
	if len(fresh) > 0 {
		holders, err := imp.s.store.CodeHolders(ctx, fresh)
		if err != nil {
			return err
		}
		for _, r := range plans {
			if r.code == nil || !r.newCode || r.failed(codeCol) {
				continue
			}
			if id, taken := holders[*r.code]; taken && id != r.ID {
				r.fail(codeCol, "code", "not_unique", "")
			}
		}
	}
	first := map[string]int{}
	for _, r := range plans {
		if r.code == nil || r.failed(codeCol) {
			continue
		}
		if l, seen := first[*r.code]; seen {
			r.fail(codeCol, "code", "repeated", strconv.Itoa(l))
			continue
		}
		first[*r.code] = r.Line
	}
	return nil
}

// rowFailure stops the writing of an import at the row that failed.
type rowFailure struct {
	i    int
	errs []CellError
}

func (rowFailure) Error() string { return "project: an import row failed" }

// apply writes the planned rows in one transaction, through Create and
// Update, so that each change gets its audit entry and history. A row that
// fails now (a change made since the check) rolls everything back.
func (s *Service) apply(ctx context.Context, p identity.Principal, plans []*rowPlan) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		for i, r := range plans {
			var err error
			switch r.Status {
			case RowCreated:
				var pr Project
				if pr, err = s.Create(ctx, p, *r.create); err == nil {
					r.ID = pr.ID
				}
			case RowUpdated:
				f := r.fields
				_, err = s.Update(ctx, p, r.ID, r.version, func(Fields) (Fields, error) { return f, nil })
			}
			if err != nil {
				return rowError(i, err)
			}
		}
		return nil
	})
}

// rowError turns the failure of a row's write into its cell errors; an
// internal or authorisation failure stays what it is.
func rowError(i int, err error) error {
	var r rowPlan
	e := apperr.As(err)
	switch e.Kind {
	case apperr.Invalid, apperr.Conflict:
		if len(e.Fields) > 0 {
			_ = r.fieldErrors(&apperr.Error{Kind: apperr.Invalid, Fields: e.Fields})
		} else {
			r.fail(HeaderID, "id", "conflict", "")
		}
	case apperr.VersionConflict:
		r.fail(HeaderVersion, "version", "version_conflict", "")
	case apperr.NotFound:
		r.fail(HeaderID, "id", "not_found", "")
	default:
		return err
	}
	return rowFailure{i: i, errs: r.Errors}
}

var (
	yuanPattern   = regexp.MustCompile(`^-?\d+(\.0*)?$`)
	numberPattern = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	datePattern   = regexp.MustCompile(`^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)$`)
	serialPattern = regexp.MustCompile(`^\d{1,7}(\.0*)?$`)
)

// ungroup drops the thousands separators a spreadsheet may write.
func ungroup(s string) string { return strings.ReplaceAll(s, ",", "") }

// parseYuan reads a whole number of yuan; a fraction, an exponent (a
// spreadsheet's rounded display) or text is invalid_type.
func parseYuan(s string) (*int64, string, string) {
	if s == "" {
		return nil, "", ""
	}
	s = ungroup(s)
	if !yuanPattern.MatchString(s) {
		return nil, "invalid_type", "integer"
	}
	whole, _, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return nil, "out_of_range", "0.." + strconv.FormatInt(MaxYuan, 10)
	}
	return &n, "", ""
}

// parseWan reads 万元 as yuan; it must come to a whole number of yuan.
func parseWan(s string) (int64, string, string) {
	f, ok := parseNumber(s)
	if !ok {
		return 0, "invalid_type", "number"
	}
	y := f * yuanPerWan
	n := math.Round(y)
	if math.Abs(y-n) > 1e-6+math.Abs(y)*1e-12 {
		return 0, "invalid_type", "integer"
	}
	if n < 0 || n > float64(MaxYuan) {
		return 0, "out_of_range", "0.." + strconv.FormatInt(MaxYuan/yuanPerWan, 10)
	}
	return int64(n), "", ""
}

func parseNumber(s string) (float64, bool) {
	s = ungroup(s)
	if !numberPattern.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// excelEpoch is day 0 of spreadsheet date serial numbers from 1 March 1900
// on (the 1900 date system counts a 29 February 1900, serial 60, that never
// was).
var excelEpoch = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)

// parseDay reads a calendar day: YYYY-MM-DD (also with / or . and one-digit
// month and day, or YYYY年M月D日), or the serial number a spreadsheet stores
// for a date cell. Empty is nil.
func parseDay(s string) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	var t time.Time
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, d := m[2]+m[4], m[3]+m[5]
		mon, _ := strconv.Atoi(mo)
		dd, _ := strconv.Atoi(d)
		t = time.Date(y, time.Month(mon), dd, 0, 0, 0, 0, time.UTC)
		if t.Month() != time.Month(mon) || t.Day() != dd {
			return nil, false // 2021-02-30
		}
	} else if serialPattern.MatchString(s) {
		whole, _, _ := strings.Cut(s, ".")
		n, _ := strconv.Atoi(whole)
		switch {
		case n >= 61:
			t = excelEpoch.AddDate(0, 0, n)
		case n >= 1 && n < 60: // before the fictitious day
			t = excelEpoch.AddDate(0, 0, n+1)
		default:
			return nil, false
		}
	} else {
		return nil, false
	}
	if t.Year() < 1900 || t.Year() > 2999 {
		return nil, false
	}
	return &t, true
}
