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

func TestMay(t *testing.T) {
	t.Parallel()
	editor := Principal{Role: RoleDeptEditor, Department: "energy"}
	system := Principal{Role: RoleDeptEditor, Department: "energy", ClientID: "pc_1", Scopes: []string{ScopeProjectsRead, ScopeIssuesWrite}}
	tests := []struct {
		name string
		p    Principal
		perm Permission
		want bool
	}{
		{"an editor writes projects", editor, WriteProjects, true},
		{"a viewer does not", Principal{Role: RoleDeptViewer}, WriteProjects, false},
		{"a leader reads", Principal{Role: RoleLeader}, ReadProjects, true},
		{"an editor does not archive", editor, ArchiveProjects, false},
		{"the bureau archives", Principal{Role: RoleBureau}, ArchiveProjects, true},
		{"a system with the scope manages blockers", system, ManageIssues, true},
		{"a system without it does not report progress", system, ReportProgress, false},
		{"nor write projects", system, WriteProjects, false},
		{"a system reads with projects:read", system, ReadProjects, true},
		{"any role is signed in", Principal{Role: RoleDeptViewer}, SignedIn, true},
		{"no role is not", Principal{}, SignedIn, false},
		{"only the administrator administers", Principal{Role: RoleBureau}, Administer, false},
		{"the bureau reads the audit trail", Principal{Role: RoleBureau}, ReadAudit, true},
		{"a department viewer reads webhooks", Principal{Role: RoleDeptViewer, Department: "energy"}, ReadWebhooks, true},
		{"but does not change them", Principal{Role: RoleDeptViewer, Department: "energy"}, ManageWebhooks, false},
		{"a system that follows the feed changes them", Principal{Role: RoleDeptViewer, Department: "energy", ClientID: "pc_2",
			Scopes: []string{ScopeEventsRead}}, ManageWebhooks, true},
		{"one without events:read does not", system, ManageWebhooks, false},
		{"a department editor changes them", editor, ManageWebhooks, true},
		{"the leader does not", Principal{Role: RoleLeader}, ReadWebhooks, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.p.May(tt.perm))
		})
	}
}
