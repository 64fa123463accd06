package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

const (
	loginPath     = "/api/v1/auth/login"
	loginUser     = "wang.li"
	loginPassword = "correct horse battery staple"
)

// TestPasswordCost checks that passwords are hashed at the configured bcrypt
// cost, bcrypt's default unless told otherwise, and that a hash stored at
// another cost still signs in.
func TestPasswordCost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		require.Equal(t, 4, e.cfg.PasswordCost)
		_, err := e.auth.CreateUser(ctx, adminPrincipal, loginUser, loginPassword, identity.RoleBureau, "")
		require.NoError(t, err)

		standard := auth.NewService(authdb.Stores(db), db, e.tokens, nil, e.clock.now, newID)
		_, err = standard.CreateUser(ctx, adminPrincipal, "li.default", loginPassword, identity.RoleBureau, "")
		require.NoError(t, err)
		for name, want := range map[string]int{loginUser: 4, "li.default": auth.DefaultPasswordCost} {
			u, err := authdb.New(db).ByUsername(ctx, name)
			require.NoError(t, err)
			cost, err := bcrypt.Cost([]byte(u.PasswordHash))
			require.NoError(t, err)
			assert.Equal(t, want, cost, name)
		}
		assert.Equal(t, bcrypt.DefaultCost, auth.DefaultPasswordCost)

		_, _, err = standard.Login(ctx, loginUser, loginPassword, "192.0.2.1")
		require.NoError(t, err, "a hash of another cost still verifies")
		_, _, err = e.auth.Login(ctx, "li.default", loginPassword, "192.0.2.1")
		require.NoError(t, err)
		_, _, err = e.auth.Login(ctx, "li.default", "a wrong password", "192.0.2.1")
		assert.Equal(t, apperr.Unauthenticated, apperr.KindOf(err))
	})
}

