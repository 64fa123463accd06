package approval

import (
	"context"
	"slices"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// StartPermit is the register's 开工 gate (project.StartGate): the item that
// lets pr's works start, and whether it is cleared, obtained or recorded as
// not needed with its reason. It reads the stored items in the transaction
// carried by ctx, if any.
func (s *Service) StartPermit(ctx context.Context, pr project.Project) (_ string, cleared bool, err error) {
	defer apperr.Wrap(&err, "approval.Service.StartPermit(%s)", pr.ID)
	code := StartPermitOf(SubjectOf(pr))
	stored, err := s.Store.Items(ctx, pr.ID)
	if err != nil {
		return "", false, err
	}
	for _, it := range stored {
		if it.Code == code {
			return string(code), it.Status == Obtained || it.Status == NotNeeded, nil
		}
	}
	return string(code), false, nil
}

// HasItem reports whether the checklist of a project the principal may
// read lists the item code: what a file may be attached to
// (attachment.Approvals).
func (s *Service) HasItem(ctx context.Context, p identity.Principal, id, code string) (bool, error) {
	l, err := s.Checklist(ctx, p, id)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(l.Items, func(e Entry) bool { return string(e.Code) == code }), nil
}
