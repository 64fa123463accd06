package httpapi_test

// Sign-in (docs/api.md) beyond the first sign-in: refresh tokens, sign-out, the sign-in
// rate limits, the administration of users and clients, and the OAuth 2.0
// client credentials grant of the department systems.

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

const (
	refreshPath = "/api/v1/auth/refresh"
	logoutPath  = "/api/v1/auth/logout"
	tokenPath   = "/api/v1/auth/token"
	usersPath   = "/api/v1/users"
	clientsPath = "/api/v1/clients"

	// userPassword is long enough for the 12-character rule.
	userPassword = "plum blossom 2021"
)

// Helpers over the API, each asserting its request succeeded.

// newUser creates a user through the API as the administrator.
func (e *env) newUser(t testing.TB, username, role, dept string) api.User {
	t.Helper()
	res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: usersPath,
		body: api.UserCreate{Username: username, Password: userPassword, Role: role, Department: dept}})
	require.Equal(t, http.StatusCreated, res.status, "create user %s: %s", username, res)
	var u api.User
	res.decode(t, &u)
	return u
}

// signIn signs a user in and returns the token pair.
func (e *env) signIn(t testing.TB, username, password string) api.TokenResponse {
	t.Helper()
	res := e.do(t, request{method: http.MethodPost, path: loginPath, body: api.LoginRequest{Username: username, Password: password}})
	require.Equal(t, http.StatusOK, res.status, "sign in as %s: %s", username, res)
	var tr api.TokenResponse
	res.decode(t, &tr)
	require.NotEmpty(t, tr.AccessToken)
	return tr
}

// signInAnswer is the answer to a sign-in, whatever it is.
func (e *env) signInAnswer(t testing.TB, username, password string) response {
	t.Helper()
	return e.do(t, request{method: http.MethodPost, path: loginPath, body: api.LoginRequest{Username: username, Password: password}})
}

// refreshAnswer presents a refresh token.
func (e *env) refreshAnswer(t testing.TB, rt string) response {
	t.Helper()
	return e.do(t, request{method: http.MethodPost, path: refreshPath, body: api.RefreshRequest{RefreshToken: rt}})
}

// bearer authorizes a request with an access token the test obtained.
func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// withBearer authorizes a request with a token and adds more headers.
func withBearer(token string, kv ...string) map[string]string {
	h := bearer(token)
	for i := 0; i < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// newClient registers a department system as the administrator and returns
// it with its secret.
func (e *env) newClient(t testing.TB, name, dept string, scopes ...string) api.Client {
	t.Helper()
	res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: clientsPath,
		body: api.ClientCreate{Name: name, Department: dept, Scopes: scopes}})
	require.Equal(t, http.StatusCreated, res.status, "create client %s: %s", name, res)
	var c api.Client
	res.decode(t, &c)
	require.NotEmpty(t, c.ClientSecret, "the secret is answered at creation")
	return c
}

// oauthRequest is a request to the token endpoint.
type oauthRequest struct {
	form url.Values
	// basic, when set, sends client_id and client_secret by HTTP Basic,
	// form-encoded first as RFC 6749 §2.3.1 asks.
	basic *[2]string
	// contentType and raw replace the form body, for the wrong ones.
	contentType string
	raw         string
	// invalid marks a request outside the spec.
	invalid bool
}

// oauthToken sends a request to the token endpoint. Its errors are OAuth
// errors (RFC 6749 §5.2), not problem details, so the harness's do, which
// holds every other route to RFC 9457, is not used; the spec check is the
// harness's own.
func (e *env) oauthToken(t testing.TB, o oauthRequest) response {
	t.Helper()
	body, ct := o.form.Encode(), "application/x-www-form-urlencoded"
	if o.contentType != "" {
		body, ct = o.raw, o.contentType
	}
	build := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if o.basic != nil {
			req.SetBasicAuth(url.QueryEscape(o.basic[0]), url.QueryEscape(o.basic[1]))
		}
		return req
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, build())
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}

	assert.NotEmpty(t, res.header.Get("X-Request-ID"), "X-Request-ID")
	assert.Less(t, res.status, 500, "token endpoint: %s", res)
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"), "token answers are never cached: %s", res)
	mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type"))
	assert.NoError(t, err)
	assert.Equal(t, "application/json", mt, "token endpoint content type: %s", res)
	if res.status >= 400 {
		var oe api.OAuthError
		res.decode(t, &oe)
		assert.NotEmpty(t, oe.Error, "OAuth error code: %s", res)
	}
	if res.status == http.StatusUnauthorized {
		challenge := res.header.Get("WWW-Authenticate")
		assert.NotEmpty(t, challenge, "401 without a challenge: %s", res)
		if o.basic != nil {
			// RFC 6749 §5.2: the scheme the client used.
			assert.True(t, strings.HasPrefix(challenge, "Basic"), "challenge %q", challenge)
		}
	}
	checkSpec(t, request{method: http.MethodPost, path: tokenPath, invalid: o.invalid}, build(), res)
	return res
}

// oauthError returns the OAuth error code of an answer.
func oauthError(t testing.TB, res response) string {
	t.Helper()
	var oe api.OAuthError
	res.decode(t, &oe)
	return oe.Error
}

// clientForm is a client credentials request with the credentials in the form.
func clientForm(id, secret, scope string) url.Values {
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return f
}

// clientToken obtains a client's access token with form credentials.
func (e *env) clientToken(t testing.TB, c api.Client, scope string) api.TokenResponse {
	t.Helper()
	res := e.oauthToken(t, oauthRequest{form: clientForm(c.ClientID, c.ClientSecret, scope)})
	require.Equal(t, http.StatusOK, res.status, "token for %s: %s", c.Name, res)
	var tr api.TokenResponse
	res.decode(t, &tr)
	return tr
}

