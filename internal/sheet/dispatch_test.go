package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/plan"
)

func yuan(v int64) *int64 { return &v }

// section is a section of rows with their 小计, summed in yuan as the
// dispatch service sums them.
func section(s plan.Section, rows ...dispatch.SheetRow) dispatch.SheetSection {
	sec := dispatch.SheetSection{Section: s, Rows: rows}
	for _, r := range rows {
		sec.Subtotal = add(sec.Subtotal, r)
	}
	return sec
}

func add(t dispatch.Totals, r dispatch.SheetRow) dispatch.Totals {
	t.Count++
	t.CumulativeYuan += r.CumulativeYuan
	t.ToDateYuan += r.ToDateYuan
	if r.TotalInvestmentYuan != nil {
		t.TotalInvestmentYuan += *r.TotalInvestmentYuan
		t.TotalKnown++
	}
	if r.PlannedYuan != nil {
		t.PlannedYuan += *r.PlannedYuan
		t.PlannedToDateYuan += r.ToDateYuan
	}
	return t
}

// newSheet is the 调度表 of 2021-06 over sections, with their 合计.
func newSheet(sections ...dispatch.SheetSection) dispatch.Sheet {
	s := dispatch.Sheet{County: "广灵县", Year: 2021, Period: calendar.Month{Year: 2021, Month: time.June}, Sections: sections}
	for _, sec := range sections {
		for _, r := range sec.Rows {
			s.Total = add(s.Total, r)
		}
	}
	return s
}

// fixture is a sheet of three sections. The 产业 小计 of 1–6月 is
// 26,192,390 yuan, 2,619.24 万元, while its rounded rows add up to
// 2,618.00 + 1.23 = 2,619.23.
func fixture() dispatch.Sheet {
	return newSheet(
		section(plan.Industry,
			dispatch.SheetRow{ProjectID: "p1", Name: "晨风50兆瓦风电项目", BuildType: plan.Continuing,
				Content: "装机50兆瓦，建设风机25台及升压站", TotalInvestmentYuan: yuan(350_000_000),
				CumulativeYuan: 120_012_345, PlannedYuan: yuan(50_000_000), ToDateYuan: 26_180_045,
				SiteProgress: "风机基础完成20台", Leader: "刘县长", Department: "发展和改革局", State: dispatch.Accepted},
			dispatch.SheetRow{ProjectID: "p2", Name: "国昶锌合金深加工项目", BuildType: plan.New,
				CumulativeYuan: 12_345, ToDateYuan: 12_345, Problems: "-环评未批复", Leader: "王副县长",
				Department: "工业和信息化局", State: dispatch.Submitted, Corrected: true,
				Earlier: []dispatch.MonthMark{{Month: calendar.Month{Year: 2021, Month: time.March}, State: dispatch.Returned}}}),
		section(plan.Infrastructure,
			dispatch.SheetRow{ProjectID: "p3", Name: "水神堂旅游基础设施项目", BuildType: plan.Preliminary,
				TotalInvestmentYuan: yuan(3_400_000_000), PlannedYuan: yuan(0), Department: "文化和旅游局"}),
		section(plan.Livelihood,
			dispatch.SheetRow{ProjectID: "p4", Name: "县人民医院门诊楼项目", BuildType: plan.New,
				TotalInvestmentYuan: yuan(80_000_000), CumulativeYuan: 150, PlannedYuan: yuan(10_000_000),
				ToDateYuan: 150, Department: "卫生健康局", State: dispatch.Accepted, Corrected: true},
			dispatch.SheetRow{ProjectID: "p5", Name: "城区集中供热改造项目", BuildType: plan.Continuing,
				TotalInvestmentYuan: yuan(12_345), CumulativeYuan: 5_000, PlannedYuan: yuan(20_000_000),
				ToDateYuan: 5_000, Department: "住房和城乡建设局", State: dispatch.Returned}),
	)
}

var wantHeaders = []string{"序号", "项目名称", "建设性质", "建设规模及主要内容", "总投资", "开工以来累计完成", "年度计划投资",
	"1–6月完成", "完成率", "形象进度", "存在问题", "包联领导", "责任单位", "报送状态"}

