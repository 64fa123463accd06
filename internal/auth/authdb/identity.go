package authdb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/platform/database"
)

type refreshRow struct {
	ID        string `gorm:"primaryKey"`
	FamilyID  string
	UserID    string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (refreshRow) TableName() string { return "refresh_tokens" }

func toRefresh(r refreshRow) auth.RefreshToken {
	return auth.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, UserID: r.UserID, Hash: r.TokenHash,
		ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt), RevokedAt: utc(r.RevokedAt), CreatedAt: r.CreatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateRefresh stores a refresh token (its hash only).
func (s *Store) CreateRefresh(ctx context.Context, t auth.RefreshToken) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.CreateRefresh")
	q, done := s.db.Conn(ctx)
	defer done()
	r := refreshRow{ID: t.ID, FamilyID: t.FamilyID, UserID: t.UserID, TokenHash: t.Hash,
		ExpiresAt: t.ExpiresAt.UTC(), CreatedAt: t.CreatedAt.UTC()}
	return translate(q.Create(&r).Error)
}

// UseRefresh marks a live token used with one conditional update, so that of
// two concurrent refreshes with the same token exactly one succeeds.
//
// On PostgreSQL it first takes a share lock on the token's user, so that
// locks come in the order a change of the account takes them (the user,
// then its tokens): in the other order, a refresh (the token, then the
// user's key for the next token's foreign key) and an administrator's
// change of the same account (the user, then every token to revoke it)
// deadlocked. The change now waits for the refresh or the refresh for the
// change, which then finds the token revoked.
func (s *Store) UseRefresh(ctx context.Context, hash string, now time.Time) (_ auth.RefreshToken, _ bool, err error) {
	defer apperr.Wrap(&err, "authdb.Store.UseRefresh")
	q, done := s.db.Conn(ctx)
	defer done()
	now = now.UTC()
	if s.db.Dialect() == database.Postgres {
		var ids []string
		err := q.Raw("SELECT id FROM users WHERE id = (SELECT user_id FROM refresh_tokens WHERE token_hash = ?) FOR SHARE", hash).Scan(&ids).Error
		if err != nil {
			return auth.RefreshToken{}, false, translate(err)
		}
	}
	res := q.Model(&refreshRow{}).
		Where("token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", hash, now).
		Update("used_at", now)
	if res.Error != nil {
		return auth.RefreshToken{}, false, translate(res.Error)
	}
	var r refreshRow
	if err := q.Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return auth.RefreshToken{}, false, translate(err)
	}
	return toRefresh(r), res.RowsAffected == 1, nil
}

// RevokeFamily revokes every live token of a family.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.RevokeFamily")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&refreshRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
		Update("revoked_at", now.UTC()).Error)
}

// RevokeUser revokes every live token of a user.
func (s *Store) RevokeUser(ctx context.Context, userID string, now time.Time) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.RevokeUser")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&refreshRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now.UTC()).Error)
}

