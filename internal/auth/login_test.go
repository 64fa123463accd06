package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

const addr = "192.0.2.1"

func TestLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	bureauUser := f.user(t, "li.ming", identity.RoleBureau, "")
	editor := f.user(t, "能源局编辑", identity.RoleDeptEditor, "energy")

	for _, u := range []auth.User{bureauUser, editor} {
		t.Run(u.Username, func(t *testing.T) {
			tok, p, err := f.svc.Login(ctx, u.Username, password, addr)
			require.NoError(t, err)
			want := identity.Principal{Subject: u.ID, Name: u.Username, Role: u.Role, Department: u.Department}
			assert.Equal(t, want, p)
			got, err := f.tokens.Verify(tok.AccessToken)
			require.NoError(t, err)
			assert.Equal(t, want, got, "the access token carries the principal")
			assert.Equal(t, 15*time.Minute, tok.ExpiresIn)
			assert.True(t, strings.HasPrefix(tok.RefreshToken, "prt_"), tok.RefreshToken)
			a := f.audit.last(t)
			assert.Equal(t, want, a.by)
			assert.Equal(t, "auth.login", a.record.Action)
			assert.Equal(t, u.ID, a.record.ResourceID)
			_, counted := f.mem.Failures.Window("user:" + strings.ToLower(u.Username))
			assert.False(t, counted, "a sign-in clears the username's failures")
		})
	}
}

// TestLoginRefused shows that a wrong password, an unknown user and a
// disabled account answer alike, and a name that cannot exist answers so
// at once, counting nothing.
func TestLoginRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	gone := f.user(t, "gone", identity.RoleLeader, "")
	f.setDisabled(t, gone.ID, true)

	var detail *apperr.Error
	for _, c := range []struct {
		name, username, password string
		counted                  bool
	}{
		{"a wrong password", "li.ming", "wrong password!", true},
		{"another case of the username", "LI.MING", password, true},
		{"an unknown user", "nobody", password, true},
		{"a disabled account", "gone", password, true},
		{"an empty password", "li.ming", "", true},
		{"a space in the name", "li ming", password, false},
		{"a control character in the name", "li\x7fming", password, false},
		{"invalid UTF-8", "li\xffming", password, false},
		{"a name too long", strings.Repeat("a", 65), password, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			records := f.audit.count()
			tok, p, err := f.svc.Login(ctx, c.username, c.password, c.name)
			e := requireKind(t, apperr.Unauthenticated, err)
			if detail == nil {
				detail = e
			}
			assert.Equal(t, detail, e, "every refusal answers alike")
			assert.Zero(t, tok)
			assert.Zero(t, p)
			_, counted := f.mem.Failures.Window("addr:" + c.name)
			assert.Equal(t, c.counted, counted, "the attempt is counted")
			assert.Equal(t, records, f.audit.count(), "nothing audited")
		})
	}
	assert.Empty(t, f.mem.Sessions.Tokens(), "no session begun")
}

// fail signs in with a wrong password, expecting the refusal of a wrong
// password (not a limit).
func (f *fixture) fail(t *testing.T, username, from string) {
	t.Helper()
	_, _, err := f.svc.Login(context.Background(), username, "wrong password!", from)
	requireKind(t, apperr.Unauthenticated, err)
}

// requireLimited asserts that a sign-in, even with the right password, is
// refused as rate limited, to retry after wait.
func (f *fixture) requireLimited(t *testing.T, username, from string, wait time.Duration) {
	t.Helper()
	_, _, err := f.svc.Login(context.Background(), username, password, from)
	e := requireKind(t, apperr.RateLimited, err)
	assert.Equal(t, wait, e.RetryAfter)
}

func (f *fixture) count(t *testing.T, key string) int {
	t.Helper()
	w, _ := f.mem.Failures.Window(key)
	return w.Count
}

func TestLoginThrottledPerUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	f.user(t, "wang.fang", identity.RoleBureau, "")
	for i := range auth.MaxFailuresPerUser {
		f.fail(t, []string{"li.ming", "Li.Ming"}[i%2], addr) // one counter, whatever the case
		f.clock.add(time.Minute)
	}
	f.requireLimited(t, "li.ming", addr, auth.LoginWindow-5*time.Minute)
	f.requireLimited(t, "LI.MING", "198.51.100.7", auth.LoginWindow-5*time.Minute)
	assert.Equal(t, auth.MaxFailuresPerUser, f.count(t, "user:li.ming"), "a refused attempt is given back")
	assert.Equal(t, auth.MaxFailuresPerUser, f.count(t, "addr:"+addr), "to the address too")
	f.login(t, "wang.fang") // another user from the same address

	f.clock.add(auth.LoginWindow - 5*time.Minute - 500*time.Millisecond)
	f.requireLimited(t, "li.ming", addr, time.Second) // never less than a second
	f.clock.add(500 * time.Millisecond)
	f.login(t, "li.ming") // the window is over
}

