package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
)

// rezip copies the workbook b, changing the content of the entries whose
// names edit knows; method is the changed entries' compression.
func rezip(t *testing.T, b []byte, method uint16, edit map[string]func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		x, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		m := f.Method
		if fn, ok := edit[f.Name]; ok {
			x, m = []byte(fn(string(x))), method
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: m})
		require.NoError(t, err)
		_, err = w.Write(x)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}

const sheetPart = "xl/worksheets/sheet1.xml"

func sheetEdit(fn func(string) string) map[string]func(string) string {
	return map[string]func(string) string{sheetPart: fn}
}

func TestCheckWorkbook(t *testing.T) {
	good := write(t, "xlsx")
	require.NoError(t, checkWorkbook(good))

	// A byte of the worksheet's stored (uncompressed) data changed after
	// its checksum was written.
	stored := rezip(t, good, zip.Store, sheetEdit(func(s string) string { return s }))
	require.NoError(t, checkWorkbook(stored))
	i := bytes.Index(stored, []byte("123456789"))
	require.Positive(t, i)
	crc := bytes.Clone(stored)
	crc[i] = '9'

	// A byte of the compressed worksheet flipped.
	deflated := rezip(t, good, zip.Deflate, sheetEdit(func(s string) string { return strings.Repeat(" ", 4096) + s }))
	flipped := bytes.Clone(deflated)
	j := bytes.Index(flipped, []byte(sheetPart))
	require.Positive(t, j)
	flipped[j+len(sheetPart)+200] ^= 0x55

	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"a stored entry whose checksum does not match", crc, zip.ErrChecksum},
		{"compressed data damaged", flipped, nil},
		{"the sheet cut off in a row", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string { return s[:strings.Index(s, "<row r=\"3\"")+20] })), nil},
		{"junk in the sheet", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string { return strings.Replace(s, "<row r=\"3\"", "<<row r=\"3\"", 1) })), nil},
		{"rows out of order", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string { return strings.Replace(s, "<row r=\"4\"", "<row r=\"2\"", 1) })), nil},
		{"a row beyond Excel's last", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string { return strings.Replace(s, "<row r=\"4\"", "<row r=\"1048577\"", 1) })), nil},
		{"a shared string that is not there", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string {
			return strings.Replace(s, "<row r=\"4\"", `<row r="4"><c r="A4" t="s"><v>5</v></c></row><row r="5"`, 1)
		})), nil},
		{"an entity declared in a DOCTYPE", rezip(t, good, zip.Deflate, sheetEdit(func(s string) string {
			return strings.Replace(s, "?>", `?><!DOCTYPE x [<!ENTITY e "x">]>`, 1)
		})), nil},
		{"the 1904 date system", rezip(t, good, zip.Deflate, map[string]func(string) string{"xl/workbook.xml": func(s string) string {
			return strings.Replace(s, "<workbookPr", `<workbookPr date1904="1"`, 1)
		}}), errDate1904},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkWorkbook(c.b)
			require.Error(t, err)
			if c.want != nil {
				assert.ErrorIs(t, err, c.want)
			}
			// Open refuses it as a damaged file: nothing is imported.
			_, err = Open(c.b)
			var ae *apperr.Error
			require.True(t, errors.As(err, &ae), "%v", err)
			assert.Equal(t, apperr.Invalid, ae.Kind)
			assert.Equal(t, "invalid_format", ae.Fields[0].Code)
		})
	}
}

func TestCheckWorkbookBounds(t *testing.T) {
	good := write(t, "xlsx")
	wide := rezip(t, good, zip.Deflate, sheetEdit(func(s string) string {
		return strings.Replace(s, "<row r=\"4\"", `<row r="4">`+strings.Repeat("<c><v>1</v></c>", maxRowCells+1)+`</row><row r="5"`, 1)
	}))
	assert.ErrorContains(t, checkWorkbook(wide), "cells")
	many := rezip(t, good, zip.Deflate, sheetEdit(func(s string) string {
		return strings.Replace(s, "</sheetData>", strings.Repeat("<row/>", maxSheetRows)+"</sheetData>", 1)
	}))
	assert.ErrorContains(t, checkWorkbook(many), "beyond the sheet's last")
	big := rezip(t, good, zip.Deflate, sheetEdit(func(s string) string {
		return strings.Replace(s, "</sheetData>", "</sheetData>"+strings.Repeat(" ", unzipLimit), 1)
	}))
	assert.ErrorIs(t, checkWorkbook(big), errTooLarge)
}
