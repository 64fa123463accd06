package dispatch_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/plan"
)

// wan is yuan in 万元 to two decimals, rounded half away from zero, as the
// sheet writes money.
func wan(yuan int64) float64 { return math.Round(float64(yuan)/100) / 100 }

func TestCompile(t *testing.T) {
	t.Parallel()
	row := func(id string, sec plan.Section, done, planned int64) dispatch.SheetRow {
		return dispatch.SheetRow{ProjectID: id, Section: sec, ToDateYuan: done, CumulativeYuan: done + 1, PlannedYuan: &planned, TotalInvestmentYuan: &planned}
	}
	cases := []struct {
		name         string
		rows         []dispatch.SheetRow
		wantSections []plan.Section
		wantSubtotal []int64 // 1–P月完成 of each section
		wantTotal    int64
	}{
		{"none", nil, []plan.Section{}, nil, 0},
		{"sections in the plan's order, empty ones left out",
			[]dispatch.SheetRow{row("a", plan.RealEstate, 10, 1), row("b", plan.Industry, 20, 1), row("c", plan.RealEstate, 30, 1)},
			[]plan.Section{plan.Industry, plan.RealEstate}, []int64{20, 40}, 60},
		{"rows that round to more than their subtotal",
			[]dispatch.SheetRow{row("a", plan.Livelihood, 50, 0), row("b", plan.Livelihood, 50, 0), row("c", plan.Livelihood, 50, 0)},
			[]plan.Section{plan.Livelihood}, []int64{150}, 150},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sh := dispatch.Compile("广灵县", 2021, month(2021, 5), c.rows)
			assert.Equal(t, "广灵县", sh.County)
			got := []plan.Section{}
			var subtotals []int64
			count := 0
			for _, s := range sh.Sections {
				got = append(got, s.Section)
				subtotals = append(subtotals, s.Subtotal.ToDateYuan)
				count += len(s.Rows)
				assert.Equal(t, len(s.Rows), s.Subtotal.Count)
			}
			assert.Equal(t, c.wantSections, got)
			assert.Equal(t, c.wantSubtotal, subtotals)
			assert.Equal(t, c.wantTotal, sh.Total.ToDateYuan)
			assert.Equal(t, len(c.rows), sh.Total.Count)
			assert.Equal(t, len(c.rows), count)
			assert.Equal(t, c.wantTotal+int64(len(c.rows)), sh.Total.CumulativeYuan)
		})
	}
	// 0.005万元 three times: each row reads 0.01, the subtotal 0.02 (0.015).
	sh := dispatch.Compile("广灵县", 2021, month(2021, 5), cases[2].rows)
	var rounded float64
	for _, r := range sh.Sections[0].Rows {
		rounded += wan(r.ToDateYuan)
	}
	assert.InDelta(t, 0.03, rounded, 1e-9)
	assert.InDelta(t, 0.02, wan(sh.Sections[0].Subtotal.ToDateYuan), 1e-9, "summed in yuan, rounded once")

	// The rate's part is what the rows with a plan completed; 总投资 known of some rows.
	bare := dispatch.SheetRow{ProjectID: "d", Section: plan.Industry, ToDateYuan: 7_000}
	sh = dispatch.Compile("广灵县", 2021, month(2021, 5), []dispatch.SheetRow{row("a", plan.Industry, 100, 1_000), bare, row("b", plan.Livelihood, 5, 10)})
	assert.Equal(t, dispatch.Totals{Count: 2, TotalInvestmentYuan: 1_000, CumulativeYuan: 101, PlannedYuan: 1_000, ToDateYuan: 7_100,
		PlannedToDateYuan: 100, TotalKnown: 1}, sh.Sections[0].Subtotal)
	assert.Equal(t, int64(105), sh.Total.PlannedToDateYuan)
	assert.Equal(t, 2, sh.Total.TotalKnown)
	sh = dispatch.Compile("广灵县", 2021, month(2021, 5), []dispatch.SheetRow{bare})
	assert.Zero(t, sh.Total.TotalKnown, "no row has a total investment")
}

