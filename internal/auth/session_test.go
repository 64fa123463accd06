package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// refresh exchanges a refresh token, failing t on an error.
func (f *fixture) refresh(t *testing.T, raw string) auth.Token {
	t.Helper()
	tok, err := f.svc.Refresh(context.Background(), raw)
	require.NoError(t, err)
	return tok
}

// requireBadRefresh asserts that a refresh token is refused.
func (f *fixture) requireBadRefresh(t *testing.T, raw string) {
	t.Helper()
	tok, err := f.svc.Refresh(context.Background(), raw)
	requireKind(t, apperr.Unauthenticated, err)
	assert.Zero(t, tok)
}

// families returns the family of each stored token, and whether it is
// revoked, by family.
func (f *fixture) families() map[string][]bool {
	out := map[string][]bool{}
	for _, t := range f.mem.Sessions.Tokens() {
		out[t.FamilyID] = append(out[t.FamilyID], t.RevokedAt != nil)
	}
	return out
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleDeptEditor, "energy")
	first := f.login(t, "li.ming")
	f.clock.add(10 * time.Minute)
	second := f.refresh(t, first.RefreshToken)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	assert.True(t, strings.HasPrefix(second.RefreshToken, "prt_"))
	p, err := f.tokens.Verify(second.AccessToken)
	require.NoError(t, err)
	want := identity.Principal{Subject: u.ID, Name: "li.ming", Role: identity.RoleDeptEditor, Department: "energy"}
	assert.Equal(t, want, p)
	a := f.audit.last(t)
	assert.Equal(t, want, a.by)
	assert.Equal(t, "auth.refresh", a.record.Action)
	third := f.refresh(t, second.RefreshToken)
	assert.Len(t, f.families(), 1, "one family")
	for _, tok := range f.mem.Sessions.Tokens() {
		if tok.UsedAt == nil {
			assert.Equal(t, f.clock.now().Add(auth.RefreshTTL), tok.ExpiresAt, "the live token lasts 12 hours from its issue")
		}
	}
	f.refresh(t, third.RefreshToken)
}

// TestRefreshReuse shows a used token presented again revoking its whole
// family, and no other.
func TestRefreshReuse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	stolen := f.login(t, "li.ming")
	other := f.login(t, "li.ming")
	next := f.refresh(t, stolen.RefreshToken)
	f.requireBadRefresh(t, stolen.RefreshToken)
	f.requireBadRefresh(t, next.RefreshToken)
	for family, revoked := range f.families() {
		if len(revoked) == 2 {
			assert.Equal(t, []bool{true, true}, revoked, "the reused family %s is revoked", family)
		} else {
			assert.Equal(t, []bool{false}, revoked, "the other family %s is live", family)
		}
	}
	f.refresh(t, other.RefreshToken)

	// A revoked token presented again revokes nothing more.
	f.mem.Sessions.Fail("RevokeFamily", errDB)
	f.requireBadRefresh(t, stolen.RefreshToken)
}

func TestRefreshRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	f.mem.Sessions.Fail("UseRefresh", errDB)
	for _, raw := range []string{"", "abc", "Bearer prt_x", "prt_" + strings.Repeat("a", 125)} {
		f.requireBadRefresh(t, raw) // refused before the store is asked
	}
	f.mem.Sessions.Fail("UseRefresh", nil)
	f.requireBadRefresh(t, "prt_unknown")

	t.Run("expired", func(t *testing.T) {
		tok := f.login(t, "li.ming")
		f.clock.add(auth.RefreshTTL)
		f.requireBadRefresh(t, tok.RefreshToken)
		assert.Equal(t, map[string][]bool{f.familyOf(t, u.ID): {false}}, f.families(), "an expired token revokes nothing")
		f.clock.add(-auth.RefreshTTL)
		f.refresh(t, tok.RefreshToken) // nor is it used up
	})
	t.Run("a disabled user", func(t *testing.T) {
		tok := f.login(t, "li.ming")
		f.setDisabled(t, u.ID, true)
		f.requireBadRefresh(t, tok.RefreshToken)
		f.setDisabled(t, u.ID, false)
		f.refresh(t, tok.RefreshToken) // the refusal left it unused
	})
	t.Run("an unknown user", func(t *testing.T) {
		tok := f.login(t, "li.ming")
		f.mem.Users.Fail("UserByID", apperr.ErrNotFound)
		f.requireBadRefresh(t, tok.RefreshToken)
		f.mem.Users.Fail("UserByID", nil)
		f.refresh(t, tok.RefreshToken)
	})
}

