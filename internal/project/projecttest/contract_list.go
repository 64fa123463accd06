package projecttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// listAll follows the cursors of a list to its end and returns the IDs in
// order, and the total of the first page (-1 when not counted).
func listAll(t *testing.T, st project.Store, sc project.Reach, lq project.ListQuery) ([]string, int64) {
	t.Helper()
	var ids []string
	var total int64 = -1
	for range 1000 {
		page, err := st.List(context.Background(), sc, lq)
		require.NoError(t, err)
		if lq.Count {
			require.NotNil(t, page.Total)
			if total == -1 {
				total = *page.Total
			}
			require.Equal(t, total, *page.Total, "the total changes from page to page")
		} else {
			require.Nil(t, page.Total)
		}
		for _, p := range page.Items {
			ids = append(ids, p.ID)
		}
		if page.Next == nil {
			return ids, total
		}
		require.Len(t, page.Items, lq.Limit, "a page before the last is short")
		lq.After = page.Next
	}
	t.Fatal("the list does not end")
	return nil, 0
}

// filterCase is a filter and the projects of filterRows it admits.
type filterCase struct {
	name string
	f    project.Filter
	want []string
}

var live = []string{"A", "B", "C", "D", "E"}

// filterCases are the cases of listFilters.
var filterCases = []filterCase{
	{"none", project.Filter{}, live},
	{"one stage", project.Filter{Stages: []project.Stage{project.Cancelled}}, []string{"E"}},
	{"stages", project.Filter{Stages: []project.Stage{project.Started, project.Signed}}, []string{"A", "B"}},
	{"stage without projects", project.Filter{Stages: []project.Stage{project.AtCapacity}}, nil},
	{"category", project.Filter{Categories: []project.Category{"materials"}}, []string{"C"}},
	{"categories", project.Filter{Categories: []project.Category{"wind", "solar_pv", "tourism"}}, []string{"A", "B", "E"}},
	{"department", project.Filter{Departments: []string{"industry"}}, []string{"C", "D"}},
	{"departments", project.Filter{Departments: []string{"energy", "tourism"}}, []string{"A", "B", "E"}},
	{"build type", project.Filter{BuildTypes: []project.BuildType{project.Continuing}}, []string{"B", "E"}},
	{"build types", project.Filter{BuildTypes: []project.BuildType{project.Continuing, project.New}}, live},
	{"key levels", project.Filter{KeyLevels: []project.KeyLevel{"city", "national"}}, []string{"A", "E"}},
	{"key level none", project.Filter{KeyLevels: []project.KeyLevel{"none"}}, []string{"C"}},
	{"health", project.Filter{Healths: []health.Level{health.Red}}, []string{"C"}},
	{"healths", project.Filter{Healths: []health.Level{health.Yellow, health.Red}}, []string{"B", "C", "E"}},
	{"township", project.Filter{Township: "壶泉镇"}, []string{"A", "C"}},
	{"township is matched whole", project.Filter{Township: "壶泉"}, nil},
	{"leader", project.Filter{Leader: "李四"}, []string{"B", "C"}},
	{"leader without projects", project.Filter{Leader: "钱七"}, nil},
	{"q in a name", project.Filter{Q: "光伏"}, []string{"A"}},
	{"q in names and companies", project.Filter{Q: "风电"}, []string{"B"}},
	{"q in a company only", project.Filter{Q: "锌业"}, []string{"C"}},
	{"q whole name", project.Filter{Q: "锌合金深加工"}, []string{"C"}},
	{"q code substring", project.Filter{Q: "140223-32"}, []string{"C"}},
	{"q code tail", project.Filter{Q: "000901"}, []string{"A"}},
	{"q code part in two codes", project.Filter{Q: "-140223-"}, []string{"A", "C"}},
	{"q spans no two fields", project.Filter{Q: "公司2021"}, nil},
	{"q ascii ignores case", project.Filter{Q: "aCME"}, []string{"D"}},
	{"q percent is literal", project.Filter{Q: "%"}, []string{"D"}},
	{"q underscore is literal", project.Filter{Q: "_"}, []string{"D"}},
	{"q percent and underscore are literal", project.Filter{Q: "0%_达"}, []string{"D"}},
	{"q backslash is literal", project.Filter{Q: `\`}, []string{"E"}},
	{"q backslash percent", project.Filter{Q: `\%`}, nil},
	{"q quote", project.Filter{Q: "'"}, nil},
	{"q without match", project.Filter{Q: "水电站"}, nil},
	{"min investment inclusive", project.Filter{MinInvest: ptr(int64(500_000_000))}, []string{"A", "B"}},
	{"max investment inclusive", project.Filter{MaxInvest: ptr(int64(100_000_000))}, []string{"D", "E"}},
	{"max investment zero", project.Filter{MaxInvest: ptr(int64(0))}, []string{"D"}},
	{"investment range", project.Filter{MinInvest: ptr(int64(100_000_000)), MaxInvest: ptr(int64(500_000_000))}, []string{"A", "E"}},
	{"planned start from inclusive", project.Filter{StartFrom: day("2021-03-01")}, []string{"A", "B", "E"}},
	{"planned start to inclusive", project.Filter{StartTo: day("2021-03-01")}, []string{"A", "D"}},
	{"planned start range", project.Filter{StartFrom: day("2021-02-01"), StartTo: day("2021-12-31")}, []string{"A", "B"}},
	{"updated since inclusive", project.Filter{UpdatedSince: ptr(at.Add(2 * time.Hour))}, []string{"B", "D", "E"}},
	{"updated since in another zone", project.Filter{UpdatedSince: ptr(at.Add(2 * time.Hour).In(shanghai))}, []string{"B", "D", "E"}},
	{"updated since one microsecond earlier", project.Filter{UpdatedSince: ptr(at.Add(2*time.Hour - time.Microsecond))}, []string{"B", "C", "D", "E"}},
	{"updated since later", project.Filter{UpdatedSince: ptr(at.Add(10 * time.Hour))}, nil},
	{"archived", project.Filter{Archived: true}, []string{"archived"}},
	{"archived with a filter that excludes it", project.Filter{Archived: true, Stages: []project.Stage{project.Signed}}, nil},
	{"archived with q", project.Filter{Archived: true, Q: "光伏"}, []string{"archived"}},
	{"combined", project.Filter{Departments: []string{"energy"}, Stages: []project.Stage{project.Signed, project.Landed}}, []string{"B"}},
	{"combined with q", project.Filter{Q: "达标", KeyLevels: []project.KeyLevel{"national"}}, []string{"E"}},
}

// filterRow sets the fields the filters read.
func filterRow(name, company, dept string, stage project.Stage, cat project.Category, bt project.BuildType,
	kl project.KeyLevel, h health.Level, township, leader string, inv *int64, start *time.Time, updated time.Duration,
) project.Project {
	return newProject(func(p *project.Project) {
		p.Name, p.Company, p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel = name, company, dept, stage, cat, bt, kl
		p.Health, p.Township, p.Leader, p.TotalInvestmentYuan, p.PlannedStartDate = h, township, leader, inv, start
		p.UpdatedAt = at.Add(updated)
	})
}

// filterRows are the projects of listFilters, by the names the cases use.
// Each differs from the others in the fields the cases filter on. Their
// codes are the only ones of the suite with 140223 in them: the suite runs
// once on a store.
func filterRows() map[string]project.Project {
	rows := map[string]project.Project{
		"A": filterRow("壶泉光伏电站一期", "广灵县新能源有限公司", "energy", project.Started, "solar_pv", project.New, "city",
			health.Green, "壶泉镇", "张三", ptr(int64(500_000_000)), day("2021-03-01"), time.Hour),
		"B": filterRow("南村风电场二期", "华能风电公司", "energy", project.Signed, "wind", project.Continuing, "province",
			health.Yellow, "南村镇", "李四", ptr(int64(1_200_000_000)), day("2021-06-15"), 2*time.Hour),
		"C": filterRow("锌合金深加工", "山西锌业集团", "industry", project.Planning, "materials", project.New, "none",
			health.Red, "壶泉镇", "李四", nil, nil, 2*time.Hour-time.Microsecond),
		"D": filterRow("100%_达标 工程", "Acme_Co", "industry", project.Landed, "manufacturing", project.New, "county",
			health.Green, "加斗乡", "王五", ptr(int64(0)), day("2021-01-10"), 3*time.Hour),
		"E": filterRow("100x达标工程", `文旅\投资`, "tourism", project.Cancelled, "tourism", project.Continuing, "national",
			health.Yellow, "蕉山乡", "赵六", ptr(int64(100_000_000)), day("2022-01-01"), 4*time.Hour),
		"archived": filterRow("壶泉光伏电站二期", "广灵县新能源有限公司", "energy", project.Started, "solar_pv", project.New, "city",
			health.Yellow, "壶泉镇", "张三", ptr(int64(500_000_000)), day("2021-03-01"), 5*time.Hour),
	}
	a, b, c, archived := rows["A"], rows["B"], rows["C"], rows["archived"]
	a.Code, c.Code, archived.Code = ptr("2021-140223-44-02-000901"), ptr("2020-140223-32-03-000777"), ptr("2021-140223-44-02-000902")
	archived.ArchivedAt = ptr(at.Add(5 * time.Hour))
	b.UpdatedAt = b.UpdatedAt.In(shanghai) // the same instant in the county's zone
	rows["A"], rows["B"], rows["C"], rows["archived"] = a, b, c, archived
	return rows
}

func listFilters(t *testing.T, s Setup) {
	rows := filterRows()
	byID := map[string]string{}
	var ids []string
	for name, p := range rows {
		create(t, s.Store, p)
		byID[p.ID] = name
		ids = append(ids, p.ID)
	}
	for _, tc := range filterCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			f.IDs = ids // the suite's other projects aside
			got, total := listAll(t, s.Store, all, project.ListQuery{Filter: f, Limit: 2, Count: true})
			var names []string
			for _, id := range got {
				names = append(names, byID[id])
			}
			assert.ElementsMatch(t, tc.want, names)
			assert.Equal(t, int64(len(tc.want)), total)
		})
	}
	t.Run("ids", func(t *testing.T) {
		t.Parallel()
		got, total := listAll(t, s.Store, all, project.ListQuery{Filter: project.Filter{IDs: []string{rows["B"].ID, rows["E"].ID, uuid.NewString()}}, Limit: 1, Count: true})
		assert.ElementsMatch(t, []string{rows["B"].ID, rows["E"].ID}, got)
		assert.Equal(t, int64(2), total)
	})
}

func listScope(t *testing.T, s Setup) {
	township := uuid.NewString()
	in := func(dept string) func(*project.Project) {
		return func(p *project.Project) { p.Township, p.Department = township, dept }
	}
	var mine []string
	for range 3 {
		mine = append(mine, create(t, s.Store, newProject(in("energy"))).ID)
	}
	other := create(t, s.Store, newProject(in("industry")))
	energy := project.Reach{Department: "energy"}
	cases := []struct {
		name  string
		scope project.Reach
		f     project.Filter
		want  []string
	}{
		{"energy", energy, project.Filter{}, mine},
		{"energy asking for industry", energy, project.Filter{Departments: []string{"industry"}}, nil},
		{"energy asking for both", energy, project.Filter{Departments: []string{"industry", "energy"}}, mine},
		{"industry", project.Reach{Department: "industry"}, project.Filter{}, []string{other.ID}},
		{"unscoped", all, project.Filter{}, append(slices.Clone(mine), other.ID)},
		{"department without projects", project.Reach{Department: "tourism"}, project.Filter{}, nil},
		{"no department fails closed", project.Reach{}, project.Filter{}, nil},
	}
	for _, tc := range cases {
		for _, limit := range []int{1, project.MaxLimit} {
			tc.f.Township = township
			got, total := listAll(t, s.Store, tc.scope, project.ListQuery{Filter: tc.f, Limit: limit, Count: true})
			assert.ElementsMatch(t, tc.want, got, tc.name)
			assert.Equal(t, int64(len(tc.want)), total, tc.name)
		}
	}
}

func listedWithout(t *testing.T, s Setup) {
	full, tr := fullProject()
	full.ArchivedAt, full.Township = nil, uuid.NewString()
	require.NoError(t, s.Store.Create(context.Background(), full, tr))
	stored := get(t, s.Store, full.ID)
	require.NotEqual(t, health.Facts{}, stored.Facts)
	only := func(export bool) project.Project {
		page, err := s.Store.List(context.Background(), all, project.ListQuery{Filter: project.Filter{Township: full.Township}, Limit: 5, Brief: export})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		return page.Items[0]
	}
	want := stored
	want.Facts = health.Facts{}
	assert.Equal(t, want, only(false), "a listed project is all but its facts")

	got := only(true)
	assert.Empty(t, got.Funding)
	assert.Empty(t, got.HealthReasons)
	assert.Zero(t, got.UpdatedAt)
	assert.Equal(t, health.Facts{}, got.Facts)
	f := stored.Fields
	f.Funding = got.Funding
	assert.Equal(t, f, got.Fields, "an exported project holds the register file's fields")
	assert.Equal(t, []any{stored.ID, stored.Stage, stored.Actual, stored.Health}, []any{got.ID, got.Stage, got.Actual, got.Health})

	// A brief list keeps its sort key, which the next page's cursor holds.
	page, err := s.Store.List(context.Background(), all, project.ListQuery{Filter: project.Filter{Township: full.Township},
		Limit: 5, Brief: true, Sort: project.Sort{Key: project.SortUpdated}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.True(t, page.Items[0].UpdatedAt.Equal(stored.UpdatedAt), "sorted by updated_at, a brief list keeps it")
}

func listEdges(t *testing.T, s Setup) {
	ctx := context.Background()
	township := uuid.NewString()
	var ids []string
	for i := range 3 {
		p := create(t, s.Store, newProject(func(p *project.Project) {
			p.Township, p.CreatedAt = township, at.Add(time.Duration(i)*time.Second)
		}))
		ids = append(ids, p.ID)
	}
	edges := project.Filter{Township: township}

	page, err := s.Store.List(ctx, all, project.ListQuery{Filter: edges})
	require.NoError(t, err, "a zero query lists by creation with the default limit")
	var got []string
	for _, p := range page.Items {
		got = append(got, p.ID)
	}
	assert.Equal(t, ids, got)
	assert.Nil(t, page.Next)
	assert.Nil(t, page.Total)

	page, err = s.Store.List(ctx, all, project.ListQuery{Filter: project.Filter{Township: uuid.NewString()}, Limit: 5, Count: true})
	require.NoError(t, err)
	assert.NotNil(t, page.Items, "an empty list")
	assert.Empty(t, page.Items)
	assert.Nil(t, page.Next)
	require.NotNil(t, page.Total)
	assert.Zero(t, *page.Total)

	lq := project.ListQuery{Filter: edges, Sort: project.Sort{Key: project.SortCreated}, Limit: 1, Count: true}
	got, total := listAll(t, s.Store, all, lq)
	assert.Equal(t, ids, got, "a count with a cursor counts every project")
	assert.Equal(t, int64(3), total)

	for _, tc := range badQueries() {
		lq := project.ListQuery{Filter: edges, Sort: tc.sort, Limit: 2, After: tc.after}
		_, err := s.Store.List(ctx, all, lq)
		e := requireKind(t, apperr.Invalid, err)
		assert.Equal(t, tc.field, e.Fields[0].Field, tc.name)
	}
}

// badQueries are list queries that are invalid, never a database error.
func badQueries() []struct {
	name  string
	sort  project.Sort
	after *project.Cursor
	field string
} {
	id, created := uuid.NewString(), at.Format(time.RFC3339Nano)
	byCreation := project.Sort{Key: project.SortCreated}
	return []struct {
		name  string
		sort  project.Sort
		after *project.Cursor
		field string
	}{
		{"unknown sort key", project.Sort{Key: "colour"}, nil, "sort"},
		{"cursor id not a uuid", byCreation, &project.Cursor{Sort: "created_at", Value: created, ID: "x"}, "cursor"},
		{"cursor id in braces", byCreation, &project.Cursor{Sort: "created_at", Value: created, ID: "{" + id + "}"}, "cursor"},
		{"cursor time not a time", byCreation, &project.Cursor{Sort: "created_at", Value: "yesterday", ID: id}, "cursor"},
		{"cursor time empty", project.Sort{Key: project.SortUpdated}, &project.Cursor{Sort: "updated_at", ID: id}, "cursor"},
		{"cursor money not a number", project.Sort{Key: project.SortInvestment}, &project.Cursor{Sort: "total_investment_yuan", Value: "many", ID: id}, "cursor"},
		{"cursor money a fraction", project.Sort{Key: project.SortInvestment}, &project.Cursor{Sort: "total_investment_yuan", Value: 1.5, ID: id}, "cursor"},
		{"cursor name not a string", project.Sort{Key: project.SortName}, &project.Cursor{Sort: "name", Value: int64(3), ID: id}, "cursor"},
		{"cursor date not a date", project.Sort{Key: project.SortStart, Desc: true}, &project.Cursor{Sort: "-planned_start_date", Value: int64(3), ID: id}, "cursor"},
	}
}
