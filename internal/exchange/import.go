package exchange

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

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

var errImportTooSlow = apperr.Coded(apperr.TooLarge, "import.too_slow")

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
	// Blank cells after the last heading are no columns; a heading far to
	// the right would make every row that wide.
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) > maxImportColumns {
		return &apperr.Error{Kind: apperr.Invalid,
			Fields:  []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(maxImportColumns)}},
			Message: "import.too_many_columns", Params: []string{strconv.Itoa(maxImportColumns)}}
	}
	unknown, repeated := imp.mapHeader(cells)
	if len(unknown) > 0 {
		known := make([]string, len(columns))
		for i, c := range columns {
			known[i] = c.Header
		}
		return &apperr.Error{Kind: apperr.UnknownField, Fields: unknown,
			Message: "import.unknown_columns", Params: []string{strings.Join(known, ", ")}}
	}
	if missing := imp.missing(); len(missing) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Fields: missing, Message: "import.missing_columns"}
	}
	if len(repeated) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Fields: repeated, Message: "import.repeated_columns"}
	}
	return nil
}

// mapHeader sets the file's columns by position from its headings, and
// reports the headings that name no column and those that name one again.
func (imp *importer) mapHeader(cells []string) (unknown, repeated []apperr.FieldError) {
	imp.has = map[string]bool{}
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
	return unknown, repeated
}

// missing lists the required columns the header lacks: 版本 is required
// with 项目ID.
func (imp *importer) missing() []apperr.FieldError {
	var out []apperr.FieldError
	for _, c := range columns {
		if c.Required && !imp.has[c.Header] || c.Header == HeaderVersion && imp.has[HeaderID] && !imp.has[HeaderVersion] {
			out = append(out, apperr.FieldError{Field: c.Header, Code: "required"})
		}
	}
	return out
}

// Import reads a register file and creates or updates a project for each
// row, all in one transaction, or, when any row fails or in a dry run,
// writes nothing. Each row is checked and reported. A row with an ID updates
// that project, if its version is the current one; stage and actual dates
// do not change through an import. A row without one creates a project,
// at any stage, as Create does. Funding is not in the file and stays as it
// is. open is called once the principal may write.
func (s *Service) Import(ctx context.Context, p identity.Principal, open func() (Table, error), dryRun bool) (_ ImportReport, err error) {
	defer apperr.Wrap(&err, "exchange.Service.Import")
	if err := project.CanWrite(p); err != nil {
		return ImportReport{}, err
	}
	t, err := open()
	if err != nil {
		return ImportReport{}, err
	}
	imp := &importer{s: s, p: p, today: calendar.Today(s.now())}
	lines, rows, err := imp.read(t)
	if err != nil {
		return ImportReport{}, err
	}
	depts, err := s.depts.List(ctx, p)
	if err != nil {
		return ImportReport{}, err
	}
	imp.depts = departmentKeys(depts)
	plans, err := imp.planAll(ctx, lines, rows)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{DryRun: dryRun, Rows: make([]ImportRow, len(plans))}
	rep.Failed = markFailed(plans)
	if rep.Failed == 0 && !dryRun {
		if rep.Failed, err = s.write(ctx, p, plans); err != nil {
			return ImportReport{}, err
		}
	}
	tally(&rep, plans)
	return rep, nil
}

var (
	errTooManyRows = &apperr.Error{Kind: apperr.Invalid,
		Fields:  []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(MaxImportRows)}},
		Message: "import.too_many_rows"}
	errEmptyFile = &apperr.Error{Kind: apperr.Invalid, Fields: []apperr.FieldError{{Field: "file", Code: "required"}},
		Message: "import.no_header"}
)

// read reads t's header and its rows that are not blank, with their lines.
func (imp *importer) read(t Table) (lines []int, rows [][]string, err error) {
	for {
		line, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if imp.cols != nil {
			// Only the header's columns are read: a reader may pad a row
			// to its last cell, which a file can put in column XFD.
			cells = slices.Clone(cells[:min(len(cells), len(imp.cols))])
		}
		switch {
		case blank(cells):
		case imp.cols == nil:
			if err := imp.readHeader(cells); err != nil {
				return nil, nil, err
			}
		case len(rows) == MaxImportRows:
			return nil, nil, errTooManyRows
		default:
			lines, rows = append(lines, line), append(rows, cells)
		}
	}
	if imp.cols == nil {
		return nil, nil, errEmptyFile
	}
	return lines, rows, nil
}

// planAll plans every row, then checks the codes the rows give.
func (imp *importer) planAll(ctx context.Context, lines []int, rows [][]string) ([]*rowPlan, error) {
	plans := make([]*rowPlan, len(rows))
	ids := map[string]int{}
	for i, cells := range rows {
		var err error
		if plans[i], err = imp.plan(ctx, lines[i], cells, ids); err != nil {
			return nil, err
		}
	}
	return plans, imp.checkCodes(ctx, plans)
}

// markFailed marks the rows with errors as failed and counts them.
func markFailed(plans []*rowPlan) int {
	n := 0
	for _, r := range plans {
		if len(r.Errors) > 0 {
			r.Status = RowError
			n++
		}
	}
	return n
}

// write commits the planned rows. A row that fails as it is written (a
// change made since the check) rolls every row back and is reported: write
// then answers 1, the rows that failed.
func (s *Service) write(ctx context.Context, p identity.Principal, plans []*rowPlan) (int, error) {
	writes := 0
	for _, r := range plans {
		if r.Status == RowCreated || r.Status == RowUpdated {
			writes++
		}
	}
	if writes > MaxImportWrites {
		return 0, &apperr.Error{Kind: apperr.Invalid,
			Fields:  []apperr.FieldError{{Field: "file", Code: "too_long", Param: strconv.Itoa(MaxImportWrites)}},
			Message: "import.too_many_writes", Params: []string{strconv.Itoa(writes), strconv.Itoa(MaxImportWrites)}}
	}
	err := s.apply(ctx, p, plans)
	var rf rowFailure
	switch {
	case err == nil:
		return 0, nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return 0, errImportTooSlow
	case !errors.As(err, &rf):
		return 0, err
	}
	for _, r := range plans {
		if r.Status == RowCreated {
			r.ID = ""
		}
	}
	r := plans[rf.i]
	r.Status, r.Errors = RowError, rf.errs
	return 1, nil
}

// tally counts the rows by status into rep.
func tally(rep *ImportReport, plans []*rowPlan) {
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
}

func blank(cells []string) bool {
	return !slices.ContainsFunc(cells, func(s string) bool { return strings.TrimSpace(s) != "" })
}

// departmentKeys maps each department's code, and each name no other
// department shares, to the code. Files carry codes, which never change;
// names are admitted for rows typed by hand.
func departmentKeys(ds []department.Department) map[string]string {
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
