package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// planEntry puts a project in the draft plan of 2021 with department dept
// responsible for its reports, as the plan's service would.
func (e *env) planEntry(t testing.TB, projectID, dept string) {
	t.Helper()
	q, done := e.db.Conn(context.Background())
	defer done()
	require.NoError(t, q.Exec(`INSERT INTO annual_plans (year, state, version, updated_at, updated_by)
		SELECT 2021, 'draft', 1, ?, 'bureau' WHERE NOT EXISTS (SELECT 1 FROM annual_plans WHERE year = 2021)`, now).Error)
	require.NoError(t, q.Exec(`INSERT INTO plan_entries (year, project_id, version, build_type, build_type_source, key_level,
		planned_yuan, department, section, recorded_at, recorded_by)
		VALUES (2021, ?, 1, 'continuing', 'set', 'county', 1200, ?, 'industry', ?, 'bureau')`, projectID, dept, now).Error)
}

func reportPath(period, id string) string { return "/api/v1/dispatch/" + period + "/reports/" + id }

func report(t testing.TB, res response) api.Report {
	t.Helper()
	var r api.Report
	res.decode(t, &r)
	return r
}

func status(t testing.TB, e *env, as, period string) api.DispatchStatus {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/dispatch/" + period})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var s api.DispatchStatus
	res.decode(t, &s)
	return s
}

// TestDispatchRound: a department submits its month, the bureau returns
// it, the department corrects it, the bureau accepts it; a correction after
// the due day is marked and keeps the first figures (docs/dispatch.md).
func TestDispatchRound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		e.planEntry(t, p.ID, "energy")
		path := reportPath("2021-05", p.ID)
		e.setClock(t, time.Date(2021, 6, 3, 2, 0, 0, 0, time.UTC))

		r := report(t, e.put(t, asEnergyEditor, path, map[string]any{"completed_yuan": 100, "site_progress": "基础完成", "statistical_yuan": 80}, http.StatusCreated))
		assert.Equal(t, "submitted", r.State)
		assert.False(t, r.Late)
		assert.False(t, r.OnBehalf)
		st := status(t, e, asBureau, "2021-05")
		assert.Equal(t, "2021-06-05", st.DueOn)
		assert.False(t, st.Counts, "not yet due")
		require.Len(t, st.Departments, 1)
		assert.Equal(t, []string{p.ID}, st.Departments[0].Reported.ProjectIDs)
		assert.Equal(t, 1, st.Total.Owed.Count)

		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: path + "/return", body: api.ReportReturn{Reason: "形象进度与现场不符"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		r = report(t, res)
		assert.Equal(t, "returned", r.State)
		assert.Equal(t, "形象进度与现场不符", r.ReturnReason)
		st = status(t, e, asBureau, "2021-05")
		assert.Equal(t, 1, st.Total.Returned.Count)
		assert.Equal(t, 1, st.Total.Pending.Count, "a returned report counts as not reported")
		e.run(t, []tc{{name: "accepting a returned report", principal: asBureau, method: http.MethodPost, path: path + "/accept",
			wantStatus: http.StatusConflict, wantCode: "conflict", wantFields: []string{"state:is"}}})

		r = report(t, e.put(t, asEnergyEditor, path, map[string]any{"completed_yuan": 120, "site_progress": "主体施工"}, http.StatusOK))
		assert.Equal(t, "submitted", r.State)
		assert.False(t, r.Corrected, "changed before the due day and before acceptance")
		// The bureau read the report at version r.Version; the department
		// changes it before the bureau decides.
		read := r.Version
		r = report(t, e.put(t, asEnergyEditor, path, map[string]any{"completed_yuan": 130, "site_progress": "主体施工"}, http.StatusOK))
		for _, action := range []string{"/accept", "/return"} {
			e.run(t, []tc{{name: "deciding on a version changed since it was read: " + action, principal: asBureau, method: http.MethodPost, path: path + action,
				body: api.ReportReturn{Reason: "不符"}, headers: ifMatchTag(read), wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"}})
		}
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, r, report(t, res), "nothing changed")
		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: path + "/accept", headers: ifMatchTag(r.Version)})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		accepted := report(t, res)
		assert.Equal(t, "accepted", accepted.State)
		assert.Equal(t, asBureau, accepted.ReviewedBy)
		again := e.do(t, request{principal: asBureau, method: http.MethodPost, path: path + "/accept"})
		require.Equal(t, http.StatusOK, again.status)
		assert.Equal(t, accepted.Version, report(t, again).Version, "accepting twice changes nothing")
		st = status(t, e, asEnergyViewer, "2021-05")
		assert.Equal(t, 1, st.Total.Accepted.Count)

		e.setClock(t, time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC))
		r = report(t, e.put(t, asEnergyEditor, path, map[string]any{"completed_yuan": 90, "site_progress": "主体施工"}, http.StatusOK))
		assert.Equal(t, "submitted", r.State, "a correction awaits review")
		assert.True(t, r.Corrected)
		require.NotNil(t, r.Original)
		assert.Equal(t, int64(130), r.Original.CompletedYuan, "the figures before the first correction")
		same := report(t, e.put(t, asEnergyEditor, path, map[string]any{"completed_yuan": 90, "site_progress": "主体施工"}, http.StatusOK))
		assert.Equal(t, r.Version, same.Version, "the same figures again change nothing")

		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, r, report(t, res))
		y := e.progress(t, asEnergyViewer, p.ID, "?year=2021")
		require.Len(t, y.Months, 1)
		assert.Equal(t, "submitted", y.Months[0].State)
		assert.True(t, y.Months[0].Corrected)
		if assert.NotNil(t, y.PlannedInvestmentYuan) {
			assert.Equal(t, int64(1200), *y.PlannedInvestmentYuan, "the plan entry's")
		}
		assert.Len(t, e.auditOf(t, "project", p.ID, "report.accepted"), 1)
		assert.Len(t, e.auditOf(t, "project", p.ID, "report.returned"), 1)
	})
}

