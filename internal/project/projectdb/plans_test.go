package projectdb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/plan/plantest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestPlanStoreContract runs the contract of plan.Store, which the
// in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL. Entries refer to departments and projects: each case makes
// its own through the project store.
func TestPlanStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		plantest.StoreContract(t, projectdb.NewPlans(db), plantest.Setup{
			Department: func(t *testing.T) string {
				b := make([]byte, 8)
				_, _ = rand.Read(b)
				code := "d" + hex.EncodeToString(b)
				require.NoError(t, projectdb.NewDepartments(db).Create(context.Background(), department.Department{Code: code, Name: "测试局", Version: 1}, clock))
				return code
			},
			Project: func(t *testing.T, department string) (string, plan.Summary) {
				p := create(t, st, newProject(func(p *project.Project) { p.Department, p.Stage = department, project.Signed }))
				return p.ID, plan.Summary{Name: p.Name, Code: p.Code, Stage: p.Stage, Department: p.Department}
			},
		})
	})
}

// putEntry puts a project's entry with a planned investment into the
// year's plan, a draft made when the year has none, as the plan's service
// would: the facts of health read it.
func putEntry(ctx context.Context, st *projectdb.Store, db *database.DB, id string, year int, yuan int64) error {
	p, err := st.Get(ctx, project.Reach{All: true}, id)
	if err != nil {
		return err
	}
	plans := projectdb.NewPlans(db)
	if err := plans.CreatePlan(ctx, plan.Plan{Year: year, State: plan.Draft, Version: 1, UpdatedAt: clock, UpdatedBy: "bureau"}); err != nil {
		return err
	}
	return plans.AddState(ctx, plan.Entry{Year: year, ProjectID: id, Version: 1, BuildType: plan.New, BuildTypeSource: plan.SourceSet,
		KeyLevel: p.KeyLevel, PlannedYuan: &yuan, Department: p.Department, Section: plan.Industry, RecordedAt: clock, RecordedBy: "bureau"})
}