func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	for i := range auth.MaxFailuresPerAddr {
		f.fail(t, "guess"+string(rune('a'+i)), addr)
	}
	f.requireLimited(t, "li.ming", addr, auth.LoginWindow)
	assert.Equal(t, 0, f.count(t, "user:li.ming"), "the refused attempt is given back to the username")
	_, _, err := f.svc.Login(context.Background(), "li.ming", password, "198.51.100.7")
	require.NoError(t, err, "another address")
}

// TestLoginGivesBack shows that a sign-in clears its username's failures and
// gives its attempt back to the address: neither limit moves nearer.
func TestLoginGivesBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	for range auth.MaxFailuresPerUser - 1 {
		f.fail(t, "li.ming", addr)
	}
	for i := range auth.MaxFailuresPerAddr - auth.MaxFailuresPerUser {
		f.fail(t, "guess"+string(rune('a'+i)), addr)
	}
	f.login(t, "li.ming")
	assert.Equal(t, auth.MaxFailuresPerAddr-1, f.count(t, "addr:"+addr))
	f.fail(t, "li.ming", addr) // the address's last
	f.requireLimited(t, "li.ming", addr, auth.LoginWindow)
	for range auth.MaxFailuresPerUser - 1 {
		f.fail(t, "li.ming", "198.51.100.7")
	}
	assert.Equal(t, auth.MaxFailuresPerUser, f.count(t, "user:li.ming"), "counted anew since the sign-in")
}

// TestLoginStoreFailures shows each store's failure answered, and what a
// sign-in changes in its transaction undone when it fails there.
func TestLoginStoreFailures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		fault func(f *fixture)
		// limited makes the attempt one past the user's limit.
		limited bool
		// uncounted tells that the attempt is not counted at all.
		uncounted bool
	}{
		{name: "counting", uncounted: true, fault: func(f *fixture) { f.mem.Failures.Fail("RecordFailure", errDB) }},
		{name: "giving back a refused attempt", limited: true, fault: func(f *fixture) { f.mem.Failures.Fail("ReleaseFailure", errDB) }},
		{name: "reading the user", fault: func(f *fixture) { f.mem.Users.Fail("ByUsername", errDB) }},
		{name: "clearing the failures", fault: func(f *fixture) { f.mem.Failures.Fail("ClearFailures", errDB) }},
		{name: "giving back the address's attempt", fault: func(f *fixture) { f.mem.Failures.Fail("ReleaseFailure", errDB) }},
		{name: "storing the refresh token", fault: func(f *fixture) { f.mem.Sessions.Fail("CreateRefresh", errDB) }},
		{name: "auditing", fault: func(f *fixture) { f.audit.fail(errDB) }},
		{name: "beginning the transaction", fault: func(f *fixture) { f.mem.Tx.Fail("InTx", errDB) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.user(t, "li.ming", identity.RoleBureau, "")
			failures := 1
			if c.limited {
				failures = auth.MaxFailuresPerUser
			}
			for range failures {
				f.fail(t, "li.ming", addr)
			}
			records := f.audit.count()
			c.fault(f)
			_, _, err := f.svc.Login(context.Background(), "li.ming", password, addr)
			require.ErrorIs(t, err, errDB)
			assert.Empty(t, f.mem.Sessions.Tokens(), "no session begun")
			assert.Equal(t, records, f.audit.count(), "nothing audited")
			if !c.uncounted {
				failures++ // counted, and neither given back nor cleared
			}
			assert.Equal(t, failures, f.count(t, "user:li.ming"), "the username's failures")
		})
	}
}

// TestWithoutAuditor shows a Service made without an Auditor at work,
// auditing nothing.
func TestWithoutAuditor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	svc := auth.NewService(f.mem.Stores(), f.mem.Tx, f.tokens, nil, f.clock.now, uuid.NewString)
	svc.SetPasswordCost(bcrypt.MinCost)
	_, err := svc.CreateUser(ctx, admin, "li.ming", password, identity.RoleBureau, "")
	require.NoError(t, err)
	tok, _, err := svc.Login(ctx, "li.ming", password, addr)
	require.NoError(t, err)
	_, err = svc.Refresh(ctx, tok.RefreshToken)
	require.NoError(t, err)
	assert.Zero(t, f.audit.count())
}
