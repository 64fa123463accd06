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

// planEntry is an entry of the fixture's 2021 plan.
type planEntry struct {
	id, buildType string
	yuan          *int64
	startMonth    *string
}

// enterPlan enters an issued 2021 plan with entries straight into its
// tables (the plan's own routes are another capability's).
func enterPlan(t *testing.T, db *database.DB, entries ...planEntry) {
	t.Helper()
	jan1 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	q, done := db.Conn(context.Background())
	defer done()
	require.NoError(t, q.Exec(`INSERT INTO annual_plans (year, state, issued_on, version, updated_at, updated_by)
		VALUES (2021, 'issued', ?, 1, ?, 'bureau')`, jan1, jan1).Error)
	for _, e := range entries {
		require.NoError(t, q.Exec(`INSERT INTO plan_entries (year, project_id, version, revision, effective_on, build_type,
			build_type_source, key_level, planned_yuan, planned_start_month, department, section, recorded_at, recorded_by)
			SELECT 2021, id, 1, 0, ?, ?, 'set', key_level, ?, ?, department, 'industry', ?, 'bureau' FROM projects WHERE id = ?`,
			jan1, e.buildType, e.yuan, e.startMonth, jan1, e.id).Error)
	}
}

// TestStatsOfAFixture builds a small register through the API and a plan
// in its tables, on the clock's day 2021-06-15 (May's reports count), and
// holds the statistics to hand-computed numbers.
func TestStatsOfAFixture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		project := func(name, dept string, kv ...any) string {
			body := map[string]any{"name": name, "category": "materials", "department": dept}
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
		// 新建: A started on plan, B without a planned month, C planned for
		// September and started early.
		a := project("A", "energy", "stage", "started", "started_on", "2021-03-15", "total_investment_yuan", 150000000)
		b := project("B", "energy")
		c := project("C", "industry", "stage", "started", "started_on", "2021-06-10",
			"expected_annual_output_yuan", 9000000, "total_investment_yuan", 20000000)
		// 续建: D under way; E stopped on 1 June; F cancelled in 2020; H cancelled in the year.
		d := project("D", "industry", "stage", "started", "started_on", "2020-05-01", "total_investment_yuan", 100000000)
		ep := project("E", "industry", "stage", "started", "started_on", "2020-05-01")
		send(http.MethodPost, "/api/v1/projects/"+ep+"/transitions", api.TransitionCreate{To: "suspended", OccurredOn: "2021-06-01", Note: "资金未到位"})
		f := project("F", "industry", "stage", "started", "started_on", "2019-05-01")
		send(http.MethodPost, "/api/v1/projects/"+f+"/transitions", api.TransitionCreate{To: "cancelled", OccurredOn: "2020-10-01", Note: "企业退出"})
		hp := project("H", "industry", "stage", "started", "started_on", "2020-05-01")
		send(http.MethodPost, "/api/v1/projects/"+hp+"/transitions", api.TransitionCreate{To: "cancelled", OccurredOn: "2021-03-01", Note: "规划调整"})
		// X has investment and no entry; G is archived and counts nowhere.
		x := project("X", "industry")
		g := project("G", "energy")
		send(http.MethodDelete, "/api/v1/projects/"+g, nil)
		enterPlan(t, db, planEntry{a, "new", ptr(int64(600)), ptr("2021-03")}, planEntry{b, "new", nil, nil},
			planEntry{c, "new", nil, ptr("2021-09")}, planEntry{d, "continuing", ptr(int64(1200)), nil},
			planEntry{ep, "continuing", nil, nil}, planEntry{f, "continuing", nil, nil}, planEntry{hp, "continuing", nil, nil})
		for _, m := range []string{"01", "02", "03", "04", "05", "06"} {
			send(http.MethodPut, "/api/v1/projects/"+a+"/progress/2021-"+m, api.ReportWrite{CompletedYuan: ptr(int64(50))})
		}
		send(http.MethodPut, "/api/v1/projects/"+d+"/progress/2021-03", api.ReportWrite{CompletedYuan: ptr(int64(300))})
		send(http.MethodPut, "/api/v1/projects/"+x+"/progress/2021-04", api.ReportWrite{CompletedYuan: ptr(int64(70))})
		// B's entry has no planned amount: its 5,000,000 stays out of the rate.
		send(http.MethodPut, "/api/v1/projects/"+b+"/progress/2021-02", api.ReportWrite{CompletedYuan: ptr(int64(5_000_000))})

		st := statsFixture{t: t, e: e}
		st.overviews(a, b, c, d, ep, hp, x)
		st.views(a, b, c, x)
		st.designations(a, c, g)
		st.refusals()
	})
}

