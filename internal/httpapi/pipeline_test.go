package httpapi_test

// Plans, progress, blockers and health (docs/stages.md) over HTTP: yearly plans, monthly progress, blockers
// (with the scope they open to their responsible department) and the
// traffic light of project health.

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

const issuesPath = "/api/v1/issues"

func projectURL(id string, rest ...string) string {
	p := "/api/v1/projects/" + id
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

func tag(version int) string { return `"` + strconv.Itoa(version) + `"` }

func ifMatchTag(version int) map[string]string { return map[string]string{"If-Match": tag(version)} }

// day is the calendar day n days before the harness's today (after it when
// n is negative).
func day(n int) string {
	d, _ := time.Parse(time.DateOnly, today)
	return d.AddDate(0, 0, -n).Format(time.DateOnly)
}

func yuan(n int64) map[string]any { return map[string]any{"planned_investment_yuan": n} }

func completed(n int64, note string) map[string]any {
	return map[string]any{"completed_yuan": n, "note": note}
}

// put sends a PUT that must answer want, and returns the answer.
func (e *env) put(t testing.TB, as, path string, body any, want int) response {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodPut, path: path, body: body})
	require.Equal(t, want, res.status, "PUT %s: %s", path, res)
	return res
}

func (e *env) plans(t testing.TB, as, id string) []api.Plan {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: projectURL(id, "plans")})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.PlanList
	res.decode(t, &l)
	return l.Items
}

func (e *env) progress(t testing.TB, as, id, query string) api.YearProgress {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: projectURL(id, "progress") + query})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var y api.YearProgress
	res.decode(t, &y)
	return y
}

// blocker is a creation body of a blocker.
func blocker(title, kind, dept, due string) map[string]any {
	return map[string]any{"title": title, "description": "", "kind": kind, "responsible_department": dept, "due_on": due}
}

// openBlocker opens a blocker, which must succeed, and returns it.
func (e *env) openBlocker(t testing.TB, as, projectID string, body map[string]any) api.Issue {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodPost, path: projectURL(projectID, "issues"), body: body})
	require.Equal(t, http.StatusCreated, res.status, "open blocker: %s", res)
	var is api.Issue
	res.decode(t, &is)
	assert.Equal(t, issuesPath+"/"+is.ID, res.header.Get("Location"))
	assert.Equal(t, tag(is.Version), res.header.Get("ETag"))
	return is
}

func (e *env) patchBlocker(t testing.TB, as, id string, version int, body any) response {
	t.Helper()
	return e.do(t, request{principal: as, method: http.MethodPatch, path: issuesPath + "/" + id, headers: ifMatchTag(version), body: body})
}

// resolve resolves a blocker, which must succeed.
func (e *env) resolve(t testing.TB, as string, is api.Issue) api.Issue {
	t.Helper()
	res := e.patchBlocker(t, as, is.ID, is.Version, map[string]any{"status": "resolved", "resolution": "已协调解决"})
	require.Equal(t, http.StatusOK, res.status, "resolve: %s", res)
	var out api.Issue
	res.decode(t, &out)
	return out
}

// blockerPage returns one page of blockers.
func (e *env) blockerPage(t testing.TB, as, query string) api.IssueList {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: issuesPath + "?" + query})
	require.Equal(t, http.StatusOK, res.status, "list blockers %s: %s", query, res)
	var l api.IssueList
	res.decode(t, &l)
	return l
}

func titles(is []api.Issue) []string {
	out := make([]string, len(is))
	for i, x := range is {
		out[i] = x.Title
	}
	return out
}

func (e *env) health(t testing.TB, as, id, on string) api.ProjectHealth {
	t.Helper()
	path := projectURL(id, "health")
	if on != "" {
		path += "?on=" + on
	}
	res := e.do(t, request{principal: as, method: http.MethodGet, path: path})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var h api.ProjectHealth
	res.decode(t, &h)
	return h
}

// reason returns the reason of rule, or nil when it did not fire.
func reason(rs []api.HealthReason, rule string) *api.HealthReason {
	for i := range rs {
		if rs[i].Rule == rule {
			return &rs[i]
		}
	}
	return nil
}

func rules(rs []api.HealthReason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Rule)
	}
	return out
}

// archive archives a project as the bureau.
func (e *env) archive(t testing.TB, id string) {
	t.Helper()
	_, etag := e.get(t, asBureau, id)
	res := e.do(t, request{principal: asBureau, method: http.MethodDelete, path: projectURL(id), headers: map[string]string{"If-Match": etag}})
	require.Equal(t, http.StatusNoContent, res.status, "%s", res)
}

// auditOf returns the audit entries of one resource with one action.
func (e *env) auditOf(t testing.TB, kind, id, action string) []api.AuditEntry {
	t.Helper()
	var out []api.AuditEntry
	for _, en := range e.auditList(t, asBureau, url.Values{"resource_type": {kind}, "resource_id": {id}}) {
		if en.Action == action {
			out = append(out, en)
		}
	}
	return out
}

