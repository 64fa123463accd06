package projectdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// explainCase is one list whose statements are explained. selective says
// that the filter admits few of the rows, so that even its count must not
// read the whole table.
type explainCase struct {
	name      string
	scope     project.Reach
	lq        project.ListQuery
	selective bool
}

func explainCases() []explainCase {
	id := "7a3c1a52-3a4b-4c55-9e2f-0a1b2c3d4e5f"
	at := clock.Format(time.RFC3339Nano)
	filter := func(f project.Filter) project.ListQuery { return project.ListQuery{Filter: f} }
	cases := []explainCase{
		{"default order", project.Reach{All: true}, project.ListQuery{}, false},
		{"stage", project.Reach{All: true}, filter(project.Filter{Stages: []project.Stage{project.Started}}), true},
		{"stages", project.Reach{All: true}, filter(project.Filter{Stages: []project.Stage{project.Started, project.Signed}}), true},
		{"stage, next page", project.Reach{All: true}, project.ListQuery{Filter: project.Filter{Stages: []project.Stage{project.Started}},
			After: &project.Cursor{Sort: "created_at", Value: at, ID: id}}, true},
		{"department filter", project.Reach{All: true}, filter(project.Filter{Departments: []string{"energy"}}), true},
		{"department scope", project.Reach{Department: "energy"}, project.ListQuery{}, true},
		{"department scope, next page", project.Reach{Department: "energy"}, project.ListQuery{
			After: &project.Cursor{Sort: "created_at", Value: at, ID: id}}, true},
		{"q", project.Reach{All: true}, filter(project.Filter{Q: "光伏电站"}), true},
		{"q ascii", project.Reach{All: true}, filter(project.Filter{Q: "acme"}), true},
		{"q code", project.Reach{All: true}, filter(project.Filter{Q: "140223-44"}), true},
		{"township", project.Reach{All: true}, filter(project.Filter{Township: "壶泉镇"}), true},
		{"leader", project.Reach{All: true}, filter(project.Filter{Leader: "李四"}), true},
		{"archived", project.Reach{All: true}, filter(project.Filter{Archived: true}), true},
		{"health", project.Reach{All: true}, filter(project.Filter{Healths: []health.Level{health.Red}}), true},
		{"healths", project.Reach{All: true}, filter(project.Filter{Healths: []health.Level{health.Red, health.Yellow}}), true},
	}
	for _, s := range sorts {
		name := "sort " + s.String()
		cases = append(cases, explainCase{name, project.Reach{All: true}, project.ListQuery{Sort: s}, false})
		values := map[string][]any{
			project.SortName:       {"风电"},
			project.SortInvestment: {int64(100_000_000), nil},
			project.SortStart:      {"2021-03-01T00:00:00Z", nil},
			project.SortUpdated:    {at},
			project.SortCreated:    {at},
		}[s.Key]
		for _, v := range values {
			n := name + ", next page"
			if v == nil {
				n += " from an empty value"
			}
			cases = append(cases, explainCase{n, project.Reach{All: true},
				project.ListQuery{Sort: s, After: &project.Cursor{Sort: s.String(), Value: v, ID: id}}, false})
		}
	}
	return cases
}

// TestListUsesIndexes explains, on PostgreSQL, the statements List issues for
// the common lists, as built by the same code List runs.
func TestListUsesIndexes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		if db.Dialect() != database.Postgres {
			t.Skip("query plans are checked on PostgreSQL only")
		}
		ctx := context.Background()
		st := projectdb.New(db)
		for _, p := range filterRows() {
			create(t, st, p)
		}
		// Filler rows, so that a selective condition is worth an index to the
		// planner; written in SQL because only their number matters.
		_, err := db.SQL().ExecContext(ctx, `INSERT INTO projects
			(id, name, category, department, build_type, key_level, stage, version, created_at, updated_at)
			SELECT gen_random_uuid(), 'filler', 'other', 'drc', 'new', 'none', 'planning', 1,
				now() - i * interval '1 minute', now() FROM generate_series(1, 3000) AS i`)
		require.NoError(t, err)
		// VACUUM as well as ANALYZE: GIN's cost estimate reads statistics that
		// only VACUUM (autovacuum, in production) writes.
		_, err = db.SQL().ExecContext(ctx, "VACUUM ANALYZE projects")
		require.NoError(t, err)

		for _, tc := range explainCases() {
			tc.lq.Limit, tc.lq.Count = 20, true
			page, count, err := projectdb.ListStatements(ctx, st, tc.scope, tc.lq)
			require.NoError(t, err, tc.name)
			for _, stmt := range []projectdb.Statement{page, count} {
				// Some index can serve every statement: with sequential scans
				// off, the planner finds one.
				plan := explain(t, db, stmt, "enable_seqscan")
				assert.NotContains(t, plan, "Seq Scan on projects", "%s\n%s\n%s", tc.name, stmt.SQL, plan)
				assert.True(t, strings.Contains(plan, "Index") || strings.Contains(plan, "Bitmap"),
					"%s: no index used\n%s\n%s", tc.name, stmt.SQL, plan)
			}
			// That alone would pass with a full scan of an index in another
			// order. So, as the planner chooses by itself: a page never reads
			// the whole table, nor does the count of a selective filter.
			stmts := []projectdb.Statement{page}
			if tc.selective {
				stmts = append(stmts, count)
			}
			for _, stmt := range stmts {
				plan := explain(t, db, stmt)
				assert.NotContains(t, plan, "Seq Scan on projects", "%s, default planner\n%s\n%s", tc.name, stmt.SQL, plan)
			}
		}

		// A substring search must find its rows through the trigram index.
		// Not so a search of fewer than three characters (光伏, 风电): it has
		// no trigram, and PostgreSQL reads the whole table for it.
		for _, q := range []string{"光伏电站", "新能源", "acme", "140223-44", "100%_"} {
			page, count, err := projectdb.ListStatements(ctx, st, project.Reach{All: true},
				project.ListQuery{Filter: project.Filter{Q: q}, Limit: 20})
			require.NoError(t, err, q)
			for _, stmt := range []projectdb.Statement{page, count} {
				plan := explain(t, db, stmt)
				assert.Contains(t, plan, "projects_search_idx", "q %s\n%s\n%s", q, stmt.SQL, plan)
			}
		}
	})
}

// explain returns the plan of s with the named planner settings off, in a
// transaction of its own so that the settings end with it.
func explain(t *testing.T, db *database.DB, s projectdb.Statement, off ...string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	for _, o := range off {
		_, err := tx.ExecContext(ctx, "SET LOCAL "+o+" = off")
		require.NoError(t, err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+s.SQL, s.Vars...)
	require.NoError(t, err, s.SQL)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		require.NoError(t, rows.Scan(&l))
		lines = append(lines, l)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}
