package httpapi_test

// Export and import of the register (docs/api.md): the round trip that must
// change nothing, what an import creates and updates, every bad row and bad
// file, and a benchmark of a large XLSX export's time and memory.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/seed"
	"github.com/guangling/pipeline/internal/sheet"
)

const (
	exportPath = "/api/v1/projects/export"
	importPath = "/api/v1/projects/import"
)

// uploadBody is a multipart/form-data body with content as its file part,
// and the body's content type.
func uploadBody(t testing.TB, field, filename string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": field, "filename": filename}))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, err = w.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadRequest is an import of content, as the matrix and the tests send it.
func uploadRequest(t testing.TB, query, filename string, content []byte) request {
	t.Helper()
	body, ct := uploadBody(t, "file", filename, content)
	path := importPath
	if query != "" {
		path += "?" + query
	}
	return request{method: http.MethodPost, path: path, body: body, headers: map[string]string{"Content-Type": ct}}
}

// send is env.do for imports: a 422 answer is problem details that carry
// the report, which do's check of plain problem details would refuse.
func (e *env) send(t testing.TB, r request) response {
	t.Helper()
	body, _ := r.body.([]byte)
	build := func() *http.Request {
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		if r.principal != "" {
			req.Header.Set("Authorization", e.authz[r.principal])
		}
		for k, v := range r.headers {
			req.Header.Set(k, v)
		}
		return req
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, build())
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	assert.NotEmpty(t, res.header.Get("X-Request-ID"))
	assert.NotEqual(t, http.StatusInternalServerError, res.status, "%s", res)
	switch {
	case res.status == http.StatusUnprocessableEntity:
		var f api.ImportFailure
		res.decode(t, &f)
		assert.Equal(t, "application/problem+json; charset=utf-8", res.header.Get("Content-Type"))
		assert.Equal(t, http.StatusUnprocessableEntity, f.Status)
		assert.Equal(t, "validation_failed", f.Code)
		assert.NotEmpty(t, f.Detail)
		assert.Equal(t, res.header.Get("X-Request-ID"), f.RequestID)
		assert.NotEmpty(t, f.Errors, "the problem lists the cells at fault")
		assert.Positive(t, f.Failed)
	case res.status >= 400:
		checkProblem(t, res)
	}
	checkSpec(t, r, build(), res)
	return res
}

func (e *env) importFile(t testing.TB, as, query, filename string, content []byte) response {
	t.Helper()
	r := uploadRequest(t, query, filename, content)
	r.principal = as
	return e.send(t, r)
}

// importOK imports content and returns the report of a 200 answer.
func (e *env) importOK(t testing.TB, as, query, filename string, content []byte) api.ImportReport {
	t.Helper()
	res := e.importFile(t, as, query, filename, content)
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var rep api.ImportReport
	res.decode(t, &rep)
	return rep
}

// importFailed imports content that must fail as a whole (422) and returns
// the report.
func (e *env) importFailed(t testing.TB, as, filename string, content []byte) api.ImportReport {
	t.Helper()
	res := e.importFile(t, as, "", filename, content)
	require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res)
	var f api.ImportFailure
	res.decode(t, &f)
	return f.ImportReport
}

// exportFile exports the register as a principal and returns the file.
func (e *env) exportFile(t testing.TB, as, query string) []byte {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: exportPath + "?" + query})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	return res.body
}

// grid is a register file as text: its header and rows.
type grid struct {
	head []string
	rows [][]string
}

// readGrid reads a file as an import does.
func readGrid(t testing.TB, b []byte) grid {
	t.Helper()
	r, err := sheet.Open(b)
	require.NoError(t, err)
	defer r.Close()
	var g grid
	for {
		_, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return g
		}
		require.NoError(t, err)
		if g.head == nil {
			g.head = cells
			continue
		}
		g.rows = append(g.rows, cells)
	}
}

func (g grid) col(t testing.TB, header string) int {
	t.Helper()
	i := slices.Index(g.head, header)
	require.GreaterOrEqual(t, i, 0, "column %s", header)
	return i
}

func (g grid) cell(t testing.TB, row int, header string) string {
	t.Helper()
	r, i := g.rows[row], g.col(t, header)
	if i >= len(r) {
		return ""
	}
	return r[i]
}

// find returns the index of the row of the project with id.
func (g grid) find(t testing.TB, id string) int {
	t.Helper()
	for i := range g.rows {
		if g.cell(t, i, exchange.HeaderID) == id {
			return i
		}
	}
	t.Fatalf("no row for project %s", id)
	return -1
}

// csvFile writes rows as staff's CSV: UTF-8 with a byte order mark.
func csvFile(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\xEF\xBB\xBF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	require.NoError(t, w.WriteAll(rows))
	return buf.Bytes()
}