// TestPlans sets, replaces and refuses yearly plans, views of the
// project's entries in the years' plans (docs/stages.md, docs/plan.md).
func TestPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("天润乌兰察布风电项目"))
		path := func(year string) string { return projectURL(p.ID, "plans", year) }

		res := e.put(t, asBureau, path("2021"), yuan(1200), http.StatusCreated)
		var pl api.Plan
		res.decode(t, &pl)
		assert.Equal(t, path("2021"), res.header.Get("Location"))
		assert.Equal(t, `"1"`, res.header.Get("ETag"))
		assert.Equal(t, api.Plan{Year: 2021, PlannedInvestmentYuan: ptr(int64(1200)), BuildType: "new", PlanState: "draft", Version: 1,
			UpdatedAt: pl.UpdatedAt, UpdatedBy: asBureau}, pl)

		res = e.put(t, asBureau, path("2021"), yuan(1500), http.StatusOK)
		res.decode(t, &pl)
		assert.Equal(t, int64(1500), *pl.PlannedInvestmentYuan)
		assert.Equal(t, 2, pl.Version)
		assert.Equal(t, `"2"`, res.header.Get("ETag"))
		assert.Empty(t, res.header.Get("Location"), "a replacement is no creation")

		res = e.put(t, asBureau, path("2021"), yuan(1500), http.StatusOK)
		res.decode(t, &pl)
		assert.Equal(t, 2, pl.Version, "the same figure again changes nothing")
		assert.Equal(t, `"2"`, res.header.Get("ETag"))

		bad := func(name, as, year string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: as, method: http.MethodPut, path: path(year), body: body, invalid: true,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			{name: "stale If-Match", principal: asBureau, method: http.MethodPut, path: path("2021"), body: yuan(9),
				headers: ifMatchTag(1), wantStatus: 412, wantCode: "version_conflict"},
			bad("year before 2000", asBureau, "1999", yuan(9), 400, "validation_failed", "year"),
			bad("year after 2999", asBureau, "3000", yuan(9), 400, "validation_failed", "year"),
			bad("year not a number", asBureau, "20x1", yuan(9), 400, "validation_failed", "year"),
			bad("figure missing", asBureau, "2021", map[string]any{}, 400, "validation_failed", "planned_investment_yuan:required"),
			bad("figure null", asBureau, "2021", map[string]any{"planned_investment_yuan": nil}, 400, "validation_failed", "planned_investment_yuan"),
			bad("negative figure", asBureau, "2021", yuan(-1), 400, "validation_failed", "planned_investment_yuan"),
			bad("fractional figure", asBureau, "2021", map[string]any{"planned_investment_yuan": 1.5}, 400, "validation_failed", "planned_investment_yuan"),
			bad("figure as a string", asBureau, "2021", map[string]any{"planned_investment_yuan": "1200"}, 400, "validation_failed", "planned_investment_yuan"),
			bad("unknown member", asBureau, "2021", map[string]any{"planned_investment_yuan": 9, "year": 2021}, 400, "unknown_field", "year"),
			bad("the project's department", asEnergyEditor, "2021", yuan(9), 403, "forbidden"),
			bad("leader", asLeader, "2021", yuan(9), 403, "forbidden"),
			bad("department viewer", asEnergyViewer, "2021", yuan(9), 403, "forbidden"),
			bad("client with projects:write", asEnergyClientWrite, "2021", yuan(9), 403, "forbidden"),
		})
		got := e.plans(t, asEnergyViewer, p.ID)
		require.Len(t, got, 1, "refused requests store nothing")
		assert.Equal(t, int64(1500), *got[0].PlannedInvestmentYuan)
		assert.Equal(t, 2, got[0].Version)

		e.put(t, asBureau, path("2031"), yuan(4), http.StatusCreated)
		e.put(t, asAdmin, path("2022"), yuan(3), http.StatusCreated)
		e.put(t, asBureau, path("2020"), yuan(0), http.StatusCreated)
		var years []int
		for _, pl := range e.plans(t, asLeader, p.ID) {
			years = append(years, pl.Year)
		}
		assert.Equal(t, []int{2020, 2021, 2022, 2031}, years, "plans by year")

		set := e.auditOf(t, "annual_plan", "2021/"+p.ID, "plan.entry_set")
		if assert.Len(t, set, 2, "one audit entry per change; the unchanged PUT leaves none") {
			before, _ := set[1].Before.(map[string]any)
			assert.Equal(t, 1200.0, before["planned_investment_yuan"], "the audit keeps the replaced figure")
		}
		got2, _ := e.get(t, asBureau, p.ID)
		assert.Equal(t, 1, got2.Version, "a plan is a resource of its own: the project's version stays")

		e.archive(t, p.ID)
		res = e.do(t, request{principal: asBureau, method: http.MethodPut, path: path("2021"), body: yuan(7)})
		assert.Equal(t, http.StatusConflict, res.status, "archived: %s", res)
		assert.Equal(t, "conflict", res.problem(t).Code)
	})
}

