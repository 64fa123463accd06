package plan

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

// RecordEvents has every change of a plan entry recorded in the change feed
// by r, before first use.
func (s *Service) RecordEvents(r Recorder) { s.events = r }

// ResourceEntry is the change feed's resource type of a plan entry, whose
// ID is "<year>/<project ID>".
const ResourceEntry = "plan_entry"

// recordEntry saves plan pl changed and stages the audit entry and the
// event of a change of project pr's entry from before (nil when it is new)
// to after (nil when it was removed): the event is told to the project's
// departments and to the entry's responsible department.
func (s *Service) recordEntry(ctx context.Context, p identity.Principal, pl *Plan, pr *project.Project, year int, before, after *Entry) error {
	action := ActionEntrySet
	if after == nil {
		action = ActionEntryRemove
	}
	if err := s.record(ctx, p, pl, action, entryID(year, pr.ID), viewOf(before), viewOf(after)); err != nil {
		return err
	}
	c := event.Change{Type: event.PlanEntryChanged, ResourceType: ResourceEntry, ResourceID: entryID(year, pr.ID), ProjectID: pr.ID}
	var was, is map[string]any
	var depts []string
	if before != nil {
		was, _ = viewOf(before).(map[string]any)
		depts = append(depts, before.Department)
	}
	if after == nil {
		c.Type = event.PlanEntryRemoved
	} else {
		is, _ = viewOf(after).(map[string]any)
		c.Version, c.Changes = after.Version, event.Diff(was, is)
		depts = append(depts, after.Department)
	}
	c.Departments = pr.Entitled(depts...)
	return s.events.Record(ctx, p, c)
}
