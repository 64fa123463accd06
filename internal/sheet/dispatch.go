package sheet

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// DispatchSheetName is the name of the worksheet of a 调度表.
const DispatchSheetName = "调度表"

// WriteDispatch writes the 调度表 s (docs/dispatch.md, "The sheet") to w as
// format, exchange.FormatXLSX or FormatCSV: the title lines, the header,
// each section's rows followed by its 小计, and the 合计, with money in 万元
// rounded once from the yuan of each figure.
func WriteDispatch(w io.Writer, format string, s dispatch.Sheet) (err error) {
	defer apperr.Wrap(&err, "sheet.WriteDispatch(%s)", s.Period)
	lines := dispatchLines(s)
	switch format {
	case exchange.FormatXLSX:
		return writeDispatchXLSX(w, lines)
	case exchange.FormatCSV:
		return writeDispatchCSV(w, lines)
	}
	return apperr.Fields([]apperr.FieldError{{Field: "format", Code: "invalid_value",
		Param: exchange.FormatXLSX + "," + exchange.FormatCSV}})
}

// DispatchTitle is the title of the 调度表 s, e.g.
// 广灵县2021年重点项目建设进展情况调度表（1–6月）; it also names the file.
func DispatchTitle(s dispatch.Sheet) string {
	return fmt.Sprintf("%s%d年重点项目建设进展情况调度表（%s）", s.County, s.Year, monthsTo(s))
}

// monthsTo names the months 1..P the sheet's money covers: 1–6月, or 1月.
func monthsTo(s dispatch.Sheet) string {
	if p := int(s.Period.Month); p > 1 {
		return fmt.Sprintf("1–%d月", p)
	}
	return "1月"
}

// The columns of the 调度表, in order.
const (
	colSeq = iota
	colName
	colBuildType
	colContent
	colTotal
	colCumulative
	colPlanned
	colToDate
	colRate
	colProgress
	colProblems
	colLeader
	colDepartment
	colMark
	dispatchColumns
)

// cellKind is what a cell of the 调度表 holds.
type cellKind int

const (
	textCell cellKind = iota
	intCell           // a count: 序号
	wanCell           // money, in hundredths of a 万元
	rateCell          // a percentage, in hundredths of a percent
)

// dcell is one cell of the 调度表; an empty one has Kind textCell and no text.
type dcell struct {
	kind cellKind
	text string
	n    int64
}

func textOf(s string) dcell { return dcell{text: neutralBidi(s)} }

// wanOf is yuan in 万元, rounded once to two decimals half away from zero.
func wanOf(yuan int64) dcell { return dcell{kind: wanCell, n: roundDiv(yuan, 100)} }

func optWanOf(yuan *int64) dcell {
	if yuan == nil {
		return dcell{}
	}
	return wanOf(*yuan)
}

// rateOf is part ÷ whole as a percentage with two decimals, empty without a
// whole to divide by.
func rateOf(part int64, whole *int64) dcell {
	if whole == nil || *whole == 0 {
		return dcell{}
	}
	n := new(big.Int).Mul(big.NewInt(part), big.NewInt(10000))
	return dcell{kind: rateCell, n: roundBig(n, big.NewInt(*whole))}
}

// roundDiv is n ÷ d (d > 0) rounded half away from zero.
func roundDiv(n, d int64) int64 {
	q, r := n/d, n%d
	switch {
	case 2*r >= d:
		q++
	case -2*r >= d:
		q--
	}
	return q
}

// roundBig is n ÷ d rounded half away from zero, for figures whose product
// may not fit in an int64.
func roundBig(n, d *big.Int) int64 {
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if new(big.Int).Abs(new(big.Int).Lsh(r, 1)).Cmp(new(big.Int).Abs(d)) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign()*d.Sign())))
	}
	return q.Int64()
}

// String is the cell as CSV writes it: money as 1234.56, a rate as 52.35%.
func (c dcell) String() string {
	switch c.kind {
	case intCell:
		return strconv.FormatInt(c.n, 10)
	case wanCell:
		return hundredths(c.n)
	case rateCell:
		return hundredths(c.n) + "%"
	}
	return c.text
}

// hundredths writes n ÷ 100 with two decimals, exactly.
func hundredths(n int64) string {
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-n) // two's complement: right for the smallest int64 too
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// lineKind is what a line of the 调度表 is; the XLSX file styles it by it.
type lineKind int

const (
	titleLine lineKind = iota
	unitLine
	headerLine
	sectionLine
	entryLine
	subtotalLine
	totalLine
)

// line is one row of the 调度表, dispatchColumns cells wide.
type line struct {
	kind  lineKind
	cells []dcell
}

func newLine(kind lineKind) line { return line{kind: kind, cells: make([]dcell, dispatchColumns)} }

// The number of title lines before the header, and the header's row.
const (
	titleLines = 2
	headerRow  = titleLines + 1
)

// dispatchHeaders are the column headers of s.
func dispatchHeaders(s dispatch.Sheet) []string {
	return []string{"序号", "项目名称", "建设性质", "建设规模及主要内容", "总投资", "开工以来累计完成", "年度计划投资",
		monthsTo(s) + "完成", "完成率", "形象进度", "存在问题", "包联领导", "责任单位", "报送状态"}
}

