package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
)

func (h *handlers) toIssueResponse(i issue.Issue) api.Issue {
	var resolved *string
	if i.ResolvedAt != nil {
		s := timestamp(*i.ResolvedAt)
		resolved = &s
	}
	return api.Issue{
		ID: i.ID, ProjectID: i.ProjectID, ProjectDepartment: i.ProjectDepartment, Title: i.Title, Description: i.Description,
		Kind: string(i.Kind), ResponsibleDepartment: i.ResponsibleDepartment, DueOn: i.DueOn.Format(time.DateOnly),
		Status: string(i.Status), Resolution: i.Resolution, Overdue: i.Overdue(calendar.Today(h.now())),
		CreatedBy: i.CreatedBy, Version: i.Version, CreatedAt: timestamp(i.CreatedAt), UpdatedAt: timestamp(i.UpdatedAt), ResolvedAt: resolved,
	}
}

// issueFields converts a blocker's wire fields, naming a bad date.
func issueFields(title, description, kind, dept string, due *string, status, resolution string) (issue.Fields, error) {
	var d dates
	f := issue.Fields{
		Title: title, Description: description, Kind: issue.Kind(kind), ResponsibleDepartment: dept,
		Status: issue.Status(status), Resolution: resolution,
	}
	if due != nil && *due != "" {
		if t := d.parse("due_on", due); t != nil {
			f.DueOn = *t
		}
	}
	return f, apperr.Fields(d.errs)
}

// openIssue records a blocker of a project.
//
//	@Summary		Open a blocker
//	@Description	Records a problem holding the project back (问题清单), assigned to the department that must clear it, with a due date. While it is unresolved, that department may read the project and update the blocker's status. With an Idempotency-Key, a repeated request replays the first answer.
//	@ID				openIssue
//	@Tags			issues
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id				path		string			true	"project ID"	format(uuid)
//	@Param			Idempotency-Key	header		string			false	"unique key of this request"
//	@Param			issue			body		api.IssueCreate	true	"the blocker"
//	@Success		201				{object}	api.Issue
//	@Header			201				{string}	Location	"URL of the blocker"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		404				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		422				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/projects/{id}/issues [post]
func (h *handlers) openIssue(c *gin.Context, p identity.Principal) error {
	id := c.Param("id")
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.IssueCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		f, err := issueFields(in.Title, in.Description, in.Kind, in.ResponsibleDepartment, &in.DueOn, "", "")
		if err != nil {
			return created{}, err
		}
		is, err := h.issues.Open(ctx, p, id, f)
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/issues/" + is.ID, etag: etag(is.Version), body: h.toIssueResponse(is)}, nil
	})
}

// getIssue returns one blocker.
//
//	@Summary		Get a blocker
//	@Description	A blocker of a project the caller may read, or one its department is responsible for, with its version in ETag.
//	@ID				getIssue
//	@Tags			issues
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"blocker ID"	format(uuid)
//	@Success		200	{object}	api.Issue
//	@Header			200	{string}	ETag	"version of the blocker"
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/issues/{id} [get]
func (h *handlers) getIssue(c *gin.Context, p identity.Principal) error {
	is, err := h.issues.Get(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(is.Version))
	ok(c, http.StatusOK, h.toIssueResponse(is))
	return nil
}

// listIssues lists blockers.
//
//	@Summary		List blockers
//	@Description	The blockers of live projects the caller may read and those its department is responsible for, the earliest due first. department filters the responsible department; overdue=true keeps unresolved blockers past their due date.
//	@ID				listIssues
//	@Tags			issues
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			status		query		string	false	"statuses, comma-separated: open, in_progress, resolved"
//	@Param			kind		query		string	false	"kinds, comma-separated"
//	@Param			department	query		string	false	"responsible departments, comma-separated"
//	@Param			project_id	query		string	false	"one project's blockers"	format(uuid)
//	@Param			overdue		query		boolean	false	"unresolved past the due date (true) or not (false)"
//	@Param			limit		query		integer	false	"page size"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Param			count		query		boolean	false	"also answer the total"
//	@Success		200			{object}	api.IssueList
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/issues [get]
func (h *handlers) listIssues(c *gin.Context, p identity.Principal) error {
	q, err := parseIssueQuery(c.Request.URL.Query(), calendar.Today(h.now()))
	if err != nil {
		return err
	}
	page, err := h.issues.List(c.Request.Context(), p, q)
	if err != nil {
		return err
	}
	out := api.IssueList{Items: make([]api.Issue, len(page.Items)), Total: page.Total}
	for i, is := range page.Items {
		out.Items[i] = h.toIssueResponse(is)
	}
	if page.Next != nil {
		s := encodeCursor(*page.Next)
		out.NextCursor = &s
	}
	ok(c, http.StatusOK, out)
	return nil
}

// patchIssue updates a blocker.
//
//	@Summary		Update a blocker
//	@Description	Applies a JSON merge patch (RFC 7396). Status goes open → in_progress → resolved (or open → resolved), and resolving needs a resolution; a resolved blocker is closed. The project's owner may change every field; the responsible department, only status and resolution. If-Match with the ETag is required.
//	@ID				patchIssue
//	@Tags			issues
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"blocker ID"	format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version being changed"
//	@Param			patch		body		api.IssuePatch	true	"merge patch"
//	@Success		200			{object}	api.Issue
//	@Header			200			{string}	ETag	"new version of the blocker"
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		422			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/issues/{id} [patch]
func (h *handlers) patchIssue(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, issuePatch)
	if err != nil {
		return err
	}
	is, err := h.issues.Update(c.Request.Context(), p, c.Param("id"), patch.version, func(cur issue.Fields) (issue.Fields, error) {
		w, err := applyPatch(toIssuePatch(cur), patch.body)
		if err != nil {
			return cur, err
		}
		return issueFields(deref(w.Title), deref(w.Description), deref(w.Kind), deref(w.ResponsibleDepartment), w.DueOn,
			deref(w.Status), deref(w.Resolution))
	})
	if err != nil {
		return err
	}
	c.Header("ETag", etag(is.Version))
	ok(c, http.StatusOK, h.toIssueResponse(is))
	return nil
}

// toIssuePatch is a blocker's writable fields, every member set.
func toIssuePatch(f issue.Fields) api.IssuePatch {
	due := f.DueOn.Format(time.DateOnly)
	return api.IssuePatch{
		Title: &f.Title, Description: &f.Description, Kind: (*string)(&f.Kind), ResponsibleDepartment: &f.ResponsibleDepartment,
		DueOn: &due, Status: (*string)(&f.Status), Resolution: &f.Resolution,
	}
}

// deref is *s, or "" for nil: a member that null cleared.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
