// Package httpapi is the HTTP surface of the service, the only package that
// knows gin: routes, middleware, problem details and the handlers that turn
// requests into service calls and results into the wire types of package api.
package httpapi

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files/v2"
	ginSwagger "github.com/swaggo/gin-swagger"
	"github.com/swaggo/swag"
	"golang.org/x/net/webdav"

	"github.com/guangling/pipeline/docs"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// policy is who may call a route. Every route declares one; a test fails for
// a route registered without. A signed-in route's roles are those of the
// permission its service checks (identity's table), so the two cannot differ;
// the service checks the OAuth scope as well.
type policy struct {
	public bool
	roles  []identity.Role // empty: any signed-in principal
}

// may is the policy of a route whose service checks perm.
// A client role is admitted here; the service tells a client from a user.
func may(perm identity.Permission) policy {
	return policy{roles: slices.Concat(perm.Roles, perm.ClientRoles)}
}

var public = policy{public: true}

// routes lists the whole surface.
func (h *handlers) routes(r *gin.Engine) {
	h.operationRoutes(r)
	h.identityRoutes(r)
	h.projectRoutes(r)
	h.dispatchRoutes(r)
	h.reportRoutes(r)
	h.planRoutes(r)
	h.webhookRoutes(r)
	h.attachmentRoutes(r)
	r.NoRoute(h.servePublic(func(*gin.Context) error { return errNoEndpoint }))
	r.NoMethod(h.servePublic(func(*gin.Context) error { return errMethod }))
}

var (
	errNoEndpoint = apperr.Coded(apperr.NotFound, "request.no_endpoint")
	errMethod     = &apperr.Error{Kind: apperr.MethodNotAllowed}
)

// operationRoutes are the probes, metrics, documents and the dashboard.
func (h *handlers) operationRoutes(r *gin.Engine) {
	h.handlePublic(r, http.MethodGet, "/healthz", h.healthz)
	h.handlePublic(r, http.MethodGet, "/readyz", h.readyz)
	h.handlePublic(r, http.MethodGet, "/metrics", plain(gin.WrapH(h.m.handler)))
	h.handlePublic(r, http.MethodGet, "/swagger/*any", swaggerUI())
	h.handlePublic(r, http.MethodGet, "/.well-known/jwks.json", h.jwks)
	h.handlePublic(r, http.MethodGet, "/dashboard", h.dashboard)
	h.handlePublic(r, http.MethodGet, "/dashboard/*file", h.dashboard)
}

// identityRoutes are sign-in and the administration of users, clients and
// departments.
func (h *handlers) identityRoutes(r *gin.Engine) {
	h.handlePublic(r, http.MethodPost, "/api/v1/auth/login", h.login)
	h.handlePublic(r, http.MethodPost, "/api/v1/auth/refresh", h.refresh)
	h.handlePublic(r, http.MethodPost, "/api/v1/auth/logout", h.logout)
	h.handlePublic(r, http.MethodPost, "/api/v1/auth/token", h.token)

	h.handle(r, http.MethodGet, "/api/v1/users", may(identity.Administer), h.listUsers)
	h.handle(r, http.MethodPost, "/api/v1/users", may(identity.Administer), h.createUser)
	h.handle(r, http.MethodPatch, "/api/v1/users/:id", may(identity.Administer), h.patchUser)
	h.handle(r, http.MethodGet, "/api/v1/clients", may(identity.Administer), h.listClients)
	h.handle(r, http.MethodPost, "/api/v1/clients", may(identity.Administer), h.createClient)
	h.handle(r, http.MethodPatch, "/api/v1/clients/:id", may(identity.Administer), h.patchClient)
	h.handle(r, http.MethodPost, "/api/v1/clients/:id/rotate-secret", may(identity.Administer), h.rotateClientSecret)
	h.handle(r, http.MethodGet, "/api/v1/meta", may(identity.SignedIn), h.meta)
	h.handle(r, http.MethodGet, "/api/v1/departments", may(identity.SignedIn), h.listDepartments)
	h.handle(r, http.MethodPost, "/api/v1/departments", may(identity.Administer), h.createDepartment)
	h.handle(r, http.MethodPatch, "/api/v1/departments/:code", may(identity.Administer), h.patchDepartment)
}

