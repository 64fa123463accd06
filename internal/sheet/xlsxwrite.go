package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"

	"github.com/guangling/pipeline/internal/exchange"
)

// xlsxWriter writes the register file's workbook itself, as a ZIP archive
// streamed to w: the fixed parts first, then the worksheet's rows as they
// come, deflated as they are written (docs/api.md, "Files"). Nothing is
// held but the row being written and the compressor's window, and nothing
// goes to a temporary file. Excelize, which the 调度表 and the imports
// use, spent four times as long on each row and spilled the worksheet to
// a temporary file before it could compress it (docs/performance.md).
type xlsxWriter struct {
	zw    *zip.Writer
	sheet io.Writer // the worksheet's entry
	cols  []exchange.Column
	// refs are the columns' letters; styles the style of each column's
	// cells; formulas, for a derived column, its formula around the two
	// places where the row number goes.
	refs     []string
	styles   []string
	formulas [][3]string
	row      int
	buf      []byte
	done     bool
}

// The cell styles of styles.xml, by index (cellXfs).
const (
	styleHeader = "1"
	styleDate   = "2"
	styleMoney  = "3"
	styleWan    = "4"
)

// Number formats of the cells: Excel shows dates as dates and money with
// thousands separators; the stored values stay exact.
const (
	dateFormat  = "yyyy-mm-dd"
	moneyFormat = "#,##0"
	wanFormat   = "#,##0.00##"
)

// flushAt is how much of the worksheet is gathered before it goes to the
// compressor.
const flushAt = 32 << 10

func newXLSXWriter(w io.Writer, cols []exchange.Column, widths map[string]float64) (Writer, error) {
	x := &xlsxWriter{zw: zip.NewWriter(w), cols: cols}
	// Deflate at its fastest, with klauspost/compress (a quarter faster
	// than the standard library's at that level): the file is a fifth
	// larger than at the default level, and compressing it a small part of
	// an export's time.
	x.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	x.setColumns()
	if err := x.start(widths); err != nil {
		return nil, err
	}
	return x, nil
}

// setColumns works out each column's letters, style and formula.
func (x *xlsxWriter) setColumns() {
	index := map[string]int{}
	for i, c := range x.cols {
		index[c.Header] = i
	}
	n := len(x.cols)
	x.refs, x.styles, x.formulas = make([]string, n), make([]string, n), make([][3]string, n)
	for i, c := range x.cols {
		x.refs[i] = columnName(i + 1)
		switch {
		case c.Kind == exchange.DateCell:
			x.styles[i] = styleDate
		case c.Source != "":
			x.styles[i] = styleWan
			src := columnName(index[c.Source] + 1)
			// IF(L2="","",L2/10000): the row goes in twice.
			x.formulas[i] = [3]string{`IF(` + src, `="","",` + src, `/` + strconv.FormatInt(c.Per, 10) + `)`}
		case c.Kind == exchange.IntegerCell && c.Field != "version":
			x.styles[i] = styleMoney
		}
	}
}

// columnName is a column's letters: 1 is A, 27 AA.
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// start writes the parts before the worksheet's rows, and the header row.
func (x *xlsxWriter) start(widths map[string]float64) error {
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypesXML},
		{"_rels/.rels", rootRelsXML},
		{"xl/workbook.xml", fmt.Sprintf(workbookXML, escapeXML(SheetName))},
		{"xl/_rels/workbook.xml.rels", workbookRelsXML},
		{"xl/styles.xml", stylesXML},
	} {
		f, err := x.zw.Create(part.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, part.body); err != nil {
			return err
		}
	}
	f, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	x.sheet = f
	b := append(x.buf[:0], sheetHeadXML...)
	b = append(b, "<cols>"...)
	for i, c := range x.cols {
		if wd := widths[c.Alias]; wd > 0 {
			n := strconv.Itoa(i + 1)
			b = append(b, `<col min="`+n+`" max="`+n+`" width="`+strconv.FormatFloat(wd, 'f', -1, 64)+`" customWidth="1"/>`...)
		}
	}
	if bytes.HasSuffix(b, []byte("<cols>")) {
		b = b[:len(b)-len("<cols>")] // no widths: no cols element, which may not be empty
	} else {
		b = append(b, "</cols>"...)
	}
	b = append(b, `<sheetData><row r="1" ht="30" customHeight="1">`...)
	for i, c := range x.cols {
		b = x.textCell(b, i, 1, styleHeader, c.Header)
	}
	b = append(b, "</row>"...)
	x.buf, x.row = b, 1
	return nil
}

