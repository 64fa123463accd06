package auth

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

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

// ClientStore keeps the OAuth clients of the department systems.
// ClientByID and ClientByClientID return NotFound for an unknown client.
type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error
	ClientByID(ctx context.Context, id string) (Client, error)
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, change func(*Client) error) (Client, error)
}

// OAuthError is an error of the token endpoint, in RFC 6749 §5.2 terms.
type OAuthError struct {
	Code        string // invalid_request, invalid_client, invalid_scope, unsupported_grant_type
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// ClientCredentials authenticates a client calling from addr and issues an
// access token for the requested scopes (all granted scopes when scope is
// empty). Repeated failures are throttled as a user's sign-ins are, per
// client (login.go).
func (s *Service) ClientCredentials(ctx context.Context, clientID, secret, scope, addr string) (_ Token, _ []string, err error) {
	defer apperr.Wrap(&err, "auth.Service.ClientCredentials")
	if !plausibleName(clientID) {
		return Token{}, nil, &OAuthError{Code: "invalid_client", Description: "client authentication failed"}
	}
	k := newAttempt("client:"+clientID, addr)
	if err := s.admit(ctx, k); err != nil {
		return Token{}, nil, err
	}
	c, err := s.clients.ClientByClientID(ctx, clientID)
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
		granted = distinct(strings.Fields(scope))
		for _, sc := range granted {
			if !slices.Contains(c.Scopes, sc) {
				// The client authenticated: no failure of its secret.
				if err := s.succeeded(ctx, k); err != nil {
					return Token{}, nil, err
				}
				return Token{}, nil, &OAuthError{Code: "invalid_scope", Description: "scope " + sc + " is not granted to this client"}
			}
		}
	}
	p := clientPrincipal(c, granted)
	var tok Token
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.succeeded(ctx, k); err != nil {
			return err
		}
		var err error
		if tok, err = s.issue(ctx, p, "", time.Time{}); err != nil {
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

// clientView is what the audit trail keeps of a client: never the secret.
func clientView(c Client) map[string]any {
	return map[string]any{"id": c.ID, "client_id": c.ClientID, "name": c.Name, "department": c.Department,
		"scopes": c.Scopes, "disabled": c.Disabled, "version": c.Version}
}

func validateScopes(scopes []string) error {
	for _, sc := range scopes {
		if !slices.Contains(identity.ClientScopes, sc) {
			return apperr.Fields([]apperr.FieldError{{Field: "scopes", Code: "invalid_value", Param: strings.Join(identity.ClientScopes, ",")}})
		}
	}
	return nil
}

// CreateClient registers a department system and returns it with its secret,
// which is shown this once and stored only as a hash (admin).
func (s *Service) CreateClient(ctx context.Context, p identity.Principal, name, dept string, scopes []string) (_ Client, _ string, err error) {
	defer apperr.Wrap(&err, "auth.Service.CreateClient")
	if !p.May(identity.Administer) {
		return Client{}, "", errAdmin
	}
	var fs []apperr.FieldError
	if n := len([]rune(strings.TrimSpace(name))); n == 0 || n > 100 || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		fs = append(fs, apperr.FieldError{Field: "name", Code: "required"})
	}
	fs = append(fs, checkDepartment(dept)...)
	if err := apperr.Fields(fs); err != nil {
		return Client{}, "", err
	}
	if err := validateScopes(scopes); err != nil {
		return Client{}, "", err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	secret := randomToken("pcs_", 32)
	c := Client{ID: s.newID(), ClientID: randomToken("pc_", 12), Name: strings.TrimSpace(name), Department: dept,
		Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), SecretHash: hashSecret(secret), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.clients.CreateClient(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, p, "client.create", "client", c.ID, nil, clientView(c))
	})
	return c, secret, err
}

// ListClients lists every client (admin).
func (s *Service) ListClients(ctx context.Context, p identity.Principal) (_ []Client, err error) {
	defer apperr.Wrap(&err, "auth.Service.ListClients")
	if !p.May(identity.Administer) {
		return nil, errAdmin
	}
	return s.clients.ListClients(ctx)
}

// ClientChange is a partial update of a client; nil fields stay. A new
// secret is made when RotateSecret is set.
type ClientChange struct {
	Disabled     *bool
	Scopes       *[]string
	RotateSecret bool
}

// UpdateClient changes a client and, when asked, gives it a new secret,
// returned this once (admin). ifMatch 0 skips the version check (rotation).
func (s *Service) UpdateClient(ctx context.Context, p identity.Principal, id string, ifMatch int, ch ClientChange) (_ Client, _ string, err error) {
	defer apperr.Wrap(&err, "auth.Service.UpdateClient(%s)", id)
	if !p.May(identity.Administer) {
		return Client{}, "", errAdmin
	}
	if ch.Scopes != nil {
		if err := validateScopes(*ch.Scopes); err != nil {
			return Client{}, "", err
		}
	}
	var secret string
	var out Client
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var before map[string]any
		c, err := s.clients.UpdateClient(ctx, id, func(c *Client) error {
			if ifMatch != 0 && c.Version != ifMatch {
				return apperr.ErrVersionConflict
			}
			before = clientView(*c)
			if ch.Disabled != nil {
				c.Disabled = *ch.Disabled
			}
			if ch.Scopes != nil {
				c.Scopes = slices.Compact(slices.Sorted(slices.Values(*ch.Scopes)))
			}
			if ch.RotateSecret {
				secret = randomToken("pcs_", 32)
				c.SecretHash = hashSecret(secret)
			}
			c.Version++
			c.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
			return nil
		})
		if err != nil {
			return err
		}
		out = c
		action := "client.update"
		if ch.RotateSecret {
			action = "client.rotate_secret"
		}
		return s.record(ctx, p, action, "client", c.ID, before, clientView(c))
	})
	s.forget(id)
	return out, secret, err
}

// distinct is ss with each string once, in the order first given: a scope
// asked for twice is granted once.
func distinct(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