// projectRoutes are the register: projects, their stages, plans, progress
// and blockers.
func (h *handlers) projectRoutes(r *gin.Engine) {
	h.handle(r, http.MethodGet, "/api/v1/projects", may(identity.ReadProjects), h.listProjects)
	h.handle(r, http.MethodGet, "/api/v1/projects/export", may(identity.ReadProjects), h.exportProjects)
	h.handle(r, http.MethodPost, "/api/v1/projects/import", may(identity.WriteProjects), h.importProjects)
	h.handle(r, http.MethodPost, "/api/v1/projects", may(identity.WriteProjects), h.createProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id", may(identity.ReadProjects), h.readProject)
	h.handle(r, http.MethodPatch, "/api/v1/projects/:id", may(identity.WriteProjects), h.patchProject)
	h.handle(r, http.MethodDelete, "/api/v1/projects/:id", may(identity.ArchiveProjects), h.archiveProject)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/restore", may(identity.ArchiveProjects), h.restoreProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/transitions", may(identity.ReadProjects), h.listTransitions)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/related", may(identity.ReadProjects), h.relatedProjects)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/transitions", may(identity.WriteProjects), h.moveProject)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/health", may(identity.ReadProjects), h.getHealth)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/plans", may(identity.ReadProjects), h.listPlans)
	h.handle(r, http.MethodPut, "/api/v1/projects/:id/plans/:year", may(identity.ManagePlans), h.putPlan)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/progress", may(identity.ReadProjects), h.getProgress)
	h.handle(r, http.MethodPut, "/api/v1/projects/:id/progress/:period", may(identity.ReportProgress), h.putProgress)
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/issues", may(identity.ManageIssues), h.openIssue)
	h.handle(r, http.MethodGet, "/api/v1/issues", may(identity.ReadProjects), h.listIssues)
	h.handle(r, http.MethodGet, "/api/v1/issues/:id", may(identity.ReadProjects), h.getIssue)
	h.handle(r, http.MethodPatch, "/api/v1/issues/:id", may(identity.ManageIssues), h.patchIssue)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/approvals", may(identity.ReadProjects), h.listApprovals)
	h.handle(r, http.MethodPut, "/api/v1/projects/:id/approvals/:item", may(identity.WriteProjects), h.putApproval)
}

// dispatchRoutes are the monthly dispatch (docs/dispatch.md): its periods,
// the reports of plan entries and their review. gin takes the static
// segment periods beside the parameter :period.
func (h *handlers) dispatchRoutes(r *gin.Engine) {
	h.handle(r, http.MethodGet, "/api/v1/dispatch/periods", may(identity.ReadProjects), h.listDispatchPeriods)
	h.handle(r, http.MethodPut, "/api/v1/dispatch/periods/:period", may(identity.ManagePlans), h.putDispatchPeriod)
	h.handle(r, http.MethodGet, "/api/v1/dispatch/:period", may(identity.ReadProjects), h.getDispatchStatus)
	h.handle(r, http.MethodGet, "/api/v1/dispatch/:period/sheet", may(identity.ReadProjects), h.dispatchSheet)
	h.handle(r, http.MethodGet, "/api/v1/dispatch/:period/reports/:project_id", may(identity.ReadProjects), h.getReport)
	h.handle(r, http.MethodPut, "/api/v1/dispatch/:period/reports/:project_id", may(identity.ReportProgress), h.putReport)
	h.handle(r, http.MethodPost, "/api/v1/dispatch/:period/reports/:project_id/accept", may(identity.ReviewReports), h.acceptReport)
	h.handle(r, http.MethodPost, "/api/v1/dispatch/:period/reports/:project_id/return", may(identity.ReviewReports), h.returnReport)
}

// planRoutes are the year's plans (docs/plan.md).
func (h *handlers) planRoutes(r *gin.Engine) {
	h.handle(r, http.MethodGet, "/api/v1/annual-plans", may(identity.ReadProjects), h.listAnnualPlans)
	h.handle(r, http.MethodGet, "/api/v1/annual-plans/:year", may(identity.ReadProjects), h.getAnnualPlan)
	h.handle(r, http.MethodPost, "/api/v1/annual-plans/:year/issue", may(identity.ManagePlans), h.issuePlan)
	h.handle(r, http.MethodPut, "/api/v1/annual-plans/:year/targets", may(identity.ManagePlans), h.putPlanTargets)
	h.handle(r, http.MethodGet, "/api/v1/annual-plans/:year/entries/:project_id", may(identity.ReadProjects), h.getPlanEntry)
	h.handle(r, http.MethodPut, "/api/v1/annual-plans/:year/entries/:project_id", may(identity.ManagePlans), h.putPlanEntry)
	h.handle(r, http.MethodDelete, "/api/v1/annual-plans/:year/entries/:project_id", may(identity.ManagePlans), h.deletePlanEntry)
}

