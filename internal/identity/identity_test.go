package identity

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, r := range Roles {
		assert.True(t, r.Valid(), r)
		assert.Equal(t, r == RoleDeptEditor || r == RoleDeptViewer, r.DepartmentBound(), r)
	}
	assert.False(t, Role("root").Valid())
	assert.False(t, Role("").Valid())
}

func TestHasScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Principal
		want bool
	}{
		{"a user is bounded by the role alone", Principal{Role: RoleDeptViewer}, true},
		{"a client with the scope", Principal{ClientID: "pc_1", Scopes: []string{ScopeProjectsRead, ScopeProjectsWrite}}, true},
		{"a client without it", Principal{ClientID: "pc_1", Scopes: []string{ScopeProjectsRead}}, false},
		{"a client with none", Principal{ClientID: "pc_1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.p.HasScope(ScopeProjectsWrite))
		})
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	p := Principal{Role: RoleBureau}
	assert.True(t, p.Is(RoleAdmin, RoleBureau))
	assert.False(t, p.Is(RoleAdmin))
	assert.False(t, p.Is())
}

func TestPrincipalInContext(t *testing.T) {
	t.Parallel()
	_, ok := PrincipalFrom(context.Background())
	require.False(t, ok)
	want := Principal{Subject: "u1", Role: RoleLeader}
	got, ok := PrincipalFrom(WithPrincipal(context.Background(), want))
	require.True(t, ok)
	assert.Equal(t, want, got)
}
