package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// RefreshToken is one link of a sign-in session. Tokens are single use: each
// refresh marks its token used and issues the next one in the same family; a
// used token presented again revokes the whole family.
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	Hash      string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Client is a department system that signs in with the OAuth 2.0 client
// credentials grant. Its secret is stored only as a hash.
type Client struct {
	ID         string
	ClientID   string
	Name       string
	Department string
	Scopes     []string
	SecretHash string
	Disabled   bool
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Store keeps users, sessions, clients and sign-in failure counters.
// Implementations translate driver errors into apperr kinds.
type Store interface {
	UserStore
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, id string, change func(*User) error) (User, error)

	CreateRefresh(ctx context.Context, t RefreshToken) error
	// UseRefresh marks the live token with this hash used and returns it with
	// fresh true; for a token already used, revoked or expired it returns the
	// token with fresh false; NotFound when there is none.
	UseRefresh(ctx context.Context, hash string, now time.Time) (t RefreshToken, fresh bool, err error)
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeUser revokes every live refresh token of a user.
	RevokeUser(ctx context.Context, userID string, now time.Time) error

	CreateClient(ctx context.Context, c Client) error
	ClientByID(ctx context.Context, id string) (Client, error)
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, change func(*Client) error) (Client, error)

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

// Transactor runs fn in one transaction carried by its context.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by
// ctx, so that the entry commits with the change or not at all.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// noAudit records nothing, for a Service made without an Auditor.
type noAudit struct{}

func (noAudit) Append(context.Context, identity.Principal, audit.Record) error { return nil }

// record appends the entry of a change made by p to the audit trail.
func (s *Service) record(ctx context.Context, p identity.Principal, action, resourceType, resourceID string, before, after any) error {
	return s.audit.Append(ctx, p, audit.Record{Action: action, ResourceType: resourceType, ResourceID: resourceID, Before: before, After: after})
}

// Sign-in limits: failures counted per username and per client address in a
// fixed window, kept in the database so that every replica sees them.
const (
	LoginWindow        = 15 * time.Minute
	MaxFailuresPerUser = 5
	MaxFailuresPerAddr = 20
	RefreshTTL         = 12 * time.Hour
)

func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret hashes a high-entropy secret; a fast hash suffices, since the
// secret is random and long.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// activeCache remembers for a short while whether a subject may still use
// its tokens, so that disabling takes effect within activeTTL without a
// database read on every request.
type activeCache struct {
	mu      sync.Mutex
	entries map[string]activeEntry
}

type activeEntry struct {
	active bool
	until  time.Time
}

// activeTTL bounds how long a disabled account's access tokens keep working.
const activeTTL = 30 * time.Second

// Active reports whether the principal's account or client is still enabled.
func (s *Service) Active(ctx context.Context, p identity.Principal) (bool, error) {
	now := s.now()
	s.active.mu.Lock()
	e, ok := s.active.entries[p.Subject]
	s.active.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.active, nil
	}
	var active bool
	if p.ClientID != "" {
		c, err := s.store.ClientByID(ctx, p.Subject)
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return false, err
		}
		active = err == nil && !c.Disabled
	} else {
		u, err := s.store.UserByID(ctx, p.Subject)
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return false, err
		}
		active = err == nil && !u.Disabled
	}
	s.active.mu.Lock()
	if len(s.active.entries) > 100_000 {
		clear(s.active.entries)
	}
	s.active.entries[p.Subject] = activeEntry{active: active, until: now.Add(activeTTL)}
	s.active.mu.Unlock()
	return active, nil
}

func (s *Service) forget(subject string) {
	s.active.mu.Lock()
	delete(s.active.entries, subject)
	s.active.mu.Unlock()
}

var errLimited = apperr.New(apperr.RateLimited, "登录失败次数过多，请稍后再试", "too many failed sign-ins; try again later")

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
		return &apperr.Error{Kind: apperr.RateLimited, Detail: errLimited.Detail, RetryAfter: wait}
	}
	return nil
}

