// Package auth holds identities and the credentials that prove them: users and
// their passwords, the signing keys, access tokens and the principal that a
// verified token yields. It knows nothing of HTTP.
package auth

import (
	"context"
	"slices"
)

// Role is what a principal may do (CONTRACT §2).
type Role string

// The roles.
const (
	RoleAdmin      Role = "admin"
	RoleBureau     Role = "bureau"
	RoleLeader     Role = "leader"
	RoleDeptEditor Role = "dept_editor"
	RoleDeptViewer Role = "dept_viewer"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleBureau, RoleLeader, RoleDeptEditor, RoleDeptViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// DepartmentBound reports whether the role sees only its department's projects.
func (r Role) DepartmentBound() bool { return r == RoleDeptEditor || r == RoleDeptViewer }

// Principal is the verified identity behind a request.
type Principal struct {
	Subject    string // user or client ID
	Name       string // username or client name, for logs and audit
	Role       Role
	Department string   // set for department-bound roles
	ClientID   string   // set for machine tokens
	Scopes     []string // a client's granted scopes; users are limited by role only
}

// Scopes a department system may be granted.
const (
	ScopeProjectsRead  = "projects:read"
	ScopeProjectsWrite = "projects:write"
	ScopeProgressWrite = "progress:write"
	ScopeIssuesWrite   = "issues:write"
	ScopeEventsRead    = "events:read"
)

// HasScope reports whether the principal's token allows scope s. A user's token
// carries no scope limit: what a user may do is bounded by the role alone.
func (p Principal) HasScope(s string) bool {
	return p.ClientID == "" || slices.Contains(p.Scopes, s)
}

// Is reports whether the principal has one of the roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal carried by ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
