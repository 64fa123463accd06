// Package dispatch is the monthly dispatch (月度调度, docs/dispatch.md):
// each plan entry's responsible department reports the month — investment
// completed, 形象进度, problems — by the period's due day; the bureau
// accepts or returns each report, chases the late ones and compiles the
// 调度表 the county leadership reads.
package dispatch

import (
	"time"

	"github.com/guangling/pipeline/internal/calendar"
)

// State is where a report stands in the bureau's review.
type State string

// The states of a report.
const (
	Submitted State = "submitted" // counts until the bureau reviews it
	Returned  State = "returned"  // counts as not reported until submitted again
	Accepted  State = "accepted"
)

// Counts reports whether a report in state s counts in the numbers: a
// submitted or accepted one, or only an accepted one when acceptedOnly.
func (s State) Counts(acceptedOnly bool) bool {
	return s == Accepted || s == Submitted && !acceptedOnly
}

// Figures are what a department reports of a month.
type Figures struct {
	CompletedYuan int64 // the month's completed investment
	// StatisticalYuan is the month's investment in the statistics (入统), when reported.
	StatisticalYuan *int64
	SiteProgress    string   // 形象进度
	Problems        string   // 存在问题
	IssueIDs        []string // the blockers the problems are
	NextPlan        string   // 下月计划
	Note            string
}

// Report is a project's month: a plan entry's report of its period, or the
// investment of a project outside the plan (计划外), which is never reviewed.
type Report struct {
	ProjectID string
	Month     calendar.Month
	Figures
	State State
	// OnBehalf is set when the bureau keyed the report in for the department.
	OnBehalf    bool
	SubmittedAt *time.Time // first submitted
	Late        bool       // first submitted after the period's due day
	// Corrected is set when the figures changed after the due day or after
	// acceptance; Original keeps them as first submitted.
	Corrected    bool
	Original     *Figures
	ReviewedBy   string
	ReviewedAt   *time.Time
	ReturnReason string
	// Migrated marks a monthly progress row of the first version, taken as accepted.
	Migrated   bool
	Version    int
	UpdatedAt  time.Time
	ReportedBy string
}
