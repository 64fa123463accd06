package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// fileBody is a project of energy's with every field of the project file
// set; mods adjust it.
func fileBody(mods ...func(map[string]any)) map[string]any {
	b := map[string]any{
		"name": "上墨家沟50兆瓦风电项目", "category": "wind", "department": "energy",
		"investment_type": "enterprise", "in_development_zone": false, "construction_nature": "new_build",
		"works_kind": "power", "expected_annual_tax_yuan": 12000000, "expected_jobs": 40,
		"land_needed_mu": 120.5, "land_secured_mu": 130, "new_construction_land_mu": 80, "arable_land_mu": 10,
		"forest_land_mu": 5.5, "energy_needed_tce": 900, "energy_secured_tce": 900,
		"water_needed_10k_m3": 1.2, "water_secured_10k_m3": 1, "power_needed_kva": 630, "power_secured_kva": 400,
		"contract_amount_yuan": 350000000, "investor": "某新能源集团", "investor_origin": "jingjinji",
		"attracting_unit": "县投资促进中心", "funds_arrived": []map[string]any{{"year": 2021, "yuan": 5000000}, {"year": 2020, "yuan": 1000000}},
		"leaders":            []map[string]any{{"name": "王县长", "lead": true, "username": "leader"}, {"name": "李副县长", "lead": false}},
		"cooperating_units":  []string{"industry", "natural_resources"},
		"owner_contact_name": "赵经理", "owner_contact_phone": "13812345678", "task_force": "风电项目专班",
	}
	for _, m := range mods {
		m(b)
	}
	return b
}

func withField(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }

func TestProjectFileFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, fileBody())
		t.Run("every field comes back as written", func(t *testing.T) {
			assert.Equal(t, "王县长", p.Leader, "leader reads as the lead's name")
			assert.Equal(t, []api.Leader{{Name: "王县长", Lead: true, Username: "leader"}, {Name: "李副县长"}}, p.Leaders)
			assert.Equal(t, []api.FundsArrived{{Year: 2020, Yuan: 1000000}, {Year: 2021, Yuan: 5000000}}, p.FundsArrived, "by year")
			assert.Equal(t, []string{"industry", "natural_resources"}, p.CooperatingUnits)
			assert.Equal(t, ptr("jingjinji"), p.InvestorOrigin)
			assert.Equal(t, ptr(false), p.InDevelopmentZone)
			assert.Equal(t, ptr(5.5), p.ForestLandMu)
			assert.Equal(t, "13812345678", p.OwnerContactPhone)
			got, _ := e.get(t, asBureau, p.ID)
			assert.Equal(t, p, got)
		})
		path := "/api/v1/projects"
		bad := func(name string, body map[string]any, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPost, path: path, body: body, invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: fields}
		}
		e.run(t, []tc{
			bad("an unknown origin", fileBody(withField("investor_origin", "mars")), "investor_origin:invalid_value"),
			bad("two leads", fileBody(withField("leaders", []map[string]any{{"name": "甲", "lead": true}, {"name": "乙", "lead": true}})),
				"leaders:one_lead"),
			bad("no lead", fileBody(withField("leaders", []map[string]any{{"name": "甲"}})), "leaders:one_lead"),
			bad("leader other than the lead", fileBody(withField("leader", "丙")), "leader:not_lead"),
			bad("an account that is no leader's", fileBody(withField("leaders", []map[string]any{{"name": "甲", "lead": true, "username": "bureau"}})),
				"leaders[0].username:unknown"),
			bad("the owner as a cooperating unit", fileBody(withField("cooperating_units", []string{"energy"})), "cooperating_units[0]:owner"),
			bad("a repeated cooperating unit", fileBody(withField("cooperating_units", []string{"water", "water"})), "cooperating_units[1]:not_unique"),
			bad("an unknown cooperating unit", fileBody(withField("cooperating_units", []string{"nowhere"})), "cooperating_units:unknown"),
			bad("forest land above the land needed", fileBody(withField("forest_land_mu", 500)), "forest_land_mu:exceeds"),
			bad("a negative factor", fileBody(withField("energy_needed_tce", -1)), "energy_needed_tce:out_of_range"),
			bad("funds arrived next year", fileBody(withField("funds_arrived", []map[string]any{{"year": 2022, "yuan": 1}})),
				"funds_arrived[0].year:in_future"),
			bad("funds arrived twice in a year", fileBody(withField("funds_arrived", []map[string]any{{"year": 2021, "yuan": 1}, {"year": 2021, "yuan": 2}})),
				"funds_arrived[1].year:not_unique"),
			bad("an unknown construction nature", fileBody(withField("construction_nature", "demolition")), "construction_nature:invalid_value"),
			{name: "a patch of leaders alone sets leader to the lead's name", principal: asBureau, method: http.MethodPatch,
				path: path + "/" + p.ID, headers: map[string]string{"If-Match": `"1"`},
				body:       map[string]any{"leaders": []map[string]any{{"name": "甲", "lead": false}, {"name": "乙", "lead": true}}},
				wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					assert.Equal(t, "乙", res.project(t).Leader)
				}},
			{name: "a patch of leader alone makes a one-person list", principal: asBureau, method: http.MethodPatch,
				path: path + "/" + p.ID, headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"leader": "丁"},
				wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					assert.Equal(t, []api.Leader{{Name: "丁", Lead: true}}, res.project(t).Leaders)
				}},
			{name: "null clears the lists and the enumerations", principal: asBureau, method: http.MethodPatch,
				path: path + "/" + p.ID, headers: map[string]string{"If-Match": `"3"`},
				body:       map[string]any{"cooperating_units": nil, "investor_origin": nil, "funds_arrived": nil},
				wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					got := res.project(t)
					assert.Empty(t, got.CooperatingUnits)
					assert.Empty(t, got.FundsArrived)
					assert.Nil(t, got.InvestorOrigin)
				}},
		})
	})
}

