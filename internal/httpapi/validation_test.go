package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestCreateValidation: each invalid body answers 400 (or 409) naming the
// field, and nothing is created.
func TestCreateValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		taken := e.create(t, asBureau, with(projectBody("existing"), "code", "2021-140223-44-01-000009"))
		require.NotNil(t, taken.Code)
		before := e.count(t, asBureau)

		base := projectBody("新项目")
		row := func(name string, body any, invalid bool, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body,
				invalid: invalid, wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		cases := []tc{
			row("code in the wrong format", with(base, "code", "2021-1402-44"), false, "code:invalid_format"),
			row("code with letters", with(base, "code", "2021-14022A-44-01-000001"), false, "code:invalid_format"),
			row("name missing", with(base, "name", nil), false, "name:required"),
			row("name blank", with(base, "name", "   "), false, "name:required"),
			row("name of 201 characters", with(base, "name", strings.Repeat("风", 201)), true, "name:too_long"),
			row("name with a control character", with(base, "name", "a\u0001b"), false, "name:invalid_format"),
			row("leader too long", with(base, "leader", strings.Repeat("z", 101)), false, "leader:too_long"),
			row("unknown category", with(base, "category", "nuclear"), true, "category:invalid_value"),
			row("category missing", with(base, "category", nil), false, "category:invalid_value"),
			row("unknown build_type", with(base, "build_type", "rebuild"), true, "build_type:invalid_value"),
			row("unknown key_level", with(base, "key_level", "global"), true, "key_level:invalid_value"),
			row("unknown stage", with(base, "stage", "built"), true, "stage:invalid_value"),
			row("negative money", with(base, "total_investment_yuan", -1), true, "total_investment_yuan:out_of_range"),
			row("money beyond the limit", with(base, "total_investment_yuan", int64(1e14)), false, "total_investment_yuan:out_of_range"),
			row("fractional money", `{"name":"x","category":"wind","department":"energy","total_investment_yuan":1.5}`, true,
				"total_investment_yuan:invalid_type"),
			row("money as a string", with(base, "total_investment_yuan", "100"), true, "total_investment_yuan:invalid_type"),
			row("negative output", with(base, "expected_annual_output_yuan", -5), true, "expected_annual_output_yuan:out_of_range"),
			row("negative capacity", with(base, "capacity", -1), false, "capacity:out_of_range"),
			row("capacity without unit", with(base, "capacity_unit", nil), false, "capacity_unit:required"),
			row("unknown funding source", with(base, "funding", []map[string]any{{"source": "lottery", "planned_yuan": 1, "received_yuan": 0}}), true,
				"funding[0].source:invalid_value"),
			row("funding source twice", with(base, "funding", []map[string]any{
				{"source": "enterprise", "planned_yuan": 1, "received_yuan": 0}, {"source": "enterprise", "planned_yuan": 2, "received_yuan": 0}}), false,
				"funding[1].source:not_unique"),
			row("negative funding", with(base, "funding", []map[string]any{{"source": "enterprise", "planned_yuan": -1, "received_yuan": 0}}), true,
				"funding[0].planned_yuan:out_of_range"),
			row("planned dates out of order", with(base, "planned_sign_date", "2021-09-01", "planned_start_date", "2021-08-01"), false,
				"planned_start_date:date_order"),
			row("planned completion before start", with(base, "planned_completion_date", "2021-07-01"), false,
				"planned_completion_date:date_order"),
			row("planned date not a date", with(base, "planned_start_date", "2021/08/01"), true, "planned_start_date:invalid_format"),
			row("planned date that does not exist", with(base, "planned_start_date", "2021-02-30"), true, "planned_start_date:invalid_format"),
			row("planned date out of range", with(base, "planned_start_date", "1899-12-31"), false, "planned_start_date:invalid_format"),
			row("actual date in the future", with(base, "stage", "started", "started_on", "2021-06-16"), false, "started_on:in_future"),
			row("actual date of a stage not reached", with(base, "stage", "signed", "started_on", "2021-01-01"), false, "started_on:not_reached"),
			row("actual date on a planning project", with(base, "signed_on", "2021-01-01"), false, "signed_on:not_reached"),
			row("actual dates out of order", with(base, "stage", "landed", "signed_on", "2021-03-01", "landed_on", "2021-02-01"), false,
				"landed_on:date_order"),
			row("unknown department", with(base, "department", "nosuch"), false, "department:unknown"),
			row("department code in the wrong format", with(base, "department", "Energy Bureau"), false, "department:invalid_format"),
			row("department missing", with(base, "department", nil), false, "department:required"),
			row("empty object", map[string]any{}, false, "name:required", "category", "department:required"),
			row("every problem at once", with(base, "name", "", "category", "x", "total_investment_yuan", -1, "planned_start_date", "2021-02-30"), true,
				"planned_start_date:invalid_format"),
			row("bad Idempotency-Key", base, false, "Idempotency-Key:invalid_format"),
			{name: "code already taken", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				body: with(base, "code", "2021-140223-44-01-000009"), wantStatus: http.StatusConflict, wantCode: "conflict",
				wantFields: []string{"code:not_unique"}},
		}
		cases[len(cases)-2].headers = map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}
		e.run(t, cases)
		assert.Equal(t, before, e.count(t, asBureau), "nothing was created")
		assert.Equal(t, before, e.count(t, asAdmin))
	})
}

// TestValidationSpeaksBothLanguages: Chinese by default, English on request.
func TestValidationSpeaksBothLanguages(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	body := with(projectBody("x"), "name", nil)
	zh := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body})
	require.Equal(t, http.StatusBadRequest, zh.status)
	p := zh.problem(t)
	assert.Equal(t, "请求参数无效", p.Title)
	assert.Equal(t, "项目名称：必填", p.Detail)
	assert.Equal(t, []api.FieldError{{Field: "name", Code: "required", Message: "项目名称：必填"}}, p.Errors)
	assert.Equal(t, "zh-CN", zh.header.Get("Content-Language"))

	for _, lang := range []string{"en", "en-US,en;q=0.9", "fr, en;q=0.5"} {
		en := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body,
			headers: map[string]string{"Accept-Language": lang}})
		require.Equal(t, http.StatusBadRequest, en.status)
		p = en.problem(t)
		assert.Equal(t, "The request is invalid", p.Title, lang)
		assert.Equal(t, "name: is required", p.Detail, lang)
		assert.Equal(t, []api.FieldError{{Field: "name", Code: "required", Message: "is required"}}, p.Errors, lang)
		assert.Equal(t, "en", en.header.Get("Content-Language"), lang)
	}
	for _, lang := range []string{"zh-CN", "zh", "zh-Hans-CN,en;q=0.5", "*", "not a language tag!"} {
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body,
			headers: map[string]string{"Accept-Language": lang}})
		assert.Equal(t, "请求参数无效", res.problem(t).Title, lang)
	}
}
