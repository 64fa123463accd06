// Package httpapi is the HTTP surface of the service, the only package that
// knows gin: routes, middleware, problem details and the handlers that turn
// requests into service calls and results into the wire types of package api.
package httpapi

import (
	"net/http"
	"slices"
	"sync"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"
	"github.com/swaggo/swag"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// policy is who may call a route. Every route declares one; a test fails for
// a route registered without.
type policy struct {
	public bool
	roles  []identity.Role // empty: any signed-in principal
}

var (
	public   = policy{public: true}
	signedIn = policy{}
	writers  = policy{roles: []identity.Role{identity.RoleAdmin, identity.RoleBureau, identity.RoleDeptEditor}}
	bureau   = policy{roles: []identity.Role{identity.RoleAdmin, identity.RoleBureau}}
	admin    = policy{roles: []identity.Role{identity.RoleAdmin}}
)

// routes lists the whole surface.
func (h *handlers) routes(r *gin.Engine) {
	h.handle(r, http.MethodGet, "/healthz", public, h.healthz)
	h.handle(r, http.MethodGet, "/readyz", public, h.readyz)
	h.handle(r, http.MethodGet, "/metrics", public, gin.WrapH(h.m.handler))
	// A handler of its own: gin-swagger sets the file handler's Prefix on first
	// use, and the package-level swaggerFiles.Handler is shared by every engine
	// in the process (a data race as soon as there are two).
	ui := ginSwagger.WrapHandler(swaggerFiles.NewHandler())
	h.handle(r, http.MethodGet, "/swagger/*any", public, func(c *gin.Context) {
		if c.Param("any") == "/doc.json" {
			c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(swaggerDoc()))
			return
		}
		ui(c)
	})
	h.handle(r, http.MethodGet, "/.well-known/jwks.json", public, h.jwks)
	h.handle(r, http.MethodGet, "/dashboard", public, h.dashboard)
	h.handle(r, http.MethodGet, "/dashboard/*file", public, h.dashboard)

	h.handle(r, http.MethodPost, "/api/v1/auth/login", public, h.login)
	h.handle(r, http.MethodPost, "/api/v1/auth/refresh", public, h.refresh)
	h.handle(r, http.MethodPost, "/api/v1/auth/logout", public, h.logout)
	h.handle(r, http.MethodPost, "/api/v1/auth/token", public, h.token)

	h.handle(r, http.MethodGet, "/api/v1/users", admin, h.listUsers)
	h.handle(r, http.MethodPost, "/api/v1/users", admin, h.createUser)
	h.handle(r, http.MethodPatch, "/api/v1/users/:id", admin, h.patchUser)
	h.handle(r, http.MethodGet, "/api/v1/clients", admin, h.listClients)
	h.handle(r, http.MethodPost, "/api/v1/clients", admin, h.createClient)
	h.handle(r, http.MethodPatch, "/api/v1/clients/:id", admin, h.patchClient)
	h.handle(r, http.MethodPost, "/api/v1/clients/:id/rotate-secret", admin, h.rotateClientSecret)
	h.handle(r, http.MethodGet, "/api/v1/meta", signedIn, h.meta)
	h.handle(r, http.MethodGet, "/api/v1/departments", signedIn, h.listDepartments)
	h.handle(r, http.MethodPost, "/api/v1/departments", admin, h.createDepartment)
	h.handle(r, http.MethodPatch, "/api/v1/departments/:code", admin, h.patchDepartment)

	h.handle(r, http.MethodGet, "/api/v1/projects", signedIn, h.listProjects)
	h.handle(r, http.MethodGet, "/api/v1/projects/export", signedIn, h.exportProjects)
	h.handle(r, http.MethodPost, "/api/v1/projects/import", writers, h.importProjects)
	h.handle(r, http.MethodPost, "/api/v1/projects", writers, h.createProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id", signedIn, h.getProject)
	h.handle(r, http.MethodPatch, "/api/v1/projects/:id", writers, h.patchProject)
	h.handle(r, http.MethodDelete, "/api/v1/projects/:id", bureau, h.archiveProject)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/restore", bureau, h.restoreProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/transitions", signedIn, h.listTransitions)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/transitions", writers, h.moveProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/health", signedIn, h.getHealth)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/plans", signedIn, h.listPlans)
	h.handle(r, http.MethodPut, "/api/v1/projects/:id/plans/:year", writers, h.putPlan)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/progress", signedIn, h.getProgress)
	h.handle(r, http.MethodPut, "/api/v1/projects/:id/progress/:period", writers, h.putProgress)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/issues", writers, h.openIssue)
	h.handle(r, http.MethodGet, "/api/v1/issues", signedIn, h.listIssues)
	h.handle(r, http.MethodGet, "/api/v1/issues/:id", signedIn, h.getIssue)
	h.handle(r, http.MethodPatch, "/api/v1/issues/:id", writers, h.patchIssue)

	h.handle(r, http.MethodGet, "/api/v1/stats/overview", signedIn, h.statsOverview)
	h.handle(r, http.MethodGet, "/api/v1/stats/breakdown", signedIn, h.statsBreakdown)
	h.handle(r, http.MethodGet, "/api/v1/stats/batches", signedIn, h.statsBatches)
	h.handle(r, http.MethodGet, "/api/v1/stats/trend", signedIn, h.statsTrend)

	h.handle(r, http.MethodGet, "/api/v1/audit", bureau, h.listAudit)
	h.handle(r, http.MethodGet, "/api/v1/audit/verify", bureau, h.verifyAudit)

	r.NoRoute(func(c *gin.Context) { h.fail(c, apperr.New(apperr.NotFound, "没有这个地址", "no such endpoint")) })
	r.NoMethod(func(c *gin.Context) { h.fail(c, &apperr.Error{Kind: apperr.MethodNotAllowed}) })
}

// swaggerDoc renders the registered Swagger document once. swag renders it
// anew on every call and writes to the shared document while doing so, a
// data race under concurrent requests for doc.json.
var swaggerDoc = sync.OnceValue(func() string {
	doc, err := swag.ReadDoc()
	if err != nil {
		return "{}"
	}
	return doc
})

// handle registers a route behind its policy.
func (h *handlers) handle(r *gin.Engine, method, path string, p policy, fn gin.HandlerFunc) {
	chain := []gin.HandlerFunc{}
	if !p.public {
		chain = append(chain, h.authenticate)
		if len(p.roles) > 0 {
			chain = append(chain, h.requireRole(p.roles))
		}
	}
	h.policies[method+" "+path] = p
	r.Handle(method, path, append(chain, fn)...)
}

var errRole = apperr.New(apperr.Forbidden, "当前角色无权执行此操作", "the caller's role may not do this")

func (h *handlers) requireRole(roles []identity.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, found := h.principal(c)
		if !found {
			return
		}
		if !slices.Contains(roles, p.Role) {
			h.fail(c, errRole)
			return
		}
		c.Next()
	}
}
