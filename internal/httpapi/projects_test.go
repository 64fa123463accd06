package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func ptr[T any](v T) *T { return &v }

// fullBody uses every writable field.
func fullBody() map[string]any {
	return map[string]any{
		"code": "2021-140223-44-01-000001", "name": "晨风50兆瓦风电项目", "category": "wind", "department": "energy",
		"leader": "张县长", "company": "晨风新能源有限公司", "township": "作疃乡", "capacity": 50.5, "capacity_unit": "MW",
		"total_investment_yuan": 340000000, "expected_annual_output_yuan": 45000000,
		"build_type": "new", "key_level": "city",
		"funding": []map[string]any{
			{"source": "enterprise", "planned_yuan": 300000000, "received_yuan": 120000000},
			{"source": "bank_loan", "planned_yuan": 40000000, "received_yuan": 0},
		},
		"planned_sign_date": "2021-03-31", "planned_start_date": "2021-05-01",
		"planned_completion_date": "2022-06-30", "planned_production_date": "2022-09-30",
	}
}

func TestProjectLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var p api.Project
		var location string

		t.Run("create", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: fullBody()})
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
			p = res.project(t)
			require.NoError(t, uuid.Validate(p.ID))
			location = res.header.Get("Location")
			assert.Equal(t, "/api/v1/projects/"+p.ID, location)
			assert.Equal(t, `"1"`, res.header.Get("ETag"))
			want := api.Project{
				ID: p.ID,
				ProjectWrite: api.ProjectWrite{
					Code: ptr("2021-140223-44-01-000001"), Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
					Leader: "张县长", Company: "晨风新能源有限公司", Township: "作疃乡", Capacity: ptr(50.5), CapacityUnit: "MW",
					TotalInvestmentYuan: ptr[int64](340000000), ExpectedAnnualOutputYuan: ptr[int64](45000000),
					BuildType: "new", KeyLevel: "city",
					Funding: []api.Funding{
						{Source: "enterprise", PlannedYuan: 300000000, ReceivedYuan: 120000000},
						{Source: "bank_loan", PlannedYuan: 40000000, ReceivedYuan: 0},
					},
					PlannedSignDate: ptr("2021-03-31"), PlannedStartDate: ptr("2021-05-01"),
					PlannedCompletionDate: ptr("2022-06-30"), PlannedProductionDate: ptr("2022-09-30"),
					// leader alone makes a one-person list, who leads.
					FundsArrived: []api.FundsArrived{}, Leaders: []api.Leader{{Name: "张县长", Lead: true}}, CooperatingUnits: []string{},
				},
				// Planned to start on 2021-05-01, not started on the clock's 2021-06-15.
				Stage: "planning", Health: "yellow", Version: 1,
				HealthReasons: []api.HealthReason{{Rule: "planned_start_missed", Level: "yellow", Since: ptr("2021-05-02")}},
				CreatedAt:     now.Format(time.RFC3339), UpdatedAt: now.Format(time.RFC3339),
			}
			assert.Equal(t, want, p)
		})
		require.NotEmpty(t, p.ID)

		t.Run("get", func(t *testing.T) {
			res := e.do(t, request{principal: asLeader, method: http.MethodGet, path: location})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			assert.Equal(t, `"1"`, res.header.Get("ETag"))
			assert.Equal(t, p, res.project(t))
		})

		t.Run("a planning project has no history", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: location + "/transitions"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.TransitionList
			res.decode(t, &l)
			assert.Empty(t, l.Items)
			assert.NotNil(t, l.Items)
		})

		t.Run("create at a later stage is imported", func(t *testing.T) {
			body := with(projectBody("锌合金深加工项目"), "category", "materials", "department", "industry",
				"stage", "started", "signed_on", "2020-03-01", "landed_on", "2020-05-10", "started_on", "2020-09-01")
			q := e.create(t, asBureau, body)
			assert.Equal(t, "started", q.Stage)
			assert.Equal(t, api.ActualDates{SignedOn: ptr("2020-03-01"), LandedOn: ptr("2020-05-10"), StartedOn: ptr("2020-09-01")}, q.ActualDates)
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + q.ID + "/transitions"})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var l api.TransitionList
			res.decode(t, &l)
			require.Len(t, l.Items, 1)
			tr := l.Items[0]
			assert.Equal(t, "import", tr.Kind)
			assert.Nil(t, tr.From)
			assert.Equal(t, "started", tr.To)
			assert.Equal(t, "2020-09-01", tr.OccurredOn, "dated by the latest actual date")
			assert.Equal(t, asBureau, tr.Actor)
			assert.Equal(t, now.Format(time.RFC3339), tr.RecordedAt)
			assert.Equal(t, []api.Evidence{}, tr.Evidence)

			// Without dates the import is dated today.
			r := e.create(t, asBureau, with(projectBody("光伏治沙项目"), "category", "solar_pv", "stage", "signed"))
			res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + r.ID + "/transitions"})
			res.decode(t, &l)
			require.Len(t, l.Items, 1)
			assert.Equal(t, today, l.Items[0].OccurredOn)
			assert.Equal(t, "signed", l.Items[0].To)
		})

		etag := `"1"`
		patch := func(c tc) tc {
			c.method, c.path = http.MethodPatch, location
			if c.principal == "" {
				c.principal = asBureau
			}
			return c
		}
		e.run(t, []tc{
			patch(tc{name: "patch replaces members, keeps the rest", headers: map[string]string{"If-Match": etag},
				body:       map[string]any{"leader": "李副县长", "total_investment_yuan": 500000000, "funding": []any{}},
				wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.Equal(t, `"2"`, res.header.Get("ETag"))
					got := res.project(t)
					want := p
					want.Leader, want.TotalInvestmentYuan, want.Funding, want.Version = "李副县长", ptr[int64](500000000), []api.Funding{}, 2
					want.Leaders = []api.Leader{{Name: "李副县长", Lead: true}}
					assert.Equal(t, want, got)
					p = got
				}}),
			patch(tc{name: "stale If-Match", headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "x"},
				wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"}),
			patch(tc{name: "If-Match that names no version", headers: map[string]string{"If-Match": `"abc"`}, body: map[string]any{"leader": "x"},
				wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"}),
			patch(tc{name: "missing If-Match", body: map[string]any{"leader": "x"}, invalid: true,
				wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"}),
			patch(tc{name: "null on name", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"name": nil}, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"name:required"}}),
			patch(tc{name: "empty name", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"name": ""}, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"name:required"}}),
			patch(tc{name: "read-only stage", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"stage": "signed"},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"stage:read_only"}}),
			patch(tc{name: "read-only actual date and version", headers: map[string]string{"If-Match": `"2"`},
				body:       map[string]any{"started_on": "2021-06-01", "version": 7, "leader": "x"},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"started_on:read_only", "version:read_only"}}),
			patch(tc{name: "unknown field", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"nickname": "x"},
				wantStatus: http.StatusBadRequest, wantCode: "unknown_field", wantFields: []string{"nickname:unknown_field"}}),
			patch(tc{name: "fractional money", headers: map[string]string{"If-Match": `"2"`}, body: `{"total_investment_yuan": 1.5}`, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"total_investment_yuan"}}),
			patch(tc{name: "bad planned date", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"planned_start_date": "2021-13-01"}, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"planned_start_date:invalid_format"}}),
			patch(tc{name: "planned dates out of order", headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"planned_start_date": "2023-01-01"},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"planned_completion_date:date_order"}}),
			patch(tc{name: "patch null", headers: map[string]string{"If-Match": `"2"`}, body: `null`, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "malformed_json"}),
			patch(tc{name: "patch array", headers: map[string]string{"If-Match": `"2"`}, body: `[{"name":"x"}]`, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "malformed_json"}),
			// RFC 7396 passes an array on as it is sent: a null member of a
			// funding source is still a member, and an unknown one is refused.
			patch(tc{name: "unknown null member of a funding source", headers: map[string]string{"If-Match": `"2"`},
				body: `{"funding":[{"source":"enterprise","planned_yuan":1,"received_yuan":0,"bank":null}]}`, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "unknown_field", wantFields: []string{"bank:unknown_field"}}),
			{name: "failed patches changed nothing", principal: asBureau, method: http.MethodGet, path: location, wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					assert.Equal(t, `"2"`, res.header.Get("ETag"))
					assert.Equal(t, p, res.project(t))
				}},
			patch(tc{name: "null clears optional fields", headers: map[string]string{"If-Match": `"2"`, "Content-Type": "application/merge-patch+json"},
				body:       map[string]any{"code": nil, "capacity": nil, "expected_annual_output_yuan": nil, "planned_production_date": nil, "leader": nil},
				wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					got := res.project(t)
					want := p
					want.Code, want.Capacity, want.ExpectedAnnualOutputYuan, want.PlannedProductionDate, want.Leader, want.Version = nil, nil, nil, nil, "", 3
					want.Leaders = []api.Leader{}
					assert.Equal(t, want, got)
					assert.Equal(t, `"3"`, res.header.Get("ETag"))
					p = got
				}}),
			patch(tc{name: "patch again with the new ETag", headers: map[string]string{"If-Match": `"3"`}, body: map[string]any{"township": "城关镇"},
				wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					p = res.project(t)
					assert.Equal(t, 4, p.Version)
					assert.Equal(t, "城关镇", p.Township)
				}}),
			patch(tc{name: "wrong content type", headers: map[string]string{"If-Match": `"4"`, "Content-Type": "text/plain"}, body: `{"leader":"x"}`, invalid: true,
				wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"}),
		})

		unknown := "/api/v1/projects/" + uuid.NewString()
		e.run(t, []tc{
			{name: "patch an unknown project", principal: asBureau, method: http.MethodPatch, path: unknown,
				headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "x"},
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
		})

		before := e.count(t, asBureau)
		e.run(t, []tc{
			{name: "delete with stale If-Match", principal: asBureau, method: http.MethodDelete, path: location,
				headers: map[string]string{"If-Match": `"3"`}, wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"},
			{name: "delete without If-Match", principal: asBureau, method: http.MethodDelete, path: location, invalid: true,
				wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"},
			{name: "delete", principal: asBureau, method: http.MethodDelete, path: location,
				headers: map[string]string{"If-Match": `"4"`}, wantStatus: http.StatusNoContent,
				check: func(t *testing.T, res response) { assert.Empty(t, res.body) }},
			{name: "gone from lists", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?count=true", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var l api.ProjectList
					res.decode(t, &l)
					assert.NotContains(t, ids(l.Items), p.ID)
					assert.Equal(t, before-1, *l.Total)
				}},
			{name: "get still shows it, archived", principal: asBureau, method: http.MethodGet, path: location, wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					got := res.project(t)
					require.NotNil(t, got.ArchivedAt)
					assert.Equal(t, now.Format(time.RFC3339), *got.ArchivedAt)
					assert.Equal(t, 5, got.Version)
					assert.Equal(t, `"5"`, res.header.Get("ETag"))
				}},
			{name: "history stays", principal: asBureau, method: http.MethodGet, path: location + "/transitions", wantStatus: http.StatusOK},
			{name: "listed among the archived", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?archived=true", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var l api.ProjectList
					res.decode(t, &l)
					assert.Equal(t, []string{p.ID}, ids(l.Items))
				}},
			{name: "a department lists its own archive", principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects?archived=true",
				wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					var page api.ProjectList
					res.decode(t, &page)
					require.Len(t, page.Items, 1)
					assert.Equal(t, p.ID, page.Items[0].ID)
				}},
			{name: "and not another department's", principal: asIndustryEditor, method: http.MethodGet, path: "/api/v1/projects?archived=true",
				wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					var page api.ProjectList
					res.decode(t, &page)
					assert.Empty(t, page.Items)
				}},
			{name: "an archived project cannot be patched", principal: asBureau, method: http.MethodPatch, path: location,
				headers: map[string]string{"If-Match": `"5"`}, body: map[string]any{"leader": "x"}, wantStatus: http.StatusConflict, wantCode: "conflict"},
			{name: "deleting twice", principal: asBureau, method: http.MethodDelete, path: location,
				headers: map[string]string{"If-Match": `"5"`}, wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "restore", principal: asAdmin, method: http.MethodPost, path: location + "/restore", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					got := res.project(t)
					assert.Nil(t, got.ArchivedAt)
					assert.Equal(t, 6, got.Version)
					assert.Equal(t, `"6"`, res.header.Get("ETag"))
					want := p
					want.Version = 6
					assert.Equal(t, want, got)
				}},
			{name: "back in lists", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?count=true", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var l api.ProjectList
					res.decode(t, &l)
					assert.Contains(t, ids(l.Items), p.ID)
					assert.Equal(t, before, *l.Total)
				}},
			{name: "restoring a live project", principal: asBureau, method: http.MethodPost, path: location + "/restore",
				wantStatus: http.StatusConflict, wantCode: "conflict"},
			{name: "restore an unknown project", principal: asBureau, method: http.MethodPost, path: unknown + "/restore",
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "delete an unknown project", principal: asBureau, method: http.MethodDelete, path: unknown,
				headers: map[string]string{"If-Match": `"1"`}, wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "get an unknown project", principal: asBureau, method: http.MethodGet, path: unknown,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "history of an unknown project", principal: asBureau, method: http.MethodGet, path: unknown + "/transitions",
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "an ID that is no UUID", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/42", invalid: true,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
		})
	})
}

