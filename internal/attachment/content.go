package attachment

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"

	"github.com/guangling/pipeline/internal/apperr"
)

// limited reads r until more than left bytes come, and then fails with
// TooLarge: the limit of a file of its own, before anything of an
// oversized file is kept.
type limited struct {
	r    interface{ Read([]byte) (int, error) }
	max  int64
	left int64
}

func newLimited(r interface{ Read([]byte) (int, error) }, max int64) *limited {
	return &limited{r: r, max: max, left: max}
}

func (l *limited) tooLarge() error {
	return apperr.Coded(apperr.TooLarge, "attachment.too_large", strconv.FormatInt(l.max, 10))
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.tooLarge()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, l.tooLarge()
	}
	return n, err
}

// detect decides the media type of content from its first bytes
// (mimetype), never from a name or what the client said, and refuses a type
// not among allowed.
func detect(head []byte, allowed []string) (string, error) {
	m := mimetype.Detect(head)
	for _, t := range allowed {
		if m.Is(t) {
			return t, nil
		}
	}
	mt, _, _ := strings.Cut(m.String(), ";")
	return "", &apperr.Error{Kind: apperr.UnsupportedMediaType, Message: "attachment.type_not_allowed",
		Params: []string{mt, strings.Join(allowed, ", ")}}
}

// shanghai is the county's zone, in which an EXIF time without an offset is
// read.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// readEXIF reads a photo's time and place from its EXIF, found in the
// first bytes of a JPEG; an image without (chat apps strip it), or one
// whose EXIF does not read, says nothing.
func readEXIF(head []byte) EXIF {
	x, err := exif.Decode(bytes.NewReader(head))
	if err != nil || x == nil {
		return EXIF{}
	}
	var out EXIF
	if t, ok := exifTime(x); ok {
		out.TakenAt = &t
	}
	if lat, lon, err := x.LatLong(); err == nil && validPlace(lat, lon) {
		// Degrees, minutes and seconds as rationals come out as binary
		// fractions (39.769999999999996): seven places are a centimetre.
		lat, lon = math.Round(lat*1e7)/1e7, math.Round(lon*1e7)/1e7
		out.Latitude, out.Longitude = &lat, &lon
	}
	return out
}

// exifTime is DateTimeOriginal in Asia/Shanghai, or with the offset the
// image gives (OffsetTimeOriginal).
func exifTime(x *exif.Exif) (time.Time, bool) {
	tag, err := x.Get(exif.DateTimeOriginal)
	if err != nil {
		return time.Time{}, false
	}
	s, err := tag.StringVal()
	if err != nil {
		return time.Time{}, false
	}
	zone := shanghai
	if z, ok := offsetZone(offsetTimeOriginal(x)); ok {
		zone = z
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", strings.TrimRight(strings.TrimSpace(s), "\x00"), zone)
	if err != nil || t.Year() < 1900 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// offsetTimeOriginal is the Exif IFD's OffsetTimeOriginal (tag 0x9011,
// EXIF 2.31), which the EXIF reader does not load of itself: the Exif IFD is
// read again from the raw EXIF, keeping only that tag; "" when absent.
func offsetTimeOriginal(x *exif.Exif) string {
	const name exif.FieldName = "OffsetTimeOriginal"
	ptr, err := x.Get(exif.ExifIFDPointer)
	if err != nil || x.Tiff == nil {
		return ""
	}
	at, err := ptr.Int64(0)
	if err != nil {
		return ""
	}
	r := bytes.NewReader(x.Raw)
	if _, err := r.Seek(at, io.SeekStart); err != nil {
		return ""
	}
	dir, _, err := tiff.DecodeDir(r, x.Tiff.Order)
	if err != nil {
		return ""
	}
	x.LoadTags(dir, map[uint16]exif.FieldName{0x9011: name}, false)
	tag, err := x.Get(name)
	if err != nil {
		return ""
	}
	s, err := tag.StringVal()
	if err != nil {
		return ""
	}
	return s
}

// offsetZone reads an EXIF offset "+08:00".
func offsetZone(s string) (*time.Location, bool) {
	s = strings.Trim(s, "\" \x00")
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return nil, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[4:6])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return nil, false
	}
	secs := h*3600 + m*60
	if s[0] == '-' {
		secs = -secs
	}
	return time.FixedZone(s, secs), true
}

func validPlace(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && math.Abs(lat) <= 90 && math.Abs(lon) <= 180 && (lat != 0 || lon != 0)
}