func (x *xlsxWriter) WriteRow(cells []exchange.Cell) error {
	x.row++
	b := append(x.buf, `<row r="`...)
	b = strconv.AppendInt(b, int64(x.row), 10)
	b = append(b, `">`...)
	for i, c := range cells {
		switch c.Kind {
		case exchange.TextCell:
			b = x.textCell(b, i, x.row, x.styles[i], neutralBidi(c.Text))
		case exchange.IntegerCell:
			b = x.numberCell(b, i, x.row)
			b = strconv.AppendInt(b, c.Int, 10)
		case exchange.NumberCell:
			b = x.numberCell(b, i, x.row)
			b = strconv.AppendFloat(b, c.Number, 'f', -1, 64)
		case exchange.DateCell:
			b = x.numberCell(b, i, x.row)
			b = strconv.AppendInt(b, serial(c.Date), 10)
		default:
			continue
		}
		if c.Kind != exchange.TextCell {
			b = append(b, "</v></c>"...)
		}
	}
	b = append(b, "</row>"...)
	x.buf = b
	if len(b) >= flushAt {
		return x.flush()
	}
	return nil
}

// numberCell opens a number cell of column i (its formula, if derived) up
// to its value.
func (x *xlsxWriter) numberCell(b []byte, i, row int) []byte {
	b = x.openCell(b, i, row, x.styles[i], "")
	if f := x.formulas[i]; f[0] != "" {
		b = append(b, "<f>"...)
		b = append(b, f[0]...)
		b = strconv.AppendInt(b, int64(row), 10)
		b = append(b, f[1]...)
		b = strconv.AppendInt(b, int64(row), 10)
		b = append(b, f[2]...)
		b = append(b, "</f>"...)
	}
	return append(b, "<v>"...)
}

// openCell writes <c r=… s=… t=…>.
func (x *xlsxWriter) openCell(b []byte, i, row int, style, typ string) []byte {
	b = append(b, `<c r="`...)
	b = append(b, x.refs[i]...)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if style != "" {
		b = append(b, ` s="`...)
		b = append(b, style...)
		b = append(b, '"')
	}
	if typ != "" {
		b = append(b, ` t="`...)
		b = append(b, typ...)
		b = append(b, '"')
	}
	return append(b, '>')
}

// textCell writes an inline string: text cells are never formulas, so an
// XLSX file needs no escaping of formula-like text.
func (x *xlsxWriter) textCell(b []byte, i, row int, style, s string) []byte {
	b = x.openCell(b, i, row, style, "inlineStr")
	b = append(b, "<is><t"...)
	if s != "" && (isXMLSpace(s[0]) || isXMLSpace(s[len(s)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	b = appendCellText(b, s)
	return append(b, "</t></is></c>"...)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// maxCellChars is the most a spreadsheet cell holds, in UTF-16 units.
const maxCellChars = 32767

// appendCellText appends s as the text of a cell: XML-escaped, characters
// XML cannot carry replaced by U+FFFD, and text that a spreadsheet would
// read as an escaped character (_x0041_) escaped itself, as excelize
// writes it (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).
func appendCellText(b []byte, s string) []byte {
	if len(s) > maxCellChars {
		s = truncateUTF16(s, maxCellChars)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !textSpecial[c] {
			continue
		}
		esc, skip := textEscape(s[i:])
		if esc == "" {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i += skip
		start = i + 1
	}
	return append(b, s[start:]...)
}

// textSpecial marks the bytes textEscape looks at.
var textSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\n'
	}
	for _, c := range []byte("&<>_\xEF") {
		t[c] = true
	}
	return t
}()

// textEscape is what replaces the first character of s, "" for none, and
// how many more bytes it replaces.
func textEscape(s string) (string, int) {
	switch c := s[0]; {
	case c == '&':
		return "&amp;", 0
	case c == '<':
		return "&lt;", 0
	case c == '>':
		return "&gt;", 0
	case c == '\r':
		return "&#xD;", 0
	case c == '\t':
		return "&#x9;", 0
	case c < 0x20:
		return "\uFFFD", 0
	case c == '_':
		if escapedChar(s) {
			return "_x005F_", 0
		}
	case c == 0xEF:
		// U+FFFE and U+FFFF, which XML cannot carry.
		if len(s) >= 3 && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF) {
			return "\uFFFD", 2
		}
	}
	return "", 0
}

// escapedChar reports whether s begins with _xHHHH_, which a spreadsheet
// reads as the character HHHH.
func escapedChar(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// truncateUTF16 cuts s to at most n UTF-16 units.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		u := 1
		if r > 0xFFFF {
			u = 2
		}
		if units+u > n {
			return s[:i]
		}
		units += u
	}
	return s
}

// flush sends the gathered rows to the compressor.
func (x *xlsxWriter) flush() error {
	_, err := x.sheet.Write(x.buf)
	x.buf = x.buf[:0]
	return err
}

func (x *xlsxWriter) Close() error {
	if x.done {
		return nil
	}
	x.done = true
	x.buf = append(x.buf, sheetTailXML...)
	if err := x.flush(); err != nil {
		return err
	}
	return x.zw.Close()
}

// Abort leaves the archive unfinished: the response is cut, and a client
// sees a broken download rather than a short file that looks whole.
func (x *xlsxWriter) Abort() { x.done = true }

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
