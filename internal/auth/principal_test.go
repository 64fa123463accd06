package auth_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

func TestPrincipalOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.energy", identity.RoleDeptEditor, "energy")
	follower, _ := f.newClient(t, "energy", identity.ScopeEventsRead)
	writer, _ := f.newClient(t, "energy", identity.ScopeEventsRead, identity.ScopeProjectsWrite)

	p, ok, err := f.svc.PrincipalOf(ctx, u.ID)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, identity.Principal{Subject: u.ID, Name: "li.energy", Role: identity.RoleDeptEditor, Department: "energy"}, p)

	p, ok, err = f.svc.PrincipalOf(ctx, follower.ID)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, identity.RoleDeptViewer, p.Role, "a client's role by every scope it holds")
	assert.Equal(t, follower.ClientID, p.ClientID)
	assert.True(t, p.May(identity.ManageWebhooks))
	p, _, err = f.svc.PrincipalOf(ctx, writer.ID)
	require.NoError(t, err)
	assert.Equal(t, identity.RoleDeptEditor, p.Role)

	f.setDisabled(t, u.ID, true)
	_, ok, err = f.svc.PrincipalOf(ctx, u.ID)
	require.NoError(t, err)
	assert.False(t, ok, "disabled")
	disabled := true
	_, _, err = f.svc.UpdateClient(ctx, admin, follower.ID, follower.Version, auth.ClientChange{Disabled: &disabled})
	require.NoError(t, err)
	_, ok, err = f.svc.PrincipalOf(ctx, follower.ID)
	require.NoError(t, err)
	assert.False(t, ok, "a disabled client")
	for _, gone := range []string{uuid.NewString(), "not-an-id"} {
		_, ok, err = f.svc.PrincipalOf(ctx, gone)
		require.NoError(t, err)
		assert.False(t, ok, gone)
	}
}