// wantRows are the fixture's rows below the header as a spreadsheet shows
// them: 序号 to 完成率, then 报送状态 (in the last column).
var wantRows = [][]string{
	{"", "一、产业项目", "", "", "", "", "", "", "", ""},
	{"1", "晨风50兆瓦风电项目", "续建", "装机50兆瓦，建设风机25台及升压站", "35,000.00", "12,001.23", "5,000.00", "2,618.00", "52.36%", ""},
	{"2", "国昶锌合金深加工项目", "新建", "", "", "1.23", "", "1.23", "", "待审核、已更正、3月退回"},
	{"", "小计（2个）", "", "", "35,000.00", "12,002.47", "5,000.00", "2,619.24", "52.36%", ""},
	{"", "二、基础设施项目", "", "", "", "", "", "", "", ""},
	{"3", "水神堂旅游基础设施项目", "前期", "", "340,000.00", "0.00", "0.00", "0.00", "", "未报"},
	{"", "小计（1个）", "", "", "340,000.00", "0.00", "0.00", "0.00", "", ""},
	{"", "三、民生项目", "", "", "", "", "", "", "", ""},
	{"4", "县人民医院门诊楼项目", "新建", "", "8,000.00", "0.02", "1,000.00", "0.02", "0.00%", "已更正"},
	{"5", "城区集中供热改造项目", "续建", "", "1.23", "0.50", "2,000.00", "0.50", "0.03%", "退回"},
	{"", "小计（2个）", "", "", "8,001.23", "0.52", "3,000.00", "0.52", "0.02%", ""},
	{"", "合计（5个）", "", "", "383,001.23", "12,002.98", "8,000.00", "2,619.75", "32.73%", ""},
}

func TestRounding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		yuan int64
		want string
	}{
		{0, "0.00"}, {49, "0.00"}, {50, "0.01"}, {149, "0.01"}, {150, "0.02"}, {12_345, "1.23"},
		{26_180_045, "2618.00"}, {26_180_050, "2618.01"}, {-50, "-0.01"}, {-49, "0.00"}, {-150, "-0.02"},
		{1e13, "1000000000.00"},
	} {
		assert.Equal(t, c.want, wanOf(c.yuan).String(), "%d yuan", c.yuan)
	}
	for _, c := range []struct {
		part  int64
		whole *int64
		want  string
	}{
		{1, nil, ""}, {1, yuan(0), ""}, {1, yuan(3), "33.33%"}, {2, yuan(3), "66.67%"}, {1, yuan(8), "12.50%"},
		{1, yuan(80_000), "0.00%"}, {1, yuan(20_000), "0.01%"}, {-1, yuan(20_000), "-0.01%"}, {3, yuan(2), "150.00%"},
		{1e13 * 9, yuan(1e13), "900.00%"},
	} {
		assert.Equal(t, c.want, rateOf(c.part, c.whole).String(), "%d of %v", c.part, c.whole)
	}
}

func TestDispatchWords(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"一", "九", "十", "十一", "二十", "二十三"},
		[]string{ordinal(1), ordinal(9), ordinal(10), ordinal(11), ordinal(20), ordinal(23)})
	for _, c := range []struct {
		state     dispatch.State
		corrected bool
		want      string
	}{
		{"", false, "未报"}, {dispatch.Submitted, false, "待审核"}, {dispatch.Returned, false, "退回"},
		{dispatch.Accepted, false, ""}, {dispatch.Accepted, true, "已更正"}, {dispatch.Returned, true, "退回、已更正"},
	} {
		assert.Equal(t, c.want, Mark(dispatch.SheetRow{State: c.state, Corrected: c.corrected}), "%q %v", c.state, c.corrected)
	}
	march, april := calendar.Month{Year: 2021, Month: time.March}, calendar.Month{Year: 2021, Month: time.April}
	for _, c := range []struct {
		name string
		row  dispatch.SheetRow
		want string
	}{
		{"every month accepted", dispatch.SheetRow{State: dispatch.Accepted}, ""},
		{"March not reported", dispatch.SheetRow{State: dispatch.Accepted, Earlier: []dispatch.MonthMark{{Month: march}}}, "3月未报"},
		{"March waiting, April returned and corrected", dispatch.SheetRow{State: dispatch.Submitted,
			Earlier: []dispatch.MonthMark{{Month: march, State: dispatch.Submitted}, {Month: april, State: dispatch.Returned, Corrected: true}}},
			"待审核、3月待审核、4月退回、4月已更正"},
		{"March accepted after a correction", dispatch.SheetRow{State: dispatch.Accepted,
			Earlier: []dispatch.MonthMark{{Month: march, State: dispatch.Accepted, Corrected: true}}}, "3月已更正"},
	} {
		assert.Equal(t, c.want, Mark(c.row), c.name)
	}
	s := newSheet()
	s.County, s.Period = "灵丘县", calendar.Month{Year: 2021, Month: time.January}
	assert.Equal(t, "灵丘县2021年重点项目建设进展情况调度表（1月）", DispatchTitle(s))
	assert.Equal(t, "1月完成", dispatchHeaders(s)[colToDate])
	assert.Equal(t, "广灵县2021年重点项目建设进展情况调度表（1–6月）", DispatchTitle(fixture()))
	assert.Equal(t, "房地产开发项目", sectionLabel(plan.RealEstate))
	assert.Equal(t, "other", sectionLabel("other"), "a section without a label shows as it is")
}

