package httpapi_test

// The harness: the real router over real services and stores on a fresh
// database, principals with tokens minted by the service's own Tokens, an
// injected clock, and a check of every request and response against the
// Swagger document that swag generates from the handlers' annotations.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/approval/approvaldb"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventdb"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/stats"
	"github.com/guangling/pipeline/internal/webhook"
)

// now is the harness clock's time: 10:00 on 15 June 2021 in Guangling.
var now = time.Date(2021, time.June, 15, 2, 0, 0, 0, time.UTC)

// today is now's calendar day in Asia/Shanghai.
const today = "2021-06-15"

func clock() time.Time { return now }

// testClock is an env's clock: it stands still at now unless a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// bodyLimit is the harness's JSON body limit, small so that 413 is cheap to reach.
const bodyLimit = 64 << 10

// The principals a request can be sent as. The first group are signed-in
// users; the second are broken credentials that must all answer 401.
const (
	asNone           = ""
	asAdmin          = "admin"
	asBureau         = "bureau"
	asLeader         = "leader"
	asEnergyEditor   = "energy_editor"
	asEnergyViewer   = "energy_viewer"
	asIndustryEditor = "industry_editor"
	// Department systems: OAuth clients of the energy department, limited by
	// the scopes of their token.
	asEnergyClientRead  = "energy_client_read"  // projects:read
	asEnergyClientWrite = "energy_client_write" // projects:read projects:write
	asEnergyClientNone  = "energy_client_none"  // events:read only

	asExpired       = "expired"        // issued a year ago
	asNotYetValid   = "not_yet_valid"  // issued an hour from now
	asForeignKey    = "foreign_key"    // signed by another key set
	asWrongAudience = "wrong_audience" // another service's audience
	asWrongIssuer   = "wrong_issuer"   // another issuer
	asGarbage       = "garbage"        // not a JWT at all
	asGarbageDots   = "garbage_dots"   // three dot-separated parts of nothing
	asAlgNone       = "alg_none"       // unsigned, alg: none
	asAlgHS256      = "alg_hs256"      // HMAC over the public key (algorithm confusion)
	asOversized     = "oversized"      // validly signed, but longer than 4 KiB
	asNoDepartment  = "no_department"  // dept_editor without a dept claim
	asBasicScheme   = "basic_scheme"   // Authorization: Basic …
)

// badCredentials lists every broken credential.
var badCredentials = []string{
	asNone, asExpired, asNotYetValid, asForeignKey, asWrongAudience, asWrongIssuer, asGarbage, asGarbageDots,
	asAlgNone, asAlgHS256, asOversized, asNoDepartment, asBasicScheme,
}

// env is one instance of the service over one database.
type env struct {
	h      http.Handler
	db     *database.DB
	cfg    config.Config
	keys   *auth.KeySet
	tokens *auth.Tokens
	auth   *auth.Service
	// principals are the signed-in identities by name; auth holds the
	// Authorization header value of every name, the broken ones included.
	principals map[string]identity.Principal
	authz      map[string]string
	log        *syncBuffer
	clock      *testClock
	// events is the change feed, whose sequencer tests run (Flush).
	events *event.Service
	// hooks delivers webhooks when tests ask (FanOut, Deliver).
	hooks *webhook.Service
	// stats answers the statistics the routes answer.
	stats *stats.Service
}

// setClock moves the env's clock and mints the signed-in principals fresh
// tokens (same subjects), since the old ones may have expired.
func (e *env) setClock(t testing.TB, at time.Time) {
	t.Helper()
	e.clock.set(at)
	for name, p := range e.principals {
		e.authz[name] = "Bearer " + issueToken(t, e.tokens, p)
	}
}

// registerPrincipal stores the user or client behind a minted token, since
// the service refuses tokens of accounts it does not know (or has disabled).
func registerPrincipal(t testing.TB, db *database.DB, p identity.Principal) {
	t.Helper()
	store := authdb.New(db)
	ctx := context.Background()
	if p.ClientID != "" {
		require.NoError(t, store.CreateClient(ctx, auth.Client{ID: p.Subject, ClientID: p.ClientID, Name: p.Name,
			Department: p.Department, Scopes: p.Scopes, SecretHash: "unused", Version: 1, CreatedAt: now, UpdatedAt: now}))
		return
	}
	require.NoError(t, store.Create(ctx, auth.User{ID: p.Subject, Username: p.Name, PasswordHash: "unused",
		Role: p.Role, Department: p.Department, Version: 1, CreatedAt: now, UpdatedAt: now}))
}

