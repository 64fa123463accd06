package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/project"
)

var roleLabels = []project.Label{
	{Value: "admin", ZH: "系统管理员", EN: "Administrator"},
	{Value: "bureau", ZH: "发改局工作人员", EN: "Bureau staff"},
	{Value: "leader", ZH: "县领导", EN: "County leader"},
	{Value: "dept_editor", ZH: "部门编辑", EN: "Department editor"},
	{Value: "dept_viewer", ZH: "部门查看", EN: "Department viewer"},
}

func (h *handlers) departmentList(c *gin.Context) ([]api.Department, bool) {
	ds, err := h.projects.Departments(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return nil, false
	}
	out := make([]api.Department, len(ds))
	for i, d := range ds {
		out[i] = api.Department{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Version: d.Version}
	}
	return out, true
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
//	@Failure		401	{object}	api.Problem
//	@Router			/api/v1/meta [get]
func (h *handlers) meta(c *gin.Context) {
	ds, found := h.departmentList(c)
	if !found {
		return
	}
	ok(c, http.StatusOK, api.Meta{
		Stages: toLabels(project.Stages), Categories: toLabels(project.Categories),
		BuildTypes: toLabels(project.BuildTypes), KeyLevels: toLabels(project.KeyLevels),
		FundingSources: toLabels(project.FundingSources), Healths: toLabels(project.Healths),
		Roles: toLabels(roleLabels), Departments: ds,
	})
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
//	@Failure		401	{object}	api.Problem
//	@Router			/api/v1/departments [get]
func (h *handlers) listDepartments(c *gin.Context) {
	ds, found := h.departmentList(c)
	if !found {
		return
	}
	ok(c, http.StatusOK, api.DepartmentList{Items: ds})
}
