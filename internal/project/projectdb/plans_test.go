package projectdb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/identity"
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

// TestPlanChangesTakeTurns: changes of one year's plan made at once — the
// entries of several projects, two targets, two issues — each lock the
// plan's row and follow each other: every change counts once in the
// plan's version, and a plan is issued once.
func TestPlanChangesTakeTurns(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC) }
		auditor := audit.NewService(auditdb.New(db), now)
		st := projectdb.New(db)
		svc := project.NewService(st, db, auditor, now, uuid.NewString)
		plans := plan.NewService(projectdb.NewPlans(db), svc, db, auditor, now)
		bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
		const n = 6
		ids := make([]string, n)
		for i := range ids {
			p, err := svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "项目" + strconv.Itoa(i), Category: "wind", Department: "energy"}})
			require.NoError(t, err)
			ids[i] = p.ID
		}
		_, err := plans.PutTargets(ctx, bureau, 2021, plan.Targets{})
		require.NoError(t, err)

		var wg sync.WaitGroup
		errs := make(chan error, n+2)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := plans.SetPlanned(ctx, bureau, 2021, id, int64(i+1), plan.Change{}, 0)
				errs <- err
			}()
		}
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := plans.PutTargets(ctx, bureau, 2021, plan.Targets{InvestmentYuan: ptr(int64(100 + i))})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		v, err := plans.Get(ctx, bureau, 2021, plan.Query{})
		require.NoError(t, err)
		assert.Len(t, v.Entries, n)
		assert.Equal(t, 1+n+2, v.Plan.Version, "every change counted once")

		issued := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := plans.Issue(ctx, bureau, 2021, nil)
				issued <- err
			}()
		}
		wg.Wait()
		close(issued)
		var ok, conflicts int
		for err := range issued {
			switch {
			case err == nil:
				ok++
			case apperr.KindOf(err) == apperr.Conflict:
				conflicts++
			default:
				t.Errorf("issue: %v", err)
			}
		}
		assert.Equal(t, []int{1, 1}, []int{ok, conflicts}, "issued once")
	})
}
