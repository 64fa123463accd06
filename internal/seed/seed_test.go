package seed

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/project"
)

// TestProjects holds that every demo project is a valid register entry and
// that the report's headline projects are there at the stage it gives.
func TestProjects(t *testing.T) {
	t.Parallel()
	entries, err := Projects()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), 30)
	byName := map[string]project.Draft{}
	for _, e := range entries {
		e.Fields.Normalize()
		require.NoError(t, e.Fields.Validate(), e.Name)
		require.NoError(t, project.ValidateEntry(e.Stage, e.Actual, time.Date(2021, 4, 30, 0, 0, 0, 0, time.UTC)), e.Name)
		require.NotContains(t, byName, e.Name, "one entry per project")
		byName[e.Name] = e
		// The history entry of a project past planning is dated by what the
		// report describes: the end of 2020, or the report's day. A
		// continuing (续建) project was under way when 2021 began.
		switch {
		case e.Stage == project.Planning:
			assert.Nil(t, e.AsOf, e.Name)
		case !assert.NotNil(t, e.AsOf, e.Name):
		case e.BuildType == project.Continuing:
			assert.Equal(t, "2020-12-31", e.AsOf.Format(time.DateOnly), e.Name)
		default:
			assert.Contains(t, []string{"2020-12-31", "2021-04-07"}, e.AsOf.Format(time.DateOnly), e.Name)
		}
		assert.True(t, strings.HasPrefix(e.Note, reportCitation), e.Name)
	}
	for name, asOf := range map[string]string{"晨风50兆瓦风电项目": "2020-12-31", "县中医院业务用房建设项目": "2020-12-31", "朋宇10万吨锌合金锭项目": "2020-12-31", "秦淮大数据项目": "2021-04-07"} {
		assert.Equal(t, asOf, byName[name].AsOf.Format(time.DateOnly), name)
	}
	want := map[string]struct {
		stage      project.Stage
		investment int64
	}{
		"晨风50兆瓦风电项目":      {project.InProduction, 0},
		"上墨家沟50兆瓦风电项目":    {project.InProduction, 0},
		"国昶40兆瓦风电项目":      {project.InProduction, 0},
		"朋宇10万吨锌合金锭项目":    {project.Started, 0},
		"皆诚10万吨锌合金锭项目":    {project.Started, 0},
		"亿晨环保6万吨再生铅项目":    {project.Started, 0},
		"道威200兆瓦共享储能电站项目": {project.Planning, 0},
		"天宏阳光100兆瓦光伏项目":   {project.Planning, 0},
		"唐山海泰200兆瓦光伏项目":   {project.Planning, 0},
		"水神堂康养文旅及生态修复项目":  {project.Planning, 3_400_000_000},
		"山水白羊二期项目":        {project.Planning, 37_000_000},
		"本色黄龙项目":          {project.Started, 20_400_000},
		"草石木厂项目":          {project.Started, 12_000_000},
	}
	for name, w := range want {
		e, ok := byName[name]
		require.True(t, ok, name)
		assert.Equal(t, w.stage, e.Stage, name)
		if w.investment == 0 {
			assert.Nil(t, e.TotalInvestmentYuan, "%s: the report gives no figure", name)
		} else {
			require.NotNil(t, e.TotalInvestmentYuan, name)
			assert.Equal(t, w.investment, *e.TotalInvestmentYuan, name)
		}
	}
}
