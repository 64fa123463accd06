package projectdb_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/dispatch/dispatchtest"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestDispatchStoreContract runs the contract of dispatch.Store, which the
// in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL. Plan entries are written as the plan's store writes them.
func TestDispatchStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		issues := projectdb.NewIssues(db)
		dispatchtest.StoreContract(t, dispatchtest.Setup{
			Store: projectdb.NewDispatch(db),
			NewProject: func(t *testing.T, name string, total *int64) string {
				return create(t, st, newProject(func(p *project.Project) { p.Name, p.TotalInvestmentYuan = name, total })).ID
			},
			AddEntry: func(t *testing.T, e plan.Entry) { addEntry(t, db, e) },
			AddIssue: func(t *testing.T, id string) string {
				is := issue.Issue{ID: uuid.NewString(), ProjectID: id, CreatedBy: "bureau", Version: 1, CreatedAt: clock, UpdatedAt: clock,
					Fields: issue.Fields{Title: "用地手续", Kind: "land", ResponsibleDepartment: "energy", DueOn: clock, Status: issue.Open}}
				require.NoError(t, issues.Create(context.Background(), is))
				return is.ID
			},
		})
	})
}

// addEntry writes a state of a plan entry, and its year's plan when missing.
func addEntry(t *testing.T, db *database.DB, e plan.Entry) {
	t.Helper()
	q, done := db.Conn(context.Background())
	defer done()
	require.NoError(t, q.Exec(`INSERT INTO annual_plans (year, state, version, updated_at, updated_by)
		SELECT ?, 'draft', 1, ?, 'bureau' WHERE NOT EXISTS (SELECT 1 FROM annual_plans WHERE year = ?)`, e.Year, clock, e.Year).Error)
	var start *string
	if e.PlannedStartMonth != nil {
		s := e.PlannedStartMonth.String()
		start = &s
	}
	require.NoError(t, q.Exec(`INSERT INTO plan_entries (year, project_id, version, revision, effective_on, removed, reason,
		build_type, build_type_source, key_level, planned_yuan, planned_start_month, planned_completion_on, planned_production_on,
		goals, department, leader, section, stalled, stalled_reason, opening_yuan, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Year, e.ProjectID, e.Version, e.Revision, e.EffectiveOn, e.Removed, e.Reason, string(e.BuildType), string(e.BuildTypeSource),
		string(e.KeyLevel), e.PlannedYuan, start, e.PlannedCompletionOn, e.PlannedProductionOn, e.Goals, e.Department, e.Leader,
		string(e.Section), e.Stalled, e.StalledReason, e.OpeningYuan, e.RecordedAt, e.RecordedBy).Error)
}