// claimsOf decodes an access token's claims (the signature is checked
// elsewhere).
func claimsOf(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "a JWS in compact form")
	var c map[string]any
	require.NoError(t, json.Unmarshal(b64(t, parts[1]), &c))
	return c
}

// userVersion returns a user's version as the administrator lists it.
func (e *env) userVersion(t testing.TB, id string) int {
	t.Helper()
	res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: usersPath})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.UserList
	res.decode(t, &l)
	for _, u := range l.Items {
		if u.ID == id {
			return u.Version
		}
	}
	require.Failf(t, "user not listed", "user %s", id)
	return 0
}

// patchUserAnswer patches a user as the administrator at its current version.
func (e *env) patchUserAnswer(t testing.TB, id string, body any) response {
	t.Helper()
	return e.do(t, request{principal: asAdmin, method: http.MethodPatch, path: usersPath + "/" + id, body: body,
		headers: map[string]string{"If-Match": strconv.Quote(strconv.Itoa(e.userVersion(t, id)))}})
}

// patchClientAnswer patches a client as the administrator at its version.
func (e *env) patchClientAnswer(t testing.TB, id string, version int, body any) response {
	t.Helper()
	return e.do(t, request{principal: asAdmin, method: http.MethodPatch, path: clientsPath + "/" + id, body: body,
		headers: map[string]string{"If-Match": strconv.Quote(strconv.Itoa(version))}})
}

// replica is a second instance of the service over the same database, as
// another server behind the load balancer: the same keys, clock and
// principals, but caches of its own.
func (e *env) replica(t testing.TB) *env {
	t.Helper()
	svc := auth.NewService(authdb.Stores(e.db), e.db, e.tokens, nil, e.clock.now, newID)
	svc.SetPasswordCost(e.cfg.PasswordCost)
	trail := audit.NewService(auditdb.New(e.db), e.clock.now)
	h, err := httpapi.New(httpapi.Deps{
		Config: e.cfg, DB: e.db, Projects: project.NewService(projectdb.New(e.db), e.db, trail, e.clock.now, newID),
		Auth: svc, Tokens: e.tokens, Keys: e.keys, Idempotency: idempotency.New(e.db), Audit: trail, Now: e.clock.now,
	})
	require.NoError(t, err)
	r := *e
	r.h, r.auth = h, svc
	return &r
}

// TestRefreshTokens: a refresh token is single use; its rotation answers the
// next one; presenting a used one revokes the whole family; sign-out revokes
// it; an unknown, garbage or expired one, or one of a disabled account, is
// refused.
func TestRefreshTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		u := e.newUser(t, "li.refresh", "dept_editor", "energy")
		first := e.signIn(t, u.Username, userPassword)
		require.NotEmpty(t, first.RefreshToken, "sign-in answers a refresh token")
		assert.Empty(t, first.Scope, "a user's token carries no scope")

		var second api.TokenResponse
		t.Run("a refresh answers a new pair", func(t *testing.T) {
			res := e.refreshAnswer(t, first.RefreshToken)
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			res.decode(t, &second)
			assert.Equal(t, "Bearer", second.TokenType)
			assert.Equal(t, 900, second.ExpiresIn)
			assert.NotEmpty(t, second.RefreshToken)
			assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "the refresh token rotates")
			assert.NotEqual(t, first.AccessToken, second.AccessToken)
			c := claimsOf(t, second.AccessToken)
			assert.Equal(t, u.ID, c["sub"])
			assert.Equal(t, "dept_editor", c["role"])
			assert.Equal(t, "energy", c["dept"])
			res = e.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(second.AccessToken)})
			assert.Equal(t, http.StatusOK, res.status, "the new access token works: %s", res)
		})
		require.NotEmpty(t, second.RefreshToken)

		e.run(t, []tc{
			{name: "the used token again is refused", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: first.RefreshToken}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "and its reuse revoked the family: the new one is refused too", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: second.RefreshToken}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "an unknown token", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: "prt_" + strings.Repeat("A", 43)}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "garbage", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: "garbage"}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "an access token is no refresh token", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: first.AccessToken}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "an oversized token", method: http.MethodPost, path: refreshPath,
				body: api.RefreshRequest{RefreshToken: "prt_" + strings.Repeat("A", 4000)}, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
			{name: "no token", method: http.MethodPost, path: refreshPath, body: map[string]any{},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"refresh_token:required"}},
			{name: "an unknown member", method: http.MethodPost, path: refreshPath,
				body:       map[string]any{"refresh_token": second.RefreshToken, "grant_type": "refresh_token"},
				wantStatus: http.StatusBadRequest, wantCode: "unknown_field", wantFields: []string{"grant_type:unknown_field"}},
			{name: "a form body", method: http.MethodPost, path: refreshPath, invalid: true,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "refresh_token=" + second.RefreshToken,
				wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		})

		t.Run("a chain of refreshes stays one session", func(t *testing.T) {
			rt := e.signIn(t, u.Username, userPassword).RefreshToken
			for i := 0; i < 3; i++ {
				res := e.refreshAnswer(t, rt)
				require.Equal(t, http.StatusOK, res.status, "refresh %d: %s", i, res)
				var tr api.TokenResponse
				res.decode(t, &tr)
				rt = tr.RefreshToken
			}
			res := e.refreshAnswer(t, rt)
			assert.Equal(t, http.StatusOK, res.status, "%s", res)
		})

		t.Run("another session is not revoked by one's reuse", func(t *testing.T) {
			a := e.signIn(t, u.Username, userPassword).RefreshToken
			b := e.signIn(t, u.Username, userPassword).RefreshToken
			res := e.refreshAnswer(t, a)
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			res = e.refreshAnswer(t, a)
			require.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
			res = e.refreshAnswer(t, b)
			assert.Equal(t, http.StatusOK, res.status, "the other session lives on: %s", res)
		})

		t.Run("sign-out revokes the refresh token", func(t *testing.T) {
			rt := e.signIn(t, u.Username, userPassword).RefreshToken
			res := e.do(t, request{method: http.MethodPost, path: logoutPath, body: api.RefreshRequest{RefreshToken: rt}})
			require.Equal(t, http.StatusNoContent, res.status, "%s", res)
			assert.Empty(t, res.body)
			res = e.refreshAnswer(t, rt)
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		})

		t.Run("sign-out with an older token of the session revokes its newest", func(t *testing.T) {
			old := e.signIn(t, u.Username, userPassword).RefreshToken
			res := e.refreshAnswer(t, old)
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var tr api.TokenResponse
			res.decode(t, &tr)
			res = e.do(t, request{method: http.MethodPost, path: logoutPath, body: api.RefreshRequest{RefreshToken: old}})
			require.Equal(t, http.StatusNoContent, res.status, "%s", res)
			res = e.refreshAnswer(t, tr.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		})

		e.run(t, []tc{
			{name: "sign-out of an unknown session is no error", method: http.MethodPost, path: logoutPath,
				body: api.RefreshRequest{RefreshToken: "prt_unknown"}, wantStatus: http.StatusNoContent},
			{name: "sign-out twice is no error", method: http.MethodPost, path: logoutPath,
				body: api.RefreshRequest{RefreshToken: first.RefreshToken}, wantStatus: http.StatusNoContent},
			{name: "sign-out without a token", method: http.MethodPost, path: logoutPath, body: map[string]any{},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"refresh_token:required"}},
		})

		t.Run("a disabled user's refresh token is refused", func(t *testing.T) {
			d := e.newUser(t, "li.disabled", "bureau", "")
			rt := e.signIn(t, d.Username, userPassword).RefreshToken
			res := e.patchUserAnswer(t, d.ID, api.UserPatch{Disabled: ptr(true)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			res = e.refreshAnswer(t, rt)
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
			assert.Equal(t, "unauthorized", res.problem(t).Code)
		})

		t.Run("a refresh token expires after 12 hours", func(t *testing.T) {
			rt := e.signIn(t, u.Username, userPassword).RefreshToken
			e.setClock(t, now.Add(auth.RefreshTTL+time.Minute))
			res := e.refreshAnswer(t, rt)
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		})
	})
}

