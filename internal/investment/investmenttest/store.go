// Package investmenttest holds what tests of plans share: an
// in-memory investment.Store and StoreContract, the behaviour every Store
// keeps, which the SQL store and the in-memory one both pass. Only tests
// import it, so that neither is linked into a binary.
package investmenttest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/investment"
)

// Store is an investment.Store in memory, safe for concurrent use. It keeps
// what the SQL store keeps, times in UTC, and no more: it knows no projects,
// so a plan of any project ID is taken.
type Store struct {
	mu    sync.Mutex
	plans map[planKey]investment.Plan
	fail  map[string]error
}

type planKey struct {
	project string
	year    int
}

var _ investment.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{plans: map[planKey]investment.Plan{}, fail: map[string]error{}}
}

// Fail makes every later call of the named method ("Plans" or "PutPlan")
// return err, as a failing database would; a nil err makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// Plans lists a project's plans by year.
func (s *Store) Plans(_ context.Context, id string) ([]investment.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Plans"]; err != nil {
		return nil, err
	}
	out := []investment.Plan{}
	for k, p := range s.plans {
		if k.project == id {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b investment.Plan) int { return cmp.Compare(a.Year, b.Year) })
	return out, nil
}

// PutPlan inserts or replaces a plan.
func (s *Store) PutPlan(_ context.Context, p investment.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["PutPlan"]; err != nil {
		return err
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	s.plans[planKey{p.ProjectID, p.Year}] = p
	return nil
}

// Snapshot returns a function that puts the store back as it is now: a
// transaction's rollback, for the fakes that stand for one.
func (s *Store) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	plans := maps.Clone(s.plans)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.plans = plans
	}
}