func TestWriteDispatchFormat(t *testing.T) {
	t.Parallel()
	err := WriteDispatch(&bytes.Buffer{}, "pdf", fixture())
	require.Error(t, err)
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err))
	assert.Equal(t, "format", apperr.As(err).Fields[0].Field)
}

func writeDispatch(t *testing.T, format string, s dispatch.Sheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteDispatch(&buf, format, s))
	return buf.Bytes()
}

func TestDispatchCSV(t *testing.T) {
	t.Parallel()
	b := writeDispatch(t, exchange.FormatCSV, fixture())
	require.True(t, bytes.HasPrefix(b, utf8BOM), "UTF-8 with a byte order mark")
	assert.Contains(t, string(b), "\r\n", "CRLF line ends")
	r := csv.NewReader(bytes.NewReader(b[len(utf8BOM):]))
	recs, err := r.ReadAll() // every record as wide as the first
	require.NoError(t, err)
	require.Len(t, recs, 3+len(wantRows))
	assert.Equal(t, "广灵县2021年重点项目建设进展情况调度表（1–6月）", recs[0][0])
	assert.Equal(t, "单位：万元", recs[1][0])
	assert.Equal(t, "调度期：2021年6月", recs[1][colLeader])
	assert.Equal(t, wantHeaders, recs[2])
	for i, want := range wantRows {
		got := recs[3+i]
		// CSV has no thousands separators.
		for col := colSeq; col <= colRate; col++ {
			assert.Equal(t, strings.ReplaceAll(want[col], ",", ""), got[col], "row %d column %d", i+1, col)
		}
		assert.Equal(t, want[colRate+1], got[colMark], "row %d", i+1)
	}
	assert.Equal(t, "'-环评未批复", recs[5][colProblems], "formula-like text is escaped")
	assert.Equal(t, "风机基础完成20台", recs[4][colProgress])
	assert.Equal(t, []string{"刘县长", "发展和改革局"}, recs[4][colLeader:colMark])
}

func openDispatch(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	require.Equal(t, []string{DispatchSheetName}, f.GetSheetList())
	return f
}

func cellAt(t *testing.T, f *excelize.File, col, row int, opts ...excelize.Options) string {
	t.Helper()
	ref, err := excelize.CoordinatesToCellName(col+1, row)
	require.NoError(t, err)
	v, err := f.GetCellValue(DispatchSheetName, ref, opts...)
	require.NoError(t, err)
	return v
}

