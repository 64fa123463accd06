// Package config loads the service's settings from PIPELINE_* environment
// variables once at start, validates them and documents their defaults.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/health"
)

// Config holds every setting of the service. The zero value is not usable:
// build it with Load.
type Config struct {
	Addr           string        // PIPELINE_ADDR, listen address
	DatabaseURL    string        // PIPELINE_DATABASE_URL, postgres://…; empty means embedded SQLite
	DataDir        string        // PIPELINE_DATA_DIR, folder of the embedded database and keys
	MigrateOnStart bool          // PIPELINE_MIGRATE_ON_START, apply migrations when serving
	Demo           bool          // PIPELINE_DEMO, load the demo data set into an empty database
	AdminPassword  string        // PIPELINE_ADMIN_PASSWORD, password of the bootstrap admin
	JWTIssuer      string        // PIPELINE_JWT_ISSUER
	JWTAudience    string        // PIPELINE_JWT_AUDIENCE
	KeyDir         string        // PIPELINE_KEY_DIR, folder of the token signing keys
	AccessTokenTTL time.Duration // PIPELINE_ACCESS_TOKEN_TTL, at most 15m
	PasswordCost   int           // PIPELINE_PASSWORD_COST, bcrypt cost of new password hashes

	BodyLimit       int64 // PIPELINE_BODY_LIMIT, bytes of a JSON request body
	ImportBodyLimit int64 // PIPELINE_IMPORT_BODY_LIMIT, bytes of an import upload

	ReadHeaderTimeout time.Duration // PIPELINE_READ_HEADER_TIMEOUT
	ReadTimeout       time.Duration // PIPELINE_READ_TIMEOUT
	WriteTimeout      time.Duration // PIPELINE_WRITE_TIMEOUT
	IdleTimeout       time.Duration // PIPELINE_IDLE_TIMEOUT
	ShutdownTimeout   time.Duration // PIPELINE_SHUTDOWN_TIMEOUT
	MaxHeaderBytes    int           // PIPELINE_MAX_HEADER_BYTES
	TrustedProxies    []string      // PIPELINE_TRUSTED_PROXIES, comma-separated CIDRs; empty trusts none
	CORSOrigins       []string      // PIPELINE_CORS_ORIGINS, comma-separated origins (scheme://host[:port]); empty: no CORS

	QueryTimeout   time.Duration // PIPELINE_QUERY_TIMEOUT, deadline of each database call
	DBMaxOpenConns int           // PIPELINE_DB_MAX_OPEN_CONNS (PostgreSQL; SQLite always uses one)
	DBMaxIdleConns int           // PIPELINE_DB_MAX_IDLE_CONNS
	DBConnLifetime time.Duration // PIPELINE_DB_CONN_MAX_LIFETIME
	LogLevel       slog.Level    // PIPELINE_LOG_LEVEL: debug, info, warn, error

	// Health rules (docs/stages.md, "Health").
	HealthDateRedDays     int           // PIPELINE_HEALTH_DATE_RED_DAYS, days a missed planned date stays yellow
	HealthInvestYellowPts float64       // PIPELINE_HEALTH_INVEST_YELLOW_POINTS, points behind 序时进度 that turn yellow
	HealthInvestRedPts    float64       // PIPELINE_HEALTH_INVEST_RED_POINTS, points behind beyond which it is red
	HealthBlockerRedDays  int           // PIPELINE_HEALTH_BLOCKER_RED_DAYS, days an overdue blocker stays yellow
	HealthRefreshInterval time.Duration // PIPELINE_HEALTH_REFRESH_INTERVAL, how often stored health is brought up to date

	StatsCacheTTL time.Duration // PIPELINE_STATS_CACHE_TTL, how long statistics are remembered (0: not at all)

	// EnergyReviewTCE is the energy use, in 吨标准煤 a year, from which a
	// project's approvals list the energy conservation review (节能审查,
	// docs/approvals.md).
	EnergyReviewTCE float64 // PIPELINE_ENERGY_REVIEW_TCE

	// EventRetention is how long the change feed keeps events
	// (docs/integration.md, "Events").
	EventRetention time.Duration // PIPELINE_EVENT_RETENTION

	// County is the county's name, which titles the 调度表 (docs/dispatch.md).
	County string // PIPELINE_COUNTY

	// PprofAddr is a loopback address on which the Go runtime profiler
	// (net/http/pprof) is served, for the operator; empty: not at all.
	PprofAddr string // PIPELINE_PPROF_ADDR

	Webhooks Webhooks // PIPELINE_WEBHOOK_*

	Uploads Uploads // PIPELINE_UPLOAD_*, PIPELINE_BLOB_URL
}

