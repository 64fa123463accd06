package httpapi_test

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// listFixtures are projects that differ in every filtered and sorted field;
// names are ASCII so that byte order is every database's order.
func listFixtures() []map[string]any {
	return []map[string]any{
		{"name": "alpha wind 风电", "category": "wind", "department": "energy", "township": "zuotuan", "leader": "zhang",
			"company": "晨风新能源", "total_investment_yuan": 300000000, "build_type": "new", "key_level": "city",
			"planned_start_date": "2021-05-01", "code": "2021-140223-44-01-000001"},
		{"name": "bravo solar", "category": "solar_pv", "department": "energy", "township": "zuotuan", "leader": "li",
			"company": "光明电力", "total_investment_yuan": 1200000000, "build_type": "new", "key_level": "province",
			"planned_start_date": "2021-03-01", "stage": "signed", "signed_on": "2021-02-01"},
		{"name": "charlie zinc", "category": "materials", "department": "industry", "township": "chengguan", "leader": "zhang",
			"company": "锌业集团", "total_investment_yuan": 300000000, "build_type": "continuing", "key_level": "county",
			"stage": "started", "started_on": "2020-10-01"},
		{"name": "delta storage", "category": "energy_storage", "department": "energy", "township": "chengguan",
			"company": "储能科技", "build_type": "new", "key_level": "none", "planned_start_date": "2021-09-01"},
		{"name": "echo road", "category": "infrastructure", "department": "transport", "township": "dongjing", "leader": "wang",
			"company": "交通投资", "total_investment_yuan": 50000000, "build_type": "continuing", "key_level": "county",
			"stage": "started"},
		{"name": "foxtrot tourism 100%", "category": "tourism", "department": "tourism", "township": "dongjing",
			"company": "文旅公司", "total_investment_yuan": 80000000, "build_type": "new", "key_level": "none",
			"planned_start_date": "2021-05-01"},
		{"name": "golf wind", "category": "wind", "department": "energy", "township": "zuotuan", "leader": "li",
			"company": "晨风新能源", "total_investment_yuan": 0, "build_type": "new", "key_level": "national",
			"planned_start_date": "2021-07-15"},
	}
}

func TestListFiltersSortAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var all []api.Project
		for _, b := range listFixtures() {
			all = append(all, e.create(t, asBureau, b))
		}
		// An archived project is in no list.
		gone := e.create(t, asBureau, projectBody("hotel archived wind"))
		res := e.do(t, request{principal: asBureau, method: http.MethodDelete, path: "/api/v1/projects/" + gone.ID,
			headers: map[string]string{"If-Match": `"1"`}})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)

		t.Run("filters", func(t *testing.T) {
			for _, f := range []struct {
				query string
				want  []string
			}{
				{"", []string{"alpha wind 风电", "bravo solar", "charlie zinc", "delta storage", "echo road", "foxtrot tourism 100%", "golf wind"}},
				{"id=" + all[2].ID + "," + all[0].ID, []string{"alpha wind 风电", "charlie zinc"}},
				{"id=" + all[2].ID + "&stage=planning", nil},
				{"stage=started", []string{"charlie zinc", "echo road"}},
				{"stage=planning,signed", []string{"alpha wind 风电", "bravo solar", "delta storage", "foxtrot tourism 100%", "golf wind"}},
				{"category=wind,solar_pv", []string{"alpha wind 风电", "bravo solar", "golf wind"}},
				{"department=industry,transport", []string{"charlie zinc", "echo road"}},
				{"build_type=continuing", []string{"charlie zinc", "echo road"}},
				{"key_level=province,national", []string{"bravo solar", "golf wind"}},
				// On the clock's day, 2021-06-15: bravo's planned start is 106
				// days past (red), alpha's and foxtrot's 45 (yellow).
				{"health=green", []string{"charlie zinc", "delta storage", "echo road", "golf wind"}},
				{"health=red,yellow", []string{"alpha wind 风电", "bravo solar", "foxtrot tourism 100%"}},
				{"health=red", []string{"bravo solar"}},
				{"township=zuotuan", []string{"alpha wind 风电", "bravo solar", "golf wind"}},
				{"leader=zhang", []string{"alpha wind 风电", "charlie zinc"}},
				{"q=" + url.QueryEscape("风电"), []string{"alpha wind 风电"}},
				{"q=" + url.QueryEscape("晨风"), []string{"alpha wind 风电", "golf wind"}},
				{"q=WIND", []string{"alpha wind 风电", "golf wind"}},
				{"q=140223-44", []string{"alpha wind 风电"}},
				{"q=" + url.QueryEscape("100%"), []string{"foxtrot tourism 100%"}},
				{"q=" + url.QueryEscape("%"), []string{"foxtrot tourism 100%"}},
				{"q=_", nil},
				{"min_investment_yuan=300000000", []string{"alpha wind 风电", "bravo solar", "charlie zinc"}},
				{"max_investment_yuan=80000000", []string{"echo road", "foxtrot tourism 100%", "golf wind"}},
				{"min_investment_yuan=1&max_investment_yuan=300000000", []string{"alpha wind 风电", "charlie zinc", "echo road", "foxtrot tourism 100%"}},
				{"planned_start_from=2021-05-01&planned_start_to=2021-07-15", []string{"alpha wind 风电", "foxtrot tourism 100%", "golf wind"}},
				{"updated_since=" + url.QueryEscape(now.Format(time.RFC3339)), []string{"alpha wind 风电", "bravo solar", "charlie zinc", "delta storage", "echo road", "foxtrot tourism 100%", "golf wind"}},
				{"updated_since=" + url.QueryEscape(now.Add(time.Second).Format(time.RFC3339)), nil},
				{"category=wind&department=energy&township=zuotuan&leader=li", []string{"golf wind"}},
				{"archived=true", []string{"hotel archived wind"}},
			} {
				l := e.list(t, asBureau, f.query+"&sort=name&count=true&limit=200")
				assert.Equal(t, f.want, nilIfEmpty(names(l.Items)), "?%s", f.query)
				if assert.NotNil(t, l.Total, "?%s", f.query) {
					assert.Equal(t, int64(len(f.want)), *l.Total, "?%s total", f.query)
				}
				assert.Nil(t, l.NextCursor, "?%s: one page", f.query)
			}
		})

		t.Run("total only when asked", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?limit=1"})
			require.Equal(t, http.StatusOK, res.status)
			assert.NotContains(t, string(res.body), `"total"`)
			assert.Contains(t, string(res.body), `"next_cursor":"`)
			res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?limit=200"})
			assert.Contains(t, string(res.body), `"next_cursor":null`)
		})

		keys := map[string]func(p api.Project) (any, bool){
			"name":                  func(p api.Project) (any, bool) { return p.Name, true },
			"created_at":            func(p api.Project) (any, bool) { return p.CreatedAt, true },
			"updated_at":            func(p api.Project) (any, bool) { return p.UpdatedAt, true },
			"total_investment_yuan": func(p api.Project) (any, bool) { return deref(p.TotalInvestmentYuan) },
			"planned_start_date":    func(p api.Project) (any, bool) { return deref(p.PlannedStartDate) },
		}
		for key, value := range keys {
			for _, desc := range []bool{false, true} {
				sort := key
				if desc {
					sort = "-" + key
				}
				for _, limit := range []int{1, 2, 3, 50} {
					t.Run(sort+"/limit "+strconv.Itoa(limit), func(t *testing.T) {
						want := expectedOrder(all, value, desc)
						var got []string
						var cursor string
						for page := 0; ; page++ {
							require.Less(t, page, 20, "paging does not end")
							q := url.Values{"sort": {sort}, "limit": {strconv.Itoa(limit)}, "count": {"true"}}
							if cursor != "" {
								q.Set("cursor", cursor)
							}
							l := e.list(t, asBureau, q.Encode())
							require.NotNil(t, l.Total)
							assert.Equal(t, int64(len(all)), *l.Total)
							assert.LessOrEqual(t, len(l.Items), limit)
							got = append(got, ids(l.Items)...)
							if l.NextCursor == nil {
								break
							}
							require.Len(t, l.Items, limit, "a page before the last is full")
							cursor = *l.NextCursor
						}
						assert.Equal(t, want, got)
					})
				}
			}
		}

		t.Run("a cursor is stable under inserts", func(t *testing.T) {
			l := e.list(t, asBureau, "sort=name&limit=3")
			require.NotNil(t, l.NextCursor)
			// A project that sorts before the cursor does not shift the next page.
			e.create(t, asBureau, projectBody("aaa inserted first"))
			next := e.list(t, asBureau, "sort=name&limit=3&cursor="+url.QueryEscape(*l.NextCursor))
			assert.Equal(t, []string{"delta storage", "echo road", "foxtrot tourism 100%"}, names(next.Items))
		})

		t.Run("a cursor belongs to its sort", func(t *testing.T) {
			l := e.list(t, asBureau, "sort=name&limit=1")
			require.NotNil(t, l.NextCursor)
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, invalid: true,
				path: "/api/v1/projects?sort=-total_investment_yuan&cursor=" + url.QueryEscape(*l.NextCursor)})
			require.Equal(t, http.StatusBadRequest, res.status, "%s", res)
			assert.True(t, namesField(res.problem(t), "cursor"), "%s", res)
		})
	})
}

func deref[T any](p *T) (any, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// expectedOrder is the documented order (project.Sort): by the key, empty
// values after every value in both directions, ties by ID in the sort's
// direction.
func expectedOrder(ps []api.Project, value func(api.Project) (any, bool), desc bool) []string {
	sorted := slices.Clone(ps)
	slices.SortFunc(sorted, func(a, b api.Project) int {
		va, oka := value(a)
		vb, okb := value(b)
		switch {
		case !oka && okb:
			return 1
		case oka && !okb:
			return -1
		}
		c := 0
		if oka && okb {
			switch x := va.(type) {
			case string:
				c = strings.Compare(x, vb.(string))
			case int64:
				c = cmp.Compare(x, vb.(int64))
			}
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
	return ids(sorted)
}