// TestCooperatingUnitReads: a cooperating unit's department reads the
// project, but its lists hold only its own projects and it changes none of
// the others'.
func TestCooperatingUnitReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, fileBody())
		other := e.create(t, asBureau, fileBody(withField("cooperating_units", []string{"water"}), withField("name", "国昶40兆瓦风电项目")))
		got, _ := e.get(t, asIndustryEditor, p.ID)
		assert.Equal(t, p.ID, got.ID)
		res := e.do(t, request{principal: asIndustryEditor, method: http.MethodGet, path: "/api/v1/projects/" + other.ID})
		assert.Equal(t, http.StatusNotFound, res.status, "%s", res)
		for _, it := range e.list(t, asIndustryEditor, "").Items {
			assert.NotEqual(t, p.ID, it.ID, "a cooperating project is not listed")
		}
		res = e.do(t, request{principal: asIndustryEditor, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
			headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"task_force": "x"}})
		assert.Equal(t, http.StatusNotFound, res.status, "a cooperating unit changes nothing: %s", res)
		related := e.do(t, request{principal: asIndustryEditor, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/related"})
		assert.Equal(t, http.StatusOK, related.status, "%s", related)
	})
}

// TestOwnerContactMasking: the owner's contact is shown to the bureau, the
// owning department and the leaders named by account, and masked for
// everyone else, in every answer that carries the project.
func TestOwnerContactMasking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		named := e.create(t, asBureau, fileBody())
		unnamed := e.create(t, asBureau, fileBody(withField("leaders", []map[string]any{{"name": "王县长", "lead": true}}), withField("name", "晨风")))
		for _, tt := range []struct {
			as, id string
			masked bool
		}{
			{asBureau, named.ID, false}, {asAdmin, named.ID, false}, {asEnergyViewer, named.ID, false},
			{asLeader, named.ID, false}, {asLeader, unnamed.ID, true}, {asIndustryEditor, named.ID, true},
		} {
			got, _ := e.get(t, tt.as, tt.id)
			if tt.masked {
				assert.Equal(t, "赵**", got.OwnerContactName, "%s reads %s", tt.as, tt.id)
				assert.Equal(t, "138****5678", got.OwnerContactPhone, "%s reads %s", tt.as, tt.id)
			} else {
				assert.Equal(t, "赵经理", got.OwnerContactName, "%s reads %s", tt.as, tt.id)
				assert.Equal(t, "13812345678", got.OwnerContactPhone, "%s reads %s", tt.as, tt.id)
			}
		}
		items := e.list(t, asLeader, "").Items
		i := slices.IndexFunc(items, func(p api.Project) bool { return p.ID == unnamed.ID })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, "138****5678", items[i].OwnerContactPhone, "masked in lists too")

		for as, want := range map[string]string{asLeader: "138****5678", asBureau: "13812345678"} {
			g := readGrid(t, e.exportFile(t, as, "format=csv"))
			assert.Equal(t, want, g.cell(t, g.find(t, unnamed.ID), "业主联系电话"), "%s's export", as)
		}

		created := 0
		for _, ev := range e.feed(t, asBureau, "?types=project.created").Items {
			if ev.ProjectID == named.ID {
				created++
				assert.Equal(t, "赵**", ev.Changes["owner_contact_name"], "masked in the feed, whoever reads it")
				assert.Equal(t, "138****5678", ev.Changes["owner_contact_phone"])
			}
		}
		assert.Equal(t, 1, created)
	})
}

