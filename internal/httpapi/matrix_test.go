package httpapi_test

// The authorization matrix: every route gin serves, every kind of caller,
// against a project of the caller's department and one of another where the
// route names a project. The table states the role rules of docs/api.md for each route;
// a route registered without a row fails the test, so a new route must say
// who may call it.

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// who is a caller of the matrix.
type who struct {
	name   string        // its key in env.authz
	role   identity.Role // empty for a credential the service must refuse
	dept   string
	client bool     // a department system, limited by its token's scopes
	scopes []string // a client's scopes
}

func (w who) signedIn() bool                 { return w.role != "" }
func (w who) is(roles ...identity.Role) bool { return slices.Contains(roles, w.role) }
func (w who) hasScope(scope string) bool     { return !w.client || slices.Contains(w.scopes, scope) }

// owns reports whether p is of the caller's department, or the caller is not
// bound to one, or there is no project.
func (w who) owns(p *api.Project) bool {
	return p == nil || !w.role.DepartmentBound() || p.Department == w.dept
}

func (w who) label(p *api.Project) string {
	name := w.name
	if name == asNone {
		name = "no token"
	}
	if p == nil {
		return name
	}
	return name + " on the " + p.Department + " project"
}

// rule is the status a route answers a caller, own telling whether the
// project named is of the caller's department (always true without one).
type rule func(w who, own bool) int

// anyone: a public route.
func anyone(status int) rule { return func(who, bool) int { return status } }

// signedInRule: any valid token.
func signedInRule(status int) rule {
	return func(w who, _ bool) int {
		if !w.signedIn() {
			return http.StatusUnauthorized
		}
		return status
	}
}

// rolesRule: only these roles; every other caller 403.
func rolesRule(status int, roles ...identity.Role) rule {
	return func(w who, _ bool) int {
		switch {
		case !w.signedIn():
			return http.StatusUnauthorized
		case !w.is(roles...):
			return http.StatusForbidden
		}
		return status
	}
}

// readRule: every signed-in caller with projects:read; a department caller
// finds no project of another department (404).
func readRule(status int) rule {
	return func(w who, own bool) int {
		switch {
		case !w.signedIn():
			return http.StatusUnauthorized
		case !w.hasScope(identity.ScopeProjectsRead):
			return http.StatusForbidden
		case !own:
			return http.StatusNotFound
		}
		return status
	}
}

// eventsRule: every signed-in caller with events:read (a department's
// scope is in what it reads, not whether it may).
func eventsRule(w who, _ bool) int {
	switch {
	case !w.signedIn():
		return http.StatusUnauthorized
	case !w.hasScope(identity.ScopeEventsRead):
		return http.StatusForbidden
	}
	return http.StatusOK
}

// writeRule: bureau, admin and department editors with projects:write; the
// leader and viewers 403; a department caller finds no project of another
// department (404).
func writeRule(status int) rule { return scopedWriteRule(status, identity.ScopeProjectsWrite) }

// scopedWriteRule: as writeRule, with the scope a department system needs.
func scopedWriteRule(status int, scope string) rule {
	return func(w who, own bool) int {
		switch {
		case !w.signedIn():
			return http.StatusUnauthorized
		case !w.is(identity.RoleAdmin, identity.RoleBureau, identity.RoleDeptEditor), !w.hasScope(scope):
			return http.StatusForbidden
		case !own:
			return http.StatusNotFound
		}
		return status
	}
}

// matrixRow is one route of the matrix.
type matrixRow struct {
	rule rule
	// project: the route's :id is a project, tried with the energy and the
	// industry project.
	project bool
	// req builds the request (its principal is set by the matrix); it may
	// prepare the state through m.admin.
	req func(t *testing.T, m *matrix, w who, p *api.Project) request
	// after, when set, checks a success and puts the state back.
	after func(t *testing.T, m *matrix, w who, p *api.Project, res response)
}

// matrix is the state the rows work on.
type matrix struct {
	e                *env
	energy, industry api.Project
	loginUser        string
	targetUser       string // the user PATCH /users/{id} changes
	targetClient     string // the client PATCH /clients/{id} and rotate-secret change
	tokenClient      api.Client
	refresh          string // the live refresh token of a chain of refreshes
	seq              int
	state            *matrixState      // what an administrator sees; nil when stale
	issues           map[string]string // project ID → the ID of a blocker of it
	issueYear        int               // the last year whose plan a row issued
}

// matrixState is everything an administrator can list: a denied request
// must leave it as it was.
type matrixState struct {
	Projects map[string]string // ID → version, and whether archived
	Users    map[string]int    // ID → version
	Clients  map[string]int    // ID → version
	Issues   map[string]int    // ID → version
	Plans    map[string]string // project ID → its plans
	Progress map[string]string // project ID → its year's progress
	// Indicators is the county indicators of the matrix's year.
	Indicators string
	Annual     string // the 2021 plan as it stands, or its absence
}

func (m *matrix) next() int { m.seq++; return m.seq }

