// Package event is the change feed (docs/integration.md, "Events"): every
// change to the register appends one event in the change's own transaction,
// staged like its audit entry, and a sequencer gives committed events their
// positions, in commit order, after they commit. Department systems follow
// the feed by position and receive it through webhooks. The package knows
// nothing of HTTP or SQL.
package event

import (
	"encoding/json"
	"slices"
	"time"
)

// The closed list of event types (docs/integration.md, "Event types").
const (
	ProjectCreated      = "project.created"
	ProjectUpdated      = "project.updated"
	ProjectArchived     = "project.archived"
	ProjectRestored     = "project.restored"
	ProjectStageChanged = "project.stage_changed"
	PlanEntryChanged    = "plan_entry.changed"
	PlanEntryRemoved    = "plan_entry.removed"
	ReportSubmitted     = "report.submitted"
	ReportReturned      = "report.returned"
	ReportAccepted      = "report.accepted"
	IssueOpened         = "issue.opened"
	IssueUpdated        = "issue.updated"
	IssueResolved       = "issue.resolved"
	AttachmentAdded     = "attachment.added"
	AttachmentWithdrawn = "attachment.withdrawn"
	ApprovalUpdated     = "approval.updated"
)

// Types lists every event type, in the order docs/integration.md gives them.
var Types = []string{
	ProjectCreated, ProjectUpdated, ProjectArchived, ProjectRestored, ProjectStageChanged,
	PlanEntryChanged, PlanEntryRemoved,
	ReportSubmitted, ReportReturned, ReportAccepted,
	IssueOpened, IssueUpdated, IssueResolved,
	AttachmentAdded, AttachmentWithdrawn,
	ApprovalUpdated,
}

// Known reports whether t is one of Types.
func Known(t string) bool { return slices.Contains(Types, t) }

// Event is one change as the feed tells it.
type Event struct {
	// Position is the event's place in commit order: 0 until the sequencer
	// gives it one after the commit; positions never decrease and are never
	// reused.
	Position int64
	// ID identifies the event everywhere (the feed, every webhook delivery).
	ID   string
	Type string
	// At is when the change was made (staged, just before its commit).
	At time.Time
	// Actor, ActorID and ActorDept are the principal that made the change:
	// its name, its subject (user or client ID) and its department.
	Actor, ActorID, ActorDept string
	// ResourceType and ResourceID name what changed: project, plan_entry,
	// report or issue.
	ResourceType, ResourceID string
	// ProjectID is the project the change belongs to (the resource itself
	// for project events): the key webhook deliveries are ordered by.
	ProjectID string
	// Version is the resource's version after the change; 0 for a removal
	// or a resource without versions.
	Version int
	// Changes holds the changed fields with their new values, a JSON object
	// keyed by the fields' wire names.
	Changes json.RawMessage
	// Departments are the departments entitled to the event when it
	// commits: the project's owner (before and after a move between
	// departments) and the departments of its open blockers.
	Departments []string
	RequestID   string
}

// Entitled reports whether department dept may see e.
func (e Event) Entitled(dept string) bool {
	return dept != "" && slices.Contains(e.Departments, dept)
}

// Query selects sequenced events: those after a position, in commit order.
type Query struct {
	// After is the position read last; 0 reads from the start.
	After int64
	// Types admits only these types; empty admits every type.
	Types []string
	// Department admits only the events it is entitled to; empty admits
	// every event (the bureau's reach).
	Department string
	// Limit is the most events to return.
	Limit int
}