// editXLSX changes cells of an exported workbook, as staff do in Excel.
func editXLSX(t testing.TB, b []byte, edit func(f *excelize.File, cell func(row int, header string) string)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	defer f.Close()
	head, err := f.GetRows(sheet.SheetName)
	require.NoError(t, err)
	edit(f, func(row int, header string) string {
		i := slices.Index(head[0], header)
		require.GreaterOrEqual(t, i, 0, "column %s", header)
		ref, err := excelize.CoordinatesToCellName(i+1, row+2) // row 0 is the file's second row
		require.NoError(t, err)
		return ref
	})
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// registerFixture fills the register as staff would find it: the demo data
// set (the county's 2021 report, entered at their stages), and projects
// with every column filled, with empty cells, with text that needs quoting
// in CSV or looks like a formula, moved along, changed, with funding, one
// entered by a department and one archived.
func registerFixture(t *testing.T, e *env) {
	t.Helper()
	auditor := audit.NewService(auditdb.New(e.db), e.clock.now)
	svc := project.NewService(projectdb.New(e.db), e.db, auditor, e.clock.now, newID)
	entries, err := seed.Projects()
	require.NoError(t, err)
	for _, en := range entries {
		_, err := svc.Create(context.Background(), e.principals[asBureau], en)
		require.NoError(t, err, "%s", en.Name)
	}

	full := fullBody() // every writable column filled, with funding
	e.create(t, asBureau, full)
	e.create(t, asBureau, map[string]any{
		"code": "2020-140223-30-03-000017", "name": "年产10万吨锌合金锭项目（一期, 二期）", "category": "materials",
		"department": "industry", "leader": "李副县长", "company": "朋宇\"锌业\"有限公司", "township": "东小庄乡",
		"capacity": 100000, "capacity_unit": "t/a", "total_investment_yuan": 123456789, "expected_annual_output_yuan": 987654321,
		"build_type": "continuing", "key_level": "province", "stage": "started",
		"signed_on": "2020-03-02", "landed_on": "2020-04-15", "started_on": "2020-06-30",
		"planned_sign_date": "2020-03-01", "planned_start_date": "2020-06-01",
		"planned_completion_date": "2021-12-31", "planned_production_date": "2022-03-31",
	})
	e.create(t, asBureau, map[string]any{"name": "=1+1 县城集中供热管网改造", "category": "infrastructure", "department": "housing",
		"company": "-县热力公司", "capacity": 12.75, "capacity_unit": "km"})
	e.create(t, asBureau, map[string]any{"name": "规划中的数字乡村项目", "category": "digital", "department": "drc"})
	e.create(t, asEnergyEditor, map[string]any{"name": "南村20兆瓦分布式光伏项目", "category": "solar_pv",
		"total_investment_yuan": 80000000, "planned_start_date": "2021-08-01"})
	// The project file, lists and links with it: what the file holds of it
	// and what it leaves out come back unchanged.
	phase := e.create(t, asBureau, fileBody())
	e.create(t, asBureau, fileBody(withField("name", "上墨家沟风电（二期）"), withField("predecessor_id", phase.ID)))
	bundle := e.create(t, asBureau, map[string]any{"name": "老西关规划一、二、三路", "category": "infrastructure", "department": "housing"})
	e.create(t, asBureau, fileBody(withField("name", "老西关规划二路"), withField("parent_id", bundle.ID),
		withField("in_development_zone", true)))

	moved := e.create(t, asBureau, with(projectBody("上墨家沟风电二期"), "code", "2021-140223-44-01-000099"))
	res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: projectPath(&moved, "/transitions"),
		body: api.TransitionCreate{To: "signed", OccurredOn: "2021-05-20", Evidence: []api.Evidence{{Kind: "contract", Ref: "投资协议 2021-017"}}}})
	require.Equal(t, http.StatusCreated, res.status, "%s", res)
	_, etag := e.get(t, asBureau, moved.ID)
	res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: projectPath(&moved, ""),
		body: map[string]any{"leader": "王县长"}, headers: map[string]string{"If-Match": etag}})
	require.Equal(t, http.StatusOK, res.status, "%s", res)

	gone := e.create(t, asBureau, projectBody("已归档的风电项目"))
	res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: projectPath(&gone, ""),
		headers: map[string]string{"If-Match": `"1"`}})
	require.Equal(t, http.StatusNoContent, res.status, "%s", res)
}

// registerState is what a round trip must leave as it was: every project as
// the API shows it (version and timestamps included), every history and
// the audit trail.
type registerState struct {
	projects map[string]api.Project
	history  map[string][]api.Transition
	audit    int
}

func (e *env) registerState(t *testing.T) registerState {
	t.Helper()
	s := registerState{projects: map[string]api.Project{}, history: map[string][]api.Transition{}}
	for _, archived := range []string{"false", "true"} {
		query := "limit=200&archived=" + archived
		for {
			l := e.list(t, asAdmin, query)
			for _, p := range l.Items {
				s.projects[p.ID] = p
				var h api.TransitionList
				e.do(t, request{principal: asAdmin, method: http.MethodGet, path: projectPath(&p, "/transitions")}).decode(t, &h)
				s.history[p.ID] = h.Items
			}
			if l.NextCursor == nil {
				break
			}
			query = "limit=200&archived=" + archived + "&cursor=" + url.QueryEscape(*l.NextCursor)
		}
	}
	s.audit = len(e.auditList(t, asAdmin, url.Values{}))
	return s
}

func statuses(rep api.ImportReport) map[string]int {
	out := map[string]int{}
	for _, r := range rep.Rows {
		out[r.Status]++
	}
	return out
}

// TestExportImportRoundTrip exports the register as XLSX and as CSV and
// imports each file again: every row is unchanged, and no version, history
// entry or audit entry is added.
func TestExportImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		registerFixture(t, e)
		before := e.registerState(t)
		live := 0
		for _, p := range before.projects {
			if p.ArchivedAt == nil {
				live++
			}
		}

		for _, format := range []string{"xlsx", "csv"} {
			t.Run(format, func(t *testing.T) {
				file := e.exportFile(t, asBureau, "format="+format)
				g := readGrid(t, file)
				require.Len(t, g.rows, live, "one row per live project")
				require.Equal(t, exchange.HeaderID, g.head[0])

				rep := e.importOK(t, asBureau, "", "register."+format, file)
				assert.False(t, rep.DryRun)
				assert.Equal(t, live, rep.Unchanged, "%+v", statuses(rep))
				assert.Zero(t, rep.Created+rep.Updated+rep.Failed)
				for i, r := range rep.Rows {
					assert.Equal(t, "unchanged", r.Status, "row %d: %+v", r.Row, r.Errors)
					assert.Equal(t, i+2, r.Row, "rows are numbered by their line in the file")
					assert.Equal(t, g.rows[i][0], r.ID)
					assert.Empty(t, r.Errors)
				}
				assert.Equal(t, before, e.registerState(t), "the round trip changed nothing")
			})
		}

		t.Run("a department's own register", func(t *testing.T) {
			file := e.exportFile(t, asEnergyEditor, "format=xlsx")
			g := readGrid(t, file)
			require.NotEmpty(t, g.rows)
			for i := range g.rows {
				assert.Equal(t, "energy", g.cell(t, i, exchange.HeaderDepartment))
			}
			rep := e.importOK(t, asEnergyEditor, "", "energy.xlsx", file)
			assert.Equal(t, len(g.rows), rep.Unchanged)
			assert.Equal(t, before, e.registerState(t))
		})
	})
}

