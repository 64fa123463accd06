package sheet

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
)

var june1 = time.Date(2021, time.June, 1, 0, 0, 0, 0, time.UTC)

func sample() ([]exchange.Column, [][]exchange.Cell) {
	cols := []exchange.Column{
		{Header: "项目名称", Kind: exchange.TextCell},
		{Header: "总投资（元）", Kind: exchange.IntegerCell, Field: "total_investment_yuan"},
		{Header: "总投资（万元）", Kind: exchange.NumberCell, Source: "总投资（元）", Per: 10000},
		{Header: "计划开工日期", Kind: exchange.DateCell},
		{Header: "版本", Kind: exchange.IntegerCell, Field: "version"},
	}
	rows := [][]exchange.Cell{
		{{Kind: exchange.TextCell, Text: "晨风50兆瓦风电项目"}, {Kind: exchange.IntegerCell, Int: 123456789},
			{Kind: exchange.NumberCell, Number: 12345.6789}, {Kind: exchange.DateCell, Date: june1}, {Kind: exchange.IntegerCell, Int: 2}},
		{{Kind: exchange.TextCell, Text: "=HYPERLINK(\"x\")"}, {}, {}, {}, {Kind: exchange.IntegerCell, Int: 1}},
		{{Kind: exchange.TextCell, Text: "'=已转义"}, {}, {}, {Kind: exchange.DateCell, Date: time.Date(1900, 1, 5, 0, 0, 0, 0, time.UTC)}, {Kind: exchange.IntegerCell, Int: 1}},
	}
	return cols, rows
}

func write(t *testing.T, format string) []byte {
	t.Helper()
	cols, rows := sample()
	var buf bytes.Buffer
	w, err := NewWriter(format, &buf, cols, map[string]float64{"name": 36})
	require.NoError(t, err)
	for _, r := range rows {
		require.NoError(t, w.WriteRow(r))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func readAll(t *testing.T, b []byte) [][]string {
	t.Helper()
	r, err := Open(b)
	require.NoError(t, err)
	defer r.Close()
	var out [][]string
	for {
		line, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		require.Equal(t, len(out)+1, line)
		out = append(out, cells)
	}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	b := write(t, exchange.FormatCSV)
	require.True(t, bytes.HasPrefix(b, []byte("\xEF\xBB\xBF项目名称,总投资（元）,总投资（万元）,计划开工日期,版本\r\n")), "%q", b)
	assert.Contains(t, string(b), "晨风50兆瓦风电项目,123456789,12345.6789,2021-06-01,2\r\n")
	assert.Contains(t, string(b), `"'=HYPERLINK(""x"")"`, "a formula-like text is escaped")
	assert.Equal(t, [][]string{
		{"项目名称", "总投资（元）", "总投资（万元）", "计划开工日期", "版本"},
		{"晨风50兆瓦风电项目", "123456789", "12345.6789", "2021-06-01", "2"},
		{"=HYPERLINK(\"x\")", "", "", "", "1"},
		{"'=已转义", "", "", "1900-01-05", "1"},
	}, readAll(t, b), "CSV reads back what was written")
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	b := write(t, exchange.FormatXLSX)
	require.True(t, bytes.HasPrefix(b, zipMagic))

	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{SheetName}, f.GetSheetList())
	// Dates are date cells: a serial number shown as yyyy-mm-dd.
	v, err := f.GetCellValue(SheetName, "D2")
	require.NoError(t, err)
	assert.Equal(t, "2021-06-01", v)
	raw, err := f.GetCellValue(SheetName, "D2", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	assert.Equal(t, "44348", raw)
	typ, err := f.GetCellType(SheetName, "D2")
	require.NoError(t, err)
	assert.NotEqual(t, excelize.CellTypeInlineString, typ)
	// 万元 is a formula over the yuan cell, with its value stored.
	formula, err := f.GetCellFormula(SheetName, "C2")
	require.NoError(t, err)
	assert.Equal(t, `IF(B2="","",B2/10000)`, formula)
	money, err := f.GetCellValue(SheetName, "B2")
	require.NoError(t, err)
	assert.Equal(t, "123,456,789", money)

	rows := readAll(t, b)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"晨风50兆瓦风电项目", "123456789", "12345.6789", "44348", "2"}, rows[1])
	assert.Equal(t, "=HYPERLINK(\"x\")", rows[2][0], "XLSX text is never a formula: no escape")
	assert.Equal(t, "5", rows[3][3], "1900-01-05 is serial 5")
}

func TestOpen(t *testing.T) {
	t.Parallel()
	kind := func(b []byte) apperr.Kind {
		_, err := Open(b)
		return apperr.KindOf(err)
	}
	assert.Equal(t, apperr.Invalid, kind(nil))
	assert.Equal(t, apperr.Invalid, kind([]byte(" \r\n")))
	assert.Equal(t, apperr.UnsupportedMediaType, kind([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an .xls")))
	assert.Equal(t, apperr.UnsupportedMediaType, kind([]byte("%PDF-1.7\n\x00\x01binary")))
	assert.Equal(t, apperr.UnsupportedMediaType, kind([]byte("\xFF\xFEa\x00b\x00")))
	assert.Equal(t, apperr.Invalid, kind([]byte("PK\x03\x04 not really a workbook")))

	// Excel on a Chinese system saves CSV in GB18030.
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("项目名称,项目类别\r\n南村光伏,光伏发电\r\n"))
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"项目名称", "项目类别"}, {"南村光伏", "光伏发电"}}, readAll(t, gb))

	// A broken CSV names its line.
	r, err := Open([]byte("项目名称\r\n\"未闭合\r\n"))
	require.NoError(t, err)
	_, _, err = r.Next()
	require.NoError(t, err)
	_, _, err = r.Next()
	e := apperr.As(err)
	assert.Equal(t, apperr.Invalid, e.Kind)
	assert.Equal(t, "sheet.csv_bad_line", e.Message)
	assert.Equal(t, []string{"2"}, e.Params)
}

func TestSerial(t *testing.T) {
	t.Parallel()
	assert.Equal(t, int64(44348), serial(june1))
	assert.Equal(t, int64(61), serial(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, int64(59), serial(time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, int64(1), serial(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)))
	// Past 2192, where a time.Duration from 1899 no longer reaches.
	assert.Equal(t, int64(401768), serial(time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC)))
}