// TestRefreshConcurrent: of concurrent refreshes with one token exactly one
// gets a new pair. PostgreSQL, where the requests really run in parallel.
func TestRefreshConcurrent(t *testing.T) {
	e := newEnv(t, dbtest.Postgres(t))
	u := e.newUser(t, "li.concurrent", "leader", "")
	for round := 0; round < 3; round++ {
		rt := e.signIn(t, u.Username, userPassword).RefreshToken
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = e.refreshAnswer(t, rt).status
			}()
		}
		close(start)
		wg.Wait()
		var won, refused int
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				won++
			case http.StatusUnauthorized:
				refused++
			}
		}
		assert.Equal(t, 1, won, "round %d: exactly one refresh succeeds: %v", round, statuses)
		assert.Equal(t, n-1, refused, "round %d: the others are refused: %v", round, statuses)
	}
}

// TestRefreshWhilePasswordChanges: a refresh and an administrator's new
// password for the same account, at the same time, both answer (the locks
// are taken in one order: they used to deadlock and answer 500), and no
// refresh token outlives the change.
func TestRefreshWhilePasswordChanges(t *testing.T) {
	e := newEnv(t, dbtest.Postgres(t))
	u := e.newUser(t, "li.racing", "leader", "")
	password := userPassword
	for round := range 12 {
		// Used tokens make the revocation slower, as a long session does.
		rt := e.signIn(t, u.Username, password).RefreshToken
		for range 5 {
			res := e.refreshAnswer(t, rt)
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var tr api.TokenResponse
			res.decode(t, &tr)
			rt = tr.RefreshToken
		}
		version := e.userVersion(t, u.ID)
		password = fmt.Sprintf("a new password %d!", round)
		var refreshed, patched response
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); refreshed = e.refreshAnswer(t, rt) }()
		go func() {
			defer wg.Done()
			patched = e.do(t, request{principal: asAdmin, method: http.MethodPatch, path: usersPath + "/" + u.ID,
				body: api.UserPatch{Password: &password}, headers: map[string]string{"If-Match": strconv.Quote(strconv.Itoa(version))}})
		}()
		wg.Wait()
		require.Equal(t, http.StatusOK, patched.status, "round %d: the change: %s", round, patched)
		require.Contains(t, []int{http.StatusOK, http.StatusUnauthorized}, refreshed.status, "round %d: the refresh: %s", round, refreshed)
		if refreshed.status == http.StatusOK {
			var tr api.TokenResponse
			refreshed.decode(t, &tr)
			assert.Equal(t, http.StatusUnauthorized, e.refreshAnswer(t, tr.RefreshToken).status, "round %d: the new password ended the session", round)
		}
	}
}

