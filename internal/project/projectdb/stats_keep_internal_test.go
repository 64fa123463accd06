package projectdb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDueBy reads the earliest due day as each database writes it.
func TestDueBy(t *testing.T) {
	on := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		earliest string
		due      bool
	}{
		{"", false},
		{"2026-12-09", false},
		{"2026-12-08", true},
		{"2026-12-07", true},
		{"2026-12-09 00:00:00+00:00", false},
		{"2026-12-08 00:00:00+00:00", true},
		{"garbled", true}, // computed again rather than trusted
	} {
		assert.Equal(t, c.due, dueBy(c.earliest, on), c.earliest)
	}
}
