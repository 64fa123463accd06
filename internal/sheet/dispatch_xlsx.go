package sheet

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// The print setup of the 调度表: A3 landscape, one page wide.
const (
	paperA3       = 8 // the paper size code of A3 (297 mm by 420 mm)
	landscape     = "landscape"
	printTitleRef = "'" + DispatchSheetName + "'!$2:$3" // the unit line and the header, on every page
)

// dispatchWidths are the columns' widths in characters (a Chinese character
// is two); the long texts wrap within them.
var dispatchWidths = [dispatchColumns]float64{
	colSeq: 6, colName: 26, colBuildType: 6, colContent: 38, colTotal: 12, colCumulative: 12,
	colPlanned: 12, colToDate: 12, colRate: 9, colProgress: 32, colProblems: 28, colLeader: 10,
	colDepartment: 14, colMark: 16,
}

// dispatchStyles are the IDs of the 调度表's cell styles.
type dispatchStyles struct {
	title, unit, period, header int
	// cells of the table by kind and alignment: [0] plain, [1] bold (a
	// section heading, 小计 or 合计).
	text, center, wan, rate [2]int
}

// newDispatchStyles adds the 调度表's cell styles to f: borders around the
// table, long texts wrapped, money as #,##0.00 and rates as 0.00%.
func newDispatchStyles(f *excelize.File) (dispatchStyles, error) {
	var err error
	style := func(s *excelize.Style) int {
		id, e := f.NewStyle(s)
		err = errors.Join(err, e)
		return id
	}
	var border []excelize.Border
	for _, side := range []string{"left", "top", "right", "bottom"} {
		border = append(border, excelize.Border{Type: side, Color: "000000", Style: 1})
	}
	cell := func(bold bool, horizontal string, numFmt int) int {
		return style(&excelize.Style{Border: border, Font: &excelize.Font{Bold: bold, Size: 10}, NumFmt: numFmt,
			Alignment: &excelize.Alignment{Horizontal: horizontal, Vertical: "center", WrapText: true}})
	}
	var st dispatchStyles
	st.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 18},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	st.unit = style(&excelize.Style{Font: &excelize.Font{Size: 11}, Alignment: &excelize.Alignment{Vertical: "center"}})
	st.period = style(&excelize.Style{Font: &excelize.Font{Size: 11},
		Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}})
	st.header = style(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true, Size: 10},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	for i, bold := range []bool{false, true} {
		// 4 and 10 are the built-in formats #,##0.00 and 0.00%.
		st.text[i], st.center[i] = cell(bold, "left", 0), cell(bold, "center", 0)
		st.wan[i], st.rate[i] = cell(bold, "right", 4), cell(bold, "right", 10)
	}
	return st, err
}

// styleOf is the style of column col's cell on a line of kind.
func (st dispatchStyles) styleOf(kind lineKind, col int) int {
	b := 0
	if kind != entryLine {
		b = 1
	}
	switch col {
	case colTotal, colCumulative, colPlanned, colToDate:
		return st.wan[b]
	case colRate:
		return st.rate[b]
	case colSeq, colBuildType, colLeader, colMark:
		return st.center[b]
	}
	return st.text[b]
}

// writeDispatchXLSX writes lines as a workbook of one worksheet, set up to
// print on A3 landscape, one page wide, the unit line and the header on
// every page, with the panes frozen below the header and right of the
// project's name.
func writeDispatchXLSX(w io.Writer, lines []line) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", DispatchSheetName); err != nil {
		return err
	}
	st, err := newDispatchStyles(f)
	if err != nil {
		return err
	}
	for i, l := range lines {
		if err := writeLine(f, st, i+1, l); err != nil {
			return err
		}
	}
	if err := layOut(f); err != nil {
		return err
	}
	return f.Write(w)
}

