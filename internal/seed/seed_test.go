package seed

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/indicator/indicatortest"
	"github.com/guangling/pipeline/internal/plan"
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

// TestProjectWords: the words of the report's projects — 原材料 and 新材料
// apart, 房地产开发 as its own category, each project under the
// department the report's work belongs to, and 山水白羊's first phase, which
// the report says was carried out in 2020, beside its second.
func TestProjectWords(t *testing.T) {
	t.Parallel()
	entries, err := Projects()
	require.NoError(t, err)
	byName := map[string]project.Draft{}
	for _, e := range entries {
		byName[e.Name] = e
		assert.NotEqual(t, project.Category("materials"), e.Category, "%s: the demo uses the split categories", e.Name)
	}
	for name, want := range map[string]struct {
		category   project.Category
		department string
	}{
		"年产10万吨锌合金锭项目": {"raw_materials", "industry"},
		"朋宇10万吨锌合金锭项目": {"raw_materials", "industry"},
		"皆诚10万吨锌合金锭项目": {"raw_materials", "industry"},
		"亿晨环保6万吨再生铅项目": {"raw_materials", "industry"},
		"钕铁硼永磁生产加工项目":  {"new_materials", "industry"},
		"福馨园商住小区项目":    {"real_estate", "housing"},
		"龙泉学府商住小区项目":   {"real_estate", "housing"},
		"县级融媒体中心项目":    {"social", "media_center"},
		"新城老年公寓项目":     {"social", "civil_affairs"},
		"山水白羊一期项目":     {"tourism", "tourism"},
		"山水白羊二期项目":     {"tourism", "tourism"},
	} {
		e, ok := byName[name]
		require.True(t, ok, name)
		assert.Equal(t, want.category, e.Category, name)
		assert.Equal(t, want.department, e.Department, name)
	}
	one := byName["山水白羊一期项目"]
	assert.Equal(t, project.Started, one.Stage)
	assert.Equal(t, "2020-12-31", one.AsOf.Format(time.DateOnly))
	assert.Contains(t, one.Note, "实施了“山水白羊”")
	// 交付使用 is how a building handed over reads (docs/stages.md).
	assert.Equal(t, project.InProduction, byName["棚户区安置房项目"].Stage)
}

// TestIndicators: the report's figures, each kept as the report writes it
// and quoting the phrase it is read from, valid for its year.
func TestIndicators(t *testing.T) {
	t.Parallel()
	all := Indicators()
	require.Len(t, all, 2)
	values := map[indicator.Code]string{}
	for year, items := range all {
		items = indicator.Normalize(year, items)
		require.NoError(t, indicator.Validate(year, items), year)
		for _, it := range items {
			values[it.Code] = it.Value + " " + it.Unit + " " + it.Period
			assert.True(t, strings.HasPrefix(it.Source, reportSource), it.Code)
			assert.Contains(t, it.Source, it.Value, "%s: the phrase gives the figure", it.Code)
		}
	}
	assert.Equal(t, map[indicator.Code]string{
		"fixed_asset_investment":               "374204 万元 2020",
		"fixed_asset_investment_growth":        "13.5 % 2020",
		"projects_under_construction":          "147 个 2020",
		"projects_completed":                   "103 个 2020",
		"projects_in_production":               "22 个 2020",
		"investment_completed":                 "42.89 亿元 2020",
		"projects_over_100m_introduced":        "10 个 2020",
		"fixed_asset_investment_growth_target": "10.5 % 2021",
		"start_rate_target":                    "75 % 2021-06-30",
		"resumption_rate_target":               "100 % 2021-06-30",
	}, values)
}

