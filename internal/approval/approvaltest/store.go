// Package approvaltest holds what tests of approvals share: an in-memory
// approval.Store and Contract, the behaviour every Store keeps, which the
// SQL store and the in-memory one both pass. Only tests import it, so that
// neither is linked into a binary.
package approvaltest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
)

// Store is an approval.Store in memory, safe for concurrent use. Like the
// SQL store it keeps dates as midnight UTC and times in UTC.
type Store struct {
	mu    sync.Mutex
	items map[string]approval.Item // by "<project>/<code>"
	fail  error
}

var _ approval.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{items: map[string]approval.Item{}} }

// Fail makes every later call return err, as a failing database would; nil
// makes it work again.
func (s *Store) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

func key(id string, c approval.Code) string { return id + "/" + string(c) }

// Items returns the stored items of project id, in code order.
func (s *Store) Items(_ context.Context, id string) ([]approval.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []approval.Item
	for _, it := range s.items {
		if it.ProjectID == id {
			out = append(out, clone(it))
		}
	}
	slices.SortFunc(out, func(a, b approval.Item) int { return strings.Compare(string(a.Code), string(b.Code)) })
	return out, nil
}

// ItemsOf returns the stored items of the projects ids, by project.
func (s *Store) ItemsOf(ctx context.Context, ids []string) (map[string][]approval.Item, error) {
	out := map[string][]approval.Item{}
	for _, id := range ids {
		items, err := s.Items(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 {
			out[id] = items
		}
	}
	return out, nil
}

// Put inserts it when version is 0, else saves it while it is still at
// version.
func (s *Store) Put(_ context.Context, it approval.Item, version int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	k := key(it.ProjectID, it.Code)
	cur, ok := s.items[k]
	switch {
	case version == 0 && ok, version != 0 && (!ok || cur.Version != version):
		return apperr.ErrVersionConflict
	}
	s.items[k] = clone(it)
	return nil
}

// clone copies it with its dates as midnight UTC, as the SQL store reads
// them, and its time in UTC.
func clone(it approval.Item) approval.Item {
	for _, d := range []**time.Time{&it.AppliedOn, &it.ExpectedOn, &it.ObtainedOn} {
		if *d != nil {
			y, m, dd := (*d).Date()
			t := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
			*d = &t
		}
	}
	it.UpdatedAt = it.UpdatedAt.UTC()
	return it
}
