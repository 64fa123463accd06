package project

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Archive takes a project out of lists and statistics; its history stays.
func (s *Service) Archive(ctx context.Context, p identity.Principal, id string, ifMatch int) (err error) {
	defer apperr.Wrap(&err, "project.Service.Archive(%s)", id)
	_, err = s.setArchived(ctx, p, id, &ifMatch, true)
	return err
}

// Restore brings an archived project back.
func (s *Service) Restore(ctx context.Context, p identity.Principal, id string) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.Restore(%s)", id)
	return s.setArchived(ctx, p, id, nil, false)
}

func (s *Service) setArchived(ctx context.Context, p identity.Principal, id string, ifMatch *int, archived bool) (Project, error) {
	if !p.May(identity.ArchiveProjects) {
		return Project{}, errArchiver
	}
	action := ActionRestore
	if archived {
		action = ActionArchive
	}
	return s.change(ctx, p, id, action, func(ctx context.Context, pr *Project) error {
		// The state before the version: a second archive, sent with the
		// version the first one found, is 404 as docs/api.md says.
		if (pr.ArchivedAt != nil) == archived {
			if archived {
				return apperr.ErrNotFound // archiving twice: it has already left the register
			}
			return apperr.Coded(apperr.Conflict, "project.not_archived")
		}
		if ifMatch != nil && pr.Version != *ifMatch {
			return apperr.ErrVersionConflict
		}
		s.touch(pr)
		if archived {
			t := pr.UpdatedAt
			pr.ArchivedAt = &t
		} else {
			pr.ArchivedAt = nil
		}
		// Afresh: an archived project's stored facts are not kept current
		// by the refresher, and its events go to its blockers' departments.
		if err := s.loadFacts(ctx, pr); err != nil {
			return err
		}
		return s.refreshHealth(ctx, pr)
	})
}

// Transitions returns a project's stage history, oldest first.
func (s *Service) Transitions(ctx context.Context, p identity.Principal, id string) (_ []Transition, err error) {
	defer apperr.Wrap(&err, "project.Service.Transitions(%s)", id)
	if err := CanRead(p); err != nil {
		return nil, err
	}
	return s.store.Transitions(ctx, readReach(p), id)
}
