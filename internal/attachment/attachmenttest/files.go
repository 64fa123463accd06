// Package attachmenttest holds what the attachments' tests share: an
// in-memory Store and Blobs with the contract suites the SQL store passes,
// and files made in the test (a JPEG with EXIF, a PNG, a PDF, an
// executable), so that no fixture is downloaded.
package attachmenttest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
	"time"
)

// JPEG returns a small JPEG without EXIF, as a chat app sends a photo.
func JPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG returns a small PNG.
func PNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 16), B: 128, A: 255})
		}
	}
	return img
}

// PDF returns a minimal PDF document.
func PDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
}

// Executable returns the start of a Windows executable (an MZ header with
// its PE signature), which a renamed .jpg does not make a photo.
func Executable() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x84:], 0x14c)
	return b
}

// Sized returns n bytes of a PDF: its header, then filler.
func Sized(n int) []byte {
	b := bytes.Repeat([]byte{'x'}, n)
	copy(b, "%PDF-1.4\n")
	return b
}

// JPEGWithEXIF returns a JPEG whose EXIF (an APP1 segment written here,
// little-endian TIFF) gives DateTimeOriginal taken (as local time without
// an offset) and the GPS position lat, lon (north and east when positive).
func JPEGWithEXIF(t testing.TB, taken time.Time, lat, lon float64) []byte {
	t.Helper()
	return JPEGWithEXIFOffset(t, taken, "", lat, lon)
}

// JPEGWithEXIFOffset is JPEGWithEXIF whose Exif IFD also gives
// OffsetTimeOriginal (tag 0x9011, "+02:00") unless offset is empty.
func JPEGWithEXIFOffset(t testing.TB, taken time.Time, offset string, lat, lon float64) []byte {
	t.Helper()
	plain := JPEG(t)
	tiff := exifTIFF(taken, offset, lat, lon)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+6+len(tiff)))
	seg = append(append(seg, "Exif\x00\x00"...), tiff...)
	out := append([]byte{}, plain[:2]...) // SOI
	out = append(out, seg...)
	return append(out, plain[2:]...)
}

// exifTIFF lays out IFD0 (pointers to the Exif and GPS IFDs), the Exif IFD
// (DateTimeOriginal, and OffsetTimeOriginal when offset is given) and the
// GPS IFD (latitude and longitude with refs).
func exifTIFF(taken time.Time, offset string, lat, lon float64) []byte {
	const (
		ifd0   = 8
		exifAt = ifd0 + 2 + 2*12 + 4 // 38
	)
	tags := 1
	if offset != "" {
		tags = 2
	}
	dateAt := exifAt + 2 + tags*12 + 4
	offAt := dateAt + 20
	gpsAt := offAt
	if offset != "" {
		gpsAt += 8
	}
	latAt := gpsAt + 2 + 4*12 + 4
	lonAt := latAt + 24
	b := make([]byte, lonAt+24)
	le := binary.LittleEndian
	copy(b, "II")
	le.PutUint16(b[2:], 42)
	le.PutUint32(b[4:], ifd0)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		le.PutUint16(b[at:], tag)
		le.PutUint16(b[at+2:], typ)
		le.PutUint32(b[at+4:], count)
		le.PutUint32(b[at+8:], value)
	}
	le.PutUint16(b[ifd0:], 2)
	entry(ifd0+2, 0x8769, 4, 1, exifAt)
	entry(ifd0+14, 0x8825, 4, 1, uint32(gpsAt))
	le.PutUint16(b[exifAt:], uint16(tags))
	entry(exifAt+2, 0x9003, 2, 20, uint32(dateAt))
	copy(b[dateAt:], taken.Format("2006:01:02 15:04:05")+"\x00")
	if offset != "" {
		entry(exifAt+14, 0x9011, 2, 7, uint32(offAt))
		copy(b[offAt:], offset+"\x00")
	}
	latRef, lonRef := "N", "E"
	if lat < 0 {
		latRef, lat = "S", -lat
	}
	if lon < 0 {
		lonRef, lon = "W", -lon
	}
	le.PutUint16(b[gpsAt:], 4)
	entry(gpsAt+2, 0x0001, 2, 2, uint32(latRef[0]))
	entry(gpsAt+14, 0x0002, 5, 3, uint32(latAt))
	entry(gpsAt+26, 0x0003, 2, 2, uint32(lonRef[0]))
	entry(gpsAt+38, 0x0004, 5, 3, uint32(lonAt))
	degrees(b[latAt:], lat)
	degrees(b[lonAt:], lon)
	return b
}

// degrees writes v as three rationals: degrees, minutes, seconds (in
// thousandths).
func degrees(b []byte, v float64) {
	d := math.Floor(v)
	m := math.Floor((v - d) * 60)
	s := math.Round(((v-d)*60 - m) * 60 * 1000)
	for i, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(s), 1000}} {
		binary.LittleEndian.PutUint32(b[i*8:], r[0])
		binary.LittleEndian.PutUint32(b[i*8+4:], r[1])
	}
}

// HEIC returns the start of a HEIC photo (an ISO BMFF ftyp box of brand
// heic), as an iPhone writes it: kept as a file, not previewed.
func HEIC() []byte {
	b := []byte{0, 0, 0, 0x18}
	b = append(b, "ftypheic"...)
	b = append(b, 0, 0, 0, 0)
	b = append(b, "mif1heic"...)
	return append(b, make([]byte, 64)...)
}

// WebP returns the start of a WebP image (a RIFF container of type WEBP).
func WebP() []byte {
	b := []byte("RIFF\x24\x00\x00\x00WEBPVP8 ")
	return append(b, make([]byte, 32)...)
}