// TestDispatchRefusals: bad input gets a clear error and changes nothing.
func TestDispatchRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("晨风50兆瓦风电项目"))
		e.planEntry(t, p.ID, "energy")
		outside := e.create(t, asEnergyEditor, projectBody("计划外项目"))
		// An energy project whose reports the industry bureau owes this year.
		lent := e.create(t, asEnergyEditor, projectBody("国昶物流园"))
		e.planEntry(t, lent.ID, "industry")
		gone := e.create(t, asEnergyEditor, projectBody("已归档项目"))
		e.planEntry(t, gone.ID, "energy")
		e.archive(t, gone.ID)
		first := report(t, e.put(t, asEnergyEditor, reportPath("2021-05", p.ID), map[string]any{"completed_yuan": 5}, http.StatusCreated))
		assert.True(t, first.Late, "first submitted after 5 June")
		res := e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-02", body: api.DispatchPeriodWrite{DueOn: "2021-03-10", Combined: true}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)

		put := func(name, as, period, id string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: as, method: http.MethodPut, path: reportPath(period, id), body: body,
				invalid: status == http.StatusBadRequest, wantStatus: status, wantCode: code, wantFields: fields}
		}
		one := map[string]any{"completed_yuan": 1}
		e.run(t, []tc{
			put("not in the plan", asEnergyEditor, "2021-05", outside.ID, one, 422, "unprocessable", "project_id:not_in_plan"),
			put("a future period", asEnergyEditor, "2021-07", p.ID, one, 400, "validation_failed", "period:in_future"),
			put("January of a combined year", asEnergyEditor, "2021-01", p.ID, one, 422, "unprocessable", "period:combined_period"),
			put("another department", asIndustryEditor, "2021-05", p.ID, one, 404, "not_found"),
			put("the project's department, not the entry's", asEnergyEditor, "2021-05", lent.ID, one, 403, "forbidden"),
			put("a negative amount", asEnergyEditor, "2021-05", p.ID, map[string]any{"completed_yuan": -1}, 400, "validation_failed", "completed_yuan"),
			put("no amount", asEnergyEditor, "2021-05", p.ID, map[string]any{"note": "x"}, 400, "validation_failed", "completed_yuan:required"),
			put("an archived project", asEnergyEditor, "2021-05", gone.ID, one, 409, "conflict"),
			put("a leader", asLeader, "2021-05", p.ID, one, 403, "forbidden"),
			put("an unknown blocker", asEnergyEditor, "2021-05", p.ID, map[string]any{"completed_yuan": 1, "issue_ids": []string{"01a24eca-af92-7d7e-bad3-dee2a86e799d"}},
				400, "validation_failed", "issue_ids:unknown"),
			{name: "stale If-Match", principal: asEnergyEditor, method: http.MethodPut, path: reportPath("2021-05", p.ID), body: one,
				headers: ifMatchTag(7), wantStatus: 412, wantCode: "version_conflict"},
			{name: "a department reviews", principal: asEnergyEditor, method: http.MethodPost, path: reportPath("2021-05", p.ID) + "/accept", wantStatus: 403, wantCode: "forbidden"},
			{name: "a return without a reason", principal: asBureau, method: http.MethodPost, path: reportPath("2021-05", p.ID) + "/return",
				body: map[string]any{}, invalid: true, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"reason:required"}},
			{name: "reviewing a report of a project outside the plan", principal: asBureau, method: http.MethodPost, path: reportPath("2021-05", outside.ID) + "/accept",
				wantStatus: 422, wantCode: "unprocessable"},
			{name: "the sheet of a future period", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2099-01/sheet", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"period:in_future"}},
			{name: "the status of a future period", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2099-01", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"period:in_future"}},
			{name: "the sheet of January in a combined year", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-01/sheet",
				wantStatus: http.StatusUnprocessableEntity, wantCode: "unprocessable", wantFields: []string{"period:combined_period"}},
			{name: "the status of January in a combined year", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-01",
				wantStatus: http.StatusUnprocessableEntity, wantCode: "unprocessable", wantFields: []string{"period:combined_period"}},
			{name: "combined on March", principal: asBureau, method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-03",
				body: api.DispatchPeriodWrite{DueOn: "2021-04-08", Combined: true}, invalid: true, wantStatus: 400, wantFields: []string{"combined:february_only"}},
			{name: "a due day too late", principal: asBureau, method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-03",
				body: api.DispatchPeriodWrite{DueOn: "2021-06-01"}, invalid: true, wantStatus: 400, wantFields: []string{"due_on:out_of_range"}},
			{name: "a department moves a due day", principal: asEnergyEditor, method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-03",
				body: api.DispatchPeriodWrite{DueOn: "2021-04-08"}, wantStatus: 403, wantCode: "forbidden"},
		})
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: reportPath("2021-05", p.ID)})
		require.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, first, report(t, res), "nothing changed")
		assert.Empty(t, e.progress(t, asEnergyViewer, outside.ID, "?year=2021").Months)

		// The entry's department reports for a project it does not own;
		// the bureau keys one in on a department's behalf.
		lentReport := report(t, e.put(t, asIndustryEditor, reportPath("2021-05", lent.ID), one, http.StatusCreated))
		assert.False(t, lentReport.OnBehalf)
		behalf := report(t, e.put(t, asBureau, reportPath("2021-04", p.ID), one, http.StatusCreated))
		assert.True(t, behalf.OnBehalf)
		// Outside the plan the project's own route records 计划外.
		e.put(t, asEnergyEditor, projectURL(outside.ID, "progress", "2021-05"), one, http.StatusCreated)

		st := status(t, e, asIndustryEditor, "2021-05")
		require.Len(t, st.Departments, 1, "a department sees its own row")
		assert.Equal(t, "industry", st.Departments[0].Department)
		all := status(t, e, asLeader, "2021-05")
		assert.Len(t, all.Departments, 2)
		assert.Equal(t, 2, all.Total.Owed.Count, "neither an archived project nor one outside the plan owes")
		assert.True(t, all.Counts)

		var periods api.DispatchPeriodList
		res = e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/dispatch/periods?year=2021"})
		require.Equal(t, http.StatusOK, res.status)
		res.decode(t, &periods)
		require.Len(t, periods.Items, 11, "January reported with February")
		assert.Equal(t, api.DispatchPeriod{Period: "2021-02", DueOn: "2021-03-10", Moved: true, Combined: true, Version: 1}, periods.Items[0])
		assert.Equal(t, api.DispatchPeriod{Period: "2021-03", DueOn: "2021-04-05"}, periods.Items[1])
	})
}

