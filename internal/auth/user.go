package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// User is a person who signs in with a password.
type User struct {
	ID           string
	Username     string
	PasswordHash string
	Role         identity.Role
	Department   string
	Disabled     bool
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// UserStore keeps users. ByUsername returns NotFound for an unknown name.
type UserStore interface {
	ByUsername(ctx context.Context, username string) (User, error)
	Create(ctx context.Context, u User) error
	Count(ctx context.Context) (int64, error)
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// DefaultPasswordCost is the bcrypt cost of stored passwords unless the
// service is told otherwise: about 60 ms a hash on a current server core.
const DefaultPasswordCost = bcrypt.DefaultCost

// hashPassword hashes a password for storage at the service's cost.
func (s *Service) hashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLength {
		return "", apperr.Fields([]apperr.FieldError{{Field: "password", Code: "too_short", Param: "12"}})
	}
	if len(pw) > 72 { // bcrypt reads no further
		return "", apperr.Fields([]apperr.FieldError{{Field: "password", Code: "too_long", Param: "72"}})
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost)
	return string(b), err
}

// GeneratePassword returns a random password for generated accounts.
func GeneratePassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Token is what signing in answers.
type Token struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string // users only
}

// Service signs users and clients in and administers them.
type Service struct {
	store  Store
	tx     Transactor
	tokens *Tokens
	audit  Auditor
	now    func() time.Time
	newID  func() string
	active activeCache
	// cost is the bcrypt cost of new password hashes; dummy is a hash at
	// that cost, made on first use, compared against when the user is
	// unknown so that a wrong username costs the same time as a wrong
	// password.
	cost  int
	dummy func() []byte
}

// NewService returns a Service. auditor may be nil when nothing is audited.
func NewService(store Store, tx Transactor, tokens *Tokens, auditor Auditor, now func() time.Time, newID func() string) *Service {
	var audit Auditor = noAudit{}
	if auditor != nil {
		audit = auditor
	}
	s := &Service{store: store, tx: tx, tokens: tokens, audit: audit, now: now, newID: newID,
		active: activeCache{entries: map[string]activeEntry{}}}
	s.SetPasswordCost(DefaultPasswordCost)
	return s
}

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

var errBadLogin = apperr.New(apperr.Unauthenticated, "用户名或密码错误", "wrong username or password")

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
func (s *Service) Login(ctx context.Context, username, password, addr string) (Token, identity.Principal, error) {
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
	ws, err := s.store.RecordFailure(ctx, keys, now, now.Add(-LoginWindow))
	if err != nil {
		return Token{}, identity.Principal{}, err
	}
	if err := overLimit(ws, userKey, addrKey, now); err != nil {
		if rerr := s.store.ReleaseFailure(ctx, keys); rerr != nil {
			return Token{}, identity.Principal{}, rerr
		}
		return Token{}, identity.Principal{}, err
	}
	u, err := s.store.ByUsername(ctx, username)
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
		if err := s.store.ClearFailures(ctx, userKey); err != nil {
			return err
		}
		if err := s.store.ReleaseFailure(ctx, []string{addrKey}); err != nil {
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

var errAdmin = apperr.New(apperr.Forbidden, "只有管理员可以管理用户和客户端", "only an administrator may manage users and clients")

// userView is what the audit trail keeps of a user: never the password hash.
func userView(u User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "role": u.Role, "department": u.Department,
		"disabled": u.Disabled, "version": u.Version}
}

// checkDepartment checks the department a user or client is bound to: a
// code, which the store then finds or not.
func checkDepartment(dept string) []apperr.FieldError {
	switch {
	case dept == "":
		return []apperr.FieldError{{Field: "department", Code: "required"}}
	case !identity.ValidDepartmentCode.MatchString(dept):
		return []apperr.FieldError{{Field: "department", Code: "invalid_format", Param: identity.ValidDepartmentCode.String()}}
	}
	return nil
}

func validateUser(username string, role identity.Role, dept string) error {
	var fs []apperr.FieldError
	if !role.Valid() {
		fs = append(fs, apperr.FieldError{Field: "role", Code: "invalid_value", Param: "admin,bureau,leader,dept_editor,dept_viewer"})
	}
	if role.DepartmentBound() {
		fs = append(fs, checkDepartment(dept)...)
	}
	if !plausibleName(username) || len(username) < 2 {
		fs = append(fs, apperr.FieldError{Field: "username", Code: "invalid_format", Param: "2..64, no spaces"})
	}
	return apperr.Fields(fs)
}

// CreateUser adds a user with a password (admin).
func (s *Service) CreateUser(ctx context.Context, p identity.Principal, username, password string, role identity.Role, dept string) (User, error) {
	if !p.Is(identity.RoleAdmin) {
		return User{}, errAdmin
	}
	if !role.DepartmentBound() {
		dept = "" // the dept claim is for department roles only
	}
	if err := validateUser(username, role, dept); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u := User{ID: s.newID(), Username: username, PasswordHash: hash, Role: role, Department: dept, Version: 1, CreatedAt: now, UpdatedAt: now}
	return u, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Create(ctx, u); err != nil {
			return err
		}
		return s.record(ctx, p, "user.create", "user", u.ID, nil, userView(u))
	})
}

