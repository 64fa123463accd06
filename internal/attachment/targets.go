package attachment

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// History reads a project's stage moves (project.Service).
type History interface {
	Transitions(ctx context.Context, p identity.Principal, id string) ([]project.Transition, error)
}

// Reports tells whether a project has a monthly report of a month
// (the dispatch).
type Reports interface {
	HasReport(ctx context.Context, p identity.Principal, projectID string, m calendar.Month) (bool, error)
}

// ReportsFunc is a function that is Reports.
type ReportsFunc func(ctx context.Context, p identity.Principal, projectID string, m calendar.Month) (bool, error)

// HasReport calls f.
func (f ReportsFunc) HasReport(ctx context.Context, p identity.Principal, projectID string, m calendar.Month) (bool, error) {
	return f(ctx, p, projectID, m)
}

// Approvals tells whether a project has an approval item of a code (the
// approvals' checklist, 前期手续).
type Approvals interface {
	HasItem(ctx context.Context, p identity.Principal, projectID, code string) (bool, error)
}

// ApprovalsFunc is a function that is Approvals.
type ApprovalsFunc func(ctx context.Context, p identity.Principal, projectID, code string) (bool, error)

// HasItem calls f.
func (f ApprovalsFunc) HasItem(ctx context.Context, p identity.Principal, projectID, code string) (bool, error) {
	return f(ctx, p, projectID, code)
}

// NoApprovals knows no approval item: attachments of approval items are
// refused until the approvals' checklist is wired in.
var NoApprovals = ApprovalsFunc(func(context.Context, identity.Principal, string, string) (bool, error) {
	return false, nil
})

// ProjectTargets is the Checker over the register's history, the
// dispatch's reports and the approvals' checklist.
type ProjectTargets struct {
	History   History
	Reports   Reports
	Approvals Approvals
}

var _ Checker = ProjectTargets{}

// Exists reports whether the project has the target: a stage move of its
// history by ID, a report of a month YYYY-MM, an approval item by code.
func (t ProjectTargets) Exists(ctx context.Context, p identity.Principal, projectID string, kind Target, id string) (bool, error) {
	switch kind {
	case OfProject:
		return id == "", nil
	case OfTransition:
		moves, err := t.History.Transitions(ctx, p, projectID)
		if err != nil {
			return false, err
		}
		for _, m := range moves {
			if m.ID == id {
				return true, nil
			}
		}
		return false, nil
	case OfReport:
		m, err := calendar.ParseMonth(id)
		if err != nil {
			return false, nil
		}
		return t.Reports.HasReport(ctx, p, projectID, m)
	case OfApproval:
		if t.Approvals == nil {
			return false, nil
		}
		return t.Approvals.HasItem(ctx, p, projectID, id)
	}
	return false, apperr.Fields([]apperr.FieldError{{Field: "target", Code: "invalid_value"}})
}