// TestDispatchNewIssue: a report's problem opens a blocker in the same change.
func TestDispatchNewIssue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("晨风50兆瓦风电项目"))
		e.planEntry(t, p.ID, "energy")
		bad := map[string]any{"completed_yuan": 1, "new_issue": map[string]any{"title": "", "kind": "land", "responsible_department": "energy", "due_on": "2021-07-01"}}
		e.run(t, []tc{{name: "a blocker without a title", principal: asEnergyEditor, method: http.MethodPut, path: reportPath("2021-05", p.ID),
			body: bad, invalid: true, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"title"}}})
		assert.Empty(t, e.progress(t, asEnergyViewer, p.ID, "?year=2021").Months, "nothing written")

		r := report(t, e.put(t, asEnergyEditor, reportPath("2021-05", p.ID), map[string]any{"completed_yuan": 1, "problems": "用地未批",
			"new_issue": map[string]any{"title": "风机基础用地未获批", "kind": "land", "responsible_department": "natural_resources", "due_on": "2021-07-01"}}, http.StatusCreated))
		require.Len(t, r.IssueIDs, 1)
		res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/issues/" + r.IssueIDs[0]})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		r2 := report(t, e.put(t, asEnergyEditor, reportPath("2021-05", p.ID), map[string]any{"completed_yuan": 2, "issue_ids": r.IssueIDs}, http.StatusOK))
		assert.Equal(t, r.IssueIDs, r2.IssueIDs)

		// The entry's department, not the project's, reports a problem
		// after the due day, and sends the same request again.
		lent := e.create(t, asEnergyEditor, projectBody("国昶物流园"))
		e.planEntry(t, lent.ID, "industry")
		body := map[string]any{"completed_yuan": 3, "problems": "缺少施工用电",
			"new_issue": map[string]any{"title": "施工用电未接入", "kind": "land", "responsible_department": "energy", "due_on": "2021-07-01"}}
		first := report(t, e.put(t, asIndustryEditor, reportPath("2021-05", lent.ID), body, http.StatusCreated))
		require.Len(t, first.IssueIDs, 1)
		retried := report(t, e.put(t, asIndustryEditor, reportPath("2021-05", lent.ID), body, http.StatusOK))
		assert.Equal(t, first, retried, "a retry changes nothing")
		assert.False(t, retried.Corrected)
		assert.Equal(t, 1, e.issueCount(t, lent.ID), "one blocker")
		edited := report(t, e.put(t, asIndustryEditor, reportPath("2021-05", lent.ID), map[string]any{"completed_yuan": 3, "problems": "施工用电已报装",
			"issue_ids": first.IssueIDs}, http.StatusOK))
		assert.Equal(t, first.Version+1, edited.Version)
		assert.False(t, edited.Corrected, "the text changed after the due day, not the money")
	})
}

