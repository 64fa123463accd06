package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
			assert.Zero(t, f.count(t, "user:"+strings.ToLower(u.Username)), "a sign-in is no failure")
			_, counted := f.mem.Failures.Window("pair:user:" + strings.ToLower(u.Username) + "@" + addr)
			assert.False(t, counted, "a sign-in clears its pair's failures")
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

// other is an address of the tests other than addr.
const other = "198.51.100.7"

// loginFrom signs a user in from an address, failing t on an error.
func (f *fixture) loginFrom(t *testing.T, username, from string) {
	t.Helper()
	_, _, err := f.svc.Login(context.Background(), username, password, from)
	require.NoError(t, err)
}

// TestLoginThrottledPerPair: five failures of a username from one address
// go at once; then each attempt from there waits for its turn, the turns
// 1 s, 2 s, 4 s … apart and never more than 60 s, even with the right
// password; the same username from another address signs in at once: the
// account is never locked out. The window's end counts anew.
func TestLoginThrottledPerPair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "admin", identity.RoleAdmin, "")
	for i := range auth.MaxFailuresPerPair {
		f.fail(t, []string{"admin", "Admin"}[i%2], addr) // one counter, whatever the case
	}
	f.requireLimited(t, "admin", addr, time.Second)
	f.requireLimited(t, "ADMIN", addr, time.Second)
	pair := "pair:user:admin@" + addr
	assert.Equal(t, auth.MaxFailuresPerPair, f.count(t, pair), "a refused attempt is given back")
	assert.Equal(t, auth.MaxFailuresPerPair, f.count(t, "user:admin"), "to the account too")
	f.loginFrom(t, "admin", other) // the real user elsewhere is not locked out

	for i, gap := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60} {
		gap *= time.Second
		if i > 0 {
			f.requireLimited(t, "admin", addr, gap)
		}
		f.clock.add(gap - time.Millisecond)
		f.requireLimited(t, "admin", addr, time.Millisecond)
		f.clock.add(time.Millisecond)
		f.fail(t, "admin", addr) // its turn
	}
	assert.Equal(t, auth.MaxFailuresPerPair+9, f.count(t, pair))

	// Turns are counted from the window's start, 60 s apart from the 7th:
	// those not taken are kept, up to the window's end, where the count
	// starts anew. Here the last was at 243 s; at 870 s ten more have come
	// (303 s … 843 s), and the next is the window's end.
	f.clock.t = start.Add(auth.LoginWindow - 30*time.Second)
	for range 10 {
		f.fail(t, "admin", addr)
	}
	f.requireLimited(t, "admin", addr, 30*time.Second)
	f.clock.add(30 * time.Second)
	for range auth.MaxFailuresPerPair - 1 {
		f.fail(t, "admin", addr)
	}
	f.loginFrom(t, "admin", addr) // the fifth of the new window
	assert.Zero(t, f.count(t, pair), "a success clears the pair")
}

// TestLoginParallelGuesses: guesses sent at once on one pair cannot all
// pass its limit: each is counted before its password is checked.
func TestLoginParallelGuesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "admin", identity.RoleAdmin, "")
	errs := make([]error, 20)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = f.svc.Login(context.Background(), "admin", "wrong password!", addr)
		}()
	}
	wg.Wait()
	kinds := map[string]int{}
	for _, err := range errs {
		kinds[apperr.KindOf(err).Code()]++
	}
	assert.Equal(t, map[string]int{"unauthorized": auth.MaxFailuresPerPair, "rate_limited": 20 - auth.MaxFailuresPerPair}, kinds)
}

// TestLoginAccountDelay: failures of an account from many addresses,
// one each, lock nothing: past the fifth, every attempt on the account is
// answered after a delay, doubling from 1 s to at most 30 s, and the right
// password still signs in. A success clears its own pair only, so the
// delay stays for the window; other accounts wait nothing.
func TestLoginAccountDelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "admin", identity.RoleAdmin, "")
	f.user(t, "li.ming", identity.RoleBureau, "")
	from := func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }
	for i, want := range []time.Duration{0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30, 30} {
		f.fail(t, "admin", from(i))
		assert.Equal(t, want*time.Second, f.sleep.last(t), "attempt %d", i+1)
	}
	f.loginFrom(t, "admin", addr)
	assert.Equal(t, auth.MaxAccountDelay, f.sleep.last(t), "the right password, after the delay")
	f.loginFrom(t, "admin", addr)
	assert.Equal(t, auth.MaxAccountDelay, f.sleep.last(t), "the failures of other addresses stay")
	assert.Equal(t, 13, f.count(t, "user:admin"), "a success is no failure")
	f.loginFrom(t, "li.ming", from(1))
	assert.Zero(t, f.sleep.last(t), "another account")

	f.clock.add(auth.LoginWindow)
	f.loginFrom(t, "admin", from(1))
	assert.Zero(t, f.sleep.last(t), "a new window")

	// A caller gone while it waits is answered its context's error, and the
	// attempt stays counted.
	for i := range auth.FreeFailuresPerAccount {
		f.fail(t, "admin", from(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := f.svc.Login(ctx, "admin", password, addr)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, auth.FreeFailuresPerAccount+1, f.count(t, "user:admin"))
}

// TestLoginThrottledPerAddress: an address that failed on 100 accounts in
// a window is refused for other accounts until the window ends, while the
// accounts it already failed on keep their own counts, and another address
// is not affected.
func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	for i := range auth.MaxAccountsPerAddr {
		f.fail(t, fmt.Sprintf("guess%03d", i), addr)
		f.fail(t, fmt.Sprintf("guess%03d", i), addr) // one account, counted once
	}
	assert.Equal(t, auth.MaxAccountsPerAddr, f.count(t, "addr:"+addr))
	f.clock.add(time.Minute)
	f.requireLimited(t, "li.ming", addr, auth.LoginWindow-time.Minute)
	assert.Zero(t, f.count(t, "user:li.ming"), "the refused attempt is given back to the account")
	assert.Equal(t, auth.MaxAccountsPerAddr, f.count(t, "addr:"+addr), "and to the address")
	f.fail(t, "guess000", addr) // an account it already failed on
	f.loginFrom(t, "li.ming", other)
	f.clock.add(auth.LoginWindow - time.Minute)
	f.loginFrom(t, "li.ming", addr)
}

