package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/guangling/pipeline/internal/exchange"
)

// hostileTexts are texts the register file must carry as they are.
var hostileTexts = []string{
	`=cmd|' /C calc'!A0`, "+1", "-1", "@SUM(1)", "\tleading tab", "'=escaped once", `a,b`, `say "hi"`,
	"two\nlines", "crlf\r\nline", "晨风50兆瓦风电项目（一期）", " leading space", "trailing ", `\.`,
	`C:\new\table`, "_x0041_", "_x005F_x0041_", "a\u202Eexe.txt", "&<>'\"", "\u3000全角", "😀 astral",
}

// hostileRows are rows of the register file's columns with hostile texts,
// empty cells and numbers at their edges.
func hostileRows() [][]exchange.Cell {
	cols := exchange.Columns()
	numbers := []float64{0.1 + 0.2, 1e20, 1e-7, -0.5, 12345.6789}
	var rows [][]exchange.Cell
	for i, h := range hostileTexts {
		row := make([]exchange.Cell, len(cols))
		for j, c := range cols {
			if (i+j)%4 == 3 {
				continue // empty
			}
			switch c.Kind {
			case exchange.TextCell:
				row[j] = exchange.Cell{Kind: exchange.TextCell, Text: h}
			case exchange.IntegerCell:
				row[j] = exchange.Cell{Kind: exchange.IntegerCell, Int: 123456789012 + int64(i)}
			case exchange.NumberCell:
				row[j] = exchange.Cell{Kind: exchange.NumberCell, Number: numbers[i%len(numbers)]}
				if c.Per != 0 { // 万元: the value its formula computes
					row[j].Number = float64(123456789012+int64(i)) / float64(c.Per)
				}
			case exchange.DateCell:
				row[j] = exchange.Cell{Kind: exchange.DateCell, Date: time.Date(1901+i*50, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC)}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func writeRows(t testing.TB, format string, rows [][]exchange.Cell) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(format, &buf, exchange.Columns(), map[string]float64{"name": 36, "id": 38})
	require.NoError(t, err)
	for _, r := range rows {
		require.NoError(t, w.WriteRow(r))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestXLSXReadsBackAsCSV reads the workbook back with excelize, cell by
// cell, and finds what the CSV of the same rows holds: the same text
// (hostile or Chinese, unescaped), numbers and dates (as serials in the
// workbook), and empty cells where the CSV's are.
func TestXLSXReadsBackAsCSV(t *testing.T) {
	t.Parallel()
	rows := hostileRows()
	book := writeRows(t, exchange.FormatXLSX, rows)
	want := readCSV(t, writeRows(t, exchange.FormatCSV, rows))

	f, err := excelize.OpenReader(bytes.NewReader(book))
	require.NoError(t, err)
	defer f.Close()
	got, err := f.GetRows(SheetName, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Len(t, got, len(want))
	cols := exchange.Columns()
	for i := range want {
		for j, c := range cols {
			w, g := want[i][j], ""
			if j < len(got[i]) {
				g = got[i][j]
			}
			if i > 0 && c.Kind == exchange.DateCell && w != "" {
				d, err := time.Parse(time.DateOnly, w)
				require.NoError(t, err)
				w = strconv.FormatInt(serial(d), 10)
			}
			// A CSV file carries a line break as CRLF, which a reader
			// takes as LF; a lone CR it drops.
			g = strings.ReplaceAll(g, "\r", "")
			assert.Equal(t, w, g, "row %d, %s", i+1, c.Header)
		}
	}
}

// TestXLSXLayout holds what today's export shows besides the values: the
// header's style, the number formats, the widths, the frozen header row
// and the 万元 formula.
func TestXLSXLayout(t *testing.T) {
	t.Parallel()
	book := writeRows(t, exchange.FormatXLSX, hostileRows())
	f, err := excelize.OpenReader(bytes.NewReader(book))
	require.NoError(t, err)
	defer f.Close()
	panes, err := f.GetPanes(SheetName)
	require.NoError(t, err)
	assert.True(t, panes.Freeze)
	assert.Equal(t, 1, panes.YSplit)
	assert.Equal(t, "A2", panes.TopLeftCell)
	width, err := f.GetColWidth(SheetName, "D")
	require.NoError(t, err)
	assert.InDelta(t, 36, width, 0.01, "项目名称 is 36 characters wide")
	height, err := f.GetRowHeight(SheetName, 1)
	require.NoError(t, err)
	assert.InDelta(t, 30, height, 0.01)

	style := func(cell string) *excelize.Style {
		id, err := f.GetCellStyle(SheetName, cell)
		require.NoError(t, err)
		s, err := f.GetStyle(id)
		require.NoError(t, err)
		return s
	}
	head := style("A1")
	require.NotNil(t, head.Font)
	assert.True(t, head.Font.Bold)
	assert.Equal(t, 1, head.Fill.Pattern, "a solid fill")
	// Excelize tells a fill's colour only with a theme part, which the
	// file does without.
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	require.NoError(t, err)
	styles, err := fs.ReadFile(zr, "xl/styles.xml")
	require.NoError(t, err)
	assert.Contains(t, string(styles), `<fgColor rgb="FFDDEBF7"/>`, "light blue")
	assert.True(t, head.Alignment.WrapText)
	cols := exchange.Columns()
	for i, c := range cols {
		row := 2
		if i%4 == 3 {
			row = 3 // empty in the first row (hostileRows)
		}
		ref, err := excelize.CoordinatesToCellName(i+1, row)
		require.NoError(t, err)
		var want string
		switch {
		case c.Kind == exchange.DateCell:
			want = dateFormat
		case c.Source != "":
			want = wanFormat
		case c.Kind == exchange.IntegerCell && c.Field != "version":
			want = moneyFormat
		}
		got := ""
		if s := style(ref); s.CustomNumFmt != nil {
			got = *s.CustomNumFmt
		}
		assert.Equal(t, want, got, "the number format of %s", c.Header)
	}
	shown, err := f.GetCellValue(SheetName, "L3")
	require.NoError(t, err)
	assert.Equal(t, "123,456,789,013", shown, "yuan with thousands separators")
	formula, err := f.GetCellFormula(SheetName, "M3")
	require.NoError(t, err)
	assert.Equal(t, `IF(L3="","",L3/10000)`, formula)
}

// TestXLSXNoTemporaryFile writes a workbook of many rows with TMPDIR set to
// an empty folder, which stays empty, and with the heap in use after it no
// larger than after its first rows: nothing is held or spilled per row.
func TestXLSXNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rows := hostileRows()
	w, err := NewWriter(exchange.FormatXLSX, io.Discard, exchange.Columns(), nil)
	require.NoError(t, err)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var early uint64
	for i := range 60000 {
		require.NoError(t, w.WriteRow(rows[i%len(rows)]))
		if i == 5000 {
			early = heap()
		}
	}
	late := heap()
	require.NoError(t, w.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no temporary file")
	assert.Less(t, late, early+(1<<20), "the heap does not grow with the rows (%d bytes after 5,000 rows, %d after 60,000)", early, late)
}

// TestXLSXOffice converts the workbook to CSV with LibreOffice, as another
// spreadsheet opens it, and finds the CSV's texts, dates as dates and the
// 万元 formula computed.
func TestXLSXOffice(t *testing.T) {
	needOffice(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	rows := hostileRows()
	book := filepath.Join(dir, "register.xlsx")
	require.NoError(t, os.WriteFile(book, writeRows(t, exchange.FormatXLSX, rows), 0o600))
	profile := "file://" + filepath.ToSlash(filepath.Join(dir, "profile"))
	// Comma-separated, quoted, UTF-8 (76), the cells as shown.
	run(t, ctx, "soffice", "-env:UserInstallation="+profile, "--headless", "--norestore",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", "--outdir", dir, book)
	out, err := os.ReadFile(filepath.Join(dir, "register.csv"))
	require.NoError(t, err)
	got, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	want := readCSV(t, writeRows(t, exchange.FormatCSV, rows))
	require.Len(t, got, len(want))
	cols := exchange.Columns()
	for i := range want {
		for j, c := range cols {
			if c.Kind == exchange.IntegerCell || c.Kind == exchange.NumberCell {
				continue // shown with separators and rounded to the format's places
			}
			w := strings.ReplaceAll(want[i][j], "\r", "")
			assert.Equal(t, w, strings.ReplaceAll(got[i][j], "\r", ""), "row %d, %s", i+1, c.Header)
		}
	}
	assert.Equal(t, "12,345,678.9013", got[2][12], "万元 shown with its format")
}

// readCSV reads a CSV file as an import does, its cells unescaped.
func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	r, err := Open(b)
	require.NoError(t, err)
	defer r.Close()
	var out [][]string
	for {
		_, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, cells)
	}
}

// TestCSVAsEncodingCSV holds the CSV writer to what encoding/csv writes of
// the same fields (with CRLF line ends), the writer the export used before,
// for hostile texts, numbers, dates and empty cells.
func TestCSVAsEncodingCSV(t *testing.T) {
	t.Parallel()
	rows := hostileRows()
	var want bytes.Buffer
	want.Write(utf8BOM)
	w := csv.NewWriter(&want)
	w.UseCRLF = true
	var head []string
	for _, c := range exchange.Columns() {
		head = append(head, c.Header)
	}
	require.NoError(t, w.Write(head))
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c.String()
			if c.Kind == exchange.TextCell {
				rec[i] = escapeFormula(neutralBidi(c.Text))
			}
		}
		require.NoError(t, w.Write(rec))
	}
	w.Flush()
	require.NoError(t, w.Error())
	assert.Equal(t, want.String(), string(writeRows(t, exchange.FormatCSV, rows)))
	extra := []string{"lone\rcr", "\r\nlead", "\u00a0nbsp", "\u2028ls"}
	for _, s := range extra {
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		cw.UseCRLF = true
		require.NoError(t, cw.Write([]string{s, s}))
		cw.Flush()
		field := string(appendCSVField(nil, s))
		assert.Equal(t, b.String(), field+","+field+"\r\n", "%q", s)
	}
}
