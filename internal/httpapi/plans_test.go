package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

const plan2021 = "/api/v1/annual-plans/2021"

func planEntryURL(year, id string) string { return "/api/v1/annual-plans/" + year + "/entries/" + id }

func (e *env) annualPlan(t *testing.T, as, query string) api.AnnualPlan {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: plan2021 + query})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var out api.AnnualPlan
	res.decode(t, &out)
	return out
}

func entryIDs(p api.AnnualPlan) []string {
	out := []string{}
	for _, e := range p.Entries {
		out = append(out, e.ProjectID)
	}
	return out
}

// TestAnnualPlan drafts, issues and adjusts a year's plan over HTTP
// (docs/plan.md): defaults and where they came from, the bases, history.
func TestAnnualPlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		wind := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		zinc := e.create(t, asBureau, with(projectBody("锌合金项目"), "department", "industry", "category", "materials"))

		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: plan2021})
		require.Equal(t, http.StatusNotFound, res.status, "%s", res)
		assert.Equal(t, "not_found", res.problem(t).Code)
		assert.Contains(t, res.problem(t).Detail, "该年度还没有重点项目计划")

		res = e.put(t, asBureau, planEntryURL("2021", wind.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(1_000))}, http.StatusCreated)
		var en api.PlanEntry
		res.decode(t, &en)
		assert.Equal(t, `"1"`, res.header.Get("ETag"))
		assert.Equal(t, "new", en.BuildType)
		assert.Equal(t, "project_build_type", en.BuildTypeSource, "a planning project whose own type says new")
		assert.Equal(t, map[string]string{"build_type": "project_build_type", "key_level": "project", "department": "project",
			"leader": "project", "section": "category", "opening_cumulative_yuan": "derived"}, en.Defaults)
		assert.Equal(t, []any{"energy", "county", "industry", "晨风50兆瓦风电项目", "planning"},
			[]any{en.Department, en.KeyLevel, en.Section, en.ProjectName, en.Stage})

		e.put(t, asBureau, planEntryURL("2021", zinc.ID), api.PlanEntryWrite{BuildType: ptr("new"), PlannedInvestmentYuan: ptr(int64(500)),
			PlannedStartMonth: ptr("2021-05"), Department: "energy"}, http.StatusCreated)
		res = e.put(t, asBureau, planEntryURL("2021", wind.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(1_000))}, http.StatusOK)
		assert.Equal(t, `"1"`, res.header.Get("ETag"), "the same PUT again: no new version")

		draft := e.annualPlan(t, asLeader, "")
		assert.Equal(t, "draft", draft.State)
		assert.Equal(t, api.PlanBasis{Plan: "as_of", AsOf: "2021-06-15", Revision: 0}, draft.Basis)
		assert.Equal(t, api.PlanTotals{Count: 2, PlannedInvestmentYuan: 1_500,
			ByBuildType: map[string]api.PlanTotal{"new": {Count: 2, PlannedInvestmentYuan: 1_500}},
			BySection:   map[string]api.PlanTotal{"industry": {Count: 2, PlannedInvestmentYuan: 1_500}}}, draft.Totals)
		assert.True(t, draft.Targets.Default, "the default targets until the bureau sets them")
		assert.Equal(t, []api.PlanCheckpoint{{Date: "2021-06-30", Rate: 0.75}}, draft.Targets.StartRate)

		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: plan2021 + "/issue", body: api.PlanIssue{IssuedOn: ptr("2021-01-20")}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: plan2021 + "/issue", body: api.PlanIssue{}})
		require.Equal(t, http.StatusConflict, res.status, "%s", res)
		assert.Contains(t, res.problem(t).Detail, "已下达")

		e.run(t, []tc{
			{name: "an adjustment without a reason", principal: asBureau, method: http.MethodPut, path: planEntryURL("2021", wind.ID),
				body: api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(2_000))}, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"reason:required"}},
			{name: "an effective day before the 下达 day", principal: asBureau, method: http.MethodPut, path: planEntryURL("2021", wind.ID),
				body:       api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(2_000)), Reason: "追加", EffectiveOn: ptr("2021-01-01")},
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"effective_on:out_of_range"}},
			{name: "a removal without a reason", principal: asBureau, method: http.MethodDelete, path: planEntryURL("2021", zinc.ID),
				body: api.PlanRemoval{}, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"reason:required"}},
		})
		e.put(t, asBureau, planEntryURL("2021", wind.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(2_000)), Reason: "追加投资",
			EffectiveOn: ptr("2021-05-01")}, http.StatusOK)
		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: planEntryURL("2021", zinc.ID),
			body: api.PlanRemoval{Reason: "调出：未落地", EffectiveOn: ptr("2021-06-01")}})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)

		asOfMay := e.annualPlan(t, asBureau, "?as_of=2021-05-15")
		assert.ElementsMatch(t, []string{wind.ID, zinc.ID}, entryIDs(asOfMay))
		assert.Equal(t, api.PlanBasis{Plan: "as_of", AsOf: "2021-05-15", Revision: 1, EffectiveOn: ptr("2021-05-01")}, asOfMay.Basis)
		assert.Equal(t, int64(2_500), asOfMay.Totals.PlannedInvestmentYuan)
		baseline := e.annualPlan(t, asBureau, "?plan=baseline")
		assert.Equal(t, int64(1_500), baseline.Totals.PlannedInvestmentYuan)
		assert.Equal(t, api.PlanBasis{Plan: "baseline", AsOf: "2021-06-15", Revision: 0, EffectiveOn: ptr("2021-01-20")}, baseline.Basis)
		current := e.annualPlan(t, asBureau, "?plan=current")
		assert.Equal(t, []string{wind.ID}, entryIDs(current))
		assert.Equal(t, 2, current.Basis.Revision)

		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: planEntryURL("2021", zinc.ID) + "?plan=current"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var detail api.PlanEntryDetail
		res.decode(t, &detail)
		assert.Nil(t, detail.Entry, "out of the current plan")
		require.Len(t, detail.History, 2)
		assert.Equal(t, []any{true, "调出：未落地", ptr("2021-06-01"), asBureau},
			[]any{detail.History[1].Removed, detail.History[1].Reason, detail.History[1].EffectiveOn, detail.History[1].RecordedBy})

		e.run(t, []tc{
			{name: "an unknown basis", principal: asBureau, method: http.MethodGet, path: plan2021 + "?plan=latest", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"plan"}},
			{name: "an unknown parameter", principal: asBureau, method: http.MethodGet, path: plan2021 + "?year=2021", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"year"}},
			{name: "a year that is no year", principal: asBureau, method: http.MethodGet, path: "/api/v1/annual-plans/21", invalid: true,
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"year"}},
			{name: "a project never in the plan", principal: asBureau, method: http.MethodGet, path: planEntryURL("2021", e.create(t, asBureau, projectBody("另一项目")).ID),
				wantStatus: 404, wantCode: "not_found"},
		})
	})
}