// reportRoutes are the statistics and the audit trail.
func (h *handlers) reportRoutes(r *gin.Engine) {
	h.handle(r, http.MethodGet, "/api/v1/stats/overview", may(identity.ReadProjects), h.statsOverview)
	h.handle(r, http.MethodGet, "/api/v1/stats/breakdown", may(identity.ReadProjects), h.statsBreakdown)
	h.handle(r, http.MethodGet, "/api/v1/stats/batches", may(identity.ReadProjects), h.statsBatches)
	h.handle(r, http.MethodGet, "/api/v1/stats/trend", may(identity.ReadProjects), h.statsTrend)
	h.handle(r, http.MethodGet, "/api/v1/stats/approvals", may(identity.ReadProjects), h.statsApprovals)
	h.handle(r, http.MethodGet, "/api/v1/stats/approvals/pending-starts", may(identity.ReadProjects), h.statsPendingStarts)
	h.handle(r, http.MethodGet, "/api/v1/stats/attraction", may(identity.ReadProjects), h.statsAttraction)
	h.handle(r, http.MethodGet, "/api/v1/indicators", may(identity.ReadProjects), h.listIndicatorYears)
	h.handle(r, http.MethodGet, "/api/v1/indicators/:year", may(identity.ReadProjects), h.getIndicators)
	h.handle(r, http.MethodPut, "/api/v1/indicators/:year", may(identity.ManagePlans), h.putIndicators)
	h.handle(r, http.MethodPut, "/api/v1/batches/:year/:quarter/:kind/:project_id", may(identity.ManagePlans), h.designate)
	h.handle(r, http.MethodDelete, "/api/v1/batches/:year/:quarter/:kind/:project_id", may(identity.ManagePlans), h.undesignate)

	h.handle(r, http.MethodGet, "/api/v1/audit", may(identity.ReadAudit), h.listAudit)
	h.handle(r, http.MethodGet, "/api/v1/audit/verify", may(identity.ReadAudit), h.verifyAudit)
	h.handle(r, http.MethodGet, "/api/v1/events", may(identity.ReadEvents), h.listEvents)
}

// attachmentRoutes are the files kept as evidence (docs/files.md): written
// by whoever may change the project, read by whoever may read it.
func (h *handlers) attachmentRoutes(r *gin.Engine) {
	h.handle(r, http.MethodPost, "/api/v1/projects/:id/attachments", may(identity.WriteProjects), h.addAttachment)
	h.handle(r, http.MethodGet, "/api/v1/projects/:id/attachments", may(identity.ReadProjects), h.listAttachments)
	h.handle(r, http.MethodGet, "/api/v1/attachments/:id", may(identity.ReadProjects), h.getAttachment)
	h.handle(r, http.MethodGet, "/api/v1/attachments/:id/content", may(identity.ReadProjects), h.downloadAttachment)
	h.handle(r, http.MethodPost, "/api/v1/attachments/:id/withdrawal", may(identity.WriteProjects), h.withdrawAttachment)
}

// webhookRoutes are the webhooks (docs/integration.md, "Webhooks").
func (h *handlers) webhookRoutes(r *gin.Engine) {
	read, manage := may(identity.ReadWebhooks), may(identity.ManageWebhooks)
	h.handle(r, http.MethodGet, "/api/v1/webhooks", read, h.listWebhooks)
	h.handle(r, http.MethodPost, "/api/v1/webhooks", manage, h.createWebhook)
	h.handle(r, http.MethodGet, "/api/v1/webhooks/:id", read, h.getWebhook)
	h.handle(r, http.MethodPatch, "/api/v1/webhooks/:id", manage, h.patchWebhook)
	h.handle(r, http.MethodDelete, "/api/v1/webhooks/:id", manage, h.deleteWebhook)
	h.handle(r, http.MethodPost, "/api/v1/webhooks/:id/rotate-secret", manage, h.rotateWebhookSecret)
	h.handle(r, http.MethodGet, "/api/v1/webhooks/:id/deliveries", read, h.listWebhookDeliveries)
	h.handle(r, http.MethodPost, "/api/v1/webhooks/:id/deliveries/:delivery_id/redeliver", manage, h.redeliverWebhookDelivery)
}

