package approval

import (
	"context"
	"slices"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// StartPermit is the register's 开工 gate (project.StartGate): the item that
// lets pr's works start, whether it is obtained, and the reason recorded on
// it when it is not needed. It reads the stored items in the transaction
// carried by ctx, if any.
func (s *Service) StartPermit(ctx context.Context, pr project.Project) (_ project.Permit, err error) {
	defer apperr.Wrap(&err, "approval.Service.StartPermit(%s)", pr.ID)
	code := StartPermitOf(SubjectOf(pr))
	stored, err := s.Store.Items(ctx, pr.ID)
	if err != nil {
		return project.Permit{}, err
	}
	pm := project.Permit{Item: string(code)}
	for _, it := range stored {
		if it.Code != code {
			continue
		}
		switch it.Status {
		case Obtained:
			pm.Obtained = true
		case NotNeeded:
			pm.NotNeeded = it.Reason
		}
	}
	return pm, nil
}

// Listed names the items of pr's checklist as its fields now derive it
// (project.StartGate): only these count toward its health.
func (s *Service) Listed(pr project.Project) []string {
	cl := s.Rules.Derive(SubjectOf(pr))
	out := make([]string, len(cl.Items))
	for i, c := range cl.Items {
		out[i] = string(c)
	}
	return out
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
