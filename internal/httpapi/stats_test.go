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

// TestStatsOfAFixture builds a small register through the API, on the
// clock's day 2021-06-15, and holds the statistics to hand-computed numbers.
func TestStatsOfAFixture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		project := func(name, dept, buildType string, kv ...any) string {
			body := map[string]any{"name": name, "category": "materials", "department": dept, "build_type": buildType}
			return e.create(t, asBureau, with(body, kv...)).ID
		}
		send := func(method, path string, body any) {
			t.Helper()
			r := request{principal: asBureau, method: method, path: path, body: body}
			if method == http.MethodDelete {
				r.headers = map[string]string{"If-Match": `"1"`}
			}
			res := e.do(t, r)
			require.Less(t, res.status, 300, "%s %s: %s", method, path, res)
		}
		// New projects: A started on plan, B late, C planned for September and
		// started early; all three planned in 2021.
		a := project("A", "energy", "new", "planned_start_date", "2021-03-01", "stage", "started", "started_on", "2021-03-15",
			"total_investment_yuan", 150000000)
		b := project("B", "energy", "new", "planned_start_date", "2021-05-01")
		c := project("C", "industry", "new", "planned_start_date", "2021-09-01", "stage", "started", "started_on", "2021-06-10",
			"expected_annual_output_yuan", 9000000, "total_investment_yuan", 20000000)
		// Continuing: D under way; E stopped on 1 June; F cancelled in 2020.
		d := project("D", "industry", "continuing", "stage", "started", "started_on", "2020-05-01", "total_investment_yuan", 100000000)
		ep := project("E", "industry", "continuing", "stage", "started", "started_on", "2020-05-01")
		send(http.MethodPost, "/api/v1/projects/"+ep+"/transitions", api.TransitionCreate{To: "suspended", OccurredOn: "2021-06-01", Note: "资金未到位"})
		f := project("F", "industry", "continuing", "stage", "started", "started_on", "2019-05-01")
		send(http.MethodPost, "/api/v1/projects/"+f+"/transitions", api.TransitionCreate{To: "cancelled", OccurredOn: "2020-10-01", Note: "企业退出"})
		// H was cancelled in the year: it counts, as not under way.
		hp := project("H", "industry", "continuing", "stage", "started", "started_on", "2020-05-01")
		send(http.MethodPost, "/api/v1/projects/"+hp+"/transitions", api.TransitionCreate{To: "cancelled", OccurredOn: "2021-03-01", Note: "规划调整"})
		// An archived project counts nowhere.
		g := project("G", "energy", "new", "planned_start_date", "2021-02-01")
		send(http.MethodDelete, "/api/v1/projects/"+g, nil)
		// Plans and progress: 550 of 1,800 by June.
		send(http.MethodPut, "/api/v1/projects/"+a+"/plans/2021", api.PlanWrite{PlannedInvestmentYuan: ptr(int64(600))})
		send(http.MethodPut, "/api/v1/projects/"+d+"/plans/2021", api.PlanWrite{PlannedInvestmentYuan: ptr(int64(1200))})
		for _, m := range []string{"01", "02", "03", "04", "05"} {
			send(http.MethodPut, "/api/v1/projects/"+a+"/progress/2021-"+m, api.ReportWrite{CompletedYuan: ptr(int64(50))})
		}
		send(http.MethodPut, "/api/v1/projects/"+d+"/progress/2021-03", api.ReportWrite{CompletedYuan: ptr(int64(300))})

		overview := func(as, query string) api.Overview {
			t.Helper()
			res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/stats/overview" + query})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var o api.Overview
			res.decode(t, &o)
			return o
		}
		rate := func(n, d int64, r float64, num, den []string) api.Rate {
			return api.Rate{Numerator: n, Denominator: d, Rate: &r, ProjectIDs: &api.ProjectIDs{Numerator: num, Denominator: den}}
		}
		o := overview(asBureau, "")
		assert.Equal(t, 2021, o.Year)
		assert.Equal(t, "2021-06-15", o.AsOf, "today by default")
		assert.Equal(t, api.StartRate{Target: 0.75,
			Annual: rate(2, 3, 0.6667, []string{a, c}, []string{a, b, c}),
			ToDate: rate(1, 2, 0.5, []string{a}, []string{a, b})}, o.StartRate)
		assert.Equal(t, api.TargetRate{Target: 1, Rate: rate(1, 3, 0.3333, []string{d}, []string{d, ep, hp})}, o.ResumptionRate,
			"F was cancelled before the year; E is stopped; H cancelled in it")
		gap := 19.44
		assert.Equal(t, api.InvestmentCompletion{Rate: rate(550, 1800, 0.3056, []string{a, d}, []string{a, d}), TimeProgress: 0.5, GapPoints: &gap},
			o.InvestmentCompletion)
		assert.Equal(t, api.ProjectSet{Count: 2, TotalInvestmentYuan: 250000000, ProjectIDs: []string{a, d}}, o.Over100M)
		assert.Equal(t, api.Totals{Count: 7, TotalInvestmentYuan: 270000000}, o.Projects)
		assert.Equal(t, []api.StageCount{
			{Stage: "planning", Count: 1}, {Stage: "started", Count: 3, TotalInvestmentYuan: 270000000},
			{Stage: "suspended", Count: 1}, {Stage: "cancelled", Count: 2},
		}, o.ByStage)

		// On 31 May E was still under way: its stage then comes from its history.
		o = overview(asBureau, "?year=2021&as_of=2021-05-31")
		assert.Equal(t, rate(2, 3, 0.6667, []string{d, ep}, []string{d, ep, hp}), o.ResumptionRate.Rate)
		assert.Equal(t, rate(1, 3, 0.3333, []string{a}, []string{a, b, c}), o.StartRate.Annual, "C had not started yet")

		// Without the IDs: the same numbers, every project_ids null.
		bare := overview(asBureau, "?year=2021&as_of=2021-05-31&ids=false")
		assert.Nil(t, bare.StartRate.Annual.ProjectIDs)
		assert.Nil(t, bare.Over100M.ProjectIDs)
		o.StartRate.Annual.ProjectIDs, o.StartRate.ToDate.ProjectIDs, o.ResumptionRate.ProjectIDs = nil, nil, nil
		o.InvestmentCompletion.ProjectIDs, o.Over100M.ProjectIDs = nil, nil
		assert.Equal(t, o, bare)
		raw := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/overview?ids=false"})
		assert.Contains(t, raw.String(), `"project_ids":null`)
		// Nothing in an empty set of projects is [], not null.
		o = overview(asBureau, "?year=2020")
		assert.Equal(t, &api.ProjectIDs{Numerator: []string{}, Denominator: []string{}}, o.StartRate.Annual.ProjectIDs)

		// A department reads its own projects only.
		o = overview(asEnergyEditor, "")
		assert.Equal(t, []string{a, b}, o.StartRate.Annual.ProjectIDs.Denominator)
		assert.Equal(t, api.Totals{Count: 2, TotalInvestmentYuan: 150000000}, o.Projects)

		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/batches?year=2021&quarter=2"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var bs api.Batches
		res.decode(t, &bs)
		assert.Equal(t, api.Batch{ProjectSet: api.ProjectSet{Count: 1, TotalInvestmentYuan: 20000000, ProjectIDs: []string{c}}, ExpectedAnnualOutputYuan: 9000000}, bs.Started)
		assert.Equal(t, int64(0), bs.Signed.Count)

		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/trend?year=2021"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var tr api.Trend
		res.decode(t, &tr)
		require.Len(t, tr.Months, 12)
		assert.Equal(t, int64(1800), tr.PlannedYuan)
		assert.Equal(t, "2021-03", tr.Months[2].Month)
		assert.Equal(t, []int64{350, 450, 450}, []int64{tr.Months[2].CompletedYuan, tr.Months[2].CumulativeCompletedYuan, tr.Months[2].PlannedToDateYuan})
		assert.Equal(t, map[string]int64{"suspended": 1}, tr.Months[5].Moves)
		assert.Equal(t, map[string]int64{"cancelled": 1}, tr.Months[2].Moves)
		assert.Equal(t, int64(550), tr.Months[11].CumulativeCompletedYuan)

		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/breakdown?by=department&year=2021"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var br api.Breakdown
		res.decode(t, &br)
		assert.Equal(t, []api.BreakdownItem{
			{Key: "energy", Label: "能源局", Count: 2, TotalInvestmentYuan: 150000000, PlannedYuan: 600, CompletedYuan: 250},
			{Key: "industry", Label: "工业和信息化局", Count: 5, TotalInvestmentYuan: 120000000, PlannedYuan: 1200, CompletedYuan: 300},
		}, br.Items)

		for _, path := range []string{
			"/api/v1/stats/overview?year=1999", "/api/v1/stats/overview?year=2021&as_of=2020-12-31",
			"/api/v1/stats/overview?as_of=2021-06-16", "/api/v1/stats/overview?as_of=2021-02-30",
			"/api/v1/stats/overview?region=x", "/api/v1/stats/overview?ids=maybe", "/api/v1/stats/overview?ids=1", "/api/v1/stats/overview?ids=true&ids=false", "/api/v1/stats/breakdown?by=color", "/api/v1/stats/breakdown",
			"/api/v1/stats/batches?quarter=5", "/api/v1/stats/batches?quarter=x", "/api/v1/stats/trend?year=abc",
		} {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: path, invalid: true})
			assert.Equal(t, http.StatusBadRequest, res.status, "%s: %s", path, res)
			assert.Equal(t, "validation_failed", res.problem(t).Code, path)
		}
	})
}
