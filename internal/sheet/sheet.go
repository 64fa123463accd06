// Package sheet writes and reads the register file (docs/api.md, "Export and import") as XLSX,
// through excelize, or as CSV: the rows and cells of package project, in the
// forms Excel opens as staff expect. A file to read is told apart by its
// content, not by its name. It also writes the monthly 调度表
// (docs/dispatch.md, "The sheet"), laid out and set up to print.
package sheet

import (
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/exchange"
)

// Media types of the two formats.
const (
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	CSVType  = "text/csv"
)

// SheetName is the name of the worksheet an XLSX export holds.
const SheetName = "项目清单"

// Writer writes a register file row by row.
type Writer interface {
	// WriteRow writes one row, in the order of the columns.
	WriteRow(cells []exchange.Cell) error
	// Close completes the file; the writer must not be used after.
	Close() error
	// Abort gives up the file, releasing what writing holds.
	Abort()
}

// NewWriter starts a file of format (exchange.FormatXLSX or FormatCSV) on
// w with the header row of cols; an XLSX file gives each column the width
// in characters that widths holds for its Alias (none: the default).
func NewWriter(format string, w io.Writer, cols []exchange.Column, widths map[string]float64) (Writer, error) {
	if format == exchange.FormatCSV {
		return newCSVWriter(w, cols)
	}
	return newXLSXWriter(w, cols, widths)
}

// Reader reads a register file, row by row.
type Reader interface {
	exchange.Table
	// Close releases what reading holds (temporary files of a large XLSX).
	Close() error
}

var (
	errEmpty = &apperr.Error{Kind: apperr.Invalid,
		Fields: []apperr.FieldError{{Field: "file", Code: "required"}}, Message: "sheet.empty"}
	errLegacy   = apperr.Coded(apperr.UnsupportedMediaType, "sheet.legacy_workbook")
	errNotTable = apperr.Coded(apperr.UnsupportedMediaType, "sheet.not_a_table")
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	utf8BOM  = []byte("\xEF\xBB\xBF")
)

// Open reads b as XLSX (a ZIP archive) or as CSV text: UTF-8, with or
// without a byte order mark, or GB18030, the encoding Excel uses when it
// saves CSV on a Chinese system. Other content is UnsupportedMediaType; a
// damaged file is Invalid.
func Open(b []byte) (Reader, error) {
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return nil, errEmpty
	case bytes.HasPrefix(b, zipMagic):
		return openXLSX(b)
	case bytes.HasPrefix(b, oleMagic):
		return nil, errLegacy
	case bytes.HasPrefix(b, []byte("\xFF\xFE")) || bytes.HasPrefix(b, []byte("\xFE\xFF")) || bytes.IndexByte(b, 0) >= 0:
		// UTF-16 text (Excel's "Unicode text") and binary files.
		return nil, errNotTable
	}
	text := bytes.TrimPrefix(b, utf8BOM)
	if !utf8.Valid(text) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, errNotTable
		}
		text = dec
	}
	return openCSV(text), nil
}

// broken is the error of a file that cannot be read: e, an Invalid error
// saying why, naming the file's formats and wrapping err.
func broken(e *apperr.Error, err error) error {
	e.Fields = []apperr.FieldError{{Field: "file", Code: "invalid_format", Param: "XLSX, CSV"}}
	e.Err = err
	return e
}
