package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

func labelFor(ls []project.Label, v string) project.Label {
	for _, l := range ls {
		if l.Value == v {
			return l
		}
	}
	return project.Label{Value: v, ZH: v, EN: v}
}

func toReadiness(r approval.Readiness) api.Readiness {
	return api.Readiness{Needed: r.Needed, Obtained: r.Obtained, Rate: r.Rate()}
}

func (h *handlers) toApproval(e approval.Entry) api.Approval {
	name := approval.LabelOf(e.Code)
	out := api.Approval{
		Item: string(e.Code), NameZH: name.ZH, NameEN: name.EN, Status: string(e.Status),
		StatusZH: labelFor(approval.Statuses, string(e.Status)).ZH, StartPermit: e.StartPermit, Reason: e.Reason,
		AppliedOn: dateString(e.AppliedOn), ExpectedOn: dateString(e.ExpectedOn), ObtainedOn: dateString(e.ObtainedOn),
		ApprovalNo: e.ApprovalNo, Issuer: e.Issuer, Note: e.Note, Overdue: e.Overdue(calendar.Today(h.now())),
		Version: e.Version, UpdatedBy: e.UpdatedBy,
	}
	if e.EnvLevel != "" {
		l := string(e.EnvLevel)
		out.EnvLevel = &l
	}
	if e.Version > 0 {
		s := timestamp(e.UpdatedAt)
		out.UpdatedAt = &s
	}
	return out
}

// listApprovals answers a project's approvals.
//
//	@Summary		A project's approvals (前期手续)
//	@Description	The items the project needs, derived from its facts (docs/approvals.md): 审批, 核准 or 备案 by its investment and category, land, forest and energy reviews by its needs, the environmental assessment, soil and water, social stability, the planning permits, the 开工 permit item of its works kind (start_permit) and, for energy projects, grid connection. An item never written reads as not_started, version 0. readiness is obtained ÷ needed, not_needed counted in neither.
//	@ID				listApprovals
//	@Tags			approvals
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"project ID"	format(uuid)
//	@Success		200	{object}	api.ApprovalList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/projects/{id}/approvals [get]
func (h *handlers) listApprovals(c *gin.Context, p identity.Principal) error {
	l, err := h.approvals.Checklist(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	out := api.ApprovalList{ProjectID: l.ProjectID, StartPermit: string(l.StartPermit), Readiness: toReadiness(l.Readiness),
		Items: make([]api.Approval, len(l.Items))}
	for i, e := range l.Items {
		out.Items[i] = h.toApproval(e)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// putApproval sets an item of a project's approvals.
//
//	@Summary		Set an item of a project's approvals
//	@Description	Sets every field of the item (docs/approvals.md): status not_started, in_progress, obtained (with obtained_on, not in the future) or not_needed (with a reason); applied_on not in the future, expected_on (past it and not obtained, the project's health turns yellow: approval_overdue), the approval's number and issuer, env_level on environmental_assessment. The first write answers 201; later ones need If-Match with the item's ETag (428 without, 412 when stale) and answer 200. An item the catalogue does not know, or one the project's checklist does not list, is 404. Whoever may change the project may write its approvals.
//	@ID				putApproval
//	@Tags			approvals
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string				true	"project ID"	format(uuid)
//	@Param			item		path		string				true	"the item's code"
//	@Param			If-Match	header		string				false	"ETag of the item being changed; required once it was written"
//	@Param			approval	body		api.ApprovalWrite	true	"the item"
//	@Success		200			{object}	api.Approval
//	@Success		201			{object}	api.Approval
//	@Header			200			{string}	ETag	"version of the item"
//	@Header			201			{string}	ETag	"version of the item"
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
//	@Router			/api/v1/projects/{id}/approvals/{item} [put]
func (h *handlers) putApproval(c *gin.Context, p identity.Principal) error {
	var in api.ApprovalWrite
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	var d dates
	f := approval.Fields{Status: approval.Status(in.Status), Reason: in.Reason, AppliedOn: d.parse("applied_on", in.AppliedOn),
		ExpectedOn: d.parse("expected_on", in.ExpectedOn), ObtainedOn: d.parse("obtained_on", in.ObtainedOn),
		ApprovalNo: in.ApprovalNo, Issuer: in.Issuer, Note: in.Note, EnvLevel: approval.EnvLevel(in.EnvLevel)}
	if err := apperr.Fields(d.errs); err != nil {
		return err
	}
	e, created, err := h.approvals.Put(c.Request.Context(), p, c.Param("id"), approval.Code(c.Param("item")), optionalIfMatch(c), f)
	if err != nil {
		return err
	}
	putAnswer(c, created, e.Version, h.toApproval(e))
	return nil
}

func (h *handlers) toProjectReadiness(r approval.ProjectReadiness) api.ProjectApprovalReadiness {
	out := api.ProjectApprovalReadiness{ProjectID: r.ProjectID, Name: r.Name, Department: r.Department, Stage: string(r.Stage),
		StartPermit: string(r.StartPermit), Readiness: toReadiness(r.Readiness), Missing: make([]api.Label, len(r.Missing))}
	for i, c := range r.Missing {
		l := approval.LabelOf(c)
		out.Missing[i] = api.Label{Value: l.Value, ZH: l.ZH, EN: l.EN}
	}
	return out
}

// statsApprovals answers the readiness of approvals by department.
//
//	@Summary		Approval readiness by department
//	@Description	Of the live projects still to start (planning to landed) that the caller may read, the approval items needed and obtained by department (docs/approvals.md, "Statistics"); readiness is obtained ÷ needed, not_needed counted in neither. With department, that department's projects too, by name, each with the items it still lacks. A department's user sees its own.
//	@ID				statsApprovals
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			department	query		string	false	"one department, with its projects"
//	@Success		200			{object}	api.ApprovalReadiness
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/stats/approvals [get]
func (h *handlers) statsApprovals(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c, "department"); err != nil {
		return err
	}
	dept := c.Query("department")
	if dept != "" && !identity.ValidDepartmentCode.MatchString(dept) {
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "invalid_format", Param: identity.ValidDepartmentCode.String()}})
	}
	r, err := h.approvals.Readiness(c.Request.Context(), p, dept)
	if err != nil {
		return err
	}
	out := api.ApprovalReadiness{Total: toReadiness(r.Total), Departments: make([]api.DepartmentApprovalReadiness, len(r.Departments))}
	for i, d := range r.Departments {
		out.Departments[i] = api.DepartmentApprovalReadiness{Department: d.Department, Projects: d.Projects, Readiness: toReadiness(d.Readiness)}
	}
	if r.Projects != nil {
		out.Projects = make([]api.ProjectApprovalReadiness, len(r.Projects))
		for i, pr := range r.Projects {
			out.Projects[i] = h.toProjectReadiness(pr)
		}
	}
	ok(c, http.StatusOK, out)
	return nil
}

