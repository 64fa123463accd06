package approval

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
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
