package calendar

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseMonth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Month
		ok   bool
	}{
		{"2021-06", Month{2021, time.June}, true},
		{"2000-01", Month{2000, time.January}, true},
		{"1999-12", Month{}, false},
		{"2021-13", Month{}, false},
		{"2021-6", Month{}, false},
		{"2021-06-01", Month{}, false},
		{"", Month{}, false},
	} {
		got, err := ParseMonth(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

func TestMonthArithmetic(t *testing.T) {
	m := Month{2021, time.January}
	if got := m.AddMonths(-1); got != (Month{2020, time.December}) {
		t.Errorf("AddMonths(-1) = %v", got)
	}
	if got := m.AddMonths(13); got != (Month{2022, time.February}) {
		t.Errorf("AddMonths(13) = %v", got)
	}
	if !m.Before(Month{2021, time.February}) || m.Before(m) || (Month{2022, time.January}).Before(Month{2021, time.December}) {
		t.Error("Before")
	}
	if got := (Month{2024, time.February}).Last(); !got.Equal(day("2024-02-29")) {
		t.Errorf("Last = %v", got)
	}
	if MonthOf(day("2021-06-30")) != (Month{2021, time.June}) || !(Month{}).IsZero() || m.IsZero() {
		t.Error("MonthOf / IsZero")
	}
}

func TestPeriods(t *testing.T) {
	p := Periods{
		Due:      map[Month]time.Time{{2021, time.September}: day("2021-10-11")},
		Combined: map[int]bool{2021: true},
	}
	if got := p.DueOn(Month{2021, time.June}); !got.Equal(day("2021-07-05")) {
		t.Errorf("DueOn(June) = %v", got)
	}
	if got := p.DueOn(Month{2021, time.December}); !got.Equal(day("2022-01-05")) {
		t.Errorf("DueOn(December) = %v", got)
	}
	if got := p.DueOn(Month{2021, time.September}); !got.Equal(day("2021-10-11")) {
		t.Errorf("DueOn(September, moved) = %v", got)
	}
	if p.PeriodOf(Month{2021, time.January}) != (Month{2021, time.February}) || p.IsPeriod(Month{2021, time.January}) {
		t.Error("a combined January is reported in February")
	}
	if !p.IsPeriod(Month{2022, time.January}) {
		t.Error("January of a year not combined is a period")
	}
	for _, tc := range []struct {
		name         string
		year         int
		today, limit string
		want         string // "" when none counts
	}{
		{"on the due day the period does not count", 2021, "2021-07-05", "2021-07-05", "2021-05"},
		{"from the day after it does", 2021, "2021-07-06", "2021-07-06", "2021-06"},
		{"not after the month looked at", 2021, "2021-12-20", "2021-06-30", "2021-06"},
		{"a moved due date", 2021, "2021-10-08", "2021-10-08", "2021-08"},
		{"combined: January is no period", 2021, "2021-02-20", "2021-02-20", ""},
		{"combined: February counts from 6 March", 2021, "2021-03-06", "2021-03-06", "2021-02"},
		{"January of a year not combined", 2022, "2022-02-06", "2022-02-06", "2022-01"},
		{"nothing due early in the year", 2022, "2022-01-03", "2022-01-03", ""},
		{"a past year whose December is due", 2020, "2021-01-06", "2020-12-31", "2020-12"},
		{"a past year whose December is not due yet", 2020, "2021-01-05", "2020-12-31", "2020-11"},
	} {
		got, ok := p.Counted(tc.year, day(tc.today), MonthOf(day(tc.limit)))
		s := ""
		if ok {
			s = got.String()
		}
		if s != tc.want {
			t.Errorf("%s: Counted = %q, want %q", tc.name, s, tc.want)
		}
	}
}
