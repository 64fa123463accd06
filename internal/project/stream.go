package project

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Streamer is what a Store may offer besides its pages: every project that
// a scope and filter admit, in creation order, in one read (PostgreSQL's
// COPY), for a reader of the whole selection such as the register file's
// export. It answers false when it cannot, and the reader pages instead.
// The project passed to fn is the caller's only during the call.
type Streamer interface {
	Stream(ctx context.Context, s Reach, f Filter, fn func(*Project) error) (bool, error)
}

// Stream calls fn with each project within the principal's scope that f
// selects, in creation order, as List's pages would hold them without
// their sort key's times (created, updated), funding, health reasons, the
// funds arrived and the cooperating units, in one read where the store
// can (Streamer); false, having called fn for none, where it cannot.
func (s *Service) Stream(ctx context.Context, p identity.Principal, f Filter, fn func(*Project) error) (_ bool, err error) {
	defer apperr.Wrap(&err, "project.Service.Stream")
	if err := CanRead(p); err != nil {
		return false, err
	}
	if f.Archived && !p.May(identity.ReadArchived) {
		return false, errArchiver
	}
	st, ok := s.store.(Streamer)
	if !ok {
		return false, nil
	}
	return st.Stream(ctx, ReachOf(p), f, fn)
}
