package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestFingerprint: an answer is remembered only when what it was computed
// from names every commit it counts, and any commit moves the fingerprint.
func TestFingerprint(t *testing.T) {
	day := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	k := Kept{Key: "key", Through: 10, Health: "rules", Frame: "plan"}
	p := Pending{Through: 10, Head: 10}
	base := fingerprint(day, k, p)
	assert.NotEmpty(t, base)
	sequenced := p
	sequenced.IDs, sequenced.Through, sequenced.Head = []string{"a"}, 12, 12
	assert.NotEmpty(t, fingerprint(day, k, sequenced), "sequenced events past the kept position are named by their positions")
	assert.NotEqual(t, base, fingerprint(day, k, sequenced))
	for name, c := range map[string]struct {
		k Kept
		p Pending
	}{
		"an event without a position": {k, Pending{IDs: []string{"a"}, Through: 10, Head: 10, Unsequenced: true}},
		"events past the limit":       {k, Pending{IDs: []string{"a"}, Through: 11, Head: 20, More: true}},
		"expired events":              {k, Pending{Through: 10, Head: 20, Gap: true}},
		"nothing kept":                {Kept{}, p},
		"health due":                  {Kept{Key: "key", Through: 10, Due: true}, p},
	} {
		assert.Empty(t, fingerprint(day, c.k, c.p), name)
	}
	for name, c := range map[string]struct {
		day time.Time
		k   Kept
		p   Pending
	}{
		"the next day":    {day.AddDate(0, 0, 1), k, p},
		"a new key":       {day, Kept{Key: "other", Through: 10, Health: "rules", Frame: "plan"}, p},
		"the keeper ran":  {day, Kept{Key: "key", Through: 12, Health: "rules", Frame: "plan"}, Pending{Through: 12, Head: 12}},
		"new health":      {day, Kept{Key: "key", Through: 10, Health: "other", Frame: "plan"}, p},
		"the plan issued": {day, Kept{Key: "key", Through: 10, Health: "rules", Frame: "other"}, p},
	} {
		assert.NotEqual(t, base, fingerprint(c.day, c.k, c.p), name)
	}
}