// admin sends a request as the administrator, to prepare or restore state.
func (m *matrix) admin(t *testing.T, r request) response {
	t.Helper()
	r.principal = asAdmin
	res := m.e.do(t, r)
	require.Less(t, res.status, 300, "%s %s as admin: %s", r.method, r.path, res)
	if r.method != http.MethodGet {
		m.state = nil
	}
	return res
}

// version returns a project's version as the administrator sees it.
func (m *matrix) version(t *testing.T, id string) (int, bool) {
	t.Helper()
	var p api.Project
	m.admin(t, request{method: http.MethodGet, path: "/api/v1/projects/" + id}).decode(t, &p)
	return p.Version, p.ArchivedAt != nil
}

func quoted(v int) string { return strconv.Quote(strconv.Itoa(v)) }

func (m *matrix) snapshot(t *testing.T) *matrixState {
	t.Helper()
	s := &matrixState{Projects: map[string]string{}, Users: map[string]int{}, Clients: map[string]int{},
		Issues: map[string]int{}, Plans: map[string]string{}, Progress: map[string]string{}}
	for _, archived := range []bool{false, true} {
		var l api.ProjectList
		m.admin(t, request{method: http.MethodGet, path: "/api/v1/projects?limit=200&archived=" + strconv.FormatBool(archived)}).decode(t, &l)
		require.Nil(t, l.NextCursor, "the matrix's projects fit one page")
		for _, p := range l.Items {
			s.Projects[p.ID] = fmt.Sprintf("version %d archived %t", p.Version, archived)
		}
	}
	var ul api.UserList
	m.admin(t, request{method: http.MethodGet, path: usersPath}).decode(t, &ul)
	for _, u := range ul.Items {
		s.Users[u.ID] = u.Version
	}
	var cl api.ClientList
	m.admin(t, request{method: http.MethodGet, path: clientsPath}).decode(t, &cl)
	for _, c := range cl.Items {
		s.Clients[c.ID] = c.Version
	}
	var il api.IssueList
	m.admin(t, request{method: http.MethodGet, path: "/api/v1/issues?limit=200"}).decode(t, &il)
	for _, i := range il.Items {
		s.Issues[i.ID] = i.Version
	}
	for _, p := range []api.Project{m.energy, m.industry} {
		s.Plans[p.ID] = m.admin(t, request{method: http.MethodGet, path: projectPath(&p, "/plans")}).String()
		s.Progress[p.ID] = m.admin(t, request{method: http.MethodGet, path: projectPath(&p, "/progress?year=2021")}).String()
	}
	if m.hasIndicators(t) {
		s.Indicators = m.admin(t, request{method: http.MethodGet, path: matrixIndicators}).String()
	}
	s.Annual = m.e.do(t, request{principal: asAdmin, method: http.MethodGet, path: annualPath + "?plan=current"}).String()
	return s
}

// matrixIndicators are the county indicators the matrix reads and changes.
const matrixIndicators = "/api/v1/indicators/2020"

// indicators returns the matrix's county indicators, put by the
// administrator the first time.
func (m *matrix) indicators(t *testing.T) api.Indicators {
	t.Helper()
	var y api.Indicators
	if !m.hasIndicators(t) {
		m.admin(t, request{method: http.MethodPut, path: matrixIndicators, body: indicatorsBody("374204")}).decode(t, &y)
		return y
	}
	m.admin(t, request{method: http.MethodGet, path: matrixIndicators}).decode(t, &y)
	return y
}

func (m *matrix) hasIndicators(t *testing.T) bool {
	t.Helper()
	var l api.IndicatorYears
	m.admin(t, request{method: http.MethodGet, path: "/api/v1/indicators"}).decode(t, &l)
	return len(l.Items) > 0
}

// indicatorsBody is a list of one indicator of value v.
func indicatorsBody(v string) api.IndicatorsPut {
	return api.IndicatorsPut{Items: []api.IndicatorItem{{Code: "fixed_asset_investment", Value: []byte(v), Source: "报告"}}}
}

// issue returns a blocker of p, opened by the administrator the first time,
// that none of the matrix's callers is responsible for.
func (m *matrix) issue(t *testing.T, p *api.Project) api.Issue {
	t.Helper()
	if m.issues[p.ID] == "" {
		var is api.Issue
		m.admin(t, request{method: http.MethodPost, path: projectPath(p, "/issues"), body: api.IssueCreate{
			Title: "用地手续未办结", Kind: "land", ResponsibleDepartment: "natural_resources", DueOn: "2021-07-01",
		}}).decode(t, &is)
		m.issues[p.ID] = is.ID
	}
	var is api.Issue
	m.admin(t, request{method: http.MethodGet, path: "/api/v1/issues/" + m.issues[p.ID]}).decode(t, &is)
	return is
}

// annualPath is the year's plan the rows change.
const annualPath = "/api/v1/annual-plans/2021"

// entryPath is the path of p's entry in the 2021 plan.
func entryPath(p *api.Project) string { return annualPath + "/entries/" + p.ID }