type statsFixture struct {
	t *testing.T
	e *env
}

func (s statsFixture) get(as, path string, out any) {
	s.t.Helper()
	res := s.e.do(s.t, request{principal: as, method: http.MethodGet, path: path})
	require.Equal(s.t, http.StatusOK, res.status, "%s", res)
	res.decode(s.t, out)
}

func (s statsFixture) overview(as, query string) api.Overview {
	s.t.Helper()
	var o api.Overview
	s.get(as, "/api/v1/stats/overview"+query, &o)
	return o
}

func rate(n, d int64, r float64, num, den []string) api.Rate {
	return api.Rate{Numerator: n, Denominator: d, Rate: &r, ProjectIDs: &api.ProjectIDs{Numerator: num, Denominator: den}}
}

func (s statsFixture) overviews(a, b, c, d, ep, hp, x string) {
	t := s.t
	o := s.overview(asBureau, "")
	assert.Equal(t, 2021, o.Year)
	assert.Equal(t, "2021-06-15", o.AsOf, "today by default")
	assert.Equal(t, ptr("2021-05"), o.Period, "June's reports are not due yet")
	assert.Equal(t, &api.PlanVersion{State: "issued", IssuedOn: ptr("2021-01-01"), Basis: "as_of", EffectiveOn: ptr("2021-01-01")}, o.Plan)
	assert.Equal(t, "counted", o.Reports)
	assert.Equal(t, api.StartRate{Target: 0.75, TargetDate: ptr("2021-06-30"), Checkpoints: []api.Checkpoint{{Date: "2021-06-30", Rate: 0.75}},
		MisclassifiedIDs: []string{},
		Annual:           rate(2, 3, 0.6667, []string{a, c}, []string{a, b, c}),
		ToDate:           rate(2, 2, 1, []string{a, c}, []string{a, c})}, o.StartRate, "B has no planned month; C started early")
	assert.Equal(t, api.TargetRate{Target: 1, TargetDate: ptr("2021-03-31"), Stalled: []api.StalledEntry{},
		Rate: rate(2, 3, 0.6667, []string{d, ep}, []string{d, ep, hp})}, o.ResumptionRate,
		"F was cancelled before the year; E was under way after 1 January; H is cancelled")
	gap := 11.11
	assert.Equal(t, api.Money{Yuan: 70, ProjectIDs: []string{x}}, o.InvestmentCompletion.OutsidePlan, "X's investment apart")
	assert.Equal(t, rate(550, 1800, 0.3056, []string{a, d}, []string{a, d}), o.InvestmentCompletion.Rate, "January to May")
	assert.Equal(t, 0.4167, o.InvestmentCompletion.TimeProgress)
	assert.Equal(t, &gap, o.InvestmentCompletion.GapPoints)
	assert.Len(t, o.InvestmentCompletion.NoAmountIDs, 5, "the entries without a planned amount: B, C, E, F, H")
	assert.Equal(t, api.Money{Yuan: 5_000_000, ProjectIDs: []string{b}}, o.InvestmentCompletion.NoAmount, "B's report apart, never in the rate")
	assert.Equal(t, api.Cumulative{YearYuan: 5_000_550, TotalYuan: 5_000_550, ProjectIDs: o.CumulativeCompletion.ProjectIDs, OpeningSetIDs: []string{}},
		o.CumulativeCompletion)
	assert.Len(t, o.CumulativeCompletion.ProjectIDs, 7)
	assert.Equal(t, api.ProjectSet{Count: 2, TotalInvestmentYuan: 250000000, ProjectIDs: []string{a, d}}, o.Over100M)
	assert.Equal(t, api.Totals{Count: 8, TotalInvestmentYuan: 270000000}, o.Projects)
	assert.Equal(t, []api.StageCount{
		{Stage: "planning", Count: 2}, {Stage: "started", Count: 3, TotalInvestmentYuan: 270000000},
		{Stage: "suspended", Count: 1}, {Stage: "cancelled", Count: 2},
	}, o.ByStage)

	// On 31 May C had not started.
	o = s.overview(asBureau, "?year=2021&as_of=2021-05-31")
	assert.Equal(t, rate(1, 3, 0.3333, []string{a}, []string{a, b, c}), o.StartRate.Annual)
	// Accepted reports only: none were reviewed.
	o = s.overview(asBureau, "?reports=accepted&period=2021-06")
	assert.Equal(t, "accepted", o.Reports)
	assert.Equal(t, int64(0), o.InvestmentCompletion.Numerator)
	assert.Equal(t, ptr("2021-06"), o.Period)

	// Without the IDs: the same numbers, every project_ids null.
	bare := s.overview(asBureau, "?ids=false")
	assert.Nil(t, bare.StartRate.Annual.ProjectIDs)
	assert.Nil(t, bare.Over100M.ProjectIDs)
	assert.Nil(t, bare.InvestmentCompletion.OutsidePlan.ProjectIDs)
	assert.Equal(t, api.Money{Yuan: 5_000_000}, bare.InvestmentCompletion.NoAmount)
	assert.Equal(t, int64(550), bare.InvestmentCompletion.Numerator)
	raw := s.e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/overview?ids=false"})
	assert.Contains(t, raw.String(), `"project_ids":null`)
	// A year without a plan: no rate, and the answer says so.
	o = s.overview(asBureau, "?year=2020")
	assert.Nil(t, o.Plan)
	assert.Nil(t, o.StartRate.Annual.Rate)
	assert.Equal(t, &api.ProjectIDs{Numerator: []string{}, Denominator: []string{}}, o.StartRate.Annual.ProjectIDs)

	// A department reads its own projects only.
	o = s.overview(asEnergyEditor, "")
	assert.Equal(t, []string{a, b}, o.StartRate.Annual.ProjectIDs.Denominator)
	assert.Equal(t, api.Totals{Count: 2, TotalInvestmentYuan: 150000000}, o.Projects)
}