// TestUsersAdmin: the administrator creates, lists and changes users; the
// answers never carry a password; changes take effect on sign-in and, for
// disabling, on the tokens already issued.
func TestUsersAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		create := func(name string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asAdmin, method: http.MethodPost, path: usersPath, body: body,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		var created api.User
		e.run(t, []tc{
			create("creates a department editor", api.UserCreate{Username: "chen.energy", Password: userPassword, Role: "dept_editor", Department: "energy"},
				http.StatusCreated, "").withCheck(func(t *testing.T, res response) {
				res.decode(t, &created)
				assert.NotEmpty(t, created.ID)
				assert.Equal(t, usersPath+"/"+created.ID, res.header.Get("Location"))
				assert.Equal(t, `"1"`, res.header.Get("ETag"))
				assert.Equal(t, api.User{ID: created.ID, Username: "chen.energy", Role: "dept_editor", Department: "energy",
					Version: 1, CreatedAt: "2021-06-15T02:00:00Z", UpdatedAt: "2021-06-15T02:00:00Z"}, created)
				assert.NotContains(t, string(res.body), userPassword)
				assert.NotContains(t, string(res.body), "password")
			}),
			create("creates a leader", api.UserCreate{Username: "chen.leader", Password: userPassword, Role: "leader"}, http.StatusCreated, ""),
			create("a taken username", api.UserCreate{Username: "chen.energy", Password: userPassword, Role: "bureau"},
				http.StatusConflict, "conflict", "username:not_unique"),
			create("a password of 11 characters", api.UserCreate{Username: "chen.short", Password: "elevenchars", Role: "bureau"},
				http.StatusBadRequest, "validation_failed", "password:too_short"),
			create("a department role without a department", api.UserCreate{Username: "chen.nodept", Password: userPassword, Role: "dept_viewer"},
				http.StatusBadRequest, "validation_failed", "department:required"),
			create("an unknown department", api.UserCreate{Username: "chen.nowhere", Password: userPassword, Role: "dept_editor", Department: "atlantis"},
				http.StatusBadRequest, "validation_failed", "department:unknown"),
			create("a department that is no code", api.UserCreate{Username: "chen.nul", Password: userPassword, Role: "dept_editor", Department: "x\x00"},
				http.StatusBadRequest, "validation_failed", "department:invalid_format"),
			{name: "an unknown role", principal: asAdmin, method: http.MethodPost, path: usersPath, invalid: true,
				body:       map[string]any{"username": "chen.role", "password": userPassword, "role": "superuser"},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"role:invalid_value"}},
			create("a username with a space", api.UserCreate{Username: "chen energy", Password: userPassword, Role: "bureau"},
				http.StatusBadRequest, "validation_failed", "username:invalid_format"),
			create("an unknown member", map[string]any{"username": "chen.x", "password": userPassword, "role": "bureau", "admin": true},
				http.StatusBadRequest, "unknown_field", "admin:unknown_field"),
		})
		require.NotEmpty(t, created.ID)
		userPath := usersPath + "/" + created.ID

		t.Run("the list has every user, without passwords", func(t *testing.T) {
			res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: usersPath})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.UserList
			res.decode(t, &l)
			var usernames []string
			for _, u := range l.Items {
				usernames = append(usernames, u.Username)
			}
			assert.Subset(t, usernames, []string{"chen.energy", "chen.leader", asAdmin, asBureau})
			assert.NotContains(t, usernames, "chen.short")
			assert.Contains(t, l.Items, created)
			assert.NotContains(t, string(res.body), "password")
			assert.Nil(t, l.NextCursor)
		})

		ifMatch := func(v string) map[string]string { return map[string]string{"If-Match": v} }
		patch := func(name string, v string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asAdmin, method: http.MethodPatch, path: userPath, headers: ifMatch(v), body: body,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			{name: "If-Match is required", principal: asAdmin, method: http.MethodPatch, path: userPath, invalid: true,
				body: api.UserPatch{Role: ptr("dept_viewer")}, wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"},
			patch("a stale version", `"7"`, api.UserPatch{Role: ptr("dept_viewer")}, http.StatusPreconditionFailed, "version_conflict"),
			patch("a role change", `"1"`, api.UserPatch{Role: ptr("dept_viewer")}, http.StatusOK, "").withCheck(func(t *testing.T, res response) {
				var u api.User
				res.decode(t, &u)
				assert.Equal(t, "dept_viewer", u.Role)
				assert.Equal(t, "energy", u.Department)
				assert.Equal(t, 2, u.Version)
				assert.Equal(t, `"2"`, res.header.Get("ETag"))
			}),
			patch("the old version is stale now", `"1"`, api.UserPatch{Role: ptr("dept_editor")}, http.StatusPreconditionFailed, "version_conflict"),
			patch("a department change", `"2"`, api.UserPatch{Department: ptr("industry")}, http.StatusOK, "").withCheck(func(t *testing.T, res response) {
				var u api.User
				res.decode(t, &u)
				assert.Equal(t, "industry", u.Department)
				assert.Equal(t, 3, u.Version)
			}),
			patch("an unknown department", `"3"`, api.UserPatch{Department: ptr("atlantis")}, http.StatusBadRequest, "validation_failed", "department:unknown"),
			patch("a department that is no code", `"3"`, api.UserPatch{Department: ptr("x\x00")}, http.StatusBadRequest, "validation_failed", "department:invalid_format"),
			patch("a department role loses its department", `"3"`, api.UserPatch{Department: ptr("")}, http.StatusBadRequest,
				"validation_failed", "department:required"),
			patch("a short password", `"3"`, api.UserPatch{Password: ptr("short")}, http.StatusBadRequest, "validation_failed", "password:too_short"),
			patch("a read-only member", `"3"`, map[string]any{"username": "renamed"}, http.StatusBadRequest, "validation_failed", "username:read_only"),
			{name: "an unknown user", principal: asAdmin, method: http.MethodPatch, path: usersPath + "/" + newID(), headers: ifMatch(`"1"`),
				body: api.UserPatch{Disabled: ptr(true)}, wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "the administrator cannot disable itself", principal: asAdmin, method: http.MethodPatch,
				path: usersPath + "/" + e.principals[asAdmin].Subject, headers: ifMatch(`"1"`),
				body: api.UserPatch{Disabled: ptr(true)}, wantStatus: http.StatusConflict, wantCode: "conflict"},
		})

		t.Run("the refused changes changed nothing", func(t *testing.T) {
			assert.Equal(t, 3, e.userVersion(t, created.ID))
			assert.Equal(t, 1, e.userVersion(t, e.principals[asAdmin].Subject))
			res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: "/api/v1/projects"})
			assert.Equal(t, http.StatusOK, res.status, "the administrator is still enabled: %s", res)
		})

		t.Run("a role change takes effect at the next sign-in", func(t *testing.T) {
			tr := e.signIn(t, "chen.energy", userPassword)
			c := claimsOf(t, tr.AccessToken)
			assert.Equal(t, "dept_viewer", c["role"])
			assert.Equal(t, "industry", c["dept"])
			res := e.patchUserAnswer(t, created.ID, api.UserPatch{Role: ptr("bureau")})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var u api.User
			res.decode(t, &u)
			assert.Empty(t, u.Department, "a role without a department drops it")
			c = claimsOf(t, e.signIn(t, "chen.energy", userPassword).AccessToken)
			assert.Equal(t, "bureau", c["role"])
			assert.NotContains(t, c, "dept")
		})

		t.Run("a new password signs in, the old one no longer", func(t *testing.T) {
			const newPassword = "winter jasmine 2022"
			res := e.patchUserAnswer(t, created.ID, api.UserPatch{Password: ptr(newPassword)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.NotContains(t, string(res.body), newPassword)
			e.signIn(t, "chen.energy", newPassword)
			res = e.signInAnswer(t, "chen.energy", userPassword)
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		})

		t.Run("a disabled user loses its tokens within 30 seconds and cannot sign in", func(t *testing.T) {
			d := e.newUser(t, "chen.leaving", "dept_editor", "energy")
			tr := e.signIn(t, d.Username, userPassword)
			other := e.replica(t)
			for _, srv := range []*env{e, other} {
				res := srv.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(tr.AccessToken)})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
			}
			wrong := withoutRequestID(t, e.signInAnswer(t, "chen.nobody", userPassword))

			res := e.patchUserAnswer(t, d.ID, api.UserPatch{Disabled: ptr(true)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var u api.User
			res.decode(t, &u)
			assert.True(t, u.Disabled)

			e.setClock(t, now.Add(31*time.Second))
			// Both the replica that disabled the user and one that had the
			// account cached as active refuse the token now.
			for _, srv := range []*env{e, other} {
				res = srv.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(tr.AccessToken)})
				assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
				assert.Equal(t, "unauthorized", res.problem(t).Code)
			}
			res = e.signInAnswer(t, d.Username, userPassword)
			require.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
			assert.Equal(t, wrong, withoutRequestID(t, res), "a disabled account answers like a wrong password")

			res = e.patchUserAnswer(t, d.ID, api.UserPatch{Disabled: ptr(false)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			e.signIn(t, d.Username, userPassword)
		})
	})
}

