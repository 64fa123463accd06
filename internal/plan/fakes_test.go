package plan_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/plan/plantest"
	"github.com/guangling/pipeline/internal/project"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	st := plantest.NewStore()
	plantest.StoreContract(t, st, plantest.Setup{
		Department: func(*testing.T) string {
			code := "d" + uuid.NewString()[:8]
			st.AddDepartment(code)
			return code
		},
		Project: func(_ *testing.T, department string) (string, plan.Summary) {
			id := uuid.NewString()
			s := plan.Summary{Name: "晨风50兆瓦风电项目", Stage: project.Signed, Department: department}
			st.PutProject(id, s)
			return id, s
		},
	})
}

// shanghai is the county's zone, whose calendar sets "today".
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// now is the tests' clock: 15 June 2021, 10:00 in Shanghai; stamped is it
// as the service stores it.
var (
	now     = time.Date(2021, 6, 15, 10, 0, 0, 123456789, shanghai)
	stamped = time.Date(2021, 6, 15, 2, 0, 0, 123456000, time.UTC)
)

// The projects of the service tests.
const (
	windProject     = "11111111-1111-4111-8111-111111111111" // energy, started 2020: 续建
	zincProject     = "22222222-2222-4222-8222-222222222222" // industry, signed: 新建
	schoolProject   = "33333333-3333-4333-8333-333333333333" // social, planning: 前期
	archivedProject = "44444444-4444-4444-8444-444444444444"
	missingProject  = "55555555-5555-4555-8555-555555555555"
)

// The principals of the service tests, as internal/auth makes them.
var (
	admin        = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau       = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader       = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	clientBlind  = identity.Principal{Subject: "c1", Name: "能源局系统", Role: identity.RoleDeptViewer, Department: "energy",
		ClientID: "pc_1", Scopes: []string{identity.ScopeEventsRead}}
)

func day(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

func ptr[T any](v T) *T { return &v }

// projects are the register's projects.
func projects() map[string]project.Project {
	return map[string]project.Project{
		windProject: {ID: windProject, Stage: project.Started, Actual: project.Actual{StartedOn: day("2020-04-01")},
			Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy", Leader: "王县长", KeyLevel: "county", BuildType: project.New}},
		zincProject: {ID: zincProject, Stage: project.Signed,
			Fields: project.Fields{Name: "锌合金项目", Category: "materials", Department: "industry", Leader: "李副县长", KeyLevel: "city", BuildType: project.New}},
		schoolProject: {ID: schoolProject, Stage: project.Planning,
			Fields: project.Fields{Name: "第二中学", Category: "social", Department: "education", KeyLevel: "none", BuildType: project.Continuing}},
		archivedProject: {ID: archivedProject, Stage: project.Planning, ArchivedAt: &stamped,
			Fields: project.Fields{Name: "已归档", Category: "wind", Department: "energy", KeyLevel: "none"}},
	}
}

// errArchived stands for the register's answer for an archived project.
var errArchived = apperr.Coded(apperr.Conflict, "project.archived")

// inTx marks the context of a change: its transaction.
type inTx struct{}

// register is the register as plans see it (project.Service): a project
// read in scope, or changed in scope unless archived, in a transaction
// that a failed change rolls back.
type register struct {
	mu       sync.Mutex
	store    *plantest.Store
	projects map[string]project.Project
}

func admits(sc project.Reach, dept string) bool { return sc.Admits(dept) }

func (r *register) Get(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	pr, ok := r.projects[id]
	if !ok || !admits(project.ReachOf(p), pr.Department) {
		return project.Project{}, apperr.ErrNotFound
	}
	return pr, nil
}

func (r *register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.projects[id]
	switch {
	case !ok || !admits(sc, pr.Department):
		return project.Project{}, apperr.ErrNotFound
	case pr.ArchivedAt != nil:
		return project.Project{}, errArchived
	}
	restore := r.store.Snapshot()
	if err := fn(context.WithValue(ctx, inTx{}, true), &pr); err != nil {
		restore()
		return project.Project{}, err
	}
	return pr, nil
}

// LockBundle locks nothing: Within holds the register's mutex.
func (r *register) LockBundle(context.Context, project.Project) error { return nil }

// BundleClash refuses an entry of pr in year when its parent or one of its
// children is an entry of that year.
func (r *register) BundleClash(ctx context.Context, pr project.Project, year int) error {
	var others []string
	if pr.ParentID != nil {
		others = append(others, *pr.ParentID)
	}
	for id, p := range r.projects {
		if p.ParentID != nil && *p.ParentID == pr.ID {
			others = append(others, id)
		}
	}
	for _, o := range others {
		states, err := r.store.States(ctx, project.Reach{All: true}, year, o)
		if err != nil {
			return err
		}
		if len(states) > 0 && !states[len(states)-1].Removed {
			return apperr.Fields([]apperr.FieldError{{Field: "project_id", Code: "both_planned", Param: strconv.Itoa(year)}})
		}
	}
	return nil
}

// InTx runs fn in a transaction that a failure rolls back.
func (r *register) InTx(ctx context.Context, fn func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	restore := r.store.Snapshot()
	if err := fn(context.WithValue(ctx, inTx{}, true)); err != nil {
		restore()
		return err
	}
	return nil
}

// auditor records what it is given, in the change's transaction only.
type auditor struct {
	mu      sync.Mutex
	records []audit.Record
	err     error
}

var errOutsideTx = errors.New("audited outside the change's transaction")

func (a *auditor) Append(ctx context.Context, _ identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	if ctx.Value(inTx{}) == nil {
		return errOutsideTx
	}
	a.records = append(a.records, r)
	return nil
}

func (a *auditor) actions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.records {
		out = append(out, r.Action)
	}
	return out
}

// fixture is a Service over the fakes, its clock fixed.
type fixture struct {
	svc     *plan.Service
	store   *plantest.Store
	reg     *register
	auditor *auditor
}

func newFixture(clock time.Time) *fixture {
	st := plantest.NewStore("energy", "industry", "education")
	f := &fixture{store: st, reg: &register{store: st, projects: projects()}, auditor: &auditor{}}
	for id, p := range f.reg.projects {
		st.PutProject(id, plan.Summary{Name: p.Name, Code: p.Code, Stage: p.Stage, Department: p.Department})
	}
	f.svc = plan.NewService(st, f.reg, f.reg, f.auditor, func() time.Time { return clock })
	return f
}

// put puts an entry as the bureau and requires success.
func (f *fixture) put(t *testing.T, year int, id string, fl plan.Fields, ch plan.Change) plan.Written {
	t.Helper()
	w, err := f.svc.Put(context.Background(), bureau, year, id, fl, ch, 0)
	require.NoError(t, err)
	return w
}

func (f *fixture) issue(t *testing.T, year int, on string) {
	t.Helper()
	_, err := f.svc.Issue(context.Background(), bureau, year, day(on))
	require.NoError(t, err)
}

// requireFields asserts an Invalid error with exactly fields.
func requireFields(t *testing.T, fields []apperr.FieldError, err error) {
	t.Helper()
	require.Equal(t, apperr.Invalid, apperr.KindOf(err), "error: %v", err)
	require.Equal(t, fields, apperr.As(err).Fields)
}