// entry puts p into the 2021 plan, a draft, unless it is in it already.
func (m *matrix) entry(t *testing.T, p *api.Project) {
	t.Helper()
	m.admin(t, request{method: http.MethodPut, path: entryPath(p), body: api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(1))}})
}

// projectPath is a row's path with the project's ID.
func projectPath(p *api.Project, suffix string) string { return "/api/v1/projects/" + p.ID + suffix }

// matrixRows is the table: the role rules of docs/api.md, route by route.
func matrixRows() map[string]matrixRow {
	get := func(path string) func(*testing.T, *matrix, who, *api.Project) request {
		return func(*testing.T, *matrix, who, *api.Project) request {
			return request{method: http.MethodGet, path: path}
		}
	}
	getProject := func(suffix string) func(*testing.T, *matrix, who, *api.Project) request {
		return func(_ *testing.T, _ *matrix, _ who, p *api.Project) request {
			return request{method: http.MethodGet, path: projectPath(p, suffix)}
		}
	}
	rows := map[string]matrixRow{
		// Operations and sign-in: open to anyone, whatever credential comes along.
		"GET /healthz":               {rule: anyone(http.StatusOK), req: get("/healthz")},
		"GET /readyz":                {rule: anyone(http.StatusOK), req: get("/readyz")},
		"GET /metrics":               {rule: anyone(http.StatusOK), req: get("/metrics")},
		"GET /swagger/*any":          {rule: anyone(http.StatusOK), req: get("/swagger/doc.json")},
		"GET /.well-known/jwks.json": {rule: anyone(http.StatusOK), req: get("/.well-known/jwks.json")},
		// The dashboard's page is public (it signs in through the API), and
		// outside the JSON API's spec.
		"GET /dashboard": {rule: anyone(http.StatusMovedPermanently), req: func(*testing.T, *matrix, who, *api.Project) request {
			return request{method: http.MethodGet, path: "/dashboard", unrouted: true}
		}},
		"GET /dashboard/*file": {rule: anyone(http.StatusOK), req: func(*testing.T, *matrix, who, *api.Project) request {
			return request{method: http.MethodGet, path: "/dashboard/", unrouted: true}
		}},
		"POST /api/v1/auth/login": {rule: anyone(http.StatusOK), req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPost, path: loginPath, body: api.LoginRequest{Username: m.loginUser, Password: userPassword}}
		}},
		"POST /api/v1/auth/refresh": {rule: anyone(http.StatusOK),
			req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
				return request{method: http.MethodPost, path: refreshPath, body: api.RefreshRequest{RefreshToken: m.refresh}}
			},
			after: func(t *testing.T, m *matrix, _ who, _ *api.Project, res response) {
				if res.status != http.StatusOK {
					return
				}
				var tr api.TokenResponse
				res.decode(t, &tr)
				require.NotEmpty(t, tr.RefreshToken)
				m.refresh = tr.RefreshToken
			}},
		"POST /api/v1/auth/logout": {rule: anyone(http.StatusNoContent), req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
			rt := m.e.signIn(t, m.loginUser, userPassword).RefreshToken
			return request{method: http.MethodPost, path: logoutPath, body: api.RefreshRequest{RefreshToken: rt}}
		}},
		"POST /api/v1/auth/token": {rule: anyone(http.StatusOK), req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPost, path: tokenPath,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
				body:    clientForm(m.tokenClient.ClientID, m.tokenClient.ClientSecret, "").Encode()}
		}},

		// Administration: the administrator only.
		"GET /api/v1/users": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: get(usersPath)},
		"POST /api/v1/users": {rule: rolesRule(http.StatusCreated, identity.RoleAdmin), req: func(_ *testing.T, m *matrix, w who, _ *api.Project) request {
			return request{method: http.MethodPost, path: usersPath,
				body: api.UserCreate{Username: fmt.Sprintf("new.%s.%d", w.name, m.next()), Password: userPassword, Role: "admin"}}
		}},
		"PATCH /api/v1/users/:id": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPatch, path: usersPath + "/" + m.targetUser, body: api.UserPatch{Role: ptr("admin")},
				headers: map[string]string{"If-Match": quoted(m.e.userVersion(t, m.targetUser))}}
		}},
		"GET /api/v1/clients": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: get(clientsPath)},
		"POST /api/v1/clients": {rule: rolesRule(http.StatusCreated, identity.RoleAdmin), req: func(_ *testing.T, m *matrix, w who, _ *api.Project) request {
			return request{method: http.MethodPost, path: clientsPath,
				body: api.ClientCreate{Name: fmt.Sprintf("system %s %d", w.name, m.next()), Department: "industry", Scopes: identity.ClientScopes}}
		}},
		"PATCH /api/v1/clients/:id": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
			var l api.ClientList
			m.admin(t, request{method: http.MethodGet, path: clientsPath}).decode(t, &l)
			i := slices.IndexFunc(l.Items, func(c api.Client) bool { return c.ID == m.targetClient })
			require.GreaterOrEqual(t, i, 0)
			return request{method: http.MethodPatch, path: clientsPath + "/" + m.targetClient,
				body: api.ClientPatch{Scopes: &identity.ClientScopes}, headers: map[string]string{"If-Match": quoted(l.Items[i].Version)}}
		}},
		"POST /api/v1/clients/:id/rotate-secret": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPost, path: clientsPath + "/" + m.targetClient + "/rotate-secret"}
		}},

		// Reference data: any signed-in caller.
		"GET /api/v1/meta":        {rule: signedInRule(http.StatusOK), req: get("/api/v1/meta")},
		"GET /api/v1/departments": {rule: signedInRule(http.StatusOK), req: get("/api/v1/departments")},
		"POST /api/v1/departments": {rule: rolesRule(http.StatusCreated, identity.RoleAdmin), req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: fmt.Sprintf("dept_%d", m.next()), Name: "新设部门"}}
		}},
		"PATCH /api/v1/departments/:code": {rule: rolesRule(http.StatusOK, identity.RoleAdmin), req: func(t *testing.T, m *matrix, w who, _ *api.Project) request {
			var l api.DepartmentList
			m.admin(t, request{method: http.MethodGet, path: "/api/v1/departments"}).decode(t, &l)
			version := 0
			for _, d := range l.Items {
				if d.Code == "water" {
					version = d.Version
				}
			}
			return request{method: http.MethodPatch, path: "/api/v1/departments/water", body: api.DepartmentPatch{NameEN: ptr("Water Bureau, " + w.name)},
				headers: map[string]string{"If-Match": quoted(version)}}
		}},

		// Projects: reads by scope and department, writes by role, scope and
		// department, archiving by the bureau and the administrator.
		"GET /api/v1/projects": {rule: readRule(http.StatusOK), req: get("/api/v1/projects?limit=200"),
			after: func(t *testing.T, _ *matrix, w who, _ *api.Project, res response) {
				if res.status != http.StatusOK {
					return
				}
				var l api.ProjectList
				res.decode(t, &l)
				var depts []string
				for _, p := range l.Items {
					depts = append(depts, p.Department)
				}
				if w.role.DepartmentBound() {
					assert.Contains(t, depts, w.dept, "%s lists its department's projects", w)
					for _, d := range depts {
						assert.Equal(t, w.dept, d, "%s lists only its department's projects", w)
					}
				} else {
					assert.Subset(t, depts, []string{"energy", "industry"}, "%s lists every department's projects", w)
				}
			}},
		"GET /api/v1/projects/export": {rule: readRule(http.StatusOK), req: get("/api/v1/projects/export?format=csv")},
		"POST /api/v1/projects/import": {rule: writeRule(http.StatusOK), req: func(t *testing.T, m *matrix, w who, _ *api.Project) request {
			// One new project of the caller's department (energy for the
			// others), so that every caller who may write gets 200.
			dept := w.dept
			if dept == "" {
				dept = "energy"
			}
			return uploadRequest(t, "", "matrix.csv", csvFile(t, []string{"项目名称", "项目类别", "部门代码"},
				[]string{fmt.Sprintf("matrix import %s %d", w.name, m.next()), "风电", dept}))
		}},
		"POST /api/v1/projects": {rule: writeRule(http.StatusCreated), req: func(_ *testing.T, m *matrix, w who, _ *api.Project) request {
			body := projectBody(fmt.Sprintf("matrix %s %d", w.name, m.next()))
			if w.role.DepartmentBound() {
				body = with(body, "department", nil)
			}
			return request{method: http.MethodPost, path: "/api/v1/projects", body: body}
		}, after: func(t *testing.T, _ *matrix, w who, _ *api.Project, res response) {
			if res.status == http.StatusCreated && w.role.DepartmentBound() {
				assert.Equal(t, w.dept, res.project(t).Department, "%s creates its department's project", w)
			}
		}},
		"GET /api/v1/projects/:id":             {rule: readRule(http.StatusOK), project: true, req: getProject("")},
		"GET /api/v1/projects/:id/transitions": {rule: readRule(http.StatusOK), project: true, req: getProject("/transitions")},
		"GET /api/v1/projects/:id/related":     {rule: readRule(http.StatusOK), project: true, req: getProject("/related")},
		"POST /api/v1/projects/:id/transitions": {rule: writeRule(http.StatusCreated), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				// Always a legal move from where the project stands, so that
				// only the caller decides the answer: start it, then stop
				// and resume it in turn.
				cur, _ := m.e.get(t, asAdmin, p.ID)
				move := api.TransitionCreate{To: "started", OccurredOn: "2021-06-15",
					Evidence: []api.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-001"}}}
				if cur.Stage != "suspended" {
					// A first start, whose permit item the approvals do not hold.
					move.PermitWaiver = "许可证已取得，前期手续待补录"
				}
				if cur.Stage == "started" {
					move = api.TransitionCreate{To: "suspended", OccurredOn: "2021-06-15", Note: "冬季停工"}
				}
				return request{method: http.MethodPost, path: projectPath(p, "/transitions"), body: move}
			}},
		"PATCH /api/v1/projects/:id": {rule: writeRule(http.StatusOK), project: true, req: func(t *testing.T, m *matrix, w who, p *api.Project) request {
			v, _ := m.version(t, p.ID)
			return request{method: http.MethodPatch, path: projectPath(p, ""), body: map[string]any{"leader": "changed by " + w.name},
				headers: map[string]string{"If-Match": quoted(v)}}
		}},
		"DELETE /api/v1/projects/:id": {rule: rolesRule(http.StatusNoContent, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				v, _ := m.version(t, p.ID)
				return request{method: http.MethodDelete, path: projectPath(p, ""), headers: map[string]string{"If-Match": quoted(v)}}
			},
			after: func(t *testing.T, m *matrix, _ who, p *api.Project, res response) {
				if res.status != http.StatusNoContent {
					return
				}
				_, archived := m.version(t, p.ID)
				require.True(t, archived)
				m.admin(t, request{method: http.MethodPost, path: projectPath(p, "/restore")})
			}},
		"POST /api/v1/projects/:id/restore": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				// Restore needs an archived project; a denied restore must leave it archived.
				v, _ := m.version(t, p.ID)
				m.admin(t, request{method: http.MethodDelete, path: projectPath(p, ""), headers: map[string]string{"If-Match": quoted(v)}})
				return request{method: http.MethodPost, path: projectPath(p, "/restore")}
			},
			after: func(t *testing.T, m *matrix, _ who, p *api.Project, res response) {
				if res.status < 300 {
					assert.Nil(t, res.project(t).ArchivedAt)
					return
				}
				_, archived := m.version(t, p.ID)
				require.True(t, archived, "a denied restore leaves the project archived")
				m.admin(t, request{method: http.MethodPost, path: projectPath(p, "/restore")})
			}},

		// Plans, progress and health: read like the project; plans written
		// by the bureau and the administrator, progress with progress:write.
		"GET /api/v1/projects/:id/health":   {rule: readRule(http.StatusOK), project: true, req: getProject("/health?on=2021-06-01")},
		"GET /api/v1/projects/:id/plans":    {rule: readRule(http.StatusOK), project: true, req: getProject("/plans")},
		"GET /api/v1/projects/:id/progress": {rule: readRule(http.StatusOK), project: true, req: getProject("/progress?year=2021")},
		"PUT /api/v1/projects/:id/plans/:year": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				// The plan exists, so that a change answers 200 whoever sends it.
				m.admin(t, request{method: http.MethodPut, path: projectPath(p, "/plans/2021"), body: api.PlanWrite{PlannedInvestmentYuan: ptr(int64(1))}})
				return request{method: http.MethodPut, path: projectPath(p, "/plans/2021"), body: api.PlanWrite{PlannedInvestmentYuan: ptr(int64(m.next() + 1))}}
			}},
		"GET /api/v1/projects/:id/approvals": {rule: readRule(http.StatusOK), project: true, req: getProject("/approvals")},
		"PUT /api/v1/projects/:id/approvals/:item": {rule: writeRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, w who, p *api.Project) request {
				// Written first, so that a change answers 200 whoever sends it.
				path := projectPath(p, "/approvals/environmental_assessment")
				res := m.admin(t, request{method: http.MethodGet, path: projectPath(p, "/approvals")})
				var l api.ApprovalList
				res.decode(t, &l)
				v := 0
				for _, it := range l.Items {
					if it.Item == "environmental_assessment" {
						v = it.Version
					}
				}
				if v == 0 {
					m.admin(t, request{method: http.MethodPut, path: path, body: api.ApprovalWrite{Status: "in_progress"}})
					v = 1
				}
				return request{method: http.MethodPut, path: path, headers: map[string]string{"If-Match": quoted(v)},
					body: api.ApprovalWrite{Status: "in_progress", Note: fmt.Sprintf("%s %d", w.name, m.next())}}
			}},
		"PUT /api/v1/projects/:id/progress/:period": {rule: scopedWriteRule(http.StatusOK, identity.ScopeProgressWrite), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: projectPath(p, "/progress/2021-05"), body: api.ReportWrite{CompletedYuan: ptr(int64(1))}})
				return request{method: http.MethodPut, path: projectPath(p, "/progress/2021-05"), body: api.ReportWrite{CompletedYuan: ptr(int64(m.next() + 1))}}
			}},

		// The monthly dispatch: read like the register; reports by the plan
		// entry's department (here the project's) with progress:write; the
		// calendar and the review by the bureau and the administrator.
		"GET /api/v1/dispatch/periods": {rule: readRule(http.StatusOK), req: get("/api/v1/dispatch/periods?year=2021")},
		"PUT /api/v1/dispatch/periods/:period": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau),
			req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-09", body: api.DispatchPeriodWrite{DueOn: "2021-10-08"}})
				return request{method: http.MethodPut, path: "/api/v1/dispatch/periods/2021-09",
					body: api.DispatchPeriodWrite{DueOn: fmt.Sprintf("2021-10-%02d", m.next()%20+9)}}
			}},
		"GET /api/v1/dispatch/:period":       {rule: readRule(http.StatusOK), req: get("/api/v1/dispatch/2021-05")},
		"GET /api/v1/dispatch/:period/sheet": {rule: readRule(http.StatusOK), req: get("/api/v1/dispatch/2021-05/sheet?format=csv")},
		"GET /api/v1/dispatch/:period/reports/:project_id": {rule: readRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: reportPath("2021-05", p.ID), body: api.ReportWrite{CompletedYuan: ptr(int64(1))}})
				return request{method: http.MethodGet, path: reportPath("2021-05", p.ID)}
			}},
		"PUT /api/v1/dispatch/:period/reports/:project_id": {rule: scopedWriteRule(http.StatusOK, identity.ScopeProgressWrite), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: reportPath("2021-05", p.ID), body: api.ReportWrite{CompletedYuan: ptr(int64(1))}})
				return request{method: http.MethodPut, path: reportPath("2021-05", p.ID), body: api.ReportWrite{CompletedYuan: ptr(int64(m.next() + 1))}}
			}},
		"POST /api/v1/dispatch/:period/reports/:project_id/accept": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: reportPath("2021-05", p.ID), body: api.ReportWrite{CompletedYuan: ptr(int64(m.next() + 1))}})
				return request{method: http.MethodPost, path: reportPath("2021-05", p.ID) + "/accept"}
			}},
		"POST /api/v1/dispatch/:period/reports/:project_id/return": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: reportPath("2021-05", p.ID), body: api.ReportWrite{CompletedYuan: ptr(int64(m.next() + 1))}})
				return request{method: http.MethodPost, path: reportPath("2021-05", p.ID) + "/return", body: api.ReportReturn{Reason: "形象进度与现场不符"}}
			}},

		// Blockers: opened and changed by whoever may change the project,
		// with issues:write; read like it.
		"POST /api/v1/projects/:id/issues": {rule: scopedWriteRule(http.StatusCreated, identity.ScopeIssuesWrite), project: true,
			req: func(_ *testing.T, m *matrix, w who, p *api.Project) request {
				return request{method: http.MethodPost, path: projectPath(p, "/issues"), body: api.IssueCreate{
					Title: fmt.Sprintf("并网接入 %s %d", w.name, m.next()), Kind: "grid", ResponsibleDepartment: "natural_resources", DueOn: "2021-08-01"}}
			}},
		"GET /api/v1/issues": {rule: readRule(http.StatusOK), req: get("/api/v1/issues?limit=200")},
		"GET /api/v1/issues/:id": {rule: readRule(http.StatusOK), project: true, req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
			return request{method: http.MethodGet, path: "/api/v1/issues/" + m.issue(t, p).ID}
		}},
		"PATCH /api/v1/issues/:id": {rule: scopedWriteRule(http.StatusOK, identity.ScopeIssuesWrite), project: true,
			req: func(t *testing.T, m *matrix, w who, p *api.Project) request {
				is := m.issue(t, p)
				return request{method: http.MethodPatch, path: "/api/v1/issues/" + is.ID, body: map[string]any{"description": fmt.Sprintf("%s %d", w.name, m.next())},
					headers: map[string]string{"If-Match": quoted(is.Version)}}
			}},

		// The year's plans (docs/plan.md): read by every reader, over what
		// it may read; written by the bureau and the administrator.
		"GET /api/v1/annual-plans": {rule: readRule(http.StatusOK), req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
			m.entry(t, &m.energy)
			return request{method: http.MethodGet, path: "/api/v1/annual-plans"}
		}},
		"GET /api/v1/annual-plans/:year": {rule: readRule(http.StatusOK), req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
			m.entry(t, &m.energy)
			return request{method: http.MethodGet, path: annualPath}
		}},
		"PUT /api/v1/annual-plans/:year/targets": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau),
			req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
				return request{method: http.MethodPut, path: annualPath + "/targets", body: api.PlanTargetsWrite{
					StartRate: []api.PlanCheckpoint{{Date: "2021-06-30", Rate: 0.75}}, InvestmentYuan: ptr(int64(m.next()))}}
			}},
		"POST /api/v1/annual-plans/:year/issue": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau),
			req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
				// A draft of a year of its own each time: a plan is issued once.
				m.issueYear++
				path := "/api/v1/annual-plans/" + strconv.Itoa(2000+m.issueYear)
				m.admin(t, request{method: http.MethodPut, path: path + "/targets", body: api.PlanTargetsWrite{StartRate: []api.PlanCheckpoint{}}})
				return request{method: http.MethodPost, path: path + "/issue", body: api.PlanIssue{}}
			}},
		"GET /api/v1/annual-plans/:year/entries/:project_id": {rule: readRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.entry(t, p)
				return request{method: http.MethodGet, path: entryPath(p)}
			}},
		"PUT /api/v1/annual-plans/:year/entries/:project_id": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.entry(t, p)
				return request{method: http.MethodPut, path: entryPath(p), body: api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(m.next() + 1))}}
			}},
		"DELETE /api/v1/annual-plans/:year/entries/:project_id": {rule: rolesRule(http.StatusNoContent, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.entry(t, p)
				return request{method: http.MethodDelete, path: entryPath(p)}
			}},

		// Statistics: every reader, over what it may read.
		"GET /api/v1/stats/overview":                 {rule: readRule(http.StatusOK), req: get("/api/v1/stats/overview?year=2021")},
		"GET /api/v1/stats/breakdown":                {rule: readRule(http.StatusOK), req: get("/api/v1/stats/breakdown?by=department&year=2021")},
		"GET /api/v1/stats/batches":                  {rule: readRule(http.StatusOK), req: get("/api/v1/stats/batches?year=2021&quarter=2")},
		"GET /api/v1/stats/trend":                    {rule: readRule(http.StatusOK), req: get("/api/v1/stats/trend?year=2021")},
		"GET /api/v1/stats/approvals":                {rule: readRule(http.StatusOK), req: get("/api/v1/stats/approvals")},
		"GET /api/v1/stats/approvals/pending-starts": {rule: readRule(http.StatusOK), req: get("/api/v1/stats/approvals/pending-starts?year=2021&quarter=2")},
		"GET /api/v1/stats/attraction":               {rule: readRule(http.StatusOK), req: get("/api/v1/stats/attraction?year=2021")},
		// 三个一批 designations: the bureau's. The project is designated
		// first, so that a change answers 200 and a removal 204 whoever sends it.
		"PUT /api/v1/batches/:year/:quarter/:kind/:project_id": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: "/api/v1/batches/2021/2/started/" + p.ID})
				return request{method: http.MethodPut, path: "/api/v1/batches/2021/2/started/" + p.ID}
			}},
		"DELETE /api/v1/batches/:year/:quarter/:kind/:project_id": {rule: rolesRule(http.StatusNoContent, identity.RoleAdmin, identity.RoleBureau), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				m.admin(t, request{method: http.MethodPut, path: "/api/v1/batches/2021/3/signed/" + p.ID})
				return request{method: http.MethodDelete, path: "/api/v1/batches/2021/3/signed/" + p.ID}
			}},

		// County indicators: read by every reader, set by the bureau and
		// the administrator.
		"GET /api/v1/indicators": {rule: readRule(http.StatusOK), req: get("/api/v1/indicators")},
		"GET /api/v1/indicators/:year": {rule: readRule(http.StatusOK), req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
			m.indicators(t)
			return request{method: http.MethodGet, path: matrixIndicators}
		}},
		"PUT /api/v1/indicators/:year": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau),
			req: func(t *testing.T, m *matrix, _ who, _ *api.Project) request {
				y := m.indicators(t)
				return request{method: http.MethodPut, path: matrixIndicators, body: indicatorsBody(strconv.Itoa(374204 + m.next())),
					headers: map[string]string{"If-Match": quoted(y.Version)}}
			}},

		// The audit trail: the bureau and the administrator.
		"GET /api/v1/audit":        {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), req: get("/api/v1/audit")},
		"GET /api/v1/audit/verify": {rule: rolesRule(http.StatusOK, identity.RoleAdmin, identity.RoleBureau), req: get("/api/v1/audit/verify")},

		// The change feed: every role, a client with events:read.
		"GET /api/v1/events": {rule: eventsRule, req: get("/api/v1/events?limit=1")},
	}
	maps.Copy(rows, webhookMatrixRows())
	maps.Copy(rows, attachmentMatrixRows())
	return rows
}

