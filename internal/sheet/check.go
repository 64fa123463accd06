package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Bounds of a workbook to import: Excel's own sheet size, and what a file
// of the import's row limit can need (a register of 20,000 rows unpacks to
// about 20 MiB; docs/api.md).
const (
	unzipLimit    = 48 << 20
	maxSheetRows  = 1 << 20
	maxRowCells   = 1 << 14
	maxSheetCells = 4 << 20
)

// checkWorkbook reads the whole archive and decodes its worksheets and
// shared strings strictly, before excelize reads them: excelize passes over
// a damaged entry (a checksum that does not match), malformed XML and rows
// out of order as if the sheet ended there or the cell were empty, so that a
// damaged file would import in part. It also bounds the work a small file
// can ask for (what it unpacks to, its rows and cells).
func checkWorkbook(b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	parts, err := readParts(zr)
	if err != nil {
		return err
	}
	if err := checkDate1904(parts["xl/workbook.xml"]); err != nil {
		return err
	}
	strs := -1 // no shared strings part
	if ss, ok := parts["xl/sharedstrings.xml"]; ok {
		if strs, err = countStrings(ss); err != nil {
			return fmt.Errorf("sharedStrings.xml: %w", err)
		}
	}
	for name, x := range parts {
		if strings.HasPrefix(name, "xl/worksheets/") {
			if err := checkSheet(x, strs); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return nil
}

// readParts reads every entry of an archive to its end, so that its
// checksum is checked, and no more than unzipLimit in all. It keeps only the
// parts that checkWorkbook checks, by their names in lower case.
func readParts(zr *zip.Reader) (map[string][]byte, error) {
	parts := map[string][]byte{}
	var total int64
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		keep := checkedPart(name)
		var buf bytes.Buffer
		var to io.Writer = io.Discard
		if keep {
			to = &buf
		}
		n, err := readEntry(f, to, unzipLimit-total+1)
		if err != nil {
			return nil, err
		}
		if total += n; total > unzipLimit {
			return nil, errTooLarge
		}
		if keep {
			parts[name] = buf.Bytes()
		}
	}
	return parts, nil
}

// checkedPart reports whether checkWorkbook checks the part of a name in
// lower case: the worksheets, the shared strings and the workbook.
func checkedPart(name string) bool {
	return path.Ext(name) == ".xml" && (strings.HasPrefix(name, "xl/worksheets/") || name == "xl/sharedstrings.xml" || name == "xl/workbook.xml")
}

// readEntry copies up to limit bytes of the entry f to w.
func readEntry(f *zip.File, w io.Writer, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", f.Name, err)
	}
	n, err := io.Copy(w, io.LimitReader(rc, limit))
	_ = rc.Close()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", f.Name, err) // zip.ErrChecksum among them
	}
	return n, nil
}

var (
	errTooLarge = errors.New("the workbook unpacks to more than the import allows")
	errDate1904 = errors.New("the workbook uses the 1904 date system")
)

// checkDate1904 refuses a workbook that counts its dates from 1904 (old
// Excel for Mac): its date cells would be read four years early.
func checkDate1904(x []byte) error {
	return tokens(x, func(_ *xml.Decoder, se xml.StartElement) error {
		if v, _ := attr(se, "date1904"); se.Name.Local == "workbookPr" && (v == "1" || v == "true") {
			return errDate1904
		}
		return nil
	})
}

// tokens runs a strict decoder over x, refusing declarations of entities
// (a DOCTYPE), and calls fn with each element's start.
func tokens(x []byte, fn func(d *xml.Decoder, se xml.StartElement) error) error {
	d := xml.NewDecoder(bytes.NewReader(x))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("a DOCTYPE or other directive")
		case xml.StartElement:
			if err := fn(d, t); err != nil {
				return err
			}
		}
	}
}

func countStrings(x []byte) (int, error) {
	n := 0
	err := tokens(x, func(_ *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local == "si" {
			if n++; n > maxSheetCells {
				return errTooLarge
			}
		}
		return nil
	})
	return n, err
}

// checkSheet checks that rows come in increasing order within Excel's
// bounds and that every shared-string cell names one of the strs strings.
func checkSheet(x []byte, strs int) error {
	row, cells, inRow := 0, 0, 0
	shared := false
	return tokens(x, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "row":
			r := row + 1
			if v, ok := attr(se, "r"); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n <= row {
					return fmt.Errorf("row %q after row %d", v, row)
				}
				r = n
			}
			if r > maxSheetRows {
				return fmt.Errorf("row %d beyond the sheet's last", r)
			}
			row, inRow = r, 0
		case "c":
			if cells++; cells > maxSheetCells {
				return errTooLarge
			}
			if inRow++; inRow > maxRowCells {
				return fmt.Errorf("row %d has more than %d cells", row, maxRowCells)
			}
			t, _ := attr(se, "t")
			shared = t == "s"
		case "v":
			if !shared {
				return nil
			}
			shared = false
			var v string
			if err := d.DecodeElement(&v, &se); err != nil {
				return err
			}
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i < 0 || i >= strs {
				return fmt.Errorf("row %d names shared string %q of %d", row, v, max(strs, 0))
			}
		}
		return nil
	})
}

func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}