// TestPlanEntryRefused: bad input changes nothing and gets a clear error.
func TestPlanEntryRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		archived := e.create(t, asBureau, projectBody("已归档项目"))
		e.archive(t, archived.ID)
		e.put(t, asBureau, planEntryURL("2021", p.ID), api.PlanEntryWrite{}, http.StatusCreated)
		put := func(name, as, id string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: as, method: http.MethodPut, path: planEntryURL("2021", id), body: body, invalid: status == 400,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			put("an archived project", asBureau, archived.ID, api.PlanEntryWrite{}, 409, "conflict"),
			put("an unknown project", asBureau, "0190a0b0-0000-7000-8000-00000000dead", api.PlanEntryWrite{}, 404, "not_found"),
			put("an unknown department", asBureau, p.ID, api.PlanEntryWrite{Department: "zz_none"}, 400, "validation_failed", "department:unknown"),
			put("a negative amount", asBureau, p.ID, map[string]any{"planned_investment_yuan": -1}, 400, "validation_failed", "planned_investment_yuan"),
			put("a month outside the year", asBureau, p.ID, api.PlanEntryWrite{PlannedStartMonth: ptr("2022-01")}, 400, "validation_failed", "planned_start_month:out_of_range"),
			put("a month that is no month", asBureau, p.ID, api.PlanEntryWrite{PlannedStartMonth: ptr("2021-13")}, 400, "validation_failed", "planned_start_month:invalid_format"),
			put("stalled without a reason", asBureau, p.ID, api.PlanEntryWrite{Stalled: true}, 400, "validation_failed", "stalled_reason:required"),
			put("a date that is no date", asBureau, p.ID, api.PlanEntryWrite{PlannedCompletionOn: ptr("2021-02-30")}, 400, "validation_failed", "planned_completion_on"),
			put("an empty build type", asBureau, p.ID, map[string]any{"build_type": ""}, 400, "validation_failed", "build_type"),
			put("an unknown member", asBureau, p.ID, map[string]any{"year": 2021}, 400, "unknown_field", "year"),
			put("a department may not write", asEnergyEditor, p.ID, api.PlanEntryWrite{}, 403, "forbidden"),
			{name: "a stale If-Match", principal: asBureau, method: http.MethodPut, path: planEntryURL("2021", p.ID), body: api.PlanEntryWrite{Goals: "x"},
				headers: ifMatchTag(7), wantStatus: 412, wantCode: "version_conflict"},
			{name: "targets out of range", principal: asBureau, method: http.MethodPut, path: plan2021 + "/targets", invalid: true,
				body:       api.PlanTargetsWrite{StartRate: []api.PlanCheckpoint{{Date: "2022-06-30", Rate: 0.75}}},
				wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"start_rate[0].date:out_of_range"}},
			{name: "an issue day after today", principal: asBureau, method: http.MethodPost, path: plan2021 + "/issue",
				body: api.PlanIssue{IssuedOn: ptr("2021-07-01")}, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"issued_on:out_of_range"}},
		})
		got := e.annualPlan(t, asBureau, "")
		require.Len(t, got.Entries, 1, "refused requests store nothing")
		assert.Equal(t, 1, got.Entries[0].Version)
		assert.Equal(t, 1, got.Version)

		res := e.put(t, asBureau, plan2021+"/targets", api.PlanTargetsWrite{StartRate: []api.PlanCheckpoint{{Date: "2021-06-30", Rate: 0.8}},
			Resumption: &api.PlanCheckpoint{Date: "2021-03-31", Rate: 1}, InvestmentYuan: ptr(int64(3_742_040_000))}, http.StatusOK)
		var pl api.AnnualPlan
		res.decode(t, &pl)
		assert.False(t, pl.Targets.Default)
		assert.Equal(t, []api.PlanCheckpoint{{Date: "2021-06-30", Rate: 0.8}}, pl.Targets.StartRate)
		assert.Equal(t, 2, pl.Version)
		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: planEntryURL("2021", p.ID)})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)
		assert.Empty(t, e.annualPlan(t, asBureau, "").Entries, "a draft's entry is deleted")
	})
}

