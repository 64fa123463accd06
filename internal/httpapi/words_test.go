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

// TestInStatisticsSince: 入统 is a month a project is given, changed and
// cleared with, answered as it was given; what is not a month is refused.
func TestInStatisticsSince(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, with(projectBody("入统项目"), "in_statistics_since", "2021-03"))
		require.NotNil(t, p.InStatisticsSince)
		assert.Equal(t, "2021-03", *p.InStatisticsSince)
		none := e.create(t, asBureau, projectBody("未入统项目"))
		assert.Nil(t, none.InStatisticsSince)

		path := "/api/v1/projects/" + p.ID
		e.run(t, []tc{
			{name: "not a month", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				body: with(projectBody("x"), "in_statistics_since", "2021-3"), invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: []string{"in_statistics_since:invalid_format"},
				check: func(t *testing.T, res response) {
					assert.Equal(t, "入统月份：格式无效（应为 YYYY-MM）", res.problem(t).Detail)
				}},
			{name: "a month to come", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				body: with(projectBody("y"), "in_statistics_since", "2999-12"), invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: []string{"in_statistics_since:in_future"}},
			{name: "changed to a month to come", principal: asBureau, method: http.MethodPatch, path: path, headers: ifMatchTag(1),
				body: map[string]any{"in_statistics_since": "2999-12"}, invalid: true,
				wantStatus: http.StatusBadRequest, wantFields: []string{"in_statistics_since:in_future"}},
			{name: "changed", principal: asBureau, method: http.MethodPatch, path: path, headers: ifMatchTag(1),
				body: map[string]any{"in_statistics_since": "2021-04"}, wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var got api.Project
					res.decode(t, &got)
					assert.Equal(t, "2021-04", *got.InStatisticsSince)
				}},
			{name: "cleared", principal: asBureau, method: http.MethodPatch, path: path, headers: ifMatchTag(2),
				body: map[string]any{"in_statistics_since": nil}, wantStatus: http.StatusOK,
				check: func(t *testing.T, res response) {
					var got api.Project
					res.decode(t, &got)
					assert.Nil(t, got.InStatisticsSince)
				}},
		})
	})
}

// TestWords: the breakdown names the group of empty townships 未填写, and
// the meta reads 环评 for an environmental blocker, 未定级 for a project
// not graded.
func TestWords(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	e.create(t, asBureau, with(projectBody("无乡镇项目"), "township", nil))
	e.create(t, asBureau, projectBody("作疃乡项目"))
	res := e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/stats/breakdown?by=township&year=2021"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var b api.Breakdown
	res.decode(t, &b)
	labels := map[string]string{}
	for _, it := range b.Items {
		labels[it.Key] = it.Label
	}
	assert.Equal(t, map[string]string{"": "未填写", "作疃乡": "作疃乡"}, labels)

	res = e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/meta"})
	require.Equal(t, http.StatusOK, res.status)
	var m api.Meta
	res.decode(t, &m)
	zh := func(ls []api.Label, v string) string {
		for _, l := range ls {
			if l.Value == v {
				return l.ZH
			}
		}
		return ""
	}
	assert.Equal(t, "环评", zh(m.IssueKinds, "environment"))
	assert.Equal(t, "未定级", zh(m.KeyLevels, "none"))
	assert.Equal(t, "房地产开发", zh(m.Categories, "real_estate"))
	require.NotEmpty(t, m.CategoryStages)
	assert.Equal(t, "infrastructure", m.CategoryStages[0].Category)
	assert.Equal(t, "投入使用", zh(m.CategoryStages[0].Stages, "in_production"))
	assert.Equal(t, "万元", m.IndicatorCodes[0].Unit)
}
