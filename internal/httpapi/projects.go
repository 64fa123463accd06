package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

func writeProject(c *gin.Context, status int, p project.Project, viewer identity.Principal) {
	c.Header("ETag", etag(p.Version))
	ok(c, status, toProjectResponse(p, viewer))
}

// listProjects lists the projects the caller may read.
//
//	@Summary		List projects
//	@Description	Filters combine with AND; each enum filter takes a comma-separated list. Pages by an opaque keyset cursor. Archived projects are listed only with archived=true (bureau, admin).
//	@ID				listProjects
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id					query		string	false	"project IDs, comma-separated, at most 200 (a drill-down)"
//	@Param			stage				query		string	false	"stages, comma-separated"
//	@Param			category			query		string	false	"categories, comma-separated"
//	@Param			department			query		string	false	"department codes, comma-separated"
//	@Param			build_type			query		string	false	"new, continuing"
//	@Param			key_level			query		string	false	"key levels, comma-separated"
//	@Param			health				query		string	false	"green, yellow, red"
//	@Param			township			query		string	false	"township, exact"
//	@Param			leader				query		string	false	"responsible leader, exact"
//	@Param			q					query		string	false	"substring of name, company or code"
//	@Param			min_investment_yuan	query		integer	false	"minimum total investment"					minimum(0)
//	@Param			max_investment_yuan	query		integer	false	"maximum total investment"					minimum(0)
//	@Param			planned_start_from	query		string	false	"planned start on or after (YYYY-MM-DD)"	format(date)
//	@Param			planned_start_to	query		string	false	"planned start on or before (YYYY-MM-DD)"	format(date)
//	@Param			updated_since		query		string	false	"changed at or after (RFC 3339)"			format(date-time)
//	@Param			archived			query		boolean	false	"list archived projects instead"
//	@Param			sort				query		string	false	"sort key, prefix - for descending; default created_at"	Enums(name,-name,total_investment_yuan,-total_investment_yuan,planned_start_date,-planned_start_date,updated_at,-updated_at,created_at,-created_at)
//	@Param			limit				query		integer	false	"page size"												minimum(1)	maximum(200)	default(50)
//	@Param			cursor				query		string	false	"next_cursor of the previous page"
//	@Param			count				query		boolean	false	"also answer the total"
//	@Success		200					{object}	api.ProjectList
//	@Failure		400					{object}	api.Problem
//	@Failure		401					{object}	api.Problem
//	@Failure		403					{object}	api.Problem
//	@Failure		503					{object}	api.Problem
//	@Router			/api/v1/projects [get]
func (h *handlers) listProjects(c *gin.Context, p identity.Principal) error {
	q, err := parseListQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.projects.List(c.Request.Context(), p, q)
	if err != nil {
		return err
	}
	out := api.ProjectList{Items: make([]api.Project, len(page.Items)), Total: page.Total}
	for i, pr := range page.Items {
		out.Items[i] = toProjectResponse(pr, p)
	}
	if page.Next != nil {
		s := encodeCursor(*page.Next)
		out.NextCursor = &s
	}
	ok(c, http.StatusOK, out)
	return nil
}

// createProject adds a project to the register.
//
//	@Summary		Create a project
//	@Description	Creates a project, at planning or, to enter the existing register, at a later stage with the actual dates it reached (recorded as an import in its history). A department caller's project belongs to its department. With an Idempotency-Key, a repeated request within 24 h replays the first answer.
//	@ID				createProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			Idempotency-Key	header		string				false	"unique key of this request"
//	@Param			project			body		api.ProjectCreate	true	"the project"
//	@Success		201				{object}	api.Project
//	@Header			201				{string}	Location	"URL of the new project"
//	@Header			201				{string}	ETag		"version of the project"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		422				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/projects [post]
func (h *handlers) createProject(c *gin.Context, p identity.Principal) error {
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.ProjectCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		e, err := toEntry(in)
		if err != nil {
			return created{}, err
		}
		pr, err := h.projects.Create(ctx, p, e)
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/projects/" + pr.ID, etag: etag(pr.Version), body: toProjectResponse(pr, p)}, nil
	})
}

// readProject returns one project.
//
//	@Summary		Get a project
//	@Description	Returns the project, archived or not, with its version in ETag.
//	@ID				getProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.Project
//	@Header			200	{string}	ETag	"version of the project"
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id} [get]
func (h *handlers) readProject(c *gin.Context, p identity.Principal) error {
	pr, err := h.projects.Get(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	writeProject(c, http.StatusOK, pr, p)
	return nil
}

// patchProject changes a project's writable fields.
//
//	@Summary		Update a project
//	@Description	Applies a JSON merge patch (RFC 7396) to the writable fields: a member replaces the field, null clears it, and absent fields stay. Stage and actual dates change only through transitions. If-Match with the ETag is required.
//	@ID				patchProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			id			path		string				true	"project ID"	format(uuid)
//	@Param			If-Match	header		string				true	"ETag of the version being changed"
//	@Param			patch		body		api.ProjectPatch	true	"merge patch; every member optional, null clears"
//	@Success		200			{object}	api.Project
//	@Header			200			{string}	ETag	"new version of the project"
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/projects/{id} [patch]
func (h *handlers) patchProject(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, projectPatch)
	if err != nil {
		return err
	}
	pr, err := h.projects.Update(c.Request.Context(), p, c.Param("id"), patch.version, func(cur project.Fields) (project.Fields, error) {
		w, err := applyPatch(toProjectWrite(cur), patch.body)
		if err != nil {
			return cur, err
		}
		leaderPatch(&w, patch.members)
		var d dates
		f := toFields(w, &d)
		return f, apperr.Fields(d.errs)
	})
	if err != nil {
		return err
	}
	writeProject(c, http.StatusOK, pr, p)
	return nil
}

