package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.Addr)
	assert.True(t, c.Embedded())
	assert.True(t, c.Demo, "the zero-setup run shows the demo data")
	assert.True(t, c.MigrateOnStart)
	assert.Equal(t, "data/pipeline.db", c.SQLitePath())
	assert.Equal(t, "data/keys", c.KeyDir)
	assert.Equal(t, int64(1<<20), c.BodyLimit)
	assert.Equal(t, int64(20<<20), c.ImportBodyLimit)
	assert.Equal(t, 15*time.Minute, c.AccessTokenTTL)
	assert.Equal(t, 10, c.PasswordCost, "bcrypt's own default")
	assert.Empty(t, c.TrustedProxies)
	assert.Equal(t, "广灵县", c.County, "the county the service is set up for")
	assert.Equal(t, 30*24*time.Hour, c.EventRetention)
	assert.Equal(t, 1000.0, c.EnergyReviewTCE, "吨标准煤 a year")
}

func TestLoadPostgres(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{
		"PIPELINE_DATABASE_URL":    "postgres://app:s3cret@db:5432/pipeline?sslmode=disable",
		"PIPELINE_ADMIN_PASSWORD":  "a-long-enough-password",
		"PIPELINE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
		"PIPELINE_DATA_DIR":        "/var/lib/pipeline",
	}))
	require.NoError(t, err)
	assert.False(t, c.Embedded())
	assert.False(t, c.Demo, "demo data on PostgreSQL only when asked")
	assert.Equal(t, []string{"10.0.0.0/8", "192.168.1.1"}, c.TrustedProxies)
	assert.Equal(t, "/var/lib/pipeline/keys", c.KeyDir)

	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("cfg", slog.Any("config", c))
	assert.NotContains(t, b.String(), "s3cret")
	assert.NotContains(t, b.String(), "a-long-enough-password")
	assert.Contains(t, b.String(), "xxxxx")
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"PIPELINE_DATABASE_URL":          {"PIPELINE_DATABASE_URL": "mysql://x"},
		"PIPELINE_ACCESS_TOKEN_TTL":      {"PIPELINE_ACCESS_TOKEN_TTL": "1h"},
		"PIPELINE_ADMIN_PASSWORD":        {"PIPELINE_ADMIN_PASSWORD": "short"},
		"PIPELINE_BODY_LIMIT":            {"PIPELINE_BODY_LIMIT": "-1"},
		"PIPELINE_READ_TIMEOUT":          {"PIPELINE_READ_TIMEOUT": "soon"},
		"PIPELINE_DEMO":                  {"PIPELINE_DEMO": "maybe"},
		"PIPELINE_LOG_LEVEL":             {"PIPELINE_LOG_LEVEL": "loud"},
		"PIPELINE_DB_MAX_IDLE_CONNS":     {"PIPELINE_DB_MAX_IDLE_CONNS": "50"},
		"PIPELINE_PPROF_ADDR":            {"PIPELINE_PPROF_ADDR": "0.0.0.0:6060"},
		"PIPELINE_PASSWORD_COST":         {"PIPELINE_PASSWORD_COST": "3"},
		"PIPELINE_PASSWORD_COST high":    {"PIPELINE_PASSWORD_COST": "15"},
		"PIPELINE_PPROF_ADDR by name":    {"PIPELINE_PPROF_ADDR": "localhost:6060"},
		"PIPELINE_COUNTY":                {"PIPELINE_COUNTY": strings.Repeat("县", 21)},
		"PIPELINE_CORS_ORIGINS path":     {"PIPELINE_CORS_ORIGINS": "https://app.example.org/"},
		"PIPELINE_CORS_ORIGINS star":     {"PIPELINE_CORS_ORIGINS": "*"},
		"PIPELINE_CORS_ORIGINS ftp":      {"PIPELINE_CORS_ORIGINS": "ftp://files.example.org"},
		"PIPELINE_CORS_ORIGINS host":     {"PIPELINE_CORS_ORIGINS": "app.example.org"},
		"PIPELINE_CORS_ORIGINS user":     {"PIPELINE_CORS_ORIGINS": "https://a@app.example.org"},
		"PIPELINE_EVENT_RETENTION":       {"PIPELINE_EVENT_RETENTION": "10m"},
		"PIPELINE_ENERGY_REVIEW_TCE":     {"PIPELINE_ENERGY_REVIEW_TCE": "0"},
		"PIPELINE_ENERGY_REVIEW_TCE nan": {"PIPELINE_ENERGY_REVIEW_TCE": "NaN"},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(e))
			require.Error(t, err)
			assert.Contains(t, err.Error(), strings.Fields(name)[0])
		})
	}
	cors, err := Load(env(map[string]string{"PIPELINE_CORS_ORIGINS": "https://app.example.org, http://localhost:5173"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"https://app.example.org", "http://localhost:5173"}, cors.CORSOrigins)
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060"} {
		c, err := Load(env(map[string]string{"PIPELINE_PPROF_ADDR": addr}))
		require.NoError(t, err, addr)
		assert.Equal(t, addr, c.PprofAddr)
	}
	c, err := Load(env(map[string]string{"PIPELINE_COUNTY": " 灵丘县 "}))
	require.NoError(t, err)
	assert.Equal(t, "灵丘县", c.County, "another county, its name trimmed")
	_, err = Load(env(map[string]string{"PIPELINE_BODY_LIMIT": "x", "PIPELINE_LOG_LEVEL": "loud"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PIPELINE_BODY_LIMIT")
	assert.Contains(t, err.Error(), "PIPELINE_LOG_LEVEL", "every problem is reported at once")
}
