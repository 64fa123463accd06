package audit

import (
	"time"
)

// Query narrows and pages a list of entries. Empty fields do not filter.
type Query struct {
	ResourceType string
	ResourceID   string
	Actor        string     // the actor's name
	Since        *time.Time // entries at or after
	After        int64      // the cursor: entries with a greater ID
	Limit        int
}

// Page is one page of entries. Next, when set, is the cursor of the next page.
type Page struct {
	Items []Entry
	Next  *int64
}

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)