func (s statsFixture) views(a, b, c, x string) {
	t := s.t
	var bs api.Batches
	s.get(asBureau, "/api/v1/stats/batches?year=2021&quarter=2", &bs)
	assert.Equal(t, api.Batch{ProjectSet: api.ProjectSet{Count: 1, TotalInvestmentYuan: 20000000, ProjectIDs: []string{c}},
		ExpectedAnnualOutputYuan: 9000000, Derived: true}, bs.Started)
	assert.Equal(t, ptr(2), bs.Quarter)
	s.get(asBureau, "/api/v1/stats/batches?year=2021", &bs)
	assert.Nil(t, bs.Quarter, "the year")
	assert.Equal(t, []string{a, c}, bs.Started.ProjectIDs)

	var tr api.Trend
	s.get(asBureau, "/api/v1/stats/trend?year=2021", &tr)
	require.Len(t, tr.Months, 12)
	assert.Equal(t, int64(1800), tr.PlannedYuan)
	assert.Equal(t, ptr("2021-05"), tr.Period)
	assert.Equal(t, api.TrendMonth{Month: "2021-03", Due: true, CompletedYuan: 350, CumulativeCompletedYuan: 450, PlannedToDateYuan: 450,
		Moves: map[string]int64{"cancelled": 1}}, tr.Months[2])
	assert.Equal(t, int64(70), tr.Months[3].OutsidePlanYuan)
	assert.Equal(t, api.TrendMonth{Month: "2021-02", Due: true, CompletedYuan: 50, CumulativeCompletedYuan: 100, PlannedToDateYuan: 300,
		NoAmountYuan: 5_000_000, Moves: map[string]int64{}}, tr.Months[1], "B's month without a planned amount apart")
	assert.False(t, tr.Months[5].Due, "June is not due yet")
	assert.Equal(t, map[string]int64{"suspended": 1}, tr.Months[5].Moves)
	assert.Equal(t, int64(600), tr.Months[11].CumulativeCompletedYuan, "the figures reported so far")

	var br api.Breakdown
	s.get(asBureau, "/api/v1/stats/breakdown?by=department&year=2021", &br)
	assert.Equal(t, []api.BreakdownItem{
		{Key: "energy", Label: "能源局", Count: 2, Entries: 2, TotalInvestmentYuan: 150000000, PlannedYuan: 600, CompletedYuan: 250,
			NoAmountYuan: 5_000_000},
		{Key: "industry", Label: "工业和信息化局", Count: 6, Entries: 5, TotalInvestmentYuan: 120000000, PlannedYuan: 1200, CompletedYuan: 300,
			OutsidePlanYuan: 70},
	}, br.Items)
	s.get(asBureau, "/api/v1/stats/breakdown?by=build_type&year=2021&ids=true", &br)
	require.Len(t, br.Items, 3)
	assert.ElementsMatch(t, []string{a, b, c}, br.Items[0].ProjectIDs, "each group's projects, for its drill-down")
	assert.ElementsMatch(t, []string{x}, br.Items[2].ProjectIDs)
	for i := range br.Items {
		br.Items[i].ProjectIDs = nil
	}
	assert.Equal(t, []api.BreakdownItem{
		{Key: "new", Label: "新建", Count: 3, Entries: 3, TotalInvestmentYuan: 170000000, PlannedYuan: 600, CompletedYuan: 250, NoAmountYuan: 5_000_000},
		{Key: "continuing", Label: "续建", Count: 4, Entries: 4, TotalInvestmentYuan: 100000000, PlannedYuan: 1200, CompletedYuan: 300},
		{Key: "outside_plan", Label: "计划外", Count: 1, OutsidePlanYuan: 70},
	}, br.Items)
	assert.Equal(t, ptr("2021-05"), br.Period)
	raw := s.e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/breakdown?by=stage&year=2021"})
	assert.Contains(t, raw.String(), `"project_ids":null`, "no IDs unless asked for")
}

