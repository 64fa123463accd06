package idempotency

import "time"

// SetWait sets how long s's Claim waits for a twin, for tests.
func SetWait(s *Store, d time.Duration) { s.wait = d }