type clientRow struct {
	ID         string `gorm:"primaryKey"`
	ClientID   string
	Name       string
	Department string
	Scopes     jsonList
	SecretHash string
	Disabled   bool
	Version    int
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (clientRow) TableName() string { return "clients" }

func toClient(r clientRow) auth.Client {
	return auth.Client{ID: r.ID, ClientID: r.ClientID, Name: r.Name, Department: r.Department, Scopes: []string(r.Scopes),
		SecretHash: r.SecretHash, Disabled: r.Disabled, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func toClientRow(c auth.Client) clientRow {
	return clientRow{ID: c.ID, ClientID: c.ClientID, Name: c.Name, Department: c.Department, Scopes: jsonList(c.Scopes),
		SecretHash: c.SecretHash, Disabled: c.Disabled, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

// CreateClient inserts a client.
func (s *Store) CreateClient(ctx context.Context, c auth.Client) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.CreateClient")
	q, done := s.db.Conn(ctx)
	defer done()
	r := toClientRow(c)
	return translate(q.Create(&r).Error)
}

// ClientByID returns a client by its row ID.
func (s *Store) ClientByID(ctx context.Context, id string) (_ auth.Client, err error) {
	defer apperr.Wrap(&err, "authdb.Store.ClientByID(%s)", id)
	if !database.ValidID(id) {
		return auth.Client{}, apperr.ErrNotFound
	}
	return s.client(ctx, "id = ?", id)
}

// ClientByClientID returns a client by the ID it signs in with.
func (s *Store) ClientByClientID(ctx context.Context, clientID string) (_ auth.Client, err error) {
	defer apperr.Wrap(&err, "authdb.Store.ClientByClientID")
	return s.client(ctx, "client_id = ?", clientID)
}

func (s *Store) client(ctx context.Context, cond string, arg any) (auth.Client, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var r clientRow
	if err := q.Where(cond, arg).Take(&r).Error; err != nil {
		return auth.Client{}, translate(err)
	}
	return toClient(r), nil
}

// ListClients returns every client by name.
func (s *Store) ListClients(ctx context.Context) (_ []auth.Client, err error) {
	defer apperr.Wrap(&err, "authdb.Store.ListClients")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []clientRow
	if err := q.Order("name, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]auth.Client, len(rows))
	for i, r := range rows {
		out[i] = toClient(r)
	}
	return out, nil
}

// UpdateClient loads, changes and saves a client in one transaction.
func (s *Store) UpdateClient(ctx context.Context, id string, change func(*auth.Client) error) (_ auth.Client, err error) {
	defer apperr.Wrap(&err, "authdb.Store.UpdateClient(%s)", id)
	if !database.ValidID(id) {
		return auth.Client{}, apperr.ErrNotFound
	}
	var out auth.Client
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		var r clientRow
		if err := s.db.ForUpdate(q).Where("id = ?", id).Take(&r).Error; err != nil {
			return translate(err)
		}
		c := toClient(r)
		old := c.Version
		if err := change(&c); err != nil {
			return err
		}
		nr := toClientRow(c)
		res := q.Model(&clientRow{}).Where("id = ? AND version = ?", id, old).Select("*").Omit("id", "created_at").Updates(&nr)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.ErrVersionConflict
		}
		out = c
		return nil
	})
	return out, translate(err)
}

type failureRow struct {
	Key         string `gorm:"primaryKey"`
	WindowStart time.Time
	Count       int
}

func (failureRow) TableName() string { return "login_failures" }

// RecordFailure counts one attempt for each key, starting a new window for a
// key whose window began at or before since, and returns the windows with
// the attempt counted. One upsert per key, so that concurrent attempts on
// several replicas each get a count of their own.
func (s *Store) RecordFailure(ctx context.Context, keys []string, now, since time.Time) (_ map[string]auth.Window, err error) {
	defer apperr.Wrap(&err, "authdb.Store.RecordFailure")
	q, done := s.db.Conn(ctx)
	defer done()
	now, since = now.UTC(), since.UTC()
	out := make(map[string]auth.Window, len(keys))
	for _, k := range keys {
		var rows []failureRow
		err := q.Raw(`INSERT INTO login_failures (key, window_start, count) VALUES (?, ?, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.count + 1 END,
  window_start = CASE WHEN login_failures.window_start <= ? THEN excluded.window_start ELSE login_failures.window_start END
RETURNING key, window_start, count`,
			k, now, since, since).Scan(&rows).Error
		if err != nil {
			return nil, translate(err)
		}
		if len(rows) != 1 {
			return nil, fmt.Errorf("authdb: counting a sign-in attempt answered %d rows", len(rows))
		}
		out[k] = auth.Window{Start: rows[0].WindowStart.UTC(), Count: rows[0].Count}
	}
	return out, nil
}

// ReleaseFailure takes one attempt back from each key's count.
func (s *Store) ReleaseFailure(ctx context.Context, keys []string) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.ReleaseFailure")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&failureRow{}).Where("key IN ? AND count > 0", keys).
		Update("count", gorm.Expr("count - 1")).Error)
}

// ClearFailures forgets a key's failures, after a successful sign-in.
func (s *Store) ClearFailures(ctx context.Context, key string) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.ClearFailures")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Where("key = ?", key).Delete(&failureRow{}).Error)
}

// knownPrefix begins the keys of the markers of Remember, kept in
// login_failures beside the failure windows: the window's start is when the
// key was remembered.
const knownPrefix = "marker:"

// Remember marks key known at now.
func (s *Store) Remember(ctx context.Context, key string, now time.Time) (err error) {
	defer apperr.Wrap(&err, "authdb.Store.Remember")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Exec(`INSERT INTO login_failures (key, window_start, count) VALUES (?, ?, 0)
ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start`, knownPrefix+key, now.UTC()).Error)
}

// Known reports whether key was remembered after since.
func (s *Store) Known(ctx context.Context, key string, since time.Time) (_ bool, err error) {
	defer apperr.Wrap(&err, "authdb.Store.Known")
	q, done := s.db.Conn(ctx)
	defer done()
	var n int64
	err = q.Model(&failureRow{}).Where("key = ? AND window_start > ?", knownPrefix+key, since.UTC()).Count(&n).Error
	return n > 0, translate(err)
}

// PurgeFailures deletes the failure windows that began at or before
// windowsBefore and the markers remembered at or before markersBefore.
func (s *Store) PurgeFailures(ctx context.Context, windowsBefore, markersBefore time.Time) (_ int64, err error) {
	defer apperr.Wrap(&err, "authdb.Store.PurgeFailures")
	q, done := s.db.Conn(ctx)
	defer done()
	marker := fmt.Sprintf("substr(key, 1, %d) = '%s'", len(knownPrefix), knownPrefix) // a constant
	res := q.Where("NOT ("+marker+") AND window_start <= ?", windowsBefore.UTC()).
		Or(marker+" AND window_start <= ?", markersBefore.UTC()).
		Delete(&failureRow{})
	return res.RowsAffected, translate(res.Error)
}
