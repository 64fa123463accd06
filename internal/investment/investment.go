// Package investment keeps each project's planned investment for a year
// (docs/stages.md, "Investment plans"); the investment completed each
// month is the monthly dispatch's (internal/dispatch). A change is made on
// the project, locked, so that its health follows.
package investment

import (
	"time"
)

// maxPlanAhead is how many years ahead a plan may be set.
const maxPlanAhead = 10

// Plan is a project's planned investment for one year.
type Plan struct {
	ProjectID   string
	Year        int
	PlannedYuan int64
	Version     int
	UpdatedAt   time.Time
	UpdatedBy   string
}