// UserChange is a partial update of a user; nil fields stay.
type UserChange struct {
	Role       *identity.Role
	Department *string
	Disabled   *bool
	Password   *string
}

// UserByUsername returns one user (admin).
func (s *Service) UserByUsername(ctx context.Context, p identity.Principal, username string) (User, error) {
	if !p.Is(identity.RoleAdmin) {
		return User{}, errAdmin
	}
	return s.store.ByUsername(ctx, username)
}

// ListUsers lists every user (admin).
func (s *Service) ListUsers(ctx context.Context, p identity.Principal) ([]User, error) {
	if !p.Is(identity.RoleAdmin) {
		return nil, errAdmin
	}
	return s.store.ListUsers(ctx)
}

// UpdateUser changes a user's role, department, state or password (admin).
// Disabling stops the user's access tokens within 30 seconds; disabling or a
// new password revokes every refresh token of the user at once.
func (s *Service) UpdateUser(ctx context.Context, p identity.Principal, id string, ifMatch int, ch UserChange) (User, error) {
	if !p.Is(identity.RoleAdmin) {
		return User{}, errAdmin
	}
	var hash string
	if ch.Password != nil {
		var err error
		if hash, err = s.hashPassword(*ch.Password); err != nil {
			return User{}, err
		}
	}
	var out User
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var before map[string]any
		u, err := s.store.UpdateUser(ctx, id, func(u *User) error {
			if u.Version != ifMatch {
				return apperr.ErrVersionConflict
			}
			before = userView(*u)
			if ch.Role != nil {
				if u.ID == p.Subject && *ch.Role != identity.RoleAdmin {
					return apperr.New(apperr.Conflict, "管理员不能取消自己的管理员角色", "an administrator cannot give up their own admin role")
				}
				u.Role = *ch.Role
			}
			if ch.Department != nil {
				u.Department = *ch.Department
			}
			if !u.Role.DepartmentBound() {
				u.Department = ""
			}
			if ch.Disabled != nil {
				if *ch.Disabled && u.ID == p.Subject {
					return apperr.New(apperr.Conflict, "不能停用自己的账号", "an administrator cannot disable their own account")
				}
				u.Disabled = *ch.Disabled
			}
			if hash != "" {
				u.PasswordHash = hash
			}
			if err := validateUser(u.Username, u.Role, u.Department); err != nil {
				return err
			}
			u.Version++
			u.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
			return nil
		})
		if err != nil {
			return err
		}
		out = u
		after := userView(u)
		if hash != "" || u.Disabled {
			// A new password or a disabled account ends every session.
			if err := s.store.RevokeUser(ctx, u.ID, s.now()); err != nil {
				return err
			}
		}
		if hash != "" {
			after["password_changed"] = true
		}
		return s.record(ctx, p, "user.update", "user", u.ID, before, after)
	})
	s.forget(id)
	return out, err
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
func (s *Service) CreateClient(ctx context.Context, p identity.Principal, name, dept string, scopes []string) (Client, string, error) {
	if !p.Is(identity.RoleAdmin) {
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
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateClient(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, p, "client.create", "client", c.ID, nil, clientView(c))
	})
	return c, secret, err
}

// ListClients lists every client (admin).
func (s *Service) ListClients(ctx context.Context, p identity.Principal) ([]Client, error) {
	if !p.Is(identity.RoleAdmin) {
		return nil, errAdmin
	}
	return s.store.ListClients(ctx)
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
func (s *Service) UpdateClient(ctx context.Context, p identity.Principal, id string, ifMatch int, ch ClientChange) (Client, string, error) {
	if !p.Is(identity.RoleAdmin) {
		return Client{}, "", errAdmin
	}
	if ch.Scopes != nil {
		if err := validateScopes(*ch.Scopes); err != nil {
			return Client{}, "", err
		}
	}
	var secret string
	var out Client
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var before map[string]any
		c, err := s.store.UpdateClient(ctx, id, func(c *Client) error {
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

// system is the principal of the service's own bootstrap work.
var system = identity.Principal{Subject: "system", Name: "system", Role: identity.RoleAdmin}

// Bootstrap creates the admin user when there is no user at all, with the
// given password, or a generated one when it is empty. It reports the
// password it set, or "" when users already existed.
func (s *Service) Bootstrap(ctx context.Context, password string) (string, error) {
	n, err := s.store.Count(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	if _, err := s.CreateUser(ctx, system, "admin", password, identity.RoleAdmin, ""); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return "", nil // another replica starting at the same time created it
		}
		return "", err
	}
	return password, nil
}
