// Package authdb keeps users in the database through GORM and translates its
// errors into apperr kinds.
package authdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Store implements auth.UserStore.
type Store struct{ db *database.DB }

var _ auth.UserStore = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	Department   *string
	Disabled     bool
	Version      int
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &apperr.Error{Kind: apperr.Conflict, Detail: apperr.Text{ZH: "用户名已存在", EN: "the username is taken"},
			Fields: []apperr.FieldError{{Field: "username", Code: "not_unique"}}}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	}
	return err
}

// ByUsername returns the user with that name.
func (s *Store) ByUsername(ctx context.Context, username string) (auth.User, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var r userRow
	if err := q.Where("username = ?", username).Take(&r).Error; err != nil {
		return auth.User{}, translate(err)
	}
	u := auth.User{ID: r.ID, Username: r.Username, PasswordHash: r.PasswordHash, Role: auth.Role(r.Role),
		Disabled: r.Disabled, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Department != nil {
		u.Department = *r.Department
	}
	return u, nil
}

// Create inserts a user.
func (s *Store) Create(ctx context.Context, u auth.User) error {
	q, done := s.db.Conn(ctx)
	defer done()
	r := userRow{ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash, Role: string(u.Role),
		Disabled: u.Disabled, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.Department != "" {
		r.Department = &u.Department
	}
	return translate(q.Create(&r).Error)
}

// Count returns the number of users.
func (s *Store) Count(ctx context.Context) (int64, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var n int64
	return n, translate(q.Model(&userRow{}).Count(&n).Error)
}