// withCheck returns the row with a check of its answer.
func (c tc) withCheck(check func(t *testing.T, res response)) tc {
	c.check = check
	return c
}

// adminRoutes are the administrator's routes of the identity feature.
func adminRoutes(userID, clientID string) []struct{ method, path string } {
	return []struct{ method, path string }{
		{http.MethodGet, usersPath},
		{http.MethodPost, usersPath},
		{http.MethodPatch, usersPath + "/" + userID},
		{http.MethodGet, clientsPath},
		{http.MethodPost, clientsPath},
		{http.MethodPatch, clientsPath + "/" + clientID},
		{http.MethodPost, clientsPath + "/" + clientID + "/rotate-secret"},
	}
}

// TestUsersAndClientsAreAdminOnly: every other principal gets 403 on every
// user and client route, and nothing changes.
func TestUsersAndClientsAreAdminOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		u := e.newUser(t, "qian.target", "dept_viewer", "energy")
		c := e.newClient(t, "能源局项目系统", "energy", identity.ScopeProjectsRead)
		bodies := map[string]any{
			usersPath:   api.UserCreate{Username: "qian.new", Password: userPassword, Role: "admin"},
			clientsPath: api.ClientCreate{Name: "x", Department: "energy", Scopes: []string{identity.ScopeProjectsWrite}},
		}
		users := func(t *testing.T) []api.User {
			t.Helper()
			res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: usersPath})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.UserList
			res.decode(t, &l)
			return l.Items
		}
		clients := func(t *testing.T) []api.Client {
			t.Helper()
			res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: clientsPath})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.ClientList
			res.decode(t, &l)
			return l.Items
		}
		usersBefore, clientsBefore := users(t), clients(t)

		var rows []tc
		for _, as := range []string{asBureau, asLeader, asEnergyEditor, asEnergyViewer, asIndustryEditor,
			asEnergyClientRead, asEnergyClientWrite, asEnergyClientNone} {
			for _, r := range adminRoutes(u.ID, c.ID) {
				var body any
				switch r.method {
				case http.MethodPost:
					body = bodies[r.path]
				case http.MethodPatch:
					body = map[string]any{"disabled": true}
				}
				rows = append(rows, tc{name: as + " " + r.method + " " + r.path, principal: as, method: r.method, path: r.path,
					body: body, headers: map[string]string{"If-Match": `"1"`}, wantStatus: http.StatusForbidden, wantCode: "forbidden"})
			}
		}
		e.run(t, rows)

		t.Run("nothing changed", func(t *testing.T) {
			assert.Equal(t, usersBefore, users(t))
			assert.Equal(t, clientsBefore, clients(t))
			e.clientToken(t, c, "")
		})
	})
}

