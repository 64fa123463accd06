package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/guangling/pipeline/internal/apperr"
)

// MaxTokenBytes bounds an access token; a longer one is refused unparsed.
const MaxTokenBytes = 4096

// claims are the access token's claims (CONTRACT §2).
type claims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id,omitempty"`
	Role     Role   `json:"role"`
	Dept     string `json:"dept,omitempty"`
	Scope    string `json:"scope,omitempty"`
	Name     string `json:"name,omitempty"`
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys     *KeySet
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

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
	}, nil
}

// TTL is the lifetime of the tokens issued.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for p.
func (t *Tokens) Issue(p Principal) (string, error) {
	now := t.now().UTC()
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

var errBadToken = apperr.New(apperr.Unauthenticated, "访问令牌无效或已过期", "the access token is invalid or expired")

// Verify checks an access token and returns its principal. Any fault, of
// form, signature, algorithm, issuer, audience or time, is Unauthenticated.
func (t *Tokens) Verify(raw string) (Principal, error) {
	if len(raw) > MaxTokenBytes || strings.Count(raw, ".") != 2 {
		return Principal{}, errBadToken
	}
	var c claims
	_, err := t.parser.ParseWithClaims(raw, &c, func(tok *jwt.Token) (any, error) {
		// Only our own header fields count; jku, x5u and jwk are never read.
		if typ, _ := tok.Header["typ"].(string); !strings.EqualFold(typ, "at+jwt") {
			return nil, errors.New("wrong token type")
		}
		kid, _ := tok.Header["kid"].(string)
		pub, ok := t.keys.Public(kid)
		if !ok {
			return nil, errors.New("unknown key")
		}
		return pub, nil
	})
	if err != nil {
		return Principal{}, &apperr.Error{Kind: apperr.Unauthenticated, Detail: errBadToken.Detail, Err: err}
	}
	if c.Subject == "" || !c.Role.Valid() || c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > 15*time.Minute {
		return Principal{}, errBadToken
	}
	if c.Role.DepartmentBound() && c.Dept == "" {
		return Principal{}, errBadToken
	}
	var scopes []string
	if c.Scope != "" {
		scopes = strings.Fields(c.Scope)
	}
	return Principal{Subject: c.Subject, Name: c.Name, Role: c.Role, Department: c.Dept, ClientID: c.ClientID, Scopes: scopes}, nil
}
