package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestDepartments administers departments (docs/api.md): the administrator
// adds and renames them, codes are checked and stay, others may only read.
func TestDepartments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.run(t, []tc{
			{name: "create", principal: asAdmin, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "culture", Name: "文化局", NameEN: "Culture Bureau"}, wantStatus: 201,
				check: func(t *testing.T, res response) {
					assert.Equal(t, `"1"`, res.header.Get("ETag"))
					assert.Equal(t, "/api/v1/departments/culture", res.header.Get("Location"))
				}},
			{name: "a taken code", principal: asAdmin, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "energy", Name: "能源局"}, wantStatus: 409, wantCode: "conflict", wantFields: []string{"code:not_unique"}},
			{name: "a code that is no English word", principal: asAdmin, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "能源", Name: "能源局"}, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"code:invalid_format"}},
			{name: "no name", principal: asAdmin, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "nameless"}, wantStatus: 400, wantCode: "validation_failed", wantFields: []string{"name:required"}},
			{name: "the bureau may not", principal: asBureau, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "other", Name: "其他"}, wantStatus: 403, wantCode: "forbidden"},
			{name: "rename", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/culture",
				headers: map[string]string{"If-Match": `"1"`}, body: api.DepartmentPatch{Name: ptr("文化和体育局")}, wantStatus: 200,
				check: func(t *testing.T, res response) {
					var d api.Department
					res.decode(t, &d)
					assert.Equal(t, api.Department{Code: "culture", Name: "文化和体育局", NameEN: "Culture Bureau", Version: 2}, d)
				}},
			{name: "stale If-Match", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/culture",
				headers: map[string]string{"If-Match": `"1"`}, body: api.DepartmentPatch{Name: ptr("x")}, wantStatus: 412, wantCode: "version_conflict"},
			{name: "no If-Match", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/culture",
				body: api.DepartmentPatch{Name: ptr("x")}, invalid: true, wantStatus: 428, wantCode: "precondition_required"},
			{name: "unknown department", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/nosuch",
				headers: map[string]string{"If-Match": `"1"`}, body: api.DepartmentPatch{Name: ptr("x")}, wantStatus: 404, wantCode: "not_found"},
			{name: "a code with a NUL", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/a%00",
				headers: map[string]string{"If-Match": `"1"`}, body: api.DepartmentPatch{Name: ptr("x")}, wantStatus: 404, wantCode: "not_found"},
			{name: "empty name", principal: asAdmin, method: http.MethodPatch, path: "/api/v1/departments/culture",
				headers: map[string]string{"If-Match": `"2"`}, body: api.DepartmentPatch{Name: ptr(" ")}, wantStatus: 400, wantCode: "validation_failed"},
		})
		// The new department is usable at once.
		p := e.create(t, asBureau, map[string]any{"name": "县博物馆改造项目", "category": "social", "department": "culture"})
		assert.Equal(t, "culture", p.Department)
		n := 0
		for _, en := range e.auditList(t, asAdmin, url.Values{"resource_type": {"department"}}) {
			require.Equal(t, "culture", en.ResourceID)
			n++
		}
		assert.Equal(t, 2, n, "a create and a rename are audited")
	})
}
