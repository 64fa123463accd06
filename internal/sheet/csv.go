package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/project"
)

// csvWriter writes UTF-8 CSV with a byte order mark, by which Excel knows
// the encoding, and CRLF line ends, as Excel writes them: what
// encoding/csv writes with UseCRLF (quoted when a field holds a comma, a
// quote or a line break, starts with a space or is \.; a line break
// within a field written CRLF, a lone CR dropped), with the rows appended
// to one buffer instead of a string for each cell.
type csvWriter struct {
	w   io.Writer
	buf []byte
}

// csvFlushAt is how much of the file is gathered before it is written.
const csvFlushAt = 32 << 10

func newCSVWriter(w io.Writer, cols []exchange.Column) (Writer, error) {
	c := &csvWriter{w: w, buf: append(make([]byte, 0, csvFlushAt+4096), utf8BOM...)}
	for i, col := range cols {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendCSVField(c.buf, col.Header)
	}
	c.buf = append(c.buf, "\r\n"...)
	return c, nil
}

func (c *csvWriter) WriteRow(cells []exchange.Cell) error {
	b := c.buf
	for i, cell := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		switch cell.Kind {
		case exchange.TextCell:
			if plainCSV(cell.Text) {
				b = append(b, cell.Text...)
			} else {
				b = appendCSVField(b, escapeFormula(neutralBidi(cell.Text)))
			}
		case exchange.IntegerCell:
			b = strconv.AppendInt(b, cell.Int, 10)
		case exchange.NumberCell:
			b = strconv.AppendFloat(b, cell.Number, 'f', -1, 64)
		case exchange.DateCell:
			b = appendDate(b, cell.Date)
		}
	}
	c.buf = append(b, "\r\n"...)
	if len(c.buf) >= csvFlushAt {
		return c.flush()
	}
	return nil
}

// appendDate appends d as YYYY-MM-DD, as time.DateOnly formats it (a
// fifth of the time).
func appendDate(b []byte, d time.Time) []byte {
	y, m, day := d.Date()
	if y < 0 || y > 9999 {
		return d.AppendFormat(b, time.DateOnly)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func (c *csvWriter) flush() error {
	_, err := c.w.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

func (c *csvWriter) Close() error { return c.flush() }

func (c *csvWriter) Abort() {}

// appendCSVField appends s as encoding/csv's Writer writes a field with
// UseCRLF.
func appendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for len(s) > 0 {
		i := strings.IndexAny(s, "\"\r\n")
		if i < 0 {
			b = append(b, s...)
			break
		}
		b = append(b, s[:i]...)
		switch s[i] {
		case '"':
			b = append(b, `""`...)
		case '\n':
			b = append(b, "\r\n"...)
		} // a CR is dropped: a line break is written CRLF
		s = s[i+1:]
	}
	return append(b, '"')
}

// plainCSV reports text that a CSV cell holds as it is, looked at in one
// pass: no character to quote, no lead byte of a bidirectional control
// (mayHoldBidi), nothing a formula starts with, no leading space.
func plainCSV(s string) bool {
	if s == "" || formulaLike(s) || s == `\.` {
		return s == ""
	}
	for i := 0; i < len(s); i++ {
		if notPlain[s[i]] {
			return false
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return !unicode.IsSpace(r)
}

// notPlain marks the bytes that make a text not plainCSV.
var notPlain = [256]bool{'\n': true, '\r': true, '"': true, ',': true, 0xE2: true, 0xD8: true}

// csvNeedsQuotes is encoding/csv's rule for a comma-separated field.
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// formulaLike reports text that a spreadsheet opening CSV would take for a
// formula (CSV injection): it starts with = + - @, a tab or a carriage
// return, or is such text escaped once already.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	case '\'':
		return formulaLike(s[1:])
	}
	return false
}

// escapeFormula puts an apostrophe before text that would be taken for a
// formula; unescapeFormula takes it off again, so that such text survives
// a round trip through a CSV file unchanged.
func escapeFormula(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// neutralBidi replaces each bidirectional control character of a value
// stored before the API refused them with U+FFFD, so that an exported cell
// shows its text in the order it is stored, and shows where such a
// character was (docs/api.md, "Strict input").
func neutralBidi(s string) string {
	if !mayHoldBidi(s) || !strings.ContainsFunc(s, project.BidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if project.BidiControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// mayHoldBidi reports whether s holds a lead byte of a bidirectional
// control character's UTF-8 form (U+061C: D8; U+200E–U+2069: E2), a quick
// look that spares most text decoding its runes.
func mayHoldBidi(s string) bool {
	return strings.IndexByte(s, 0xE2) >= 0 || strings.IndexByte(s, 0xD8) >= 0
}

func unescapeFormula(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

type csvReader struct {
	r *csv.Reader
}

func openCSV(text []byte) Reader {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	return &csvReader{r: r}
}

func (c *csvReader) Next() (int, []string, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return 0, nil, broken(apperr.Coded(apperr.Invalid, "sheet.csv_bad_line", strconv.Itoa(pe.StartLine)), err)
	}
	if err != nil {
		return 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	for i, s := range rec {
		rec[i] = unescapeFormula(s)
	}
	return line, rec, nil
}

func (c *csvReader) Close() error { return nil }
