package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

const indicators2020 = "/api/v1/indicators/2020"

// TestIndicators: the bureau enters a year's county indicators, values as
// numbers or strings kept digit for digit; the list is read back with its
// ETag, replaced only with If-Match, audited, and listed among the years.
func TestIndicators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		body := `{"items": [
			{"code": "fixed_asset_investment", "value": 374204, "source": "报告"},
			{"code": "fixed_asset_investment_growth", "value": "13.50", "unit": "%", "source": "报告"},
			{"code": "investment_completed", "value": 42.89, "period": "2020", "label": "建设项目共完成投资", "source": "报告"}]}`
		var y api.Indicators
		e.run(t, []tc{
			{name: "none yet", principal: asLeader, method: http.MethodGet, path: indicators2020,
				wantStatus: http.StatusNotFound, wantCode: "not_found", check: func(t *testing.T, res response) {
					assert.Equal(t, "该年度没有县级指标", res.problem(t).Detail)
				}},
			{name: "no years", principal: asLeader, method: http.MethodGet, path: "/api/v1/indicators", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) { assert.JSONEq(t, `{"items":[]}`, string(res.body)) }},
			// A string value is outside the spec's number, and taken.
			{name: "the first list", principal: asBureau, method: http.MethodPut, path: indicators2020, body: body, invalid: true,
				wantStatus: http.StatusCreated, check: func(t *testing.T, res response) {
					res.decode(t, &y)
					assert.Equal(t, `"1"`, res.header.Get("ETag"))
					assert.Equal(t, indicators2020, res.header.Get("Location"))
				}},
		})
		require.Len(t, y.Items, 3)
		assert.Equal(t, api.IndicatorItem{Code: "fixed_asset_investment", Label: "全社会固定资产投资", Value: json.RawMessage("374204"),
			Unit: "万元", Period: "2020", Source: "报告"}, y.Items[0])
		assert.Equal(t, "13.50", string(y.Items[1].Value), "kept as written")
		assert.Equal(t, "42.89", string(y.Items[2].Value))
		assert.Equal(t, "建设项目共完成投资", y.Items[2].Label)

		res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: indicators2020})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		assert.Contains(t, string(res.body), `"value":13.50`, "a number, digit for digit")
		assert.Equal(t, `"1"`, res.header.Get("ETag"))

		one := api.IndicatorsPut{Items: []api.IndicatorItem{{Code: "projects_under_construction", Value: json.RawMessage("147"), Source: "报告"}}}
		e.run(t, []tc{
			{name: "a replacement without If-Match", principal: asBureau, method: http.MethodPut, path: indicators2020, body: one,
				wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"},
			{name: "a replacement of another version", principal: asBureau, method: http.MethodPut, path: indicators2020, body: one,
				headers: ifMatchTag(2), wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"},
			{name: "a replacement", principal: asAdmin, method: http.MethodPut, path: indicators2020, body: one,
				headers: ifMatchTag(1), wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					res.decode(t, &y)
					assert.Equal(t, 2, y.Version)
					assert.Equal(t, `"2"`, res.header.Get("ETag"))
				}},
			{name: "the same again changes nothing", principal: asAdmin, method: http.MethodPut, path: indicators2020, body: one,
				headers: ifMatchTag(2), wantStatus: http.StatusOK, check: func(t *testing.T, res response) {
					assert.Equal(t, `"2"`, res.header.Get("ETag"))
				}},
			{name: "a target ahead", principal: asBureau, method: http.MethodPut, path: "/api/v1/indicators/2021",
				body: api.IndicatorsPut{Items: []api.IndicatorItem{{Code: "start_rate_target", Value: json.RawMessage("75"),
					Period: "2021-06-30", Source: "报告"}}}, wantStatus: http.StatusCreated},
			{name: "the years", principal: asEnergyEditor, method: http.MethodGet, path: "/api/v1/indicators", wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) { assert.JSONEq(t, `{"items":[2020,2021]}`, string(res.body)) }},
		})
		entries := e.auditList(t, asBureau, url.Values{"resource_type": {"indicators"}})
		require.Len(t, entries, 3, "one entry a change")
		assert.Equal(t, "indicators.put", entries[0].Action)
	})
}

// TestIndicatorsRefused: bad input is named field by field, in Chinese by
// its label, and changes nothing; who may not write is refused.
func TestIndicatorsRefused(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	put := func(name, path, body string, status int, code string, fields ...string) tc {
		return tc{name: name, principal: asBureau, method: http.MethodPut, path: path, body: body, invalid: true,
			wantStatus: status, wantCode: code, wantFields: fields}
	}
	e.run(t, []tc{
		put("an unknown code", indicators2020, `{"items":[{"code":"gdp","value":1,"source":"s"}]}`, 400, "validation_failed", "items[0].code:invalid_value"),
		put("a float", indicators2020, `{"items":[{"code":"projects_completed","value":1e2,"source":"s"}]}`, 400, "validation_failed",
			"items[0].value:invalid_format"),
		put("a word", indicators2020, `{"items":[{"code":"projects_completed","value":"百","source":"s"}]}`, 400, "validation_failed",
			"items[0].value:invalid_format"),
		put("true", indicators2020, `{"items":[{"code":"projects_completed","value":true,"source":"s"}]}`, 400, "validation_failed",
			"items[0].value:invalid_type"),
		put("another unit", indicators2020, `{"items":[{"code":"projects_completed","value":1,"unit":"万元","source":"s"}]}`, 400,
			"validation_failed", "items[0].unit:invalid_value"),
		put("another year's period", indicators2020, `{"items":[{"code":"projects_completed","value":1,"period":"2021","source":"s"}]}`, 400,
			"validation_failed", "items[0].period:out_of_range"),
		put("no source", indicators2020, `{"items":[{"code":"projects_completed","value":1}]}`, 400, "validation_failed", "items[0].source:required"),
		put("no items", indicators2020, `{"items":[]}`, 400, "validation_failed", "items:required"),
		put("not a year", "/api/v1/indicators/20", `{"items":[]}`, 400, "validation_failed", "year:invalid_format"),
		put("a year long past", "/api/v1/indicators/1999", `{"items":[{"code":"projects_completed","value":1,"period":"1999","source":"s"}]}`, 400,
			"validation_failed", "year:out_of_range"),
		{name: "the leader", principal: asLeader, method: http.MethodPut, path: indicators2020,
			body: `{"items":[{"code":"projects_completed","value":1,"source":"s"}]}`, wantStatus: http.StatusForbidden, wantCode: "forbidden"},
		{name: "a department editor", principal: asEnergyEditor, method: http.MethodPut, path: indicators2020,
			body: `{"items":[{"code":"projects_completed","value":1,"source":"s"}]}`, wantStatus: http.StatusForbidden, wantCode: "forbidden"},
	})
	res := e.do(t, request{principal: asBureau, method: http.MethodPut, path: indicators2020, invalid: true,
		body: `{"items":[{"code":"projects_completed","value":1,"unit":"万元"}]}`})
	require.Equal(t, http.StatusBadRequest, res.status)
	p := res.problem(t)
	assert.Equal(t, "指标第1项·单位：取值无效，可选值：个；指标第1项·数据来源：必填", p.Detail)
	assert.Equal(t, "items[0].unit", p.Errors[0].Field, "the machine name stays")
	res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/indicators"})
	assert.JSONEq(t, `{"items":[]}`, string(res.body), "nothing was written")
}
