package auth

import (
	"context"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// RefreshToken is one link of a sign-in session. Tokens are single use: each
// refresh marks its token used and issues the next one in the same family; a
// used token presented again revokes the whole family.
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	Hash      string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// RefreshStore keeps the refresh tokens of sign-in sessions, by hash.
type RefreshStore interface {
	CreateRefresh(ctx context.Context, t RefreshToken) error
	// UseRefresh marks the live token with this hash used and returns it with
	// fresh true; for a token already used, revoked or expired it returns the
	// token with fresh false; NotFound when there is none.
	UseRefresh(ctx context.Context, hash string, now time.Time) (t RefreshToken, fresh bool, err error)
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeUser revokes every live refresh token of a user.
	RevokeUser(ctx context.Context, userID string, now time.Time) error
}

// issue makes an access token and, for users, the first refresh token of a
// family (or the next one of familyID). The access token is issued at
// notBefore when that is later than now: the user's TokensValidAfter.
func (s *Service) issue(ctx context.Context, p identity.Principal, familyID string, notBefore time.Time) (Token, error) {
	at, err := s.tokens.issueAt(p, notBefore)
	if err != nil {
		return Token{}, err
	}
	tok := Token{AccessToken: at, ExpiresIn: s.tokens.TTL()}
	if p.ClientID != "" {
		return tok, nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if familyID == "" {
		familyID = s.newID()
	}
	raw := randomToken("prt_", 32)
	err = s.sessions.CreateRefresh(ctx, RefreshToken{
		ID: s.newID(), FamilyID: familyID, UserID: p.Subject, Hash: hashSecret(raw),
		ExpiresAt: now.Add(RefreshTTL), CreatedAt: now,
	})
	tok.RefreshToken = raw
	return tok, err
}

func principalOf(u User) identity.Principal {
	return identity.Principal{Subject: u.ID, Name: u.Username, Role: u.Role, Department: u.Department}
}

var errBadRefresh = apperr.Coded(apperr.Unauthenticated, "auth.bad_refresh")

// Refresh exchanges a refresh token for a new pair. A token presented a
// second time revokes its whole family and ends the user's access tokens
// (within 5 seconds on every replica): whoever holds the other copy is
// signed out too.
func (s *Service) Refresh(ctx context.Context, raw string) (_ Token, err error) {
	defer apperr.Wrap(&err, "auth.Service.Refresh")
	if !strings.HasPrefix(raw, "prt_") || len(raw) > 128 {
		return Token{}, errBadRefresh
	}
	now := s.now().UTC()
	var out Token
	var reused RefreshToken
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		t, fresh, err := s.sessions.UseRefresh(ctx, hashSecret(raw), now)
		if err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return errBadRefresh
			}
			return err
		}
		if !fresh {
			if t.UsedAt != nil && t.RevokedAt == nil {
				reused = t
			}
			return errBadRefresh
		}
		u, err := s.users.UserByID(ctx, t.UserID)
		switch {
		case apperr.KindOf(err) == apperr.NotFound || err == nil && u.Disabled:
			return errBadRefresh
		case err != nil:
			return err // a failure to read, not a verdict on the token
		}
		p := principalOf(u)
		if out, err = s.issue(ctx, p, t.FamilyID, u.TokensValidAfter); err != nil {
			return err
		}
		return s.record(ctx, p, "auth.refresh", "user", u.ID, nil, nil)
	})
	if reused.FamilyID != "" {
		// Outside the failed transaction, so the revocation stays.
		if rerr := s.reused(ctx, reused, now); rerr != nil {
			return Token{}, rerr
		}
	}
	return out, err
}

// reused revokes the family of a refresh token presented a second time and
// ends its user's access tokens: the access tokens carry no family, so
// every one of the user's is ended, and the user's other sessions refresh
// theirs. Both in one transaction: a revocation without the ended tokens
// would leave the thief's access token working. The user is locked first,
// as a refresh (UseRefresh) and a password change lock it before its
// tokens: in the other order, two reuses and a refresh deadlock.
func (s *Service) reused(ctx context.Context, t RefreshToken, now time.Time) error {
	end := endTokensAt(now)
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		_, err := s.users.UpdateUser(ctx, t.UserID, func(u *User) error {
			if end.After(u.TokensValidAfter) {
				u.TokensValidAfter = end
			}
			return nil
		})
		if err != nil && apperr.KindOf(err) != apperr.NotFound { // no user, no access tokens
			return err
		}
		return s.sessions.RevokeFamily(ctx, t.FamilyID, now)
	})
	s.forget(t.UserID)
	return err
}

// Logout revokes the refresh token's family. An unknown token is no error:
// the session is over either way.
func (s *Service) Logout(ctx context.Context, raw string) (err error) {
	defer apperr.Wrap(&err, "auth.Service.Logout")
	now := s.now().UTC()
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		t, _, err := s.sessions.UseRefresh(ctx, hashSecret(raw), now)
		if apperr.KindOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.sessions.RevokeFamily(ctx, t.FamilyID, now); err != nil {
			return err
		}
		actor := identity.Principal{Subject: t.UserID, Name: t.UserID}
		if u, err := s.users.UserByID(ctx, t.UserID); err == nil {
			actor = principalOf(u)
		}
		return s.record(ctx, actor, "auth.logout", "user", t.UserID, nil, nil)
	})
}
