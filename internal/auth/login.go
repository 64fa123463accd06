package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// FailureStore keeps the sign-in failure counters, one fixed window a key.
type FailureStore interface {
	// RecordFailure counts one attempt for each key, starting a new window
	// for a key whose window began at or before since, and returns each
	// key's window with this attempt counted.
	RecordFailure(ctx context.Context, keys []string, now, since time.Time) (map[string]Window, error)
	// ReleaseFailure takes one attempt back from each key's count, for an
	// attempt that turned out to be no failure.
	ReleaseFailure(ctx context.Context, keys []string) error
	ClearFailures(ctx context.Context, key string) error
	// Remember marks key known at now: a pair that signed in. Markers are
	// kept apart from the failure windows, under keys of their own.
	Remember(ctx context.Context, key string, now time.Time) error
	// Known reports whether key was remembered after since.
	Known(ctx context.Context, key string, since time.Time) (bool, error)
	// PurgeFailures deletes the failure windows that began at or before
	// windowsBefore (they have ended) and the markers remembered at or
	// before markersBefore, and returns how many it deleted.
	PurgeFailures(ctx context.Context, windowsBefore, markersBefore time.Time) (int64, error)
}

// Window is a failure counter.
type Window struct {
	Start time.Time
	Count int
}

// Sign-in limits (docs/api.md, "Sign-in throttling"), kept in the database
// so that every replica sees them. Failures are counted in fixed windows of
// LoginWindow per account (a username or a client ID) and address, per
// account and per address; none of them locks an account out.
const (
	LoginWindow = 15 * time.Minute
	// MaxFailuresPerPair attempts of an account from one address go at
	// once; after them each attempt waits for its turn, the turns 1 s, 2 s,
	// 4 s … and at most MaxPairBackoff apart (429 with Retry-After).
	MaxFailuresPerPair = 5
	MaxPairBackoff     = 60 * time.Second
	// MaxAccountsPerAddr is how many accounts one address may fail on in a
	// window; past it, the address's attempts on other accounts are 429.
	MaxAccountsPerAddr = 100
	// FreeFailuresPerAccount failures of an account, from any address, are
	// answered at once; after them every attempt on the account is answered
	// after a delay, 1 s, 2 s, 4 s … at most MaxAccountDelay: a delay only,
	// never a refusal.
	FreeFailuresPerAccount = 5
	MaxAccountDelay        = 30 * time.Second
	// KnownPairLife is how long a pair that signed in stays known: a known
	// pair is never refused for its address's failures on other accounts,
	// so that an attacker behind a shared address (an office's NAT) cannot
	// lock out the people who sign in from there.
	KnownPairLife = 30 * 24 * time.Hour
	RefreshTTL    = 12 * time.Hour
)

var errBadLogin = apperr.Coded(apperr.Unauthenticated, "auth.bad_login")

// plausibleName reports whether a username or client ID can exist at all:
// valid UTF-8, at most 64 bytes, no spaces or control characters. Anything
// else is refused before it reaches the database.
func plausibleName(s string) bool {
	return len(s) <= 64 && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// Login checks a username and password and issues an access token and a
// refresh token. Unknown users, wrong passwords and disabled accounts answer
// alike and take the same time; repeated failures are throttled (admit).
func (s *Service) Login(ctx context.Context, username, password, addr string) (_ Token, _ identity.Principal, err error) {
	defer apperr.Wrap(&err, "auth.Service.Login")
	if !plausibleName(username) {
		// No such user can exist, so answering at once reveals nothing, and
		// nothing unbounded reaches the failure counters.
		return Token{}, identity.Principal{}, errBadLogin
	}
	k := newAttempt("user:"+strings.ToLower(username), addr)
	if err := s.admit(ctx, k); err != nil {
		return Token{}, identity.Principal{}, err
	}
	u, err := s.users.ByUsername(ctx, username)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Token{}, identity.Principal{}, err
	}
	hash := s.dummy()
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || u.Disabled {
		return Token{}, identity.Principal{}, errBadLogin
	}
	p := principalOf(u)
	var tok Token
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.succeeded(ctx, k); err != nil {
			return err
		}
		var err error
		if tok, err = s.issue(ctx, p, "", u.TokensValidAfter); err != nil {
			return err
		}
		return s.record(ctx, p, "auth.login", "user", u.ID, nil, nil)
	})
	return tok, p, err
}

// attempt is the failure counters of one sign-in attempt: the account's
// (over every address), the pair's (the account from this address) and the
// address's (over every account); known marks the pair as one that signed
// in.
type attempt struct{ account, pair, addr, known string }