// issueCount counts a project's blockers.
func (e *env) issueCount(t testing.TB, projectID string) int {
	t.Helper()
	q, done := e.db.Conn(context.Background())
	defer done()
	var n int64
	require.NoError(t, q.Table("issues").Where("project_id = ?", projectID).Count(&n).Error)
	return int(n)
}

// TestDispatchSheetRoute: the 调度表 of a period downloads as CSV and XLSX
// with the county, year and period in its title and the entry's row marked
// until its report is accepted; a department's sheet holds its own entries;
// a bad format or reports value is refused.
func TestDispatchSheetRoute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		e.planEntry(t, p.ID, "energy")
		e.setClock(t, time.Date(2021, 6, 3, 2, 0, 0, 0, time.UTC))
		e.put(t, asEnergyEditor, reportPath("2021-05", p.ID), map[string]any{"completed_yuan": 1_234_567, "site_progress": "基础完成"}, http.StatusCreated)

		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-05/sheet?format=csv"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, "text/csv; charset=utf-8; header=present", res.header.Get("Content-Type"))
		assert.Contains(t, res.header.Get("Content-Disposition"), `filename="dispatch-2021-05.csv"`)
		csv := string(res.body)
		for _, want := range []string{"广灵县2021年重点项目建设进展情况调度表（1–5月）", "道威共享储能电站项目", "50 MW", "123.46", "基础完成", "待审核", "小计", "合计"} {
			assert.Contains(t, csv, want)
		}

		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-05/sheet"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", res.header.Get("Content-Type"))
		assert.Equal(t, "PK", string(res.body[:2]), "a zip file")

		res = e.do(t, request{principal: asIndustryEditor, method: http.MethodGet, path: "/api/v1/dispatch/2021-05/sheet?format=csv"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.NotContains(t, string(res.body), "道威共享储能电站项目", "another department's entry")

		e.run(t, []tc{
			{name: "a format that is not a sheet", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-05/sheet?format=pdf", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"format:invalid_value"}},
			{name: "reports neither counted nor accepted", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-05/sheet?reports=all", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"reports:invalid_value"}},
			{name: "a period that is not a month", principal: asBureau, method: http.MethodGet, path: "/api/v1/dispatch/2021-13/sheet",
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"period:invalid_format"}},
		})
	})
}