// TestExportFile holds the forms Excel and staff expect: Chinese headers,
// date cells and YYYY-MM-DD, yuan as integers with 万元 beside them, labels,
// the file name, the byte order mark; and the list's scope and filters.
func TestExportFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, with(fullBody(), "in_statistics_since", "2021-03"))
		e.create(t, asBureau, with(projectBody("作疃乡光伏项目"), "category", "solar_pv", "key_level", "none"))
		e.create(t, asBureau, with(projectBody("锌合金项目"), "department", "industry", "category", "materials"))

		t.Run("xlsx", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: exportPath})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, sheet.XLSXType, res.header.Get("Content-Type"), "xlsx is the default")
			assert.Equal(t, `attachment; filename="projects-20210615.xlsx"; filename*=UTF-8''`+
				url.PathEscape("重大项目清单-20210615.xlsx"), res.header.Get("Content-Disposition"))
			_, params, err := mime.ParseMediaType(res.header.Get("Content-Disposition"))
			require.NoError(t, err)
			assert.Equal(t, "重大项目清单-20210615.xlsx", params["filename"], "filename* decodes to the Chinese name")
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))

			f, err := excelize.OpenReader(bytes.NewReader(res.body))
			require.NoError(t, err)
			defer f.Close()
			rows, err := f.GetRows(sheet.SheetName)
			require.NoError(t, err)
			require.Len(t, rows, 4)
			var headers []string
			for _, c := range exchange.Columns() {
				headers = append(headers, c.Header)
			}
			assert.Equal(t, headers, rows[0])
			g := readGrid(t, res.body)
			row := g.find(t, p.ID)
			ref := func(header string) string {
				r, err := excelize.CoordinatesToCellName(g.col(t, header)+1, row+2)
				require.NoError(t, err)
				return r
			}
			shown := func(header string) string {
				v, err := f.GetCellValue(sheet.SheetName, ref(header))
				require.NoError(t, err)
				return v
			}
			assert.Equal(t, "2021-05-01", shown("计划开工日期"), "a date cell shown as yyyy-mm-dd")
			assert.Equal(t, "44317", g.cell(t, row, "计划开工日期"), "stored as a date serial")
			assert.Equal(t, "340000000", g.cell(t, row, exchange.HeaderInvestment))
			assert.Equal(t, "340,000,000", shown(exchange.HeaderInvestment))
			assert.Equal(t, "34000", g.cell(t, row, exchange.HeaderWan))
			assert.Equal(t, exchange.HeaderWan, g.head[g.col(t, exchange.HeaderInvestment)+1], "万元 next to yuan")
			formula, err := f.GetCellFormula(sheet.SheetName, ref(exchange.HeaderWan))
			require.NoError(t, err)
			assert.Contains(t, formula, "/10000")
			assert.Equal(t, "风电", g.cell(t, row, exchange.HeaderCategory))
			assert.Equal(t, "新建", g.cell(t, row, "建设性质"))
			assert.Equal(t, "市级重点", g.cell(t, row, "重点级别"))
			assert.Equal(t, "谋划储备", g.cell(t, row, exchange.HeaderStage))
			assert.Equal(t, "energy", g.cell(t, row, exchange.HeaderDepartment))
			assert.Equal(t, "1", g.cell(t, row, exchange.HeaderVersion))
			assert.Equal(t, "50.5", g.cell(t, row, "建设规模"))
			assert.Equal(t, "2021-03", g.cell(t, row, "入统月份"), "入统 as a month")
		})

		t.Run("csv", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: exportPath + "?format=csv&category=wind"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, "text/csv; charset=utf-8; header=present", res.header.Get("Content-Type"))
			assert.Contains(t, res.header.Get("Content-Disposition"), `filename="projects-20210615.csv"`)
			require.True(t, bytes.HasPrefix(res.body, []byte("\xEF\xBB\xBF项目ID,版本,项目代码,项目名称,项目类别,")), "%.80q", res.body)
			line := fmt.Sprintf("%s,1,2021-140223-44-01-000001,晨风50兆瓦风电项目,风电,energy,张县长,晨风新能源有限公司,作疃乡,50.5,MW,"+
				"340000000,34000,45000000,新建,市级重点,2021-03-31,2021-05-01,2022-06-30,2022-09-30,2021-03,谋划储备,,,,,,,"+
				strings.Repeat(",", 26), p.ID) // the project file's 26 columns, empty
			assert.Contains(t, string(res.body), line+"黄灯\r\n", "the planned start has passed: yellow")
			g := readGrid(t, res.body)
			assert.Len(t, g.rows, 1, "the category filter applies: wind only")
		})

		t.Run("scope and filters", func(t *testing.T) {
			g := readGrid(t, e.exportFile(t, asEnergyViewer, "format=csv"))
			assert.Len(t, g.rows, 2, "a department's projects only")
			g = readGrid(t, e.exportFile(t, asLeader, "format=csv&department=industry"))
			assert.Len(t, g.rows, 1)
			g = readGrid(t, e.exportFile(t, asLeader, "format=csv&stage=started"))
			assert.Empty(t, g.rows, "an empty register is a header row")
			assert.Len(t, g.head, len(exchange.Columns()))
		})

		e.run(t, []tc{
			{name: "limit is refused", principal: asBureau, method: http.MethodGet, path: exportPath + "?limit=10", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"limit:unknown_parameter"}},
			{name: "sort and cursor are refused", principal: asBureau, method: http.MethodGet, path: exportPath + "?sort=name&cursor=abc", invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: []string{"sort:unknown_parameter", "cursor:unknown_parameter"}},
			{name: "an unknown format", principal: asBureau, method: http.MethodGet, path: exportPath + "?format=pdf", invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: []string{"format:invalid_value"}},
			{name: "a bad filter", principal: asBureau, method: http.MethodGet, path: exportPath + "?stage=nowhere",
				wantStatus: http.StatusBadRequest, wantFields: []string{"stage:invalid_value"}},
			{name: "a department exports its own archived projects", principal: asEnergyViewer, method: http.MethodGet, path: exportPath + "?archived=true&format=csv",
				wantStatus: http.StatusOK},
			{name: "a client without projects:read", principal: asEnergyClientNone, method: http.MethodGet, path: exportPath,
				wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "no token", method: http.MethodGet, path: exportPath, wantStatus: http.StatusUnauthorized},
		})
	})
}

