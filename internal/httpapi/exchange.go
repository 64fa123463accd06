package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/sheet"
)

// exportWriteTimeout is how long an export may take to send: longer than
// the server's write timeout, which suits JSON answers.
const exportWriteTimeout = 30 * time.Minute

// exportProjects writes the register as a spreadsheet.
//
//	@Summary		Export projects as XLSX or CSV
//	@Description	The projects the caller may read that the filters select (those of the project list), in creation order, one row each with Chinese column headers (docs/api.md, "Export and import"): XLSX with date cells, or CSV in UTF-8 with a byte order mark. The file is streamed as the register is read; sort, limit, cursor and count do not apply and are refused.
//	@ID				exportProjects
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,application/problem+json
//	@Param			format				query		string				false	"file format"	Enums(xlsx,csv)	default(xlsx)
//	@Param			stage				query		string				false	"stages, comma-separated"
//	@Param			category			query		string				false	"categories, comma-separated"
//	@Param			department			query		string				false	"department codes, comma-separated"
//	@Param			build_type			query		string				false	"new, continuing"
//	@Param			key_level			query		string				false	"key levels, comma-separated"
//	@Param			health				query		string				false	"green, yellow, red"
//	@Param			township			query		string				false	"township, exact"
//	@Param			leader				query		string				false	"responsible leader, exact"
//	@Param			q					query		string				false	"substring of name, company or code"
//	@Param			min_investment_yuan	query		integer				false	"minimum total investment"					minimum(0)
//	@Param			max_investment_yuan	query		integer				false	"maximum total investment"					minimum(0)
//	@Param			planned_start_from	query		string				false	"planned start on or after (YYYY-MM-DD)"	format(date)
//	@Param			planned_start_to	query		string				false	"planned start on or before (YYYY-MM-DD)"	format(date)
//	@Param			updated_since		query		string				false	"changed at or after (RFC 3339)"			format(date-time)
//	@Param			archived			query		boolean				false	"export archived projects instead (bureau, admin)"
//	@Success		200					{file}		file				"the register file"
//	@Header			200					{string}	Content-Disposition	"attachment with the file name (RFC 6266)"
//	@Failure		400					{object}	api.Problem
//	@Failure		401					{object}	api.Problem
//	@Failure		403					{object}	api.Problem
//	@Failure		503					{object}	api.Problem
//	@Router			/api/v1/projects/export [get]
func (h *handlers) exportProjects(c *gin.Context, p identity.Principal) error {
	q, err := parseExportQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	if c.Request.Method == http.MethodHead {
		// The headers alone, without reading the register.
		h.exportHeaders(c, q.Format)
		return nil
	}
	var w sheet.Writer
	err = h.exchange.Export(c.Request.Context(), p, q.List, func() error {
		// A large register takes longer to send than a JSON answer may.
		_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(exportWriteTimeout))
		h.exportHeaders(c, q.Format)
		var err error
		w, err = sheet.NewWriter(q.Format, c.Writer, exchange.Columns(), columnWidths)
		return err
	}, func(cells []exchange.Cell) error { return w.WriteRow(cells) })
	if err == nil {
		err = w.Close()
	} else if w != nil {
		w.Abort()
	}
	if err != nil && !c.Writer.Written() {
		// Nothing has left yet (the failure came before the first row): it
		// is answered as problem details, not as a download.
		c.Writer.Header().Del("Content-Disposition")
	}
	// Once the file has begun, an error cuts the connection (answer).
	return err
}

// disposition names the download: an ASCII name for old clients and the
// Chinese one (RFC 6266, RFC 8187) for the rest.
func disposition(format string, day time.Time) string {
	stamp := day.Format("20060102")
	return fmt.Sprintf(`attachment; filename="projects-%s.%s"; filename*=UTF-8''%s`,
		stamp, format, url.PathEscape("重大项目清单-"+stamp+"."+format))
}

