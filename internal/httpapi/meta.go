package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

var roleLabels = []project.Label{
	{Value: "admin", ZH: "系统管理员", EN: "Administrator"},
	{Value: "bureau", ZH: "发改局工作人员", EN: "Bureau staff"},
	{Value: "leader", ZH: "县领导", EN: "County leader"},
	{Value: "dept_editor", ZH: "部门编辑", EN: "Department editor"},
	{Value: "dept_viewer", ZH: "部门查看", EN: "Department viewer"},
}

func (h *handlers) departmentList(c *gin.Context, p identity.Principal) ([]api.Department, error) {
	ds, err := h.departments.List(c.Request.Context(), p)
	if err != nil {
		return nil, err
	}
	out := make([]api.Department, len(ds))
	for i, d := range ds {
		out[i] = toDepartmentResponse(d)
	}
	return out, nil
}

func categoryStages() []api.CategoryStages {
	cs := project.CategoryStages()
	out := make([]api.CategoryStages, len(cs))
	for i, c := range cs {
		out[i] = api.CategoryStages{Category: string(c), Stages: toLabels(project.StageLabels(c))}
	}
	return out
}

// meta lists every enumeration with its labels.
//
//	@Summary		Enumerations and labels
//	@Description	Every enum of the API with Chinese and English labels, and the departments, for building forms and reading exports.
//	@ID				meta
//	@Tags			meta
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.Meta
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/meta [get]
func (h *handlers) meta(c *gin.Context, p identity.Principal) error {
	ds, err := h.departmentList(c, p)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, api.Meta{
		Stages: toLabels(project.Stages), CategoryStages: categoryStages(), Categories: toLabels(project.Categories),
		BuildTypes: toLabels(project.BuildTypes), KeyLevels: toLabels(project.KeyLevels),
		FundingSources: toLabels(project.FundingSources), Healths: toLabels(project.Healths),
		HealthRules: toLabels(project.HealthRuleLabels), EvidenceKinds: toLabels(project.EvidenceKinds),
		IssueKinds: toLabels(issue.Kinds), IssueStatuses: toLabels(issue.Statuses),
		ApprovalItems: toLabels(approval.Catalogue), ApprovalStatuses: toLabels(approval.Statuses), EnvLevels: toLabels(approval.EnvLevels),
		InvestmentTypes: toLabels(project.InvestmentTypes), ConstructionNatures: toLabels(project.ConstructionNatures),
		WorksKinds: toLabels(project.WorksKinds), InvestorOrigins: toLabels(project.Origins),
		Roles: toLabels(roleLabels), IndicatorCodes: indicatorCodes(), Departments: ds,
	})
	return nil
}

// listDepartments lists the county's departments.
//
//	@Summary		List departments
//	@Description	Every department with its stable code.
//	@ID				listDepartments
//	@Tags			meta
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.DepartmentList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/departments [get]
func (h *handlers) listDepartments(c *gin.Context, p identity.Principal) error {
	ds, err := h.departmentList(c, p)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, api.DepartmentList{Items: ds})
	return nil
}

func toDepartmentResponse(d department.Department) api.Department {
	return api.Department{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Version: d.Version}
}

// createDepartment adds a department.
//
//	@Summary		Create a department
//	@Description	Adds a department with a stable code (admin). With an Idempotency-Key, a repeated request replays the first answer.
//	@ID				createDepartment
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			Idempotency-Key	header		string					false	"unique key of this request"
//	@Param			department		body		api.DepartmentCreate	true	"the department"
//	@Success		201				{object}	api.Department
//	@Header			201				{string}	Location	"URL of the departments"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/departments [post]
func (h *handlers) createDepartment(c *gin.Context, p identity.Principal) error {
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.DepartmentCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		d, err := h.departments.Create(ctx, p, department.Department{Code: in.Code, Name: in.Name, NameEN: in.NameEN})
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/departments/" + d.Code, etag: etag(d.Version), body: toDepartmentResponse(d)}, nil
	})
}

// patchDepartment renames a department.
//
//	@Summary		Update a department
//	@Description	Changes a department's names (admin) with a JSON merge patch (RFC 7396): a member replaces the name and absent members stay; null clears name_en, and null on name is 400 (required). The code never changes. If-Match with the ETag is required.
//	@ID				patchDepartment
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			code		path		string				true	"department code"
//	@Param			If-Match	header		string				true	"ETag of the version being changed"
//	@Param			patch		body		api.DepartmentPatch	true	"merge patch; every member optional, null clears name_en"
//	@Success		200			{object}	api.Department
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/departments/{code} [patch]
func (h *handlers) patchDepartment(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, departmentPatch)
	if err != nil {
		return err
	}
	var in api.DepartmentPatch
	if err := patch.decode(&in); err != nil {
		return err
	}
	d, err := h.departments.Update(c.Request.Context(), p, c.Param("code"), patch.version,
		department.Change{Name: in.Name, NameEN: in.NameEN})
	if err != nil {
		return err
	}
	c.Header("ETag", etag(d.Version))
	ok(c, http.StatusOK, toDepartmentResponse(d))
	return nil
}
