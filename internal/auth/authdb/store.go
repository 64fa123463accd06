// Package authdb keeps users, clients, refresh tokens and sign-in failure
// counters in the database through GORM and translates its errors into
// apperr kinds.
package authdb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Store keeps users, clients, refresh tokens and sign-in failure counters:
// it is each of the stores of auth.Stores.
type Store struct{ db *database.DB }

var (
	_ auth.UserStore    = (*Store)(nil)
	_ auth.ClientStore  = (*Store)(nil)
	_ auth.RefreshStore = (*Store)(nil)
	_ auth.FailureStore = (*Store)(nil)
)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

// Stores returns the stores of an auth.Service over db, all one Store.
func Stores(db *database.DB) auth.Stores {
	st := New(db)
	return auth.Stores{Users: st, Clients: st, Sessions: st, Failures: st}
}

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	Department   *string
	Disabled     bool
	// TokensValidAfter is NULL while no tokens were ended (migration 00010).
	TokensValidAfter *time.Time
	Version          int
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &apperr.Error{Kind: apperr.Conflict, Message: "auth.username_taken",
			Fields: []apperr.FieldError{{Field: "username", Code: "not_unique"}}}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	}
	return err
}

func toUser(r userRow) auth.User {
	u := auth.User{ID: r.ID, Username: r.Username, PasswordHash: r.PasswordHash, Role: identity.Role(r.Role),
		Disabled: r.Disabled, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Department != nil {
		u.Department = *r.Department
	}
	if r.TokensValidAfter != nil {
		u.TokensValidAfter = r.TokensValidAfter.UTC()
	}
	return u
}

func toUserRow(u auth.User) userRow {
	r := userRow{ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash, Role: string(u.Role),
		Disabled: u.Disabled, Version: u.Version, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if u.Department != "" {
		r.Department = &u.Department
	}
	if !u.TokensValidAfter.IsZero() {
		at := u.TokensValidAfter.UTC()
		r.TokensValidAfter = &at
	}
	return r
}

// ByUsername returns the user with that name.
func (s *Store) ByUsername(ctx context.Context, username string) (_ auth.User, err error) {
	defer apperr.Wrap(&err, "authdb.Store.ByUsername")
	return s.user(ctx, "username = ?", username)
}

// UserByID returns the user with that ID.
func (s *Store) UserByID(ctx context.Context, id string) (_ auth.User, err error) {
	defer apperr.Wrap(&err, "authdb.Store.UserByID(%s)", id)
	if !database.ValidID(id) {
		return auth.User{}, apperr.ErrNotFound
	}
	return s.user(ctx, "id = ?", id)
}

func (s *Store) user(ctx context.Context, cond string, arg any) (auth.User, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var r userRow
	if err := q.Where(cond, arg).Take(&r).Error; err != nil {
		return auth.User{}, translate(err)
	}
	return toUser(r), nil
}

// ListUsers returns every user by username.
func (s *Store) ListUsers(ctx context.Context) (_ []auth.User, err error) {
	defer apperr.Wrap(&err, "authdb.Store.ListUsers")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []userRow
	if err := q.Order("username").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]auth.User, len(rows))
	for i, r := range rows {
		out[i] = toUser(r)
	}
	return out, nil
}

// UpdateUser loads, changes and saves a user in one transaction.
func (s *Store) UpdateUser(ctx context.Context, id string, change func(*auth.User) error) (_ auth.User, err error) {
	defer apperr.Wrap(&err, "authdb.Store.UpdateUser(%s)", id)
	if !database.ValidID(id) {
		return auth.User{}, apperr.ErrNotFound
	}
	var out auth.User
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		var r userRow
		if err := s.db.ForUpdate(q).Where("id = ?", id).Take(&r).Error; err != nil {
			return translate(err)
		}
		u := toUser(r)
		old := u.Version
		if err := change(&u); err != nil {
			return err
		}
		nr := toUserRow(u)
		res := q.Model(&userRow{}).Where("id = ? AND version = ?", id, old).Select("*").Omit("id", "created_at").Updates(&nr)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.ErrVersionConflict
		}
		out = u
		return nil
	})
	return out, translate(err)
}

// Create inserts a user.
func (s *Store) Create(ctx context.Context, u auth.User) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.Create")
	q, done := s.db.Conn(ctx)
	defer done()
	r := toUserRow(u)
	return translate(q.Create(&r).Error)
}

// Count returns the number of users.
func (s *Store) Count(ctx context.Context) (_ int64, err error) {
	defer apperr.Wrap(&err, "authdb.Store.Count")
	q, done := s.db.Conn(ctx)
	defer done()
	var n int64
	return n, translate(q.Model(&userRow{}).Count(&n).Error)
}

// jsonList stores a list of strings as JSON (jsonb on PostgreSQL).
type jsonList []string

func (l jsonList) Value() (driver.Value, error) {
	if l == nil {
		l = jsonList{}
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func (l *jsonList) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), (*[]string)(l))
	case []byte:
		return json.Unmarshal(s, (*[]string)(l))
	case nil:
		*l = jsonList{}
		return nil
	}
	return fmt.Errorf("authdb: cannot scan %T as a JSON list", src)
}
