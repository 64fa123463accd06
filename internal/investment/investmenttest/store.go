// Package investmenttest holds what tests of progress share: an
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
// so a report of any project ID is taken.
type Store struct {
	mu       sync.Mutex
	progress map[progressKey]investment.Progress
	fail     map[string]error
}

type progressKey struct {
	project string
	period  investment.Period
}

var _ investment.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{progress: map[progressKey]investment.Progress{}, fail: map[string]error{}}
}

// Fail makes every later call of the named method ("ProgressOf" or
// "PutProgress") return err, as a failing database would;
// a nil err makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// ProgressOf lists a project's reported months of a year, or of every year
// when year is 0, in order.
func (s *Store) ProgressOf(_ context.Context, id string, year int) ([]investment.Progress, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["ProgressOf"]; err != nil {
		return nil, err
	}
	out := []investment.Progress{}
	for k, p := range s.progress {
		if k.project == id && (year == 0 || k.period.Year == year) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b investment.Progress) int {
		return cmp.Or(cmp.Compare(a.Period.Year, b.Period.Year), cmp.Compare(a.Period.Month, b.Period.Month))
	})
	return out, nil
}

// PutProgress inserts or replaces a month's report.
func (s *Store) PutProgress(_ context.Context, p investment.Progress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["PutProgress"]; err != nil {
		return err
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	s.progress[progressKey{p.ProjectID, p.Period}] = p
	return nil
}

// Snapshot returns a function that puts the store back as it is now: a
// transaction's rollback, for the fakes that stand for one.
func (s *Store) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	progress := maps.Clone(s.progress)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.progress = progress
	}
}
