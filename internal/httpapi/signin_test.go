package httpapi_test

// Sign-in throttling and the end of access tokens (docs/api.md, "Sign-in"
// and "Sign-in throttling"), on both databases.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// noSleep replaces the delay of sign-in attempts on an account that failed
// often: the tests do not wait it.
func noSleep(context.Context, time.Duration) error { return nil }

// signInFrom signs in from a client address of the test's choosing (the
// harness sends every request from httptest's one address).
func (e *env) signInFrom(t *testing.T, from, username, password string) response {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	req := httptest.NewRequest(http.MethodPost, loginPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = from + ":40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	req = httptest.NewRequest(http.MethodPost, loginPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	checkSpec(t, request{method: http.MethodPost, path: loginPath}, req, res)
	return res
}

// requireLimited asserts a 429 whose Retry-After is wait, in whole seconds.
func requireLimited(t *testing.T, res response, wait time.Duration) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, res.status, "%s", res)
	assert.Equal(t, "rate_limited", res.problem(t).Code)
	assert.Equal(t, strconv.Itoa(int(wait.Seconds())), res.header.Get("Retry-After"))
}

// TestAdminNotLockedOut: five wrong passwords for the administrator from
// another address throttle that address only; the administrator signs in
// from theirs at once, and then from any replica.
func TestAdminNotLockedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.auth.SetSleep(noSleep)
		admin := e.newUser(t, "zhang.admin", "admin", "")
		const attacker, office = "203.0.113.66", "198.51.100.20"
		for i := range auth.MaxFailuresPerPair {
			res := e.signInFrom(t, attacker, admin.Username, "guess "+strconv.Itoa(i))
			require.Equal(t, http.StatusUnauthorized, res.status, "failure %d: %s", i+1, res)
		}
		requireLimited(t, e.signInFrom(t, attacker, admin.Username, userPassword), time.Second)
		res := e.signInFrom(t, office, admin.Username, userPassword)
		require.Equal(t, http.StatusOK, res.status, "the administrator from their own address: %s", res)
		r := e.replica(t)
		r.auth.SetSleep(noSleep)
		requireLimited(t, r.signInFrom(t, attacker, admin.Username, userPassword), time.Second)
		res = r.signInFrom(t, office, admin.Username, userPassword)
		require.Equal(t, http.StatusOK, res.status, "on another replica: %s", res)

		// The attacker's turns: 1 s, then 2 s later, … never more than 60 s.
		e.setClock(t, now.Add(time.Second))
		res = e.signInFrom(t, attacker, admin.Username, "another guess")
		require.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		requireLimited(t, e.signInFrom(t, attacker, admin.Username, userPassword), 2*time.Second)
	})
}

// TestLoginRateLimitPerAddress: an address that failed on 100 usernames in
// 15 minutes is refused for other usernames until its window ends; another
// address is not affected.
func TestLoginRateLimitPerAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		u := e.newUser(t, "sun.victim", "leader", "")
		const sprayer = "203.0.113.9"
		for i := range auth.MaxAccountsPerAddr {
			res := e.signInFrom(t, sprayer, fmt.Sprintf("guess%03d", i), "wrong password")
			require.Equal(t, http.StatusUnauthorized, res.status, "failure %d: %s", i+1, res)
		}
		e.setClock(t, now.Add(time.Minute))
		requireLimited(t, e.signInFrom(t, sprayer, u.Username, userPassword), auth.LoginWindow-time.Minute)
		res := e.signInFrom(t, "198.51.100.21", u.Username, userPassword)
		assert.Equal(t, http.StatusOK, res.status, "another address: %s", res)
		e.setClock(t, now.Add(auth.LoginWindow))
		res = e.signInFrom(t, sprayer, u.Username, userPassword)
		assert.Equal(t, http.StatusOK, res.status, "after the window: %s", res)
	})
}

// TestPasswordChangeEndsAccessTokens: after a new password, the old access
// token answers 401 at once on the replica that changed it and within 5
// seconds on another, which had the account cached; the token signed in
// with the new password, in the same second, works on both.
func TestPasswordChangeEndsAccessTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		r := e.replica(t)
		u := e.newUser(t, "li.ended", "bureau", "")
		old := e.signIn(t, u.Username, userPassword)
		get := func(e *env, token string) int {
			t.Helper()
			return e.do(t, request{method: http.MethodGet, path: "/api/v1/projects", headers: bearer(token)}).status
		}
		require.Equal(t, http.StatusOK, get(e, old.AccessToken))
		require.Equal(t, http.StatusOK, get(r, old.AccessToken), "the other replica caches the account")

		newPassword := "a new password 2021"
		res := e.do(t, request{principal: asAdmin, method: http.MethodPatch, path: usersPath + "/" + u.ID,
			body: api.UserPatch{Password: &newPassword}, headers: map[string]string{"If-Match": `"1"`}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, http.StatusUnauthorized, get(e, old.AccessToken), "at once on this replica")
		fresh := e.signIn(t, u.Username, newPassword) // the same second
		assert.Equal(t, http.StatusOK, get(e, fresh.AccessToken), "the new token")
		assert.Equal(t, http.StatusOK, get(r, fresh.AccessToken), "the new token on the other replica")

		e.clock.set(now.Add(5*time.Second - time.Millisecond))
		fmt.Printf("%s: the old token on the other replica 4.999 s after: %d\n", t.Name(), get(r, old.AccessToken))
		e.clock.set(now.Add(5 * time.Second))
		assert.Equal(t, http.StatusUnauthorized, get(r, old.AccessToken), "ended within 5 seconds on the other replica")
		assert.Equal(t, http.StatusOK, get(r, fresh.AccessToken))
	})
}
