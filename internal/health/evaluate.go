package health

import (
	"fmt"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
)

// Evaluate computes a project's health on day on: the colour, the rules that
// fired, and the first day after on when the answer may change though
// nothing is written (nil when none), so that a stored health is computed
// again only when it is due.
func (r Rules) Evaluate(in Input, on time.Time) (Level, []Reason, *time.Time) {
	e := evaluation{on: on, health: Green, reasons: []Reason{}}
	if in.Cancelled {
		return Green, e.reasons, nil
	}
	for _, m := range in.Milestones {
		reached := m.Actual != nil && !m.Actual.After(on) || m.Actual == nil && m.Passed
		if m.Planned != nil && !reached {
			if m.Actual != nil {
				e.due(*m.Actual)
			}
			e.late(m.Rule, *m.Planned, r.DateRedDays, "")
		}
	}
	r.investment(&e, in.Facts, in.Periods)
	r.blockers(&e, in.Facts.Issues)
	approvals(&e, in.Facts.Approvals)
	for _, f := range in.Funding {
		if f.ReceivedYuan > f.PlannedYuan {
			e.fire(Reason{Rule: RuleFundingOverPlan, Level: Yellow, Ref: f.Source})
			break
		}
	}
	return e.health, e.reasons, e.next
}

// blockers applies the rule of overdue blockers: the one longest past its
// due date fires, of those open on day on.
func (r Rules) blockers(e *evaluation, issues []IssueFact) {
	var worst *IssueFact
	for i, is := range issues {
		created := calendar.Today(is.CreatedAt)
		if created.After(e.on) {
			e.due(created)
			continue
		}
		if is.ResolvedAt != nil {
			resolved := calendar.Today(*is.ResolvedAt)
			if !resolved.After(e.on) {
				continue
			}
			e.due(resolved)
		}
		if worst == nil || is.DueOn.Before(worst.DueOn) {
			worst = &issues[i]
		}
		e.due(is.DueOn.AddDate(0, 0, 1))
		e.due(is.DueOn.AddDate(0, 0, r.BlockerRedDays+1))
	}
	if worst != nil {
		e.late(RuleBlockerOverdue, worst.DueOn, r.BlockerRedDays, worst.ID)
	}
}

// approvals applies the rule of overdue approvals: an item not obtained
// past its expected day is yellow, the one expected earliest named.
func approvals(e *evaluation, items []ApprovalFact) {
	var worst *ApprovalFact
	for i, a := range items {
		from := a.ExpectedOn.AddDate(0, 0, 1)
		if e.on.Before(from) {
			e.due(from)
			continue
		}
		if worst == nil || a.ExpectedOn.Before(worst.ExpectedOn) {
			worst = &items[i]
		}
	}
	if worst != nil {
		since := worst.ExpectedOn.AddDate(0, 0, 1)
		e.fire(Reason{Rule: RuleApprovalOverdue, Level: Yellow, Since: &since, Ref: worst.Item})
	}
}

// investment applies the rule of 序时进度: the year's completed investment
// of months 1..P against the year's plan, where P is the latest period whose
// reports count on day on (calendar.Periods.Counted) and 序时进度 is P's
// month ÷ 12; while no period of the year counts, the rule does not apply.
func (r Rules) investment(e *evaluation, f Facts, periods calendar.Periods) {
	year := e.on.Year()
	this := calendar.MonthOf(e.on)
	if len(f.Plans) > 0 {
		// P moves on the day after a period's due day; a new year starts
		// with none.
		e.due(time.Date(year+1, time.January, 1, 0, 0, 0, 0, time.UTC))
		for m := (calendar.Month{Year: year, Month: time.January}); !this.Before(m.AddMonths(-1)); m = m.AddMonths(1) {
			if periods.IsPeriod(m) {
				e.due(periods.DueOn(m).AddDate(0, 0, 1))
			}
		}
	}
	plan := f.Plans[year]
	if plan <= 0 {
		return
	}
	p, ok := periods.Counted(year, e.on, this)
	if !ok {
		return
	}
	var done int64
	for _, m := range f.Progress {
		if m.Year == year && time.Month(m.Month) <= p.Month {
			done += m.Yuan
		}
	}
	gap := InvestmentGap(done, plan, p.Month)
	level := Green
	switch {
	case gap > r.InvestRedPoints:
		level = Red
	case gap >= r.InvestYellowPoints:
		level = Yellow
	}
	if level != Green {
		e.fire(Reason{Rule: RuleInvestmentBehind, Level: level, Ref: fmt.Sprintf("%d: %.1f", year, gap)})
	}
}

type evaluation struct {
	on      time.Time
	health  Level
	reasons []Reason
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
		e.fire(Reason{Rule: rule, Level: Red, Since: &yellowFrom, Ref: ref})
	case !e.on.Before(yellowFrom):
		e.fire(Reason{Rule: rule, Level: Yellow, Since: &yellowFrom, Ref: ref})
	}
}

func (e *evaluation) fire(r Reason) {
	e.reasons = append(e.reasons, r)
	if r.Level == Red || e.health == Green {
		e.health = r.Level
	}
}