func newAttempt(account, addr string) attempt {
	pair := account + "@" + addr
	return attempt{account: account, pair: "pair:" + pair, addr: "addr:" + addr, known: "known:" + pair}
}

// admit counts an attempt before its password is checked, so that guesses
// sent in parallel cannot all pass a limit that none of them has reached
// yet, and refuses it (RateLimited, counting nothing) when its pair must
// still wait or its address has failed on too many accounts and the pair is
// not known (it signed in within KnownPairLife). Otherwise it waits the
// account's delay (bounded by ctx) and lets the attempt go on.
func (s *Service) admit(ctx context.Context, k attempt) error {
	now := s.now().UTC()
	since := now.Add(-LoginWindow)
	ws, err := s.failures.RecordFailure(ctx, []string{k.account, k.pair}, now, since)
	if err != nil {
		return err
	}
	counted := []string{k.account, k.pair}
	wait := pairWait(ws[k.pair], now)
	if wait == 0 && ws[k.pair].Count == 1 {
		// The address counts the accounts it fails on: a pair's first
		// attempt in its window.
		aw, err := s.failures.RecordFailure(ctx, []string{k.addr}, now, since)
		if err != nil {
			return err
		}
		counted = append(counted, k.addr)
		if wait, err = s.addrWait(ctx, k, aw[k.addr], now); err != nil {
			return err
		}
	}
	if wait > 0 {
		// A refused attempt is given back: it checked no password.
		if err := s.failures.ReleaseFailure(ctx, counted); err != nil {
			return err
		}
		return &apperr.Error{Kind: apperr.RateLimited, Message: "auth.limited", RetryAfter: wait}
	}
	return s.sleep(ctx, accountDelay(ws[k.account].Count-1))
}

// addrWait is how long a pair's first attempt in its window must wait for
// its address, w being the address's window with the attempt counted:
// until the window ends when the address failed on too many accounts,
// unless the pair is known.
func (s *Service) addrWait(ctx context.Context, k attempt, w Window, now time.Time) (time.Duration, error) {
	if w.Count <= MaxAccountsPerAddr {
		return 0, nil
	}
	known, err := s.failures.Known(ctx, k.known, now.Add(-KnownPairLife))
	if err != nil || known {
		return 0, err
	}
	return max(w.Start.Add(LoginWindow).Sub(now), time.Second), nil
}

// succeeded forgets the failures of a signed-in pair, remembers the pair
// as known, and gives the attempt back to the account and the address: a
// success elsewhere clears nothing of what other addresses did.
func (s *Service) succeeded(ctx context.Context, k attempt) error {
	if err := s.failures.ClearFailures(ctx, k.pair); err != nil {
		return err
	}
	if err := s.failures.Remember(ctx, k.known, s.now().UTC()); err != nil {
		return err
	}
	// The address counted the pair once, when its window began: with the
	// pair forgotten, that count goes too.
	return s.failures.ReleaseFailure(ctx, []string{k.account, k.addr})
}

// PurgeFailures deletes the sign-in failure windows that have ended and the
// known pairs older than KnownPairLife, and returns how many it deleted.
func (s *Service) PurgeFailures(ctx context.Context) (_ int64, err error) {
	defer apperr.Wrap(&err, "auth.Service.PurgeFailures")
	now := s.now().UTC()
	return s.failures.PurgeFailures(ctx, now.Add(-LoginWindow), now.Add(-KnownPairLife))
}

// pairWait is how long an attempt on a pair must still wait, w being the
// pair's window with the attempt counted: nothing for the first
// MaxFailuresPerPair; the n-th after them has its turn when 1 s, 2 s, 4 s …
// (doubling, at most MaxPairBackoff each) have passed n times since the
// window began, or when the window ends and counts anew.
func pairWait(w Window, now time.Time) time.Duration {
	turn, gap := w.Start, time.Second
	for range w.Count - MaxFailuresPerPair {
		turn = turn.Add(gap)
		gap = min(2*gap, MaxPairBackoff)
	}
	if end := w.Start.Add(LoginWindow); turn.After(end) {
		turn = end
	}
	return max(turn.Sub(now), 0)
}

// accountDelay is how long an attempt on an account waits before its
// password is checked, after failures failures of the account in its
// window from any address.
func accountDelay(failures int) time.Duration {
	n := failures - FreeFailuresPerAccount
	if n < 0 {
		return 0
	}
	if n >= 5 { // 1 s << 5 is past the cap
		return MaxAccountDelay
	}
	return min(time.Second<<n, MaxAccountDelay)
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
