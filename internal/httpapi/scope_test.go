package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestRolesAndScope holds the role table of docs/api.md: who may write, and that a
// department sees only its own projects, another department's being as
// absent as a project that does not exist.
func TestRolesAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		energy := e.create(t, asBureau, projectBody("energy wind"))
		industry := e.create(t, asBureau, with(projectBody("industry zinc"), "department", "industry", "category", "materials"))
		var own api.Project
		t.Run("a department editor's project is its department's", func(t *testing.T) {
			own = e.create(t, asEnergyEditor, with(projectBody("energy solar"), "department", nil, "category", "solar_pv"))
			assert.Equal(t, "energy", own.Department)
			named := e.create(t, asEnergyEditor, with(projectBody("energy storage"), "category", "energy_storage"))
			assert.Equal(t, "energy", named.Department)
		})
		require.NotEmpty(t, own.ID)

		energyPath, industryPath := "/api/v1/projects/"+energy.ID, "/api/v1/projects/"+industry.ID
		unknownPath := "/api/v1/projects/" + uuid.NewString()
		ifMatch1 := map[string]string{"If-Match": `"1"`}
		change := map[string]any{"leader": "someone"}
		forbidden := func(name, as, method, path string, body any) tc {
			return tc{name: name, principal: as, method: method, path: path, body: body, headers: ifMatch1,
				wantStatus: http.StatusForbidden, wantCode: "forbidden"}
		}
		notFound := func(name, as, method, path string, body any) tc {
			return tc{name: name, principal: as, method: method, path: path, body: body, headers: ifMatch1,
				wantStatus: http.StatusNotFound, wantCode: "not_found"}
		}
		e.run(t, []tc{
			forbidden("leader cannot create", asLeader, http.MethodPost, "/api/v1/projects", projectBody("x")),
			forbidden("viewer cannot create", asEnergyViewer, http.MethodPost, "/api/v1/projects", with(projectBody("x"), "department", nil)),
			forbidden("leader cannot patch", asLeader, http.MethodPatch, energyPath, change),
			forbidden("viewer cannot patch its own department's", asEnergyViewer, http.MethodPatch, energyPath, change),
			forbidden("leader cannot delete", asLeader, http.MethodDelete, energyPath, nil),
			forbidden("viewer cannot delete", asEnergyViewer, http.MethodDelete, energyPath, nil),
			forbidden("editor cannot delete its own department's", asEnergyEditor, http.MethodDelete, energyPath, nil),
			forbidden("editor cannot restore", asEnergyEditor, http.MethodPost, energyPath+"/restore", nil),
			forbidden("leader cannot restore", asLeader, http.MethodPost, energyPath+"/restore", nil),
			{name: "an editor lists its own department's archive only", principal: asEnergyEditor, method: http.MethodGet,
				path: "/api/v1/projects?archived=true", wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					var page api.ProjectList
					res.decode(t, &page)
					for _, p := range page.Items {
						assert.Equal(t, "energy", p.Department)
					}
				}},
			// Delete is refused by role before any lookup, so the answer is
			// the same for a project of another department, one of its own
			// and one that does not exist: nothing leaks.
			forbidden("editor cannot delete another department's", asEnergyEditor, http.MethodDelete, industryPath, nil),
			forbidden("editor cannot delete what does not exist", asEnergyEditor, http.MethodDelete, unknownPath, nil),

			{name: "editor cannot create for another department", principal: asEnergyEditor, method: http.MethodPost, path: "/api/v1/projects",
				body: with(projectBody("x"), "department", "industry"), wantStatus: http.StatusBadRequest, wantCode: "validation_failed",
				wantFields: []string{"department:not_allowed"}},
			{name: "editor cannot move a project to another department", principal: asEnergyEditor, method: http.MethodPatch, path: energyPath,
				headers: ifMatch1, body: map[string]any{"department": "industry"},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"department:not_allowed"}},

			notFound("editor cannot read another department's", asEnergyEditor, http.MethodGet, industryPath, nil),
			notFound("editor cannot read another department's history", asEnergyEditor, http.MethodGet, industryPath+"/transitions", nil),
			notFound("editor cannot patch another department's", asEnergyEditor, http.MethodPatch, industryPath, change),
			notFound("viewer cannot read another department's", asEnergyViewer, http.MethodGet, industryPath, nil),
			notFound("the other department's editor cannot read energy's", asIndustryEditor, http.MethodGet, energyPath, nil),
			notFound("the other department's editor cannot patch energy's", asIndustryEditor, http.MethodPatch, energyPath, change),

			// Department systems are bounded by their token's scopes too.
			forbidden("a read-only client cannot create", asEnergyClientRead, http.MethodPost, "/api/v1/projects", with(projectBody("x"), "department", nil)),
			forbidden("a read-only client cannot patch", asEnergyClientRead, http.MethodPatch, energyPath, change),
			forbidden("a client without projects:read cannot list", asEnergyClientNone, http.MethodGet, "/api/v1/projects", nil),
			forbidden("a client without projects:read cannot read", asEnergyClientNone, http.MethodGet, energyPath, nil),
			forbidden("a writing client cannot delete", asEnergyClientWrite, http.MethodDelete, energyPath, nil),
			notFound("a client cannot read another department's", asEnergyClientRead, http.MethodGet, industryPath, nil),
			{name: "a read-only client reads its department's", principal: asEnergyClientRead, method: http.MethodGet, path: energyPath, wantStatus: http.StatusOK},
			{name: "viewer reads its department's", principal: asEnergyViewer, method: http.MethodGet, path: energyPath, wantStatus: http.StatusOK},
			{name: "viewer reads its department's history", principal: asEnergyViewer, method: http.MethodGet, path: energyPath + "/transitions", wantStatus: http.StatusOK},
			{name: "leader reads every department's", principal: asLeader, method: http.MethodGet, path: industryPath, wantStatus: http.StatusOK},
		})

		t.Run("denials changed nothing", func(t *testing.T) {
			for _, p := range []api.Project{energy, industry} {
				got, etag := e.get(t, asBureau, p.ID)
				assert.Equal(t, p, got)
				assert.Equal(t, `"1"`, etag)
			}
			assert.Equal(t, int64(4), e.count(t, asBureau))
		})

		t.Run("lists and counts are scoped", func(t *testing.T) {
			for _, c := range []struct {
				as, query string
				want      []string
			}{
				{asEnergyEditor, "", []string{"energy solar", "energy storage", "energy wind"}},
				{asEnergyViewer, "", []string{"energy solar", "energy storage", "energy wind"}},
				{asEnergyClientRead, "", []string{"energy solar", "energy storage", "energy wind"}},
				{asEnergyEditor, "department=industry", nil},
				{asEnergyEditor, "department=energy,industry", []string{"energy solar", "energy storage", "energy wind"}},
				{asEnergyEditor, "q=zinc", nil},
				{asIndustryEditor, "", []string{"industry zinc"}},
				{asLeader, "", []string{"energy solar", "energy storage", "energy wind", "industry zinc"}},
				{asBureau, "department=industry", []string{"industry zinc"}},
			} {
				l := e.list(t, c.as, c.query+"&sort=name&count=true")
				assert.Equal(t, c.want, nilIfEmpty(names(l.Items)), "%s ?%s", c.as, c.query)
				if assert.NotNil(t, l.Total) {
					assert.Equal(t, int64(len(c.want)), *l.Total, "%s ?%s total", c.as, c.query)
				}
			}
		})

		t.Run("editor writes its department's projects", func(t *testing.T) {
			res := e.do(t, request{principal: asEnergyEditor, method: http.MethodPatch, path: energyPath, headers: ifMatch1,
				body: map[string]any{"leader": "能源局长", "department": "energy"}})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, "能源局长", res.project(t).Leader)
		})

		t.Run("a writing client creates for its department", func(t *testing.T) {
			p := e.create(t, asEnergyClientWrite, with(projectBody("client wind"), "department", nil))
			assert.Equal(t, "energy", p.Department)
			res := e.do(t, request{principal: asEnergyClientWrite, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
				headers: ifMatch1, body: map[string]any{"leader": "x"}})
			assert.Equal(t, http.StatusOK, res.status, "%s", res)
		})

		t.Run("bureau and admin may do everything", func(t *testing.T) {
			for _, as := range []string{asBureau, asAdmin} {
				p := e.create(t, as, with(projectBody("everything "+as), "department", "industry", "category", "materials"))
				res := e.do(t, request{principal: as, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID, headers: ifMatch1,
					body: map[string]any{"department": "tourism", "category": "tourism"}})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
				assert.Equal(t, "tourism", res.project(t).Department)
				res = e.do(t, request{principal: as, method: http.MethodDelete, path: "/api/v1/projects/" + p.ID,
					headers: map[string]string{"If-Match": `"2"`}})
				require.Equal(t, http.StatusNoContent, res.status, "%s", res)
				res = e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/projects?archived=true"})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
				res = e.do(t, request{principal: as, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/restore"})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
				res = e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/transitions"})
				require.Equal(t, http.StatusOK, res.status, "%s", res)
			}
		})
	})
}
