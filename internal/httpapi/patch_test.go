package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// mergePatchType is the media type of RFC 7396.
const mergePatchType = "application/merge-patch+json"

// TestMergePatchOfDepartmentsUsersClients: departments, users and clients
// take a JSON merge patch as projects do (docs/api.md, "PATCH"): null
// clears a field that may be empty and is refused as required on one that
// must keep a value, the resource's other members are read-only, and
// If-Match is still required.
func TestMergePatchOfDepartmentsUsersClients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		patch := func(name, path, version string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asAdmin, method: http.MethodPatch, path: path, body: body,
				headers: map[string]string{"If-Match": version, "Content-Type": mergePatchType}, wantStatus: status, wantCode: code, wantFields: fields}
		}
		outsideSpec := func(c tc) tc {
			c.invalid = true
			return c
		}
		decodeAs := func(v any, check func()) func(t *testing.T, res response) {
			return func(t *testing.T, res response) {
				res.decode(t, v)
				check()
			}
		}

		t.Run("departments", func(t *testing.T) {
			const path = "/api/v1/departments/culture"
			res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: "/api/v1/departments",
				body: api.DepartmentCreate{Code: "culture", Name: "文化局", NameEN: "Culture Bureau"}})
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
			var d api.Department
			e.run(t, []tc{
				patch("a merge patch renames", path, `"1"`, map[string]any{"name": "文化和旅游局"}, http.StatusOK, "").withCheck(decodeAs(&d, func() {
					assert.Equal(t, api.Department{Code: "culture", Name: "文化和旅游局", NameEN: "Culture Bureau", Version: 2}, d)
				})),
				patch("null clears the English name", path, `"2"`, map[string]any{"name_en": nil}, http.StatusOK, "").withCheck(decodeAs(&d, func() {
					assert.Equal(t, api.Department{Code: "culture", Name: "文化和旅游局", NameEN: "", Version: 3}, d)
				})),
				outsideSpec(patch("null on the name is refused", path, `"3"`, map[string]any{"name": nil}, http.StatusBadRequest,
					"validation_failed", "name:required")),
				patch("the code is read-only", path, `"3"`, map[string]any{"code": "arts"}, http.StatusBadRequest, "validation_failed", "code:read_only"),
				patch("an unknown member", path, `"3"`, map[string]any{"nickname": "x"}, http.StatusBadRequest, "unknown_field", "nickname:unknown_field"),
				outsideSpec(patch("If-Match is still required", path, "", map[string]any{"name": "x"}, http.StatusPreconditionRequired, "precondition_required")),
				{name: "nothing refused was written", principal: asAdmin, method: http.MethodGet, path: "/api/v1/departments", wantStatus: http.StatusOK,
					check: func(t *testing.T, res response) {
						var l api.DepartmentList
						res.decode(t, &l)
						assert.Contains(t, l.Items, api.Department{Code: "culture", Name: "文化和旅游局", NameEN: "", Version: 3})
					}},
			})
		})

		t.Run("users", func(t *testing.T) {
			u := e.newUser(t, "zhao.energy", "dept_editor", "energy")
			path := usersPath + "/" + u.ID
			e.run(t, []tc{
				outsideSpec(patch("null on role, state or password is refused", path, `"1"`,
					map[string]any{"role": nil, "disabled": nil, "password": nil}, http.StatusBadRequest,
					"validation_failed", "role:required", "disabled:required", "password:required")),
				patch("null on a department role's department is refused", path, `"1"`, map[string]any{"department": nil},
					http.StatusBadRequest, "validation_failed", "department:required"),
				patch("the username is read-only", path, `"1"`, map[string]any{"username": "zhao"}, http.StatusBadRequest,
					"validation_failed", "username:read_only"),
				patch("a role without a department, and null clears it", path, `"1"`, map[string]any{"role": "bureau", "department": nil},
					http.StatusOK, "").withCheck(decodeAs(&u, func() {
					assert.Equal(t, "bureau", u.Role)
					assert.Empty(t, u.Department)
					assert.Equal(t, 2, u.Version)
				})),
				patch("a plain JSON body is a merge patch too", path, `"2"`, map[string]any{"role": "dept_viewer", "department": "energy"},
					http.StatusOK, "").withHeaders("Content-Type", "application/json").withCheck(decodeAs(&u, func() {
					assert.Equal(t, "dept_viewer", u.Role)
					assert.Equal(t, "energy", u.Department)
					assert.Equal(t, 3, u.Version)
				})),
			})
		})

		t.Run("clients", func(t *testing.T) {
			res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: clientsPath,
				body: api.ClientCreate{Name: "能源局项目系统", Department: "energy", Scopes: []string{identity.ScopeProjectsRead}}})
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
			var cl api.Client
			res.decode(t, &cl)
			id, clientID, secret := cl.ID, cl.ClientID, cl.ClientSecret
			path := clientsPath + "/" + id
			e.run(t, []tc{
				outsideSpec(patch("null on the state is refused", path, `"1"`, map[string]any{"disabled": nil}, http.StatusBadRequest,
					"validation_failed", "disabled:required")),
				patch("the name is read-only", path, `"1"`, map[string]any{"name": "x", "client_id": "y"}, http.StatusBadRequest,
					"validation_failed", "name:read_only", "client_id:read_only"),
				patch("null clears the scopes", path, `"1"`, map[string]any{"scopes": nil}, http.StatusOK, "").withCheck(decodeAs(&cl, func() {
					assert.Equal(t, []string{}, cl.Scopes)
					assert.False(t, cl.Disabled)
					assert.Equal(t, 2, cl.Version)
				})),
			})
			res = e.oauthToken(t, oauthRequest{form: clientForm(clientID, secret, identity.ScopeProjectsRead)})
			assert.Equal(t, http.StatusBadRequest, res.status, "a scope cleared can no longer be asked for: %s", res)
			assert.Equal(t, "invalid_scope", oauthError(t, res))
		})
	})
}

// withHeaders returns the row with the headers set, as name, value pairs.
func (c tc) withHeaders(kv ...string) tc {
	h := map[string]string{}
	for k, v := range c.headers {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	c.headers = h
	return c
}
