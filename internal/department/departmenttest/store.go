// Package departmenttest holds what tests of departments share: an
// in-memory department.Store and StoreContract, the behaviour every Store
// keeps, which the SQL store and the in-memory one both pass. Only tests
// import it, so that neither is linked into a binary.
package departmenttest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/department"
)

// Store is a department.Store in memory, safe for concurrent use. It is a
// department.Transactor too, as the database is: InTx runs one transaction
// at a time (as SQLite does) and, when its function fails, puts back what
// the store held when it began. A Create or Update made outside InTx is a
// transaction of its own. It keeps no more than Department holds: the
// times a store is given are not kept.
type Store struct {
	tx    sync.Mutex // held by the running transaction
	mu    sync.Mutex // guards what follows
	depts map[string]department.Department
	fail  map[string]error
}

var (
	_ department.Store      = (*Store)(nil)
	_ department.Transactor = (*Store)(nil)
)

// NewStore returns a Store that holds ds.
func NewStore(ds ...department.Department) *Store {
	s := &Store{depts: map[string]department.Department{}, fail: map[string]error{}}
	for _, d := range ds {
		s.depts[d.Code] = d
	}
	return s
}

// Fail makes every later call of the named method ("List", "Create",
// "Update" or "InTx") return err, as a failing database would; a nil err
// makes it work again. A failing InTx runs nothing.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

func (s *Store) failure(method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail[method]
}

// txKey marks the context of a running transaction of the store it holds.
type txKey struct{}

func (s *Store) inTx(ctx context.Context) bool {
	st, _ := ctx.Value(txKey{}).(*Store)
	return st == s
}

// InTx runs fn in a transaction: alone, and undone when fn fails. Within
// another transaction of the store it joins that one.
func (s *Store) InTx(ctx context.Context, fn func(context.Context) error) error {
	if err := s.failure("InTx"); err != nil {
		return err
	}
	if s.inTx(ctx) {
		return fn(ctx)
	}
	s.tx.Lock()
	defer s.tx.Unlock()
	s.mu.Lock()
	saved := maps.Clone(s.depts)
	s.mu.Unlock()
	if err := fn(context.WithValue(ctx, txKey{}, s)); err != nil {
		s.mu.Lock()
		s.depts = saved
		s.mu.Unlock()
		return err
	}
	return nil
}

// List lists every department by code.
func (s *Store) List(context.Context) ([]department.Department, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["List"]; err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(s.depts))
	slices.SortFunc(out, func(a, b department.Department) int { return cmp.Compare(a.Code, b.Code) })
	return out, nil
}

// errTaken is the SQL store's answer for a taken code.
var errTaken = &apperr.Error{
	Kind:    apperr.Conflict,
	Message: "department.code_taken",
	Fields:  []apperr.FieldError{{Field: "code", Code: "not_unique"}},
}

// Create inserts a department; a taken code is Conflict, naming the code.
func (s *Store) Create(ctx context.Context, d department.Department, _ time.Time) error {
	return s.InTx(ctx, func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.fail["Create"]; err != nil {
			return err
		}
		if _, taken := s.depts[d.Code]; taken {
			return errTaken
		}
		s.depts[d.Code] = d
		return nil
	})
}

// Update loads, changes and saves a department in one transaction; an
// unknown code is NotFound, and a change that fails saves nothing. The
// code stays what it was, whatever change does with it.
func (s *Store) Update(ctx context.Context, code string, _ time.Time, change func(*department.Department) error) (department.Department, error) {
	var out department.Department
	err := s.InTx(ctx, func(context.Context) error {
		if err := s.failure("Update"); err != nil {
			return err
		}
		s.mu.Lock()
		d, ok := s.depts[code]
		s.mu.Unlock()
		if !ok {
			return apperr.ErrNotFound
		}
		if err := change(&d); err != nil {
			return err
		}
		saved := d
		saved.Code = code
		s.mu.Lock()
		s.depts[code] = saved
		s.mu.Unlock()
		out = d
		return nil
	})
	return out, err
}
