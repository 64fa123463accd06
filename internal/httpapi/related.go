package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// relatedProjects returns a project's phases and bundle.
//
//	@Summary		A project's phases and bundle
//	@Description	The projects linked to this one that the caller may read: its predecessor (the earlier phase) and successors (the later phases), its parent (the bundle it belongs to) and children. Each is named by ID, code, name and stage.
//	@ID				getRelatedProjects
//	@Tags			projects
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.RelatedProjects
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/related [get]
func (h *handlers) relatedProjects(c *gin.Context, p identity.Principal) error {
	r, err := h.projects.Related(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	out := api.RelatedProjects{Successors: refs(r.Successors), Children: refs(r.Children)}
	if r.Predecessor != nil {
		ref := toRef(*r.Predecessor)
		out.Predecessor = &ref
	}
	if r.Parent != nil {
		ref := toRef(*r.Parent)
		out.Parent = &ref
	}
	ok(c, http.StatusOK, out)
	return nil
}

func toRef(p project.Project) api.ProjectRef {
	return api.ProjectRef{ID: p.ID, Code: p.Code, Name: p.Name, Stage: string(p.Stage)}
}

func refs(ps []project.Project) []api.ProjectRef {
	out := make([]api.ProjectRef, len(ps))
	for i, p := range ps {
		out[i] = toRef(p)
	}
	return out
}
