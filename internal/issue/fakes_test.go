package issue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/issue/issuetest"
	"github.com/guangling/pipeline/internal/project"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	st := issuetest.NewStore()
	issuetest.StoreContract(t, st, issuetest.Setup{
		Department: func(*testing.T) string {
			code := "d" + uuid.NewString()[:8]
			st.AddDepartments(code)
			return code
		},
		Project: func(_ *testing.T, department string) string {
			id := uuid.NewString()
			st.PutProject(id, department)
			return id
		},
		Archive: func(_ *testing.T, id string) { st.Archive(id) },
	})
}

// The projects of the service tests.
const (
	energyProject   = "11111111-1111-4111-8111-111111111111"
	industryProject = "22222222-2222-4222-8222-222222222222"
	archivedProject = "33333333-3333-4333-8333-333333333333"
	missingProject  = "44444444-4444-4444-8444-444444444444"
)

// The departments the store knows; unknownDepartment is well formed but
// not one of them.
var departments = []string{"energy", "industry", "agriculture", "natural_resources"}

const unknownDepartment = "unknown_dept"

// The principals of the service tests, as internal/auth makes them.
var (
	admin             = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau            = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader            = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor      = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer      = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor    = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	industryViewer    = identity.Principal{Subject: "u7", Name: "industry_viewer", Role: identity.RoleDeptViewer, Department: "industry"}
	agricultureEditor = identity.Principal{Subject: "u8", Name: "agriculture_editor", Role: identity.RoleDeptEditor, Department: "agriculture"}
	// Clients of the energy bureau's system, each with the OAuth scopes named.
	clientIssues   = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeIssuesWrite)
	clientProjects = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProjectsWrite, identity.ScopeProgressWrite)
	clientRead     = client(identity.RoleDeptViewer, identity.ScopeProjectsRead)
	clientBlind    = client(identity.RoleDeptViewer, identity.ScopeEventsRead)
)

func client(r identity.Role, scopes ...string) identity.Principal {
	return identity.Principal{Subject: "c1", Name: "能源局系统", Role: r, Department: "energy", ClientID: "pc_1", Scopes: scopes}
}

// errArchived stands for the register's answer for an archived project,
// which the service passes on as it is.
var errArchived = apperr.Coded(apperr.Conflict, "project.archived")

// lockKey marks the context Within passes its function: the project it
// holds locked, and the transaction the change and its audit entry join.
type lockKey struct{}

func locked(ctx context.Context, id string) bool {
	id2, _ := ctx.Value(lockKey{}).(string)
	return id2 == id
}

// register is the register as blockers see it (project.Service): a project
// changed within a scope, locked, unless archived; its health computed
// again after each change that completes.
type register struct {
	mu       sync.Mutex
	store    *issuetest.Store // rolled back when a change fails, as its transaction would be
	projects map[string]project.Project
	within   int // the changes Within completed
	// meanwhile, when set, runs as Within is called, before it reads the
	// project: what another request did while this one waited for the lock.
	meanwhile func()
}

func admits(sc project.Reach, department string) bool {
	return sc.All || sc.Department != "" && sc.Department == department
}

func (r *register) put(p project.Project) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.projects[p.ID] = p
}

