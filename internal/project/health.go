package project

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/guangling/pipeline/internal/identity"
)

// HealthRules are the thresholds of the traffic light (docs/stages.md, "Health").
type HealthRules struct {
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

// DefaultHealthRules are the contract's defaults.
func DefaultHealthRules() HealthRules {
	return HealthRules{DateRedDays: 90, InvestYellowPoints: 10, InvestRedPoints: 30, BlockerRedDays: 30}
}

// Fingerprint names the thresholds, so that a change of them is noticed and
// every stored health computed again.
func (r HealthRules) Fingerprint() string {
	return fmt.Sprintf("v1 date_red=%d invest=%g/%g blocker_red=%d", r.DateRedDays, r.InvestYellowPoints, r.InvestRedPoints, r.BlockerRedDays)
}

// The health rules, as health_reasons name them.
const (
	RuleStartMissed      = "planned_start_missed"
	RuleCompletionMissed = "planned_completion_missed"
	RuleProductionMissed = "planned_production_missed"
	RuleInvestmentBehind = "investment_behind"
	RuleBlockerOverdue   = "blocker_overdue"
	RuleFundingOverPlan  = "funding_over_plan"
)

// HealthRuleLabels names every rule.
var HealthRuleLabels = []Label{
	{RuleStartMissed, "计划开工日期已过未开工", "Planned start date passed without a start"},
	{RuleCompletionMissed, "计划竣工日期已过未竣工", "Planned completion date passed without completion"},
	{RuleProductionMissed, "计划投产日期已过未投产", "Planned production date passed without production"},
	{RuleInvestmentBehind, "投资完成滞后序时进度", "Investment completed behind time progress"},
	{RuleBlockerOverdue, "问题逾期未解决", "A blocker is past its due date"},
	{RuleFundingOverPlan, "资金到位超过计划", "Funding received above plan"},
}

// HealthReason is one rule that fired.
type HealthReason struct {
	Rule  string
	Level Health
	// Since is the first day the rule fired, for the rules of dates.
	Since *time.Time
	// Ref names what fired it: an issue's ID, a funding source, or the year
	// and the points behind for investment.
	Ref string
}

// reasonJSON is the JSON form of a reason, the API's: it is stored, and
// the audit trail's snapshots read like what the caller saw.
type reasonJSON struct {
	Rule  string `json:"rule"`
	Level Health `json:"level"`
	Since string `json:"since,omitempty"`
	Ref   string `json:"ref,omitempty"`
}

// MarshalJSON writes Since as YYYY-MM-DD.
func (r HealthReason) MarshalJSON() ([]byte, error) {
	j := reasonJSON{Rule: r.Rule, Level: r.Level, Ref: r.Ref}
	if r.Since != nil {
		j.Since = r.Since.Format(time.DateOnly)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *HealthReason) UnmarshalJSON(b []byte) error {
	var j reasonJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = HealthReason{Rule: j.Rule, Level: j.Level, Ref: j.Ref}
	if j.Since != "" {
		t, err := ParseDate(j.Since)
		if err != nil {
			return err
		}
		r.Since = &t
	}
	return nil
}

// HealthInput is what a project's health is computed from.
type HealthInput struct {
	Project Project
	// Plans holds the planned investment by year.
	Plans map[int]int64
	// Progress holds the months reported, of the year of the day asked at least.
	Progress []Progress
	// Issues are the project's blockers; resolved ones count only before
	// the day they were resolved.
	Issues []Issue
}

// Facts are what a project's health is computed from besides its own
// fields: its plans, reported months and blockers, in brief. The store
// keeps them with the project, written in the transaction of every change
// to them, so that computing a project's health reads nothing more.
type Facts struct {
	Plans    map[int]int64 `json:"plans,omitempty"`
	Progress []MonthFact   `json:"progress,omitempty"`
	Issues   []IssueFact   `json:"issues,omitempty"`
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
}

// NewFacts sums up a project's plans, progress (every year) and blockers.
func NewFacts(plans []Plan, progress []Progress, issues []Issue) Facts {
	f := Facts{}
	if len(plans) > 0 {
		f.Plans = map[int]int64{}
	}
	for _, p := range plans {
		f.Plans[p.Year] = p.PlannedYuan
	}
	for _, m := range progress {
		f.Progress = append(f.Progress, MonthFact{Year: m.Period.Year, Month: int(m.Period.Month), Yuan: m.CompletedYuan})
	}
	for _, i := range issues {
		f.Issues = append(f.Issues, IssueFact{ID: i.ID, DueOn: i.DueOn, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt})
	}
	return f
}

// input returns the health input of p from its facts.
func (f Facts) input(p Project) HealthInput {
	in := HealthInput{Project: p, Plans: f.Plans}
	for _, m := range f.Progress {
		in.Progress = append(in.Progress, Progress{Period: Period{m.Year, time.Month(m.Month)}, CompletedYuan: m.Yuan})
	}
	for _, i := range f.Issues {
		st := IssueOpen
		if i.ResolvedAt != nil {
			st = IssueResolved
		}
		in.Issues = append(in.Issues, Issue{ID: i.ID, IssueFields: IssueFields{DueOn: i.DueOn, Status: st}, CreatedAt: i.CreatedAt, ResolvedAt: i.ResolvedAt})
	}
	return in
}

// Evaluate computes a project's health on day on: the colour, the rules that
// fired, and the first day after on when the answer may change though
// nothing is written (nil when none), so that a stored health is computed
// again only when it is due. A cancelled project has no health rules.
func (r HealthRules) Evaluate(in HealthInput, on time.Time) (Health, []HealthReason, *time.Time) {
	e := evaluation{on: on, health: Green, reasons: []HealthReason{}}
	p := in.Project
	if p.Stage == Cancelled {
		return Green, e.reasons, nil
	}
	for _, m := range []struct {
		rule    string
		planned *time.Time
		actual  *time.Time
		stage   Stage
	}{
		{RuleStartMissed, p.PlannedStartDate, p.Actual.StartedOn, Started},
		{RuleCompletionMissed, p.PlannedCompletionDate, p.Actual.CompletedOn, Completed},
		{RuleProductionMissed, p.PlannedProductionDate, p.Actual.ProductionOn, InProduction},
	} {
		// Without its date, a stage the project has passed counts as reached
		// (an entry of the old register often lacks the dates).
		reached := m.actual != nil && !m.actual.After(on) || m.actual == nil && p.Stage.rank() >= m.stage.rank()
		if m.planned != nil && !reached {
			if m.actual != nil {
				e.due(*m.actual)
			}
			e.late(m.rule, *m.planned, r.DateRedDays, "")
		}
	}
	r.investment(&e, in)
	var worst *Issue
	for i, is := range in.Issues {
		created := Today(is.CreatedAt)
		if created.After(on) {
			e.due(created)
			continue
		}
		if is.ResolvedAt != nil {
			resolved := Today(*is.ResolvedAt)
			if !resolved.After(on) {
				continue
			}
			e.due(resolved)
		}
		if worst == nil || is.DueOn.Before(worst.DueOn) {
			worst = &in.Issues[i]
		}
		e.due(is.DueOn.AddDate(0, 0, 1))
		e.due(is.DueOn.AddDate(0, 0, r.BlockerRedDays+1))
	}
	if worst != nil {
		e.late(RuleBlockerOverdue, worst.DueOn, r.BlockerRedDays, worst.ID)
	}
	for _, f := range p.Funding {
		if f.ReceivedYuan > f.PlannedYuan {
			e.fire(HealthReason{Rule: RuleFundingOverPlan, Level: Yellow, Ref: f.Source})
			break
		}
	}
	return e.health, e.reasons, e.next
}

// investment applies the rule of 序时进度: the year's completed investment,
// months up to and including on's month, against the year's plan.
func (r HealthRules) investment(e *evaluation, in HealthInput) {
	if len(in.Plans) > 0 {
		// Time progress moves on the first of every month.
		e.due(time.Date(e.on.Year(), e.on.Month()+1, 1, 0, 0, 0, 0, time.UTC))
	}
	year := e.on.Year()
	plan := in.Plans[year]
	if plan <= 0 {
		return
	}
	var done int64
	for _, m := range in.Progress {
		if m.Period.Year == year && m.Period.Month <= e.on.Month() {
			done += m.CompletedYuan
		}
	}
	gap := InvestmentGap(done, plan, e.on.Month())
	level := Green
	switch {
	case gap > r.InvestRedPoints:
		level = Red
	case gap >= r.InvestYellowPoints:
		level = Yellow
	}
	if level != Green {
		e.fire(HealthReason{Rule: RuleInvestmentBehind, Level: level, Ref: fmt.Sprintf("%d: %.1f", year, gap)})
	}
}

// InvestmentGap is how many percentage points the investment completed, done
// of plan, is behind 序时进度 after month months of the year (ahead is
// negative), to a hundredth of a point: the precision it is reported in, and
// what keeps 50% − 40% from being a float's 9.999… rather than 10.
func InvestmentGap(done, plan int64, month time.Month) float64 {
	gap := (float64(month)/12 - float64(done)/float64(plan)) * 100
	return math.Round(gap*100) / 100
}

type evaluation struct {
	on      time.Time
	health  Health
	reasons []HealthReason
	next    *time.Time
}

// due notes a day after on when the answer may change.
func (e *evaluation) due(t time.Time) {
	if t.After(e.on) && (e.next == nil || t.Before(*e.next)) {
		e.next = &t
	}
}

// late fires rule when on is after deadline: yellow, then red after redDays.
func (e *evaluation) late(rule string, deadline time.Time, redDays int, ref string) {
	yellowFrom, redFrom := deadline.AddDate(0, 0, 1), deadline.AddDate(0, 0, redDays+1)
	e.due(yellowFrom)
	e.due(redFrom)
	switch {
	case !e.on.Before(redFrom):
		e.fire(HealthReason{Rule: rule, Level: Red, Since: &yellowFrom, Ref: ref})
	case !e.on.Before(yellowFrom):
		e.fire(HealthReason{Rule: rule, Level: Yellow, Since: &yellowFrom, Ref: ref})
	}
}

func (e *evaluation) fire(r HealthReason) {
	e.reasons = append(e.reasons, r)
	if r.Level == Red || e.health == Green {
		e.health = r.Level
	}
}

// loadFacts reads pr's plans, progress and blockers into pr.Facts, in the
// transaction of ctx: after a change to one of them.
func (s *Service) loadFacts(ctx context.Context, pr *Project) error {
	plans, err := s.store.Plans(ctx, pr.ID)
	if err != nil {
		return err
	}
	progress, err := s.store.ProgressOf(ctx, pr.ID, 0)
	if err != nil {
		return err
	}
	issues, err := s.store.ProjectIssues(ctx, pr.ID)
	if err != nil {
		return err
	}
	pr.Facts = NewFacts(plans, progress, issues)
	return nil
}

// refreshHealth computes pr's health for today from its fields and facts.
func (s *Service) refreshHealth(pr *Project) {
	pr.Health, pr.HealthReasons, pr.HealthDueOn = s.rules.Evaluate(pr.Facts.input(*pr), Today(s.now()))
}

// HealthOn is a project's health computed for a day, past or future.
type HealthOn struct {
	On      time.Time
	Health  Health
	Reasons []HealthReason
}

// Health computes a project's health on day on (today when zero) from what
// the register holds now: its plans, the actual dates and blockers as they
// stood on that day.
func (s *Service) Health(ctx context.Context, p identity.Principal, id string, on time.Time) (HealthOn, error) {
	pr, err := s.Get(ctx, p, id)
	if err != nil {
		return HealthOn{}, err
	}
	if on.IsZero() {
		on = Today(s.now())
	}
	h, reasons, _ := s.rules.Evaluate(pr.Facts.input(pr), on)
	return HealthOn{On: on, Health: h, Reasons: reasons}, nil
}

// healthRulesKey is the setting that holds the fingerprint of the rules
// the stored health was computed with.
const healthRulesKey = "health_rules"

// RefreshHealth brings the stored health of every live project up to date
// for today: after a change of the rules, every project; otherwise those
// whose health the passing of days may have changed. Stored health is what
// the health filter of lists reads, so it is kept current without computing
// every project at each request. It reports how many it computed.
func (s *Service) RefreshHealth(ctx context.Context) (int, error) {
	today := Today(s.now())
	fp, err := s.store.Setting(ctx, healthRulesKey)
	if err != nil {
		return 0, err
	}
	if fp != s.rules.Fingerprint() {
		err := s.inTx(ctx, func(ctx context.Context) error {
			if err := s.store.MarkHealthDue(ctx, today); err != nil {
				return err
			}
			return s.store.PutSetting(ctx, healthRulesKey, s.rules.Fingerprint())
		})
		if err != nil {
			return 0, err
		}
	}
	n := 0
	for {
		ids, err := s.store.HealthDue(ctx, today, 200)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			// Through Update, which locks the row, so that a change committed
			// meanwhile is never overwritten by a health computed before it.
			err := s.inTx(ctx, func(ctx context.Context) error {
				_, err := s.store.Update(ctx, Scope{All: true}, id, func(pr *Project) error {
					s.refreshHealth(pr)
					return nil
				})
				return err
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
}
