package issue

import (
	"context"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Recorder records a change in the change feed, in the transaction carried
// by ctx (event.Service).
type Recorder interface {
	Record(ctx context.Context, p identity.Principal, c event.Change) error
}

type noEvents struct{}

func (noEvents) Record(context.Context, identity.Principal, event.Change) error { return nil }

// RecordEvents has every change of a blocker recorded in the change feed by
// r, before first use.
func (s *Service) RecordEvents(r Recorder) { s.events = r }

// record stages the event of a blocker's change from before (nil when it
// was opened) to after, of project pr: told to the project's departments
// and to the blocker's responsible department, before and after, whatever
// its status.
func (s *Service) record(ctx context.Context, p identity.Principal, pr *project.Project, before *Issue, after Issue) error {
	typ, depts := event.IssueOpened, []string{after.ResponsibleDepartment}
	var was map[string]any
	if before != nil {
		typ, was = event.IssueUpdated, view(*before)
		depts = append(depts, before.ResponsibleDepartment)
		if after.Status == Resolved && before.Status != Resolved {
			typ = event.IssueResolved
		}
	}
	return s.events.Record(ctx, p, event.Change{
		Type: typ, ResourceType: ResourceType, ResourceID: after.ID, ProjectID: after.ProjectID, Version: after.Version,
		Changes: event.Diff(was, view(after)), Departments: pr.Entitled(depts...),
	})
}
