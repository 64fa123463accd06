package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
)

// xlsxWriter writes rows through excelize's StreamWriter, which keeps a
// bounded buffer and spills the worksheet to a temporary file beyond it, so
// that memory does not grow with the number of rows. Close then writes the
// archive straight to w.
type xlsxWriter struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	w      io.Writer
	cols   []exchange.Column
	widths map[string]float64
	row    int
	// styles by column; formulas of derived columns ("" for none).
	styles   []int
	formulas []string
	vals     []any
	cells    []excelize.Cell
}

// Number formats of the cells: Excel shows dates as dates and money with
// thousands separators; the stored values stay exact.
var (
	dateFormat  = "yyyy-mm-dd"
	moneyFormat = "#,##0"
	wanFormat   = "#,##0.00##"
)

func newXLSXWriter(w io.Writer, cols []exchange.Column, widths map[string]float64) (Writer, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{f: f, w: w, cols: cols, widths: widths}
	if err := x.start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) start() error {
	f := x.f
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	// Excel computes the 万元 formulas afresh when it opens the file.
	full := true
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &full}); err != nil {
		return err
	}
	st, err := newCellStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	x.sw = sw
	if err := x.setColumns(st); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(x.cols))
	for i, c := range x.cols {
		head[i] = excelize.Cell{StyleID: st.header, Value: c.Header}
	}
	x.row = 1
	return sw.SetRow("A1", head, excelize.RowOpts{Height: 30})
}

// cellStyles are the IDs of the workbook's cell styles.
type cellStyles struct{ header, date, money, wan int }

// newCellStyles adds the cell styles to f.
func newCellStyles(f *excelize.File) (cellStyles, error) {
	var err error
	style := func(s *excelize.Style) int {
		id, e := f.NewStyle(s)
		err = errors.Join(err, e)
		return id
	}
	st := cellStyles{
		header: style(&excelize.Style{Font: &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}),
		date:  style(&excelize.Style{CustomNumFmt: &dateFormat}),
		money: style(&excelize.Style{CustomNumFmt: &moneyFormat}),
		wan:   style(&excelize.Style{CustomNumFmt: &wanFormat}),
	}
	return st, err
}

// setColumns sets the columns' widths and the style of each column's cells
// and, for a derived column, their formula.
func (x *xlsxWriter) setColumns(st cellStyles) error {
	index := map[string]int{}
	for i, c := range x.cols {
		index[c.Header] = i
	}
	x.styles, x.formulas = make([]int, len(x.cols)), make([]string, len(x.cols))
	x.cells = make([]excelize.Cell, len(x.cols))
	for i, c := range x.cols {
		if wd := x.widths[c.Alias]; wd > 0 {
			if err := x.sw.SetColWidth(i+1, i+1, wd); err != nil {
				return err
			}
		}
		switch {
		case c.Kind == exchange.DateCell:
			x.styles[i] = st.date
		case c.Source != "":
			x.styles[i] = st.wan
			src, _ := excelize.ColumnNumberToName(index[c.Source] + 1)
			// %[1]s%%[2]d: the row goes in per row.
			x.formulas[i] = fmt.Sprintf(`IF(%[1]s%%[1]d="","",%[1]s%%[1]d/%[2]d)`, src, c.Per)
		case c.Kind == exchange.IntegerCell && c.Field != "version":
			x.styles[i] = st.money
		}
	}
	return nil
}

// serial is the number a spreadsheet stores for a calendar day (the 1900
// date system, which counts a 29 February 1900 that never was).
func serial(d time.Time) int64 {
	// Whole days, not a time.Duration, which ends in 2192.
	days := (d.Unix() - time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC).Unix()) / 86400
	if days < 61 {
		days-- // January and February 1900 come before the fictitious day
	}
	return days
}

func (x *xlsxWriter) WriteRow(cells []exchange.Cell) error {
	x.row++
	x.vals = x.vals[:0]
	for i, c := range cells {
		var v any
		switch c.Kind {
		case exchange.TextCell:
			v = neutralBidi(c.Text)
		case exchange.IntegerCell:
			v = c.Int
		case exchange.NumberCell:
			v = c.Number
		case exchange.DateCell:
			v = serial(c.Date)
		}
		if v != nil && (x.styles[i] != 0 || x.formulas[i] != "") {
			// The row's cells are reused: SetRow is done with them when it
			// returns.
			cell := &x.cells[i]
			cell.StyleID, cell.Value = x.styles[i], v
			if x.formulas[i] != "" {
				cell.Formula = fmt.Sprintf(x.formulas[i], x.row)
			}
			v = cell
		}
		x.vals = append(x.vals, v)
	}
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(ref, x.vals)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	// excelize assembles the archive in memory; a ZIP writer over w sends
	// it out as it is made instead.
	// Deflate at its fastest, with klauspost/compress (a quarter faster
	// than the standard library's at that level): compressing the
	// worksheet's XML is a seventh of an export's CPU, and the fastest level
	// makes a file only a fifth larger.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(x.w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	buf, err := x.f.WriteToBuffer()
	if err == nil && buf.Len() > 0 {
		err = errors.New("sheet: the workbook was written to memory, not to the response")
	}
	return err
}

func (x *xlsxWriter) Abort() { _ = x.f.Close() }

// xlsxReader reads the first worksheet of a workbook, row by row, with the
// cells' stored values (dates as serial numbers, numbers in full).
type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

func openXLSX(b []byte) (Reader, error) {
	switch err := checkWorkbook(b); {
	case errors.Is(err, errTooLarge):
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.xlsx_too_large"), err)
	case errors.Is(err, errDate1904):
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.xlsx_date1904"), err)
	case err != nil:
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.xlsx_damaged"), err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: unzipLimit})
	if err != nil {
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.xlsx_unreadable"), err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.xlsx_no_worksheet"), nil)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, broken(apperr.Coded(apperr.Invalid, "sheet.worksheet_unreadable"), err)
	}
	return &xlsxReader{f: f, rows: rows}, nil
}

func (r *xlsxReader) Next() (int, []string, error) {
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return 0, nil, broken(apperr.Coded(apperr.Invalid, "sheet.worksheet_cut_short"), err)
		}
		return 0, nil, io.EOF
	}
	r.line++
	cells, err := r.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, broken(apperr.Coded(apperr.Invalid, "sheet.worksheet_bad_row", strconv.Itoa(r.line)), err)
	}
	return r.line, cells, nil
}

func (r *xlsxReader) Close() error {
	_ = r.rows.Close()
	return r.f.Close()
}
