package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authtest"
	"github.com/guangling/pipeline/internal/identity"
)

// active reports whether svc still accepts an access token.
func (f *fixture) active(t *testing.T, svc *auth.Service, token string) bool {
	t.Helper()
	p, issued, err := f.tokens.Check(token)
	require.NoError(t, err)
	ok, err := svc.Active(context.Background(), p, issued)
	require.NoError(t, err)
	return ok
}

// replica is another Service over the same stores, with a cache of its own,
// as another replica over the same database.
func (f *fixture) replica() *auth.Service {
	return auth.NewService(f.mem.Stores(), f.mem.Tx, f.tokens, nil, f.clock.now, uuid.NewString)
}

// TestPasswordChangeEndsTokens: a new password ends the access tokens
// issued before it, at once on the replica that made the change and within
// 5 seconds on another; tokens carry their iat in whole seconds, so a token
// issued earlier in the change's second is ended, and one issued later in
// that second (signing in with the new password) carries the next second
// and works.
func TestPasswordChangeEndsTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	other := f.replica()
	f.clock.add(300 * time.Millisecond)
	before := f.login(t, "li.ming") // 09:00:00.3, iat 09:00:00
	require.True(t, f.active(t, f.svc, before.AccessToken))
	require.True(t, f.active(t, other, before.AccessToken), "the other replica remembers the account")

	f.clock.add(400 * time.Millisecond) // 09:00:00.7
	newPassword := "a new password, long enough"
	_, err := f.svc.UpdateUser(ctx, admin, u.ID, u.Version, auth.UserChange{Password: &newPassword})
	require.NoError(t, err)
	assert.Equal(t, start.Add(time.Second), f.stored(t, u.ID).TokensValidAfter, "the next whole second")
	assert.False(t, f.active(t, f.svc, before.AccessToken), "ended at once on this replica")

	f.clock.add(200 * time.Millisecond) // 09:00:00.9, the same second
	after, _, err := f.svc.Login(ctx, "li.ming", newPassword, addr)
	require.NoError(t, err)
	_, issued, err := f.tokens.Check(after.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, start.Add(time.Second), issued, "issued as of the next second")
	assert.True(t, f.active(t, f.svc, after.AccessToken), "the new token works")
	assert.True(t, f.active(t, other, after.AccessToken), "on the other replica too")

	// The other replica remembered the account at 09:00:00.3: it sees the
	// change when that is 5 seconds old, and not later.
	f.clock.t = start.Add(300*time.Millisecond + 5*time.Second - time.Millisecond)
	assert.True(t, f.active(t, other, before.AccessToken), "still remembered")
	f.clock.add(time.Millisecond)
	assert.False(t, f.active(t, other, before.AccessToken), "ended within 5 seconds")
	assert.True(t, f.active(t, other, after.AccessToken))

	// A later change ends the tokens of the first change's second too.
	f.clock.add(time.Second)
	u = f.stored(t, u.ID)
	yet := "yet another password, long"
	_, err = f.svc.UpdateUser(ctx, admin, u.ID, u.Version, auth.UserChange{Password: &yet})
	require.NoError(t, err)
	assert.False(t, f.active(t, f.svc, after.AccessToken))
}

// TestRefreshReuseEndsTokens: a refresh token presented a second time
// revokes its family and ends every access token of its user issued
// before; signing in again, in the same second, works.
func TestRefreshReuseEndsTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	first := f.login(t, "li.ming")
	elsewhere := f.login(t, "li.ming") // another session of the user
	f.clock.add(time.Minute + 100*time.Millisecond)
	second := f.refresh(t, first.RefreshToken)
	require.True(t, f.active(t, f.svc, second.AccessToken))

	f.clock.add(100 * time.Millisecond)
	f.requireBadRefresh(t, first.RefreshToken) // the thief's, or the user's, copy
	assert.Equal(t, start.Add(time.Minute+time.Second), f.stored(t, u.ID).TokensValidAfter)
	for _, tok := range []auth.Token{first, second, elsewhere} {
		assert.False(t, f.active(t, f.svc, tok.AccessToken), "every access token issued before is ended")
	}
	f.requireBadRefresh(t, second.RefreshToken)
	renewed := f.refresh(t, elsewhere.RefreshToken) // the other session goes on
	assert.True(t, f.active(t, f.svc, renewed.AccessToken))
	again, _, err := f.svc.Login(ctx, "li.ming", password, addr)
	require.NoError(t, err)
	assert.True(t, f.active(t, f.svc, again.AccessToken), "signing in again, in the same second, works")
}

// TestRefreshReuseAllOrNothing: when ending the user's access tokens fails
// after a refresh token's reuse, the family's revocation is undone with it
// and the reuse answers the failure, so that a retry does both; never a
// family revoked while the thief's access token keeps working.
func TestRefreshReuseAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	first := f.login(t, "li.ming")
	f.clock.add(time.Minute)
	f.refresh(t, first.RefreshToken)
	f.mem.Users.Fail("UpdateUser", errDB)
	_, err := f.svc.Refresh(ctx, first.RefreshToken)
	require.ErrorIs(t, err, errDB)
	for _, tok := range f.mem.Sessions.Tokens() {
		assert.Nil(t, tok.RevokedAt, "no token revoked")
	}
	f.mem.Users.Fail("UpdateUser", nil)
	f.requireBadRefresh(t, first.RefreshToken)
	assert.Equal(t, start.Add(time.Minute+time.Second), f.stored(t, u.ID).TokensValidAfter)
	for _, tok := range f.mem.Sessions.Tokens() {
		assert.NotNil(t, tok.RevokedAt, "the family revoked")
	}
}

// racingUsers is a UserStore whose UserByID runs during, once, after it
// read the user and before it answers.
type racingUsers struct {
	*authtest.Users
	fired  atomic.Bool
	during func()
}

func (u *racingUsers) UserByID(ctx context.Context, id string) (auth.User, error) {
	got, err := u.Users.UserByID(ctx, id)
	if u.fired.CompareAndSwap(false, true) {
		u.during()
	}
	return got, err
}

// TestActiveReadRacingPasswordChange: an Active check that read the user
// before a password change committed does not cache what it read after
// the change, so the replica that made the change ends the old tokens at
// once, not up to 5 s later.
func TestActiveReadRacingPasswordChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	tok := f.login(t, "li.ming")
	f.clock.add(time.Minute)
	users := &racingUsers{Users: f.mem.Users}
	st := f.mem.Stores()
	st.Users = users
	svc := auth.NewService(st, f.mem.Tx, f.tokens, nil, f.clock.now, uuid.NewString)
	svc.SetPasswordCost(bcrypt.MinCost)
	newPassword := "a new password, long enough"
	users.during = func() {
		_, err := svc.UpdateUser(ctx, admin, u.ID, u.Version, auth.UserChange{Password: &newPassword})
		require.NoError(t, err)
	}
	assert.True(t, f.active(t, svc, tok.AccessToken), "read before the change")
	assert.False(t, f.active(t, svc, tok.AccessToken), "after the change, on the replica that made it")
}
