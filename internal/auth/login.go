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
}

// Window is a failure counter.
type Window struct {
	Start time.Time
	Count int
}

// Sign-in limits: failures counted per username and per client address in a
// fixed window, kept in the database so that every replica sees them.
const (
	LoginWindow        = 15 * time.Minute
	MaxFailuresPerUser = 5
	MaxFailuresPerAddr = 20
	RefreshTTL         = 12 * time.Hour
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
// alike and take the same time; repeated failures per username and per
// client address are refused for a while (RateLimited).
func (s *Service) Login(ctx context.Context, username, password, addr string) (_ Token, _ identity.Principal, err error) {
	defer apperr.Wrap(&err, "auth.Service.Login")
	now := s.now().UTC()
	if !plausibleName(username) {
		// No such user can exist, so answering at once reveals nothing, and
		// nothing unbounded reaches the failure counters.
		return Token{}, identity.Principal{}, errBadLogin
	}
	userKey, addrKey := "user:"+strings.ToLower(username), "addr:"+addr
	keys := []string{userKey, addrKey}
	// The attempt is counted before its password is checked, so that guesses
	// sent in parallel cannot all pass a limit that none of them has reached
	// yet; an attempt that turns out to be no failure is given back.
	ws, err := s.failures.RecordFailure(ctx, keys, now, now.Add(-LoginWindow))
	if err != nil {
		return Token{}, identity.Principal{}, err
	}
	if err := overLimit(ws, userKey, addrKey, now); err != nil {
		if rerr := s.failures.ReleaseFailure(ctx, keys); rerr != nil {
			return Token{}, identity.Principal{}, rerr
		}
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
		if err := s.failures.ClearFailures(ctx, userKey); err != nil {
			return err
		}
		if err := s.failures.ReleaseFailure(ctx, []string{addrKey}); err != nil {
			return err
		}
		var err error
		if tok, err = s.issue(ctx, p, ""); err != nil {
			return err
		}
		return s.record(ctx, p, "auth.login", "user", u.ID, nil, nil)
	})
	return tok, p, err
}

var errLimited = apperr.Coded(apperr.RateLimited, "auth.limited")

// overLimit refuses an attempt that took a key past its limit; ws are the
// windows with the attempt counted.
func overLimit(ws map[string]Window, userKey, addrKey string, now time.Time) error {
	var wait time.Duration
	for key, limit := range map[string]int{userKey: MaxFailuresPerUser, addrKey: MaxFailuresPerAddr} {
		if w, ok := ws[key]; ok && w.Count > limit {
			wait = max(wait, max(w.Start.Add(LoginWindow).Sub(now), time.Second))
		}
	}
	if wait > 0 {
		return &apperr.Error{Kind: apperr.RateLimited, Message: "auth.limited", RetryAfter: wait}
	}
	return nil
}
