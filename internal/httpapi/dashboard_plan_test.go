package httpapi_test

// The dashboard's panels of the year's plan, the county indicators and the
// monthly dispatch, held to the API's answers: TestDashboardInBrowser calls
// these with its page open.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/seed"
)

// dashPeriod is the panel's period: P of the overview, May as of 15 June.
const dashPeriod = "2021-05"

// loadDemoIndicators loads the report's county indicators, 2020's figures
// and 2021's targets, as the service's seed command does.
func loadDemoIndicators(t *testing.T, e *env) {
	t.Helper()
	auditor := audit.NewService(auditdb.New(e.db), e.clock.now)
	svc := indicator.NewService(projectdb.NewIndicators(e.db), e.db, auditor, e.clock.now)
	n, err := seed.DemoIndicators(context.Background(), svc)
	require.NoError(t, err)
	require.Equal(t, 2, n, "2020 and 2021")

	// The bureau writes 2021's growth target 10.50: the page shows it digit
	// for digit, as the API answers it.
	var y api.Indicators
	e.getAsLeader(t, "/api/v1/indicators/2021", &y)
	for i := range y.Items {
		if y.Items[i].Code == "fixed_asset_investment_growth_target" {
			y.Items[i].Value = json.RawMessage(`10.50`)
		}
	}
	res := e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/indicators/2021",
		body: api.IndicatorsPut{Items: y.Items}, headers: map[string]string{"If-Match": quoted(y.Version)}})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
}

// dispatchFixture makes the panel's period non-trivial without changing
// a figure the tiles show: the bureau accepts one of May's reports, and
// keys in May's reports of two other departments' entries with nothing
// completed, returning one of them.
func dispatchFixture(t *testing.T, e *env) {
	t.Helper()
	var pl api.AnnualPlan
	e.getAsLeader(t, "/api/v1/annual-plans/2021", &pl)
	reported := map[string]bool{}
	var st api.DispatchStatus
	e.getAsLeader(t, "/api/v1/dispatch/"+dashPeriod, &st)
	for _, id := range append(st.Total.Reported.ProjectIDs, st.Total.ReportedLate.ProjectIDs...) {
		reported[id] = true
	}
	require.NotEmpty(t, reported, "the fixture's reports of May")
	first := slices.Sorted(func(yield func(string) bool) {
		for id := range reported {
			if !yield(id) {
				return
			}
		}
	})[0]
	res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/dispatch/" + dashPeriod + "/reports/" + first + "/accept"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)

	seen := map[string]bool{"energy": true, "housing": true, "industry": true, "devzone": true}
	var keyed []string
	for _, en := range pl.Entries {
		if len(keyed) == 2 || seen[en.Department] || reported[en.ProjectID] {
			continue
		}
		seen[en.Department] = true
		e.put(t, asBureau, "/api/v1/dispatch/"+dashPeriod+"/reports/"+en.ProjectID,
			api.ReportWrite{CompletedYuan: ptr(int64(0)), SiteProgress: "冬季停工，尚未复工"}, http.StatusCreated)
		keyed = append(keyed, en.ProjectID)
	}
	require.Len(t, keyed, 2, "two entries of other departments")

	// The hospital, stopped since November and not resumed, is 停缓建: out
	// of the resumption rate, listed apart.
	i := slices.IndexFunc(e.listAll(t, asLeader, "stage=suspended"), func(p api.Project) bool { return p.Name == "县医院综合楼项目" })
	require.GreaterOrEqual(t, i, 0)
	hospital := e.listAll(t, asLeader, "stage=suspended")[i]
	e.put(t, asBureau, "/api/v1/annual-plans/2021/entries/"+hospital.ID, api.PlanEntryWrite{BuildType: ptr("continuing"),
		Stalled: true, StalledReason: "资金未落实，2020年11月起停建"}, http.StatusOK)
	res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/dispatch/" + dashPeriod + "/reports/" + keyed[1] + "/return",
		body: api.ReportReturn{Reason: "形象进度与现场不符"}})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
}