// TestImportCreatesAndUpdates: rows without an ID create projects, at any
// stage, with their audit entries and history; rows with one update their
// project, and only what changed.
func TestImportCreatesAndUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, fullBody())
		auditBefore := len(e.auditList(t, asAdmin, url.Values{}))

		typed := csvFile(t,
			[]string{"项目名称", "项目类别", "部门代码", "总投资（万元）", "项目阶段", "签约日期", "开工日期", "计划开工日期", "建设性质", "项目代码"},
			[]string{"南村20兆瓦分布式光伏项目", "光伏发电", "能源局", "8000.5", "开工", "2021/3/1", "2021-04-07", "2021年4月1日", "续建", "2021-140223-44-01-000777"},
			[]string{"", "", "", "", "", "", "", "", "", ""},
			[]string{"作疃乡肉牛养殖项目", "livestock", "agriculture", "", "", "", "", "", "", ""},
		)

		t.Run("a dry run writes nothing", func(t *testing.T) {
			rep := e.importOK(t, asBureau, "dry_run=true", "新项目.csv", typed)
			assert.True(t, rep.DryRun)
			assert.Equal(t, 2, rep.Created)
			for _, r := range rep.Rows {
				assert.Equal(t, "created", r.Status)
				assert.Empty(t, r.ID, "nothing was created")
			}
			assert.Equal(t, []int{2, 4}, []int{rep.Rows[0].Row, rep.Rows[1].Row}, "the blank line is skipped, and counted")
			assert.Equal(t, int64(1), e.count(t, asAdmin))
			assert.Equal(t, auditBefore, len(e.auditList(t, asAdmin, url.Values{})))
		})

		var pv string
		t.Run("create", func(t *testing.T) {
			rep := e.importOK(t, asBureau, "dry_run=false", "新项目.csv", typed)
			require.Equal(t, 2, rep.Created, "%+v", rep.Rows)
			pv = rep.Rows[0].ID
			got, etag := e.get(t, asBureau, pv)
			assert.Equal(t, `"1"`, etag)
			assert.Equal(t, "energy", got.Department, "a department by its Chinese name")
			assert.Equal(t, int64(80005000), *got.TotalInvestmentYuan, "万元 alone gives the yuan")
			assert.Equal(t, "started", got.Stage)
			assert.Equal(t, "2021-03-01", *got.SignedOn)
			assert.Equal(t, "2021-04-07", *got.StartedOn)
			assert.Equal(t, "2021-04-01", *got.PlannedStartDate)
			assert.Equal(t, "continuing", got.BuildType)
			assert.Equal(t, "none", got.KeyLevel, "an absent column takes the default")
			assert.Empty(t, got.Funding)

			var h api.TransitionList
			e.do(t, request{principal: asBureau, method: http.MethodGet, path: projectPath(&got, "/transitions")}).decode(t, &h)
			require.Len(t, h.Items, 1)
			assert.Equal(t, "import", h.Items[0].Kind)
			assert.Equal(t, "2021-04-07", h.Items[0].OccurredOn, "dated by the latest actual date")
			assert.Equal(t, "表格导入", h.Items[0].Note)

			farm, _ := e.get(t, asBureau, rep.Rows[1].ID)
			assert.Equal(t, "planning", farm.Stage)
			assert.Equal(t, "livestock", farm.Category, "the API value is read too")

			es := e.auditList(t, asAdmin, url.Values{})
			assert.Len(t, es, auditBefore+2)
			assert.Equal(t, project.ActionCreate, es[len(es)-1].Action)
		})

		t.Run("update", func(t *testing.T) {
			file := e.exportFile(t, asBureau, "format=xlsx")
			file = editXLSX(t, file, func(f *excelize.File, cell func(int, string) string) {
				g := readGrid(t, file)
				row := g.find(t, p.ID)
				require.NoError(t, f.SetCellValue(sheet.SheetName, cell(row, "包联领导"), "刘县长"))
				require.NoError(t, f.SetCellValue(sheet.SheetName, cell(row, exchange.HeaderInvestment), 350000000))
				require.NoError(t, f.SetCellValue(sheet.SheetName, cell(row, exchange.HeaderWan), nil)) // as Excel would recompute it
				require.NoError(t, f.SetCellValue(sheet.SheetName, cell(row, "所在乡镇"), ""))
				require.NoError(t, f.SetCellValue(sheet.SheetName, cell(row, "计划竣工日期"), time.Date(2022, 8, 31, 0, 0, 0, 0, time.UTC)))
			})
			rep := e.importOK(t, asBureau, "", "清单.xlsx", file)
			assert.Equal(t, 1, rep.Updated, "%+v", rep.Rows)
			assert.Equal(t, 2, rep.Unchanged)
			got, etag := e.get(t, asBureau, p.ID)
			assert.Equal(t, `"2"`, etag)
			assert.Equal(t, "刘县长", got.Leader)
			assert.Equal(t, int64(350000000), *got.TotalInvestmentYuan)
			assert.Empty(t, got.Township, "an emptied cell clears the field")
			assert.Equal(t, "2022-08-31", *got.PlannedCompletionDate, "a date typed into Excel")
			assert.Equal(t, p.Funding, got.Funding, "funding is not in the file and stays")

			es := e.auditList(t, asAdmin, url.Values{"resource_id": {p.ID}})
			require.Len(t, es, 2)
			assert.Equal(t, project.ActionUpdate, es[1].Action)
		})

		t.Run("a department imports into its own register", func(t *testing.T) {
			rep := e.importOK(t, asEnergyEditor, "", "能源局.csv", csvFile(t,
				[]string{"项目名称", "项目类别"}, []string{"能源局新录入的储能项目", "储能"}))
			require.Equal(t, 1, rep.Created)
			got, _ := e.get(t, asEnergyEditor, rep.Rows[0].ID)
			assert.Equal(t, "energy", got.Department)
		})

		t.Run("csv as Excel saves it on a Chinese system", func(t *testing.T) {
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("项目名称,项目类别,部门代码\r\n东小庄乡现代农业园区,现代农业,agriculture\r\n"))
			require.NoError(t, err)
			rep := e.importOK(t, asBureau, "", "农业.csv", gb)
			require.Equal(t, 1, rep.Created, "%+v", rep.Rows)
			got, _ := e.get(t, asBureau, rep.Rows[0].ID)
			assert.Equal(t, "东小庄乡现代农业园区", got.Name)
		})
	})
}

