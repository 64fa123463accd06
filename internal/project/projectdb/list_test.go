package projectdb_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// filterRows are the projects of TestListFilters, by a short name used in the
// cases. Each differs from the others in the fields the cases filter on.
func filterRows() map[string]project.Project {
	return map[string]project.Project{
		"A": newProject(func(p *project.Project) {
			p.Name, p.Company, p.Code = "壶泉光伏电站一期", "广灵县新能源有限公司", ptr("2021-140223-44-02-000001")
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "energy", project.Started, "solar_pv", project.New, "city", health.Green
			p.Township, p.Leader = "壶泉镇", "张三"
			p.TotalInvestmentYuan, p.PlannedStartDate = ptr(int64(500_000_000)), day("2021-03-01")
			p.UpdatedAt = clock.Add(time.Hour)
		}),
		"B": newProject(func(p *project.Project) {
			p.Name, p.Company = "南村风电场二期", "华能风电公司"
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "energy", project.Signed, "wind", project.Continuing, "province", health.Yellow
			p.Township, p.Leader = "南村镇", "李四"
			p.TotalInvestmentYuan, p.PlannedStartDate = ptr(int64(1_200_000_000)), day("2021-06-15")
			p.UpdatedAt = clock.Add(2 * time.Hour).In(shanghai)
		}),
		"C": newProject(func(p *project.Project) {
			p.Name, p.Company, p.Code = "锌合金深加工", "山西锌业集团", ptr("2020-140223-32-03-000777")
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "industry", project.Planning, "materials", project.New, "none", health.Red
			p.Township, p.Leader = "壶泉镇", "李四"
			p.UpdatedAt = clock.Add(2*time.Hour - time.Microsecond)
		}),
		"D": newProject(func(p *project.Project) {
			p.Name, p.Company = "100%_达标 工程", "Acme_Co"
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "industry", project.Landed, "manufacturing", project.New, "county", health.Green
			p.Township, p.Leader = "加斗乡", "王五"
			p.TotalInvestmentYuan, p.PlannedStartDate = ptr(int64(0)), day("2021-01-10")
			p.UpdatedAt = clock.Add(3 * time.Hour)
		}),
		"E": newProject(func(p *project.Project) {
			p.Name, p.Company = "100x达标工程", `文旅\投资`
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "tourism", project.Cancelled, "tourism", project.Continuing, "national", health.Yellow
			p.Township, p.Leader = "蕉山乡", "赵六"
			p.TotalInvestmentYuan, p.PlannedStartDate = ptr(int64(100_000_000)), day("2022-01-01")
			p.UpdatedAt = clock.Add(4 * time.Hour)
		}),
		"archived": newProject(func(p *project.Project) {
			p.Name, p.Company, p.Code = "壶泉光伏电站二期", "广灵县新能源有限公司", ptr("2021-140223-44-02-000002")
			p.Department, p.Stage, p.Category, p.BuildType, p.KeyLevel, p.Health = "energy", project.Started, "solar_pv", project.New, "city", health.Yellow
			p.Township, p.Leader = "壶泉镇", "张三"
			p.TotalInvestmentYuan, p.PlannedStartDate = ptr(int64(500_000_000)), day("2021-03-01")
			p.UpdatedAt = clock.Add(5 * time.Hour)
			p.ArchivedAt = ptr(clock.Add(5 * time.Hour))
		}),
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		rows := filterRows()
		byID := map[string]string{}
		for name, p := range rows {
			create(t, st, p)
			byID[p.ID] = name
		}
		live := []string{"A", "B", "C", "D", "E"}
		cases := []struct {
			name string
			f    project.Filter
			want []string
		}{
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
			{"q in another company", project.Filter{Q: "新能源"}, []string{"A"}},
			{"q whole name", project.Filter{Q: "锌合金深加工"}, []string{"C"}},
			{"q code substring", project.Filter{Q: "140223-32"}, []string{"C"}},
			{"q code tail", project.Filter{Q: "000001"}, []string{"A"}},
			{"q code part in two codes", project.Filter{Q: "-140223-"}, []string{"A", "C"}},
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
			{"updated since inclusive", project.Filter{UpdatedSince: ptr(clock.Add(2 * time.Hour))}, []string{"B", "D", "E"}},
			{"updated since in another zone", project.Filter{UpdatedSince: ptr(clock.Add(2 * time.Hour).In(shanghai))}, []string{"B", "D", "E"}},
			{"updated since one microsecond earlier", project.Filter{UpdatedSince: ptr(clock.Add(2*time.Hour - time.Microsecond))}, []string{"B", "C", "D", "E"}},
			{"updated since later", project.Filter{UpdatedSince: ptr(clock.Add(10 * time.Hour))}, nil},
			{"archived", project.Filter{Archived: true}, []string{"archived"}},
			{"archived with a filter that excludes it", project.Filter{Archived: true, Stages: []project.Stage{project.Signed}}, nil},
			{"archived with q", project.Filter{Archived: true, Q: "光伏"}, []string{"archived"}},
			{"combined", project.Filter{Departments: []string{"energy"}, Stages: []project.Stage{project.Signed, project.Landed}}, []string{"B"}},
			{"combined with q", project.Filter{Q: "达标", KeyLevels: []project.KeyLevel{"national"}}, []string{"E"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ids, total := listAll(t, st, project.Reach{All: true}, project.ListQuery{Filter: tc.f, Limit: 2, Count: true})
				var got []string
				for _, id := range ids {
					got = append(got, byID[id])
				}
				assert.ElementsMatch(t, tc.want, got)
				assert.Equal(t, int64(len(tc.want)), total)
			})
		}
	})
}

