package project

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
)

func TestHealthRules(t *testing.T) {
	rules := health.DefaultRules()
	on := *day("2021-06-15")
	base := Project{Stage: Landed}
	issue := func(id, due string, created string, resolved *string) health.IssueFact {
		i := health.IssueFact{ID: id, DueOn: *day(due), CreatedAt: day(created).Add(3 * time.Hour)}
		if resolved != nil {
			r := day(*resolved).Add(5 * time.Hour)
			i.ResolvedAt = &r
		}
		return i
	}
	resolvedOn := func(s string) *string { return &s }
	type want struct {
		health  health.Level
		reasons []string // rule:level
		next    string
	}
	for _, tc := range []struct {
		name string
		in   func() HealthInput
		want want
	}{
		{"no plan at all", func() HealthInput { return HealthInput{Project: base} }, want{health.Green, nil, ""}},
		{"planned start ahead", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-07-01")
			return HealthInput{Project: p}
		}, want{health.Green, nil, "2021-07-02"}},
		{"planned start is today: not yet missed", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-06-15")
			return HealthInput{Project: p}
		}, want{health.Green, nil, "2021-06-16"}},
		{"start missed by a day", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-06-14")
			return HealthInput{Project: p}
		}, want{health.Yellow, []string{"planned_start_missed:yellow"}, "2021-09-13"}},
		{"start missed by 90 days: still yellow", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-03-17")
			return HealthInput{Project: p}
		}, want{health.Yellow, []string{"planned_start_missed:yellow"}, "2021-06-16"}},
		{"start missed by 91 days: red", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-03-16")
			return HealthInput{Project: p}
		}, want{health.Red, []string{"planned_start_missed:red"}, ""}},
		{"started before the plan: nothing", func() HealthInput {
			p := base
			p.Stage, p.PlannedStartDate, p.Actual.StartedOn = Started, day("2021-03-01"), day("2021-02-20")
			return HealthInput{Project: p}
		}, want{health.Green, nil, ""}},
		{"started late: missed until the start, not after", func() HealthInput {
			p := base
			p.Stage, p.PlannedStartDate, p.Actual.StartedOn = Started, day("2021-03-01"), day("2021-05-01")
			return HealthInput{Project: p}
		}, want{health.Green, nil, ""}},
		{"a past day before the late start: missed then", func() HealthInput {
			p := base
			p.Stage, p.PlannedStartDate, p.Actual.StartedOn = Started, day("2021-05-01"), day("2021-07-01")
			return HealthInput{Project: p}
		}, want{health.Yellow, []string{"planned_start_missed:yellow"}, "2021-07-01"}},
		{"a stage passed without its date counts as reached", func() HealthInput {
			p := base
			p.Stage, p.PlannedStartDate, p.PlannedCompletionDate = InProduction, day("2020-03-01"), day("2020-12-01")
			return HealthInput{Project: p}
		}, want{health.Green, nil, ""}},
		{"suspended: completion missed", func() HealthInput {
			p := base
			p.Stage, p.Actual.StartedOn, p.PlannedCompletionDate = Suspended, day("2020-05-01"), day("2021-05-31")
			return HealthInput{Project: p}
		}, want{health.Yellow, []string{"planned_completion_missed:yellow"}, "2021-08-30"}},
		{"cancelled: no rules", func() HealthInput {
			p := base
			p.Stage, p.PlannedStartDate = Cancelled, day("2020-01-01")
			p.Funding = []Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}}
			return HealthInput{Project: p}
		}, want{health.Green, nil, ""}},
		{"investment on time", func() HealthInput {
			// On 15 June P is May (June's reports are due on 5 July):
			// 序时进度 41.7%; months 1–5, 500 of 1,200, done.
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1200}, Progress: months(2021, 100, 100, 100, 100, 100, 100)}
		}, want{health.Green, nil, "2021-07-06"}},
		{"investment 9 points behind: green", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1000}, Progress: months(2021, 327)}
		}, want{health.Green, nil, "2021-07-06"}},
		{"investment 10 points behind: yellow", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1000}, Progress: months(2021, 316)}
		}, want{health.Yellow, []string{"investment_behind:yellow"}, "2021-07-06"}},
		{"investment 30 points behind: yellow", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1000}, Progress: months(2021, 117)}
		}, want{health.Yellow, []string{"investment_behind:yellow"}, "2021-07-06"}},
		{"investment more than 30 behind: red", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1000}, Progress: months(2021, 116)}
		}, want{health.Red, []string{"investment_behind:red"}, "2021-07-06"}},
		{"months after P do not count", func() HealthInput {
			in := HealthInput{Project: base, Plans: map[int]int64{2021: 1200}, Progress: months(2021, 0, 0, 0, 0, 0, 1200)}
			return in
		}, want{health.Red, []string{"investment_behind:red"}, "2021-07-06"}},
		{"a moved due day: P is April", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2021: 1200}, Progress: months(2021, 100, 100, 100, 100),
				Periods: calendar.Periods{Due: map[calendar.Month]time.Time{{Year: 2021, Month: time.May}: *day("2021-06-20")}}}
		}, want{health.Green, nil, "2021-06-21"}},
		{"a plan of another year only", func() HealthInput {
			return HealthInput{Project: base, Plans: map[int]int64{2022: 1000}}
		}, want{health.Green, nil, "2021-07-06"}},
		{"blocker due today", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{issue("a", "2021-06-15", "2021-06-01", nil)}}
		}, want{health.Green, nil, "2021-06-16"}},
		{"blocker overdue", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-05-01", nil)}}
		}, want{health.Yellow, []string{"blocker_overdue:yellow"}, "2021-07-02"}},
		{"blocker overdue by 31 days: red, the most overdue named", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{
				issue("b", "2021-06-01", "2021-05-01", nil), issue("a", "2021-05-15", "2021-05-01", nil)}}
		}, want{health.Red, []string{"blocker_overdue:red"}, "2021-07-02"}},
		{"a resolved blocker does not count", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{issue("a", "2021-05-01", "2021-04-01", resolvedOn("2021-06-10"))}}
		}, want{health.Green, nil, ""}},
		{"a blocker resolved after the day counted then", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-04-01", resolvedOn("2021-06-20"))}}
		}, want{health.Yellow, []string{"blocker_overdue:yellow"}, "2021-06-20"}},
		{"a blocker opened after the day", func() HealthInput {
			return HealthInput{Project: base, Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-06-18", nil)}}
		}, want{health.Green, nil, "2021-06-18"}},
		{"funding received above plan", func() HealthInput {
			p := base
			p.Funding = []Funding{{Source: "enterprise", PlannedYuan: 100, ReceivedYuan: 100}, {Source: "bank_loan", PlannedYuan: 100, ReceivedYuan: 101}}
			return HealthInput{Project: p}
		}, want{health.Yellow, []string{"funding_over_plan:yellow"}, ""}},
		{"every rule at once: red wins, each named", func() HealthInput {
			p := base
			p.PlannedStartDate = day("2021-01-01")
			p.Funding = []Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}}
			return HealthInput{Project: p, Plans: map[int]int64{2021: 1000}, Progress: months(2021, 316),
				Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-05-01", nil)}}
		}, want{health.Red, []string{"planned_start_missed:red", "investment_behind:yellow", "blocker_overdue:yellow", "funding_over_plan:yellow"}, "2021-07-02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, reasons, next := rules.Evaluate(tc.in().input(), on)
			assert.Equal(t, tc.want.health, h)
			var got []string
			for _, r := range reasons {
				got = append(got, r.Rule+":"+string(r.Level))
			}
			assert.Equal(t, tc.want.reasons, got)
			assert.NotNil(t, reasons, "reasons are a list, never null")
			if tc.want.next == "" {
				assert.Nil(t, next)
			} else if assert.NotNil(t, next) {
				assert.Equal(t, tc.want.next, next.Format(time.DateOnly))
			}
		})
	}
}

