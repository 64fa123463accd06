package api

// AuditEntry is one entry of the audit trail: who changed what, when, in
// which request, the resource before and after, and the hash chain. The
// entry's hash covers every other member (docs/audit.md gives the formula).
type AuditEntry struct {
	ID int64 `json:"id" example:"42"`
	// When the change was made.
	At string `json:"at" format:"date-time" example:"2021-06-15T02:00:00.123456Z"`
	// Name of the user or client that made the change.
	Actor string `json:"actor" example:"bureau"`
	// ID of that user or client.
	ActorID string `json:"actor_id" example:"0190a0b0-0000-7000-8000-000000000001"`
	// The actor's department, empty for the bureau and administrators.
	Dept         string `json:"dept" example:""`
	Action       string `json:"action" example:"project.update"`
	ResourceType string `json:"resource_type" example:"project"`
	ResourceID   string `json:"resource_id" example:"0190a0b0-0000-7000-8000-0000000000aa"`
	// What before and after hold: the whole resource on each side (snapshots: creations, removals, and entries made before formats), or only the members that the change changed (changes). The format is sealed (docs/audit.md).
	Format string `json:"format" enums:"snapshots,changes" example:"changes"`
	// The resource before the change (canonical JSON, RFC 8785); null for a creation. With format changes, only the members the change changed, as they were.
	Before any `json:"before" extensions:"x-nullable"`
	// The resource after the change (canonical JSON, RFC 8785); null when it was removed. With format changes, only the members the change changed, as they became; a member that before has and after lacks was removed.
	After any `json:"after" extensions:"x-nullable"`
	// X-Request-ID of the request that made the change; empty for changes made outside a request.
	RequestID string `json:"request_id" example:"4f9c2a7e1b3d5f60718293a4b5c6d7e8"`
	// Hash of the previous entry; empty for the first.
	PrevHash string `json:"prev_hash" example:"5d41402abc4b2a76b9719d911017c592e1d3f0a9c5e5d6bb1c0cbf3ea2b4c7d8"`
	// Hex SHA-256 sealing this entry and its link to the previous one.
	Hash string `json:"hash" example:"3c1a9f0e4b7d2c8a6e5f1b0d9c8a7e6f5d4c3b2a1908f7e6d5c4b3a291807f6e"`
}

// AuditList is a page of the audit trail, oldest first.
type AuditList struct {
	Items []AuditEntry `json:"items"`
	// Opaque cursor of the next page; null on the last page.
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
}

// AuditVerification is the outcome of checking the whole hash chain.
type AuditVerification struct {
	// Whether every entry matches its hash and links to the one before.
	OK bool `json:"ok"`
	// Number of entries checked.
	Entries int64 `json:"entries" example:"1024"`
	// ID of the first entry that does not match its hash or link; null when the chain is intact.
	FirstBroken *int64 `json:"first_broken" extensions:"x-nullable"`
}