// sortValue is a project's value under a sort key; nil when empty.
func sortValue(p project.Project, key string) any {
	switch key {
	case project.SortName:
		return p.Name
	case project.SortInvestment:
		if p.TotalInvestmentYuan == nil {
			return nil
		}
		return *p.TotalInvestmentYuan
	case project.SortStart:
		if p.PlannedStartDate == nil {
			return nil
		}
		return *p.PlannedStartDate
	case project.SortUpdated:
		return p.UpdatedAt
	case project.SortCreated:
		return p.CreatedAt
	}
	panic("unknown sort key " + key)
}

// compareFor orders projects as a list must: empty values after every value
// in both directions (a leader sorting by investment wants the largest known
// first), ties by id in the list's direction.
func compareFor(s project.Sort) func(a, b project.Project) int {
	return func(a, b project.Project) int {
		key := s.Key
		va, vb := sortValue(a, key), sortValue(b, key)
		var c int
		switch {
		case va == nil && vb == nil:
		case va == nil:
			c = 1
		case vb == nil:
			c = -1
		default:
			switch x := va.(type) {
			case string:
				c = cmp.Compare(x, vb.(string))
			case int64:
				c = cmp.Compare(x, vb.(int64))
			case time.Time:
				c = x.Compare(vb.(time.Time))
			}
			if s.Desc {
				c = -c
			}
		}
		if c != 0 {
			return c
		}
		if s.Desc {
			return cmp.Compare(b.ID, a.ID)
		}
		return cmp.Compare(a.ID, b.ID)
	}
}

// sortRow returns a project whose sort values are drawn from small sets, so
// that every key has ties and the nullable keys have empty values; times are
// in two zones.
func sortRow(r *rand.Rand, township string) project.Project {
	names := []string{"alpha", "bravo", "charlie", "delta", "echo", "alpha2"}
	invs := []*int64{nil, ptr(int64(0)), ptr(int64(5)), ptr(int64(100_000_000)), ptr(int64(7)), nil}
	starts := []*time.Time{nil, day("2021-03-01"), day("2020-12-31"), day("2021-03-02")}
	zones := []*time.Location{time.UTC, shanghai}
	return newProject(func(p *project.Project) {
		p.Name = names[r.IntN(len(names))]
		p.Township = township
		p.TotalInvestmentYuan = invs[r.IntN(len(invs))]
		p.PlannedStartDate = starts[r.IntN(len(starts))]
		p.CreatedAt = clock.Add(time.Duration(r.IntN(5))*time.Hour + time.Duration(r.IntN(2))*time.Microsecond).In(zones[r.IntN(2)])
		p.UpdatedAt = clock.Add(time.Duration(r.IntN(4))*time.Minute + time.Duration(r.IntN(3))*time.Microsecond).In(zones[r.IntN(2)])
	})
}