// TestProgress reports and corrects monthly progress (docs/stages.md).
func TestProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		path := func(period string) string { return projectURL(p.ID, "progress", period) }
		res := e.put(t, asEnergyEditor, path("2021-05"), completed(100, "首次填报"), http.StatusCreated)
		var m api.Report
		res.decode(t, &m)
		assert.Equal(t, path("2021-05"), res.header.Get("Location"))
		assert.Equal(t, `"1"`, res.header.Get("ETag"))
		assert.Equal(t, api.Report{ProjectID: p.ID, Period: "2021-05", CompletedYuan: 100, Note: "首次填报", IssueIDs: []string{}, State: "submitted",
			SubmittedAt: m.SubmittedAt, Version: 1, UpdatedAt: m.UpdatedAt, ReportedBy: asEnergyEditor}, m, "outside the plan: 计划外, submitted")

		res = e.put(t, asEnergyEditor, path("2021-05"), completed(150, "更正"), http.StatusOK)
		res.decode(t, &m)
		assert.Equal(t, 150, int(m.CompletedYuan))
		assert.Equal(t, 2, m.Version)
		assert.Equal(t, `"2"`, res.header.Get("ETag"))

		reported := e.auditOf(t, "project", p.ID, "progress.reported")
		require.Len(t, reported, 2, "one entry per report")
		before, _ := reported[1].Before.(map[string]any)
		after, _ := reported[1].After.(map[string]any)
		require.NotNil(t, before, "the correction's entry keeps the old figure: %+v", reported[1])
		assert.Equal(t, 100.0, before["completed_yuan"])
		assert.Equal(t, "2021-05", before["period"])
		assert.Equal(t, 150.0, after["completed_yuan"])
		assert.Nil(t, reported[0].Before, "the first report replaced nothing")

		bad := func(name, as, period string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: as, method: http.MethodPut, path: path(period), body: body, invalid: true,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			bad("next month", asEnergyEditor, "2021-07", completed(1, ""), 400, "validation_failed", "period:in_future"),
			bad("next year", asEnergyEditor, "2022-01", completed(1, ""), 400, "validation_failed", "period:in_future"),
			bad("month 13", asEnergyEditor, "2021-13", completed(1, ""), 400, "validation_failed", "period"),
			bad("month 00", asEnergyEditor, "2021-00", completed(1, ""), 400, "validation_failed", "period"),
			bad("one-digit month", asEnergyEditor, "2021-1", completed(1, ""), 400, "validation_failed", "period"),
			bad("two-digit year", asEnergyEditor, "21-05", completed(1, ""), 400, "validation_failed", "period"),
			bad("a day", asEnergyEditor, "2021-05-01", completed(1, ""), 400, "validation_failed", "period"),
			bad("negative", asEnergyEditor, "2021-05", completed(-1, ""), 400, "validation_failed", "completed_yuan"),
			bad("fractional", asEnergyEditor, "2021-05", map[string]any{"completed_yuan": 1.5}, 400, "validation_failed", "completed_yuan"),
			bad("missing", asEnergyEditor, "2021-05", map[string]any{"note": "x"}, 400, "validation_failed", "completed_yuan:required"),
			bad("unknown member", asEnergyEditor, "2021-05", map[string]any{"completed_yuan": 1, "month": 5}, 400, "unknown_field", "month"),
			{name: "stale If-Match", principal: asEnergyEditor, method: http.MethodPut, path: path("2021-05"), body: completed(1, ""),
				headers: ifMatchTag(1), wantStatus: 412, wantCode: "version_conflict"},
			bad("client without progress:write", asEnergyClientWrite, "2021-05", completed(1, ""), 403, "forbidden"),
			bad("leader", asLeader, "2021-05", completed(1, ""), 403, "forbidden"),
			bad("another department's project", asIndustryEditor, "2021-05", completed(1, ""), 404, "not_found"),
		})

		e.put(t, asEnergyEditor, path("2021-06"), completed(40, ""), http.StatusCreated) // the current month has begun
		e.put(t, asBureau, path("2021-03"), completed(20, ""), http.StatusCreated)
		e.put(t, asEnergyEditor, path("2021-01"), completed(30, ""), http.StatusCreated)
		e.put(t, asEnergyEditor, path("2020-12"), completed(999, ""), http.StatusCreated)

		for _, query := range []string{"?year=2021", ""} {
			y := e.progress(t, asEnergyViewer, p.ID, query)
			assert.Equal(t, p.ID, y.ProjectID)
			assert.Equal(t, 2021, y.Year, "the default year is the current one")
			assert.Nil(t, y.PlannedInvestmentYuan, "no plan entry")
			var periods []string
			for _, m := range y.Months {
				periods = append(periods, m.Period)
			}
			assert.Equal(t, []string{"2021-01", "2021-03", "2021-05", "2021-06"}, periods, "months in order")
			assert.Equal(t, 30+20+150+40, int(y.CompletedYuan), "their sum")
		}
		y := e.progress(t, asLeader, p.ID, "?year=2020")
		assert.Nil(t, y.PlannedInvestmentYuan, "no plan for 2020")
		assert.Equal(t, 999, int(y.CompletedYuan))
		assert.Len(t, y.Months, 1)

		get := func(name, query string, field string) tc {
			return tc{name: name, principal: asEnergyEditor, method: http.MethodGet, path: projectURL(p.ID, "progress") + query, invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{field}}
		}
		e.run(t, []tc{
			get("year not a number", "?year=abc", "year"),
			get("year out of range", "?year=1999", "year"),
			get("unknown parameter", "?year=2021&month=5", "month"),
			get("repeated year", "?year=2021&year=2020", "year"),
			{name: "another department", principal: asIndustryEditor, method: http.MethodGet, path: projectURL(p.ID, "progress"),
				wantStatus: 404, wantCode: "not_found"},
		})
	})
}