// errorsOf maps a report's rows to their errors as "column:code".
func errorsOf(rep api.ImportReport) map[int][]string {
	out := map[int][]string{}
	for _, r := range rep.Rows {
		for _, e := range r.Errors {
			out[r.Row] = append(out[r.Row], e.Column+":"+e.Code)
		}
	}
	return out
}

// TestImportRowErrors sends one file with every kind of bad row: each is
// reported with the column at fault, the good rows with what they would
// do, and nothing is written.
func TestImportRowErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		wind := e.create(t, asBureau, fullBody())
		moved := e.create(t, asBureau, with(projectBody("上墨家沟风电二期"), "stage", "started", "started_on", "2021-04-01"))
		zinc := e.create(t, asBureau, with(projectBody("锌合金项目"), "department", "industry", "category", "raw_materials",
			"code", "2021-140223-30-03-000002"))
		_, etag := e.get(t, asBureau, wind.ID)
		res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: projectPath(&wind, ""),
			body: map[string]any{"leader": "新领导"}, headers: map[string]string{"If-Match": etag}})
		require.Equal(t, http.StatusOK, res.status, "%s", res) // wind is at version 2 now
		before := e.registerState(t)

		head := []string{"项目ID", "版本", "项目代码", "项目名称", "项目类别", "部门代码", "总投资（元）", "总投资（万元）",
			"计划开工日期", "项目阶段", "开工日期"}
		row := func(kv ...string) []string {
			r := []string{"", "", "", "好项目", "风电", "energy", "", "", "", "", ""}
			for i := 0; i < len(kv); i += 2 {
				r[slices.Index(head, kv[i])] = kv[i+1]
			}
			return r
		}
		v := strconv.Itoa
		file := csvFile(t, head,
			row("项目名称", "有效的新项目"),                   // line 2: fine
			row("总投资（元）", "八千万"),                    // 3
			row("总投资（元）", "1.5"),                    // 4
			row("计划开工日期", "2021-02-30"),             // 5
			row("项目类别", "核电"),                       // 6
			row("部门代码", "水利局x"),                     // 7
			row("项目代码", "2021-140223-44-01-000555"), // 8
			row("项目代码", "2021-140223-44-01-000555"), // 9: the same code again
			row("项目代码", "2021-140223-30-03-000002"), // 10: zinc's code
			row("项目ID", wind.ID, "版本", "1", "项目名称", wind.Name, "项目阶段", "谋划储备"),                       // 11: stale version
			row("项目ID", moved.ID, "版本", "1", "项目名称", moved.Name, "项目阶段", "竣工", "开工日期", "2021-04-01"), // 12: a stage move
			row("项目ID", moved.ID, "版本", "1", "项目名称", moved.Name, "开工日期", "2021-04-02"),               // 13: the same project again
			row("总投资（元）", "80000000", "总投资（万元）", "8001"),                                             // 14
			row("项目名称", ""),                 // 15
			row("项目ID", newID(), "版本", "1"), // 16: no such project
			row("版本", "3"),                  // 17: a version without an ID
			row("项目ID", zinc.ID, "版本", "1", "项目名称", zinc.Name, "项目类别", "原材料", "部门代码", "industry", "项目代码", "2021-140223-30-03-000002",
				"总投资（元）", "340000000", "计划开工日期", "2021-08-01", "项目阶段", "谋划储备"), // 18: fine, unchanged
			row("项目阶段", "开工", "开工日期", "2099-01-01"),                 // 19: in the future
			row("项目ID", moved.ID, "版本", v(2), "开工日期", "2021-04-02"), // 20: repeats row 12's ID
		)
		want := map[int][]string{
			3:  {"总投资（元）:invalid_type"},
			4:  {"总投资（元）:invalid_type"},
			5:  {"计划开工日期:invalid_format"},
			6:  {"项目类别:invalid_value"},
			7:  {"部门代码:unknown"},
			9:  {"项目代码:repeated"},
			10: {"项目代码:not_unique"},
			11: {"版本:version_conflict"},
			12: {"项目阶段:read_only"},
			13: {"项目ID:repeated"},
			14: {"总投资（万元）:mismatch"},
			15: {"项目名称:required"},
			16: {"项目ID:not_found"},
			17: {"版本:only_when"},
			19: {"开工日期:in_future"},
			20: {"项目ID:repeated"},
		}

		rep := e.importFailed(t, asBureau, "有错误.csv", file)
		assert.Equal(t, want, errorsOf(rep))
		assert.Equal(t, len(want), rep.Failed)
		assert.Equal(t, 2, rep.Created, "rows 2 and 8 would create")
		assert.Equal(t, 1, rep.Unchanged, "row 18 would change nothing")
		for _, r := range rep.Rows {
			if r.Status == "created" {
				assert.Empty(t, r.ID, "nothing was created")
			}
			for _, ce := range r.Errors {
				assert.NotEmpty(t, ce.Message)
				assert.NotEmpty(t, ce.Field)
			}
		}
		msg := func(line int) string {
			for _, r := range rep.Rows {
				if r.Row == line {
					return r.Errors[0].Message
				}
			}
			return ""
		}
		assert.Equal(t, "类型错误，应为整数（元，不含小数）", msg(4))
		assert.Equal(t, "与第 8 行重复", msg(9))
		assert.Equal(t, "项目在导出后已被修改（当前版本 2），请重新导出后再改", msg(11))
		assert.Equal(t, "导入不能修改阶段和实际日期（现为 开工），请通过阶段变更办理", msg(12))
		assert.Contains(t, msg(6), "光伏发电", "the labels are listed")
		assert.Equal(t, before, e.registerState(t), "nothing was written")

		t.Run("a dry run reports the same", func(t *testing.T) {
			dry := e.importOK(t, asBureau, "dry_run=true", "有错误.csv", file)
			assert.True(t, dry.DryRun)
			assert.Equal(t, want, errorsOf(dry))
			assert.Equal(t, before, e.registerState(t))
		})

		t.Run("in English", func(t *testing.T) {
			r := uploadRequest(t, "", "errors.csv", file)
			r.principal, r.headers["Accept-Language"] = asBureau, "en"
			res := e.send(t, r)
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			var f api.ImportFailure
			res.decode(t, &f)
			assert.Equal(t, "nothing was imported: 16 rows have errors", f.Detail)
			assert.Equal(t, "repeats row 8", f.Rows[7].Errors[0].Message)
		})

		t.Run("a department stays in its register", func(t *testing.T) {
			rep := e.importFailed(t, asEnergyEditor, "能源局.csv", csvFile(t,
				[]string{"项目ID", "版本", "项目名称", "项目类别", "部门代码"},
				[]string{zinc.ID, "1", "改别人的项目", "原材料", "industry"},
				[]string{"", "", "为别的部门新建", "风电", "industry"},
				[]string{wind.ID, "2", wind.Name, "风电", "industry"},
			))
			assert.Equal(t, map[int][]string{
				2: {"项目ID:not_found"},
				3: {"部门代码:not_allowed"},
				4: {"部门代码:not_allowed"},
			}, errorsOf(rep))
			assert.Equal(t, before, e.registerState(t))
		})

		t.Run("an archived project", func(t *testing.T) {
			gone := e.create(t, asBureau, projectBody("归档项目"))
			res := e.do(t, request{principal: asBureau, method: http.MethodDelete, path: projectPath(&gone, ""),
				headers: map[string]string{"If-Match": `"1"`}})
			require.Equal(t, http.StatusNoContent, res.status)
			rep := e.importFailed(t, asBureau, "a.csv", csvFile(t,
				[]string{"项目ID", "版本", "项目名称", "项目类别"}, []string{gone.ID, "2", "归档项目", "风电"}))
			assert.Equal(t, map[int][]string{2: {"项目ID:archived"}}, errorsOf(rep))
		})
	})
}

