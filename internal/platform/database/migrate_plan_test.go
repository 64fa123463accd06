package database_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestProjectPlansBecomeEntries: a yearly plan of the first version
// (project_plans) becomes, through 00008, the entry of an issued plan of its
// year, typed from the project; 00009 drops the old table, and its Down
// makes the old rows again from the entries.
func TestProjectPlansBecomeEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		require.NoError(t, db.MigrateTo(ctx, 7))
		id := "0190a0b0-0000-7000-8000-000000000001"
		exec(t, db, `INSERT INTO projects (id, name, category, department, leader, build_type, key_level, stage,
			planned_start_date, version, created_at, updated_at)
			VALUES ('`+id+`', '风电项目', 'wind', 'energy', '王县长', 'continuing', 'county', 'started',
			'2021-04-10', 1, '2021-01-05 08:00:00', '2021-01-05 08:00:00')`)
		exec(t, db, `INSERT INTO project_plans (project_id, year, planned_yuan, version, updated_at, updated_by)
			VALUES ('`+id+`', 2021, 120000000, 2, '2021-01-06 08:00:00', 'bureau')`)
		require.NoError(t, db.MigrateTo(ctx, 9))

		var state, issued string
		require.NoError(t, db.SQL().QueryRowContext(ctx, `SELECT state, CAST(issued_on AS TEXT) FROM annual_plans WHERE year = 2021`).Scan(&state, &issued))
		assert.Equal(t, "issued", state)
		assert.Equal(t, "2021-01-01", issued[:10])
		var (
			buildType, source, department, leader, section, month string
			planned                                               int64
			revision                                              int
		)
		require.NoError(t, db.SQL().QueryRowContext(ctx, `SELECT build_type, build_type_source, department, leader, section,
			planned_start_month, planned_yuan, revision FROM plan_entries WHERE year = 2021 AND project_id = '`+id+`'`).
			Scan(&buildType, &source, &department, &leader, &section, &month, &planned, &revision))
		assert.Equal(t, []any{"continuing", "migrated", "energy", "王县长", "industry", "2021-04", int64(120000000), 0},
			[]any{buildType, source, department, leader, section, month, planned, revision})
		var tables int
		require.NoError(t, db.SQL().QueryRowContext(ctx, countTable("project_plans", db.Dialect())).Scan(&tables))
		assert.Zero(t, tables, "00009 drops project_plans")

		require.NoError(t, db.MigrateTo(ctx, 8))
		var yuan int64
		var updated time.Time
		require.NoError(t, db.SQL().QueryRowContext(ctx, `SELECT planned_yuan, updated_at FROM project_plans WHERE project_id = '`+id+`' AND year = 2021`).
			Scan(&yuan, &updated))
		assert.Equal(t, int64(120000000), yuan, "Down makes the old row again from the entry")
		require.NoError(t, db.MigrateTo(ctx, 9))
	})
}

func exec(t *testing.T, db *database.DB, q string) {
	t.Helper()
	_, err := db.SQL().ExecContext(context.Background(), q)
	require.NoError(t, err)
}

func countTable(name, dialect string) string {
	if dialect == database.Postgres {
		return `SELECT count(*) FROM information_schema.tables WHERE table_name = '` + name + `' AND table_schema = current_schema()`
	}
	return `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '` + name + `'`
}
