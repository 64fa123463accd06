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

func (e *env) approvals(t testing.TB, as, id string) api.ApprovalList {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: projectURL(id, "approvals")})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.ApprovalList
	res.decode(t, &l)
	return l
}

func (e *env) putApproval(t testing.TB, as, id, item string, ifMatch int, body any, invalid bool) response {
	t.Helper()
	r := request{principal: as, method: http.MethodPut, path: projectURL(id, "approvals", item), body: body, invalid: invalid}
	if ifMatch != 0 {
		r.headers = ifMatchTag(ifMatch)
	}
	return e.do(t, r)
}

func itemOf(l api.ApprovalList, item string) *api.Approval {
	for i := range l.Items {
		if l.Items[i].Item == item {
			return &l.Items[i]
		}
	}
	return nil
}

// TestApprovals: a project's checklist as a new user sees it, its items
// written, and the bad requests refused with nothing changed.
func TestApprovals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, map[string]any{"name": "天宏阳光100兆瓦光伏项目", "category": "solar_pv"})
		l := e.approvals(t, asEnergyViewer, p.ID)
		assert.Equal(t, "power_works_filing", l.StartPermit)
		assert.Equal(t, api.Readiness{Needed: len(l.Items), Obtained: 0, Rate: ptr(0.0)}, l.Readiness)
		filing := itemOf(l, "filing")
		require.NotNil(t, filing, "an enterprise's PV plant is 备案")
		assert.Equal(t, api.Approval{Item: "filing", NameZH: "项目备案", NameEN: "Project filing (备案)", Status: "not_started", StatusZH: "未启动"}, *filing)
		assert.True(t, itemOf(l, "power_works_filing").StartPermit)
		assert.NotNil(t, itemOf(l, "grid_connection"))
		assert.Nil(t, itemOf(l, "approval_catalogue"))

		path := "filing"
		body := api.ApprovalWrite{Status: "obtained", AppliedOn: ptr("2021-03-01"), ObtainedOn: ptr("2021-04-02"),
			ApprovalNo: "2021-140223-44-03-000123", Issuer: "县行政审批服务管理局"}
		bad := []struct {
			name    string
			as      string
			item    string
			ifMatch int
			body    any
			invalid bool
			status  int
			field   string
		}{
			{"a status not in the list", asEnergyEditor, path, 0, map[string]any{"status": "done"}, true, 400, "status"},
			{"a date that is not one", asEnergyEditor, path, 0, map[string]any{"status": "in_progress", "applied_on": "2021-02-30"}, true, 400, "applied_on"},
			{"obtained in the future", asEnergyEditor, path, 0, api.ApprovalWrite{Status: "obtained", ObtainedOn: ptr("2021-06-16")}, false, 400, "obtained_on"},
			{"obtained without its day", asEnergyEditor, path, 0, api.ApprovalWrite{Status: "obtained"}, false, 400, "obtained_on"},
			{"not needed without a reason", asEnergyEditor, path, 0, api.ApprovalWrite{Status: "not_needed"}, false, 400, "reason"},
			{"an unknown member", asEnergyEditor, path, 0, map[string]any{"status": "in_progress", "permit": "x"}, true, 400, "permit"},
			{"another department's project", asIndustryEditor, path, 0, body, false, 404, ""},
			{"an item the catalogue does not know", asEnergyEditor, "building_permit", 0, body, false, 404, ""},
			{"an item the project does not need", asEnergyEditor, "approval_catalogue", 0, body, false, 404, ""},
			{"If-Match on an item never written", asEnergyEditor, path, 3, body, false, 412, ""},
			{"a viewer", asEnergyViewer, path, 0, body, false, 403, ""},
		}
		for _, c := range bad {
			res := e.putApproval(t, c.as, p.ID, c.item, c.ifMatch, c.body, c.invalid)
			require.Equal(t, c.status, res.status, "%s: %s", c.name, res)
			if c.field != "" {
				pr := res.problem(t)
				require.NotEmpty(t, pr.Errors, c.name)
				assert.Equal(t, c.field, pr.Errors[0].Field, c.name)
			}
		}
		assert.Equal(t, l, e.approvals(t, asEnergyViewer, p.ID), "refused writes change nothing")

		res := e.putApproval(t, asEnergyEditor, p.ID, path, 0, body, false)
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		assert.Equal(t, `"1"`, res.header.Get("ETag"))
		var a api.Approval
		res.decode(t, &a)
		assert.Equal(t, "obtained", a.Status)
		assert.Equal(t, "2021-04-02", *a.ObtainedOn)
		assert.Equal(t, asEnergyEditor, a.UpdatedBy)

		res = e.putApproval(t, asEnergyEditor, p.ID, path, 0, body, false)
		assert.Equal(t, http.StatusPreconditionRequired, res.status, "once written, If-Match is required: %s", res)
		res = e.putApproval(t, asEnergyEditor, p.ID, path, 2, body, false)
		assert.Equal(t, http.StatusPreconditionFailed, res.status, "a stale If-Match: %s", res)
		body.Note = "备案证明已上传"
		res = e.putApproval(t, asBureau, p.ID, path, 1, body, false)
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Equal(t, `"2"`, res.header.Get("ETag"))

		l = e.approvals(t, asEnergyViewer, p.ID)
		assert.Equal(t, 1, l.Readiness.Obtained)
		assert.Equal(t, 2, itemOf(l, "filing").Version)
		assert.Equal(t, "备案证明已上传", itemOf(l, "filing").Note)

		// The change feed tells the project's department.
		var found bool
		for _, ev := range e.feed(t, asEnergyViewer, "").Items {
			if ev.Type == "approval.updated" {
				found = true
				assert.Equal(t, "approval", ev.Resource.Type)
				assert.Equal(t, p.ID+"/filing", ev.Resource.ID)
				assert.Equal(t, "/api/v1/projects/"+p.ID+"/approvals", ev.Resource.Path)
			}
		}
		assert.True(t, found, "approval.updated in the feed")
	})
}