// HealthInput is a project with its plans, progress and blockers as a test
// states them; input turns it into what the rules read, as the service does.
type HealthInput struct {
	Project  Project
	Plans    map[int]int64
	Progress []health.MonthFact
	Issues   []health.IssueFact
	// Periods is the dispatch calendar; the zero value holds the default due days.
	Periods calendar.Periods
}

func (h HealthInput) input() health.Input {
	p := h.Project
	p.Facts = health.Facts{Plans: h.Plans, Progress: h.Progress, Issues: h.Issues}
	return healthInput(p, h.Periods)
}

func months(year int, amounts ...int64) []health.MonthFact {
	out := make([]health.MonthFact, len(amounts))
	for i, a := range amounts {
		out[i] = health.MonthFact{Year: year, Month: i + 1, Yuan: a}
	}
	return out
}

// The next day Evaluate names is the first day its answer differs: on every
// day before it, the answer is the same.
func TestHealthNextChange(t *testing.T) {
	rules := health.Rules{DateRedDays: 10, InvestYellowPoints: 10, InvestRedPoints: 30, BlockerRedDays: 5}
	p := Project{Stage: Signed, Fields: Fields{PlannedStartDate: day("2021-03-10"), PlannedCompletionDate: day("2021-05-01")}}
	in := HealthInput{Project: p, Plans: map[int]int64{2021: 1200}, Progress: months(2021, 100, 100, 100),
		Issues: []health.IssueFact{{ID: "x", DueOn: *day("2021-04-03"), CreatedAt: *day("2021-02-01")}}}
	changes := 0
	for d := *day("2021-01-01"); d.Before(*day("2022-01-01")); {
		h, reasons, next := rules.Evaluate(in.input(), d)
		if next == nil {
			break
		}
		for e := d.AddDate(0, 0, 1); e.Before(*next); e = e.AddDate(0, 0, 1) {
			h2, r2, _ := rules.Evaluate(in.input(), e)
			require.Equal(t, h, h2, "on %s, before the next change %s", e.Format(time.DateOnly), next.Format(time.DateOnly))
			require.Equal(t, reasons, r2, "on %s", e.Format(time.DateOnly))
		}
		d = *next
		changes++
	}
	assert.Greater(t, changes, 10, "the walk went through the year's changes")
}

func TestHealthReasonJSON(t *testing.T) {
	r := health.Reason{Rule: health.RuleStartMissed, Level: health.Red, Since: day("2021-03-02")}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"rule":"planned_start_missed","level":"red","since":"2021-03-02"}`, string(b))
	var back health.Reason
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)
}