// TestImportFileProblems: what is wrong with the file or the request as a
// whole is problem details, never a row, and never a 500.
func TestImportFileProblems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		good := csvFile(t, []string{"项目名称", "项目类别", "部门代码"}, []string{"新项目", "风电", "energy"})
		up := func(name, query string, content []byte) request {
			r := uploadRequest(t, query, name, content)
			r.principal = asBureau
			return r
		}
		cases := []struct {
			name   string
			r      request
			status int
			code   string
			fields []string
		}{
			{"an unknown column", up("a.csv", "", csvFile(t, []string{"项目名称", "项目类别", "备注", "联系人"}, []string{"x", "风电", "", ""})),
				http.StatusBadRequest, "unknown_field", []string{"备注:unknown_field", "联系人:unknown_field"}},
			{"a required column missing", up("a.csv", "", csvFile(t, []string{"项目名称", "部门代码"}, []string{"x", "energy"})),
				http.StatusBadRequest, "validation_failed", []string{"项目类别:required"}},
			{"an ID without its version", up("a.csv", "", csvFile(t, []string{"项目ID", "项目名称", "项目类别"}, []string{"", "x", "风电"})),
				http.StatusBadRequest, "validation_failed", []string{"版本:required"}},
			{"a column twice", up("a.csv", "", csvFile(t, []string{"项目名称", "项目类别", "name"}, []string{"x", "风电", "y"})),
				http.StatusBadRequest, "validation_failed", []string{"项目名称:repeated"}},
			{"a heading beyond the hundredth column", up("a.csv", "", csvFile(t, append(append([]string{"项目名称", "项目类别"}, make([]string, 98)...), "部门代码"), []string{"x", "风电"})),
				http.StatusBadRequest, "validation_failed", []string{"file:too_long"}},
			{"an empty file", up("a.csv", "", nil), http.StatusBadRequest, "validation_failed", []string{"file:required"}},
			{"only blank lines", up("a.csv", "", []byte("\xEF\xBB\xBF\r\n,,\r\n")), http.StatusBadRequest, "validation_failed", []string{"file:required"}},
			{"a PDF", up("a.pdf", "", []byte("%PDF-1.7\n\x00\x00\x01\x02")), http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
			{"an .xls workbook", up("a.xls", "", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00")), http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
			{"a broken xlsx", up("a.xlsx", "", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{7}, 100)...)),
				http.StatusBadRequest, "validation_failed", []string{"file:invalid_format"}},
			{"broken CSV quoting", up("a.csv", "", []byte("项目名称,项目类别\r\n\"x,风电\r\n")), http.StatusBadRequest, "validation_failed", []string{"file:invalid_format"}},
			{"JSON instead of a form", request{principal: asBureau, method: http.MethodPost, path: importPath, body: map[string]any{"file": "x"}, invalid: true},
				http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
			{"dry_run not a boolean", withInvalid(up("a.csv", "dry_run=maybe", good)), http.StatusBadRequest, "validation_failed", []string{"dry_run:invalid_value"}},
			{"an unknown parameter", withInvalid(up("a.csv", "mode=all", good)), http.StatusBadRequest, "validation_failed", []string{"mode:unknown_parameter"}},
			{"a leader", withPrincipal(up("a.csv", "", good), asLeader), http.StatusForbidden, "forbidden", nil},
			{"a viewer", withPrincipal(up("a.csv", "", good), asEnergyViewer), http.StatusForbidden, "forbidden", nil},
			{"a system without projects:write", withPrincipal(up("a.csv", "", good), asEnergyClientRead), http.StatusForbidden, "forbidden", nil},
			{"no token", withPrincipal(up("a.csv", "", good), asNone), http.StatusUnauthorized, "unauthorized", nil},
		}
		// A form without the file, and with another field.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		require.NoError(t, mw.WriteField("note", "x"))
		require.NoError(t, mw.Close())
		cases = append(cases, struct {
			name   string
			r      request
			status int
			code   string
			fields []string
		}{"another form field", request{principal: asBureau, method: http.MethodPost, path: importPath, body: buf.Bytes(), invalid: true,
			headers: map[string]string{"Content-Type": mw.FormDataContentType()}}, http.StatusBadRequest, "unknown_field", []string{"note"}})
		empty := multipart.NewWriter(io.Discard)
		cases = append(cases, struct {
			name   string
			r      request
			status int
			code   string
			fields []string
		}{"no file", request{principal: asBureau, method: http.MethodPost, path: importPath, body: []byte("--" + empty.Boundary() + "--\r\n"), invalid: true,
			headers: map[string]string{"Content-Type": empty.FormDataContentType()}}, http.StatusBadRequest, "validation_failed", []string{"file:required"}})

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := e.send(t, c.r)
				require.Equal(t, c.status, res.status, "%s", res)
				p := res.problem(t)
				assert.Equal(t, c.code, p.Code)
				for _, f := range c.fields {
					assert.True(t, namesField(p, f), "names %s: %s", f, res)
				}
			})
		}

		t.Run("over the size limit", func(t *testing.T) {
			big := bytes.Repeat([]byte("项目名称,项目类别\r\n"), int(e.cfg.ImportBodyLimit)/20+1)
			r := up("big.csv", "", big)
			r.invalid = true
			res := e.send(t, r)
			require.Equal(t, http.StatusRequestEntityTooLarge, res.status, "%.200s", res)
			assert.Equal(t, "payload_too_large", res.problem(t).Code)
		})

		t.Run("too many rows", func(t *testing.T) {
			var b strings.Builder
			b.WriteString("项目名称,项目类别\r\n")
			for i := range exchange.MaxImportRows + 1 {
				fmt.Fprintf(&b, "项目%d,风电\r\n", i)
			}
			res := e.send(t, up("many.csv", "", []byte(b.String())))
			require.Equal(t, http.StatusBadRequest, res.status, "%.200s", res)
			assert.True(t, namesField(res.problem(t), "file:too_long"))
		})

		t.Run("too many changes at once", func(t *testing.T) {
			var b strings.Builder
			b.WriteString("项目名称,项目类别,部门代码\r\n")
			for i := range exchange.MaxImportWrites + 1 {
				fmt.Fprintf(&b, "项目%d,风电,energy\r\n", i)
			}
			res := e.send(t, up("many.csv", "", []byte(b.String())))
			require.Equal(t, http.StatusBadRequest, res.status, "%.200s", res)
			assert.True(t, namesField(res.problem(t), "file:too_long"))
			rep := e.importOK(t, asBureau, "dry_run=true", "many.csv", []byte(b.String()))
			assert.Equal(t, exchange.MaxImportWrites+1, rep.Created, "a dry run reports them all")
		})

		t.Run("a cell far to the right of the header", func(t *testing.T) {
			// excelize reads such a row as 16,384 cells; the import keeps
			// the header's three.
			f := excelize.NewFile()
			defer f.Close()
			require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"项目名称", "项目类别", "部门代码"}))
			for row := 2; row <= 21; row++ {
				require.NoError(t, f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", row), &[]any{fmt.Sprintf("项目%d", row), "风电", "energy"}))
				require.NoError(t, f.SetCellValue("Sheet1", fmt.Sprintf("XFD%d", row), 1))
			}
			b, err := f.WriteToBuffer()
			require.NoError(t, err)
			rep := e.importOK(t, asBureau, "dry_run=true", "wide.xlsx", b.Bytes())
			assert.Equal(t, 20, rep.Created)
			assert.Zero(t, rep.Failed)
		})

		assert.Equal(t, int64(0), e.count(t, asAdmin), "nothing was written")
	})
}