func (s statsFixture) designations(a, c, g string) {
	t := s.t
	path := "/api/v1/batches/2021/2/started/"
	do := func(as, method, path string) response {
		return s.e.do(t, request{principal: as, method: method, path: path})
	}
	res := do(asBureau, http.MethodPut, path+a)
	require.Equal(t, http.StatusCreated, res.status, "%s", res)
	var d api.Designation
	res.decode(t, &d)
	assert.Equal(t, api.Designation{Year: 2021, Quarter: 2, Kind: "started", ProjectID: a, DesignatedAt: d.DesignatedAt, DesignatedBy: "bureau"}, d)
	assert.Equal(t, http.StatusOK, do(asBureau, http.MethodPut, path+a).status, "designated already")
	var bs api.Batches
	s.get(asBureau, "/api/v1/stats/batches?year=2021&quarter=2", &bs)
	assert.Equal(t, []string{a}, bs.Started.ProjectIDs, "the designated batch, not C's start")
	assert.False(t, bs.Started.Derived)
	assert.True(t, bs.Signed.Derived)
	assert.Equal(t, http.StatusNoContent, do(asBureau, http.MethodDelete, path+a).status)
	assert.Equal(t, http.StatusNotFound, do(asBureau, http.MethodDelete, path+a).status, "not designated any more")
	s.get(asBureau, "/api/v1/stats/batches?year=2021&quarter=2", &bs)
	assert.Equal(t, []string{c}, bs.Started.ProjectIDs, "derived again")
	assert.Equal(t, http.StatusConflict, do(asBureau, http.MethodPut, path+g).status, "an archived project")
	// A designation made before its project was archived counts nowhere and can be removed.
	q, done := s.e.db.Conn(context.Background())
	require.NoError(t, q.Exec(`INSERT INTO batch_designations (year, quarter, kind, project_id, designated_at, designated_by)
		VALUES (2021, 3, 'started', ?, ?, 'bureau')`, g, time.Date(2021, 4, 2, 0, 0, 0, 0, time.UTC)).Error)
	done()
	s.get(asBureau, "/api/v1/stats/batches?year=2021&quarter=3", &bs)
	assert.True(t, bs.Started.Derived, "designated only by an archived project: derived")
	assert.Equal(t, http.StatusNoContent, do(asBureau, http.MethodDelete, "/api/v1/batches/2021/3/started/"+g).status, "an archived project's designation")
	assert.Equal(t, http.StatusNotFound, do(asBureau, http.MethodDelete, "/api/v1/batches/2021/3/started/"+g).status, "removed")
	res = s.e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/batches/2030/2/started/" + a})
	assert.Equal(t, http.StatusBadRequest, res.status, "a year the statistics cannot read: %s", res)
	assert.Equal(t, http.StatusNotFound, do(asBureau, http.MethodPut, path+"6f1c1a52-9d1e-4b59-8a55-0f3f8f0f7d11").status, "an unknown project")
	assert.Equal(t, http.StatusForbidden, do(asEnergyEditor, http.MethodPut, path+a).status, "the bureau's")
	for _, p := range []string{"/api/v1/batches/2021/5/started/" + a, "/api/v1/batches/2021/2/landed/" + a, "/api/v1/batches/x/2/started/" + a} {
		res := s.e.do(t, request{principal: asBureau, method: http.MethodPut, path: p, invalid: true})
		assert.Equal(t, http.StatusBadRequest, res.status, "%s: %s", p, res)
	}
}

