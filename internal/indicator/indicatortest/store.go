// Package indicatortest holds what tests of the county's indicators share:
// an in-memory indicator.Store and StoreContract, the behaviour every Store
// keeps, which the SQL store and the in-memory one both pass. Only tests
// import it, so that neither is linked into a binary.
package indicatortest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/indicator"
)

// Store is an indicator.Store in memory, safe for concurrent use. It is an
// indicator.Transactor too, as the database is: InTx runs one transaction
// at a time and, when its function fails, puts back what the store held
// when it began.
type Store struct {
	tx    sync.Mutex // held by the running transaction
	mu    sync.Mutex // guards what follows
	years map[int]indicator.Year
	fail  map[string]error
}

var (
	_ indicator.Store      = (*Store)(nil)
	_ indicator.Transactor = (*Store)(nil)
)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{years: map[int]indicator.Year{}, fail: map[string]error{}}
}

// Fail makes every later call of the named method ("Years", "Get", "Put"
// or "InTx") return err, as a failing database would; nil makes it work
// again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

type txKey struct{}

// InTx runs fn in a transaction: alone, and undone when fn fails. Within
// another transaction of the store it joins that one.
func (s *Store) InTx(ctx context.Context, fn func(context.Context) error) error {
	s.mu.Lock()
	err := s.fail["InTx"]
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if st, _ := ctx.Value(txKey{}).(*Store); st == s {
		return fn(ctx)
	}
	s.tx.Lock()
	defer s.tx.Unlock()
	s.mu.Lock()
	saved := maps.Clone(s.years)
	s.mu.Unlock()
	if err := fn(context.WithValue(ctx, txKey{}, s)); err != nil {
		s.mu.Lock()
		s.years = saved
		s.mu.Unlock()
		return err
	}
	return nil
}

// Years lists the years that have a list, in order.
func (s *Store) Years(context.Context) ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Years"]; err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(s.years)), nil
}

// Get reads a year's list; a year without one is indicator.ErrNone.
func (s *Store) Get(_ context.Context, year int) (indicator.Year, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Get"]; err != nil {
		return indicator.Year{}, err
	}
	y, ok := s.years[year]
	if !ok {
		return indicator.Year{}, indicator.ErrNone
	}
	y.Items = slices.Clone(y.Items)
	return y, nil
}

// Put writes a year's list at y.Version, over the version before it.
func (s *Store) Put(_ context.Context, y indicator.Year) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Put"]; err != nil {
		return err
	}
	held, ok := s.years[y.Year]
	if (y.Version == 1) == ok || ok && held.Version != y.Version-1 {
		return apperr.ErrVersionConflict
	}
	y.Items = slices.Clone(y.Items)
	s.years[y.Year] = y
	return nil
}