func withPrincipal(r request, as string) request { r.principal = as; return r }

func withInvalid(r request) request { r.invalid = true; return r }

// countingWriter is a response writer that keeps nothing of the body, so
// that a benchmark measures the export and not a buffer of its output.
type countingWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(status int)      { w.status = status }
func (w *countingWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// vmHWM reads the process's peak resident set size, in KiB.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, found := strings.CutPrefix(s.Text(), "VmHWM:"); found {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// resetHWM sets the peak resident set size back to the current one (Linux
// 4.0 and later), so that the peak measured is the export's.
func resetHWM() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// benchRows is how many projects the export benchmark writes:
// PIPELINE_BENCH_EXPORT_ROWS, 20,000 by default.
func benchRows(b *testing.B) int {
	n := 20000
	if s := os.Getenv("PIPELINE_BENCH_EXPORT_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("PIPELINE_BENCH_EXPORT_ROWS=%q", s)
		}
	}
	return n
}

// seedRegister stores n projects with every column filled, straight
// through the store, in batches.
func seedRegister(b *testing.B, db *database.DB, n int) {
	b.Helper()
	store := projectdb.New(db)
	ctx := context.Background()
	cats := project.Values(project.Categories)
	depts := []string{"energy", "industry", "agriculture", "tourism", "transport", "housing"}
	stages := []project.Stage{project.Planning, project.Signed, project.Started, project.InProduction}
	at := now.Add(-24 * time.Hour)
	for start := 0; start < n; start += 2000 {
		err := db.InTx(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+2000, n); i++ {
				d := func(s string) *time.Time { t, _ := calendar.ParseDate(s); return &t }
				code := fmt.Sprintf("2021-140223-44-01-%06d", i)
				p := project.Project{ID: newID(), Version: 1 + i%4, CreatedAt: at.Add(time.Duration(i) * time.Microsecond), UpdatedAt: at,
					Stage: stages[i%len(stages)], Health: health.Green, HealthReasons: []health.Reason{},
					Fields: project.Fields{Code: &code, Name: fmt.Sprintf("广陵县第%d号重点项目（风光储一体化）", i),
						Category: project.Category(cats[i%len(cats)]), Department: depts[i%len(depts)], Leader: "张县长",
						Company: "晨风新能源有限公司", Township: "作疃乡", Capacity: ptr(50.5), CapacityUnit: "MW",
						TotalInvestmentYuan: ptr(int64(340000000 + i)), ExpectedAnnualOutputYuan: ptr(int64(45000000)),
						BuildType: project.New, KeyLevel: "city", Funding: []project.Funding{},
						PlannedSignDate: d("2021-03-31"), PlannedStartDate: d("2021-05-01"),
						PlannedCompletionDate: d("2022-06-30"), PlannedProductionDate: d("2022-09-30")}}
				if p.Stage != project.Planning {
					p.Actual.SignedOn = d("2021-04-01")
				}
				if err := store.Create(ctx, p, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportXLSX exports a register of PIPELINE_BENCH_EXPORT_ROWS
// projects (20,000 by default) as XLSX through the real router and reports
// the time of one export, the bytes sent, the heap in use at its peak
// (sampled), the bytes allocated, and the process's peak resident set
// (VmHWM, reset before the export). The heap peak stays flat as the row
// count grows: rows are written as they are read, deflated into the
// response, and nothing goes to a temporary file.
//
//	go test -run '^$' -bench ExportXLSX -benchtime 1x ./internal/httpapi
//	PIPELINE_BENCH_EXPORT_ROWS=200000 go test -run '^$' -bench 'ExportXLSX/sqlite' -benchtime 1x -timeout 60m ./internal/httpapi
func BenchmarkExportXLSX(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(d.name, func(b *testing.B) { benchExport(b, d.open(b)) })
	}
}

func benchExport(b *testing.B, db *database.DB) {
	n := benchRows(b)
	e := newEnv(b, db)
	seedRegister(b, db, n)
	do := func() *countingWriter {
		req := httptest.NewRequest(http.MethodGet, exportPath+"?format=xlsx", nil)
		req.Header.Set("Authorization", e.authz[asBureau])
		w := &countingWriter{header: http.Header{}}
		e.h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("export: status %d", w.status)
		}
		return w
	}

	var peakHeap, allocated, bytesOut uint64
	var peakRSS int64
	var elapsed time.Duration
	for b.Loop() {
		runtime.GC()
		resetHWM()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop, sampled := make(chan struct{}), make(chan uint64)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var peak uint64
			var ms runtime.MemStats
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				select {
				case <-stop:
					sampled <- peak
					return
				case <-tick.C:
				}
			}
		}()
		start := time.Now()
		w := do()
		elapsed += time.Since(start)
		close(stop)
		peakHeap = max(peakHeap, <-sampled)
		wg.Wait()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		allocated += after.TotalAlloc - before.TotalAlloc
		bytesOut = uint64(w.n)
		peakRSS = max(peakRSS, vmHWM())
	}
	runs := float64(b.N)
	b.ReportMetric(float64(n), "rows")
	b.ReportMetric(elapsed.Seconds()/runs, "s/export")
	b.ReportMetric(float64(bytesOut)/(1<<20), "MiB-file")
	b.ReportMetric(float64(peakHeap)/(1<<20), "MiB-peak-heap-inuse")
	b.ReportMetric(float64(allocated)/runs/(1<<20), "MiB-alloc/export")
	b.ReportMetric(float64(peakRSS)/1024, "MiB-peak-RSS")
}