// writeLine writes line l to row: its values with their styles, and the
// merged cells and height of a title line.
func writeLine(f *excelize.File, st dispatchStyles, row int, l line) error {
	last, _ := excelize.ColumnNumberToName(dispatchColumns)
	ref := func(col int) string {
		r, _ := excelize.CoordinatesToCellName(col+1, row)
		return r
	}
	switch l.kind {
	case titleLine:
		return errors.Join(f.SetCellStr(DispatchSheetName, ref(0), l.cells[0].text),
			f.MergeCell(DispatchSheetName, ref(0), fmt.Sprintf("%s%d", last, row)),
			f.SetCellStyle(DispatchSheetName, ref(0), ref(0), st.title),
			f.SetRowHeight(DispatchSheetName, row, 36))
	case unitLine:
		return errors.Join(f.SetCellStr(DispatchSheetName, ref(0), l.cells[0].text),
			f.MergeCell(DispatchSheetName, ref(0), ref(colName)),
			f.SetCellStyle(DispatchSheetName, ref(0), ref(0), st.unit),
			f.SetCellStr(DispatchSheetName, ref(colLeader), l.cells[colLeader].text),
			f.MergeCell(DispatchSheetName, ref(colLeader), ref(dispatchColumns-1)),
			f.SetCellStyle(DispatchSheetName, ref(colLeader), ref(colLeader), st.period),
			f.SetRowHeight(DispatchSheetName, row, 22))
	case headerLine:
		err := errors.Join(f.SetRowHeight(DispatchSheetName, row, 32),
			f.SetCellStyle(DispatchSheetName, ref(0), ref(dispatchColumns-1), st.header))
		for i, c := range l.cells {
			err = errors.Join(err, f.SetCellStr(DispatchSheetName, ref(i), c.text))
		}
		return err
	}
	err := f.SetRowHeight(DispatchSheetName, row, rowHeight(l))
	for i, c := range l.cells {
		err = errors.Join(err, setCell(f, ref(i), c), f.SetCellStyle(DispatchSheetName, ref(i), ref(i), st.styleOf(l.kind, i)))
	}
	return err
}

// The height of a line of text in the table's 10-point font, and the
// widths of a character in a column's units.
const (
	lineHeight = 13.5 // points
	wideChar   = 1.9  // a Chinese character or a full-width sign
	narrowChar = 1.0  // a letter, digit or space, a little wider than Calibri's 11-point digit
)

// rowHeight is the height in points that shows every line of l's wrapped
// texts. Neither Excel nor LibreOffice fits a row to its text when it opens
// a file, so the file says how high each row is.
func rowHeight(l line) float64 {
	lines := 1
	for i, c := range l.cells {
		if c.kind == textCell {
			lines = max(lines, textLines(c.text, dispatchWidths[i]))
		}
	}
	return float64(lines)*lineHeight + 4
}

// textLines is the number of lines text takes when it wraps in a column
// width wide: each of its own lines over the width, a character moved to the
// next line when it does not fit.
func textLines(text string, width float64) int {
	usable := width - 1 // the cell's padding
	n := 0
	for _, para := range strings.Split(text, "\n") {
		n++
		used := 0.0
		for _, r := range para {
			w := narrowChar
			if isWide(r) {
				w = wideChar
			}
			if used+w > usable && used > 0 {
				n++
				used = 0
			}
			used += w
		}
	}
	return n
}

// isWide reports a character that takes two columns: East Asian wide or
// full-width (CJK, kana, Hangul, full-width punctuation).
func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// setCell writes c's value to the cell at ref: money as the number of 万元
// and a rate as a fraction, each the double nearest its rounded decimal.
func setCell(f *excelize.File, ref string, c dcell) error {
	switch c.kind {
	case intCell:
		return f.SetCellInt(DispatchSheetName, ref, c.n)
	case wanCell:
		return f.SetCellFloat(DispatchSheetName, ref, float64(c.n)/100, -1, 64)
	case rateCell:
		return f.SetCellFloat(DispatchSheetName, ref, float64(c.n)/10000, -1, 64)
	}
	if c.text == "" {
		return nil
	}
	return f.SetCellStr(DispatchSheetName, ref, c.text)
}

// layOut sets the columns' widths, the frozen panes and the print setup.
func layOut(f *excelize.File) error {
	var err error
	for i, wd := range dispatchWidths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		err = errors.Join(err, f.SetColWidth(DispatchSheetName, col, col, wd))
	}
	topLeft, _ := excelize.CoordinatesToCellName(colName+2, headerRow+1)
	size, orientation, oneWide, tall := paperA3, landscape, 1, 0
	fit, centered := true, true
	margin, edge := 0.5, 0.25
	return errors.Join(err,
		f.SetPanes(DispatchSheetName, &excelize.Panes{Freeze: true, XSplit: colName + 1, YSplit: headerRow,
			TopLeftCell: topLeft, ActivePane: "bottomRight"}),
		f.SetSheetProps(DispatchSheetName, &excelize.SheetPropsOptions{FitToPage: &fit}),
		// FitToHeight 0: as many pages down as the rows take.
		f.SetPageLayout(DispatchSheetName, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation,
			FitToWidth: &oneWide, FitToHeight: &tall}),
		f.SetPageMargins(DispatchSheetName, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin,
			Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge, Horizontally: &centered}),
		f.SetHeaderFooter(DispatchSheetName, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}),
		f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: printTitleRef,
			Scope: DispatchSheetName}),
	)
}