func TestSheet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(at("2021-08-10"))
	put := func(id string, y int, m time.Month, yuan int64, state dispatch.State, corrected bool) {
		require.NoError(t, f.store.PutReport(ctx, dispatch.Report{ProjectID: id, Month: month(y, m), Figures: dispatch.Figures{CompletedYuan: yuan,
			SiteProgress: "进度" + month(y, m).String(), Problems: "问题"}, State: state, Corrected: corrected, Version: 1}))
	}
	put(energyProject, 2020, time.December, 1000, dispatch.Accepted, false)
	put(energyProject, 2020, time.November, 500, dispatch.Submitted, false)
	put(energyProject, 2021, time.January, 10, dispatch.Accepted, false)
	put(energyProject, 2021, time.June, 20, dispatch.Submitted, false)
	put(energyProject, 2021, time.July, 40, dispatch.Accepted, true)
	put(energyProject, 2021, time.August, 80, dispatch.Accepted, false) // after P
	put(lentProject, 2021, time.July, 7, dispatch.Returned, false)
	put(lateProject, 2021, time.July, 3, dispatch.Submitted, false)
	put(archivedProj, 2021, time.July, 9, dispatch.Accepted, false)
	put(lentProject, 2020, time.May, 99, dispatch.Accepted, false)
	opening := entry(lentProject, "industry", 2, 1, ptr(day("2021-03-01")), false)
	opening.OpeningYuan = ptr(int64(500))
	f.store.AddEntry(opening)

	sh, err := f.svc.Sheet(ctx, bureau, month(2021, 7), false)
	require.NoError(t, err)
	require.Len(t, sh.Sections, 1)
	assert.Equal(t, "广灵县", sh.County)
	assert.Equal(t, month(2021, 7), sh.Period)
	rows := map[string]dispatch.SheetRow{}
	for _, r := range sh.Sections[0].Rows {
		rows[r.ProjectID] = r
	}
	require.Len(t, rows, 3, "the entries in force on 31 July; the archived project left out")
	e := rows[energyProject]
	assert.Equal(t, int64(70), e.ToDateYuan, "months 1..P that count")
	assert.Equal(t, int64(1570), e.CumulativeYuan, "the counting reports of earlier years and the year's")
	assert.Equal(t, "进度2021-07", e.SiteProgress)
	assert.Equal(t, dispatch.Accepted, e.State)
	assert.True(t, e.Corrected)
	assert.Equal(t, "能源局", e.Department)
	assert.Equal(t, "晨风风电", e.Name)
	assert.Equal(t, "王副县长", e.Leader)
	assert.Equal(t, int64(0), rows[lentProject].ToDateYuan, "a returned report counts as not reported")
	assert.Equal(t, dispatch.Returned, rows[lentProject].State)
	assert.Equal(t, int64(500), rows[lentProject].CumulativeYuan, "the opening balance set by hand, not the reports of 2020")
	assert.Equal(t, "工信局", rows[lentProject].Department)
	assert.Equal(t, int64(3), rows[lateProject].ToDateYuan)
	assert.Contains(t, e.Earlier, dispatch.MonthMark{Month: month(2021, 6), State: dispatch.Submitted}, "June not accepted")
	assert.Contains(t, e.Earlier, dispatch.MonthMark{Month: month(2021, 5)}, "May not reported")
	for _, m := range e.Earlier {
		assert.NotEqual(t, month(2021, 1), m.Month, "January accepted as submitted")
	}
	assert.Empty(t, rows[lateProject].Earlier, "the months before the entry was added are not owed")
	assert.Equal(t, int64(3+70), sh.Total.PlannedToDateYuan)
	assert.Equal(t, int64(73), sh.Total.ToDateYuan)
	assert.Equal(t, int64(3600), sh.Total.PlannedYuan)

	accepted, err := f.svc.Sheet(ctx, bureau, month(2021, 7), true)
	require.NoError(t, err)
	for _, r := range accepted.Sections[0].Rows {
		if r.ProjectID == energyProject {
			assert.Equal(t, int64(50), r.ToDateYuan, "accepted only")
			assert.Equal(t, int64(1050), r.CumulativeYuan)
		}
	}
	june, err := f.svc.Sheet(ctx, industryEditor, month(2021, 6), false)
	require.NoError(t, err)
	require.Len(t, june.Sections, 1)
	require.Len(t, june.Sections[0].Rows, 1, "a department's own entries; the July entry not yet in force")
	assert.Equal(t, lentProject, june.Sections[0].Rows[0].ProjectID)
	assert.Empty(t, june.Sections[0].Rows[0].State, "no report of June")
}

// TestPeriodAsked: the sheet and the status of a period after the current
// month, or of a January reported with February, are refused.
func TestPeriodAsked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		m          calendar.Month
		combined   bool
		wantFields []string
	}{
		{name: "the current month", m: month(2021, 8)},
		{name: "the next month", m: month(2021, 9), wantFields: []string{"period:in_future"}},
		{name: "a later year", m: month(2099, 1), wantFields: []string{"period:in_future"}},
		{name: "January", m: month(2021, 1)},
		{name: "January reported with February", m: month(2021, 1), combined: true, wantFields: []string{"period:combined_period"}},
		{name: "the combined February", m: month(2021, 2), combined: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(at("2021-08-10"))
			if c.combined {
				f.setting(t, month(2021, 2), "2021-03-05", true)
			}
			_, err := f.svc.Sheet(context.Background(), bureau, c.m, false)
			requireErr(t, nil, c.wantFields, err)
			_, err = f.svc.PeriodStatus(context.Background(), bureau, c.m)
			requireErr(t, nil, c.wantFields, err)
		})
	}
}