// statsPendingStarts answers the plan entries to start in a quarter that
// still lack approvals.
//
//	@Summary		Entries to start this quarter that lack approvals
//	@Description	The entries of the year's plan (as in force today) whose planned start month falls in the quarter, whose projects have not started and still lack a needed approval item: the list a dispatch meeting chases (docs/approvals.md, "Statistics"). Each with its project, departments, planned month, readiness and missing items, the earliest planned first; a year without a plan has none. A department's user sees the entries it may read in the plan.
//	@ID				statsPendingStarts
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"the plan's year; default the current one"	minimum(2000)	maximum(2100)
//	@Param			quarter	query		integer	false	"1–4; default the current one"				minimum(1)		maximum(4)
//	@Success		200		{object}	api.PendingStartList
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/approvals/pending-starts [get]
func (h *handlers) statsPendingStarts(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c, "year", "quarter"); err != nil {
		return err
	}
	today := calendar.Today(h.now())
	var ck project.Check
	year := intParam(&ck, "year", c.Query("year"), 2000, 2100)
	quarter := intParam(&ck, "quarter", c.Query("quarter"), 1, 4)
	if err := ck.Err(); err != nil {
		return err
	}
	y, q := today.Year(), (int(today.Month())-1)/3+1
	if year != nil {
		y = int(*year)
	}
	if quarter != nil {
		q = int(*quarter)
	}
	items, err := h.approvals.PendingStarts(c.Request.Context(), p, y, q)
	if err != nil {
		return err
	}
	out := api.PendingStartList{Year: y, Quarter: q, Items: make([]api.PendingStart, len(items))}
	for i, it := range items {
		out.Items[i] = api.PendingStart{ProjectApprovalReadiness: h.toProjectReadiness(it.ProjectReadiness),
			ResponsibleDepartment: it.ResponsibleDepartment, PlannedStartMonth: it.PlannedStartMonth.String(),
			StartPermitMissing: it.StartPermitMissing}
	}
	ok(c, http.StatusOK, out)
	return nil
}