// HealthRules are the configured thresholds of the health rules.
func (c Config) HealthRules() health.Rules {
	return health.Rules{
		DateRedDays: c.HealthDateRedDays, InvestYellowPoints: c.HealthInvestYellowPts,
		InvestRedPoints: c.HealthInvestRedPts, BlockerRedDays: c.HealthBlockerRedDays,
	}
}

// DefaultCounty is the county the service is set up for unless
// PIPELINE_COUNTY names another.
const DefaultCounty = "广灵县"

// MaxCountyLength is the most characters a county's name may have.
const MaxCountyLength = 20

// MaxAccessTokenTTL is the longest lifetime an access token may have.
const MaxAccessTokenTTL = 15 * time.Minute

// Embedded reports whether the service runs on the embedded SQLite database.
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// SQLitePath is the file of the embedded database.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "pipeline.db") }

// Load reads the configuration through getenv, applies defaults and validates
// every value. It reports all problems at once.
func Load(getenv func(string) string) (Config, error) {
	l := loader{getenv: getenv}
	c := l.settings()
	c.KeyDir = l.str("PIPELINE_KEY_DIR", filepath.Join(c.DataDir, "keys"))
	// The demo data is for the zero-setup run; on PostgreSQL it is asked for.
	c.Demo = l.boolean("PIPELINE_DEMO", c.Embedded())
	c.LogLevel = l.logLevel("PIPELINE_LOG_LEVEL", "info")
	c.Webhooks = l.webhooks()
	c.Uploads = l.uploads()
	l.validate(c)
	return c, errors.Join(l.errs...)
}

// settings is the table of the settings that stand on their own: each with
// its variable, its parser and its default.
func (l *loader) settings() Config {
	return Config{
		Addr:           l.str("PIPELINE_ADDR", ":8080"),
		DatabaseURL:    l.str("PIPELINE_DATABASE_URL", ""),
		DataDir:        l.str("PIPELINE_DATA_DIR", "data"),
		MigrateOnStart: l.boolean("PIPELINE_MIGRATE_ON_START", true),
		AdminPassword:  l.str("PIPELINE_ADMIN_PASSWORD", ""),
		JWTIssuer:      l.str("PIPELINE_JWT_ISSUER", "urn:guangling:pipeline"),
		JWTAudience:    l.str("PIPELINE_JWT_AUDIENCE", "urn:guangling:pipeline:api"),
		AccessTokenTTL: l.duration("PIPELINE_ACCESS_TOKEN_TTL", 15*time.Minute),
		PasswordCost:   int(l.int64("PIPELINE_PASSWORD_COST", int64(auth.DefaultPasswordCost))),

		BodyLimit:       l.int64("PIPELINE_BODY_LIMIT", 1<<20),
		ImportBodyLimit: l.int64("PIPELINE_IMPORT_BODY_LIMIT", 20<<20),

		ReadHeaderTimeout: l.duration("PIPELINE_READ_HEADER_TIMEOUT", 5*time.Second),
		ReadTimeout:       l.duration("PIPELINE_READ_TIMEOUT", 30*time.Second),
		WriteTimeout:      l.duration("PIPELINE_WRITE_TIMEOUT", 60*time.Second),
		IdleTimeout:       l.duration("PIPELINE_IDLE_TIMEOUT", 120*time.Second),
		ShutdownTimeout:   l.duration("PIPELINE_SHUTDOWN_TIMEOUT", 20*time.Second),
		MaxHeaderBytes:    int(l.int64("PIPELINE_MAX_HEADER_BYTES", 64<<10)),
		TrustedProxies:    l.list("PIPELINE_TRUSTED_PROXIES"),
		CORSOrigins:       l.list("PIPELINE_CORS_ORIGINS"),

		QueryTimeout:   l.duration("PIPELINE_QUERY_TIMEOUT", 10*time.Second),
		DBMaxOpenConns: int(l.int64("PIPELINE_DB_MAX_OPEN_CONNS", 20)),
		DBMaxIdleConns: int(l.int64("PIPELINE_DB_MAX_IDLE_CONNS", 10)),
		DBConnLifetime: l.duration("PIPELINE_DB_CONN_MAX_LIFETIME", 30*time.Minute),

		HealthDateRedDays:     int(l.int64("PIPELINE_HEALTH_DATE_RED_DAYS", 90)),
		HealthInvestYellowPts: l.float("PIPELINE_HEALTH_INVEST_YELLOW_POINTS", 10),
		HealthInvestRedPts:    l.float("PIPELINE_HEALTH_INVEST_RED_POINTS", 30),
		HealthBlockerRedDays:  int(l.int64("PIPELINE_HEALTH_BLOCKER_RED_DAYS", 30)),
		HealthRefreshInterval: l.duration("PIPELINE_HEALTH_REFRESH_INTERVAL", 5*time.Minute),
		StatsCacheTTL:         l.duration("PIPELINE_STATS_CACHE_TTL", 30*time.Second),
		EventRetention:        l.duration("PIPELINE_EVENT_RETENTION", 30*24*time.Hour),
		EnergyReviewTCE:       l.float("PIPELINE_ENERGY_REVIEW_TCE", 1000),

		PprofAddr: l.str("PIPELINE_PPROF_ADDR", ""),
		County:    l.str("PIPELINE_COUNTY", DefaultCounty),
	}
}