func (r *register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	if r.meanwhile != nil {
		r.meanwhile()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.projects[id]
	switch {
	case !ok || !admits(sc, pr.Department):
		return project.Project{}, apperr.ErrNotFound
	case pr.ArchivedAt != nil:
		return project.Project{}, errArchived
	}
	restore := func() {}
	if r.store != nil {
		restore = r.store.Snapshot()
	}
	if err := fn(context.WithValue(ctx, lockKey{}, id), &pr); err != nil {
		restore()
		return project.Project{}, err
	}
	r.within++
	return pr, nil
}

// errUnlocked is what the fakes answer a write made outside Within.
var errUnlocked = errors.New("written outside the project's lock and transaction")

// lockedStore refuses writes outside Within, so that every test shows the
// service writing with the blocker's project locked, in the change's
// transaction.
type lockedStore struct{ *issuetest.Store }

func (s lockedStore) Create(ctx context.Context, i issue.Issue) error {
	if !locked(ctx, i.ProjectID) {
		return errUnlocked
	}
	return s.Store.Create(ctx, i)
}

func (s lockedStore) Update(ctx context.Context, i issue.Issue, version int) error {
	if !locked(ctx, i.ProjectID) {
		return errUnlocked
	}
	return s.Store.Update(ctx, i, version)
}

// audited is one record the auditor was given, with who made the change.
type audited struct {
	by     identity.Principal
	record audit.Record
}

// auditor records what it is given, in the transaction of the change of
// the blocker's project only.
type auditor struct {
	mu      sync.Mutex
	records []audited
	err     error
}

func (a *auditor) Append(ctx context.Context, p identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	after, _ := r.After.(map[string]any)
	if pid, _ := after["project_id"].(string); !locked(ctx, pid) {
		return errUnlocked
	}
	a.records = append(a.records, audited{p, r})
	return nil
}

// shanghai is the county's zone.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// now is the tests' clock: 15 June 2021, 10:00 in Shanghai, with more
// precision than is stored; stamped is it as the service stores it.
var (
	now     = time.Date(2021, 6, 15, 10, 0, 0, 123456789, shanghai)
	stamped = time.Date(2021, 6, 15, 2, 0, 0, 123456000, time.UTC)
	earlier = time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
)

// newID is the n-th ID the service makes; the seeded blockers have IDs of
// their own below them.
func newID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// firstID is the ID of the first blocker a fixture's service opens.
var firstID = newID(100)

// fixture is a Service over the fakes, its clock and IDs fixed, with the
// projects and the seeded blockers.
type fixture struct {
	svc      *issue.Service
	store    *issuetest.Store
	register *register
	auditor  *auditor
	ids      int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: issuetest.NewStore(departments...), register: &register{projects: map[string]project.Project{}}, auditor: &auditor{}, ids: 100}
	f.register.store = f.store
	f.svc = issue.NewService(lockedStore{f.store}, f.register, f.auditor, func() time.Time { return now }, func() string {
		f.ids++
		return newID(f.ids - 1)
	})
	f.putProject(energyProject, "energy")
	f.putProject(industryProject, "industry")
	f.putProject(archivedProject, "energy")
	for _, i := range seeded {
		require.NoError(t, f.store.Create(context.Background(), i))
	}
	f.archive(archivedProject)
	return f
}

// putProject gives the register and the store a live project of department,
// or gives a project to department.
func (f *fixture) putProject(id, department string) {
	f.register.put(project.Project{ID: id, Fields: project.Fields{Department: department}})
	f.store.PutProject(id, department)
}

func (f *fixture) archive(id string) {
	f.register.mu.Lock()
	p := f.register.projects[id]
	p.ArchivedAt = &earlier
	f.register.projects[id] = p
	f.register.mu.Unlock()
	f.store.Archive(id)
}

// stored is the blocker id as the store holds it.
func (f *fixture) stored(t *testing.T, id string) issue.Issue {
	t.Helper()
	i, err := f.store.Get(context.Background(), project.Reach{All: true}, id)
	require.NoError(t, err)
	return i
}

// requireErr asserts that err is want or, for field errors, validation_failed
// with exactly fields.
func requireErr(t *testing.T, want error, fields []apperr.FieldError, err error) {
	t.Helper()
	if fields != nil {
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), "error: %v", err)
		require.Equal(t, fields, apperr.As(err).Fields)
		return
	}
	require.ErrorIs(t, err, want)
}

