package sheet

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/exchange"
)

// TestBidiControlsNeutralised: a value stored before bidirectional controls
// were refused leaves every sheet with U+FFFD in their place, in CSV and
// XLSX, the register file and the 调度表 alike; the other invisible
// characters stay (docs/api.md, "Strict input").
func TestBidiControlsNeutralised(t *testing.T) {
	t.Parallel()
	stored := "\u202e=txt.exe\u2066李\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u2067\u2068 零\u200b宽\u200d\u00ad"
	want := "\ufffd=txt.exe\ufffd李\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd 零\u200b宽\u200d\u00ad"

	cols := []exchange.Column{{Header: "项目名称", Kind: exchange.TextCell}}
	for _, format := range []string{exchange.FormatCSV, exchange.FormatXLSX} {
		var buf bytes.Buffer
		w, err := NewWriter(format, &buf, cols, nil)
		require.NoError(t, err)
		require.NoError(t, w.WriteRow([]exchange.Cell{{Kind: exchange.TextCell, Text: stored}}))
		require.NoError(t, w.Close())
		assert.Equal(t, [][]string{{"项目名称"}, {want}}, readAll(t, buf.Bytes()), "register file, %s", format)
	}

	s := fixture()
	s.Sections[0].Rows[0].Name = stored
	s.Sections[0].Rows[0].Leader = "刘\u202e县长"
	b := writeDispatch(t, exchange.FormatCSV, s)
	recs, err := csv.NewReader(bytes.NewReader(b[len(utf8BOM):])).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, want, recs[4][colName], "调度表, CSV")
	assert.Equal(t, "刘\ufffd县长", recs[4][colLeader], "调度表, CSV")
	f := openDispatch(t, writeDispatch(t, exchange.FormatXLSX, s))
	defer f.Close()
	rows, err := f.GetRows(DispatchSheetName)
	require.NoError(t, err)
	assert.Equal(t, want, rows[4][colName], "调度表, XLSX")
}

// TestPlainCSV holds the writer's quick look to its full path: a text it
// takes as plain is what the full path writes.
func TestPlainCSV(t *testing.T) {
	t.Parallel()
	full := func(s string) string { return string(appendCSVField(nil, escapeFormula(neutralBidi(s)))) }
	texts := append([]string{"晨风50兆瓦风电项目", "plain text", "a\tb", "“引号”", "\u061cx", "x\u00a0", "\u0085x",
		"\u2028x", "\u3000x", "'x", "''=x", "\r", "\\", `\.x`}, hostileTexts...)
	for _, s := range texts {
		if plainCSV(s) {
			assert.Equal(t, full(s), s, "%q is not plain", s)
		}
	}
	assert.True(t, plainCSV("晨风50兆瓦风电项目"), "the common case takes the quick look")
}