func (s statsFixture) refusals() {
	for _, path := range []string{
		"/api/v1/stats/overview?year=1999", "/api/v1/stats/overview?year=2021&as_of=2020-12-31",
		"/api/v1/stats/overview?as_of=2021-06-16", "/api/v1/stats/overview?as_of=2021-02-30",
		"/api/v1/stats/overview?region=x", "/api/v1/stats/overview?ids=maybe", "/api/v1/stats/overview?ids=1", "/api/v1/stats/overview?ids=true&ids=false",
		"/api/v1/stats/overview?plan=latest", "/api/v1/stats/overview?period=2020-12", "/api/v1/stats/overview?reports=all",
		"/api/v1/stats/breakdown?by=color", "/api/v1/stats/breakdown", "/api/v1/stats/trend?period=2021-13",
		"/api/v1/stats/batches?quarter=5", "/api/v1/stats/batches?quarter=0", "/api/v1/stats/batches?quarter=x", "/api/v1/stats/trend?year=abc",
		"/api/v1/stats/overview?period=2021-07", "/api/v1/stats/trend?period=2021-12", "/api/v1/stats/breakdown?by=stage&period=2021-07",
		"/api/v1/stats/overview?year=2022&period=2022-01", "/api/v1/stats/breakdown?by=stage&ids=maybe",
	} {
		res := s.e.do(s.t, request{principal: asBureau, method: http.MethodGet, path: path, invalid: true})
		assert.Equal(s.t, http.StatusBadRequest, res.status, "%s: %s", path, res)
		assert.Equal(s.t, "validation_failed", res.problem(s.t).Code, path)
	}
}

// planOfTheRegister completes the 2021 plan the register implies, through
// the plan's API: an entry for each live project with a planned start in
// 2021 or a continuing build type, typed from the project, beside those the
// fixture's yearly plans entered; each keeps its planned investment.
func planOfTheRegister(t *testing.T, e *env) {
	t.Helper()
	q, done := e.db.Conn(context.Background())
	var rows []struct {
		ID, BuildType    string
		PlannedStartDate *time.Time
		PlannedYuan      *int64
		Entered          bool
	}
	require.NoError(t, q.Raw(`SELECT p.id, p.build_type, p.planned_start_date, e.planned_yuan, e.project_id IS NOT NULL AS entered
		FROM projects p LEFT JOIN plan_entries e ON e.project_id = p.id AND e.year = 2021
		WHERE p.archived_at IS NULL ORDER BY p.id`).Scan(&rows).Error)
	done()
	for _, r := range rows {
		in2021 := r.PlannedStartDate != nil && r.PlannedStartDate.Year() == 2021
		if !r.Entered && !in2021 && r.BuildType != "continuing" {
			continue
		}
		body := map[string]any{"build_type": r.BuildType}
		if r.PlannedYuan != nil {
			body["planned_investment_yuan"] = *r.PlannedYuan
		}
		if in2021 {
			body["planned_start_month"] = r.PlannedStartDate.Format("2006-01")
		}
		res := e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/annual-plans/2021/entries/" + r.ID, body: body})
		require.Contains(t, []int{http.StatusCreated, http.StatusOK}, res.status, "%s", res)
	}
}
