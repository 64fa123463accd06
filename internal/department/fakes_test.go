package department_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/department/departmenttest"
	"github.com/guangling/pipeline/internal/identity"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	departmenttest.StoreContract(t, departmenttest.NewStore())
}

// The principals of the service tests, as internal/auth makes them.
var (
	admin        = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau       = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader       = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	// A department system that may only read events: it may still list
	// the departments, which any signed-in principal may.
	clientBlind = identity.Principal{Subject: "c1", Name: "能源局系统", Role: identity.RoleDeptViewer, Department: "energy",
		ClientID: "pc_1", Scopes: []string{identity.ScopeEventsRead}}
	clientWriter = identity.Principal{Subject: "c2", Name: "能源局系统", Role: identity.RoleDeptEditor, Department: "energy",
		ClientID: "pc_2", Scopes: identity.ClientScopes}
	// Principals no role makes: none, and one the service does not know.
	roleless = identity.Principal{Subject: "u9", Name: "nobody"}
	stranger = identity.Principal{Subject: "u8", Name: "root", Role: "root"}
)

// The departments every test starts with.
var (
	energy   = department.Department{Code: "energy", Name: "能源局", NameEN: "Energy Bureau", Version: 1}
	industry = department.Department{Code: "industry", Name: "工业和信息化局", NameEN: "Industry and Information Technology Bureau", Version: 3}
	water    = department.Department{Code: "water", Name: "水务局", Version: 2}
)

// now is the clock of the service tests, in the county's zone and finer
// than a microsecond, as time.Now may be.
var now = time.Date(2021, 6, 15, 17, 4, 5, 123456789, time.FixedZone("Asia/Shanghai", 8*3600))

// inTx marks the context the transactor passes its function.
type inTx struct{}

func transacted(ctx context.Context) bool { return ctx.Value(inTx{}) != nil }

// errOutsideTx is what the fakes answer a write made outside the transaction.
var errOutsideTx = errors.New("written outside the transaction")

// transactor runs a transaction of the store, which puts back what it held
// when the function fails, and counts how each ended.
type transactor struct {
	st                   *departmenttest.Store
	mu                   sync.Mutex
	committed, discarded int
}

func (x *transactor) InTx(ctx context.Context, fn func(context.Context) error) error {
	err := x.st.InTx(ctx, func(ctx context.Context) error { return fn(context.WithValue(ctx, inTx{}, true)) })
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.discarded++
	} else {
		x.committed++
	}
	return err
}

// store refuses writes outside the transaction, so that every test shows
// the service writing a department and its audit entry together, and
// notes the time of each write.
type store struct {
	*departmenttest.Store
	at *[]time.Time
}

func (s store) Create(ctx context.Context, d department.Department, at time.Time) error {
	if !transacted(ctx) {
		return errOutsideTx
	}
	*s.at = append(*s.at, at)
	return s.Store.Create(ctx, d, at)
}

func (s store) Update(ctx context.Context, code string, at time.Time, change func(*department.Department) error) (department.Department, error) {
	if !transacted(ctx) {
		return department.Department{}, errOutsideTx
	}
	*s.at = append(*s.at, at)
	return s.Store.Update(ctx, code, at, change)
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
	if !transacted(ctx) {
		return errOutsideTx
	}
	a.records = append(a.records, audited{p, r})
	return nil
}

// fixture is a Service over the fakes, its clock fixed.
type fixture struct {
	svc     *department.Service
	store   *departmenttest.Store
	tx      *transactor
	auditor *auditor
	at      []time.Time // the times the store was given
}

func newFixture() *fixture {
	st := departmenttest.NewStore(energy, industry, water)
	f := &fixture{store: st, tx: &transactor{st: st}, auditor: &auditor{}}
	f.svc = department.NewService(store{st, &f.at}, f.tx, f.auditor, func() time.Time { return now })
	return f
}

// records are the audit records the auditor was given.
func (f *fixture) records() []audited {
	f.auditor.mu.Lock()
	defer f.auditor.mu.Unlock()
	return f.auditor.records
}

func (f *fixture) list(t *testing.T) []department.Department {
	t.Helper()
	ds, err := f.store.List(context.Background())
	require.NoError(t, err)
	return ds
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
