package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/webhook"
)

func TestScheduleCeiling(t *testing.T) {
	t.Parallel()
	s := webhook.Schedule{Base: 10 * time.Second, Cap: time.Hour, GiveUp: 24 * time.Hour}
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {4, 80 * time.Second},
		{9, 2560 * time.Second}, {10, time.Hour}, {11, time.Hour}, {1000, time.Hour},
	} {
		assert.Equal(t, tt.want, s.Ceiling(tt.attempt), "attempt %d", tt.attempt)
	}
}

func TestScheduleWaitIsFullJitter(t *testing.T) {
	t.Parallel()
	s := webhook.Schedule{Base: time.Millisecond, Cap: 64 * time.Millisecond}
	for attempt := 1; attempt <= 10; attempt++ {
		for range 50 {
			w := s.Wait(attempt)
			assert.GreaterOrEqual(t, w, time.Duration(0))
			assert.LessOrEqual(t, w, s.Ceiling(attempt))
		}
	}
	var asked []time.Duration
	s.Jitter = func(d time.Duration) time.Duration { asked = append(asked, d); return d / 2 }
	assert.Equal(t, 2*time.Millisecond, s.Wait(3))
	assert.Equal(t, []time.Duration{4 * time.Millisecond}, asked, "the jitter is drawn up to the ceiling")
}

func TestScheduleExhausted(t *testing.T) {
	t.Parallel()
	s := webhook.Schedule{GiveUp: 24 * time.Hour}
	first := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	assert.False(t, s.Exhausted(time.Time{}, first), "never failed")
	assert.False(t, s.Exhausted(first, first.Add(24*time.Hour-time.Second)))
	assert.True(t, s.Exhausted(first, first.Add(24*time.Hour)))
}
