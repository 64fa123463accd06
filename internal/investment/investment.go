// Package investment keeps the investment each project completed each month
// (docs/stages.md, "Investment plans and monthly progress"); the planned
// investment of a year is its entry in the year's plan (package plan). A
// change is made on the project, locked, so that its health follows.
package investment

import (
	"fmt"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/project"
)

// Period is a calendar month, the unit of progress reports.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 || t.Year() < project.MinYear || t.Year() > 2999 {
		return Period{}, apperr.Fields([]apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}})
	}
	return Period{Year: t.Year(), Month: t.Month()}, nil
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// after reports whether p is a later month than q.
func (p Period) after(q Period) bool {
	return p.Year > q.Year || p.Year == q.Year && p.Month > q.Month
}

// Progress is the investment a project completed in one month.
type Progress struct {
	ProjectID     string
	Period        Period
	CompletedYuan int64
	Note          string
	Version       int
	UpdatedAt     time.Time
	ReportedBy    string
}

// YearProgress is a project's investment in one year: the months
// reported, in order.
type YearProgress struct {
	Year          int
	Months        []Progress
	CompletedYuan int64
}
