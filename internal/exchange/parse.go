package exchange

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

var (
	yuanPattern   = regexp.MustCompile(`^-?\d+(\.0*)?$`)
	numberPattern = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	datePattern   = regexp.MustCompile(`^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)$`)
	serialPattern = regexp.MustCompile(`^\d{1,7}(\.0*)?$`)
)

// ungroup drops the thousands separators a spreadsheet may write.
func ungroup(s string) string { return strings.ReplaceAll(s, ",", "") }

// parseYuan reads a whole number of yuan; a fraction, an exponent (a
// spreadsheet's rounded display) or text is invalid_type.
func parseYuan(s string) (*int64, string, string) {
	if s == "" {
		return nil, "", ""
	}
	s = ungroup(s)
	if !yuanPattern.MatchString(s) {
		return nil, "invalid_type", "integer"
	}
	whole, _, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return nil, "out_of_range", "0.." + strconv.FormatInt(project.MaxYuan, 10)
	}
	return &n, "", ""
}

// parseWan reads 万元 as yuan; it must come to a whole number of yuan.
func parseWan(s string) (int64, string, string) {
	f, ok := parseNumber(s)
	if !ok {
		return 0, "invalid_type", "number"
	}
	y := f * yuanPerWan
	n := math.Round(y)
	if math.Abs(y-n) > 1e-6+math.Abs(y)*1e-12 {
		return 0, "invalid_type", "integer"
	}
	if n < 0 || n > float64(project.MaxYuan) {
		return 0, "out_of_range", "0.." + strconv.FormatInt(project.MaxYuan/yuanPerWan, 10)
	}
	return int64(n), "", ""
}

func parseNumber(s string) (float64, bool) {
	s = ungroup(s)
	if !numberPattern.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// excelEpoch is day 0 of spreadsheet date serial numbers from 1 March 1900
// on (the 1900 date system counts a 29 February 1900, serial 60, that never
// was).
var excelEpoch = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)

// parseDay reads a calendar day: YYYY-MM-DD (also with / or . and one-digit
// month and day, or YYYY年M月D日), or the serial number a spreadsheet stores
// for a date cell. Empty is nil.
// parseMonth reads a month YYYY-MM, or a day as its month; "" is none.
func parseMonth(s string) (*calendar.Month, bool) {
	if s == "" {
		return nil, true
	}
	if m, err := calendar.ParseMonth(s); err == nil {
		return &m, true
	}
	t, ok := parseDay(s)
	if !ok || t == nil || t.Year() < 2000 || t.Year() > 2999 {
		return nil, false
	}
	m := calendar.MonthOf(*t)
	return &m, true
}

func parseDay(s string) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	var t time.Time
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, d := m[2]+m[4], m[3]+m[5]
		mon, _ := strconv.Atoi(mo)
		dd, _ := strconv.Atoi(d)
		t = time.Date(y, time.Month(mon), dd, 0, 0, 0, 0, time.UTC)
		if t.Month() != time.Month(mon) || t.Day() != dd {
			return nil, false // 2021-02-30
		}
	} else if serialPattern.MatchString(s) {
		whole, _, _ := strings.Cut(s, ".")
		n, _ := strconv.Atoi(whole)
		switch {
		case n >= 61:
			t = excelEpoch.AddDate(0, 0, n)
		case n >= 1 && n < 60: // before the fictitious day
			t = excelEpoch.AddDate(0, 0, n+1)
		default:
			return nil, false
		}
	} else {
		return nil, false
	}
	if t.Year() < 1900 || t.Year() > 2999 {
		return nil, false
	}
	return &t, true
}