// newEnv wires the service as cmd/pipeline does, with the harness clock.
func newEnv(t testing.TB, db *database.DB, tune ...func(*config.Config)) *env {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		if k == "PIPELINE_PASSWORD_COST" {
			return "4" // bcrypt's least: its default takes a second under the race detector
		}
		return ""
	})
	require.NoError(t, err)
	cfg.BodyLimit = bodyLimit
	for _, f := range tune {
		f(&cfg)
	}

	clk := &testClock{t: now}
	keys, err := auth.GenerateKeySet()
	require.NoError(t, err)
	tokens, err := auth.NewTokens(keys, cfg.JWTIssuer, cfg.JWTAudience, cfg.AccessTokenTTL, clk.now)
	require.NoError(t, err)
	auditSvc := audit.NewService(auditdb.New(db), clk.now)
	authSvc := auth.NewService(authdb.Stores(db), db, tokens, auditSvc, clk.now, newID)
	authSvc.SetPasswordCost(cfg.PasswordCost)
	projects := project.NewService(projectdb.New(db), db, auditSvc, clk.now, newID)
	statistics := stats.NewService(projectdb.NewStats(db), clk.now)
	statistics.SetDesignations(projectdb.NewStats(db), projects, db, auditSvc)
	depts := department.NewService(projectdb.NewDepartments(db), db, auditSvc, clk.now)
	projects.Notify(statistics.Forget)

	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	issues := issue.NewService(projectdb.NewIssues(db), projects, auditSvc, clk.now, newID)
	events := event.NewService(eventdb.New(db), clk.now, cfg.EventRetention)
	hooks := newWebhooks(db, cfg, auditSvc, clk.now)
	projects.RecordEvents(events)
	projects.Notify(events.Wake)
	issues.RecordEvents(events)
	plans := plan.NewService(projectdb.NewPlans(db), projects, db, auditSvc, clk.now)
	plans.RecordEvents(events)
	approvals := approval.NewService(approval.Deps{Store: approvaldb.New(db), Register: projects, Plans: plans, Auditor: auditSvc,
		Events: events, Now: clk.now, Rules: approval.Rules{EnergyReviewTCE: cfg.EnergyReviewTCE}})
	projects.GateStarts(approvals)
	dispatchSvc := dispatch.NewService(dispatch.Deps{Store: projectdb.NewDispatch(db), Register: projects, Auditor: auditSvc,
		Issues: issues, Tx: db, Now: clk.now, County: config.DefaultCounty, Events: events})
	h, err := httpapi.New(httpapi.Deps{
		Config: cfg, Log: log, DB: db, Projects: projects,
		Plans: plans, Events: events,
		Issues: issues, Stats: statistics, Approvals: approvals,
		Dispatch:    dispatchSvc,
		Exchange:    exchange.NewService(projects, depts, db, clk.now),
		Departments: depts, Auth: authSvc, Tokens: tokens, Keys: keys,
		Idempotency: idempotency.New(db), Audit: auditSvc, Now: clk.now, ProjectCounts: projectdb.New(db), ReportsOutstanding: dispatchSvc,
		Indicators: indicator.NewService(projectdb.NewIndicators(db), db, auditSvc, clk.now),
		Webhooks:   hooks,
		Attachments: newAttachments(t, db, cfg, attachmentDeps{projects: projects, dispatch: dispatchSvc, audit: auditSvc,
			events: events, approvals: approvals, now: clk.now}),
	})
	require.NoError(t, err)
	e := &env{h: h, db: db, cfg: cfg, keys: keys, tokens: tokens, auth: authSvc, log: logs, clock: clk, events: events, hooks: hooks, stats: statistics,
		principals: map[string]identity.Principal{}, authz: map[string]string{}}
	t.Cleanup(func() {
		if t.Failed() && logs.Len() > 0 {
			t.Logf("service log:\n%s", logs.String())
		}
	})

	for name, p := range map[string]identity.Principal{
		asAdmin:          {Role: identity.RoleAdmin},
		asBureau:         {Role: identity.RoleBureau},
		asLeader:         {Role: identity.RoleLeader},
		asEnergyEditor:   {Role: identity.RoleDeptEditor, Department: "energy"},
		asEnergyViewer:   {Role: identity.RoleDeptViewer, Department: "energy"},
		asIndustryEditor: {Role: identity.RoleDeptEditor, Department: "industry"},
		asEnergyClientRead: {Role: identity.RoleDeptEditor, Department: "energy", ClientID: "energy-system",
			Scopes: []string{identity.ScopeProjectsRead}},
		asEnergyClientWrite: {Role: identity.RoleDeptEditor, Department: "energy", ClientID: "energy-system",
			Scopes: []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}},
		asEnergyClientNone: {Role: identity.RoleDeptEditor, Department: "energy", ClientID: "energy-system",
			Scopes: []string{identity.ScopeEventsRead}},
	} {
		p.Subject, p.Name = newID(), name
		if p.ClientID != "" {
			p.ClientID = name
		}
		e.principals[name] = p
		e.authz[name] = "Bearer " + issueToken(t, tokens, p)
		registerPrincipal(t, db, p)
	}

	victim := e.principals[asBureau]
	other := func(keys *auth.KeySet, iss, aud string, now func() time.Time) string {
		tk, err := auth.NewTokens(keys, iss, aud, cfg.AccessTokenTTL, now)
		require.NoError(t, err)
		return issueToken(t, tk, victim)
	}
	foreign, err := auth.GenerateKeySet()
	require.NoError(t, err)
	e.authz[asExpired] = "Bearer " + other(keys, cfg.JWTIssuer, cfg.JWTAudience, func() time.Time { return now.AddDate(-1, 0, 0) })
	e.authz[asNotYetValid] = "Bearer " + other(keys, cfg.JWTIssuer, cfg.JWTAudience, func() time.Time { return now.Add(time.Hour) })
	e.authz[asForeignKey] = "Bearer " + other(foreign, cfg.JWTIssuer, cfg.JWTAudience, clock)
	e.authz[asWrongAudience] = "Bearer " + other(keys, cfg.JWTIssuer, "urn:guangling:other-service", clock)
	e.authz[asWrongIssuer] = "Bearer " + other(keys, "urn:guangling:impostor", cfg.JWTAudience, clock)
	e.authz[asGarbage] = "Bearer not-a-token"
	e.authz[asGarbageDots] = "Bearer a.b.c"
	e.authz[asBasicScheme] = "Basic " + base64.StdEncoding.EncodeToString([]byte("bureau:secret-password"))
	e.authz[asNoDepartment] = "Bearer " + issueToken(t, tokens, identity.Principal{Subject: newID(), Name: "nodept", Role: identity.RoleDeptEditor})
	e.authz[asOversized] = "Bearer " + issueToken(t, tokens, identity.Principal{Subject: newID(), Name: strings.Repeat("x", auth.MaxTokenBytes), Role: identity.RoleBureau})
	require.Greater(t, len(e.authz[asOversized]), auth.MaxTokenBytes+len("Bearer "))

	// Forged tokens carry a genuine header's kid and genuine claims.
	genuine := strings.TrimPrefix(e.authz[asBureau], "Bearer ")
	parts := strings.Split(genuine, ".")
	var header map[string]any
	require.NoError(t, json.Unmarshal(b64(t, parts[0]), &header))
	forge := func(alg string) string {
		h := map[string]any{"alg": alg, "typ": "at+jwt", "kid": header["kid"]}
		hb, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(hb) + "." + parts[1]
	}
	e.authz[asAlgNone] = "Bearer " + forge("none") + "."
	signing := forge("HS256")
	pub, found := keys.Public(header["kid"].(string))
	require.True(t, found)
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(signing))
	e.authz[asAlgHS256] = "Bearer " + signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	return e
}

