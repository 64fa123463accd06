package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/project"
)

// csvWriter writes UTF-8 CSV with a byte order mark, by which Excel knows
// the encoding, and CRLF line ends, as Excel writes them.
type csvWriter struct {
	w    *csv.Writer
	cols []exchange.Column
	rec  []string
}

func newCSVWriter(w io.Writer, cols []exchange.Column) (Writer, error) {
	if _, err := w.Write(utf8BOM); err != nil {
		return nil, err
	}
	c := &csvWriter{w: csv.NewWriter(w), cols: cols}
	c.w.UseCRLF = true
	head := make([]string, len(cols))
	for i, col := range cols {
		head[i] = col.Header
	}
	return c, c.w.Write(head)
}

func (c *csvWriter) WriteRow(cells []exchange.Cell) error {
	c.rec = c.rec[:0]
	for _, cell := range cells {
		s := cell.String()
		if cell.Kind == exchange.TextCell {
			s = escapeFormula(neutralBidi(s))
		}
		c.rec = append(c.rec, s)
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) Abort() {}

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
