package investment_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/investment"
	"github.com/guangling/pipeline/internal/investment/investmenttest"
	"github.com/guangling/pipeline/internal/project"
)

// shanghai is the county's zone, whose calendar sets "today".
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// now is the tests' clock: 15 June 2021, 10:00 in Shanghai, with more
// precision than is stored; stamped is it as the service stores it.
var (
	now     = time.Date(2021, 6, 15, 10, 0, 0, 123456789, shanghai)
	stamped = time.Date(2021, 6, 15, 2, 0, 0, 123456000, time.UTC)
	earlier = time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	investmenttest.StoreContract(t, investmenttest.NewStore(), func(*testing.T) string { return uuid.NewString() })
}

// The projects of the service tests.
const (
	energyProject   = "p-energy"
	industryProject = "p-industry"
	archivedProject = "p-archived"
)

// The principals of the service tests, as internal/auth makes them.
var (
	admin          = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	// Clients of the energy bureau's system, each with the OAuth scopes named.
	clientPlans    = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
	clientProgress = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProgressWrite)
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

// register is the register as the service sees it (project.Service): a
// project is read as a principal may, and changed within a scope, locked,
// unless archived. Blockers' responsible departments are left out.
type register struct {
	mu       sync.Mutex
	store    *investmenttest.Store // rolled back when a change fails, as its transaction would be
	projects map[string]project.Project
	within   int // the changes Within completed, after which health is computed again
}

func newRegister() *register {
	archived := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	return &register{projects: map[string]project.Project{
		energyProject:   {ID: energyProject, Fields: project.Fields{Department: "energy"}},
		industryProject: {ID: industryProject, Fields: project.Fields{Department: "industry"}},
		archivedProject: {ID: archivedProject, Fields: project.Fields{Department: "energy"}, ArchivedAt: &archived},
	}}
}

func admits(sc project.Reach, department string) bool {
	return sc.All || sc.Department != "" && sc.Department == department
}

func (r *register) Get(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	if err := project.CanRead(p); err != nil {
		return project.Project{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
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
// service writing with the project locked, in the change's transaction.
type lockedStore struct{ *investmenttest.Store }

func (s lockedStore) PutProgress(ctx context.Context, p investment.Progress) error {
	if !locked(ctx, p.ProjectID) {
		return errUnlocked
	}
	return s.Store.PutProgress(ctx, p)
}

// audited is one record the auditor was given, with who made the change.
type audited struct {
	by     identity.Principal
	record audit.Record
}

// auditor records what it is given, in the change's transaction only.
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
	if !locked(ctx, r.ResourceID) {
		return errUnlocked
	}
	a.records = append(a.records, audited{p, r})
	return nil
}

// fixture is a Service over the fakes, its clock fixed.
type fixture struct {
	svc      *investment.Service
	store    *investmenttest.Store
	register *register
	auditor  *auditor
}

func newFixture(now time.Time) *fixture {
	f := &fixture{store: investmenttest.NewStore(), register: newRegister(), auditor: &auditor{}}
	f.register.store = f.store
	f.svc = investment.NewService(lockedStore{f.store}, f.register, f.auditor, func() time.Time { return now })
	return f
}

func (f *fixture) putProgress(t *testing.T, ps ...investment.Progress) {
	t.Helper()
	for _, p := range ps {
		require.NoError(t, f.store.PutProgress(context.Background(), p))
	}
}

func (f *fixture) progress(t *testing.T, id string) []investment.Progress {
	t.Helper()
	ps, err := f.store.ProgressOf(context.Background(), id, 0)
	require.NoError(t, err)
	return ps
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

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
