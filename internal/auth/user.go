package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

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
	// TokensValidAfter ends the access tokens issued before it (zero: none
	// ended): a new password or a refresh token's reuse sets it, a whole
	// second (endTokensAt).
	TokensValidAfter time.Time
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// UserStore keeps users. ByUsername and UserByID return NotFound for an
// unknown user.
type UserStore interface {
	ByUsername(ctx context.Context, username string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	Create(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, id string, change func(*User) error) (User, error)
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
func (s *Service) CreateUser(ctx context.Context, p identity.Principal, username, password string, role identity.Role, dept string) (_ User, err error) {
	defer apperr.Wrap(&err, "auth.Service.CreateUser")
	if !p.May(identity.Administer) {
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
		if err := s.users.Create(ctx, u); err != nil {
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
func (s *Service) UserByUsername(ctx context.Context, p identity.Principal, username string) (_ User, err error) {
	defer apperr.Wrap(&err, "auth.Service.UserByUsername")
	if !p.May(identity.Administer) {
		return User{}, errAdmin
	}
	return s.users.ByUsername(ctx, username)
}

// ListUsers lists every user (admin).
func (s *Service) ListUsers(ctx context.Context, p identity.Principal) (_ []User, err error) {
	defer apperr.Wrap(&err, "auth.Service.ListUsers")
	if !p.May(identity.Administer) {
		return nil, errAdmin
	}
	return s.users.ListUsers(ctx)
}

// UpdateUser changes a user's role, department, state or password (admin).
// Disabling or a new password stops the user's access tokens within 5
// seconds on every replica (at once on this one) and revokes every refresh
// token of the user at once.
func (s *Service) UpdateUser(ctx context.Context, p identity.Principal, id string, ifMatch int, ch UserChange) (_ User, err error) {
	defer apperr.Wrap(&err, "auth.Service.UpdateUser(%s)", id)
	if !p.May(identity.Administer) {
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
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var before map[string]any
		u, err := s.users.UpdateUser(ctx, id, func(u *User) error {
			if u.Version != ifMatch {
				return apperr.ErrVersionConflict
			}
			before = userView(*u)
			if err := ch.apply(u, p, hash); err != nil {
				return err
			}
			now := s.now()
			if hash != "" {
				u.TokensValidAfter = endTokensAt(now)
			}
			u.Version++
			u.UpdatedAt = now.UTC().Truncate(time.Microsecond)
			return nil
		})
		if err != nil {
			return err
		}
		out = u
		return s.updated(ctx, p, u, hash != "", before)
	})
	s.forget(id)
	return out, err
}

var (
	errOwnAdmin   = apperr.Coded(apperr.Conflict, "auth.own_admin")
	errOwnDisable = apperr.Coded(apperr.Conflict, "auth.own_disable")
)

// apply makes the change to u on behalf of the administrator p, hash being
// the new password's hash or "". An administrator keeps their own admin role
// and account; a department is kept for the department roles only.
func (ch UserChange) apply(u *User, p identity.Principal, hash string) error {
	if ch.Role != nil {
		if u.ID == p.Subject && *ch.Role != identity.RoleAdmin {
			return errOwnAdmin
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
			return errOwnDisable
		}
		u.Disabled = *ch.Disabled
	}
	if hash != "" {
		u.PasswordHash = hash
	}
	return validateUser(u.Username, u.Role, u.Department)
}

// updated ends every session of a user given a new password or disabled,
// and records the change.
func (s *Service) updated(ctx context.Context, p identity.Principal, u User, newPassword bool, before map[string]any) error {
	after := userView(u)
	if newPassword || u.Disabled {
		// A new password or a disabled account ends every session.
		if err := s.sessions.RevokeUser(ctx, u.ID, s.now()); err != nil {
			return err
		}
	}
	if newPassword {
		after["password_changed"] = true
	}
	return s.record(ctx, p, "user.update", "user", u.ID, before, after)
}

// system is the principal of the service's own bootstrap work.
var system = identity.Principal{Subject: "system", Name: "system", Role: identity.RoleAdmin}

// Bootstrap creates the admin user when there is no user at all, with the
// given password, or a generated one when it is empty. It reports the
// password it set, or "" when users already existed.
func (s *Service) Bootstrap(ctx context.Context, password string) (_ string, err error) {
	defer apperr.Wrap(&err, "auth.Service.Bootstrap")
	n, err := s.users.Count(ctx)
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
