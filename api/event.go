package api

// Event is one change of the register as the change feed and webhooks tell
// it (docs/integration.md, "Events").
type Event struct {
	// The event's ID: the same in the feed and in every webhook delivery of it.
	ID string `json:"id" format:"uuid" example:"0190a0b0-0000-7000-8000-0000000000e1"`
	// The event's place in commit order, as a cursor: pass it as after= to read what follows.
	Position string `json:"position" example:"1024"`
	Type     string `json:"type" enums:"project.created,project.updated,project.archived,project.restored,project.stage_changed,plan_entry.changed,plan_entry.removed,report.submitted,report.returned,report.accepted,issue.opened,issue.updated,issue.resolved,attachment.added,attachment.withdrawn,approval.updated" example:"project.stage_changed"`
	// When the change was made.
	At string `json:"at" format:"date-time" example:"2026-12-07T02:00:00.123456Z"`
	// Who made the change.
	Actor EventActor `json:"actor"`
	// What changed.
	Resource EventResource `json:"resource"`
	// The project the change belongs to.
	ProjectID string `json:"project_id" format:"uuid" example:"0190a0b0-0000-7000-8000-0000000000aa"`
	// The resource's version after the change; 0 when it was removed.
	Version int `json:"version" example:"4"`
	// The changed fields with their new values, by their names in the resource
	// (a value may be null: the field was cleared).
	Changes map[string]any `json:"changes" swaggertype:"object"`
	// The departments entitled to the event when it committed.
	Departments []string `json:"departments" example:"energy"`
	// X-Request-ID of the request that made the change; empty outside a request.
	RequestID string `json:"request_id" example:"4f9c2a7e1b3d5f60718293a4b5c6d7e8"`
}

// EventActor is the user or client that made a change.
type EventActor struct {
	Name string `json:"name" example:"energy-system"`
	ID   string `json:"id" example:"0190a0b0-0000-7000-8000-000000000001"`
	// The actor's department; empty for the bureau and administrators.
	Department string `json:"department" example:"energy"`
}

// EventResource names the resource a change was made to.
type EventResource struct {
	Type string `json:"type" enums:"project,plan_entry,report,issue,attachment,approval" example:"project"`
	ID   string `json:"id" example:"0190a0b0-0000-7000-8000-0000000000aa"`
	// The resource's path under /api/v1, to read it as it is now.
	Path string `json:"path" example:"/api/v1/projects/0190a0b0-0000-7000-8000-0000000000aa"`
}

// EventList is a page of the change feed, in commit order.
type EventList struct {
	Items []Event `json:"items"`
	// The cursor to pass as after= next: the last item's position, or the
	// cursor given when the page is empty.
	NextCursor string `json:"next_cursor" example:"1024"`
}
