package authtest

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// Clients is an auth.ClientStore in memory, safe for concurrent use. Like
// the SQL store it keeps times in UTC and scopes as a list of their own
// (empty, never nil), and refuses an ID or client ID taken twice and a
// department not in Departments.
type Clients struct {
	mu   sync.Mutex
	byID map[string]auth.Client
	faults
}

var _ auth.ClientStore = (*Clients)(nil)

// NewClients returns an empty Clients.
func NewClients() *Clients { return &Clients{byID: map[string]auth.Client{}} }

// clientCopy is c as the store keeps and answers it: times in UTC, scopes
// a list that no caller shares.
func clientCopy(c auth.Client) auth.Client {
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Scopes = append([]string{}, c.Scopes...)
	return c
}

// check refuses c when another client than id has its client ID or when
// its department is unknown.
func (s *Clients) check(id string, c auth.Client) error {
	for _, o := range s.byID {
		if o.ID != id && o.ClientID == c.ClientID {
			return errTaken
		}
	}
	if !knownDepartment(c.Department) {
		return errUnknownDepartment
	}
	return nil
}

// CreateClient inserts a client.
func (s *Clients) CreateClient(ctx context.Context, c auth.Client) error {
	if err := s.fault("CreateClient"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[c.ID]; ok {
		return errTaken
	}
	if err := s.check(c.ID, c); err != nil {
		return err
	}
	s.byID[c.ID] = clientCopy(c)
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.byID, c.ID)
	})
	return nil
}

// ClientByID returns a client by its row ID.
func (s *Clients) ClientByID(_ context.Context, id string) (auth.Client, error) {
	if err := s.fault("ClientByID"); err != nil {
		return auth.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.byID[id]
	if !ok {
		return auth.Client{}, apperr.ErrNotFound
	}
	return clientCopy(c), nil
}

// ClientByClientID returns a client by the ID it signs in with.
func (s *Clients) ClientByClientID(_ context.Context, clientID string) (auth.Client, error) {
	if err := s.fault("ClientByClientID"); err != nil {
		return auth.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.byID {
		if c.ClientID == clientID {
			return clientCopy(c), nil
		}
	}
	return auth.Client{}, apperr.ErrNotFound
}

// ListClients returns every client by name, then ID.
func (s *Clients) ListClients(context.Context) ([]auth.Client, error) {
	if err := s.fault("ListClients"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]auth.Client, 0, len(s.byID))
	for _, c := range s.byID {
		out = append(out, clientCopy(c))
	}
	slices.SortFunc(out, func(a, b auth.Client) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// UpdateClient loads a client, lets change change it and saves it, unless
// change fails, as Users.UpdateUser does a user.
func (s *Clients) UpdateClient(ctx context.Context, id string, change func(*auth.Client) error) (auth.Client, error) {
	if err := s.fault("UpdateClient"); err != nil {
		return auth.Client{}, err
	}
	s.mu.Lock()
	old, ok := s.byID[id]
	s.mu.Unlock()
	if !ok {
		return auth.Client{}, apperr.ErrNotFound
	}
	c := clientCopy(old)
	if err := change(&c); err != nil {
		return auth.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[id].Version != old.Version {
		return auth.Client{}, apperr.ErrVersionConflict
	}
	if err := s.check(id, c); err != nil {
		return auth.Client{}, err
	}
	saved := clientCopy(c)
	saved.ID, saved.CreatedAt = id, old.CreatedAt
	s.byID[id] = saved
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.byID[id] = old
	})
	return c, nil
}