// TestLoginGivesBack shows that a sign-in clears its own pair only, and
// gives its attempt back to the account and the pair's count back to the
// address; the failures from another address stay.
func TestLoginGivesBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	for range auth.MaxFailuresPerPair - 1 {
		f.fail(t, "li.ming", addr)
		f.fail(t, "li.ming", other)
	}
	f.fail(t, "guess", addr)
	f.loginFrom(t, "li.ming", addr)
	assert.Zero(t, f.count(t, "pair:user:li.ming@"+addr))
	assert.Equal(t, auth.MaxFailuresPerPair-1, f.count(t, "pair:user:li.ming@"+other), "another address's failures stay")
	assert.Equal(t, 2*(auth.MaxFailuresPerPair-1), f.count(t, "user:li.ming"))
	assert.Equal(t, 1, f.count(t, "addr:"+addr), "the other account's failure stays")
	f.fail(t, "li.ming", other)
	f.requireLimited(t, "li.ming", other, time.Second)
	for range auth.MaxFailuresPerPair - 1 {
		f.fail(t, "li.ming", addr)
	}
	f.loginFrom(t, "li.ming", addr) // counted anew since the sign-in
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
				failures = auth.MaxFailuresPerPair
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

// attackFrom fails on MaxAccountsPerAddr+1 usernames that do not exist from
// an address, as an attacker behind it would: past the address's limit.
func (f *fixture) attackFrom(t *testing.T, from string) {
	t.Helper()
	for i := range auth.MaxAccountsPerAddr {
		f.fail(t, fmt.Sprintf("guess%03d", i), from)
	}
	f.requireLimited(t, fmt.Sprintf("guess%03d", auth.MaxAccountsPerAddr), from, auth.LoginWindow)
}

// TestLoginKnownPairPassesAddressLimit: an attacker behind an address
// shared with real users (an office's NAT) cannot lock them out: a user
// who signed in from the address within KnownPairLife still signs in there
// past its limit, while one who never did is refused until the window
// ends, and so is one whose last sign-in there is older than KnownPairLife.
func TestLoginKnownPairPassesAddressLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, name := range []string{"li.ming", "wang.fang", "zhao.lei"} {
		f.user(t, name, identity.RoleBureau, "")
	}
	f.loginFrom(t, "li.ming", addr)
	f.loginFrom(t, "zhao.lei", addr)
	f.clock.add(auth.KnownPairLife - time.Hour)
	f.loginFrom(t, "li.ming", addr) // known again, for KnownPairLife from now
	f.clock.add(2 * time.Hour)
	f.attackFrom(t, addr)
	f.loginFrom(t, "li.ming", addr)
	f.requireLimited(t, "wang.fang", addr, auth.LoginWindow)
	f.requireLimited(t, "zhao.lei", addr, auth.LoginWindow)
	f.fail(t, "li.ming", addr) // a known pair's own failures still count
	assert.Equal(t, 1, f.count(t, "pair:user:li.ming@"+addr))
}

// TestPurgeFailures: the hourly purge deletes the windows that ended and
// the known pairs older than KnownPairLife, and keeps the rest.
func TestPurgeFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	f.loginFrom(t, "li.ming", addr)
	f.fail(t, "li.ming", other)
	f.clock.add(auth.LoginWindow)
	f.fail(t, "guess", addr)
	n, err := f.svc.PurgeFailures(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n, "the account's, the pair's and the address's windows from other")
	assert.Zero(t, f.count(t, "pair:user:li.ming@"+other))
	assert.Equal(t, 1, f.count(t, "addr:"+addr))
	f.clock.add(auth.KnownPairLife)
	n, err = f.svc.PurgeFailures(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(4), n, "the windows from addr, and the known pair")
	f.mem.Failures.Fail("PurgeFailures", errDB)
	_, err = f.svc.PurgeFailures(ctx)
	require.ErrorIs(t, err, errDB)
}