// familyOf returns the family of the only session of a user.
func (f *fixture) familyOf(t *testing.T, userID string) string {
	t.Helper()
	families := map[string]bool{}
	for _, tok := range f.mem.Sessions.Tokens() {
		if tok.UserID == userID {
			families[tok.FamilyID] = true
		}
	}
	require.Len(t, families, 1)
	for family := range families {
		return family
	}
	return ""
}

// TestRefreshStoreFailures shows each failure answered, and the token
// presented left unused when the refresh fails in its transaction.
func TestRefreshStoreFailures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		fault func(f *fixture)
	}{
		{"using the token", func(f *fixture) { f.mem.Sessions.Fail("UseRefresh", errDB) }},
		{"storing the next token", func(f *fixture) { f.mem.Sessions.Fail("CreateRefresh", errDB) }},
		{"auditing", func(f *fixture) { f.audit.fail(errDB) }},
		{"reading the user", func(f *fixture) { f.mem.Users.Fail("UserByID", errDB) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.user(t, "li.ming", identity.RoleBureau, "")
			tok := f.login(t, "li.ming")
			c.fault(f)
			_, err := f.svc.Refresh(context.Background(), tok.RefreshToken)
			require.ErrorIs(t, err, errDB)
			f.mem.Sessions.Fail("UseRefresh", nil)
			f.mem.Sessions.Fail("CreateRefresh", nil)
			f.mem.Users.Fail("UserByID", nil)
			f.audit.fail(nil)
			f.refresh(t, tok.RefreshToken)
		})
	}
	t.Run("revoking a reused family", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.user(t, "li.ming", identity.RoleBureau, "")
		tok := f.login(t, "li.ming")
		next := f.refresh(t, tok.RefreshToken)
		f.mem.Sessions.Fail("RevokeFamily", errDB)
		_, err := f.svc.Refresh(context.Background(), tok.RefreshToken)
		require.ErrorIs(t, err, errDB)
		f.mem.Sessions.Fail("RevokeFamily", nil)
		f.refresh(t, next.RefreshToken) // the family stays live
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	other := f.login(t, "li.ming")

	t.Run("a live token", func(t *testing.T) {
		tok := f.login(t, "li.ming")
		require.NoError(t, f.svc.Logout(ctx, tok.RefreshToken))
		f.requireBadRefresh(t, tok.RefreshToken)
		a := f.audit.last(t)
		assert.Equal(t, identity.Principal{Subject: u.ID, Name: "li.ming", Role: identity.RoleBureau}, a.by)
		assert.Equal(t, "auth.logout", a.record.Action)
		assert.Equal(t, u.ID, a.record.ResourceID)
	})
	t.Run("a used token ends its family", func(t *testing.T) {
		tok := f.login(t, "li.ming")
		next := f.refresh(t, tok.RefreshToken)
		require.NoError(t, f.svc.Logout(ctx, tok.RefreshToken))
		f.requireBadRefresh(t, next.RefreshToken)
	})
	t.Run("an unknown token", func(t *testing.T) {
		records := f.audit.count()
		for _, raw := range []string{"", "prt_unknown", "anything"} {
			require.NoError(t, f.svc.Logout(ctx, raw))
		}
		assert.Equal(t, records, f.audit.count(), "nothing audited")
	})
	t.Run("a token of a user since gone", func(t *testing.T) {
		gone := uuid.NewString()
		raw := "prt_of_a_user_gone"
		require.NoError(t, f.mem.Sessions.CreateRefresh(ctx, auth.RefreshToken{ID: uuid.NewString(), FamilyID: uuid.NewString(),
			UserID: gone, Hash: sha256Hex(raw), ExpiresAt: start.Add(time.Hour), CreatedAt: start}))
		require.NoError(t, f.svc.Logout(ctx, raw))
		assert.Equal(t, identity.Principal{Subject: gone, Name: gone}, f.audit.last(t).by, "the user's ID names the actor")
	})
	f.refresh(t, other.RefreshToken) // the other session lives on

	for _, method := range []string{"UseRefresh", "RevokeFamily"} {
		t.Run("failing "+method, func(t *testing.T) {
			tok := f.login(t, "li.ming")
			f.mem.Sessions.Fail(method, errDB)
			require.ErrorIs(t, f.svc.Logout(ctx, tok.RefreshToken), errDB)
			f.mem.Sessions.Fail(method, nil)
			f.refresh(t, tok.RefreshToken) // the session lives on
		})
	}
}
