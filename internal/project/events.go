package project

import (
	"context"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
)

// Recorder records a change in the change feed, in the transaction (or
// stage) carried by ctx, so that the event commits with the change or not
// at all (event.Service).
type Recorder interface {
	Record(ctx context.Context, p identity.Principal, c event.Change) error
}

// noEvents records nothing: a Service before RecordEvents.
type noEvents struct{}

func (noEvents) Record(context.Context, identity.Principal, event.Change) error { return nil }

// RecordEvents has every change of the register recorded in the change
// feed by r, before first use.
func (s *Service) RecordEvents(r Recorder) { s.events = r }

// eventTypes are the change feed's types of the register's audit actions.
var eventTypes = map[string]string{
	ActionCreate: event.ProjectCreated, ActionUpdate: event.ProjectUpdated, ActionArchive: event.ProjectArchived,
	ActionRestore: event.ProjectRestored, ActionMove: event.ProjectStageChanged,
}

// Entitled returns the departments entitled to the events of p: its owner,
// the departments of its open blockers as its health facts know them, and
// more (a department it left, a blocker's department); the store reads
// nothing for it.
func (p Project) Entitled(more ...string) []string {
	ds := make([]string, 0, 2+len(p.Facts.Issues)+len(more))
	ds = append(ds, p.Department)
	for _, is := range p.Facts.Issues {
		if is.ResolvedAt == nil {
			ds = append(ds, is.Dept)
		}
	}
	return event.Departments(append(ds, more...)...)
}

// recordChange stages a change's audit entry and its event, from the
// project before (nil for a creation) and after: the snapshots are made
// once, for both.
func (s *Service) recordChange(ctx context.Context, p identity.Principal, action string, before *Project, after Project) error {
	r := audit.Record{Action: action, ResourceType: ResourceType, ResourceID: after.ID}
	snapAfter := snapshot(after)
	r.After = snapAfter
	var snapBefore map[string]any
	var left string
	if before != nil {
		snapBefore = snapshot(*before)
		r.Before, left = snapBefore, before.Department
	}
	if err := s.auditor.Append(ctx, p, r); err != nil {
		return err
	}
	return s.events.Record(ctx, p, event.Change{
		Type: eventTypes[action], ResourceType: ResourceType, ResourceID: after.ID, ProjectID: after.ID,
		Version: after.Version, Changes: maskChanges(event.Diff(snapBefore, snapAfter)), Departments: after.Entitled(left),
	})
}

// maskChanges masks the owner's contact in an event's changes, always: the
// departments entitled to a project's events include some that may not see
// it (docs/integration.md, "Event types").
func maskChanges(ch map[string]any) map[string]any {
	if v, ok := ch["owner_contact_name"].(string); ok {
		ch["owner_contact_name"] = MaskName(v)
	}
	if v, ok := ch["owner_contact_phone"].(string); ok {
		ch["owner_contact_phone"] = MaskPhone(v)
	}
	return ch
}