// importProjects creates and updates projects from a register file.
//
//	@Summary		Import projects from XLSX or CSV
//	@Description	Reads a file with the export's columns (a header row, columns in any order; docs/api.md, "Export and import"), told XLSX or CSV by its content. A row with 项目ID updates that project (its 版本 must be the current version; stage and actual dates cannot change); a row without creates one, at any stage. Every row is checked and reported. All rows are written in one transaction, or none: when any row fails, nothing is written and the answer is 422 with the report. With dry_run=true nothing is written and the answer is 200 with the report.
//	@ID				importProjects
//	@Tags			projects
//	@Security		BearerAuth
//	@Accept			multipart/form-data
//	@Produce		json,application/problem+json
//	@Param			dry_run	query		boolean	false	"check and report only, write nothing"	default(false)
//	@Param			file	formData	file	true	"the register file, XLSX or CSV"
//	@Success		200		{object}	api.ImportReport
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		413		{object}	api.Problem
//	@Failure		415		{object}	api.Problem
//	@Failure		422		{object}	api.ImportFailure	"rows failed; nothing was written"
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/projects/import [post]
func (h *handlers) importProjects(c *gin.Context, p identity.Principal) error {
	dryRun, err := importQuery(c)
	if err != nil {
		return err
	}
	var rd sheet.Reader
	defer func() {
		if rd != nil {
			_ = rd.Close()
		}
	}()
	rep, err := h.exchange.Import(c.Request.Context(), p, func() (exchange.Table, error) {
		b, err := readUpload(c, h.cfg.ImportBodyLimit)
		if err != nil {
			return nil, err
		}
		if rd, err = sheet.Open(b); err != nil {
			return nil, err
		}
		return rd, nil
	}, dryRun)
	if err != nil {
		return err
	}
	h.m.imported(rep)
	en := english(c)
	out := toImportReport(rep, en)
	if rep.DryRun || rep.Written() {
		ok(c, http.StatusOK, out)
		return nil
	}
	detail := text{
		ZH: fmt.Sprintf("导入未执行：%d 行有错误，没有写入任何数据", rep.Failed),
		EN: fmt.Sprintf("nothing was imported: %d rows have errors", rep.Failed),
	}
	fail := api.ImportFailure{ImportReport: out, Problem: api.Problem{
		Type:   "urn:guangling:pipeline:problem:" + apperr.Invalid.Code(),
		Title:  pick(text{ZH: "导入的数据未通过校验", EN: "The imported rows are invalid"}, en),
		Status: http.StatusUnprocessableEntity, Detail: pick(detail, en), Code: apperr.Invalid.Code(),
		Errors: []api.FieldError{}, RequestID: requestID(c),
	}}
	for _, r := range out.Rows {
		for _, e := range r.Errors {
			where := fmt.Sprintf("第 %d 行“%s”：", r.Row, e.Column)
			if en {
				where = fmt.Sprintf("row %d, %s: ", r.Row, e.Column)
			}
			fail.Errors = append(fail.Errors, api.FieldError{Field: e.Field, Code: e.Code, Message: where + e.Message})
		}
	}
	if en {
		c.Header("Content-Language", "en")
	} else {
		c.Header("Content-Language", "zh-CN")
	}
	writeJSON(c, http.StatusUnprocessableEntity, "application/problem+json", fail)
	return nil
}

// importQuery reads dry_run, the one parameter of an import.
func importQuery(c *gin.Context) (bool, error) {
	var fs []apperr.FieldError
	if err := onlyParams(c, "dry_run"); err != nil {
		fs = apperr.As(err).Fields
	}
	dry := false
	switch s := strings.TrimSpace(c.Query("dry_run")); s {
	case "", "false":
	case "true":
		dry = true
	default:
		fs = append(fs, apperr.FieldError{Field: "dry_run", Code: "invalid_value", Param: "true,false"})
	}
	return dry, apperr.Fields(fs)
}

var (
	errUploadType     = apperr.Coded(apperr.UnsupportedMediaType, "upload.not_multipart")
	errUploadTooLarge = apperr.Coded(apperr.TooLarge, "upload.too_large")
)

// readUpload reads the one part, file, of a multipart/form-data body of at
// most limit bytes.
func readUpload(c *gin.Context, limit int64) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errUploadType
	}
	mr := multipart.NewReader(http.MaxBytesReader(c.Writer, c.Request.Body, limit), params["boundary"])
	var file []byte
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		switch name := part.FormName(); {
		case name != "file":
			return nil, &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: name, Code: "unknown_field"}}}
		case found:
			return nil, apperr.Fields([]apperr.FieldError{{Field: "file", Code: "repeated"}})
		}
		if file, err = io.ReadAll(part); err != nil {
			return nil, uploadError(err)
		}
		found = true
	}
	if !found {
		return nil, apperr.Fields([]apperr.FieldError{{Field: "file", Code: "required"}})
	}
	return file, nil
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errUploadTooLarge
	}
	if readTimedOut(err) {
		return &apperr.Error{Kind: apperr.RequestTimeout, Message: "request.body_timeout", Err: err}
	}
	return &apperr.Error{Kind: apperr.Invalid, Err: err,
		Fields:  []apperr.FieldError{{Field: "file", Code: "invalid_format", Param: "multipart/form-data"}},
		Message: "upload.malformed"}
}