func ids(ps []api.Project) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// TestNameLimits: 200 characters (not bytes) are accepted.
func TestNameLimits(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	name := strings.Repeat("风", 200)
	p := e.create(t, asBureau, projectBody(name))
	assert.Equal(t, name, p.Name)
	p = e.create(t, asBureau, projectBody("  trimmed  "))
	assert.Equal(t, "trimmed", p.Name)
}

// TestConcurrentPatches: changes made over the same version race; exactly one
// wins and the others are told their version is stale. No update is lost.
func TestConcurrentPatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("contended"))
		const n = 6
		results := make([]response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
					headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "writer " + strconv.Itoa(i)}})
			}()
		}
		close(start)
		wg.Wait()
		var winners []int
		for i, res := range results {
			switch res.status {
			case http.StatusOK:
				winners = append(winners, i)
			case http.StatusPreconditionFailed:
				assert.Equal(t, "version_conflict", res.problem(t).Code)
			default:
				t.Errorf("request %d: %s", i, res)
			}
		}
		require.Len(t, winners, 1, "exactly one change wins")
		got, etag := e.get(t, asBureau, p.ID)
		assert.Equal(t, `"2"`, etag)
		assert.Equal(t, "writer "+strconv.Itoa(winners[0]), got.Leader)
	})
}
