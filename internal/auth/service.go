// Package auth signs users and department systems in and administers them:
// users and their passwords (user.go), sign-in with its failure counters
// (login.go), refresh-token sessions (session.go), OAuth clients
// (client.go), and the signing keys and access tokens (keys.go, token.go).
// Each part declares the store it needs; the Service holds them all.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// Stores are what a Service keeps its data in, one store for each part.
// Implementations translate driver errors into apperr kinds. The SQL store
// is all four (authdb.Stores).
type Stores struct {
	Users    UserStore
	Clients  ClientStore
	Sessions RefreshStore
	Failures FailureStore
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

// Token is what signing in answers.
type Token struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string // users only
}

// Service signs users and clients in and administers them.
type Service struct {
	users    UserStore
	clients  ClientStore
	sessions RefreshStore
	failures FailureStore
	tx       Transactor
	tokens   *Tokens
	audit    Auditor
	now      func() time.Time
	newID    func() string
	active   activeCache
	// sleep waits an attempt's delay (login.go), or until its context ends.
	sleep func(ctx context.Context, d time.Duration) error
	// cost is the bcrypt cost of new password hashes; dummy is a hash at
	// that cost, made on first use, compared against when the user is
	// unknown so that a wrong username costs the same time as a wrong
	// password.
	cost  int
	dummy func() []byte
}

// NewService returns a Service over st. auditor may be nil when nothing is
// audited.
func NewService(st Stores, tx Transactor, tokens *Tokens, auditor Auditor, now func() time.Time, newID func() string) *Service {
	var audit Auditor = noAudit{}
	if auditor != nil {
		audit = auditor
	}
	s := &Service{users: st.Users, clients: st.Clients, sessions: st.Sessions, failures: st.Failures,
		tx: tx, tokens: tokens, audit: audit, now: now, newID: newID,
		active: activeCache{entries: map[string]activeEntry{}}, sleep: sleepCtx}
	s.SetPasswordCost(DefaultPasswordCost)
	return s
}

// SetSleep replaces how the service waits the delay of a sign-in attempt on
// an account that failed often (a test's clock, say). Set it before the
// service is used.
func (s *Service) SetSleep(sleep func(ctx context.Context, d time.Duration) error) { s.sleep = sleep }

// SetPasswordCost sets the bcrypt cost of the password hashes made from now
// on (bcrypt's own range, 4 to 31); hashes already stored keep theirs and
// still verify. Set it before the service is used.
func (s *Service) SetPasswordCost(cost int) {
	s.cost = cost
	s.dummy = sync.OnceValue(func() []byte {
		b, _ := bcrypt.GenerateFromPassword([]byte(GeneratePassword()), cost)
		return b
	})
}

// record appends the entry of a change made by p to the audit trail.
func (s *Service) record(ctx context.Context, p identity.Principal, action, resourceType, resourceID string, before, after any) error {
	return s.audit.Append(ctx, p, audit.Record{Action: action, ResourceType: resourceType, ResourceID: resourceID, Before: before, After: after})
}

var errAdmin = apperr.Coded(apperr.Forbidden, "auth.admin_only")

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
// its tokens, and since when, so that disabling an account or ending its
// tokens takes effect within activeTTL on every replica without a database
// read on every request.
type activeCache struct {
	mu      sync.Mutex
	entries map[string]activeEntry
	// forgets counts the changes forgotten: an entry read while one was
	// made is not stored, or it could bring back the state from before the
	// change. Changes are rare, so a read that misses the cache for
	// another subject's change costs nothing worth counting per subject.
	forgets uint64
}

type activeEntry struct {
	active bool
	// validAfter is the user's TokensValidAfter: tokens issued before it
	// are ended.
	validAfter time.Time
	until      time.Time
}

// activeTTL bounds how long a disabled account's access tokens, or those
// ended by a password change or a refresh token's reuse, keep working on
// another replica than the one that made the change.
const activeTTL = 5 * time.Second

// Active reports whether the principal's account or client is still enabled
// and a token of it issued at issuedAt (its iat) is not ended.
func (s *Service) Active(ctx context.Context, p identity.Principal, issuedAt time.Time) (_ bool, err error) {
	defer apperr.Wrap(&err, "auth.Service.Active")
	now := s.now()
	s.active.mu.Lock()
	e, ok := s.active.entries[p.Subject]
	forgets := s.active.forgets
	s.active.mu.Unlock()
	if !ok || !now.Before(e.until) {
		if e, err = s.lookUp(ctx, p); err != nil {
			return false, err
		}
		e.until = now.Add(activeTTL)
		s.active.mu.Lock()
		if len(s.active.entries) > 100_000 {
			clear(s.active.entries)
		}
		if s.active.forgets == forgets {
			s.active.entries[p.Subject] = e
		}
		s.active.mu.Unlock()
	}
	return e.active && !issuedAt.Before(e.validAfter), nil
}

// lookUp reads whether the principal's account or client is enabled, and
// since when its tokens are valid.
func (s *Service) lookUp(ctx context.Context, p identity.Principal) (activeEntry, error) {
	if p.ClientID != "" {
		c, err := s.clients.ClientByID(ctx, p.Subject)
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return activeEntry{}, err
		}
		return activeEntry{active: err == nil && !c.Disabled}, nil
	}
	u, err := s.users.UserByID(ctx, p.Subject)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return activeEntry{}, err
	}
	return activeEntry{active: err == nil && !u.Disabled, validAfter: u.TokensValidAfter}, nil
}

// forget drops a subject's cached state after a change to it, and makes
// every read of it begun before the change unfit to be cached.
func (s *Service) forget(subject string) {
	s.active.mu.Lock()
	defer s.active.mu.Unlock()
	delete(s.active.entries, subject)
	s.active.forgets++
}

// endTokensAt is when tokens are ended by a change at now: the next whole
// second. Tokens carry their iat in whole seconds, so a token issued
// earlier in now's second (iat now truncated) falls before it; the tokens
// issued after the change carry it as their iat (Tokens.issueAt) and so
// keep working.
func endTokensAt(now time.Time) time.Time {
	return now.UTC().Truncate(time.Second).Add(time.Second)
}

// PrincipalOf is the principal of a user or client as it stands now: its
// role and department, and a client's role and scopes by every scope it
// holds; false when there is no such user or client, or it is disabled.
// It is how a webhook follows its owner (docs/integration.md, "Webhooks").
func (s *Service) PrincipalOf(ctx context.Context, subject string) (_ identity.Principal, _ bool, err error) {
	defer apperr.Wrap(&err, "auth.Service.PrincipalOf")
	u, err := s.users.UserByID(ctx, subject)
	switch {
	case err == nil:
		p := identity.Principal{Subject: u.ID, Name: u.Username, Role: u.Role, Department: u.Department}
		return p, !u.Disabled, nil
	case apperr.KindOf(err) != apperr.NotFound:
		return identity.Principal{}, false, err
	}
	c, err := s.clients.ClientByID(ctx, subject)
	switch {
	case err == nil:
		return clientPrincipal(c, c.Scopes), !c.Disabled, nil
	case apperr.KindOf(err) != apperr.NotFound:
		return identity.Principal{}, false, err
	}
	return identity.Principal{}, false, nil
}