func TestDispatchXLSX(t *testing.T) {
	t.Parallel()
	f := openDispatch(t, writeDispatch(t, exchange.FormatXLSX, fixture()))
	assert.Equal(t, "广灵县2021年重点项目建设进展情况调度表（1–6月）", cellAt(t, f, 0, 1))
	assert.Equal(t, "单位：万元", cellAt(t, f, 0, 2))
	assert.Equal(t, "调度期：2021年6月", cellAt(t, f, colLeader, 2))
	merged, err := f.GetMergeCells(DispatchSheetName)
	require.NoError(t, err)
	var spans []string
	for _, m := range merged {
		spans = append(spans, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	assert.ElementsMatch(t, []string{"A1:N1", "A2:B2", "L2:N2"}, spans)
	for i, h := range wantHeaders {
		assert.Equal(t, h, cellAt(t, f, i, headerRow), "header %d", i)
	}
	for i, want := range wantRows {
		row := headerRow + 1 + i
		for col := colSeq; col <= colRate; col++ {
			assert.Equal(t, want[col], cellAt(t, f, col, row), "row %d column %d", row, col)
		}
		assert.Equal(t, want[colRate+1], cellAt(t, f, colMark, row), "row %d", row)
	}
	assert.Equal(t, "-环评未批复", cellAt(t, f, colProblems, 6), "a cell holds text as it is")
	// The stored values are the rounded decimals, not the yuan ÷ 10,000.
	assert.Equal(t, "2618", cellAt(t, f, colToDate, 5, excelize.Options{RawCellValue: true}))
	assert.Equal(t, "1.23", cellAt(t, f, colToDate, 6, excelize.Options{RawCellValue: true}))
	assert.Equal(t, "2619.24", cellAt(t, f, colToDate, 7, excelize.Options{RawCellValue: true}))
	assert.Equal(t, "0.5236", cellAt(t, f, colRate, 7, excelize.Options{RawCellValue: true}))
	rows, err := f.GetRows(DispatchSheetName)
	require.NoError(t, err)
	assert.Len(t, rows, headerRow+len(wantRows), "nothing below the 合计")
}

func TestDispatchXLSXLayout(t *testing.T) {
	t.Parallel()
	f := openDispatch(t, writeDispatch(t, exchange.FormatXLSX, fixture()))
	layout, err := f.GetPageLayout(DispatchSheetName)
	require.NoError(t, err)
	require.NotNil(t, layout.Size)
	assert.Equal(t, 8, *layout.Size, "A3")
	assert.Equal(t, "landscape", *layout.Orientation)
	assert.Equal(t, 1, *layout.FitToWidth, "one page wide")
	assert.Equal(t, 0, *layout.FitToHeight, "as many pages down as it takes")
	props, err := f.GetSheetProps(DispatchSheetName)
	require.NoError(t, err)
	assert.True(t, *props.FitToPage)

	var titles []excelize.DefinedName
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles = append(titles, d)
		}
	}
	require.Len(t, titles, 1)
	assert.Equal(t, "'调度表'!$2:$3", titles[0].RefersTo, "the unit line and the header on every page")
	assert.Equal(t, DispatchSheetName, titles[0].Scope)

	panes, err := f.GetPanes(DispatchSheetName)
	require.NoError(t, err)
	assert.True(t, panes.Freeze)
	assert.Equal(t, 2, panes.XSplit, "right of the project's name")
	assert.Equal(t, 3, panes.YSplit, "below the header")
	assert.Equal(t, "C4", panes.TopLeftCell)

	for col, want := range dispatchWidths {
		name, _ := excelize.ColumnNumberToName(col + 1)
		w, err := f.GetColWidth(DispatchSheetName, name)
		require.NoError(t, err)
		assert.InDelta(t, want, w, 0.01, "column %s", name)
	}
	style := func(col, row int) *excelize.Style {
		ref, _ := excelize.CoordinatesToCellName(col+1, row)
		id, err := f.GetCellStyle(DispatchSheetName, ref)
		require.NoError(t, err)
		s, err := f.GetStyle(id)
		require.NoError(t, err)
		return s
	}
	for _, row := range []int{4, 7, 14} { // a section heading, a 小计, the 合计
		assert.True(t, style(colName, row).Font.Bold, "row %d is bold", row)
		assert.True(t, style(colToDate, row).Font.Bold, "row %d is bold", row)
	}
	assert.False(t, style(colName, 5).Font.Bold, "a project's row is not bold")
	for _, col := range []int{colName, colContent, colProgress, colProblems, colDepartment} {
		assert.True(t, style(col, 5).Alignment.WrapText, "column %d wraps", col)
	}
	assert.Len(t, style(colContent, 5).Border, 4, "cells have borders")
	assert.Len(t, style(colSeq, headerRow).Border, 4, "the header has borders")
	assert.Equal(t, 4, style(colTotal, 5).NumFmt, "money as #,##0.00")
	assert.Equal(t, 10, style(colRate, 5).NumFmt, "rates as 0.00%")
}