// validate notes every value of c that is out of its range or does not fit
// with another.
func (l *loader) validate(c Config) {
	l.checkAccess(c)
	l.checkLimits(c)
	l.checkHealth(c)
	l.checkOperator(c)
	l.checkWebhooks(c.Webhooks)
	l.checkUploads(c.Uploads)
}

// checkAccess checks the database and what signing in takes.
func (l *loader) checkAccess(c Config) {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			l.fail("PIPELINE_DATABASE_URL", "must be a postgres:// URL")
		}
	}
	if c.AccessTokenTTL <= 0 || c.AccessTokenTTL > MaxAccessTokenTTL {
		l.fail("PIPELINE_ACCESS_TOKEN_TTL", "must be between 1s and 15m")
	}
	// Each step doubles the time of a sign-in: 14 is about a second.
	if c.PasswordCost < 4 || c.PasswordCost > 14 {
		l.fail("PIPELINE_PASSWORD_COST", "must be between 4 and 14")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 12 {
		l.fail("PIPELINE_ADMIN_PASSWORD", "must have at least 12 characters")
	}
}

// checkLimits checks the sizes, timeouts and connection counts.
func (l *loader) checkLimits(c Config) {
	for name, v := range map[string]int64{
		"PIPELINE_BODY_LIMIT":          c.BodyLimit,
		"PIPELINE_IMPORT_BODY_LIMIT":   c.ImportBodyLimit,
		"PIPELINE_MAX_HEADER_BYTES":    int64(c.MaxHeaderBytes),
		"PIPELINE_DB_MAX_OPEN_CONNS":   int64(c.DBMaxOpenConns),
		"PIPELINE_QUERY_TIMEOUT":       int64(c.QueryTimeout),
		"PIPELINE_READ_HEADER_TIMEOUT": int64(c.ReadHeaderTimeout),
		"PIPELINE_SHUTDOWN_TIMEOUT":    int64(c.ShutdownTimeout),
	} {
		if v <= 0 {
			l.fail(name, "must be positive")
		}
	}
	if c.DBMaxIdleConns < 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		l.fail("PIPELINE_DB_MAX_IDLE_CONNS", "must be between 0 and PIPELINE_DB_MAX_OPEN_CONNS")
	}
}

// checkHealth checks the thresholds of the health rules and how often
// health and statistics are brought up to date.
func (l *loader) checkHealth(c Config) {
	if c.HealthDateRedDays < 0 || c.HealthDateRedDays > 3650 {
		l.fail("PIPELINE_HEALTH_DATE_RED_DAYS", "must be between 0 and 3650")
	}
	if c.HealthBlockerRedDays < 0 || c.HealthBlockerRedDays > 3650 {
		l.fail("PIPELINE_HEALTH_BLOCKER_RED_DAYS", "must be between 0 and 3650")
	}
	if !(c.HealthInvestYellowPts > 0 && c.HealthInvestYellowPts <= c.HealthInvestRedPts && c.HealthInvestRedPts <= 100) {
		l.fail("PIPELINE_HEALTH_INVEST_YELLOW_POINTS", "and PIPELINE_HEALTH_INVEST_RED_POINTS must satisfy 0 < yellow ≤ red ≤ 100")
	}
	if c.StatsCacheTTL < 0 || c.StatsCacheTTL > time.Hour {
		l.fail("PIPELINE_STATS_CACHE_TTL", "must be between 0 and 1h")
	}
	if c.EventRetention < time.Hour {
		l.fail("PIPELINE_EVENT_RETENTION", "must be at least 1h")
	}
	if c.HealthRefreshInterval < time.Second {
		l.fail("PIPELINE_HEALTH_REFRESH_INTERVAL", "must be at least 1s")
	}
	if !(c.EnergyReviewTCE > 0 && c.EnergyReviewTCE <= 1e7) {
		l.fail("PIPELINE_ENERGY_REVIEW_TCE", "must be above 0 and at most 10000000")
	}
}

