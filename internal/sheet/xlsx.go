package sheet

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/guangling/pipeline/internal/apperr"
)

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
