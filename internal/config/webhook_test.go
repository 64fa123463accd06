package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, Webhooks{Enabled: true, Timeout: 10 * time.Second, RetryBase: 10 * time.Second, RetryMax: time.Hour,
		GiveUp: 24 * time.Hour, SecretOverlap: 24 * time.Hour, Interval: 500 * time.Millisecond, Senders: 8,
		LogRetention: 30 * 24 * time.Hour}, c.Webhooks)
	c, err = Load(env(map[string]string{"PIPELINE_WEBHOOK_ALLOW_PRIVATE": "true", "PIPELINE_WEBHOOK_RETRY_BASE": "5ms",
		"PIPELINE_WEBHOOK_GIVE_UP": "1s", "PIPELINE_WEBHOOKS": "false"}))
	require.NoError(t, err)
	assert.True(t, c.Webhooks.AllowPrivate)
	assert.False(t, c.Webhooks.Enabled)
	assert.Equal(t, 5*time.Millisecond, c.Webhooks.RetryBase)

	for name, value := range map[string]string{
		"PIPELINE_WEBHOOK_TIMEOUT":        "0s",
		"PIPELINE_WEBHOOK_RETRY_BASE":     "-1s",
		"PIPELINE_WEBHOOK_RETRY_MAX":      "1ms",
		"PIPELINE_WEBHOOK_GIVE_UP":        "0s",
		"PIPELINE_WEBHOOK_SECRET_OVERLAP": "800h",
		"PIPELINE_WEBHOOK_SENDERS":        "0",
		"PIPELINE_WEBHOOK_ALLOW_PRIVATE":  "perhaps",
		"PIPELINE_WEBHOOK_INTERVAL":       "never",
		"PIPELINE_WEBHOOK_LOG_RETENTION":  "0s",
	} {
		_, err := Load(env(map[string]string{name: value}))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}