var sorts = func() []project.Sort {
	var out []project.Sort
	for _, k := range []string{project.SortName, project.SortInvestment, project.SortStart, project.SortUpdated, project.SortCreated} {
		out = append(out, project.Sort{Key: k}, project.Sort{Key: k, Desc: true})
	}
	return out
}()

// nextQuery is the query of the page after next, as a client sends it: the
// cursor goes out as JSON inside an opaque token and comes back with its
// numbers as JSON numbers, which the HTTP layer reads as integers.
func nextQuery(t *testing.T, q project.ListQuery, next *project.Cursor) project.ListQuery {
	t.Helper()
	if next == nil {
		q.After = nil
		return q
	}
	b, err := json.Marshal(next)
	require.NoError(t, err)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var c project.Cursor
	require.NoError(t, d.Decode(&c))
	if n, ok := c.Value.(json.Number); ok {
		c.Value, err = n.Int64()
		require.NoError(t, err)
	}
	q.After = &c
	return q
}

func TestListSortAndPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		r := rand.New(rand.NewPCG(1, 2))
		var rows []project.Project
		for range 23 {
			rows = append(rows, create(t, st, sortRow(r, "sort-test")))
		}
		// An archived row and one of another township never appear.
		create(t, st, newProject(func(p *project.Project) { p.Township = "sort-test"; p.ArchivedAt = ptr(clock) }))
		create(t, st, newProject(func(p *project.Project) { p.Township = "elsewhere" }))

		for _, s := range sorts {
			for _, limit := range []int{1, 2, 3, 5, 23, 200} {
				t.Run(fmt.Sprintf("%s/limit %d", s.String(), limit), func(t *testing.T) {
					t.Parallel()
					want := slices.Clone(rows)
					slices.SortFunc(want, compareFor(s))
					var wantIDs []string
					for _, p := range want {
						wantIDs = append(wantIDs, p.ID)
					}
					params := project.ListQuery{Sort: s, Limit: limit, Filter: project.Filter{Township: "sort-test"}, Count: true}
					var got []string
					lq := nextQuery(t, params, nil)
					for range len(rows) + 2 {
						page, err := st.List(context.Background(), project.Reach{All: true}, lq)
						require.NoError(t, err)
						require.NotNil(t, page.Total)
						assert.Equal(t, int64(len(rows)), *page.Total)
						require.NotEmpty(t, page.Items, "an empty page")
						for _, p := range page.Items {
							got = append(got, p.ID)
						}
						if page.Next == nil {
							break
						}
						require.Len(t, page.Items, limit)
						lq = nextQuery(t, params, page.Next)
					}
					assert.Equal(t, wantIDs, got)
				})
			}
		}
	})
}

// TestListPagesUnderInserts inserts rows, some sorting before the cursor and
// some after, between the fetches of pages: the rows that existed when
// paging began each appear exactly once, and the pages stay in order.
func TestListPagesUnderInserts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		for i, s := range sorts {
			t.Run(s.String(), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(uint64(i), 7))
				township := "inserts-" + s.String()
				byID := map[string]project.Project{}
				var existing []string
				for range 15 {
					p := create(t, st, sortRow(r, township))
					byID[p.ID] = p
					existing = append(existing, p.ID)
				}
				params := project.ListQuery{Sort: s, Limit: 2, Filter: project.Filter{Township: township}}
				lq := nextQuery(t, params, nil)
				var got []project.Project
				for range 100 {
					page, err := st.List(context.Background(), project.Reach{All: true}, lq)
					require.NoError(t, err)
					got = append(got, page.Items...)
					if page.Next == nil {
						break
					}
					for range 3 {
						p := create(t, st, sortRow(r, township))
						byID[p.ID] = p
					}
					lq = nextQuery(t, params, page.Next)
				}
				seen := map[string]int{}
				for _, p := range got {
					seen[p.ID]++
				}
				for id, n := range seen {
					assert.Equal(t, 1, n, "project %s listed %d times", id, n)
				}
				for _, id := range existing {
					assert.Equal(t, 1, seen[id], "existing project %s missing", id)
				}
				assert.True(t, slices.IsSortedFunc(got, compareFor(s)), "pages out of order")
			})
		}
	})
}