// TestAnnualPlanScope: a department sees the entries of its projects and
// those it is responsible for, totals over what it sees, and writes none.
func TestAnnualPlanScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		wind := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		zinc := e.create(t, asBureau, with(projectBody("锌合金项目"), "department", "industry", "category", "materials"))
		lead := e.create(t, asBureau, with(projectBody("再生铅项目"), "department", "industry", "category", "materials"))
		e.put(t, asBureau, planEntryURL("2021", wind.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(100))}, http.StatusCreated)
		e.put(t, asBureau, planEntryURL("2021", zinc.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(20))}, http.StatusCreated)
		e.put(t, asBureau, planEntryURL("2021", lead.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(3)), Department: "energy"}, http.StatusCreated)

		energy := e.annualPlan(t, asEnergyViewer, "")
		assert.ElementsMatch(t, []string{wind.ID, lead.ID}, entryIDs(energy), "its project and the one it is responsible for")
		assert.Equal(t, int64(103), energy.Totals.PlannedInvestmentYuan)
		industry := e.annualPlan(t, asIndustryEditor, "")
		assert.ElementsMatch(t, []string{zinc.ID, lead.ID}, entryIDs(industry), "its projects")
		assert.Len(t, e.annualPlan(t, asLeader, "").Entries, 3)

		e.run(t, []tc{
			{name: "another department's entry", principal: asEnergyViewer, method: http.MethodGet, path: planEntryURL("2021", zinc.ID),
				wantStatus: 404, wantCode: "not_found"},
			{name: "an entry it is responsible for", principal: asEnergyViewer, method: http.MethodGet, path: planEntryURL("2021", lead.ID),
				wantStatus: 200},
			{name: "a department may not change its entry", principal: asEnergyEditor, method: http.MethodPut, path: planEntryURL("2021", wind.ID),
				body: api.PlanEntryWrite{}, wantStatus: 403, wantCode: "forbidden"},
			{name: "nor take it out", principal: asEnergyEditor, method: http.MethodDelete, path: planEntryURL("2021", wind.ID),
				wantStatus: 403, wantCode: "forbidden"},
			{name: "nor issue the plan", principal: asEnergyEditor, method: http.MethodPost, path: plan2021 + "/issue",
				body: api.PlanIssue{}, wantStatus: 403, wantCode: "forbidden"},
			{name: "nor set its targets", principal: asEnergyClientWrite, method: http.MethodPut, path: plan2021 + "/targets",
				body: api.PlanTargetsWrite{}, wantStatus: 403, wantCode: "forbidden"},
		})

		var l api.PlanList
		res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: projectURL(wind.ID, "plans")})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &l)
		require.Len(t, l.Items, 1)
		assert.Equal(t, []any{2021, ptr(int64(100)), "new", "draft"}, []any{l.Items[0].Year, l.Items[0].PlannedInvestmentYuan, l.Items[0].BuildType, l.Items[0].PlanState})
		pr := e.progress(t, asEnergyViewer, wind.ID, "?year=2021")
		assert.Equal(t, ptr(int64(100)), pr.PlannedInvestmentYuan, "progress reads the entry's planned investment")
	})
}