// TestDemoIndicators loads the report's indicators once: a year that has a
// list keeps it.
func TestDemoIndicators(t *testing.T) {
	t.Parallel()
	st := indicatortest.NewStore()
	svc := indicator.NewService(st, st, nopAuditor{}, func() time.Time { return time.Date(2021, 4, 7, 0, 0, 0, 0, time.UTC) })
	ctx := context.Background()
	bureau := identity.Principal{Name: "bureau", Role: identity.RoleBureau}
	_, _, err := svc.Put(ctx, bureau, 2021, []indicator.Item{{Code: "start_rate_target", Value: "80", Source: "县政府"}}, 0)
	require.NoError(t, err)
	n, err := DemoIndicators(ctx, svc)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "2020 only: 2021 has a list")
	y, err := svc.Get(ctx, bureau, 2021)
	require.NoError(t, err)
	assert.Equal(t, "80", y.Items[0].Value)
	y, err = svc.Get(ctx, bureau, 2020)
	require.NoError(t, err)
	assert.Len(t, y.Items, 7)
	assert.Equal(t, "seed", y.UpdatedBy)
	n, err = DemoIndicators(ctx, svc)
	require.NoError(t, err)
	assert.Zero(t, n)

	st.Fail("Get", errors.New("boom"))
	_, err = DemoIndicators(ctx, svc)
	assert.Error(t, err)
}

type nopAuditor struct{}

func (nopAuditor) Append(context.Context, identity.Principal, audit.Record) error { return nil }

// TestPlanEntries: the demo plan names demo projects only, each typed by
// the phrase it quotes as the rule says (docs/plan.md, "The demo plan"),
// with no planned investment the report does not give.
func TestPlanEntries(t *testing.T) {
	entries, err := PlanEntries()
	require.NoError(t, err)
	require.Len(t, entries, 23)
	projects, err := Projects()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, p := range projects {
		names[p.Name] = true
	}
	var raw []demoEntry
	require.NoError(t, json.Unmarshal(demoPlan, &raw))
	byPhrase := map[string]plan.BuildType{
		"加速推进": plan.Continuing, "加快实施": plan.Continuing, "加快建设": plan.Continuing, "提速": plan.Continuing, "尽早完成": plan.Continuing,
		"开工建设": plan.New, "早日开工建设": plan.New, "谋划实施": plan.Preliminary, "对接": plan.Preliminary,
	}
	count := map[plan.BuildType]int{}
	for _, e := range raw {
		assert.True(t, names[e.Name], "%s is a demo project", e.Name)
		assert.Contains(t, e.Report, e.Phrase, e.Name)
		want, ok := byPhrase[e.Phrase]
		require.True(t, ok, "%s: %s is a phrase of the rule", e.Name, e.Phrase)
		assert.Equal(t, want, plan.BuildType(e.BuildType), e.Name)
		f := entries[e.Name]
		assert.Equal(t, want, f.BuildType)
		assert.Nil(t, f.PlannedYuan, "the report gives no year's planned investment")
		assert.Contains(t, f.Goals, e.Report)
		count[want]++
	}
	assert.Equal(t, map[plan.BuildType]int{plan.Continuing: 9, plan.New: 6, plan.Preliminary: 8}, count)
}

// TestPhases: the report's phases are linked, each earlier phase is an
// entry before its later one, and Demo can link them as it creates them.
func TestPhases(t *testing.T) {
	t.Parallel()
	phases, err := Phases()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"钕铁硼永磁项目": "钕铁硼永磁生产加工项目", "山水白羊二期项目": "山水白羊一期项目"}, phases)
	entries, err := Projects()
	require.NoError(t, err)
	seen := map[string]project.Stage{}
	for _, e := range entries {
		if prev, ok := phases[e.Name]; ok {
			assert.Contains(t, seen, prev, "%s comes after %s", e.Name, prev)
		}
		seen[e.Name] = e.Stage
	}
	assert.Equal(t, project.InProduction, seen["钕铁硼永磁生产加工项目"], "built in 2020")
	assert.Equal(t, project.Started, seen["钕铁硼永磁项目"], "pushed in 2021")
}

// TestInvestorOrigins: the one investor the report names by where it comes
// from, 唐山海泰 of Tangshan (京津冀), and no other origin.
func TestInvestorOrigins(t *testing.T) {
	t.Parallel()
	entries, err := Projects()
	require.NoError(t, err)
	origins := map[string]project.Origin{}
	for _, e := range entries {
		if e.InvestorOrigin != "" || e.Investor != "" {
			origins[e.Name+"/"+e.Investor] = e.InvestorOrigin
		}
	}
	assert.Equal(t, map[string]project.Origin{"唐山海泰200兆瓦光伏项目/唐山海泰": "jingjinji"}, origins)
}