// issueView is a blocker as its audit records show it.
func issueView(i issue.Issue) map[string]any {
	var resolved any
	if i.ResolvedAt != nil {
		resolved = *i.ResolvedAt
	}
	return map[string]any{
		"id": i.ID, "project_id": i.ProjectID, "title": i.Title, "description": i.Description, "kind": i.Kind,
		"responsible_department": i.ResponsibleDepartment, "due_on": i.DueOn.Format(time.DateOnly),
		"status": i.Status, "resolution": i.Resolution, "version": i.Version, "resolved_at": resolved,
	}
}

func TestFakesRefuseWritesOutsideTheLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	i := seededOpen
	i.ID = uuid.NewString()
	require.ErrorIs(t, lockedStore{f.store}.Create(ctx, i), errUnlocked)
	require.ErrorIs(t, lockedStore{f.store}.Update(ctx, seededOpen, seededOpen.Version), errUnlocked)
	require.ErrorIs(t, f.auditor.Append(ctx, bureau, audit.Record{After: map[string]any{"project_id": energyProject}}), errUnlocked)
	assert.Empty(t, f.auditor.records)
}

// date is the calendar day s as midnight UTC.
func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The blockers every fixture starts with, as the store reads them. Of the
// energy project, the industry bureau must clear three: one open, one in
// progress, one resolved.
var (
	seededOpen = issue.Issue{ID: newID(1), ProjectID: energyProject, ProjectDepartment: "energy",
		Fields: issue.Fields{Title: "配套部件供应", Description: "叶片到货延迟", Kind: "construction",
			ResponsibleDepartment: "industry", DueOn: date("2021-07-01"), Status: issue.Open},
		CreatedBy: "energy_editor", Version: 2, CreatedAt: earlier, UpdatedAt: earlier.Add(time.Hour)}
	seededProgress = issue.Issue{ID: newID(2), ProjectID: energyProject, ProjectDepartment: "energy",
		Fields:    issue.Fields{Title: "并网接入", Kind: "grid", ResponsibleDepartment: "industry", DueOn: date("2021-06-01"), Status: issue.InProgress},
		CreatedBy: "bureau", Version: 3, CreatedAt: earlier, UpdatedAt: earlier}
	seededResolved = issue.Issue{ID: newID(3), ProjectID: energyProject, ProjectDepartment: "energy",
		Fields: issue.Fields{Title: "环评批复", Kind: "approval", ResponsibleDepartment: "industry", DueOn: date("2021-05-01"),
			Status: issue.Resolved, Resolution: "已批复"},
		CreatedBy: "bureau", Version: 4, CreatedAt: earlier, UpdatedAt: earlier, ResolvedAt: &earlier}
	// The industry project's own blocker, and one the natural resources
	// bureau must clear.
	seededOwn = issue.Issue{ID: newID(4), ProjectID: industryProject, ProjectDepartment: "industry",
		Fields:    issue.Fields{Title: "资金缺口", Kind: "funding", ResponsibleDepartment: "industry", DueOn: date("2021-08-01"), Status: issue.Open},
		CreatedBy: "industry_editor", Version: 1, CreatedAt: earlier, UpdatedAt: earlier}
	seededLand = issue.Issue{ID: newID(5), ProjectID: industryProject, ProjectDepartment: "industry",
		Fields:    issue.Fields{Title: "用地预审", Kind: "land", ResponsibleDepartment: "natural_resources", DueOn: date("2021-09-01"), Status: issue.Open},
		CreatedBy: "industry_editor", Version: 1, CreatedAt: earlier, UpdatedAt: earlier}
	// A blocker of the archived energy project.
	seededArchived = issue.Issue{ID: newID(6), ProjectID: archivedProject, ProjectDepartment: "energy",
		Fields:    issue.Fields{Title: "停工待复", Kind: "other", ResponsibleDepartment: "industry", DueOn: date("2021-06-20"), Status: issue.Open},
		CreatedBy: "energy_editor", Version: 1, CreatedAt: earlier, UpdatedAt: earlier}
	seeded = []issue.Issue{seededOpen, seededProgress, seededResolved, seededOwn, seededLand, seededArchived}
)
