package config

import "time"

// Webhooks are the settings of webhook delivery (docs/operations.md,
// "Webhooks").
type Webhooks struct {
	// Enabled runs the fan-out and the senders in this process.
	Enabled bool // PIPELINE_WEBHOOKS
	// Timeout bounds one attempt: connecting, sending, the receiver's answer.
	Timeout time.Duration // PIPELINE_WEBHOOK_TIMEOUT
	// RetryBase is the ceiling of the first retry's wait; each failure
	// doubles it, up to RetryMax (full jitter below the ceiling).
	RetryBase time.Duration // PIPELINE_WEBHOOK_RETRY_BASE
	RetryMax  time.Duration // PIPELINE_WEBHOOK_RETRY_MAX
	// GiveUp is how long a delivery is retried before its subscription is
	// paused.
	GiveUp time.Duration // PIPELINE_WEBHOOK_GIVE_UP
	// SecretOverlap is how long a rotated secret keeps signing.
	SecretOverlap time.Duration // PIPELINE_WEBHOOK_SECRET_OVERLAP
	// AllowPrivate admits loopback, private, link-local and the like as
	// targets.
	AllowPrivate bool // PIPELINE_WEBHOOK_ALLOW_PRIVATE
	// Interval is how often the worker looks for new events and due
	// deliveries.
	Interval time.Duration // PIPELINE_WEBHOOK_INTERVAL
	// Senders is the most deliveries sent at the same time per process.
	Senders int // PIPELINE_WEBHOOK_SENDERS
	// LogRetention is how long a delivered delivery stays in the log.
	LogRetention time.Duration // PIPELINE_WEBHOOK_LOG_RETENTION
}

// webhooks reads the webhook settings.
func (l *loader) webhooks() Webhooks {
	return Webhooks{
		Enabled:       l.boolean("PIPELINE_WEBHOOKS", true),
		Timeout:       l.duration("PIPELINE_WEBHOOK_TIMEOUT", 10*time.Second),
		RetryBase:     l.duration("PIPELINE_WEBHOOK_RETRY_BASE", 10*time.Second),
		RetryMax:      l.duration("PIPELINE_WEBHOOK_RETRY_MAX", time.Hour),
		GiveUp:        l.duration("PIPELINE_WEBHOOK_GIVE_UP", 24*time.Hour),
		SecretOverlap: l.duration("PIPELINE_WEBHOOK_SECRET_OVERLAP", 24*time.Hour),
		AllowPrivate:  l.boolean("PIPELINE_WEBHOOK_ALLOW_PRIVATE", false),
		Interval:      l.duration("PIPELINE_WEBHOOK_INTERVAL", 500*time.Millisecond),
		Senders:       int(l.int64("PIPELINE_WEBHOOK_SENDERS", 8)),
		LogRetention:  l.duration("PIPELINE_WEBHOOK_LOG_RETENTION", 30*24*time.Hour),
	}
}

// checkWebhooks checks the webhook settings.
func (l *loader) checkWebhooks(w Webhooks) {
	for name, v := range map[string]time.Duration{
		"PIPELINE_WEBHOOK_TIMEOUT": w.Timeout, "PIPELINE_WEBHOOK_RETRY_BASE": w.RetryBase,
		"PIPELINE_WEBHOOK_GIVE_UP": w.GiveUp, "PIPELINE_WEBHOOK_INTERVAL": w.Interval,
		"PIPELINE_WEBHOOK_LOG_RETENTION": w.LogRetention,
	} {
		if v <= 0 {
			l.fail(name, "must be positive")
		}
	}
	if w.Timeout > 5*time.Minute {
		l.fail("PIPELINE_WEBHOOK_TIMEOUT", "must be at most 5m")
	}
	if w.RetryMax < w.RetryBase {
		l.fail("PIPELINE_WEBHOOK_RETRY_MAX", "must be at least PIPELINE_WEBHOOK_RETRY_BASE")
	}
	if w.SecretOverlap < 0 || w.SecretOverlap > 30*24*time.Hour {
		l.fail("PIPELINE_WEBHOOK_SECRET_OVERLAP", "must be between 0 and 720h")
	}
	if w.Senders < 1 || w.Senders > 100 {
		l.fail("PIPELINE_WEBHOOK_SENDERS", "must be between 1 and 100")
	}
}
