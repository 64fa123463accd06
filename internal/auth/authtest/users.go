package authtest

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// Users is an auth.UserStore in memory, safe for concurrent use. Like the
// SQL store it keeps times in UTC, refuses a username or ID taken twice and
// a department not in Departments, and finds usernames case-sensitively.
type Users struct {
	mu   sync.Mutex
	byID map[string]auth.User
	faults
}

var _ auth.UserStore = (*Users)(nil)

// NewUsers returns an empty Users.
func NewUsers() *Users { return &Users{byID: map[string]auth.User{}} }

func userUTC(u auth.User) auth.User {
	u.CreatedAt, u.UpdatedAt, u.TokensValidAfter = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), u.TokensValidAfter.UTC()
	return u
}

// taken tells whether another user than id has the username.
func (s *Users) taken(id, username string) bool {
	for _, u := range s.byID {
		if u.ID != id && u.Username == username {
			return true
		}
	}
	return false
}

// ByUsername returns the user with that name.
func (s *Users) ByUsername(_ context.Context, username string) (auth.User, error) {
	if err := s.fault("ByUsername"); err != nil {
		return auth.User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.byID {
		if u.Username == username {
			return u, nil
		}
	}
	return auth.User{}, apperr.ErrNotFound
}

// UserByID returns the user with that ID.
func (s *Users) UserByID(_ context.Context, id string) (auth.User, error) {
	if err := s.fault("UserByID"); err != nil {
		return auth.User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok {
		return auth.User{}, apperr.ErrNotFound
	}
	return u, nil
}

// ListUsers returns every user by username.
func (s *Users) ListUsers(context.Context) ([]auth.User, error) {
	if err := s.fault("ListUsers"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]auth.User, 0, len(s.byID))
	for _, u := range s.byID {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b auth.User) int { return cmp.Compare(a.Username, b.Username) })
	return out, nil
}

// Create inserts a user.
func (s *Users) Create(ctx context.Context, u auth.User) error {
	if err := s.fault("Create"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[u.ID]; ok || s.taken(u.ID, u.Username) {
		return errTaken
	}
	if u.Department != "" && !knownDepartment(u.Department) {
		return errUnknownDepartment
	}
	s.byID[u.ID] = userUTC(u)
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.byID, u.ID)
	})
	return nil
}

// UpdateUser loads a user, lets change change it and saves it, unless change
// fails. The ID and creation time stay as they were, as in the database.
// change runs without the store's lock; a user saved meanwhile with another
// version makes it a version conflict, as the SQL store's conditional update.
func (s *Users) UpdateUser(ctx context.Context, id string, change func(*auth.User) error) (auth.User, error) {
	if err := s.fault("UpdateUser"); err != nil {
		return auth.User{}, err
	}
	s.mu.Lock()
	old, ok := s.byID[id]
	s.mu.Unlock()
	if !ok {
		return auth.User{}, apperr.ErrNotFound
	}
	u := old
	if err := change(&u); err != nil {
		return auth.User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.byID[id].Version != old.Version:
		return auth.User{}, apperr.ErrVersionConflict
	case s.taken(id, u.Username):
		return auth.User{}, errTaken
	case u.Department != "" && !knownDepartment(u.Department):
		return auth.User{}, errUnknownDepartment
	}
	saved := userUTC(u)
	saved.ID, saved.CreatedAt = id, old.CreatedAt
	s.byID[id] = saved
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.byID[id] = old
	})
	return u, nil
}

// Count returns the number of users.
func (s *Users) Count(context.Context) (int64, error) {
	if err := s.fault("Count"); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.byID)), nil
}
