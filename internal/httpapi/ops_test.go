package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// seededDepartments are some of the departments the first migration seeds.
var seededDepartments = []string{"drc", "energy", "industry", "tourism", "agriculture", "housing",
	"natural_resources", "transport", "ecology", "commerce", "devzone"}

func TestMetaAndDepartments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.run(t, []tc{
			{name: "meta", principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/meta", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var m api.Meta
					res.decode(t, &m)
					for name, ls := range map[string][]api.Label{
						"stages": m.Stages, "categories": m.Categories, "build_types": m.BuildTypes, "key_levels": m.KeyLevels,
						"funding_sources": m.FundingSources, "healths": m.Healths, "roles": m.Roles,
					} {
						require.NotEmpty(t, ls, name)
						for _, l := range ls {
							assert.NotEmpty(t, l.Value, name)
							assert.NotEmpty(t, l.ZH, "%s %s: Chinese label", name, l.Value)
							assert.NotEmpty(t, l.EN, "%s %s: English label", name, l.Value)
						}
					}
					assert.Len(t, m.Stages, 10)
					assert.Len(t, m.Categories, 23)
					assert.Equal(t, []string{"infrastructure", "urban", "social", "environment", "real_estate"}, categoryValues(m.CategoryStages))
					for _, cs := range m.CategoryStages {
						assert.Len(t, cs.Stages, 10, cs.Category)
					}
					assert.Len(t, m.IndicatorCodes, 10)
					assert.Equal(t, []string{"new", "continuing"}, labelValues(m.BuildTypes))
					assert.Equal(t, []string{"none", "county", "city", "province", "national"}, labelValues(m.KeyLevels))
					assert.Equal(t, []string{"admin", "bureau", "leader", "dept_editor", "dept_viewer"}, labelValues(m.Roles))
					assert.Len(t, m.FundingSources, 8)
					assert.Equal(t, []string{"green", "yellow", "red"}, labelValues(m.Healths))
					checkDepartments(t, m.Departments)
				}},
			{name: "departments", principal: asLeader, method: http.MethodGet, path: "/api/v1/departments", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var l api.DepartmentList
					res.decode(t, &l)
					checkDepartments(t, l.Items)
				}},
		})
	})
}

func categoryValues(cs []api.CategoryStages) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Category
	}
	return out
}

func labelValues(ls []api.Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Value
	}
	return out
}

func checkDepartments(t *testing.T, ds []api.Department) {
	t.Helper()
	var codes []string
	for _, d := range ds {
		codes = append(codes, d.Code)
		assert.NotEmpty(t, d.Name, d.Code)
		assert.NotEmpty(t, d.NameEN, d.Code)
		assert.Positive(t, d.Version, d.Code)
	}
	for _, want := range seededDepartments {
		assert.Contains(t, codes, want)
	}
	energy := ds[slices.IndexFunc(ds, func(d api.Department) bool { return d.Code == "energy" })]
	assert.Equal(t, "能源局", energy.Name)
	assert.Equal(t, "Energy Bureau", energy.NameEN)
}

func TestOperations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.run(t, []tc{
			{name: "healthz", method: http.MethodGet, path: "/healthz", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var h api.Health
					res.decode(t, &h)
					assert.Equal(t, "ok", h.Status)
				}},
			{name: "readyz", method: http.MethodGet, path: "/readyz", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var h api.Health
					res.decode(t, &h)
					assert.Equal(t, api.Health{Status: "ok", Checks: map[string]string{"database": "ok", "migrations": "ok"}}, h)
				}},
			{name: "metrics", method: http.MethodGet, path: "/metrics", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/plain"), res.header.Get("Content-Type"))
					body := string(res.body)
					assert.Contains(t, body, "# TYPE pipeline_http_requests_total counter")
					assert.Contains(t, body, `pipeline_http_requests_total{method="GET",route="/readyz",status="200"} 1`)
					assert.Contains(t, body, "pipeline_http_request_duration_seconds_bucket")
				}},
			{name: "swagger doc", method: http.MethodGet, path: "/swagger/doc.json", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var doc map[string]any
					require.NoError(t, json.Unmarshal(res.body, &doc))
					assert.Equal(t, "2.0", doc["swagger"])
					assert.Contains(t, doc["paths"], "/api/v1/projects")
				}},
			{name: "swagger ui", method: http.MethodGet, path: "/swagger/index.html", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.Contains(t, string(res.body), "swagger-ui")
				}},
			{name: "swagger ui's static file", method: http.MethodGet, path: "/swagger/swagger-ui.css", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/css"), res.header.Get("Content-Type"))
					assert.Contains(t, string(res.body), ".swagger-ui")
				}},
			{name: "swagger ui: a query naming another file", method: http.MethodGet, path: "/swagger/index.html?x=swagger-ui.css", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
					assert.Contains(t, string(res.body), "swagger-initializer.js")
				}},
			{name: "swagger ui: no such file", method: http.MethodGet, path: "/swagger/nothing.js", wantStatus: http.StatusNotFound},
			{name: "swagger ui: no listing", method: http.MethodGet, path: "/swagger/", wantStatus: http.StatusNotFound},
			{name: "jwks", method: http.MethodGet, path: "/.well-known/jwks.json", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var set api.JWKS
					res.decode(t, &set)
					require.Len(t, set.Keys, 1)
					k := set.Keys[0]
					assert.Equal(t, "OKP", k.Kty)
					assert.Equal(t, "Ed25519", k.Crv)
					assert.Equal(t, "EdDSA", k.Alg)
					assert.Equal(t, "sig", k.Use)
					assert.Equal(t, e.keys.Signing().ID, k.Kid)
					assert.Len(t, b64(t, k.X), 32)
					// The published key verifies the service's tokens.
					assert.True(t, verifyEdDSA(t, strings.TrimPrefix(e.authz[asBureau], "Bearer "), k))
				}},
		})
	})
}

// TestReadyzWithoutDatabase: a service whose database is gone is not ready,
// but stays alive.
func TestReadyzWithoutDatabase(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	require.NoError(t, e.db.Close())
	e.run(t, []tc{
		{name: "readyz", method: http.MethodGet, path: "/readyz", wantStatus: http.StatusServiceUnavailable,
			check: func(t *testing.T, res response) {
				var h api.Health
				res.decode(t, &h)
				assert.Equal(t, "unavailable", h.Status)
				assert.Equal(t, "unreachable", h.Checks["database"])
			}},
		{name: "healthz", method: http.MethodGet, path: "/healthz", wantStatus: http.StatusOK},
	})
}
