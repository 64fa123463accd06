package exchange

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// rowInput is a row being read into a project.
type rowInput struct {
	p   project.Project
	wan *int64 // the 万元 cell, in yuan
	imp *importer
}

// rowPlan is what an import will do with one row.
type rowPlan struct {
	ImportRow
	create  *project.Draft
	version int
	fields  project.Fields // an update's new fields
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
	cur, err := imp.current(ctx, r, id, ver, ids)
	if err != nil {
		return nil, err
	}
	in := rowInput{imp: imp}
	if cur != nil {
		in.p = *cur
	}
	imp.readCells(r, &in, cells)
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

// readCells reads the row's cells into in, noting on r each that cannot be
// read.
func (imp *importer) readCells(r *rowPlan, in *rowInput, cells []string) {
	for i, c := range imp.cols {
		v := ""
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		// No cell takes a bidirectional control character, whatever its
		// column (docs/api.md, "Strict input").
		if c != nil && strings.ContainsFunc(v, project.BidiControl) {
			r.fail(c.Header, c.Field, "bidi_control", "")
			continue
		}
		if c == nil || c.set == nil {
			continue
		}
		if code, param := c.set(in, v); code != "" {
			r.fail(c.Header, c.Field, code, param)
		}
	}
}

// current reads the project a row names by its ID, as of the version the
// row gives, noting on r what is wrong with either; it is nil for a new
// project or one that cannot be updated.
func (imp *importer) current(ctx context.Context, r *rowPlan, id, ver string, ids map[string]int) (*project.Project, error) {
	if id == "" {
		if ver != "" {
			r.fail(HeaderVersion, "version", "only_when", HeaderID)
		}
		return nil, nil
	}
	if ids[id] != 0 {
		r.fail(HeaderID, "id", "repeated", strconv.Itoa(ids[id]))
		return nil, nil
	}
	ids[id] = r.Line
	var cur *project.Project
	pr, err := imp.s.register.GetOwn(ctx, imp.p, id)
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
	return cur, nil
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
			param = labelCell(stageLabels, param).Text
		}
		r.fail(col, f.Field, f.Code, param)
	}
	return nil
}

// planUpdate checks an update as Service.Update will, and finds whether it
// changes anything.
func (imp *importer) planUpdate(r *rowPlan, cur, next *project.Project) {
	if next.Stage != cur.Stage {
		r.fail(HeaderStage, "stage", "read_only", labelCell(stageLabels, string(cur.Stage)).Text)
	}
	for _, c := range columns {
		if c.Kind != DateCell || !strings.HasSuffix(c.Field, "_on") {
			continue
		}
		if was, now := c.cell(cur).String(), c.cell(next).String(); was != now {
			r.fail(c.Header, c.Field, "read_only", was)
		}
	}
	keepMaskedContact(imp, cur, next)
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
func (imp *importer) planCreate(r *rowPlan, next *project.Project) {
	e := project.Draft{Fields: next.Fields, Stage: next.Stage, Actual: next.Actual, Note: importNote}
	e.Fields.Normalize()
	if imp.p.Role.DepartmentBound() {
		if e.Department != "" && e.Department != imp.p.Department {
			r.fail(HeaderDepartment, "department", "not_allowed", imp.p.Department)
		}
		e.Department = imp.p.Department
	}
	if e.Stage == "" {
		e.Stage = project.Planning
	}
	_ = r.fieldErrors(e.Fields.Validate())
	_ = r.fieldErrors(project.ValidateEntry(e.Stage, e.Actual, imp.today))
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
	fresh := func(r *rowPlan) bool { return r.code != nil && r.newCode && !r.failed(codeCol) }
	var codes []string
	for _, r := range plans {
		if fresh(r) {
			codes = append(codes, *r.code)
		}
	}
	if len(codes) > 0 {
		holders, err := imp.s.register.CodeHolders(ctx, codes)
		if err != nil {
			return err
		}
		for _, r := range plans {
			if !fresh(r) {
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

func (rowFailure) Error() string { return "exchange: an import row failed" }

// apply writes the planned rows in one transaction, through Create and
// Update, so that each change gets its audit entry and history. A row that
// fails now (a change made since the check) rolls everything back.
func (s *Service) apply(ctx context.Context, p identity.Principal, plans []*rowPlan) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		for i, r := range plans {
			var err error
			switch r.Status {
			case RowCreated:
				var pr project.Project
				if pr, err = s.register.Create(ctx, p, *r.create); err == nil {
					r.ID = pr.ID
				}
			case RowUpdated:
				f := r.fields
				_, err = s.register.Update(ctx, p, r.ID, r.version, func(project.Fields) (project.Fields, error) { return f, nil })
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