// dispatchLines lays s out: the title, the unit and period, the header,
// then each section's heading, rows and 小计, and the 合计.
func dispatchLines(s dispatch.Sheet) []line {
	title, unit, head := newLine(titleLine), newLine(unitLine), newLine(headerLine)
	title.cells[0] = textOf(DispatchTitle(s))
	unit.cells[0] = textOf("单位：万元")
	unit.cells[colLeader] = textOf(fmt.Sprintf("调度期：%d年%d月", s.Period.Year, int(s.Period.Month)))
	for i, h := range dispatchHeaders(s) {
		head.cells[i] = textOf(h)
	}
	lines := []line{title, unit, head}
	seq := int64(0)
	for i, sec := range s.Sections {
		heading := newLine(sectionLine)
		heading.cells[colName] = textOf(ordinal(i+1) + "、" + sectionLabel(sec.Section))
		lines = append(lines, heading)
		for _, r := range sec.Rows {
			seq++
			lines = append(lines, entry(seq, r))
		}
		lines = append(lines, totals(subtotalLine, "小计", sec.Subtotal))
	}
	return append(lines, totals(totalLine, "合计", s.Total))
}

// entry is the line of row r, numbered seq.
func entry(seq int64, r dispatch.SheetRow) line {
	l := newLine(entryLine)
	l.cells[colSeq] = dcell{kind: intCell, n: seq}
	l.cells[colName] = textOf(r.Name)
	l.cells[colBuildType] = textOf(label(plan.BuildTypes, string(r.BuildType)))
	l.cells[colContent] = textOf(r.Content)
	l.cells[colTotal] = optWanOf(r.TotalInvestmentYuan)
	l.cells[colCumulative] = wanOf(r.CumulativeYuan)
	l.cells[colPlanned] = optWanOf(r.PlannedYuan)
	l.cells[colToDate] = wanOf(r.ToDateYuan)
	l.cells[colRate] = rateOf(r.ToDateYuan, r.PlannedYuan)
	l.cells[colProgress] = textOf(r.SiteProgress)
	l.cells[colProblems] = textOf(r.Problems)
	l.cells[colLeader] = textOf(r.Leader)
	l.cells[colDepartment] = textOf(r.Department)
	l.cells[colMark] = textOf(Mark(r))
	return l
}

// totals is a 小计 or the 合计 of t, whose sums were taken in yuan: its
// 总投资 empty when no row has one, its 完成率 that of the rows with a
// planned amount.
func totals(kind lineKind, name string, t dispatch.Totals) line {
	l := newLine(kind)
	l.cells[colName] = textOf(fmt.Sprintf("%s（%d个）", name, t.Count))
	if t.TotalKnown > 0 {
		l.cells[colTotal] = wanOf(t.TotalInvestmentYuan)
	}
	l.cells[colCumulative] = wanOf(t.CumulativeYuan)
	l.cells[colPlanned] = wanOf(t.PlannedYuan)
	l.cells[colToDate] = wanOf(t.ToDateYuan)
	// The rate divides what the rows with a plan completed by their plans.
	l.cells[colRate] = rateOf(t.PlannedToDateYuan, &t.PlannedYuan)
	return l
}

// Mark is what the last column says of row r: for period P's report, 未报,
// 待审核 or 退回 while it is not accepted, and 已更正 when it was
// corrected; then the same words, each after its month ("3月待审核"), for
// every earlier month that is not accepted or was corrected; "" when every
// month is accepted as submitted.
func Mark(r dispatch.SheetRow) string {
	marks := stateMarks("", r.State, r.Corrected)
	for _, e := range r.Earlier {
		marks = append(marks, stateMarks(fmt.Sprintf("%d月", int(e.Month.Month)), e.State, e.Corrected)...)
	}
	return strings.Join(marks, "、")
}

// stateMarks are the marks of a report in state st, each after prefix.
func stateMarks(prefix string, st dispatch.State, corrected bool) []string {
	var marks []string
	switch st {
	case "":
		marks = append(marks, prefix+"未报")
	case dispatch.Submitted:
		marks = append(marks, prefix+"待审核")
	case dispatch.Returned:
		marks = append(marks, prefix+"退回")
	}
	if corrected {
		marks = append(marks, prefix+"已更正")
	}
	return marks
}

// label is the Chinese label of value in labels, or value itself.
func label(labels []project.Label, value string) string {
	for _, l := range labels {
		if l.Value == value {
			return l.ZH
		}
	}
	return value
}

func sectionLabel(s plan.Section) string { return label(plan.Sections, string(s)) }

// ordinal is n as the Chinese numeral a section heading starts with (一 to 九十九).
func ordinal(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	}
	return digits[n/10] + "十" + digits[n%10]
}

// writeDispatchCSV writes lines as CSV: UTF-8 with a byte order mark and
// CRLF line ends, as the register export, every line as wide as the header,
// and formula-like text escaped.
func writeDispatchCSV(w io.Writer, lines []line) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, dispatchColumns)
	for _, l := range lines {
		for i, c := range l.cells {
			rec[i] = c.String()
			if c.kind == textCell {
				rec[i] = escapeFormula(rec[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