// TestPhasesAndBundles: links are checked, read back through related, and
// a bundle and its children are never both entries of a year's plan.
func TestPhasesAndBundles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		base := func(name string, mods ...func(map[string]any)) map[string]any {
			b := map[string]any{"name": name, "category": "manufacturing", "department": "industry"}
			for _, m := range mods {
				m(b)
			}
			return b
		}
		one := e.create(t, asBureau, base("钕铁硼永磁项目（一期）"))
		two := e.create(t, asBureau, base("钕铁硼永磁项目（二期）", withField("predecessor_id", one.ID)))
		bundle := e.create(t, asBureau, base("老西关规划一、二、三路"))
		road := e.create(t, asBureau, base("老西关规划二路", withField("parent_id", bundle.ID)))
		alone := e.create(t, asBureau, base("老西关规划三路"))
		energy := e.create(t, asBureau, fileBody(withField("cooperating_units", []string{"water"})))
		related := func(as, id string) api.RelatedProjects {
			res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/projects/" + id + "/related"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var r api.RelatedProjects
			res.decode(t, &r)
			return r
		}
		r := related(asBureau, one.ID)
		require.Len(t, r.Successors, 1)
		assert.Equal(t, api.ProjectRef{ID: two.ID, Name: two.Name, Stage: "planning"}, r.Successors[0])
		assert.Nil(t, r.Predecessor)
		assert.Equal(t, one.ID, related(asBureau, two.ID).Predecessor.ID)
		assert.Equal(t, []api.ProjectRef{{ID: road.ID, Name: road.Name, Stage: "planning"}}, related(asBureau, bundle.ID).Children)
		assert.Equal(t, bundle.ID, related(asIndustryEditor, road.ID).Parent.ID)

		plan := func(id string) tc {
			return tc{principal: asBureau, method: http.MethodPut, path: "/api/v1/projects/" + id + "/plans/2021",
				body: api.PlanWrite{PlannedInvestmentYuan: ptr(int64(1000000))}}
		}
		patch := func(name, id string, version int, body map[string]any, status int, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + id,
				headers: map[string]string{"If-Match": etagOf(version)}, body: body, wantStatus: status, wantFields: fields}
		}
		bundlePlanned, alonePlanned := plan(bundle.ID), plan(alone.ID)
		bundlePlanned.name, bundlePlanned.wantStatus = "the bundle is an entry of 2021", http.StatusCreated
		alonePlanned.name, alonePlanned.wantStatus = "so is a road outside it", http.StatusCreated
		roadPlanned := plan(road.ID)
		roadPlanned.name, roadPlanned.wantStatus, roadPlanned.wantFields = "its child may not be", http.StatusBadRequest,
			[]string{"project_id:both_planned"}
		e.run(t, []tc{
			patch("a phase of itself", one.ID, 1, map[string]any{"predecessor_id": one.ID}, http.StatusBadRequest, "predecessor_id:self"),
			patch("a cycle of phases", one.ID, 1, map[string]any{"predecessor_id": two.ID}, http.StatusBadRequest, "predecessor_id:cycle"),
			{name: "a project the writer may not read", principal: asIndustryEditor, method: http.MethodPatch, path: "/api/v1/projects/" + two.ID,
				headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"predecessor_id": energy.ID},
				wantStatus: http.StatusBadRequest, wantFields: []string{"predecessor_id:unknown_project"}},
			patch("a bundle inside a bundle", alone.ID, 1, map[string]any{"parent_id": road.ID}, http.StatusBadRequest, "parent_id:nested"),
			patch("a bundle given a parent", bundle.ID, 1, map[string]any{"parent_id": alone.ID}, http.StatusBadRequest, "parent_id:has_children"),
			bundlePlanned, alonePlanned, roadPlanned,
			patch("a planned project joins a planned bundle", alone.ID, 1, map[string]any{"parent_id": bundle.ID}, http.StatusBadRequest,
				"parent_id:both_planned"),
			{name: "related of an unknown project", principal: asBureau, method: http.MethodGet,
				path: "/api/v1/projects/01a25082-8040-774a-932b-b04f739a4e5f/related", wantStatus: http.StatusNotFound},
			{name: "related of another department's project", principal: asEnergyEditor, method: http.MethodGet,
				path: "/api/v1/projects/" + one.ID + "/related", wantStatus: http.StatusNotFound},
			{name: "related without projects:read", principal: asEnergyClientNone, method: http.MethodGet,
				path: "/api/v1/projects/" + energy.ID + "/related", wantStatus: http.StatusForbidden},
		})
	})
}

func etagOf(v int) string { return `"` + string(rune('0'+v)) + `"` }