// issue makes an access token and, for users, the first refresh token of a
// family (or the next one of familyID).
func (s *Service) issue(ctx context.Context, p identity.Principal, familyID string) (Token, error) {
	at, err := s.tokens.Issue(p)
	if err != nil {
		return Token{}, err
	}
	tok := Token{AccessToken: at, ExpiresIn: s.tokens.TTL()}
	if p.ClientID != "" {
		return tok, nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if familyID == "" {
		familyID = s.newID()
	}
	raw := randomToken("prt_", 32)
	err = s.store.CreateRefresh(ctx, RefreshToken{
		ID: s.newID(), FamilyID: familyID, UserID: p.Subject, Hash: hashSecret(raw),
		ExpiresAt: now.Add(RefreshTTL), CreatedAt: now,
	})
	tok.RefreshToken = raw
	return tok, err
}

func principalOf(u User) identity.Principal {
	return identity.Principal{Subject: u.ID, Name: u.Username, Role: u.Role, Department: u.Department}
}

var errBadRefresh = apperr.New(apperr.Unauthenticated, "刷新令牌无效、已使用或已过期，请重新登录", "the refresh token is invalid, used or expired; sign in again")

// Refresh exchanges a refresh token for a new pair. A token presented a
// second time revokes its whole family: whoever holds the other copy is
// signed out too.
func (s *Service) Refresh(ctx context.Context, raw string) (Token, error) {
	if !strings.HasPrefix(raw, "prt_") || len(raw) > 128 {
		return Token{}, errBadRefresh
	}
	now := s.now().UTC()
	var out Token
	var reused string
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, fresh, err := s.store.UseRefresh(ctx, hashSecret(raw), now)
		if err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return errBadRefresh
			}
			return err
		}
		if !fresh {
			if t.UsedAt != nil && t.RevokedAt == nil {
				reused = t.FamilyID
			}
			return errBadRefresh
		}
		u, err := s.store.UserByID(ctx, t.UserID)
		if err != nil || u.Disabled {
			return errBadRefresh
		}
		p := principalOf(u)
		if out, err = s.issue(ctx, p, t.FamilyID); err != nil {
			return err
		}
		return s.record(ctx, p, "auth.refresh", "user", u.ID, nil, nil)
	})
	if reused != "" {
		// Outside the failed transaction, so the revocation stays.
		if rerr := s.store.RevokeFamily(ctx, reused, now); rerr != nil {
			return Token{}, rerr
		}
	}
	return out, err
}

// Logout revokes the refresh token's family. An unknown token is no error:
// the session is over either way.
func (s *Service) Logout(ctx context.Context, raw string) error {
	now := s.now().UTC()
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		t, _, err := s.store.UseRefresh(ctx, hashSecret(raw), now)
		if apperr.KindOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.store.RevokeFamily(ctx, t.FamilyID, now); err != nil {
			return err
		}
		actor := identity.Principal{Subject: t.UserID, Name: t.UserID}
		if u, err := s.store.UserByID(ctx, t.UserID); err == nil {
			actor = principalOf(u)
		}
		return s.record(ctx, actor, "auth.logout", "user", t.UserID, nil, nil)
	})
}

// OAuthError is an error of the token endpoint, in RFC 6749 §5.2 terms.
type OAuthError struct {
	Code        string // invalid_request, invalid_client, invalid_scope, unsupported_grant_type
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// ClientCredentials authenticates a client and issues an access token for the
// requested scopes (all granted scopes when scope is empty).
func (s *Service) ClientCredentials(ctx context.Context, clientID, secret, scope string) (Token, []string, error) {
	if !plausibleName(clientID) {
		return Token{}, nil, &OAuthError{Code: "invalid_client", Description: "client authentication failed"}
	}
	c, err := s.store.ClientByClientID(ctx, clientID)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Token{}, nil, err
	}
	want := hashSecret(secret)
	have := c.SecretHash
	if err != nil {
		have = hashSecret(randomToken("", 16)) // compare anyway, in constant time
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(have)) != 1 || err != nil || c.Disabled {
		return Token{}, nil, &OAuthError{Code: "invalid_client", Description: "client authentication failed"}
	}
	granted := c.Scopes
	if scope != "" {
		granted = strings.Fields(scope)
		for _, sc := range granted {
			if !slices.Contains(c.Scopes, sc) {
				return Token{}, nil, &OAuthError{Code: "invalid_scope", Description: "scope " + sc + " is not granted to this client"}
			}
		}
	}
	p := clientPrincipal(c, granted)
	var tok Token
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if tok, err = s.issue(ctx, p, ""); err != nil {
			return err
		}
		return s.record(ctx, p, "auth.token", "client", c.ID, nil, map[string]any{"scope": strings.Join(granted, " ")})
	})
	return tok, granted, err
}

func clientPrincipal(c Client, scopes []string) identity.Principal {
	role := identity.RoleDeptViewer
	for _, sc := range scopes {
		if strings.HasSuffix(sc, ":write") {
			role = identity.RoleDeptEditor
		}
	}
	return identity.Principal{Subject: c.ID, Name: c.Name, Role: role, Department: c.Department, ClientID: c.ClientID, Scopes: scopes}
}