// TestClientsAdmin: registering a department system answers its secret once;
// the list never shows it; changes need If-Match; rotation replaces it.
func TestClientsAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var created api.Client
		create := func(name string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asAdmin, method: http.MethodPost, path: clientsPath, body: body,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		e.run(t, []tc{
			create("registers a department system", api.ClientCreate{Name: " 能源局项目系统 ", Department: "energy",
				Scopes: []string{identity.ScopeProjectsWrite, identity.ScopeProjectsRead, identity.ScopeProjectsRead}}, http.StatusCreated, "").
				withCheck(func(t *testing.T, res response) {
					res.decode(t, &created)
					assert.Equal(t, clientsPath+"/"+created.ID, res.header.Get("Location"))
					assert.Equal(t, `"1"`, res.header.Get("ETag"))
					assert.Equal(t, "no-store", res.header.Get("Cache-Control"), "an answer with a secret is not cached")
					assert.NotEmpty(t, created.ClientID)
					assert.NotEmpty(t, created.ClientSecret)
					assert.GreaterOrEqual(t, len(created.ClientSecret), 32, "a long random secret")
					assert.Equal(t, "能源局项目系统", created.Name)
					assert.Equal(t, "energy", created.Department)
					assert.Equal(t, []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}, created.Scopes)
					assert.Equal(t, 1, created.Version)
					assert.False(t, created.Disabled)
				}),
			create("an unknown scope", api.ClientCreate{Name: "x", Department: "energy", Scopes: []string{"projects:delete"}},
				http.StatusBadRequest, "validation_failed", "scopes:invalid_value"),
			create("no name", api.ClientCreate{Name: " ", Department: "energy", Scopes: []string{identity.ScopeProjectsRead}}, http.StatusBadRequest, "validation_failed", "name:required"),
			create("no department", api.ClientCreate{Name: "x", Scopes: []string{identity.ScopeProjectsRead}}, http.StatusBadRequest, "validation_failed", "department:required"),
			create("an unknown department", api.ClientCreate{Name: "x", Department: "atlantis", Scopes: []string{identity.ScopeProjectsRead}},
				http.StatusBadRequest, "validation_failed", "department:unknown"),
			create("a department that is no code", api.ClientCreate{Name: "x", Department: "x\x00", Scopes: []string{identity.ScopeProjectsRead}},
				http.StatusBadRequest, "validation_failed", "department:invalid_format"),
			create("a secret is not the caller's to choose", map[string]any{"name": "x", "department": "energy", "client_secret": "mine"},
				http.StatusBadRequest, "unknown_field", "client_secret:unknown_field"),
		})
		require.NotEmpty(t, created.ClientSecret)
		clientPath := clientsPath + "/" + created.ID

		listed := func(t *testing.T) api.Client {
			t.Helper()
			res := e.do(t, request{principal: asAdmin, method: http.MethodGet, path: clientsPath})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.NotContains(t, string(res.body), "client_secret")
			assert.NotContains(t, string(res.body), created.ClientSecret)
			var l api.ClientList
			res.decode(t, &l)
			for _, c := range l.Items {
				assert.Empty(t, c.ClientSecret)
				if c.ID == created.ID {
					return c
				}
			}
			require.Fail(t, "the client is not listed")
			return api.Client{}
		}
		t.Run("the list never shows the secret", func(t *testing.T) {
			c := listed(t)
			want := created
			want.ClientSecret = ""
			assert.Equal(t, want, c)
		})

		e.run(t, []tc{
			{name: "If-Match is required", principal: asAdmin, method: http.MethodPatch, path: clientPath, invalid: true,
				body: api.ClientPatch{Disabled: ptr(true)}, wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"},
			{name: "a stale version", principal: asAdmin, method: http.MethodPatch, path: clientPath, headers: map[string]string{"If-Match": `"2"`},
				body: api.ClientPatch{Disabled: ptr(true)}, wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"},
			{name: "an unknown scope", principal: asAdmin, method: http.MethodPatch, path: clientPath, headers: map[string]string{"If-Match": `"1"`},
				body: api.ClientPatch{Scopes: &[]string{"admin"}}, wantStatus: http.StatusBadRequest, wantCode: "validation_failed",
				wantFields: []string{"scopes:invalid_value"}},
			{name: "the department is fixed", principal: asAdmin, method: http.MethodPatch, path: clientPath, headers: map[string]string{"If-Match": `"1"`},
				body: map[string]any{"department": "industry"}, wantStatus: http.StatusBadRequest, wantCode: "validation_failed",
				wantFields: []string{"department:read_only"}},
			{name: "an unknown client", principal: asAdmin, method: http.MethodPatch, path: clientsPath + "/" + newID(),
				headers: map[string]string{"If-Match": `"1"`}, body: api.ClientPatch{Disabled: ptr(true)},
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "rotating an unknown client's secret", principal: asAdmin, method: http.MethodPost, path: clientsPath + "/" + newID() + "/rotate-secret",
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "narrowing the scopes", principal: asAdmin, method: http.MethodPatch, path: clientPath, headers: map[string]string{"If-Match": `"1"`},
				body: api.ClientPatch{Scopes: &[]string{identity.ScopeProjectsRead}}, wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var c api.Client
					res.decode(t, &c)
					assert.Equal(t, []string{identity.ScopeProjectsRead}, c.Scopes)
					assert.Equal(t, 2, c.Version)
					assert.Empty(t, c.ClientSecret)
					assert.Equal(t, `"2"`, res.header.Get("ETag"))
				}},
		})

		t.Run("a scope taken away can no longer be asked for", func(t *testing.T) {
			res := e.oauthToken(t, oauthRequest{form: clientForm(created.ClientID, created.ClientSecret, identity.ScopeProjectsWrite)})
			assert.Equal(t, http.StatusBadRequest, res.status, "%s", res)
			assert.Equal(t, "invalid_scope", oauthError(t, res))
			tr := e.clientToken(t, created, "")
			assert.Equal(t, identity.ScopeProjectsRead, tr.Scope)
		})

		t.Run("rotation answers a new secret once and retires the old one", func(t *testing.T) {
			res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: clientPath + "/rotate-secret"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			var rotated api.Client
			res.decode(t, &rotated)
			require.NotEmpty(t, rotated.ClientSecret)
			assert.NotEqual(t, created.ClientSecret, rotated.ClientSecret)
			assert.Equal(t, created.ClientID, rotated.ClientID, "the client keeps its client_id")
			assert.Equal(t, 3, rotated.Version)

			res = e.oauthToken(t, oauthRequest{form: clientForm(created.ClientID, created.ClientSecret, "")})
			assert.Equal(t, http.StatusUnauthorized, res.status, "the old secret: %s", res)
			assert.Equal(t, "invalid_client", oauthError(t, res))
			res = e.oauthToken(t, oauthRequest{form: url.Values{"grant_type": {"client_credentials"}},
				basic: &[2]string{rotated.ClientID, rotated.ClientSecret}})
			assert.Equal(t, http.StatusOK, res.status, "the new secret: %s", res)
			c := listed(t)
			assert.Empty(t, c.ClientSecret)
			assert.Equal(t, 3, c.Version)
		})
	})
}