// dashDec is a decimal as the API answers it, its whole part grouped by three.
func dashDec(raw json.RawMessage) string {
	whole, frac, dot := strings.Cut(string(raw), ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	s := dashInt(n)
	if dot {
		s += "." + frac
	}
	return s
}

// dashMonthDay is a day as the bureau writes it: 6月30日.
func dashMonthDay(day string) string {
	d, _ := time.Parse(time.DateOnly, day)
	return fmt.Sprintf("%d月%d日", d.Month(), d.Day())
}

// checkPlanTiles holds the tiles' words of the year's plan to the overview.
func checkPlanTiles(t *testing.T, b *browser, e *env, ov api.Overview) {
	t.Helper()
	require.NotNil(t, ov.Plan)
	require.NotNil(t, ov.Period)
	assert.Equal(t, "计划版本：草稿（按现状计算）", b.text(t, "#plan-version"), "the demo's plan is a draft")
	var periods api.DispatchPeriodList
	e.getAsLeader(t, "/api/v1/dispatch/periods?year=2021", &periods)
	next := periods.Items[slices.IndexFunc(periods.Items, func(p api.DispatchPeriod) bool { return p.Period == "2021-06" })]
	assert.Equal(t, fmt.Sprintf("资金数截至 5 月，6 月报 %s到期 · 阶段截至 %s", dashMonthDay(next.DueOn), ov.AsOf), b.text(t, "#plan-period"))
	assert.Equal(t, "资金数截至 5 月，6 月报 7月5日到期 · 阶段截至 2021-06-15", b.text(t, "#plan-period"), "as the bureau says it")
	assert.True(t, evalJS[bool](t, b, `document.querySelector("#no-plan").hidden`), "a year with a plan")

	require.NotNil(t, ov.StartRate.TargetDate)
	require.NotNil(t, ov.ResumptionRate.TargetDate)
	for key, day := range map[string]string{"start_annual": *ov.StartRate.TargetDate, "start_to_date": *ov.StartRate.TargetDate,
		"resumption": *ov.ResumptionRate.TargetDate} {
		assert.Equal(t, "（"+dashMonthDay(day)+"前）", b.text(t, `[data-kpi="`+key+`"] .target-date`), key)
	}
	assert.Equal(t, "（6月30日前）", b.text(t, `[data-kpi="start_annual"] .target-date`))
	assert.Equal(t, "已开工 2 / 计划新建 6 个", b.text(t, `[data-kpi="start_annual"] .frac`))
	assert.Equal(t, "已开工 2 / 应开工 4 个", b.text(t, `[data-kpi="start_to_date"] .frac`))
	assert.Equal(t, fmt.Sprintf("已复工 %s / 上年末在建 %s 个", dashInt(ov.ResumptionRate.Numerator), dashInt(ov.ResumptionRate.Denominator)),
		b.text(t, `[data-kpi="resumption"] .frac`))
	assert.Equal(t, "1–5月完成 6,200 / 年度计划 20,000 万元", b.text(t, `[data-kpi="investment"] .frac`))
	assert.Equal(t, "序时进度 41.7%（5/12，截至5月）", b.text(t, `[data-kpi="investment"] .goal`))
	for key, ids := range map[string][]string{"misclassified": ov.StartRate.MisclassifiedIDs, "stalled": stalledIDs(ov)} {
		sel := `[data-flag="` + key + `"]`
		shown := evalJS[bool](t, b, `!document.querySelector(`+jsQuote(sel)+`).hidden`)
		assert.Equal(t, len(ids) > 0, shown, key)
		if shown {
			assert.Equal(t, dashInt(int64(len(ids))), b.text(t, sel+" a"), key)
		}
	}

	require.Len(t, ov.ResumptionRate.Stalled, 1, "the hospital")
	got, names := b.drill(t, `[data-flag="stalled"] a`)
	assert.Equal(t, stalledIDs(ov), got)
	assert.Equal(t, []string{"县医院综合楼项目"}, names)

	for key, f := range map[string]api.Firsts{"completed": ov.CompletedThisYear, "in_production": ov.InProductionThisYear} {
		tile := `[data-kpi="` + key + `"] `
		assert.Equal(t, dashInt(f.Plan.Count), b.text(t, tile+".count"), key)
		assert.Equal(t, dashInt(f.OutsidePlan.Count), b.text(t, tile+".outside"), key)
	}
	assert.Positive(t, ov.InProductionThisYear.Plan.Count, "the zinc project, put into production in May")
	c := ov.CumulativeCompletion
	assert.Equal(t, dashWan(c.TotalYuan), b.text(t, `[data-kpi="cumulative"] .count`))
	assert.Equal(t, fmt.Sprintf("上年末 %s + 本年 %s 万元", dashWan(c.OpeningYuan), dashWan(c.YearYuan)), b.text(t, `[data-kpi="cumulative"] .frac`))
	out := ov.InvestmentCompletion.OutsidePlan
	assert.Equal(t, dashWan(out.Yuan), b.text(t, `[data-kpi="outside_plan"] .count`))
	assert.Equal(t, "1–5月，年度计划以外的项目", b.text(t, `[data-kpi="outside_plan"] .frac`))

	got, _ = b.drill(t, `[data-kpi="in_production"] .count`)
	assert.ElementsMatch(t, ov.InProductionThisYear.Plan.ProjectIDs, got)
	got, _ = b.drill(t, `[data-kpi="cumulative"] .count`)
	assert.ElementsMatch(t, c.ProjectIDs, got)
	got, _ = b.drill(t, `[data-kpi="outside_plan"] .count`)
	assert.ElementsMatch(t, out.ProjectIDs, got)
}

func stalledIDs(ov api.Overview) []string {
	var out []string
	for _, s := range ov.ResumptionRate.Stalled {
		out = append(out, s.ProjectID)
	}
	return out
}

// checkIndicators holds the county indicators' panel to the year's list:
// the reported figures and the targets apart, each with its unit.
func checkIndicators(t *testing.T, b *browser, e *env, year string) api.Indicators {
	t.Helper()
	var ind api.Indicators
	e.getAsLeader(t, "/api/v1/indicators/"+year, &ind)
	var meta api.Meta
	e.getAsLeader(t, "/api/v1/meta", &meta)
	target := map[string]bool{}
	for _, c := range meta.IndicatorCodes {
		target[c.Code] = c.Target
	}
	want := map[string][]string{"#county-reported": {}, "#county-targets": {}}
	for _, it := range ind.Items {
		box := "#county-reported"
		if target[it.Code] {
			box = "#county-targets"
		}
		want[box] = append(want[box], it.Code)
		fig := box + ` .figure[data-code="` + it.Code + `"] `
		assert.Equal(t, it.Label, b.text(t, fig+".fig-label"), it.Code)
		assert.Equal(t, dashDec(it.Value), b.text(t, fig+".value"), it.Code)
		assert.Equal(t, it.Unit, b.text(t, fig+".unit"), it.Code)
		assert.Equal(t, it.Source, b.text(t, fig+".fig-source"), it.Code)
	}
	for _, box := range []string{"#county-reported", "#county-targets"} {
		assert.Equal(t, want[box], b.attrs(t, box+" .figure", "data-code"), box)
	}
	assert.Equal(t, year+"年", b.text(t, "#county-year"))
	if year == "2021" {
		assert.Equal(t, "10.50", b.text(t, `.figure[data-code="fixed_asset_investment_growth_target"] .value`), "digit for digit")
	}
	assert.Equal(t, "报告数", b.text(t, "#panel-indicators .badge"), "labelled as reported figures")
	return ind
}

// checkDispatch holds the dispatch panel to the period's status: every
// count of every department and the total, one drill-down, the sheet.
func checkDispatch(t *testing.T, b *browser, e *env) {
	t.Helper()
	var st api.DispatchStatus
	e.getAsLeader(t, "/api/v1/dispatch/"+dashPeriod, &st)
	assert.Equal(t, "2021年5月", b.text(t, "#dispatch-title"))
	assert.Equal(t, "报送截止 "+st.DueOn+" · 已过截止日，计入统计", b.text(t, "#dispatch-due"))
	tallies := func(s api.DispatchStanding) []string {
		out := []string{}
		for _, n := range []api.DispatchTally{s.Owed, s.Reported, s.ReportedLate, s.Overdue, s.Pending, s.Returned, s.Accepted} {
			out = append(out, dashInt(int64(n.Count)))
		}
		return out
	}
	var depts []string
	for _, d := range st.Departments {
		depts = append(depts, d.Department)
		assert.Equal(t, tallies(d), b.texts(t, `#dispatch tbody tr[data-department="`+d.Department+`"] td`), d.Department)
	}
	assert.Equal(t, depts, b.attrs(t, "#dispatch tbody tr", "data-department"))
	assert.Equal(t, tallies(st.Total), b.texts(t, `#dispatch tfoot tr td`), "合计")
	assert.Equal(t, "合计", b.text(t, "#dispatch tfoot th"))
	for name, n := range map[string]int{"已报或逾期已报": st.Total.Reported.Count + st.Total.ReportedLate.Count,
		"逾期未报": st.Total.Overdue.Count, "退回": st.Total.Returned.Count, "已审核": st.Total.Accepted.Count} {
		assert.Positive(t, n, "%s: the fixture makes it non-trivial", name)
	}

	got, _ := b.drill(t, `#dispatch tfoot td[data-key="overdue"] a`)
	assert.ElementsMatch(t, st.Total.Overdue.ProjectIDs, got)
	i := slices.IndexFunc(st.Departments, func(d api.DispatchStanding) bool { return d.Returned.Count > 0 })
	require.GreaterOrEqual(t, i, 0)
	got, _ = b.drill(t, `#dispatch tbody tr[data-department="`+st.Departments[i].Department+`"] td[data-key="returned"] a`)
	assert.ElementsMatch(t, st.Departments[i].Returned.ProjectIDs, got)

	sheet := e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/dispatch/" + dashPeriod + "/sheet?format=xlsx"})
	require.Equal(t, http.StatusOK, sheet.status)
	b.do(t, "download the sheet", chromedp.Click(chromedp.CSS("#sheet-link")),
		chromedp.Poll[chromedp.Void](`["ready", "error"].includes(document.querySelector("#sheet-link").dataset.state)`, chromedp.WithPollingTimeout(20*time.Second)))
	assert.Equal(t, "ready", evalJS[string](t, b, `document.querySelector("#sheet-link").dataset.state`), b.text(t, "#error"))
	assert.Equal(t, sheet.header.Get("Content-Type"), evalJS[string](t, b, `document.querySelector("#sheet-link").dataset.type`))
	bytes, err := strconv.Atoi(evalJS[string](t, b, `document.querySelector("#sheet-link").dataset.bytes`))
	require.NoError(t, err)
	assert.InDelta(t, len(sheet.body), bytes, 64, "the 调度表 the API answers")
}

// checkYears: the selector offers the years with a plan or indicators, and
// the current one, latest first.
func checkYears(t *testing.T, b *browser, e *env) {
	t.Helper()
	var plans api.AnnualPlanYears
	e.getAsLeader(t, "/api/v1/annual-plans", &plans)
	var inds api.IndicatorYears
	e.getAsLeader(t, "/api/v1/indicators", &inds)
	set := map[int]bool{2021: true} // today's year
	for _, p := range plans.Items {
		set[p.Year] = true
	}
	for _, y := range inds.Items {
		set[y] = true
	}
	var want []string
	for y := range set {
		want = append(want, strconv.Itoa(y))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(want)))
	assert.Equal(t, want, b.attrs(t, "#year option", "value"))
	assert.Equal(t, []string{"2021", "2020"}, want, "the demo's plan of 2021 and its indicators of 2020 and 2021")
}