// checkOperator checks the profiler's address, the tokens' issuer and
// audience, and the county's name.
func (l *loader) checkOperator(c Config) {
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			l.fail("PIPELINE_PPROF_ADDR", "must be a loopback address and port, e.g. 127.0.0.1:6060")
		}
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		l.fail("PIPELINE_JWT_ISSUER", "issuer and audience must not be empty")
	}
	if utf8.RuneCountInString(c.County) > MaxCountyLength {
		l.fail("PIPELINE_COUNTY", fmt.Sprintf("must have at most %d characters", MaxCountyLength))
	}
	for _, o := range c.CORSOrigins {
		if !isOrigin(o) {
			l.fail("PIPELINE_CORS_ORIGINS", "must be origins such as https://app.example.org, comma-separated: "+o)
			break
		}
	}
}

// isOrigin reports whether s is a serialized origin (RFC 6454): an http or
// https scheme and a host with an optional port, nothing else.
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != "" &&
		u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery &&
		!strings.Contains(u.Host, "*") && u.String() == s
}

// LogValue masks secrets so that the configuration can be logged at start.
func (c Config) LogValue() slog.Value {
	db := "embedded sqlite " + c.SQLitePath()
	if c.DatabaseURL != "" {
		db = maskURL(c.DatabaseURL)
	}
	admin := "unset"
	if c.AdminPassword != "" {
		admin = "set"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database", db),
		slog.Bool("migrate_on_start", c.MigrateOnStart),
		slog.Bool("demo", c.Demo),
		slog.String("admin_password", admin),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.String("jwt_audience", c.JWTAudience),
		slog.String("key_dir", c.KeyDir),
		slog.String("access_token_ttl", c.AccessTokenTTL.String()),
		slog.Int("password_cost", c.PasswordCost),
		slog.Int64("body_limit", c.BodyLimit),
		slog.Int64("import_body_limit", c.ImportBodyLimit),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.String("query_timeout", c.QueryTimeout.String()),
		slog.Int("db_max_open_conns", c.DBMaxOpenConns),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("health_rules", c.HealthRules().Fingerprint()),
		slog.String("county", c.County),
		slog.Int64("upload_max_bytes", c.Uploads.MaxBytes),
		slog.Any("upload_types", c.Uploads.Types),
		slog.String("upload_timeout", c.Uploads.Timeout.String()),
		slog.String("blob_storage", blobStorage(c.Uploads.BlobURL)),
	)
}

// blobStorage names where files' contents are kept, without the URL's
// query (which may carry credentials).
func blobStorage(raw string) string {
	if raw == "" {
		return "database"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "s3://(unparseable)"
	}
	return u.Scheme + "://" + u.Host
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

type loader struct {
	getenv func(string) string
	errs   []error
}

func (l *loader) fail(name, msg string) { l.errs = append(l.errs, fmt.Errorf("%s %s", name, msg)) }

func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(l.getenv(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (l *loader) boolean(name string, def bool) bool {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, "must be true or false")
	}
	return b
}

func (l *loader) int64(name string, def int64) int64 {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		l.fail(name, "must be an integer")
	}
	return n
}

func (l *loader) float(name string, def float64) float64 {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		l.fail(name, "must be a number")
	}
	return f
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(name, "must be a duration such as 30s or 15m")
	}
	return d
}

// logLevel reads a log level by its name: debug, info, warn or error.
func (l *loader) logLevel(name, def string) slog.Level {
	switch strings.ToLower(l.str(name, def)) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	l.fail(name, "must be debug, info, warn or error")
	return slog.LevelInfo
}