// TestBlockers opens a blocker, moves it through its statuses and refuses
// what docs/stages.md refuses.
func TestBlockers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("晨风50兆瓦风电项目"))

		late := e.openBlocker(t, asEnergyEditor, p.ID, blocker("风机基础用地未获批", "land", "natural_resources", day(5)))
		assert.Equal(t, "open", late.Status)
		assert.True(t, late.Overdue, "due five days ago")
		assert.Equal(t, p.ID, late.ProjectID)
		assert.Equal(t, "energy", late.ProjectDepartment)
		assert.Equal(t, "natural_resources", late.ResponsibleDepartment)
		assert.Equal(t, day(5), late.DueOn)
		assert.Equal(t, 1, late.Version)
		assert.Equal(t, asEnergyEditor, late.CreatedBy)
		assert.Nil(t, late.ResolvedAt)
		dueToday := e.openBlocker(t, asEnergyEditor, p.ID, blocker("升压站接入方案待批复", "grid", "energy", today))
		assert.False(t, dueToday.Overdue, "due today is not yet overdue")

		post := func(name, as string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: as, method: http.MethodPost, path: projectURL(p.ID, "issues"), body: body, invalid: true,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			post("unknown kind", asEnergyEditor, blocker("x", "weather", "energy", today), 400, "validation_failed", "kind"),
			post("unknown department", asEnergyEditor, blocker("x", "land", "forestry", today), 400, "validation_failed", "responsible_department"),
			post("malformed department", asEnergyEditor, blocker("x", "land", "Natural-Resources", today), 400, "validation_failed", "responsible_department"),
			post("impossible due date", asEnergyEditor, blocker("x", "land", "energy", "2021-02-30"), 400, "validation_failed", "due_on"),
			post("due date in another format", asEnergyEditor, blocker("x", "land", "energy", "2021/07/01"), 400, "validation_failed", "due_on"),
			post("no due date", asEnergyEditor, blocker("x", "land", "energy", ""), 400, "validation_failed", "due_on"),
			post("no title", asEnergyEditor, blocker("", "land", "energy", today), 400, "validation_failed", "title"),
			post("status is not set at opening", asEnergyEditor, with(blocker("x", "land", "energy", today), "status", "resolved"), 400, "unknown_field", "status"),
			post("leader", asLeader, blocker("x", "land", "energy", today), 403, "forbidden"),
			post("department viewer", asEnergyViewer, blocker("x", "land", "energy", today), 403, "forbidden"),
			post("client without issues:write", asEnergyClientWrite, blocker("x", "land", "energy", today), 403, "forbidden"),
			post("another department's project", asIndustryEditor, blocker("x", "land", "industry", today), 404, "not_found"),
		})
		l := e.blockerPage(t, asBureau, "project_id="+p.ID+"&count=true")
		assert.Equal(t, []string{"风机基础用地未获批", "升压站接入方案待批复"}, titles(l.Items), "refused blockers are not stored")
		require.NotNil(t, l.Total)
		assert.Equal(t, 2, int(*l.Total))

		path := issuesPath + "/" + late.ID
		patch := func(name string, version int, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asEnergyEditor, method: http.MethodPatch, path: path, headers: ifMatchTag(version), body: body,
				invalid: status >= 400, wantStatus: status, wantCode: code, wantFields: fields}
		}
		version := func(v int) func(t *testing.T, res response) {
			return func(t *testing.T, res response) {
				var is api.Issue
				res.decode(t, &is)
				assert.Equal(t, v, is.Version)
				assert.Equal(t, tag(v), res.header.Get("ETag"))
			}
		}
		e.run(t, []tc{
			{name: "If-Match missing", principal: asEnergyEditor, method: http.MethodPatch, path: path, body: map[string]any{"status": "in_progress"},
				invalid: true, wantStatus: 428, wantCode: "precondition_required"},
			patch("stale If-Match", 7, map[string]any{"status": "in_progress"}, 412, "version_conflict"),
			patch("id is read-only", 1, map[string]any{"id": late.ID}, 400, "validation_failed", "id:read_only"),
			patch("version is read-only", 1, map[string]any{"version": 5}, 400, "validation_failed", "version:read_only"),
			patch("overdue is read-only", 1, map[string]any{"overdue": false}, 400, "validation_failed", "overdue:read_only"),
			patch("unknown member", 1, map[string]any{"colour": "red"}, 400, "unknown_field"),
			patch("unknown status", 1, map[string]any{"status": "closed"}, 400, "validation_failed", "status"),
			patch("resolving without a resolution", 1, map[string]any{"status": "resolved"}, 400, "validation_failed", "resolution:required"),
			patch("open to in_progress", 1, map[string]any{"status": "in_progress"}, 200, "").withCheck(version(2)),
			patch("in_progress back to open", 2, map[string]any{"status": "open"}, 422, "illegal_transition"),
			patch("a resolution while unresolved", 2, map[string]any{"resolution": "x"}, 400, "validation_failed", "resolution"),
			patch("resolving with an empty resolution", 2, map[string]any{"status": "resolved", "resolution": "  "}, 400, "validation_failed", "resolution"),
			patch("in_progress to resolved", 2, map[string]any{"status": "resolved", "resolution": "自然资源局已完成用地预审"}, 200, "").
				withCheck(func(t *testing.T, res response) {
					version(3)(t, res)
					var is api.Issue
					res.decode(t, &is)
					assert.Equal(t, "resolved", is.Status)
					assert.Equal(t, "自然资源局已完成用地预审", is.Resolution)
					assert.False(t, is.Overdue, "a resolved blocker is not overdue")
					assert.NotNil(t, is.ResolvedAt)
				}),
			patch("resolved back to open: a resolved blocker is closed", 3, map[string]any{"status": "open"}, 409, "conflict"),
			patch("a resolved blocker is closed", 3, map[string]any{"title": "改个标题"}, 409, "conflict"),
		})
		res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var got api.Issue
		res.decode(t, &got)
		assert.Equal(t, "resolved", got.Status)
		assert.Equal(t, 3, got.Version)
		assert.Equal(t, `"3"`, res.header.Get("ETag"))
		assert.Equal(t, "风机基础用地未获批", got.Title)

		var actions []string
		for _, en := range e.auditList(t, asBureau, url.Values{"resource_type": {"issue"}, "resource_id": {late.ID}}) {
			actions = append(actions, en.Action)
		}
		assert.Equal(t, []string{"issue.opened", "issue.updated", "issue.updated"}, actions, "refused changes leave no entry")

		// The project's owner may change every field.
		res = e.patchBlocker(t, asEnergyEditor, dueToday.ID, 1, map[string]any{"title": "升压站接入系统方案待国网批复", "due_on": day(1), "kind": "approval"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &got)
		assert.Equal(t, "升压站接入系统方案待国网批复", got.Title)
		assert.Equal(t, "approval", got.Kind)
		assert.True(t, got.Overdue, "due yesterday")
		res = e.patchBlocker(t, asEnergyEditor, dueToday.ID, 2, map[string]any{"responsible_department": "forestry"})
		assert.Equal(t, http.StatusBadRequest, res.status, "%s", res)
		assert.True(t, namesField(res.problem(t), "responsible_department"), "%s", res)
	})
}

