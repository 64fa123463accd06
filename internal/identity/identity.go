// Package identity holds who is behind a request: the principal, its role and
// the OAuth scopes of a client's token. Every other package may import it; it
// imports nothing of the module, so that auth (which proves identities) and
// audit (which records them) need no callback between them.
package identity

import (
	"context"
	"regexp"
	"slices"
)

// Role is what a principal may do (docs/api.md, "Roles").
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

// ValidDepartmentCode matches the codes of departments (docs/api.md,
// "Departments and roles"): a principal's, a project's owner's, a blocker's
// responsible department.
var ValidDepartmentCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// Principal is the verified identity behind a request.
type Principal struct {
	Subject    string // user or client ID
	Name       string // username or client name, for logs and audit
	Role       Role
	Department string   // set for department-bound roles
	ClientID   string   // set for machine tokens
	Scopes     []string // a client's granted OAuth scopes; users are limited by role only
}

// The OAuth scopes a department system may be granted.
const (
	ScopeProjectsRead  = "projects:read"
	ScopeProjectsWrite = "projects:write"
	ScopeProgressWrite = "progress:write"
	ScopeIssuesWrite   = "issues:write"
	ScopeEventsRead    = "events:read"
)

// ClientScopes are the OAuth scopes a client may be granted.
var ClientScopes = []string{ScopeProjectsRead, ScopeProjectsWrite, ScopeProgressWrite, ScopeIssuesWrite, ScopeEventsRead}

// HasScope reports whether the principal's token allows OAuth scope s. A
// user's token carries no scope limit: what a user may do is bounded by the
// role alone.
func (p Principal) HasScope(s string) bool {
	return p.ClientID == "" || slices.Contains(p.Scopes, s)
}

// Permission is something a principal may be allowed to do: the roles that
// may, and the OAuth scope a client's token must carry for it (none when any
// token will do).
type Permission struct {
	Roles []Role
	Scope string
	// ClientRoles qualify a client's token besides Roles, not a user's: a
	// department system is a viewer when it writes nothing to the register,
	// yet it manages its own webhooks.
	ClientRoles []Role
}

// editors are the roles that change the register.
var editors = []Role{RoleAdmin, RoleBureau, RoleDeptEditor}

// The permissions, the one table of who may do what (docs/api.md, "Roles"):
// each route's policy takes its roles from here, and each service checks
// the same permission, roles and scope, with May.
var (
	SignedIn        = Permission{Roles: Roles}
	ReadProjects    = Permission{Roles: Roles, Scope: ScopeProjectsRead}
	WriteProjects   = Permission{Roles: editors, Scope: ScopeProjectsWrite}
	ArchiveProjects = Permission{Roles: []Role{RoleAdmin, RoleBureau}, Scope: ScopeProjectsWrite}
	// Every role lists archived projects, a department-bound one its own
	// department's (a department catches up on the change feed by them).
	ReadArchived   = Permission{Roles: Roles, Scope: ScopeProjectsRead}
	CorrectStages  = Permission{Roles: []Role{RoleAdmin, RoleBureau}, Scope: ScopeProjectsWrite}
	ReportProgress = Permission{Roles: editors, Scope: ScopeProgressWrite}
	ManageIssues   = Permission{Roles: editors, Scope: ScopeIssuesWrite}
	// The year's plan, its targets and 三个一批 designations, the dispatch
	// calendar and the county's indicators are the bureau's.
	ManagePlans = Permission{Roles: []Role{RoleAdmin, RoleBureau}, Scope: ScopeProjectsWrite}
	// A department reports its plan entries' months (ReportProgress); the
	// bureau accepts or returns them.
	ReviewReports = Permission{Roles: []Role{RoleAdmin, RoleBureau}, Scope: ScopeProgressWrite}
	ReadAudit     = Permission{Roles: []Role{RoleAdmin, RoleBureau}}
	// Every role reads the change feed; a department-bound principal only
	// the events its department is entitled to.
	ReadEvents = Permission{Roles: Roles, Scope: ScopeEventsRead}
	Administer = Permission{Roles: []Role{RoleAdmin}}
)

// Webhooks are for department systems and the bureau's: a department's
// webhooks are its own and deliver what its feed shows (docs/integration.md,
// "Webhooks"). Every department role reads its department's; a department
// user who only views the register changes none of them, a department
// system with events:read does.
var (
	ReadWebhooks   = Permission{Roles: []Role{RoleAdmin, RoleBureau, RoleDeptEditor, RoleDeptViewer}, Scope: ScopeEventsRead}
	ManageWebhooks = Permission{Roles: editors, Scope: ScopeEventsRead, ClientRoles: []Role{RoleDeptViewer}}
)

// May reports whether the principal has the permission: one of its roles
// (or, for a client's token, of its client roles), and, for a client's
// token, its scope.
func (p Principal) May(perm Permission) bool {
	role := p.Is(perm.Roles...) || (p.ClientID != "" && p.Is(perm.ClientRoles...))
	return role && (perm.Scope == "" || p.HasScope(perm.Scope))
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
