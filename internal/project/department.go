package project

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// GetOwn returns a project the principal may change (its scope, not the
// wider one of reading), archived or not.
func (s *Service) GetOwn(ctx context.Context, p identity.Principal, id string) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.GetOwn(%s)", id)
	if err := CanWrite(p); err != nil {
		return Project{}, err
	}
	return s.store.Get(ctx, ReachOf(p), id)
}

// CodeHolders maps each of codes that a project holds, in any department,
// archived or not, to that project's ID: an import checks the codes it
// gives before it writes.
func (s *Service) CodeHolders(ctx context.Context, codes []string) (_ map[string]string, err error) {
	defer apperr.Wrap(&err, "project.Service.CodeHolders")
	return s.store.CodeHolders(ctx, codes)
}