func issueToken(t testing.TB, tk *auth.Tokens, p identity.Principal) string {
	t.Helper()
	s, err := tk.Issue(p)
	require.NoError(t, err)
	return s
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err, "base64url %q", s)
	return b
}

// verifyEdDSA checks a JWT's signature with a JWK's public key.
func verifyEdDSA(t testing.TB, token string, k api.JWK) bool {
	t.Helper()
	i := strings.LastIndex(token, ".")
	pub := b64(t, k.X)
	require.Len(t, pub, ed25519.PublicKeySize)
	return ed25519.Verify(pub, []byte(token[:i]), b64(t, token[i+1:]))
}

// request is one HTTP request of a test.
type request struct {
	principal string
	method    string
	path      string
	// headers are set on the request; an empty value removes a default
	// (Content-Type, Authorization).
	headers map[string]string
	// body is sent as it is when a string or []byte, as JSON otherwise.
	body any
	// invalid marks a request deliberately outside the spec (bad JSON,
	// wrong content type, out-of-range values …): only the response is
	// checked against the spec.
	invalid bool
	// unrouted marks a request the spec has no operation for (unknown path,
	// wrong method).
	unrouted bool
}

// response is what the service answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// decode reads the JSON body into v, rejecting members v does not know so
// that a body with more than the wire type is noticed.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.DisallowUnknownFields()
	require.NoError(t, d.Decode(v), "decode %s", r.body)
}

