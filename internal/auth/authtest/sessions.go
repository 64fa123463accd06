package authtest

import (
	"context"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// Sessions is an auth.RefreshStore in memory, safe for concurrent use. Like
// the SQL store it keeps times in UTC and refuses an ID or hash taken twice;
// unlike it, it knows no users, so a token of any user ID is taken.
type Sessions struct {
	mu     sync.Mutex
	byHash map[string]auth.RefreshToken
	faults
}

var _ auth.RefreshStore = (*Sessions)(nil)

// NewSessions returns an empty Sessions.
func NewSessions() *Sessions { return &Sessions{byHash: map[string]auth.RefreshToken{}} }

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// tokenCopy is t as the store keeps and answers it: times in UTC, the
// optional ones its own.
func tokenCopy(t auth.RefreshToken) auth.RefreshToken {
	t.ExpiresAt, t.CreatedAt = t.ExpiresAt.UTC(), t.CreatedAt.UTC()
	t.UsedAt, t.RevokedAt = utc(t.UsedAt), utc(t.RevokedAt)
	return t
}

// CreateRefresh stores a refresh token. As in the database, a new token is
// neither used nor revoked, whatever t says.
func (s *Sessions) CreateRefresh(ctx context.Context, t auth.RefreshToken) error {
	if err := s.fault("CreateRefresh"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.byHash {
		if o.ID == t.ID || o.Hash == t.Hash {
			return errTaken
		}
	}
	t = tokenCopy(t)
	t.UsedAt, t.RevokedAt = nil, nil
	s.byHash[t.Hash] = t
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.byHash, t.Hash)
	})
	return nil
}

// UseRefresh marks the live token with this hash used.
func (s *Sessions) UseRefresh(ctx context.Context, hash string, now time.Time) (auth.RefreshToken, bool, error) {
	if err := s.fault("UseRefresh"); err != nil {
		return auth.RefreshToken{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byHash[hash]
	if !ok {
		return auth.RefreshToken{}, false, apperr.ErrNotFound
	}
	if old.UsedAt != nil || old.RevokedAt != nil || !old.ExpiresAt.After(now) {
		return tokenCopy(old), false, nil
	}
	t := old
	t.UsedAt = utc(&now)
	s.byHash[hash] = t
	s.undo(ctx, old)
	return tokenCopy(t), true, nil
}

// undo puts a token back as it was when the transaction of ctx fails.
func (s *Sessions) undo(ctx context.Context, old auth.RefreshToken) {
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.byHash[old.Hash] = old
	})
}

// revoke revokes every live token that match picks.
func (s *Sessions) revoke(ctx context.Context, match func(auth.RefreshToken) bool, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.byHash {
		if t.RevokedAt == nil && match(t) {
			s.undo(ctx, t)
			t.RevokedAt = utc(&now)
			s.byHash[h] = t
		}
	}
}

// RevokeFamily revokes every live token of a family.
func (s *Sessions) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	if err := s.fault("RevokeFamily"); err != nil {
		return err
	}
	s.revoke(ctx, func(t auth.RefreshToken) bool { return t.FamilyID == familyID }, now)
	return nil
}

// RevokeUser revokes every live token of a user.
func (s *Sessions) RevokeUser(ctx context.Context, userID string, now time.Time) error {
	if err := s.fault("RevokeUser"); err != nil {
		return err
	}
	s.revoke(ctx, func(t auth.RefreshToken) bool { return t.UserID == userID }, now)
	return nil
}

// Tokens returns every token, for a test to look at what a session left.
func (s *Sessions) Tokens() []auth.RefreshToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]auth.RefreshToken, 0, len(s.byHash))
	for _, t := range s.byHash {
		out = append(out, tokenCopy(t))
	}
	return out
}
