package projecttest

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/guangling/pipeline/internal/project"
)

var _ project.FileStore = (*Store)(nil)

// AddLeaderAccount makes username an enabled account with the leader role.
func (s *Store) AddLeaderAccount(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[username] = true
}

// LeaderAccounts returns those of usernames AddLeaderAccount made.
func (s *Store) LeaderAccounts(_ context.Context, usernames []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("LeaderAccounts"); err != nil {
		return nil, err
	}
	var out []string
	for _, u := range usernames {
		if s.accounts[u] {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Linked returns the projects in scope sc linked to pr, oldest first.
func (s *Store) Linked(_ context.Context, sc project.Reach, pr project.Project) ([]project.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Linked"); err != nil {
		return nil, err
	}
	is := func(p *string, id string) bool { return p != nil && *p == id }
	var out []project.Project
	for _, p := range s.projects {
		linked := is(p.PredecessorID, pr.ID) || is(p.ParentID, pr.ID) || is(pr.PredecessorID, p.ID) || is(pr.ParentID, p.ID)
		if linked && s.admits(sc, p) {
			q := stored(p)
			q.Facts = stored(project.Project{}).Facts
			out = append(out, q)
		}
	}
	slices.SortFunc(out, func(a, b project.Project) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Children returns the IDs of the projects whose parent is id.
func (s *Store) Children(_ context.Context, id string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Children"); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range s.projects {
		if p.ParentID != nil && *p.ParentID == id {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}

// PlanYears maps each of ids to the years of the plans AddFacts gave it.
func (s *Store) PlanYears(_ context.Context, ids []string) (map[string][]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("PlanYears"); err != nil {
		return nil, err
	}
	out := map[string][]int{}
	for _, id := range ids {
		if f := s.facts[id]; f != nil && len(f.plans) > 0 {
			out[id] = slices.Sorted(maps.Keys(f.plans))
		}
	}
	return out, nil
}

// LockBundle locks nothing: the fake's writes take turns on its mutex.
func (s *Store) LockBundle(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure("LockBundle")
}