// TestTokenEndpoint holds RFC 6749 §4.4 and §5.2 for the department systems:
// client authentication by HTTP Basic or in the form, scopes, and OAuth
// error answers.
func TestTokenEndpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.newClient(t, "能源局项目系统", "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
		grant := url.Values{"grant_type": {"client_credentials"}}
		withScope := func(scope string) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
		}
		basic := &[2]string{c.ClientID, c.ClientSecret}

		granted := func(scope, role string) func(t *testing.T, res response) {
			return func(t *testing.T, res response) {
				t.Helper()
				require.Equal(t, http.StatusOK, res.status, "%s", res)
				var tr api.TokenResponse
				res.decode(t, &tr)
				assert.Equal(t, "Bearer", tr.TokenType)
				assert.Equal(t, 900, tr.ExpiresIn)
				assert.Equal(t, scope, tr.Scope)
				assert.Empty(t, tr.RefreshToken, "client credentials get no refresh token (RFC 6749 §4.4.3)")
				cl := claimsOf(t, tr.AccessToken)
				assert.Equal(t, c.ClientID, cl["client_id"])
				assert.Equal(t, c.ID, cl["sub"])
				assert.Equal(t, "energy", cl["dept"])
				assert.Equal(t, scope, cl["scope"])
				assert.Equal(t, role, cl["role"])
				assert.Equal(t, e.cfg.JWTIssuer, cl["iss"])
				assert.Equal(t, float64(now.Unix()+900), cl["exp"])
			}
		}
		refused := func(status int, code string) func(t *testing.T, res response) {
			return func(t *testing.T, res response) {
				t.Helper()
				require.Equal(t, status, res.status, "%s", res)
				assert.Equal(t, code, oauthError(t, res))
			}
		}
		for _, row := range []struct {
			name  string
			o     oauthRequest
			check func(t *testing.T, res response)
		}{
			{"HTTP Basic", oauthRequest{form: grant, basic: basic},
				granted("projects:read projects:write", "dept_editor")},
			{"credentials in the form", oauthRequest{form: clientForm(c.ClientID, c.ClientSecret, "")},
				granted("projects:read projects:write", "dept_editor")},
			{"a narrower scope", oauthRequest{form: withScope(identity.ScopeProjectsRead), basic: basic},
				granted("projects:read", "dept_viewer")},
			{"scopes in another order", oauthRequest{form: withScope("projects:write projects:read"), basic: basic},
				granted("projects:write projects:read", "dept_editor")},
			{"a wrong secret by Basic", oauthRequest{form: grant, basic: &[2]string{c.ClientID, c.ClientSecret + "x"}},
				refused(http.StatusUnauthorized, "invalid_client")},
			{"a wrong secret in the form", oauthRequest{form: clientForm(c.ClientID, "pcs_wrong", "")},
				refused(http.StatusUnauthorized, "invalid_client")},
			{"an unknown client", oauthRequest{form: grant, basic: &[2]string{"pc_unknown", c.ClientSecret}},
				refused(http.StatusUnauthorized, "invalid_client")},
			{"no client authentication", oauthRequest{form: grant},
				refused(http.StatusUnauthorized, "invalid_client")},
			{"an empty secret", oauthRequest{form: clientForm(c.ClientID, "", "")},
				refused(http.StatusUnauthorized, "invalid_client")},
			{"the password grant", oauthRequest{form: url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"x"}}, basic: basic},
				refused(http.StatusBadRequest, "unsupported_grant_type")},
			{"the authorization code grant", oauthRequest{form: url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, basic: basic},
				refused(http.StatusBadRequest, "unsupported_grant_type")},
			{"no grant type", oauthRequest{form: url.Values{"scope": {identity.ScopeProjectsRead}}, basic: basic, invalid: true},
				refused(http.StatusBadRequest, "invalid_request")},
			{"a scope not granted", oauthRequest{form: withScope(identity.ScopeEventsRead), basic: basic},
				refused(http.StatusBadRequest, "invalid_scope")},
			{"an unknown scope", oauthRequest{form: withScope("projects:read admin"), basic: basic},
				refused(http.StatusBadRequest, "invalid_scope")},
			{"two authentication methods", oauthRequest{form: clientForm(c.ClientID, c.ClientSecret, ""), basic: basic},
				refused(http.StatusBadRequest, "invalid_request")},
			{"a repeated parameter", oauthRequest{form: url.Values{"grant_type": {"client_credentials", "client_credentials"}}, basic: basic, invalid: true},
				refused(http.StatusBadRequest, "invalid_request")},
			{"a JSON body", oauthRequest{contentType: "application/json", invalid: true,
				raw: `{"grant_type":"client_credentials","client_id":"` + c.ClientID + `","client_secret":"` + c.ClientSecret + `"}`},
				refused(http.StatusBadRequest, "invalid_request")},
			{"no body at all", oauthRequest{contentType: "text/plain", basic: basic, invalid: true},
				refused(http.StatusBadRequest, "invalid_request")},
		} {
			t.Run(row.name, func(t *testing.T) { row.check(t, e.oauthToken(t, row.o)) })
		}

		t.Run("a disabled client gets no token", func(t *testing.T) {
			d := e.newClient(t, "停用的系统", "energy", identity.ScopeProjectsRead)
			res := e.patchClientAnswer(t, d.ID, 1, api.ClientPatch{Disabled: ptr(true)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			res = e.oauthToken(t, oauthRequest{form: clientForm(d.ClientID, d.ClientSecret, "")})
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
			assert.Equal(t, "invalid_client", oauthError(t, res))
		})
	})
}