// TestListQueryEdges covers what the HTTP layer would not send but other
// callers of the store might.
func TestListQueryEdges(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		var ids []string
		for i := range 3 {
			p := create(t, st, newProject(func(p *project.Project) {
				p.Township = "edges"
				p.CreatedAt = clock.Add(time.Duration(i) * time.Second)
			}))
			ids = append(ids, p.ID)
		}
		edges := project.Filter{Township: "edges"}

		t.Run("zero query lists by creation with the default limit", func(t *testing.T) {
			t.Parallel()
			page, err := st.List(ctx, project.Reach{All: true}, project.ListQuery{Filter: edges})
			require.NoError(t, err)
			var got []string
			for _, p := range page.Items {
				got = append(got, p.ID)
			}
			assert.Equal(t, ids, got)
			assert.Nil(t, page.Next)
			assert.Nil(t, page.Total)
		})
		t.Run("empty list", func(t *testing.T) {
			t.Parallel()
			page, err := st.List(ctx, project.Reach{All: true}, project.ListQuery{Filter: project.Filter{Township: "nowhere"}, Limit: 5, Count: true})
			require.NoError(t, err)
			assert.NotNil(t, page.Items)
			assert.Empty(t, page.Items)
			assert.Nil(t, page.Next)
			require.NotNil(t, page.Total)
			assert.Zero(t, *page.Total)
		})
		t.Run("bad queries are invalid, not internal", func(t *testing.T) {
			t.Parallel()
			id := uuid.NewString()
			cases := []struct {
				name  string
				sort  project.Sort
				after project.Cursor
				field string
			}{
				{"unknown sort key", project.Sort{Key: "colour"}, project.Cursor{}, "sort"},
				{"cursor id not a uuid", project.Sort{Key: project.SortCreated}, project.Cursor{Sort: "created_at", Value: clock.Format(time.RFC3339Nano), ID: "x"}, "cursor"},
				{"cursor id in braces", project.Sort{Key: project.SortCreated}, project.Cursor{Sort: "created_at", Value: clock.Format(time.RFC3339Nano), ID: "{" + id + "}"}, "cursor"},
				{"cursor time not a time", project.Sort{Key: project.SortCreated}, project.Cursor{Sort: "created_at", Value: "yesterday", ID: id}, "cursor"},
				{"cursor time empty", project.Sort{Key: project.SortUpdated}, project.Cursor{Sort: "updated_at", ID: id}, "cursor"},
				{"cursor money not a number", project.Sort{Key: project.SortInvestment}, project.Cursor{Sort: "total_investment_yuan", Value: "many", ID: id}, "cursor"},
				{"cursor name not a string", project.Sort{Key: project.SortName}, project.Cursor{Sort: "name", Value: int64(3), ID: id}, "cursor"},
				{"cursor date not a date", project.Sort{Key: project.SortStart, Desc: true}, project.Cursor{Sort: "-planned_start_date", Value: int64(3), ID: id}, "cursor"},
			}
			for _, tc := range cases {
				after := &tc.after
				if tc.after.ID == "" {
					after = nil
				}
				_, err := st.List(ctx, project.Reach{All: true}, project.ListQuery{Filter: edges, Sort: tc.sort, Limit: 2, After: after})
				requireKind(t, apperr.Invalid, err)
				assert.Equal(t, tc.field, apperr.As(err).Fields[0].Field, tc.name)
			}
		})
		t.Run("count with a cursor counts every row", func(t *testing.T) {
			t.Parallel()
			lq := project.ListQuery{Filter: edges, Sort: project.Sort{Key: project.SortCreated}, Limit: 1, Count: true}
			got, total := listAll(t, st, project.Reach{All: true}, lq)
			assert.Equal(t, ids, got)
			assert.Equal(t, int64(3), total)
		})
	})
}
