// Package health computes a project's traffic light (红黄绿灯) from a plain
// input: its planned and actual dates, its funding, and the facts of its
// plans, reported months and blockers. It is pure: no storage, no clock; the
// rules are in docs/stages.md, "Health".
package health

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
)

// Level is the colour of the traffic light.
type Level string

// The colours.
const (
	Green  Level = "green"
	Yellow Level = "yellow"
	Red    Level = "red"
)

// Rules are the thresholds of the traffic light.
type Rules struct {
	// A planned start, completion or production date missed by more than
	// DateRedDays days is red; missed by fewer, yellow.
	DateRedDays int
	// Investment completion behind 序时进度 by InvestYellowPoints to
	// InvestRedPoints percentage points is yellow; by more, red.
	InvestYellowPoints float64
	InvestRedPoints    float64
	// An unresolved blocker past its due date is yellow; more than
	// BlockerRedDays days past it, red.
	BlockerRedDays int
}

// DefaultRules are the thresholds docs/stages.md gives as defaults.
func DefaultRules() Rules {
	return Rules{DateRedDays: 90, InvestYellowPoints: 10, InvestRedPoints: 30, BlockerRedDays: 30}
}

// Fingerprint names the thresholds and the version of the rules (v2: the
// investment rule reads the months whose reports count), so that a change
// of them is noticed and every stored health computed again.
func (r Rules) Fingerprint() string {
	return fmt.Sprintf("v2 date_red=%d invest=%g/%g blocker_red=%d", r.DateRedDays, r.InvestYellowPoints, r.InvestRedPoints, r.BlockerRedDays)
}

// The rules, as reasons name them.
const (
	RuleStartMissed      = "planned_start_missed"
	RuleCompletionMissed = "planned_completion_missed"
	RuleProductionMissed = "planned_production_missed"
	RuleInvestmentBehind = "investment_behind"
	RuleBlockerOverdue   = "blocker_overdue"
	RuleFundingOverPlan  = "funding_over_plan"
	RuleApprovalOverdue  = "approval_overdue"
)

// Reason is one rule that fired.
type Reason struct {
	Rule  string
	Level Level
	// Since is the first day the rule fired, for the rules of dates.
	Since *time.Time
	// Ref names what fired it: a blocker's ID, a funding source, or the year
	// and the points behind for investment.
	Ref string
}

// reasonJSON is the JSON form of a reason, the API's: it is stored, and
// the audit trail's snapshots read like what the caller saw.
type reasonJSON struct {
	Rule  string `json:"rule"`
	Level Level  `json:"level"`
	Since string `json:"since,omitempty"`
	Ref   string `json:"ref,omitempty"`
}

// MarshalJSON writes Since as YYYY-MM-DD.
func (r Reason) MarshalJSON() ([]byte, error) {
	j := reasonJSON{Rule: r.Rule, Level: r.Level, Ref: r.Ref}
	if r.Since != nil {
		j.Since = r.Since.Format(time.DateOnly)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Reason) UnmarshalJSON(b []byte) error {
	var j reasonJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Reason{Rule: j.Rule, Level: j.Level, Ref: j.Ref}
	if j.Since != "" {
		t, err := calendar.ParseDate(j.Since)
		if err != nil {
			return err
		}
		r.Since = &t
	}
	return nil
}

// Facts are what a project's health is computed from besides its own
// fields: its plans, reported months and blockers, in brief. The store
// keeps them with the project, written in the transaction of every change
// to them, so that computing a project's health reads nothing more.
type Facts struct {
	Plans    map[int]int64 `json:"plans,omitempty"`
	Progress []MonthFact   `json:"progress,omitempty"`
	Issues   []IssueFact   `json:"issues,omitempty"`
	// Approvals are the needed approval items not obtained that have an
	// expected day (docs/approvals.md).
	Approvals []ApprovalFact `json:"approvals,omitempty"`
}

// ApprovalFact is an approval item not obtained, expected by a day.
type ApprovalFact struct {
	Item       string    `json:"item"`
	ExpectedOn time.Time `json:"expected_on"`
}

// MonthFact is one reported month.
type MonthFact struct {
	Year  int   `json:"y"`
	Month int   `json:"m"`
	Yuan  int64 `json:"yuan"`
}

// IssueFact is one blocker.
type IssueFact struct {
	ID         string     `json:"id"`
	DueOn      time.Time  `json:"due_on"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// Dept is the blocker's responsible department: entitled to the
	// project's events while the blocker is open (docs/integration.md).
	Dept string `json:"dept,omitempty"`
}

// Milestone is a planned date of a project and what it reached: the rule of
// a missed start, completion or production.
type Milestone struct {
	Rule    string
	Planned *time.Time
	Actual  *time.Time
	// Passed says that the project's stage is at or past the milestone;
	// without an actual date, that counts as reached (an entry of the old
	// register often lacks the dates).
	Passed bool
}

// Funding is one source of a project's money.
type Funding struct {
	Source                    string
	PlannedYuan, ReceivedYuan int64
}

// Input is what a project's health is computed from.
type Input struct {
	// Cancelled projects have no health rules.
	Cancelled  bool
	Milestones []Milestone
	Funding    []Funding
	Facts      Facts
	// Periods is the dispatch calendar: the investment rule reads the
	// months whose reports count on the day (docs/stages.md, "Health").
	Periods calendar.Periods
}

// InvestmentGap is how many percentage points the investment completed, done
// of plan (above 0), is behind 序时进度 after month months of the year (ahead
// is negative), to a hundredth of a point, the precision it is reported in:
// computed exactly, in integers, and rounded half away from zero, so that a
// gap at a threshold (9.995 is 10.00) lands on the side its digits say,
// whatever the month and however large the sums.
func InvestmentGap(done, plan int64, month time.Month) float64 {
	// gap in hundredths = 10000 × (month×plan − 12×done) / (12×plan)
	num := new(big.Int).Mul(big.NewInt(int64(month)), big.NewInt(plan))
	num.Sub(num, new(big.Int).Mul(big.NewInt(12), big.NewInt(done)))
	num.Mul(num, big.NewInt(10000))
	den := new(big.Int).Mul(big.NewInt(12), big.NewInt(plan))
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 && new(big.Int).Abs(new(big.Int).Lsh(r, 1)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(int64(num.Sign())))
	}
	return float64(q.Int64()) / 100
}