func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		u, err := e.auth.CreateUser(context.Background(), adminPrincipal, loginUser, loginPassword, identity.RoleDeptEditor, "energy")
		require.NoError(t, err)
		_, err = e.auth.CreateUser(context.Background(), adminPrincipal, "zhao.disabled", loginPassword, identity.RoleBureau, "")
		require.NoError(t, err)
		// No route disables a user yet; the column is set directly.
		disable := "UPDATE users SET disabled = true WHERE username = $1"
		if db.Dialect() == database.SQLite {
			disable = "UPDATE users SET disabled = 1 WHERE username = ?"
		}
		_, err = db.SQL().Exec(disable, "zhao.disabled")
		require.NoError(t, err)

		var token string
		t.Run("signs in", func(t *testing.T) {
			res := e.do(t, request{method: http.MethodPost, path: loginPath,
				body: api.LoginRequest{Username: loginUser, Password: loginPassword}})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			var tr api.TokenResponse
			res.decode(t, &tr)
			assert.Equal(t, "Bearer", tr.TokenType)
			assert.Equal(t, 900, tr.ExpiresIn)
			token = tr.AccessToken
			require.NotEmpty(t, token)
		})
		require.NotEmpty(t, token)

		t.Run("the token is an EdDSA at+jwt with the contract's claims", func(t *testing.T) {
			parts := strings.Split(token, ".")
			require.Len(t, parts, 3)
			var header map[string]any
			require.NoError(t, json.Unmarshal(b64(t, parts[0]), &header))
			assert.Equal(t, "EdDSA", header["alg"])
			assert.Equal(t, "at+jwt", header["typ"])
			assert.Equal(t, e.keys.Signing().ID, header["kid"])

			var claims struct {
				Iss  string          `json:"iss"`
				Aud  json.RawMessage `json:"aud"`
				Sub  string          `json:"sub"`
				Exp  int64           `json:"exp"`
				Iat  int64           `json:"iat"`
				Nbf  *int64          `json:"nbf"`
				Jti  string          `json:"jti"`
				Role string          `json:"role"`
				Dept string          `json:"dept"`
			}
			require.NoError(t, json.Unmarshal(b64(t, parts[1]), &claims))
			assert.Equal(t, e.cfg.JWTIssuer, claims.Iss)
			var aud []string
			if json.Unmarshal(claims.Aud, &aud) != nil {
				var one string
				require.NoError(t, json.Unmarshal(claims.Aud, &one))
				aud = []string{one}
			}
			assert.Equal(t, []string{e.cfg.JWTAudience}, aud)
			assert.Equal(t, u.ID, claims.Sub)
			assert.Equal(t, now.Unix(), claims.Iat)
			assert.Greater(t, claims.Exp, claims.Iat)
			assert.LessOrEqual(t, claims.Exp, claims.Iat+int64((15*time.Minute).Seconds()))
			if assert.NotNil(t, claims.Nbf) {
				assert.LessOrEqual(t, *claims.Nbf, claims.Iat)
			}
			assert.NotEmpty(t, claims.Jti)
			assert.Equal(t, "dept_editor", claims.Role)
			assert.Equal(t, "energy", claims.Dept)

			// The key published in the JWKS verifies it.
			res := e.do(t, request{method: http.MethodGet, path: "/.well-known/jwks.json"})
			var set api.JWKS
			res.decode(t, &set)
			require.Len(t, set.Keys, 1)
			assert.Equal(t, header["kid"], set.Keys[0].Kid)
			assert.True(t, verifyEdDSA(t, token, set.Keys[0]))
		})

		t.Run("the token opens the API with the user's role and scope", func(t *testing.T) {
			industry := e.create(t, asBureau, with(projectBody("industry park"), "department", "industry", "category", "manufacturing"))
			energy := e.create(t, asBureau, projectBody("wind farm"))
			res := e.do(t, request{method: http.MethodGet, path: "/api/v1/projects?count=true",
				headers: map[string]string{"Authorization": "Bearer " + token}})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.ProjectList
			res.decode(t, &l)
			assert.Equal(t, []string{"wind farm"}, names(l.Items))
			res = e.do(t, request{method: http.MethodGet, path: "/api/v1/projects/" + industry.ID,
				headers: map[string]string{"Authorization": "Bearer " + token}})
			assert.Equal(t, http.StatusNotFound, res.status, "%s", res)
			res = e.do(t, request{method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Authorization": "bearer " + token}, body: with(projectBody("solar field"), "department", nil)})
			require.Equal(t, http.StatusCreated, res.status, "the scheme is case-insensitive: %s", res)
			assert.Equal(t, "energy", res.project(t).Department)
			_ = energy
		})

		// Wrong user and wrong password answer alike.
		var failures []map[string]any
		e.run(t, []tc{
			{name: "wrong password", method: http.MethodPost, path: loginPath,
				body:       api.LoginRequest{Username: loginUser, Password: loginPassword + "!"},
				wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
				check: func(t *testing.T, res response) { failures = append(failures, withoutRequestID(t, res)) }},
			{name: "unknown user", method: http.MethodPost, path: loginPath,
				body:       api.LoginRequest{Username: "nobody", Password: loginPassword},
				wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
				check: func(t *testing.T, res response) { failures = append(failures, withoutRequestID(t, res)) }},
			{name: "disabled user with the right password", method: http.MethodPost, path: loginPath,
				body:       api.LoginRequest{Username: "zhao.disabled", Password: loginPassword},
				wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
				check: func(t *testing.T, res response) { failures = append(failures, withoutRequestID(t, res)) }},
			{name: "empty password", method: http.MethodPost, path: loginPath,
				body:       api.LoginRequest{Username: loginUser},
				wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
				check: func(t *testing.T, res response) { failures = append(failures, withoutRequestID(t, res)) }},
			{name: "malformed JSON", method: http.MethodPost, path: loginPath, body: `{"username":`, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "malformed_json"},
			{name: "unknown field", method: http.MethodPost, path: loginPath,
				body:       map[string]any{"username": loginUser, "password": loginPassword, "otp": "123456"},
				wantStatus: http.StatusBadRequest, wantCode: "unknown_field", wantFields: []string{"otp:unknown_field"}},
			{name: "a name in another case", method: http.MethodPost, path: loginPath,
				body:       map[string]any{"Username": loginUser, "password": loginPassword},
				wantStatus: http.StatusBadRequest, wantCode: "unknown_field", wantFields: []string{"Username:unknown_field"}},
			{name: "form post", method: http.MethodPost, path: loginPath, invalid: true,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
				body:    "username=wang.li&password=x", wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
			{name: "oversized body", method: http.MethodPost, path: loginPath, invalid: true,
				body:       `{"username":"` + strings.Repeat("x", bodyLimit) + `","password":"x"}`,
				wantStatus: http.StatusRequestEntityTooLarge, wantCode: "payload_too_large"},
			{name: "login needs no token, and ignores a broken one", principal: asGarbage, method: http.MethodPost, path: loginPath,
				body: api.LoginRequest{Username: loginUser, Password: loginPassword}, wantStatus: http.StatusOK},
		})
		require.Len(t, failures, 4)
		for i := 1; i < len(failures); i++ {
			assert.Equal(t, failures[0], failures[i], "wrong password, unknown user and disabled user answer alike")
		}
	})
}

