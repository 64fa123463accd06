package calendar

import (
	"fmt"
	"time"
)

// Month is a calendar month: the unit of the monthly dispatch (月度调度)
// and of the investment reported in it.
type Month struct {
	Year  int
	Month time.Month
}

// ErrMonth is text that is not a month YYYY-MM from 2000-01 to 2999-12.
var ErrMonth = fmt.Errorf("not a month YYYY-MM")

// ParseMonth reads YYYY-MM, from 2000-01 to 2999-12.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 || t.Year() < 2000 || t.Year() > 2999 {
		return Month{}, ErrMonth
	}
	return Month{Year: t.Year(), Month: t.Month()}, nil
}

// MonthOf is the month of day d.
func MonthOf(d time.Time) Month { return Month{Year: d.Year(), Month: d.Month()} }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// IsZero reports whether m is the zero Month, no month at all.
func (m Month) IsZero() bool { return m == Month{} }

// Before reports whether m is an earlier month than o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || m.Year == o.Year && m.Month < o.Month
}

// AddMonths is the month n months after m (before it when n < 0).
func (m Month) AddMonths(n int) Month { return MonthOf(m.First().AddDate(0, n, 0)) }

// First is m's first day, midnight UTC.
func (m Month) First() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// Last is m's last day, midnight UTC.
func (m Month) Last() time.Time { return m.First().AddDate(0, 1, -1) }

// DefaultDueDay is the day of the following month by which a month's
// reports are due, unless the bureau sets another date for that period.
const DefaultDueDay = 5

// Periods is the calendar of the monthly dispatch (docs/dispatch.md): each
// month is a period whose reports are due on the 5th of the next month,
// unless the bureau moved that period's due date (a holiday); a year may
// report January together with February, in one period named February.
type Periods struct {
	// Due holds the due dates the bureau set, by period.
	Due map[Month]time.Time
	// Combined holds the years whose January is reported with February.
	Combined map[int]bool
}

// PeriodOf is the period in which month m is reported: m itself, or
// February for the January of a combined year.
func (p Periods) PeriodOf(m Month) Month {
	if m.Month == time.January && p.Combined[m.Year] {
		return Month{Year: m.Year, Month: time.February}
	}
	return m
}

// IsPeriod reports whether m is a period of its own (not a January
// reported with February).
func (p Periods) IsPeriod(m Month) bool { return p.PeriodOf(m) == m }

// DueOn is the day by which period m's reports are due.
func (p Periods) DueOn(m Month) time.Time {
	if d, ok := p.Due[m]; ok {
		return d
	}
	return m.AddMonths(1).First().AddDate(0, 0, DefaultDueDay-1)
}

// Closed reports whether period m counts on day on: from the day after its
// due date.
func (p Periods) Closed(m Month, on time.Time) bool { return on.After(p.DueOn(m)) }

// Counted is the latest period of year whose reports count on day today
// (the day after its due date has come) and that is not after month
// limit, the month of the day the numbers look at; ok is false when no
// period of the year counts yet. Its month bounds the investment read
// (January to it) and sets 序时进度 (its month ÷ 12).
func (p Periods) Counted(year int, today time.Time, limit Month) (Month, bool) {
	last := Month{Year: year, Month: time.December}
	if limit.Before(last) {
		last = limit
	}
	for m := last; m.Year == year; m = m.AddMonths(-1) {
		if p.IsPeriod(m) && p.Closed(m, today) {
			return m, true
		}
	}
	return Month{}, false
}
