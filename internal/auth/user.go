package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
)

// User is a person who signs in with a password.
type User struct {
	ID           string
	Username     string
	PasswordHash string
	Role         Role
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

// HashPassword hashes a password for storage.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLength {
		return "", apperr.Fields([]apperr.FieldError{{Field: "password", Code: "too_short", Param: "12"}})
	}
	if len(pw) > 72 { // bcrypt reads no further
		return "", apperr.Fields([]apperr.FieldError{{Field: "password", Code: "too_long", Param: "72"}})
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
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
	AccessToken string
	ExpiresIn   time.Duration
}

// Service signs users in.
type Service struct {
	users  UserStore
	tokens *Tokens
	now    func() time.Time
	newID  func() string
	// dummy is compared against when the user is unknown, so that a wrong
	// username costs the same time as a wrong password.
	dummy []byte
}

// NewService returns a Service.
func NewService(users UserStore, tokens *Tokens, now func() time.Time, newID func() string) *Service {
	dummy, _ := bcrypt.GenerateFromPassword([]byte(GeneratePassword()), bcrypt.DefaultCost)
	return &Service{users: users, tokens: tokens, now: now, newID: newID, dummy: dummy}
}

var errBadLogin = apperr.New(apperr.Unauthenticated, "用户名或密码错误", "wrong username or password")

// Login checks a username and password and issues an access token. Unknown
// users, wrong passwords and disabled accounts answer alike.
func (s *Service) Login(ctx context.Context, username, password string) (Token, Principal, error) {
	u, err := s.users.ByUsername(ctx, username)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Token{}, Principal{}, err
	}
	hash := s.dummy
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || u.Disabled {
		return Token{}, Principal{}, errBadLogin
	}
	p := Principal{Subject: u.ID, Name: u.Username, Role: u.Role, Department: u.Department}
	at, err := s.tokens.Issue(p)
	if err != nil {
		return Token{}, Principal{}, err
	}
	return Token{AccessToken: at, ExpiresIn: s.tokens.TTL()}, p, nil
}

// CreateUser adds a user with a password.
func (s *Service) CreateUser(ctx context.Context, username, password string, role Role, dept string) (User, error) {
	var fs []apperr.FieldError
	if !role.Valid() {
		fs = append(fs, apperr.FieldError{Field: "role", Code: "invalid_value"})
	}
	if role.DepartmentBound() && dept == "" {
		fs = append(fs, apperr.FieldError{Field: "department", Code: "required"})
	}
	if l := len(username); l < 2 || l > 64 {
		fs = append(fs, apperr.FieldError{Field: "username", Code: "invalid_format", Param: "2..64"})
	}
	if err := apperr.Fields(fs); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u := User{ID: s.newID(), Username: username, PasswordHash: hash, Role: role, Department: dept, Version: 1, CreatedAt: now, UpdatedAt: now}
	return u, s.users.Create(ctx, u)
}

// Bootstrap creates the admin user when there is no user at all, with the
// given password, or a generated one when it is empty. It reports the
// password it set, or "" when users already existed.
func (s *Service) Bootstrap(ctx context.Context, password string) (string, error) {
	n, err := s.users.Count(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	if _, err := s.CreateUser(ctx, "admin", password, RoleAdmin, ""); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return "", nil // another replica starting at the same time created it
		}
		return "", err
	}
	return password, nil
}
