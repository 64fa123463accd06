package project

import (
	"context"
	"slices"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
)

// Permit is what the 开工 gate knows of a project's 开工 permit item: its
// code, whether it is obtained, and the reason recorded on it when it is
// marked not needed ("" otherwise).
type Permit struct {
	Item      string
	Obtained  bool
	NotNeeded string
}

// StartGate is what the register asks of the approvals (docs/approvals.md):
// before a project's first start (开工), its 开工 permit item, read in the
// transaction carried by ctx, if any; and, to compute health, the items its
// checklist lists as its fields now derive it, so that an item the checklist
// no longer lists does not count.
type StartGate interface {
	StartPermit(ctx context.Context, pr Project) (Permit, error)
	Listed(pr Project) []string
}

// NotNeededWaiver prefixes the reason of a 开工 permit item marked not
// needed where it stands, on the history entry, for the waiver the mover
// did not give (docs/stages.md).
const NotNeededWaiver = "不需要："

// GateStarts has every first start asked of g, before first use. Without a
// gate no start is refused and every stored approval item counts toward
// health.
func (s *Service) GateStarts(g StartGate) { s.gate = g }

// errPermitMissing is the refusal of a first start whose 开工 permit item
// item is neither obtained nor not needed and whose mover gave no reason.
func errPermitMissing(item string) error {
	return &apperr.Error{Kind: apperr.StartPermitMissing, Message: "project.start_permit_missing", Params: []string{item},
		Fields: []apperr.FieldError{{Field: "permit_waiver", Code: "required", Param: item}}}
}

// gated reports whether the move tr of pr, as read before it, is a first
// start: a move (not a resumption or a correction) from a stage before 开工
// to 开工 or past it, of a project that has never started. An import entry
// is not a move and is not gated.
func gated(pr Project, tr Transition) bool {
	return tr.Kind == KindMove && pr.Actual.StartedOn == nil && pr.Stage.Rank() < Started.Rank() &&
		tr.To != Cancelled && tr.To.Rank() >= Started.Rank()
}

// asks reports whether the move tr of pr, as read before it, asks the gate:
// a first start whose mover gave no waiver, with a gate.
func (s *Service) asks(pr Project, tr Transition) bool {
	return s.gate != nil && tr.PermitWaiver == "" && gated(pr, tr)
}

// checkWaiver refuses a permit waiver on a move that is not a first start.
func checkWaiver(pr Project, tr Transition) error {
	if tr.PermitWaiver != "" && !gated(pr, tr) {
		return apperr.Fields([]apperr.FieldError{{Field: "permit_waiver", Code: "only_when", Param: string(Started)}})
	}
	return nil
}

// checkStart refuses the first start tr of pr, as read before it, whose 开工
// permit item is neither obtained nor not needed, unless the move says why
// (PermitWaiver). An item not needed lets the move through, its reason kept
// as the waiver. Only a first start without a waiver asks (asks).
func (s *Service) checkStart(ctx context.Context, pr Project, tr *Transition) error {
	pm, err := s.gate.StartPermit(ctx, pr)
	switch {
	case err != nil:
		return err
	case pm.Obtained:
		return nil
	case pm.NotNeeded != "":
		tr.PermitWaiver = NotNeededWaiver + pm.NotNeeded
		return nil
	}
	return errPermitMissing(pm.Item)
}

// listedApprovals keeps of pr's approval facts the items its checklist
// lists now (StartGate.Listed): one dropped as its fields changed does not
// count toward health, though its stored fields stay.
func (s *Service) listedApprovals(pr Project) Project {
	if s.gate == nil || len(pr.Facts.Approvals) == 0 {
		return pr
	}
	listed := s.gate.Listed(pr)
	pr.Facts.Approvals = slices.DeleteFunc(slices.Clone(pr.Facts.Approvals), func(a health.ApprovalFact) bool {
		return !slices.Contains(listed, a.Item)
	})
	return pr
}
