package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// MaxTokenBytes bounds an access token; a longer one is refused unparsed.
const MaxTokenBytes = 4096

// claims are the access token's claims (docs/api.md, "Sign-in").
type claims struct {
	jwt.RegisteredClaims
	ClientID string        `json:"client_id,omitempty"`
	Role     identity.Role `json:"role"`
	Dept     string        `json:"dept,omitempty"`
	Scope    string        `json:"scope,omitempty"`
	Name     string        `json:"name,omitempty"`
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys     *KeySet
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	seen     verified
}

// verified remembers tokens whose signature and claims checked out, until
// they expire, so that a client sending the same token on every request pays
// for one signature check, not one per request.
type verified struct {
	mu      sync.Mutex
	entries map[[32]byte]verifiedEntry
}

type verifiedEntry struct {
	p   identity.Principal
	iat time.Time
	exp time.Time
	nbf time.Time
}

// maxVerified bounds the cache; when full it starts again empty.
const maxVerified = 50_000

// NewTokens returns a Tokens over keys. now is the clock.
func NewTokens(keys *KeySet, issuer, audience string, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if err := keys.check(); err != nil {
		return nil, err
	}
	return &Tokens{
		keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: now,
		// RFC 8725: one algorithm, our issuer and audience, exp required.
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(issuer), jwt.WithAudience(audience),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
			jwt.WithLeeway(30*time.Second), jwt.WithTimeFunc(now),
		),
		seen: verified{entries: map[[32]byte]verifiedEntry{}},
	}, nil
}

// TTL is the lifetime of the tokens issued.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for p.
func (t *Tokens) Issue(p identity.Principal) (string, error) {
	return t.issueAt(p, time.Time{})
}

// issueAt signs an access token for p issued now, or at notBefore when that
// is later: a token issued in the second that its user's tokens were ended
// carries the next second as its iat, so that it outlives the ending
// (docs/api.md, "Sign-in").
func (t *Tokens) issueAt(p identity.Principal, notBefore time.Time) (string, error) {
	now := t.now().UTC()
	if notBefore.After(now) {
		now = notBefore.UTC()
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.issuer, Subject: p.Subject, Audience: jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ID: hex.EncodeToString(jti),
		},
		ClientID: p.ClientID, Role: p.Role, Dept: p.Department, Scope: strings.Join(p.Scopes, " "), Name: p.Name,
	}
	k := t.keys.Signing()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = k.ID
	return tok.SignedString(k.Private)
}

var errBadToken = apperr.Coded(apperr.Unauthenticated, "auth.bad_token")

// Verify checks an access token and returns its principal. Any fault, of
// form, signature, algorithm, issuer, audience or time, is Unauthenticated.
func (t *Tokens) Verify(raw string) (identity.Principal, error) {
	p, _, err := t.Check(raw)
	return p, err
}

// Check is Verify that also answers when the token was issued (its iat), for
// Service.Active to compare with the time its user's tokens were ended.
func (t *Tokens) Check(raw string) (identity.Principal, time.Time, error) {
	if len(raw) > MaxTokenBytes || strings.Count(raw, ".") != 2 {
		return identity.Principal{}, time.Time{}, errBadToken
	}
	key := sha256.Sum256([]byte(raw))
	now := t.now()
	t.seen.mu.Lock()
	e, hit := t.seen.entries[key]
	t.seen.mu.Unlock()
	if hit && now.Before(e.exp) && !now.Before(e.nbf) {
		return e.p, e.iat, nil
	}
	e, err := t.verify(raw)
	if err != nil {
		return identity.Principal{}, time.Time{}, err
	}
	t.seen.mu.Lock()
	if len(t.seen.entries) >= maxVerified {
		clear(t.seen.entries)
	}
	t.seen.entries[key] = e
	t.seen.mu.Unlock()
	return e.p, e.iat, nil
}

// verify checks a token fully: signature, algorithm, header and claims. It
// returns the principal, when it was issued and the window in which the
// token is valid.
func (t *Tokens) verify(raw string) (verifiedEntry, error) {
	var c claims
	_, err := t.parser.ParseWithClaims(raw, &c, func(tok *jwt.Token) (any, error) {
		// Only our own header fields count; jku, x5u and jwk are never read.
		if typ, _ := tok.Header["typ"].(string); !strings.EqualFold(typ, "at+jwt") {
			return nil, errors.New("wrong token type")
		}
		// RFC 7515 §4.1.11: a crit header names extensions that must be
		// understood; this service understands none, so a token with crit
		// (even an empty or malformed one) is refused.
		if _, ok := tok.Header["crit"]; ok {
			return nil, errors.New("crit names an extension this service does not understand")
		}
		kid, _ := tok.Header["kid"].(string)
		pub, ok := t.keys.Public(kid)
		if !ok {
			return nil, errors.New("unknown key")
		}
		return pub, nil
	})
	if err != nil {
		return verifiedEntry{}, &apperr.Error{Kind: apperr.Unauthenticated, Message: "auth.bad_token", Err: err}
	}
	if c.Subject == "" || !c.Role.Valid() || c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > 15*time.Minute {
		return verifiedEntry{}, errBadToken
	}
	if c.Role.DepartmentBound() && c.Dept == "" {
		return verifiedEntry{}, errBadToken
	}
	var scopes []string
	if c.Scope != "" {
		scopes = strings.Fields(c.Scope)
	}
	// The cache honours the same leeway as the parser.
	exp := c.ExpiresAt.Add(30 * time.Second)
	nbf := c.IssuedAt.Add(-30 * time.Second)
	if c.NotBefore != nil {
		nbf = c.NotBefore.Add(-30 * time.Second)
	}
	p := identity.Principal{Subject: c.Subject, Name: c.Name, Role: c.Role, Department: c.Dept, ClientID: c.ClientID, Scopes: scopes}
	return verifiedEntry{p: p, iat: c.IssuedAt.UTC(), exp: exp, nbf: nbf}, nil
}