// TestBlockerScope holds the scope clause for responsible departments (docs/api.md): the department
// responsible for an unresolved blocker reads the project and updates the
// blocker's status, no more, and only while the blocker is unresolved.
func TestBlockerScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("华电风光储一体化项目"))
		other := e.create(t, asEnergyEditor, projectBody("另一个能源项目"))
		e.openBlocker(t, asEnergyEditor, other.ID, blocker("环评批复", "environment", "ecology", day(-10)))
		get := func(path string) request {
			return request{principal: asIndustryEditor, method: http.MethodGet, path: path}
		}
		assert.Equal(t, http.StatusNotFound, e.do(t, get(projectURL(p.ID))).status, "no blocker yet")

		is := e.openBlocker(t, asEnergyEditor, p.ID, blocker("电网接入容量不足", "grid", "industry", day(-15)))
		issuePath := issuesPath + "/" + is.ID
		for _, path := range []string{projectURL(p.ID), projectURL(p.ID, "transitions"), projectURL(p.ID, "progress") + "?year=2021",
			projectURL(p.ID, "plans"), projectURL(p.ID, "health"), issuePath} {
			res := e.do(t, get(path))
			assert.Equal(t, http.StatusOK, res.status, "GET %s as the responsible department: %s", path, res)
		}
		assert.Equal(t, http.StatusNotFound, e.do(t, get(projectURL(other.ID))).status, "only the project of its blocker")
		assert.NotContains(t, names(e.list(t, asIndustryEditor, "").Items), p.Name, "the project is not in its lists")
		assert.Zero(t, e.count(t, asIndustryEditor))

		as := func(name, method, path string, headers map[string]string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asIndustryEditor, method: method, path: path, headers: headers, body: body, invalid: status >= 400,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			as("not the blocker's title", http.MethodPatch, issuePath, ifMatchTag(1), map[string]any{"title": "x"}, 400, "validation_failed", "title"),
			as("not its due date", http.MethodPatch, issuePath, ifMatchTag(1), map[string]any{"due_on": day(-60)}, 400, "validation_failed", "due_on"),
			as("not its department", http.MethodPatch, issuePath, ifMatchTag(1), map[string]any{"responsible_department": "energy"}, 400, "validation_failed", "responsible_department"),
			as("not the project", http.MethodPatch, projectURL(p.ID), ifMatchTag(1), map[string]any{"leader": "张三"}, 404, "not_found"),
			as("not its plans (the bureau's)", http.MethodPut, projectURL(p.ID, "plans", "2021"), nil, yuan(1), 403, "forbidden"),
			as("not its progress", http.MethodPut, projectURL(p.ID, "progress", "2021-05"), nil, completed(1, ""), 404, "not_found"),
			as("not its stage", http.MethodPost, projectURL(p.ID, "transitions"), nil, api.TransitionCreate{To: "negotiating", OccurredOn: today}, 404, "not_found"),
			as("not new blockers", http.MethodPost, projectURL(p.ID, "issues"), nil, blocker("x", "grid", "industry", today), 404, "not_found"),
			as("the blocker's status", http.MethodPatch, issuePath, ifMatchTag(1), map[string]any{"status": "in_progress"}, 200, ""),
		})
		got, _ := e.get(t, asBureau, p.ID)
		assert.Equal(t, 1, got.Version, "the project did not change")

		e.resolve(t, asIndustryEditor, api.Issue{ID: is.ID, Version: 2})
		for _, path := range []string{projectURL(p.ID), projectURL(p.ID, "transitions"), projectURL(p.ID, "progress"), projectURL(p.ID, "health")} {
			res := e.do(t, get(path))
			assert.Equal(t, http.StatusNotFound, res.status, "GET %s once resolved: %s", path, res)
		}
		res := e.do(t, get(issuePath))
		require.Equal(t, http.StatusOK, res.status, "the responsible department always sees its blocker: %s", res)
		var seen api.Issue
		res.decode(t, &seen)
		assert.Equal(t, "resolved", seen.Status)
		assert.Equal(t, []string{"电网接入容量不足"}, titles(e.blockerPage(t, asIndustryEditor, "").Items))
	})
}