// check2020 chooses 2020 in the selector: no plan, said plainly, and the
// county's reported figures in their own panel.
func check2020(t *testing.T, b *browser, e *env, dialect string) {
	t.Helper()
	b.do(t, "choose 2020", chromedp.SetValue(chromedp.CSS("#year"), "2020"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#board").dataset.state = "loading";
			document.querySelector("#year").dispatchEvent(new Event("change"))`))
	require.Equal(t, "ready", b.settled(t, "#board"), "the 2020 board: %s %s", b.text(t, "#error"), b.texts(t, ".panel-error"))
	var ov api.Overview
	e.getAsLeader(t, "/api/v1/stats/overview?year=2020", &ov)
	require.Nil(t, ov.Plan, "no plan of 2020 in the register")
	assert.Equal(t, "2020 年没有录入年度计划", b.text(t, "#no-plan-text"))
	assert.False(t, evalJS[bool](t, b, `document.querySelector("#no-plan").hidden`))
	assert.Equal(t, "2020 年没有录入年度计划", b.text(t, "#plan-version"))
	assert.Equal(t, "资金数截至 12 月（全年） · 阶段截至 2020-12-31", b.text(t, "#plan-period"))
	assert.Empty(t, evalJS[[]string](t, b, `[...document.querySelectorAll(".plan-kpi")].filter((x) => x.getClientRects().length).map((x) => x.dataset.kpi)`),
		"no empty rates")
	assert.Equal(t, dashInt(ov.InProductionThisYear.OutsidePlan.Count), b.text(t, `[data-kpi="in_production"] .outside`))
	ind := checkIndicators(t, b, e, "2020")
	assert.Len(t, ind.Items, 7)
	assert.Equal(t, "374,204", b.text(t, `#county-reported .figure[data-code="fixed_asset_investment"] .value`))
	assert.Equal(t, []string{"374,204", "13.5", "147", "103", "22", "42.89", "10"}, b.texts(t, "#county-reported .value"))
	assert.Equal(t, "2020年12月", b.text(t, "#dispatch-title"))
	assert.Equal(t, "该期没有应报的计划项目", b.text(t, "#dispatch tbody td"))
	b.screenshot(t, "dashboard-2020-"+dialect+".png", true)
}