func withoutRequestID(t *testing.T, res response) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(res.body, &m))
	assert.NotEmpty(t, m["request_id"])
	delete(m, "request_id")
	m["www-authenticate"] = res.header.Get("WWW-Authenticate")
	return m
}

// routePath fills a gin route's parameters with plausible values.
func routePath(p string) string {
	var parts []string
	for _, s := range strings.Split(p, "/") {
		switch {
		case strings.HasPrefix(s, ":"):
			s = uuid.NewString()
		case strings.HasPrefix(s, "*"):
			s = "index.html"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "/")
}

// TestEveryRouteNeedsAValidToken walks every route gin has, so that a route
// added later is covered without editing this test: everything under
// /api/v1 except sign-in answers 401 with a Bearer challenge to a missing or
// broken token, never 500.
func TestEveryRouteNeedsAValidToken(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	engine := routed(t, e.h)
	var covered int
	for _, rt := range engine.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") || strings.HasPrefix(rt.Path, "/api/v1/auth/") {
			continue
		}
		covered++
		for _, as := range badCredentials {
			var body any
			if rt.Method == http.MethodPost || rt.Method == http.MethodPatch || rt.Method == http.MethodPut {
				body = map[string]any{}
			}
			res := e.do(t, request{principal: as, method: rt.Method, path: routePath(rt.Path), body: body,
				headers: map[string]string{"If-Match": `"1"`}, invalid: true})
			if !assert.Equal(t, http.StatusUnauthorized, res.status, "%s %s as %q: %s", rt.Method, rt.Path, as, res) {
				continue
			}
			p := res.problem(t)
			assert.Equal(t, "unauthorized", p.Code)
			challenge := res.header.Get("WWW-Authenticate")
			assert.True(t, strings.HasPrefix(challenge, "Bearer "), challenge)
			if as != asNone && as != asBasicScheme {
				assert.Contains(t, challenge, `error="invalid_token"`, "%s %s as %q", rt.Method, rt.Path, as)
			}
		}
	}
	assert.GreaterOrEqual(t, covered, 9, "the /api/v1 routes were found")

	// The same routes open to a valid token (no 401), so the 401s above are
	// the token's doing.
	for _, rt := range engine.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") || strings.HasPrefix(rt.Path, "/api/v1/auth/") {
			continue
		}
		res := e.do(t, request{principal: asAdmin, method: rt.Method, path: routePath(rt.Path),
			body: map[string]any{}, headers: map[string]string{"If-Match": `"1"`}, invalid: true})
		assert.NotEqual(t, http.StatusUnauthorized, res.status, "%s %s as admin: %s", rt.Method, rt.Path, res)
	}
}

// TestPublicRoutesNeedNoToken: the operational routes answer without one.
func TestPublicRoutesNeedNoToken(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/swagger/doc.json", "/.well-known/jwks.json"} {
		res := e.do(t, request{method: http.MethodGet, path: path})
		assert.Equal(t, http.StatusOK, res.status, "%s: %s", path, res)
	}
}

// adminPrincipal creates users in tests as an administrator would.
var adminPrincipal = identity.Principal{Subject: "test-admin", Name: "test-admin", Role: identity.RoleAdmin}
