package project_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// The principals of the service tests, as internal/auth makes them.
var (
	admin          = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau, Department: "drc"}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	// Clients of the energy bureau's system, each with the OAuth scopes named.
	clientWrite = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
	clientRead  = client(identity.RoleDeptEditor, identity.ScopeProjectsRead)
	clientBlind = client(identity.RoleDeptViewer, identity.ScopeEventsRead)
	// A client of the bureau that may read only.
	bureauReader = identity.Principal{Subject: "c2", Name: "发改局系统", Role: identity.RoleBureau, ClientID: "pc_2",
		Scopes: []string{identity.ScopeProjectsRead}}
)

func client(r identity.Role, scopes ...string) identity.Principal {
	return identity.Principal{Subject: "c1", Name: "能源局系统", Role: r, Department: "energy", ClientID: "pc_1", Scopes: scopes}
}

// now is the clock of the service tests: 10:00 on 2021-06-15 in the county,
// with nanoseconds the service drops.
var now = time.Date(2021, 6, 15, 2, 0, 0, 123456789, time.UTC)

// stamp is now as the service stores it.
var stamp = now.Truncate(time.Microsecond)

var today = calendar.Today(now)

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

// errBoom is a failure of a store, an auditor or a commit.
var errBoom = errors.New("boom")

// audited is one record the auditor was given, with who made the change.
type audited struct {
	by     identity.Principal
	record audit.Record
}

// auditor records what it is given, in the change's transaction only: a
// record of a transaction that rolls back is gone with it.
type auditor struct {
	tx      *projecttest.Tx
	mu      sync.Mutex
	records []audited
	err     error
}

var errOutsideTx = errors.New("audited outside the change's transaction")

func (a *auditor) Append(ctx context.Context, p identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	if !projecttest.InTransaction(ctx) {
		return errOutsideTx
	}
	a.records = append(a.records, audited{p, r})
	n := len(a.records)
	a.tx.OnRollback(ctx, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.records = a.records[:n-1]
	})
	return nil
}

func (a *auditor) all() []audited {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]audited(nil), a.records...)
}

// fixture is a Service over the fakes, its clock fixed and its IDs counted.
type fixture struct {
	svc     *project.Service
	store   *projecttest.Store
	tx      *projecttest.Tx
	auditor *auditor
	clock   time.Time
	ids     int
	seeds   int
	// notified counts the calls of the function given to Notify; each call
	// checks that the change had committed by then.
	notified int
	t        *testing.T
}

func newFixture(t *testing.T) *fixture {
	tx := projecttest.NewTx()
	f := &fixture{store: projecttest.NewStore(), tx: tx, auditor: &auditor{tx: tx}, clock: now, t: t}
	f.svc = project.NewService(f.store, f.tx, f.auditor, func() time.Time { return f.clock }, f.newID)
	commits := 0
	f.svc.Notify(func() {
		// One call a committed change: Notify never runs before the commit.
		f.notified++
		assert.Greater(t, f.tx.Commits(), commits, "told of a change before it committed")
		commits = f.tx.Commits()
	})
	return f
}

// id is the n-th ID the fixture hands out.
func id(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func (f *fixture) newID() string {
	f.ids++
	return id(f.ids)
}

// seed stores a project directly: energy's, at planning, version 1,
// created a month ago; mods adjust it.
func (f *fixture) seed(mods ...func(*project.Project)) project.Project {
	f.t.Helper()
	f.seeds++
	p := project.Project{
		ID: fmt.Sprintf("99999999-0000-4000-8000-%012d", f.seeds),
		Fields: withEmptyFile(project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
			BuildType: project.New, KeyLevel: "none", Funding: []project.Funding{}}),
		Stage: project.Planning, Health: health.Green, HealthReasons: []health.Reason{},
		Version: 1, CreatedAt: stamp.AddDate(0, -1, 0), UpdatedAt: stamp.AddDate(0, -1, 0),
	}
	for _, m := range mods {
		m(&p)
	}
	require.NoError(f.t, f.store.Create(context.Background(), p, nil))
	return f.stored(p.ID)
}

// stored reads a project from the store, whatever its scope.
func (f *fixture) stored(id string) project.Project {
	f.t.Helper()
	p, err := f.store.Get(context.Background(), project.Reach{All: true}, id)
	require.NoError(f.t, err)
	return p
}

func (f *fixture) history(id string) []project.Transition {
	f.t.Helper()
	ts, err := f.store.Transitions(context.Background(), project.Reach{All: true}, id)
	require.NoError(f.t, err)
	return ts
}

// actions lists the audited actions, in order.
func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.auditor.all() {
		out = append(out, a.record.Action+" "+a.record.ResourceID)
	}
	return out
}

// archived makes a project archived a day ago.
func archived(p *project.Project) { p.ArchivedAt = ptr(stamp.AddDate(0, 0, -1)) }

// requireKind asserts that err carries kind k.
func requireKind(t *testing.T, k apperr.Kind, err error, msgAndArgs ...any) *apperr.Error {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v %v", err, msgAndArgs)
	return apperr.As(err)
}

// fieldCodes returns "field:code" for each field error of err.
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	e := requireKind(t, apperr.Invalid, err)
	var out []string
	for _, fe := range e.Fields {
		out = append(out, fe.Field+":"+fe.Code)
	}
	return out
}

// withEmptyFile gives f the project file of a project that knows none of
// it, as the register keeps it: empty lists, not nil.
func withEmptyFile(f project.Fields) project.Fields {
	f.FundsArrived, f.Leaders, f.CooperatingUnits = []project.FundsArrived{}, []project.Leader{}, []string{}
	return f
}