func TestRowHeight(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text  string
		width float64
		want  int
	}{
		{"", 10, 1}, {"风机", 6, 1}, {"风机基础", 6, 2}, {"待审核、已更正", 16, 1}, {"待审核、已更正", 14, 2}, {"1234567890", 11, 1},
		{"12345678901", 11, 2}, {"一\n二\n三", 28, 3}, {strings.Repeat("征", 30), 28, 3},
	} {
		assert.Equal(t, c.want, textLines(c.text, c.width), "%q in %v", c.text, c.width)
	}
	l := newLine(entryLine)
	assert.InDelta(t, 17.5, rowHeight(l), 0.01, "one line")
	l.cells[colProblems] = textOf(strings.Repeat("征", 30))
	l.cells[colName] = textOf("晨风50兆瓦风电项目")
	assert.InDelta(t, 44.5, rowHeight(l), 0.01, "the tallest cell's lines")
	l.cells[colTotal] = wanOf(1e13)
	assert.InDelta(t, 44.5, rowHeight(l), 0.01, "numbers do not wrap")

	long := fixture()
	long.Sections[0].Rows[1].Problems = strings.Repeat("征地手续未完成，", 10)
	f := openDispatch(t, writeDispatch(t, exchange.FormatXLSX, long))
	for row, want := range map[int]float64{1: 36, 3: 32, 5: 17.5, 6: 6*lineHeight + 4} {
		h, err := f.GetRowHeight(DispatchSheetName, row)
		require.NoError(t, err)
		assert.InDelta(t, want, h, 0.01, "row %d", row)
	}
}

// TestDispatchEmpty: a period of a plan without entries is the title, the
// header and a 合计 of nothing.
func TestDispatchEmpty(t *testing.T) {
	t.Parallel()
	b := writeDispatch(t, exchange.FormatCSV, newSheet())
	recs, err := csv.NewReader(bytes.NewReader(b[len(utf8BOM):])).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4)
	assert.Equal(t, []string{"", "合计（0个）", "", "", "", "0.00", "0.00", "0.00", "", "", "", "", "", ""}, recs[3])
	f := openDispatch(t, writeDispatch(t, exchange.FormatXLSX, newSheet()))
	assert.Equal(t, "合计（0个）", cellAt(t, f, colName, headerRow+1))
}

// longFixture is fixture with n more rows in its first section, enough to
// take more than one printed page.
func longFixture(n int) dispatch.Sheet {
	s := fixture()
	rows := s.Sections[0].Rows
	for i := range n {
		rows = append(rows, dispatch.SheetRow{ProjectID: "x" + strconv.Itoa(i), Name: fmt.Sprintf("示例产业项目%03d", i+1),
			BuildType: plan.New, Content: "建设厂房及配套设施，购置生产设备，形成年产能力", PlannedYuan: yuan(int64(i+1) * 1_000_000),
			ToDateYuan: int64(i) * 123_457, SiteProgress: "主体施工", Department: "工业和信息化局", State: dispatch.Accepted})
	}
	rows[len(rows)-1].Problems = strings.Repeat("征地手续尚未完成，", 6)
	sections := append([]dispatch.SheetSection{section(plan.Industry, rows...)}, s.Sections[1:]...)
	return newSheet(sections...)
}

// TestTotalsLine: a 小计's 完成率 divides what the rows with a plan
// completed by their plans; its 总投资 is empty when no row has one, and a
// sum when one has.
func TestTotalsLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		rows      []dispatch.SheetRow
		wantTotal string
		wantRate  string
	}{
		{"a row without a plan completes much", []dispatch.SheetRow{
			{PlannedYuan: yuan(1_000_000), ToDateYuan: 500_000, TotalInvestmentYuan: yuan(9_000_000)},
			{ToDateYuan: 78_000_000}}, "900.00", "50.00%"},
		{"no row has a total investment", []dispatch.SheetRow{{PlannedYuan: yuan(1_000_000), ToDateYuan: 10_000}, {ToDateYuan: 5}}, "", "1.00%"},
		{"one row of two has a total investment", []dispatch.SheetRow{{TotalInvestmentYuan: yuan(0)}, {}}, "0.00", ""},
		{"no row has a plan", []dispatch.SheetRow{{ToDateYuan: 5}}, "", ""},
	} {
		sec := section(plan.Industry, c.rows...)
		l := totals(subtotalLine, "小计", sec.Subtotal)
		assert.Equal(t, c.wantTotal, l.cells[colTotal].String(), c.name)
		assert.Equal(t, c.wantRate, l.cells[colRate].String(), c.name)
	}
}