// TestBlockerList filters and pages GET /issues and holds who sees which
// blocker.
func TestBlockerList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		pe := e.create(t, asEnergyEditor, projectBody("能源项目"))
		pi := e.create(t, asIndustryEditor, with(projectBody("工业项目"), "department", "industry", "category", "materials"))
		pa := e.create(t, asBureau, with(projectBody("农业项目"), "department", "agriculture", "category", "agriculture"))
		open := func(as string, p api.Project, title, kind, dept, due string) api.Issue {
			return e.openBlocker(t, as, p.ID, blocker(title, kind, dept, due))
		}
		open(asEnergyEditor, pe, "b1", "land", "energy", day(45))
		open(asEnergyEditor, pe, "b2", "grid", "industry", day(5))
		open(asIndustryEditor, pi, "b3", "funding", "industry", day(-16))
		open(asBureau, pa, "b4", "approval", "housing", day(5))
		open(asBureau, pa, "b5", "grid", "energy", day(-47))
		b6 := open(asEnergyEditor, pe, "b6", "land", "natural_resources", day(5))
		open(asBureau, pa, "b7", "environment", "agriculture", day(-5))
		e.resolve(t, asEnergyEditor, b6)

		all := []string{"b1", "b2", "b4", "b6", "b7", "b3", "b5"} // by due date, then by when opened
		for _, c := range []struct {
			as, query string
			want      []string
		}{
			{asBureau, "", all},
			{asLeader, "limit=200", all},
			{asBureau, "status=open", []string{"b1", "b2", "b4", "b7", "b3", "b5"}},
			{asBureau, "status=resolved", []string{"b6"}},
			{asBureau, "status=open,in_progress", []string{"b1", "b2", "b4", "b7", "b3", "b5"}},
			{asBureau, "department=industry", []string{"b2", "b3"}},
			{asBureau, "department=energy,housing", []string{"b1", "b4", "b5"}},
			{asBureau, "project_id=" + pa.ID, []string{"b4", "b7", "b5"}},
			{asBureau, "kind=grid", []string{"b2", "b5"}},
			{asBureau, "kind=land,funding", []string{"b1", "b6", "b3"}},
			{asBureau, "overdue=true", []string{"b1", "b2", "b4"}},
			{asBureau, "overdue=false", []string{"b6", "b7", "b3", "b5"}},
			{asBureau, "overdue=true&kind=land", []string{"b1"}},
			{asBureau, "department=energy&overdue=false", []string{"b5"}},
			// A department sees the blockers of its projects and those it
			// must clear, no others.
			{asEnergyEditor, "", []string{"b1", "b2", "b6", "b5"}},
			{asEnergyViewer, "", []string{"b1", "b2", "b6", "b5"}},
			{asEnergyClientRead, "", []string{"b1", "b2", "b6", "b5"}},
			{asIndustryEditor, "", []string{"b2", "b3"}},
			{asIndustryEditor, "project_id=" + pa.ID, []string{}},
			{asEnergyEditor, "department=housing", []string{}},
		} {
			l := e.blockerPage(t, c.as, c.query)
			assert.Equal(t, c.want, titles(l.Items), "%s ?%s", c.as, c.query)
			assert.Nil(t, l.NextCursor, "%s ?%s", c.as, c.query)
			assert.Nil(t, l.Total, "total only when asked for")
		}

		byTitle := map[string]string{}
		for _, is := range e.blockerPage(t, asBureau, "").Items {
			byTitle[is.Title] = is.ID
		}
		for _, c := range []struct {
			as, title string
			status    int
		}{
			{asEnergyEditor, "b5", 200}, // responsible
			{asEnergyEditor, "b2", 200}, // its project
			{asEnergyEditor, "b6", 200}, // resolved, of its project
			{asEnergyEditor, "b4", 404},
			{asEnergyEditor, "b7", 404},
			{asIndustryEditor, "b2", 200},
			{asIndustryEditor, "b1", 404},
			{asIndustryEditor, "b4", 404},
			{asLeader, "b4", 200},
		} {
			res := e.do(t, request{principal: c.as, method: http.MethodGet, path: issuesPath + "/" + byTitle[c.title]})
			assert.Equal(t, c.status, res.status, "%s GET %s: %s", c.as, c.title, res)
		}

		// Pages walked with a cursor give the list of one big page.
		for _, c := range []struct {
			query string
			limit int
		}{{"", 2}, {"", 1}, {"department=energy,housing", 1}, {"overdue=false", 3}} {
			whole := titles(e.blockerPage(t, asBureau, c.query+"&limit=200").Items)
			var walked []string
			q := c.query + "&limit=" + strconv.Itoa(c.limit)
			pages := 0
			for cursor := ""; pages < 20; pages++ {
				l := e.blockerPage(t, asBureau, q+cursor)
				assert.LessOrEqual(t, len(l.Items), c.limit)
				walked = append(walked, titles(l.Items)...)
				if l.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(*l.NextCursor)
			}
			assert.Equal(t, whole, walked, "pages of %d ?%s", c.limit, c.query)
			assert.Equal(t, (len(whole)+c.limit-1)/c.limit, pages+1, "no empty last page: ?%s", q)
		}

		l := e.blockerPage(t, asBureau, "count=true&limit=2")
		require.NotNil(t, l.Total)
		assert.Equal(t, 7, int(*l.Total), "total counts every page")
		assert.Len(t, l.Items, 2)
		l = e.blockerPage(t, asEnergyEditor, "count=true&status=open")
		require.NotNil(t, l.Total)
		assert.Equal(t, 3, int(*l.Total), "total counts what the caller may see")

		list := func(name, query string, field string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodGet, path: issuesPath + "?" + query, invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{field}}
		}
		e.run(t, []tc{
			list("unknown parameter", "sort=due_on", "sort"),
			list("unknown status", "status=closed", "status"),
			list("unknown kind", "kind=weather", "kind"),
			list("malformed department", "department=Energy!", "department"),
			list("malformed project", "project_id=42", "project_id"),
			list("overdue not a boolean", "overdue=maybe", "overdue"),
			list("limit 0", "limit=0", "limit"),
			list("limit 201", "limit=201", "limit"),
			list("bad cursor", "cursor=bm90LWEtY3Vyc29y", "cursor"),
			list("repeated status", "status=open&status=resolved", "status"),
		})

		e.archive(t, pa.ID)
		assert.Equal(t, []string{"b1", "b2", "b6", "b3"}, titles(e.blockerPage(t, asBureau, "").Items), "an archived project's blockers leave lists")
	})
}