// archiveProject takes a project out of the register's lists and statistics.
//
//	@Summary		Archive a project
//	@Description	Archives the project (bureau, admin): it leaves lists and statistics, its history stays, and restore brings it back. If-Match with the ETag is required.
//	@ID				archiveProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		application/problem+json
//	@Param			id			path	string	true	"project ID"	format(uuid)
//	@Param			If-Match	header	string	true	"ETag of the version being archived"
//	@Success		204
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		409	{object}	api.Problem
//	@Failure		412	{object}	api.Problem
//	@Failure		428	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id} [delete]
func (h *handlers) archiveProject(c *gin.Context, p identity.Principal) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := h.projects.Archive(c.Request.Context(), p, c.Param("id"), version); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// restoreProject brings an archived project back.
//
//	@Summary		Restore a project
//	@Description	Brings an archived project back into lists and statistics (bureau, admin).
//	@ID				restoreProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.Project
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		409	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/restore [post]
func (h *handlers) restoreProject(c *gin.Context, p identity.Principal) error {
	pr, err := h.projects.Restore(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	writeProject(c, http.StatusOK, pr, p)
	return nil
}

// listTransitions returns a project's stage history.
//
//	@Summary		A project's stage history
//	@Description	Every stage change of the project, oldest first, including the import entry of a project entered at a later stage.
//	@ID				listTransitions
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.TransitionList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/transitions [get]
func (h *handlers) listTransitions(c *gin.Context, p identity.Principal) error {
	ts, err := h.projects.Transitions(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	out := api.TransitionList{Items: make([]api.Transition, len(ts))}
	for i, t := range ts {
		out.Items[i] = toTransitionResponse(t)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// moveProject changes a project's stage.
//
//	@Summary		Move a project to another stage
//	@Description	Records a stage move (docs/stages.md): forward moves may skip stages; started ⇄ suspended (停工/复工); cancelled from any stage that is not terminal; a correction (bureau, admin, with a note) sets a project back. Moving to signed needs contract evidence, to started a permit, to completed an acceptance; suspending and cancelling need a note. A first start (a move, not a resumption or a correction, to started or past it of a project never started) whose 开工 permit item (docs/approvals.md) is neither obtained nor not needed answers 409 start_permit_missing naming the item, unless permit_waiver says why it starts without it; the reason is kept on the history entry, and an item not needed lends its own reason. An illegal move answers 422 with the allowed targets; of two moves sent at once, one wins and the other answers 409. If-Match is optional. With an Idempotency-Key, a repeated request replays the first answer.
//	@ID				moveProject
//	@Tags			projects
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id				path		string					true	"project ID"	format(uuid)
//	@Param			If-Match		header		string					false	"ETag of the version being moved"
//	@Param			Idempotency-Key	header		string					false	"unique key of this request"
//	@Param			move			body		api.TransitionCreate	true	"the move"
//	@Success		201				{object}	api.TransitionResult
//	@Header			201				{string}	Location	"URL of the project's history"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		404				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		412				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		422				{object}	api.Problem
//	@Failure		428				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/projects/{id}/transitions [post]
func (h *handlers) moveProject(c *gin.Context, p identity.Principal) error {
	version := 0
	if c.GetHeader("If-Match") != "" {
		version, _ = ifMatch(c)
	}
	id := c.Param("id")
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.TransitionCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		if in.OccurredOn == "" {
			return created{}, apperr.Fields([]apperr.FieldError{{Field: "occurred_on", Code: "required"}})
		}
		var d dates
		on := d.parse("occurred_on", &in.OccurredOn)
		if err := apperr.Fields(d.errs); err != nil {
			return created{}, err
		}
		m := project.Move{To: project.Stage(in.To), OccurredOn: *on, Note: in.Note, Correction: in.Correction, PermitWaiver: in.PermitWaiver}
		for _, e := range in.Evidence {
			m.Evidence = append(m.Evidence, project.Evidence(e))
		}
		pr, tr, err := h.projects.Move(ctx, p, id, version, m)
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/projects/" + id + "/transitions", etag: etag(pr.Version),
			body: api.TransitionResult{Transition: toTransitionResponse(tr), Project: toProjectResponse(pr, p)}}, nil
	})
}

// leaderPatch relates leader and leaders in a patch (docs/api.md,
// "Leaders"): a patch of leader alone sets a one-person list, read from it
// again by the register; a patch of leaders alone sets leader to its lead's
// name.
func leaderPatch(w *api.ProjectWrite, members map[string]json.RawMessage) {
	_, leader := members["leader"]
	_, leaders := members["leaders"]
	switch {
	case leader && !leaders:
		w.Leaders = nil
	case leaders && !leader:
		w.Leader = ""
	}
}