// TestStartGateOverHTTP: a first start without the 开工 permit item is
// refused with a message naming it, allowed with a reason that the history
// keeps, and a resumption is not gated.
func TestStartGateOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asIndustryEditor, map[string]any{"name": "鑫瑞隆铸件", "category": "manufacturing"})
		start := api.TransitionCreate{To: "started", OccurredOn: "2021-06-01", Evidence: permit}
		res := e.do(t, request{principal: asIndustryEditor, method: http.MethodPost, path: projectURL(p.ID, "transitions"), body: start,
			headers: map[string]string{"Accept-Language": "zh"}})
		require.Equal(t, http.StatusConflict, res.status, "%s", res)
		pb := res.problem(t)
		assert.Contains(t, pb.Detail, "施工许可")
		assert.Equal(t, "start_permit_missing", pb.Code, "a code of its own, for a program to tell")
		require.Len(t, pb.Errors, 1)
		assert.Equal(t, "permit_waiver", pb.Errors[0].Field)
		assert.Equal(t, "required", pb.Errors[0].Code)
		res = e.do(t, request{principal: asIndustryEditor, method: http.MethodPost, path: projectURL(p.ID, "transitions"), body: start,
			headers: map[string]string{"Accept-Language": "en"}})
		assert.Contains(t, res.problem(t).Detail, "construction_permit")
		got, _ := e.get(t, asAdmin, p.ID)
		assert.Equal(t, "planning", got.Stage, "refused: nothing changed")

		start.PermitWaiver = "县政府专题会议纪要同意先行开工"
		res = e.move(t, asIndustryEditor, p.ID, start)
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		h := e.history(t, asAdmin, p.ID)
		require.Len(t, h, 1)
		assert.Equal(t, "县政府专题会议纪要同意先行开工", h[0].PermitWaiver)

		require.Equal(t, http.StatusCreated, e.move(t, asIndustryEditor, p.ID, api.TransitionCreate{To: "suspended", OccurredOn: "2021-06-02", Note: "停工"}).status)
		res = e.move(t, asIndustryEditor, p.ID, api.TransitionCreate{To: "started", OccurredOn: "2021-06-03"})
		require.Equal(t, http.StatusCreated, res.status, "a resumption is not gated: %s", res)
		res = e.move(t, asIndustryEditor, p.ID, api.TransitionCreate{To: "suspended", OccurredOn: "2021-06-04", Note: "停工", PermitWaiver: "x"})
		assert.Equal(t, http.StatusBadRequest, res.status, "a waiver on another move: %s", res)

		// With the permit obtained, a start needs no reason.
		q := e.create(t, asIndustryEditor, map[string]any{"name": "泓盛墙体板材", "category": "building_materials"})
		require.Equal(t, http.StatusCreated, e.putApproval(t, asIndustryEditor, q.ID, "construction_permit", 0,
			api.ApprovalWrite{Status: "obtained", ObtainedOn: ptr("2021-05-30"), ApprovalNo: "140223202105300101"}, false).status)
		res = e.move(t, asIndustryEditor, q.ID, api.TransitionCreate{To: "started", OccurredOn: "2021-06-01", Evidence: permit})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
	})
}