// TestHealth holds the health rules of docs/stages.md as the API shows them:
// the stored health of projects, the health filter of lists and the health
// computed for another day.
func TestHealth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		planned := func(name string, daysLate int) api.Project {
			return e.create(t, asBureau, with(projectBody(name), "planned_start_date", day(daysLate)))
		}
		green := e.create(t, asBureau, projectBody("按期项目"))
		late45 := planned("迟45天", 45)
		late90 := planned("迟90天", 90)
		late91 := planned("迟91天", 91)
		late100 := planned("迟100天", 100)
		started := e.create(t, asBureau, with(projectBody("已开工项目"), "planned_start_date", day(100), "stage", "started", "started_on", day(50)))

		for _, c := range []struct {
			p     api.Project
			level string
		}{{late45, "yellow"}, {late90, "yellow"}, {late91, "red"}, {late100, "red"}} {
			got, _ := e.get(t, asLeader, c.p.ID)
			assert.Equal(t, c.level, got.Health, c.p.Name)
			if assert.Len(t, got.HealthReasons, 1, c.p.Name) {
				r := got.HealthReasons[0]
				assert.Equal(t, "planned_start_missed", r.Rule)
				assert.Equal(t, c.level, r.Level)
				if assert.NotNil(t, r.Since) {
					planned, _ := time.Parse(time.DateOnly, *c.p.PlannedStartDate)
					assert.Equal(t, planned.AddDate(0, 0, 1).Format(time.DateOnly), *r.Since, "since the day after the planned date")
				}
			}
		}
		for _, p := range []api.Project{green, started} {
			got, _ := e.get(t, asLeader, p.ID)
			assert.Equal(t, "green", got.Health, p.Name)
			assert.Empty(t, got.HealthReasons, p.Name)
		}
		assert.ElementsMatch(t, []string{late91.Name, late100.Name}, names(e.list(t, asLeader, "health=red").Items))
		assert.ElementsMatch(t, []string{late45.Name, late90.Name}, names(e.list(t, asLeader, "health=yellow").Items))

		// Another day.
		for _, c := range []struct {
			p         api.Project
			on, level string
		}{
			{late45, day(45), "green"}, // the planned day itself
			{late45, day(44), "yellow"},
			{late45, "2021-01-01", "green"},
			{late100, day(10), "yellow"}, // 90 days late
			{late100, day(9), "red"},     // 91 days late
			{late91, day(1), "yellow"},
			{started, day(60), "yellow"}, // before it started, ten days late
			{started, day(50), "green"},
		} {
			h := e.health(t, asEnergyViewer, c.p.ID, c.on)
			assert.Equal(t, c.on, h.On)
			assert.Equal(t, c.level, h.Health, "%s on %s: %+v", c.p.Name, c.on, h.HealthReasons)
		}
		h := e.health(t, asEnergyViewer, late45.ID, "")
		assert.Equal(t, today, h.On, "today by default")
		assert.Equal(t, "yellow", h.Health)
		e.run(t, []tc{
			{name: "on not a date", principal: asBureau, method: http.MethodGet, path: projectURL(late45.ID, "health") + "?on=bad", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"on"}},
			{name: "on impossible", principal: asBureau, method: http.MethodGet, path: projectURL(late45.ID, "health") + "?on=2021-02-30", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"on"}},
			{name: "unknown parameter", principal: asBureau, method: http.MethodGet, path: projectURL(late45.ID, "health") + "?day=2021-01-01", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"day"}},
			{name: "another department", principal: asIndustryEditor, method: http.MethodGet, path: projectURL(late45.ID, "health"),
				wantStatus: 404, wantCode: "not_found"},
		})

		// Funding received above plan.
		funded := e.create(t, asBureau, with(projectBody("资金超计划项目"), "funding", []map[string]any{
			{"source": "enterprise", "planned_yuan": 300, "received_yuan": 300},
			{"source": "central_budget", "planned_yuan": 100, "received_yuan": 150},
		}))
		assert.Equal(t, "yellow", funded.Health)
		assert.Equal(t, []api.HealthReason{{Rule: "funding_over_plan", Level: "yellow", Ref: "central_budget"}}, funded.HealthReasons)
	})
}

// TestHealthOfInvestment holds the rule of 序时进度: on 15 July the latest
// period whose reports count is June (due on 5 July), six months of twelve
// (50%); the year's completed investment of months 1..6 behind that by 10
// to 30 points is yellow, by more red.
func TestHealthOfInvestment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.setClock(t, time.Date(2021, 7, 15, 2, 0, 0, 0, time.UTC))
		p := e.create(t, asEnergyEditor, projectBody("投资进度项目"))
		e.put(t, asBureau, projectURL(p.ID, "plans", "2021"), yuan(1200), http.StatusCreated)
		got, _ := e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "red", got.Health, "nothing completed of a year's plan by June")
		assert.Equal(t, []api.HealthReason{{Rule: "investment_behind", Level: "red", Ref: "2021: 50.0"}}, got.HealthReasons)

		for _, c := range []struct {
			done  int64
			level string
			ref   string
		}{
			{100, "red", "2021: 41.7"}, // 8.3% done
			{239, "red", "2021: 30.1"},
			{240, "yellow", "2021: 30.0"}, // 30 points behind: not more than 30
			{360, "yellow", "2021: 20.0"},
			{480, "yellow", "2021: 10.0"}, // 10 points behind: yellow from 10
			{481, "green", ""},
			{600, "green", ""},
			{1300, "green", ""}, // ahead
		} {
			want := http.StatusOK
			if c.done == 100 {
				want = http.StatusCreated // the first report of May
			}
			e.put(t, asEnergyEditor, projectURL(p.ID, "progress", "2021-05"), completed(c.done, ""), want)
			got, _ := e.get(t, asEnergyViewer, p.ID)
			assert.Equal(t, c.level, got.Health, "%d of 1200 by June: %+v", c.done, got.HealthReasons)
			r := reason(got.HealthReasons, "investment_behind")
			if c.ref == "" {
				assert.Nil(t, r, "%d of 1200", c.done)
			} else if assert.NotNil(t, r, "%d of 1200", c.done) {
				assert.Equal(t, api.HealthReason{Rule: "investment_behind", Level: c.level, Ref: c.ref}, *r)
			}
			assert.Equal(t, 1, got.Version, "progress does not change the project's version")
			h := e.health(t, asEnergyViewer, p.ID, "")
			assert.Equal(t, c.level, h.Health, "GET /health agrees with the stored health, %d of 1200", c.done)
		}

		// Progress of the month after on does not count on an earlier day;
		// a year without a plan has no investment rule.
		e.put(t, asEnergyEditor, projectURL(p.ID, "progress", "2021-05"), completed(100, ""), http.StatusOK)
		e.put(t, asEnergyEditor, projectURL(p.ID, "progress", "2021-06"), completed(500, ""), http.StatusCreated)
		assert.Equal(t, "green", e.health(t, asBureau, p.ID, "").Health, "600 of 1200 by June")
		h := e.health(t, asBureau, p.ID, "2021-05-31")
		assert.Equal(t, "red", h.Health, "on 31 May P is April, and nothing by April: %+v", h.HealthReasons)
		if r := reason(h.HealthReasons, "investment_behind"); assert.NotNil(t, r) {
			assert.Equal(t, "2021: 33.3", r.Ref, "4/12 - 0/1200")
		}
		h = e.health(t, asBureau, p.ID, "2021-06-06")
		if r := reason(h.HealthReasons, "investment_behind"); assert.NotNil(t, r) {
			assert.Equal(t, "2021: 33.3", r.Ref, "on 6 June P is May: 5/12 - 100/1200")
		}
		assert.Equal(t, "green", e.health(t, asBureau, p.ID, "2020-06-15").Health, "no plan for 2020")
	})
}

