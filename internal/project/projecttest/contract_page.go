package projecttest

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

	"github.com/guangling/pipeline/internal/project"
)

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
	}
	return p.CreatedAt
}

// compareFor orders projects as a list must: empty values after every value
// in both directions (a leader sorting by investment wants the largest known
// first), ties by ID in the list's direction.
func compareFor(s project.Sort) func(a, b project.Project) int {
	return func(a, b project.Project) int {
		va, vb := sortValue(a, s.Key), sortValue(b, s.Key)
		var c int
		switch {
		case va == nil && vb == nil:
		case va == nil:
			return 1
		case vb == nil:
			return -1
		default:
			switch x := va.(type) {
			case string:
				c = cmp.Compare(x, vb.(string))
			case int64:
				c = cmp.Compare(x, vb.(int64))
			case time.Time:
				c = x.Compare(vb.(time.Time))
			}
		}
		c = cmp.Or(c, cmp.Compare(a.ID, b.ID))
		if s.Desc {
			return -c
		}
		return c
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
		p.CreatedAt = at.Add(time.Duration(r.IntN(5))*time.Hour + time.Duration(r.IntN(2))*time.Microsecond).In(zones[r.IntN(2)])
		p.UpdatedAt = at.Add(time.Duration(r.IntN(4))*time.Minute + time.Duration(r.IntN(3))*time.Microsecond).In(zones[r.IntN(2)])
	})
}

// sorts are every sort key in both directions.
func sorts() []project.Sort {
	var out []project.Sort
	for _, k := range project.SortKeys {
		out = append(out, project.Sort{Key: k}, project.Sort{Key: k, Desc: true})
	}
	return out
}

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

func listSortAndPage(t *testing.T, s Setup) {
	r := rand.New(rand.NewPCG(1, 2))
	township := uuid.NewString()
	var rows []project.Project
	for range 23 {
		rows = append(rows, create(t, s.Store, sortRow(r, township)))
	}
	// An archived project and one of another township never appear.
	create(t, s.Store, newProject(func(p *project.Project) { p.Township, p.ArchivedAt = township, ptr(at) }))
	create(t, s.Store, newProject(func(p *project.Project) { p.Township = uuid.NewString() }))

	for _, sort := range sorts() {
		for _, limit := range []int{1, 2, 3, 5, 23, 200} {
			t.Run(fmt.Sprintf("%s/limit %d", sort.String(), limit), func(t *testing.T) {
				t.Parallel()
				want := slices.Clone(rows)
				slices.SortFunc(want, compareFor(sort))
				var wantIDs []string
				for _, p := range want {
					wantIDs = append(wantIDs, p.ID)
				}
				params := project.ListQuery{Sort: sort, Limit: limit, Filter: project.Filter{Township: township}, Count: true}
				assert.Equal(t, wantIDs, pages(t, s.Store, params, len(rows)))
			})
		}
	}
}

// pages follows a list as a client does, its cursors through JSON, and
// returns the IDs listed; every page counts n projects.
func pages(t *testing.T, st project.Store, params project.ListQuery, n int) []string {
	t.Helper()
	var got []string
	lq := nextQuery(t, params, nil)
	for range n + 2 {
		page, err := st.List(context.Background(), all, lq)
		require.NoError(t, err)
		require.NotNil(t, page.Total)
		assert.Equal(t, int64(n), *page.Total)
		require.NotEmpty(t, page.Items, "an empty page")
		for _, p := range page.Items {
			got = append(got, p.ID)
		}
		if page.Next == nil {
			break
		}
		require.Len(t, page.Items, params.Limit)
		lq = nextQuery(t, params, page.Next)
	}
	return got
}

// listUnderInserts inserts projects, some sorting before the cursor and
// some after, between the fetches of pages: the projects that existed when
// paging began each appear exactly once, and the pages stay in order.
func listUnderInserts(t *testing.T, s Setup) {
	for i, sort := range sorts() {
		t.Run(sort.String(), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			township := uuid.NewString()
			var existing []string
			for range 15 {
				existing = append(existing, create(t, s.Store, sortRow(r, township)).ID)
			}
			params := project.ListQuery{Sort: sort, Limit: 2, Filter: project.Filter{Township: township}}
			lq := nextQuery(t, params, nil)
			var got []project.Project
			for range 100 {
				page, err := s.Store.List(context.Background(), all, lq)
				require.NoError(t, err)
				got = append(got, page.Items...)
				if page.Next == nil {
					break
				}
				for range 3 {
					create(t, s.Store, sortRow(r, township))
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
			assert.True(t, slices.IsSortedFunc(got, compareFor(sort)), "pages out of order")
		})
	}
}
