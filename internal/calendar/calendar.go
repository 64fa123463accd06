// Package calendar is the county's calendar: days in Asia/Shanghai, kept as
// midnight UTC, which is how every date of the register is stored and
// compared.
package calendar

import (
	"errors"
	"time"
)

// shanghai is the county's time zone; a fixed offset so that no tz database
// is needed in a minimal container image.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Today is the calendar day of now in Asia/Shanghai, as midnight UTC.
func Today(now time.Time) time.Time {
	y, m, d := now.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrDateRange is a well-formed date outside the years the register keeps.
var ErrDateRange = errors.New("date out of range")

// ParseDate reads a calendar date YYYY-MM-DD, from year 1900 to 2999, as
// midnight UTC.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err == nil && (t.Year() < 1900 || t.Year() > 2999) {
		err = ErrDateRange
	}
	return t, err
}