// swaggerUI serves the Swagger UI and the documents it shows. gin-swagger
// renders the UI's pages from its templates; the UI's static files are
// served from the binary (swaggerFiles.FS, embedded) rather than through
// gin-swagger's file handler, whose in-memory copy of them would hold some
// 10 MB of the heap for ever (docs/performance.md, "Memory"). The UI shows
// the OpenAPI 3 document, whose bearer scheme takes a token as issued.
func swaggerUI() publicHandler {
	pages := ginSwagger.WrapHandler(&webdav.Handler{FileSystem: webdav.NewMemFS()}, ginSwagger.URL("openapi.yaml"))
	files := http.StripPrefix("/swagger/", http.FileServerFS(swaggerFiles.FS))
	return func(c *gin.Context) error {
		if c.Request.Method == http.MethodHead {
			// gin-swagger answers GET only; conditional drops the body.
			c.Request.Method = http.MethodGet
		}
		switch file := c.Param("any"); {
		case file == "/doc.json":
			c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(swaggerDoc()))
		case file == "/openapi.yaml":
			c.Data(http.StatusOK, "application/yaml; charset=utf-8", docs.OpenAPI)
		case file == "/index.html" || file == "/index.css" || file == "/swagger-initializer.js":
			// gin-swagger picks the page from the request's URI, query and
			// all: it is given the path alone.
			c.Request.RequestURI = "/swagger" + file
			pages(c)
		case swaggerFile(file):
			files.ServeHTTP(c.Writer, c.Request)
		default:
			return errNoEndpoint
		}
		return nil
	}
}

// swaggerFile reports whether name (with its leading slash) is one of the
// UI's static files, served as it is.
func swaggerFile(name string) bool {
	fi, err := fs.Stat(swaggerFiles.FS, strings.TrimPrefix(name, "/"))
	return err == nil && fi.Mode().IsRegular()
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

// A handler serves a route behind sign-in: it answers the request as the
// principal p, or returns the error that serve answers as problem details
// (fail). It returns an error only before it has begun its answer.
type handler func(c *gin.Context, p identity.Principal) error

// A publicHandler serves a route open to anyone, as a handler does.
type publicHandler func(c *gin.Context) error

// plain adapts a gin handler that answers every request itself.
func plain(fn gin.HandlerFunc) publicHandler {
	return func(c *gin.Context) error {
		fn(c)
		return nil
	}
}

// handle registers a signed-in route behind its policy.
func (h *handlers) handle(r *gin.Engine, method, path string, p policy, fn handler) {
	chain := []gin.HandlerFunc{h.guard(strictRequest), h.guard(h.authenticate)}
	if len(p.roles) > 0 {
		chain = append(chain, h.guard(requireRole(p.roles)))
	}
	chain = append(chain, h.serve(fn))
	for _, m := range withHead(method) {
		h.policies[m+" "+path] = p
		r.Handle(m, path, chain...)
	}
}

// withHead is method and, for a GET, HEAD as well: every GET route answers
// HEAD with its headers and no body (conditional).
func withHead(method string) []string {
	if method == http.MethodGet {
		return []string{method, http.MethodHead}
	}
	return []string{method}
}

// handlePublic registers a route open to anyone.
func (h *handlers) handlePublic(r *gin.Engine, method, path string, fn publicHandler) {
	for _, m := range withHead(method) {
		h.policies[m+" "+path] = public
		r.Handle(m, path, h.guard(strictRequest), h.servePublic(fn))
	}
}

// errNoPrincipal answers a signed-in route that has no principal: routes
// behind authenticate always have one, so it is a wiring bug, answered as
// such and never a panic.
var errNoPrincipal = errors.New("httpapi: route without principal")

// serve runs a signed-in handler with the principal that authenticate put
// in the request, failing closed when there is none, and answers its error.
func (h *handlers) serve(fn handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, found := identity.PrincipalFrom(c.Request.Context())
		if !found {
			h.answer(c, errNoPrincipal)
			return
		}
		h.answer(c, fn(c, p))
	}
}

// servePublic runs a public handler and answers its error.
func (h *handlers) servePublic(fn publicHandler) gin.HandlerFunc {
	return func(c *gin.Context) { h.answer(c, fn(c)) }
}

// guard runs a check ahead of a route's handler: an error answers the
// request and ends it there.
func (h *handlers) guard(check func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := check(c); err != nil {
			h.answer(c, err)
			return
		}
		c.Next()
	}
}

// answer turns an error into the request's problem details. An error after
// the answer has begun (a streamed export) cannot become one: the
// connection is cut, so that the client sees a failed download rather than
// a short file.
func (h *handlers) answer(c *gin.Context, err error) {
	switch {
	case err == nil:
	case !c.Writer.Written():
		h.fail(c, err)
	default:
		h.log.ErrorContext(c.Request.Context(), "request failed after its answer began", slog.String("request_id", requestID(c)),
			slog.String("route", c.FullPath()), slog.Any("error", err))
		panic(http.ErrAbortHandler)
	}
}

var errRole = apperr.Coded(apperr.Forbidden, "request.role")

// requireRole admits the principals of the roles named.
func requireRole(roles []identity.Role) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		p, found := identity.PrincipalFrom(c.Request.Context())
		switch {
		case !found:
			return errNoPrincipal
		case !slices.Contains(roles, p.Role):
			return errRole
		}
		return nil
	}
}