// BenchmarkImportCSV imports PIPELINE_BENCH_IMPORT_ROWS new projects
// (exchange.MaxImportWrites by default) from CSV in one transaction,
// then the export of them again (every row unchanged), and reports the time
// of each: an import must end within the query deadline.
//
//	go test -run '^$' -bench ImportCSV -benchtime 1x ./internal/httpapi
func BenchmarkImportCSV(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(d.name, func(b *testing.B) { benchImport(b, d.open) })
	}
}

func benchImport(b *testing.B, open func(testing.TB) *database.DB) {
	n := exchange.MaxImportWrites
	if s := os.Getenv("PIPELINE_BENCH_IMPORT_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"项目代码", "项目名称", "项目类别", "部门代码", "总投资（元）", "项目阶段", "开工日期", "计划开工日期"})
	for i := range n {
		_ = w.Write([]string{fmt.Sprintf("2021-140223-44-01-%06d", i), fmt.Sprintf("广陵县第%d号项目", i), "风电", "energy",
			strconv.Itoa(1000000 + i), "开工", "2021-04-01", "2021-03-01"})
	}
	w.Flush()
	send := func(e *env, body []byte) (time.Duration, api.ImportReport) {
		r := uploadRequest(b, "", "register.csv", body)
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(r.body.([]byte)))
		req.Header.Set("Content-Type", r.headers["Content-Type"])
		req.Header.Set("Authorization", e.authz[asBureau])
		rec := httptest.NewRecorder()
		start := time.Now()
		e.h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("import: %d %.300s", rec.Code, rec.Body)
		}
		var rep api.ImportReport
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
			b.Fatal(err)
		}
		return d, rep
	}
	var create, again time.Duration
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, open(b))
		b.StartTimer()
		d, rep := send(e, buf.Bytes())
		if rep.Created != n {
			b.Fatalf("created %d of %d", rep.Created, n)
		}
		create += d
		file := e.exportFile(b, asBureau, "format=csv")
		d, rep = send(e, file)
		if rep.Unchanged != n {
			b.Fatalf("unchanged %d of %d", rep.Unchanged, n)
		}
		again += d
	}
	b.ReportMetric(float64(n), "rows")
	b.ReportMetric(create.Seconds()/float64(b.N), "s/import-new")
	b.ReportMetric(again.Seconds()/float64(b.N), "s/import-unchanged")
}