func (r response) problem(t testing.TB) api.Problem {
	t.Helper()
	var p api.Problem
	r.decode(t, &p)
	return p
}

func (r response) project(t testing.TB) api.Project {
	t.Helper()
	var p api.Project
	r.decode(t, &p)
	return p
}

// do sends r to the service and checks what every exchange must satisfy:
// X-Request-ID on the response, problem details on every error, a Bearer
// challenge on every 401, and both request and response against the spec.
func (e *env) do(t testing.TB, r request) response {
	t.Helper()
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		body, err = json.Marshal(b)
		require.NoError(t, err)
	}
	build := func() *http.Request {
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if r.principal != "" {
			a, found := e.authz[r.principal]
			require.True(t, found, "unknown principal %q", r.principal)
			req.Header.Set("Authorization", a)
		}
		for k, v := range r.headers {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		return req
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, build())
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}

	assert.NotEmpty(t, res.header.Get("X-Request-ID"), "X-Request-ID on %s %s", r.method, r.path)
	assert.NotEqual(t, http.StatusInternalServerError, res.status, "%s %s answered %s", r.method, r.path, res)
	if res.status >= 400 && !healthProbe(r.path) && r.method != http.MethodHead {
		checkProblem(t, res)
	}
	if res.status == http.StatusUnauthorized {
		assert.True(t, strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer"),
			"401 without a Bearer challenge: %q", res.header.Get("WWW-Authenticate"))
	}
	// HEAD and 304 are HTTP's own (docs/api.md, "HTTP"), not operations of
	// the spec: TestHeadOnEveryGet and TestConditionalGet check them.
	if !strings.HasPrefix(r.path, "/metrics") && !strings.HasPrefix(r.path, "/swagger/") &&
		r.method != http.MethodHead && res.status != http.StatusNotModified {
		checkSpec(t, r, build(), res)
	}
	return res
}

// healthProbe reports a probe path: its 503 answers a health report for
// orchestrators (api.Health, as documented), not problem details.
func healthProbe(path string) bool { return path == "/readyz" }

// checkProblem asserts an RFC 9457 body whose status is the HTTP status.
func checkProblem(t testing.TB, res response) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type"))
	if assert.NoError(t, err) {
		assert.Equal(t, "application/problem+json", mt, "error content type: %s", res)
	}
	p := res.problem(t)
	assert.Equal(t, res.status, p.Status, "problem status: %s", res)
	assert.NotEmpty(t, p.Code, "problem code: %s", res)
	assert.NotEmpty(t, p.Title, "problem title: %s", res)
	assert.NotEmpty(t, p.Detail, "problem detail: %s", res)
	assert.NotEmpty(t, p.Type, "problem type: %s", res)
	assert.Equal(t, res.header.Get("X-Request-ID"), p.RequestID, "problem request_id")
	assert.NotNil(t, p.Errors, "problem errors is an array, never null: %s", res)
	for _, f := range p.Errors {
		// A JSON member may be named "" ({"": 1}); only then is the field empty.
		if f.Code != "unknown_field" {
			assert.NotEmpty(t, f.Field, "field error without field: %s", res)
		}
		assert.NotEmpty(t, f.Code, "field error without code: %s", res)
		assert.NotEmpty(t, f.Message, "field error without message: %s", res)
	}
}

// The spec, loaded once: docs/openapi.yaml, the OpenAPI 3 document
// generated from docs/swagger.json, which holds answers to the properties
// it marks required.
var spec struct {
	once   sync.Once
	router routers.Router
	err    error
}

func init() {
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/merge-patch+json", openapi3filter.JSONBodyDecoder)
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
}

func specRouter(t testing.TB) routers.Router {
	t.Helper()
	spec.once.Do(func() {
		spec.err = func() error {
			doc3, err := openapi3.NewLoader().LoadFromFile("../../docs/openapi.yaml")
			if err != nil {
				return err
			}
			if err := doc3.Validate(context.Background()); err != nil {
				return fmt.Errorf("docs/openapi.yaml is not valid OpenAPI 3: %w", err)
			}
			spec.router, err = legacy.NewRouter(doc3)
			return err
		}()
	})
	require.NoError(t, spec.err, "load docs/openapi.yaml")
	return spec.router
}

var specOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
}

// checkSpec validates the request (unless it is marked invalid) and the
// response against the operation the spec has for it.
func checkSpec(t testing.TB, r request, req *http.Request, res response) {
	t.Helper()
	route, params, err := specRouter(t).FindRoute(req)
	if r.unrouted {
		assert.Error(t, err, "%s %s is marked unrouted but the spec has an operation for it", r.method, r.path)
		return
	}
	if !assert.NoError(t, err, "the spec has no operation for %s %s", r.method, r.path) {
		return
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: specOptions}
	if !r.invalid {
		assert.NoError(t, openapi3filter.ValidateRequest(ctx, in), "request %s %s does not match the spec", r.method, r.path)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: specOptions}
	out.SetBodyBytes(res.body)
	assert.NoError(t, openapi3filter.ValidateResponse(ctx, out), "response to %s %s does not match the spec: %s", r.method, r.path, res)
}

// tc is one row of a table test.
type tc struct {
	name      string
	principal string
	method    string
	path      string
	headers   map[string]string
	body      any
	invalid   bool
	unrouted  bool

	wantStatus int
	// wantCode is the problem code of an error answer.
	wantCode string
	// wantFields are fields the problem must name in errors, each "field"
	// or "field:code".
	wantFields []string
	check      func(t *testing.T, res response)
}

func (c tc) request() request {
	return request{principal: c.principal, method: c.method, path: c.path, headers: c.headers, body: c.body,
		invalid: c.invalid, unrouted: c.unrouted}
}

// run runs the rows in order, each as a subtest.
func (e *env) run(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.do(t, c.request())
			require.Equal(t, c.wantStatus, res.status, "%s %s: %s", c.method, c.path, res)
			if res.status >= 400 && !healthProbe(c.path) {
				p := res.problem(t)
				if c.wantCode != "" {
					assert.Equal(t, c.wantCode, p.Code, "problem code: %s", res)
				}
				for _, want := range c.wantFields {
					assert.True(t, namesField(p, want), "problem does not name %q: %s", want, res)
				}
			} else {
				assert.Empty(t, c.wantCode, "row expects an error code but the request succeeded")
			}
			if c.check != nil {
				c.check(t, res)
			}
		})
	}
}

// namesField reports whether p has a field error matching "field" or
// "field:code".
func namesField(p api.Problem, want string) bool {
	field, code, withCode := strings.Cut(want, ":")
	return slices.ContainsFunc(p.Errors, func(f api.FieldError) bool {
		return f.Field == field && (!withCode || f.Code == code)
	})
}

// Fixtures.

// projectBody is a valid creation body for a planning project.
func projectBody(name string) map[string]any {
	return map[string]any{
		"name": name, "category": "wind", "department": "energy", "company": "晨风新能源有限公司",
		"township": "作疃乡", "leader": "", "capacity": 50, "capacity_unit": "MW",
		"total_investment_yuan": 340000000, "build_type": "new", "key_level": "county",
		"planned_start_date": "2021-08-01",
	}
}

// with returns a copy of body with the given members set (a nil value
// removes the member).
func with(body map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// create creates a project and returns it.
func (e *env) create(t testing.TB, as string, body map[string]any) api.Project {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodPost, path: "/api/v1/projects", body: body})
	require.Equal(t, http.StatusCreated, res.status, "create: %s", res)
	return res.project(t)
}

// get returns a project as seen by a principal, with its ETag.
func (e *env) get(t testing.TB, as, id string) (api.Project, string) {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/projects/" + id})
	require.Equal(t, http.StatusOK, res.status, "get: %s", res)
	return res.project(t), res.header.Get("ETag")
}

// list returns one page of projects.
func (e *env) list(t testing.TB, as, query string) api.ProjectList {
	t.Helper()
	path := "/api/v1/projects"
	if query != "" {
		path += "?" + query
	}
	res := e.do(t, request{principal: as, method: http.MethodGet, path: path})
	require.Equal(t, http.StatusOK, res.status, "list %s: %s", query, res)
	var l api.ProjectList
	res.decode(t, &l)
	return l
}

// count returns how many live projects a principal sees.
func (e *env) count(t testing.TB, as string) int64 {
	t.Helper()
	l := e.list(t, as, "count=true&limit=1")
	require.NotNil(t, l.Total, "count=true answers total")
	return *l.Total
}

// names returns the names of projects in order.
func names(ps []api.Project) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// syncBuffer collects the service's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

var _ io.Writer = (*syncBuffer)(nil)
