package calendar_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
)

func TestToday(t *testing.T) {
	t.Parallel()
	newYork := time.FixedZone("America/New_York", -4*3600)
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"15:59:59 UTC is 23:59:59 in Shanghai: the same day",
			time.Date(2021, 6, 14, 15, 59, 59, 0, time.UTC), time.Date(2021, 6, 14, 0, 0, 0, 0, time.UTC)},
		{"the last nanosecond before 16:00 UTC is still the same day",
			time.Date(2021, 6, 14, 15, 59, 59, 999_999_999, time.UTC), time.Date(2021, 6, 14, 0, 0, 0, 0, time.UTC)},
		{"16:00 UTC is midnight in Shanghai: the next day",
			time.Date(2021, 6, 14, 16, 0, 0, 0, time.UTC), time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)},
		{"midnight UTC is 08:00 in Shanghai: that day",
			time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)},
		{"16:00 UTC on new year's eve is new year's day",
			time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"16:00 UTC on 28 February of a leap year is 29 February",
			time.Date(2024, 2, 28, 16, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"a time in another zone is read in Shanghai",
			time.Date(2021, 6, 14, 20, 0, 0, 0, newYork), time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)},
		{"midnight in Shanghai is that day",
			time.Date(2021, 6, 15, 0, 0, 0, 0, shanghai), time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)},
		{"23:59 in Shanghai is that day",
			time.Date(2021, 6, 15, 23, 59, 0, 0, shanghai), time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := calendar.Today(tt.now)
			assert.True(t, tt.want.Equal(got), "want %s, got %s", tt.want, got)
			assert.Equal(t, time.UTC, got.Location(), "a day is kept as midnight UTC")
			assert.Equal(t, tt.want, got)
		})
	}
}

// A reading of the clock, with its monotonic part, gives midnight UTC.
func TestTodayOfTheClock(t *testing.T) {
	t.Parallel()
	now := time.Now()
	got := calendar.Today(now)
	assert.Equal(t, time.UTC, got.Location())
	assert.Equal(t, got, got.Truncate(24*time.Hour), "midnight")
	assert.Equal(t, now.In(time.FixedZone("", 8*3600)).Format(time.DateOnly), got.Format(time.DateOnly))
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		s       string
		want    time.Time
		err     bool
		inRange bool // the error is of a well-formed date out of range
	}{
		{"the first day the register keeps", "1900-01-01", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), false, false},
		{"the last day the register keeps", "2999-12-31", time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC), false, false},
		{"an ordinary day", "2021-06-15", time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC), false, false},
		{"29 February of a leap year", "2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), false, false},
		{"the day before 1900 is out of range", "1899-12-31", time.Time{}, true, true},
		{"the year 3000 is out of range", "3000-01-01", time.Time{}, true, true},
		{"the year 0 is out of range", "0000-01-01", time.Time{}, true, true},
		{"30 February is refused", "2021-02-30", time.Time{}, true, false},
		{"29 February of a common year is refused", "2021-02-29", time.Time{}, true, false},
		{"month 13 is refused", "2021-13-01", time.Time{}, true, false},
		{"a month without its leading zero is refused", "2021-1-01", time.Time{}, true, false},
		{"a day without its leading zero is refused", "2021-01-1", time.Time{}, true, false},
		{"a two-digit year is refused", "21-01-01", time.Time{}, true, false},
		{"empty is refused", "", time.Time{}, true, false},
		{"slashes are refused", "2021/01/01", time.Time{}, true, false},
		{"a time after the date is refused", "2021-01-01T00:00:00Z", time.Time{}, true, false},
		{"a leading space is refused", " 2021-01-01", time.Time{}, true, false},
		{"a trailing space is refused", "2021-01-01 ", time.Time{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := calendar.ParseDate(tt.s)
			if !tt.err {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				assert.Equal(t, time.UTC, got.Location(), "midnight UTC")
				assert.Equal(t, tt.s, got.Format(time.DateOnly), "written back as read")
				return
			}
			require.Error(t, err)
			if tt.inRange {
				assert.ErrorIs(t, err, calendar.ErrDateRange)
			} else {
				assert.NotErrorIs(t, err, calendar.ErrDateRange, "a malformed date is not one out of range")
			}
		})
	}
}