// TestApprovalOverdueHealth: an item past its expected day turns the
// project's health yellow with its reason.
func TestApprovalOverdueHealth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, map[string]any{"name": "道威储能", "category": "energy_storage"})
		require.Equal(t, http.StatusCreated, e.putApproval(t, asEnergyEditor, p.ID, "grid_connection", 0,
			api.ApprovalWrite{Status: "in_progress", ExpectedOn: ptr("2021-05-31")}, false).status)
		got, _ := e.get(t, asEnergyViewer, p.ID)
		assert.Equal(t, "yellow", got.Health)
		require.Len(t, got.HealthReasons, 1)
		assert.Equal(t, "approval_overdue", got.HealthReasons[0].Rule)
		assert.Equal(t, "grid_connection", got.HealthReasons[0].Ref)
		assert.True(t, itemOf(e.approvals(t, asEnergyViewer, p.ID), "grid_connection").Overdue)
	})
}

// TestApprovalStats: readiness by department with its drill-down, and the
// entries planned to start this quarter that still lack approvals; a
// department sees its own.
func TestApprovalStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		pv := e.create(t, asEnergyEditor, map[string]any{"name": "天宏阳光光伏", "category": "solar_pv"})
		mill := e.create(t, asIndustryEditor, map[string]any{"name": "精密机械铸锻件", "category": "manufacturing"})
		require.Equal(t, http.StatusCreated, e.putApproval(t, asEnergyEditor, pv.ID, "filing", 0,
			api.ApprovalWrite{Status: "obtained", ObtainedOn: ptr("2021-04-01")}, false).status)
		for _, p := range []api.Project{pv, mill} {
			e.put(t, asBureau, "/api/v1/annual-plans/2021/entries/"+p.ID, api.PlanEntryWrite{BuildType: ptr("new"),
				PlannedStartMonth: ptr("2021-05")}, http.StatusCreated)
		}

		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/approvals"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var r api.ApprovalReadiness
		res.decode(t, &r)
		require.Len(t, r.Departments, 2)
		assert.Equal(t, "energy", r.Departments[0].Department)
		assert.Equal(t, 1, r.Departments[0].Readiness.Obtained)
		assert.Nil(t, r.Projects)
		assert.Equal(t, 1, r.Total.Obtained)

		res = e.do(t, request{principal: asIndustryEditor, method: http.MethodGet, path: "/api/v1/stats/approvals?department=industry"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &r)
		require.Len(t, r.Departments, 1)
		require.Len(t, r.Projects, 1)
		assert.Equal(t, mill.ID, r.Projects[0].ProjectID)
		assert.Equal(t, "施工许可", r.Projects[0].Missing[len(r.Projects[0].Missing)-1].ZH)

		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/approvals/pending-starts"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var ps api.PendingStartList
		res.decode(t, &ps)
		assert.Equal(t, 2021, ps.Year)
		assert.Equal(t, 2, ps.Quarter)
		require.Len(t, ps.Items, 2)
		assert.Equal(t, "2021-05", ps.Items[0].PlannedStartMonth)
		assert.True(t, ps.Items[0].StartPermitMissing)

		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/stats/approvals/pending-starts?year=2021&quarter=2"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &ps)
		require.Len(t, ps.Items, 1)
		assert.Equal(t, pv.ID, ps.Items[0].ProjectID)

		for _, q := range []string{"?quarter=5", "?year=1999", "?sort=name"} {
			res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/approvals/pending-starts" + q, invalid: true})
			assert.Equal(t, http.StatusBadRequest, res.status, "%s: %s", q, res)
		}
		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/approvals?department=Not%20a%20code", invalid: true})
		assert.Equal(t, http.StatusBadRequest, res.status, "%s", res)
	})
}