// wantCode is the problem code of a denial.
var wantCode = map[int]string{
	http.StatusUnauthorized: "unauthorized",
	http.StatusForbidden:    "forbidden",
	http.StatusNotFound:     "not_found",
}

// newMatrix makes the resources the route table's requests name: a project
// of energy and one of industry, each a plan entry, a user who signs in, a
// user and a client to change; prefix tells a test's names apart.
func newMatrix(t *testing.T, e *env, prefix string) *matrix {
	m := &matrix{e: e, issues: map[string]string{}}
	m.energy = e.create(t, asBureau, projectBody(prefix+" energy wind"))
	m.industry = e.create(t, asBureau, with(projectBody(prefix+" industry zinc"), "department", "industry", "category", "materials"))
	e.planEntry(t, m.energy.ID, "energy")
	e.planEntry(t, m.industry.ID, "industry")
	m.loginUser = e.newUser(t, prefix+".login", "leader", "").Username
	m.refresh = e.signIn(t, m.loginUser, userPassword).RefreshToken
	m.targetUser = e.newUser(t, prefix+".target", "dept_viewer", "energy").ID
	m.targetClient = e.newClient(t, prefix+" target system", "industry", identity.ScopeProjectsRead).ID
	return m
}

// TestAuthorizationMatrix runs every route as every kind of caller.
func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		engine := routed(t, e.h)

		m := newMatrix(t, e, "matrix")

		// Real department systems, signed in through the token endpoint.
		reader := e.newClient(t, "energy reader", "energy", identity.ScopeProjectsRead)
		writer := e.newClient(t, "energy writer", "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
		m.tokenClient = reader
		e.authz["system_read"] = "Bearer " + e.clientToken(t, reader, "").AccessToken
		e.authz["system_write"] = "Bearer " + e.clientToken(t, writer, "").AccessToken
		// A system that only follows the feed: a viewer by its scopes.
		follower := e.newClient(t, "energy follower", "energy", identity.ScopeEventsRead)
		e.authz["system_events"] = "Bearer " + e.clientToken(t, follower, "").AccessToken
		// A user who signed in and was then disabled.
		disabled := e.newUser(t, "matrix.disabled", "bureau", "")
		e.authz["disabled_user"] = "Bearer " + e.signIn(t, disabled.Username, userPassword).AccessToken
		res := e.patchUserAnswer(t, disabled.ID, api.UserPatch{Disabled: ptr(true)})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		read, write := identity.ScopeProjectsRead, identity.ScopeProjectsWrite
		callers := []who{
			{name: asAdmin, role: identity.RoleAdmin},
			{name: asBureau, role: identity.RoleBureau},
			{name: asLeader, role: identity.RoleLeader},
			{name: asEnergyEditor, role: identity.RoleDeptEditor, dept: "energy"},
			{name: asEnergyViewer, role: identity.RoleDeptViewer, dept: "energy"},
			{name: asIndustryEditor, role: identity.RoleDeptEditor, dept: "industry"},
			{name: "system_read", role: identity.RoleDeptViewer, dept: "energy", client: true, scopes: []string{read}},
			{name: "system_write", role: identity.RoleDeptEditor, dept: "energy", client: true, scopes: []string{read, write}},
			{name: "system_events", role: identity.RoleDeptViewer, dept: "energy", client: true, scopes: []string{identity.ScopeEventsRead}},
			// The harness's clients carry the editor role whatever their
			// scopes: the scope alone must hold them back.
			{name: asEnergyClientRead, role: identity.RoleDeptEditor, dept: "energy", client: true, scopes: []string{read}},
			{name: asEnergyClientNone, role: identity.RoleDeptEditor, dept: "energy", client: true, scopes: []string{identity.ScopeEventsRead}},
			{name: "disabled_user"},
			{name: asExpired},
			{name: asNone},
		}

		// The callers' roles are what their tokens say.
		for _, w := range callers {
			if a := e.authz[w.name]; w.signedIn() && w.name != "" {
				assert.Equal(t, string(w.role), claimsOf(t, strings.TrimPrefix(a, "Bearer "))["role"], "%s's role", w.name)
			}
		}

		rows := matrixRows()
		registered := map[string]bool{}
		var routes []gin.RouteInfo
		for _, rt := range engine.Routes() {
			key := rt.Method + " " + rt.Path
			registered[key] = true
			if _, found := rows[key]; !found {
				t.Errorf("route %s has no row in the authorization matrix (matrix_test.go): add one that states who may call it", key)
				continue
			}
			routes = append(routes, rt)
		}
		for key := range rows {
			assert.True(t, registered[key], "the matrix has a row for %s, which is not registered", key)
		}
		slices.SortFunc(routes, func(a, b gin.RouteInfo) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })

		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			row := rows[key]
			targets := []*api.Project{nil}
			if row.project {
				targets = []*api.Project{&m.energy, &m.industry}
			}
			t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
				for _, w := range callers {
					for _, p := range targets {
						t.Run(w.label(p), func(t *testing.T) { m.cell(t, row, w, p) })
					}
				}
			})
		}

		t.Run("the projects are as they were made, but for the changes allowed", func(t *testing.T) {
			for _, p := range []api.Project{m.energy, m.industry} {
				got, _ := e.get(t, asAdmin, p.ID)
				assert.Nil(t, got.ArchivedAt)
				assert.Equal(t, p.Department, got.Department)
			}
		})
	})
}

// cell sends one route's request as one caller and holds the answer to the
// row's rule; a denial must leave everything as it was.
func (m *matrix) cell(t *testing.T, row matrixRow, w who, p *api.Project) {
	want := row.rule(w, w.owns(p))
	r := row.req(t, m, w, p)
	r.principal = w.name
	if m.state == nil {
		m.state = m.snapshot(t)
	}
	res := m.e.do(t, r)
	require.Equal(t, want, res.status, "%s %s as %s: %s", r.method, r.path, w.label(p), res)
	if res.status >= 400 {
		if code, found := wantCode[res.status]; found {
			assert.Equal(t, code, res.problem(t).Code, "%s", res)
		}
		after := m.snapshot(t)
		assert.Equal(t, m.state, after, "a denied %s %s as %s changed nothing", r.method, r.path, w.label(p))
		m.state = after
	} else if r.method != http.MethodGet {
		m.state = nil
	}
	if row.after != nil {
		row.after(t, m, w, p, res)
	}
}
