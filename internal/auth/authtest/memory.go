// Package authtest holds what tests of sign-in and its administration
// share: in-memory fakes of the stores of auth.Stores and a Transactor that
// rolls them back, each fake with failure injection, and the contract
// suites that the fakes and the SQL store both pass (StoreContract). Only
// tests import it, so that none of it is linked into a binary. It uses the
// standard library's testing alone, so that it stays a domain package that
// knows no HTTP.
package authtest

import (
	"context"
	"sync"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// Departments are the department codes the fakes know, as every fresh
// database has them (seeded by the first migration): a user or client of
// another department is refused as the database refuses it.
var Departments = []string{"drc", "energy", "industry", "tourism", "agriculture", "housing", "natural_resources",
	"transport", "ecology", "commerce", "devzone", "education", "health", "water", "trade_union"}

// Memory is the four in-memory stores of a Service and the Transactor that
// joins them, as one database is.
type Memory struct {
	Users    *Users
	Clients  *Clients
	Sessions *Sessions
	Failures *Failures
	Tx       *Tx
}

// New returns empty stores that know Departments.
func New() *Memory {
	return &Memory{Users: NewUsers(), Clients: NewClients(), Sessions: NewSessions(), Failures: NewFailures(), Tx: &Tx{}}
}

// Stores returns m's stores as a Service takes them.
func (m *Memory) Stores() auth.Stores {
	return auth.Stores{Users: m.Users, Clients: m.Clients, Sessions: m.Sessions, Failures: m.Failures}
}

// faults are the errors a fake was told to answer, by method name.
type faults struct {
	mu sync.Mutex
	m  map[string]error
}

// Fail makes every later call of the named method (as the store interface
// names it: "ByUsername", "UseRefresh", …) return err, as a failing database
// would, before it reads or changes anything; a nil err makes it work again.
func (f *faults) Fail(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]error{}
	}
	if err == nil {
		delete(f.m, method)
	} else {
		f.m[method] = err
	}
}

func (f *faults) fault(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[method]
}

// txKey marks the context of a transaction of a Tx.
type txKey struct{}

// txState is what a transaction undoes when it fails.
type txState struct {
	mu   sync.Mutex
	undo []func()
}

// onRollback registers how to undo a write made with ctx, when ctx carries a
// transaction; a write outside one stays whatever happens.
func onRollback(ctx context.Context, undo func()) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.mu.Lock()
		st.undo = append(st.undo, undo)
		st.mu.Unlock()
	}
}

// InTx reports whether ctx carries a transaction of a Tx, for fakes of a
// test that must be called inside one (an auditor, say).
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*txState)
	return ok
}

// Tx is an auth.Transactor over the fakes: what the fakes were given inside
// a transaction that fails is undone, newest first, as a database rolls
// back. Transactions run one at a time, as on SQLite; one begun inside
// another joins it.
type Tx struct {
	mu sync.Mutex
	faults
}

var _ auth.Transactor = (*Tx)(nil)

// InTx runs fn in a transaction. Fail("InTx", err) makes it answer err
// without running fn, as a database that cannot begin one.
func (t *Tx) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if InTx(ctx) {
		return fn(ctx)
	}
	if err := t.fault("InTx"); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &txState{}
	err := fn(context.WithValue(ctx, txKey{}, st))
	if err == nil {
		return nil
	}
	for i := len(st.undo) - 1; i >= 0; i-- {
		st.undo[i]()
	}
	return err
}

// The errors the fakes answer as the SQL store translates the database's:
// any key taken twice as a taken username, any reference to nothing as an
// unknown department.
var (
	errTaken = &apperr.Error{Kind: apperr.Conflict, Message: "auth.username_taken",
		Fields: []apperr.FieldError{{Field: "username", Code: "not_unique"}}}
	errUnknownDepartment = apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
)

// knownDepartment tells whether a department code is one of Departments.
func knownDepartment(code string) bool {
	for _, d := range Departments {
		if d == code {
			return true
		}
	}
	return false
}