// TestHealthOfBlockers: an unresolved blocker past its due date is yellow,
// red after 30 days; resolving it clears the reason without a new version
// of the project.
func TestHealthOfBlockers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("问题逾期项目"))
		week := e.openBlocker(t, asEnergyEditor, p.ID, blocker("林地手续", "approval", "natural_resources", day(5)))
		got, _ := e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "yellow", got.Health)
		since := day(4)
		assert.Equal(t, []api.HealthReason{{Rule: "blocker_overdue", Level: "yellow", Since: &since, Ref: week.ID}}, got.HealthReasons)
		assert.Equal(t, 1, got.Version)

		month := e.openBlocker(t, asEnergyEditor, p.ID, blocker("送出线路路径", "grid", "energy", day(45)))
		got, _ = e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "red", got.Health, "45 days past due")
		if r := reason(got.HealthReasons, "blocker_overdue"); assert.NotNil(t, r) {
			assert.Equal(t, "red", r.Level)
			assert.Equal(t, month.ID, r.Ref, "the reason names the most overdue blocker")
		}
		assert.Equal(t, []string{p.Name}, names(e.list(t, asBureau, "health=red").Items))

		e.resolve(t, asEnergyEditor, month)
		got, _ = e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "yellow", got.Health, "the resolved blocker no longer counts")
		if r := reason(got.HealthReasons, "blocker_overdue"); assert.NotNil(t, r) {
			assert.Equal(t, week.ID, r.Ref)
		}
		// The thresholds, by day: yellow the day after the due date, red
		// from the 31st day after it.
		for _, c := range []struct{ on, level string }{
			{day(-25), "yellow"}, // 30 days past due
			{day(-26), "red"},    // 31 days past due
		} {
			h := e.health(t, asBureau, p.ID, c.on)
			assert.Equal(t, c.level, h.Health, "on %s", c.on)
		}
		e.resolve(t, asEnergyEditor, week)
		got, _ = e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "green", got.Health)
		assert.Empty(t, got.HealthReasons)
		assert.Equal(t, 1, got.Version, "blockers do not change the project's version")
		assert.Empty(t, e.list(t, asBureau, "health=red,yellow").Items)
		// Before they were opened, the blockers did not count.
		assert.Equal(t, "green", e.health(t, asBureau, p.ID, day(1)).Health)
	})
}

// TestHealthAsDaysPass moves the clock: the stored health, which the health
// filter reads, follows the calendar (Asia/Shanghai days) once the
// Refresher has run, and it computes only the projects due.
func TestHealthAsDaysPass(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		svc := project.NewService(projectdb.New(db), db, audit.NewService(auditdb.New(db), e.clock.now), e.clock.now, newID)
		refresher := project.NewRefresher(svc, projectdb.New(db))
		ctx := context.Background()
		_, err := refresher.Refresh(ctx)
		require.NoError(t, err)

		soon := e.create(t, asBureau, with(projectBody("七月一日开工"), "planned_start_date", "2021-07-01"))
		missed := e.create(t, asBureau, with(projectBody("六月十日开工"), "planned_start_date", day(5)))
		n, err := refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is due today")

		refresh := func(at time.Time) int {
			e.setClock(t, at)
			n, err := refresher.Refresh(ctx)
			require.NoError(t, err)
			return n
		}
		assert.Zero(t, refresh(time.Date(2021, 7, 1, 15, 59, 59, 0, time.UTC)), "23:59 on 1 July in Guangling")
		got, _ := e.get(t, asBureau, soon.ID)
		assert.Equal(t, "green", got.Health)

		assert.Equal(t, 1, refresh(time.Date(2021, 7, 1, 16, 0, 0, 0, time.UTC)), "midnight of 2 July in Guangling")
		got, _ = e.get(t, asBureau, soon.ID)
		assert.Equal(t, "yellow", got.Health)
		if assert.Len(t, got.HealthReasons, 1) && assert.NotNil(t, got.HealthReasons[0].Since) {
			assert.Equal(t, "2021-07-02", *got.HealthReasons[0].Since)
		}
		assert.Equal(t, 1, got.Version, "a refresh is no change of the project")
		assert.ElementsMatch(t, []string{soon.Name, missed.Name}, names(e.list(t, asBureau, "health=yellow").Items))
		n, err = refresher.Refresh(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "computed once a day at most")

		// 2021-06-10 + 91 days: red.
		assert.Equal(t, 1, refresh(time.Date(2021, 9, 9, 2, 0, 0, 0, time.UTC)))
		assert.Equal(t, []string{missed.Name}, names(e.list(t, asBureau, "health=red").Items))
		assert.Equal(t, []string{soon.Name}, names(e.list(t, asBureau, "health=yellow").Items))
		got, _ = e.get(t, asBureau, missed.ID)
		assert.Equal(t, 1, got.Version)
		assert.True(t, slices.Equal([]string{"planned_start_missed"}, rules(got.HealthReasons)), "%+v", got.HealthReasons)
	})
}
