package attachment

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

// RecordEvents has every change of an attachment recorded in the change
// feed by r, before first use.
func (s *Service) RecordEvents(r Recorder) { s.events = r }

// record stages the event of an attachment added (before nil) or
// withdrawn, told to the departments entitled to its project's events.
func (s *Service) record(ctx context.Context, p identity.Principal, pr *project.Project, before *Attachment, after Attachment) error {
	typ := event.AttachmentAdded
	var was map[string]any
	if before != nil {
		typ, was = event.AttachmentWithdrawn, view(*before)
	}
	return s.events.Record(ctx, p, event.Change{
		Type: typ, ResourceType: ResourceType, ResourceID: after.ID, ProjectID: after.ProjectID, Version: after.Version,
		Changes: event.Diff(was, view(after)), Departments: pr.Entitled(),
	})
}
