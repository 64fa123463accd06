package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestHostileInput sends bytes a database refuses (invalid UTF-8, NUL) and
// other edge cases through every kind of input: none may answer 500, and
// each gets the error its endpoint speaks.
func TestHostileInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, map[string]any{"name": "草石木厂项目", "category": "tourism", "department": "tourism"})
		_, tag := e.get(t, asBureau, p.ID)
		e.run(t, []tc{
			{name: "invalid UTF-8 in a filter", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?township=%FF",
				invalid: true, wantStatus: 400, wantCode: "validation_failed"},
			{name: "NUL in a search", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?q=a%00b",
				invalid: true, wantStatus: 400, wantCode: "validation_failed"},
			{name: "invalid UTF-8 in an audit filter", principal: asBureau, method: http.MethodGet, path: "/api/v1/audit?actor=%C3",
				invalid: true, wantStatus: 400, wantCode: "validation_failed"},
			{name: "NUL in an audit filter", principal: asBureau, method: http.MethodGet, path: "/api/v1/audit?resource_id=a%00",
				invalid: true, wantStatus: 400, wantCode: "validation_failed"},
			{name: "NUL in a username", method: http.MethodPost, path: "/api/v1/auth/login",
				body: `{"username":"a\u0000b","password":"whatever-it-is"}`, wantStatus: 401, wantCode: "unauthorized"},
			{name: "a username of a megabyte's kind", method: http.MethodPost, path: "/api/v1/auth/login",
				body: api.LoginRequest{Username: string(make([]byte, 100)), Password: "x"}, wantStatus: 401, wantCode: "unauthorized"},
			{name: "NUL in a client name", principal: asAdmin, method: http.MethodPost, path: "/api/v1/clients",
				body: `{"name":"a\u0000","department":"energy","scopes":["projects:read"]}`, wantStatus: 400, wantCode: "validation_failed"},
			{name: "a fraction of a yuan by merge patch", principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
				headers: map[string]string{"If-Match": tag}, body: `{"total_investment_yuan":1.0e2}`, invalid: true,
				wantStatus: 400, wantCode: "validation_failed"},
		})
		for _, form := range []string{"grant_type=client_credentials&client_id=%FF&client_secret=x", "grant_type=client_credentials&client_id=a%00&client_secret=x"} {
			res := e.oauthToken(t, oauthRequest{contentType: "application/x-www-form-urlencoded", raw: form, invalid: true})
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s: %s", form, res)
		}
	})
}

// TestNothingChangedNothingWritten holds that a PATCH which changes nothing
// makes no new version and no audit entry.
func TestNothingChangedNothingWritten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, map[string]any{"name": "本色黄龙项目", "category": "tourism", "department": "tourism", "leader": "副县长"})
		before := len(e.auditList(t, asBureau, nil))
		for _, body := range []string{`{}`, `{"leader":"副县长"}`, `{"name":"本色黄龙项目"}`} {
			res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
				headers: map[string]string{"If-Match": `"1"`}, body: body})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, 1, res.project(t).Version, body)
		}
		assert.Len(t, e.auditList(t, asBureau, nil), before)
	})
}

// TestDepartmentOnlyForDepartmentRoles: a bureau user carries no department,
// so its tokens carry no dept claim.
func TestDepartmentOnlyForDepartmentRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		res := e.do(t, request{principal: asAdmin, method: http.MethodPost, path: "/api/v1/users",
			body: api.UserCreate{Username: "zhou.bureau", Password: "a long enough password", Role: "bureau", Department: "energy"}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var u api.User
		res.decode(t, &u)
		assert.Empty(t, u.Department)
	})
}
