package project

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
)

// StartGate is asked before a project's first start (开工) whether the item
// that lets its works start is cleared (docs/approvals.md, "The 开工 gate"):
// it names the item and says whether it is obtained or not needed. It reads
// in the transaction carried by ctx, if any.
type StartGate interface {
	StartPermit(ctx context.Context, pr Project) (item string, cleared bool, err error)
}

// GateStarts has every first start asked of g, before first use. Without a
// gate no start is refused.
func (s *Service) GateStarts(g StartGate) { s.gate = g }

// checkStart refuses the first start of pr, as read before the move tr,
// whose 开工 permit item is not cleared, unless the move says why
// (PermitWaiver). A resumption and a correction are not asked, nor is any
// move to another stage, which reads nothing more; a waiver belongs to a
// first start only.
func (s *Service) checkStart(ctx context.Context, pr Project, tr Transition) error {
	if tr.Kind != KindMove || tr.To != Started {
		if tr.PermitWaiver != "" {
			return apperr.Fields([]apperr.FieldError{{Field: "permit_waiver", Code: "only_when", Param: string(Started)}})
		}
		return nil
	}
	if s.gate == nil || tr.PermitWaiver != "" {
		return nil
	}
	item, cleared, err := s.gate.StartPermit(ctx, pr)
	if err != nil {
		return err
	}
	if !cleared {
		return &apperr.Error{Kind: apperr.Conflict, Message: "project.start_permit_missing", Params: []string{item}}
	}
	return nil
}