// TestClientTokens: what a department system's token may do is its
// department's projects, within its scopes; disabling the client stops its
// tokens within 30 seconds.
func TestClientTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		energy := e.create(t, asBureau, projectBody("energy wind"))
		industry := e.create(t, asBureau, with(projectBody("industry zinc"), "department", "industry", "category", "materials"))
		reader := e.newClient(t, "能源局查询系统", "energy", identity.ScopeProjectsRead)
		writer := e.newClient(t, "能源局项目系统", "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
		readToken := e.clientToken(t, reader, "").AccessToken
		writeToken := e.clientToken(t, writer, "").AccessToken
		narrowed := e.clientToken(t, writer, identity.ScopeProjectsRead).AccessToken
		var createdID string

		e.run(t, []tc{
			{name: "projects:read lists its department's projects", method: http.MethodGet, path: "/api/v1/projects?count=true",
				headers: bearer(readToken), wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					var l api.ProjectList
					res.decode(t, &l)
					assert.Equal(t, []string{"energy wind"}, names(l.Items))
				}},
			{name: "projects:read reads its department's project", method: http.MethodGet, path: "/api/v1/projects/" + energy.ID,
				headers: bearer(readToken), wantStatus: http.StatusOK},
			{name: "another department's project does not exist for it", method: http.MethodGet, path: "/api/v1/projects/" + industry.ID,
				headers: bearer(readToken), wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "projects:read cannot create", method: http.MethodPost, path: "/api/v1/projects", headers: bearer(readToken),
				body: with(projectBody("reader wind"), "department", nil), wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "projects:read cannot patch", method: http.MethodPatch, path: "/api/v1/projects/" + energy.ID,
				headers: withBearer(readToken, "If-Match", `"1"`), body: map[string]any{"leader": "x"},
				wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "a token narrowed to projects:read cannot create", method: http.MethodPost, path: "/api/v1/projects",
				headers: bearer(narrowed), body: with(projectBody("narrow wind"), "department", nil),
				wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "projects:write creates its department's project", method: http.MethodPost, path: "/api/v1/projects",
				headers: bearer(writeToken), body: with(projectBody("writer wind"), "department", nil), wantStatus: http.StatusCreated,
				check: func(t *testing.T, res response) {
					p := res.project(t)
					assert.Equal(t, "energy", p.Department)
					createdID = p.ID
				}},
			{name: "projects:write cannot create for another department", method: http.MethodPost, path: "/api/v1/projects",
				headers: bearer(writeToken), body: with(projectBody("writer zinc"), "department", "industry", "category", "materials"),
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"department:not_allowed"}},
			{name: "projects:write patches its department's project", method: http.MethodPatch, path: "/api/v1/projects/" + energy.ID,
				headers: withBearer(writeToken, "If-Match", `"1"`), body: map[string]any{"leader": "能源局"}, wantStatus: http.StatusOK},
			{name: "projects:write cannot patch another department's", method: http.MethodPatch, path: "/api/v1/projects/" + industry.ID,
				headers: withBearer(writeToken, "If-Match", `"1"`), body: map[string]any{"leader": "能源局"},
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "projects:write cannot archive", method: http.MethodDelete, path: "/api/v1/projects/" + energy.ID,
				headers: withBearer(writeToken, "If-Match", `"2"`), wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "a client token cannot administer", method: http.MethodGet, path: clientsPath,
				headers: bearer(writeToken), wantStatus: http.StatusForbidden, wantCode: "forbidden"},
		})
		require.NotEmpty(t, createdID)

		t.Run("the refusals changed nothing", func(t *testing.T) {
			got, _ := e.get(t, asBureau, industry.ID)
			assert.Equal(t, industry, got)
			got, _ = e.get(t, asBureau, energy.ID)
			assert.Equal(t, 2, got.Version)
			assert.Nil(t, got.ArchivedAt)
			assert.Equal(t, int64(3), e.count(t, asBureau))
		})

		t.Run("a disabled client's token stops working within 30 seconds", func(t *testing.T) {
			other := e.replica(t)
			for _, srv := range []*env{e, other} {
				res := srv.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(readToken)})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
			}
			res := e.patchClientAnswer(t, reader.ID, 1, api.ClientPatch{Disabled: ptr(true)})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			e.setClock(t, now.Add(31*time.Second))
			for _, srv := range []*env{e, other} {
				res = srv.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(readToken)})
				assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
			}
			res = e.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(writeToken)})
			assert.Equal(t, http.StatusOK, res.status, "another client is not affected: %s", res)
		})
	})
}

// TestLoginRateLimitConcurrent: guesses sent in parallel are limited like
// guesses sent one after another: no more than five wrong passwords for a
// username are ever checked in a window.
func TestLoginRateLimitConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.auth.SetSleep(noSleep) // guesses in flight count for the account's delay
		u := e.newUser(t, "zhou.target", "bureau", "")
		const n = 16
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = e.signInAnswer(t, u.Username, fmt.Sprintf("parallel guess %02d", i)).status
			}()
		}
		close(start)
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		assert.Equal(t, n, counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests], "only 401 and 429: %v", statuses)
		assert.LessOrEqual(t, counts[http.StatusUnauthorized], auth.MaxFailuresPerPair, "passwords checked: %v", statuses)
		res := e.signInAnswer(t, u.Username, userPassword)
		assert.Equal(t, http.StatusTooManyRequests, res.status, "%s", res)
	})
}
