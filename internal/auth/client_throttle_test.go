package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// TestClientCredentialsThrottled: the token endpoint is throttled per
// client as sign-in is per username: five wrong secrets from one address,
// then that address waits its turn even with the right secret, while the
// client from another address is not locked out; a right secret clears
// its pair, even when the scope asked is refused.
func TestClientCredentialsThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c, secret := f.newClient(t, "energy", identity.ScopeProjectsRead)
	wrong := func(from string) {
		t.Helper()
		_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, "pcs_wrong", "", from)
		var oe *auth.OAuthError
		require.True(t, errors.As(err, &oe), "%v", err)
		assert.Equal(t, "invalid_client", oe.Code)
	}
	for range auth.MaxFailuresPerPair {
		wrong(addr)
	}
	_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	assert.Equal(t, time.Second, requireKind(t, apperr.RateLimited, err).RetryAfter)
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, "", other)
	require.NoError(t, err, "the client from another address")
	assert.Equal(t, auth.MaxFailuresPerPair, f.count(t, "client:"+c.ClientID))

	wrong("203.0.113.1")
	assert.Equal(t, time.Second, f.sleep.last(t), "past five failures of the client, a delay")

	f.clock.add(time.Second)
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, identity.ScopeIssuesWrite, addr)
	var oe *auth.OAuthError
	require.True(t, errors.As(err, &oe), "%v", err)
	assert.Equal(t, "invalid_scope", oe.Code)
	assert.Zero(t, f.count(t, "pair:client:"+c.ClientID+"@"+addr), "the secret was right: the pair is cleared")
}

// TestClientCredentialsKnownPair: a client that got a token from an
// address still gets one there after an attacker behind the same address
// failed on more clients than its limit; a client that never did waits.
func TestClientCredentialsKnownPair(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c, secret := f.newClient(t, "energy", identity.ScopeProjectsRead)
	newcomer, newSecret := f.newClient(t, "energy", identity.ScopeProjectsRead)
	_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	require.NoError(t, err)
	for i := range auth.MaxAccountsPerAddr + 1 {
		_, _, err := f.svc.ClientCredentials(ctx, fmt.Sprintf("pcc_guess%03d", i), "pcs_wrong", "", addr)
		require.Error(t, err)
	}
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	require.NoError(t, err, "the known client")
	_, _, err = f.svc.ClientCredentials(ctx, newcomer.ClientID, newSecret, "", addr)
	assert.Equal(t, auth.LoginWindow, requireKind(t, apperr.RateLimited, err).RetryAfter)
}