// importMessages render the codes of import row errors, where they read
// better than the API's field messages or are the import's own.
var importMessages = map[string]text{
	"repeated":         {ZH: "与第 %s 行重复", EN: "repeats row %s"},
	"not_found":        {ZH: "没有这个项目，或它不在本部门范围内", EN: "no such project, or not one this caller may change"},
	"archived":         {ZH: "项目已归档，请先恢复", EN: "the project is archived; restore it first"},
	"only_when":        {ZH: "只在填写“%s”时填写", EN: "is given only with %s"},
	"version_conflict": {ZH: "项目在导出后已被修改（当前版本 %s），请重新导出后再改", EN: "the project has changed since the export (now version %s); export again"},
	"unknown":          {ZH: "没有这个部门（填写部门代码或部门全称）", EN: "no such department (give its code or full name)"},
	"mismatch":         {ZH: "与“%s”不一致", EN: "does not agree with %s"},
	"read_only":        {ZH: "导入不能修改阶段和实际日期（现为 %s），请通过阶段变更办理", EN: "an import cannot change the stage or actual dates (now %s); record a stage transition"},
	"conflict":         {ZH: "项目正被他人同时修改，请重试", EN: "the project was being changed at the same time; try again"},
	"not_unique":       {ZH: "已被其他项目使用", EN: "is used by another project"},
	"invalid_type":     {ZH: "类型错误，应为%s", EN: "has the wrong type (expected %s)"},
}

// importParams renders the parameters of invalid_type in Chinese.
var importParams = map[string]string{"integer": "整数（元，不含小数）", "number": "数字"}

// emptyParam matches the bracketed part of a message that shows a parameter,
// dropped when there is none.
var emptyParam = regexp.MustCompile(`\s?[（(][^（）()]*%s[^（）()]*[）)]`)

func importMessage(e exchange.CellError, en bool) string {
	t, found := importMessages[e.Code]
	if !found {
		return fieldMessage(apperr.FieldError{Field: e.Field, Code: e.Code, Param: e.Param}, en)
	}
	msg, param := pick(t, en), e.Param
	if !en && importParams[param] != "" {
		param = importParams[param]
	}
	if !strings.Contains(msg, "%s") {
		return msg
	}
	if param == "" {
		msg = emptyParam.ReplaceAllString(msg, "")
	}
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, param)
	}
	return msg
}

func toImportReport(r exchange.ImportReport, en bool) api.ImportReport {
	out := api.ImportReport{DryRun: r.DryRun, Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged,
		Failed: r.Failed, Rows: make([]api.ImportRow, len(r.Rows))}
	for i, row := range r.Rows {
		o := api.ImportRow{Row: row.Line, Status: row.Status, ID: row.ID, Errors: make([]api.ImportCellError, len(row.Errors))}
		for j, e := range row.Errors {
			o.Errors[j] = api.ImportCellError{Column: e.Column, Field: e.Field, Code: e.Code, Message: importMessage(e, en)}
		}
		out.Rows[i] = o
	}
	return out
}

// columnWidths are the widths of the register file's columns in a
// spreadsheet, in characters, by the column's API name (Alias): how the
// export lays the file out is the HTTP layer's, not the register's.
var columnWidths = map[string]float64{
	"id":                          38,
	"version":                     6,
	"code":                        26,
	"name":                        36,
	"category":                    12,
	"department":                  14,
	"leader":                      10,
	"company":                     24,
	"township":                    10,
	"capacity":                    10,
	"capacity_unit":               8,
	"total_investment_yuan":       16,
	"total_investment_wan":        14,
	"expected_annual_output_yuan": 16,
	"build_type":                  8,
	"key_level":                   10,
	"planned_sign_date":           12,
	"planned_start_date":          12,
	"planned_completion_date":     12,
	"planned_production_date":     12,
	"in_statistics_since":         10,
	"stage":                       10,
	"signed_on":                   12,
	"landed_on":                   12,
	"started_on":                  12,
	"completed_on":                12,
	"production_on":               12,
	"at_capacity_on":              12,
	"health":                      8,
	// The project file.
	"investment_type": 10, "in_development_zone": 8, "construction_nature": 10, "works_kind": 10,
	"expected_annual_tax_yuan": 16, "expected_jobs": 10, "land_needed_mu": 10, "land_secured_mu": 10,
	"new_construction_land_mu": 10, "arable_land_mu": 10, "forest_land_mu": 10, "energy_needed_tce": 12,
	"energy_secured_tce": 12, "water_needed_10k_m3": 12, "water_secured_10k_m3": 12, "power_needed_kva": 12,
	"power_secured_kva": 12, "contract_amount_yuan": 16, "investor": 24, "investor_origin": 10,
	"attracting_unit": 16, "owner_contact_name": 10, "owner_contact_phone": 14, "task_force": 16,
	"predecessor_id": 38, "parent_id": 38,
}

// exportHeaders begins the answer of an export in format.
func (h *handlers) exportHeaders(c *gin.Context, format string) {
	contentType := sheet.XLSXType
	if format == exchange.FormatCSV {
		contentType = sheet.CSVType + "; charset=utf-8; header=present"
	}
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", disposition(format, calendar.Today(h.now())))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
}
