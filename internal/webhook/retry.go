package webhook

import (
	"math/rand/v2"
	"time"
)

// Schedule is the retry schedule of a failed delivery (docs/integration.md,
// "Retries"): exponential backoff with full jitter, capped, for up to GiveUp
// after the first failure, after which the subscription is paused.
type Schedule struct {
	// Base is the ceiling of the wait after the first failure; each
	// further failure doubles it, up to Cap.
	Base time.Duration
	Cap  time.Duration
	// GiveUp is how long a delivery is retried after its first failure.
	GiveUp time.Duration
	// Jitter returns a random duration in [0, d]; nil uses math/rand.
	Jitter func(d time.Duration) time.Duration
}

// Ceiling is the longest wait after the failed attempt number attempt (1 for
// the first): Base·2^(attempt-1), at most Cap.
func (s Schedule) Ceiling(attempt int) time.Duration {
	d := s.Base
	for i := 1; i < attempt && d < s.Cap; i++ {
		d *= 2
	}
	return min(d, s.Cap)
}

// Wait is the wait after the failed attempt number attempt: a random
// duration up to its Ceiling (full jitter), so that receivers coming back
// after an outage are not met by every sender at once.
func (s Schedule) Wait(attempt int) time.Duration {
	c := s.Ceiling(attempt)
	if s.Jitter != nil {
		return s.Jitter(c)
	}
	if c <= 0 {
		return 0
	}
	return rand.N(c + 1)
}

// Exhausted reports whether a delivery whose first failure was at first has
// been retried for the whole window at now.
func (s Schedule) Exhausted(first, now time.Time) bool {
	return !first.IsZero() && now.Sub(first) >= s.GiveUp
}