// TestAnnualPlanYears lists the years that have a plan, by year, with
// their state and 下达 day, to every reader.
func TestAnnualPlanYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		years := func(as string) api.AnnualPlanYears {
			t.Helper()
			res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/annual-plans"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var out api.AnnualPlanYears
			res.decode(t, &out)
			return out
		}
		assert.Equal(t, api.AnnualPlanYears{Items: []api.AnnualPlanYear{}}, years(asLeader), "no plan yet: an empty list")

		wind := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		e.put(t, asBureau, planEntryURL("2021", wind.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(1_000))}, http.StatusCreated)
		e.put(t, asBureau, "/api/v1/annual-plans/2020/targets", api.PlanTargetsWrite{InvestmentYuan: ptr(int64(1))}, http.StatusOK)
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/annual-plans/2020/issue", body: api.PlanIssue{IssuedOn: ptr("2020-01-20")}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		for _, as := range []string{asLeader, asEnergyViewer, asBureau} {
			got := years(as)
			require.Len(t, got.Items, 2, as)
			assert.Equal(t, []any{2020, "issued", ptr("2020-01-20"), 0}, []any{got.Items[0].Year, got.Items[0].State, got.Items[0].IssuedOn, got.Items[0].Revisions}, as)
			assert.Equal(t, []any{2021, "draft", (*string)(nil)}, []any{got.Items[1].Year, got.Items[1].State, got.Items[1].IssuedOn}, as)
		}
	})
}
