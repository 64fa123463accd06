package health_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
)

// day is a calendar day as the register keeps it, midnight UTC.
func day(s string) time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayp(s string) *time.Time {
	t := day(s)
	return &t
}

// at is an instant: d after midnight UTC of day s.
func at(s string, d time.Duration) time.Time { return day(s).Add(d) }

func atp(s string, d time.Duration) *time.Time {
	t := at(s, d)
	return &t
}

// dated is a reason of a rule that names its first day.
func dated(rule string, level health.Level, since string) health.Reason {
	return health.Reason{Rule: rule, Level: level, Since: dayp(since)}
}

func blocker(level health.Level, since, id string) health.Reason {
	return health.Reason{Rule: health.RuleBlockerOverdue, Level: level, Since: dayp(since), Ref: id}
}

func invest(level health.Level, ref string) health.Reason {
	return health.Reason{Rule: health.RuleInvestmentBehind, Level: level, Ref: ref}
}

func start(planned, actual *time.Time, passed bool) health.Milestone {
	return health.Milestone{Rule: health.RuleStartMissed, Planned: planned, Actual: actual, Passed: passed}
}

func milestones(ms ...health.Milestone) health.Input { return health.Input{Milestones: ms} }

// months are a year's reported months from January, one amount each.
func months(year int, amounts ...int64) []health.MonthFact {
	out := make([]health.MonthFact, len(amounts))
	for i, a := range amounts {
		out[i] = health.MonthFact{Year: year, Month: i + 1, Yuan: a}
	}
	return out
}

func investment(plans map[int]int64, progress ...health.MonthFact) health.Input {
	return health.Input{Facts: health.Facts{Plans: plans, Progress: progress}}
}

// issue is a blocker opened at 03:00 UTC (11:00 in Shanghai) of day created.
func issue(id, due, created string, resolved *time.Time) health.IssueFact {
	return health.IssueFact{ID: id, DueOn: day(due), CreatedAt: at(created, 3*time.Hour), ResolvedAt: resolved}
}

func blockers(issues ...health.IssueFact) health.Input {
	return health.Input{Facts: health.Facts{Issues: issues}}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	defaults := health.DefaultRules()
	short := health.Rules{DateRedDays: 10, InvestYellowPoints: 5, InvestRedPoints: 8, BlockerRedDays: 5}
	june15 := day("2021-06-15")
	july15 := day("2021-07-15")
	type want struct {
		health  health.Level
		reasons []health.Reason
		next    string // "" for none
	}
	for _, tc := range []struct {
		name  string
		rules health.Rules
		on    time.Time
		in    health.Input
		want  want
	}{
		{"nothing planned: green, nothing due", defaults, june15, health.Input{},
			want{health.Green, nil, ""}},

		// The rules of dates.
		{"planned start ahead: green, due the day after it", defaults, june15,
			milestones(start(dayp("2021-07-01"), nil, false)),
			want{health.Green, nil, "2021-07-02"}},
		{"planned start on the day asked: not yet missed", defaults, june15,
			milestones(start(dayp("2021-06-15"), nil, false)),
			want{health.Green, nil, "2021-06-16"}},
		{"start missed by a day: yellow since the day after the plan, red due after 90 more", defaults, june15,
			milestones(start(dayp("2021-06-14"), nil, false)),
			want{health.Yellow, []health.Reason{dated(health.RuleStartMissed, health.Yellow, "2021-06-15")}, "2021-09-13"}},
		{"start missed by 90 days: still yellow, red the next day", defaults, june15,
			milestones(start(dayp("2021-03-17"), nil, false)),
			want{health.Yellow, []health.Reason{dated(health.RuleStartMissed, health.Yellow, "2021-03-18")}, "2021-06-16"}},
		{"start missed by 91 days: red, since the first day missed, nothing more due", defaults, june15,
			milestones(start(dayp("2021-03-16"), nil, false)),
			want{health.Red, []health.Reason{dated(health.RuleStartMissed, health.Red, "2021-03-17")}, ""}},
		{"completion missed: its own rule", defaults, june15,
			milestones(health.Milestone{Rule: health.RuleCompletionMissed, Planned: dayp("2021-06-01")}),
			want{health.Yellow, []health.Reason{dated(health.RuleCompletionMissed, health.Yellow, "2021-06-02")}, "2021-08-31"}},
		{"production missed long ago: its own rule, red", defaults, june15,
			milestones(health.Milestone{Rule: health.RuleProductionMissed, Planned: dayp("2021-01-01")}),
			want{health.Red, []health.Reason{dated(health.RuleProductionMissed, health.Red, "2021-01-02")}, ""}},
		{"date threshold from the rules: missed by DateRedDays is yellow", short, june15,
			milestones(start(dayp("2021-06-05"), nil, false)),
			want{health.Yellow, []health.Reason{dated(health.RuleStartMissed, health.Yellow, "2021-06-06")}, "2021-06-16"}},
		{"date threshold from the rules: missed by DateRedDays+1 is red", short, june15,
			milestones(start(dayp("2021-06-04"), nil, false)),
			want{health.Red, []health.Reason{dated(health.RuleStartMissed, health.Red, "2021-06-05")}, ""}},
		{"started before the plan: nothing fires", defaults, june15,
			milestones(start(dayp("2021-03-01"), dayp("2021-02-20"), true)),
			want{health.Green, nil, ""}},
		{"started late, before the day asked: the miss is over", defaults, june15,
			milestones(start(dayp("2021-03-01"), dayp("2021-05-01"), true)),
			want{health.Green, nil, ""}},
		{"started on the day asked: reached", defaults, june15,
			milestones(start(dayp("2021-05-01"), dayp("2021-06-15"), true)),
			want{health.Green, nil, ""}},
		{"an actual start after the day asked: missed then, due the actual day", defaults, june15,
			milestones(start(dayp("2021-05-01"), dayp("2021-07-01"), false)),
			want{health.Yellow, []health.Reason{dated(health.RuleStartMissed, health.Yellow, "2021-05-02")}, "2021-07-01"}},
		{"an actual start after the day asked with the stage passed: the date wins", defaults, june15,
			milestones(start(dayp("2021-05-01"), dayp("2021-07-01"), true)),
			want{health.Yellow, []health.Reason{dated(health.RuleStartMissed, health.Yellow, "2021-05-02")}, "2021-07-01"}},
		{"an actual start after the red day: red until then", defaults, june15,
			milestones(start(dayp("2021-03-01"), dayp("2021-07-01"), true)),
			want{health.Red, []health.Reason{dated(health.RuleStartMissed, health.Red, "2021-03-02")}, "2021-07-01"}},
		{"milestones passed by stage without a date count as reached", defaults, june15,
			milestones(start(dayp("2020-03-01"), nil, true),
				health.Milestone{Rule: health.RuleCompletionMissed, Planned: dayp("2020-12-01"), Passed: true}),
			want{health.Green, nil, ""}},
		{"a milestone without a planned date never fires nor names a day", defaults, june15,
			milestones(start(nil, dayp("2021-07-01"), false), health.Milestone{Rule: health.RuleCompletionMissed}),
			want{health.Green, nil, ""}},
		{"cancelled: no rules, green with no reasons, nothing due", defaults, june15,
			health.Input{
				Cancelled:  true,
				Milestones: []health.Milestone{start(dayp("2020-01-01"), nil, false)},
				Funding:    []health.Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}},
				Facts: health.Facts{Plans: map[int]int64{2021: 1000},
					Issues: []health.IssueFact{issue("a", "2021-01-01", "2020-12-01", nil)}},
			},
			want{health.Green, nil, ""}},

		// 序时进度: P is the latest period whose reports count, from the day
		// after its due day (the 5th of the next month by default): on 15
		// July, June, 50%.
		{"investment on schedule: green, due the day after July's due day", defaults, july15,
			investment(map[int]int64{2021: 1200}, months(2021, 100, 100, 100, 100, 100, 100)...),
			want{health.Green, nil, "2021-08-06"}},
		{"investment ahead of schedule: green", defaults, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 900)...),
			want{health.Green, nil, "2021-08-06"}},
		{"investment 9.9 points behind: green", defaults, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 401)...),
			want{health.Green, nil, "2021-08-06"}},
		{"investment 10 points behind (50% − 40%): yellow at the yellow point", defaults, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 400)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 10.0")}, "2021-08-06"}},
		{"investment 30 points behind: still yellow at the red point", defaults, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 200)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 30.0")}, "2021-08-06"}},
		{"investment 30 points behind after September's due day (75% − 45%): yellow", defaults, day("2021-10-15"),
			investment(map[int]int64{2021: 100}, months(2021, 45)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 30.0")}, "2021-11-06"}},
		{"investment 30.1 points behind: red", defaults, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 199)...),
			want{health.Red, []health.Reason{invest(health.Red, "2021: 30.1")}, "2021-08-06"}},
		{"the docs' example: 100 of 1,200 by June is 41.7 behind, red", defaults, july15,
			investment(map[int]int64{2021: 1200}, months(2021, 0, 0, 0, 0, 0, 100)...),
			want{health.Red, []health.Reason{invest(health.Red, "2021: 41.7")}, "2021-08-06"}},
		{"months after P are ignored", defaults, july15,
			investment(map[int]int64{2021: 1200}, months(2021, 0, 0, 0, 0, 0, 0, 600, 0, 0, 0, 0, 600)...),
			want{health.Red, []health.Reason{invest(health.Red, "2021: 50.0")}, "2021-08-06"}},
		{"months of other years are ignored", defaults, july15,
			investment(map[int]int64{2021: 1200}, append(months(2020, 600, 600), months(2022, 600, 600)...)...),
			want{health.Red, []health.Reason{invest(health.Red, "2021: 50.0")}, "2021-08-06"}},
		{"plans of other years only: the rule does not apply, still due when P moves", defaults, july15,
			investment(map[int]int64{2020: 1000, 2022: 1000}, months(2021, 0)...),
			want{health.Green, nil, "2021-08-06"}},
		{"a plan of 0 for the year: the rule does not apply", defaults, july15,
			investment(map[int]int64{2021: 0}, months(2021, 0)...),
			want{health.Green, nil, "2021-08-06"}},
		{"a negative plan for the year: the rule does not apply", defaults, july15,
			investment(map[int]int64{2021: -1000}, months(2021, 0)...),
			want{health.Green, nil, "2021-08-06"}},
		{"no plans: the rule does not apply and names no day", defaults, july15,
			investment(nil, months(2021, 0)...),
			want{health.Green, nil, ""}},
		{"no period of the year counts yet: the rule does not apply", defaults, day("2021-02-05"),
			investment(map[int]int64{2021: 1200}, months(2021, 0)...),
			want{health.Green, nil, "2021-02-06"}},
		{"investment points from the rules: at the yellow point, yellow", short, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 450)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 5.0")}, "2021-08-06"}},
		{"investment points from the rules: below the yellow point, green", short, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 451)...),
			want{health.Green, nil, "2021-08-06"}},
		{"investment points from the rules: at the red point, yellow", short, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 420)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 8.0")}, "2021-08-06"}},
		{"investment points from the rules: past the red point, red", short, july15,
			investment(map[int]int64{2021: 1000}, months(2021, 419)...),
			want{health.Red, []health.Reason{invest(health.Red, "2021: 8.1")}, "2021-08-06"}},
		{"on June's due day P is still May: 8.3 behind, green", defaults, day("2021-07-05"),
			investment(map[int]int64{2021: 1200}, months(2021, 100, 100, 100, 100)...),
			want{health.Green, nil, "2021-07-06"}},
		{"P moves to June the day after: 16.7 behind, yellow", defaults, day("2021-07-06"),
			investment(map[int]int64{2021: 1200}, months(2021, 100, 100, 100, 100)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2021: 16.7")}, "2021-08-06"}},
		{"a due day the bureau moved moves P", defaults, day("2021-07-06"),
			health.Input{Facts: health.Facts{Plans: map[int]int64{2021: 1200}, Progress: months(2021, 100, 100, 100, 100)},
				Periods: calendar.Periods{Due: map[calendar.Month]time.Time{{Year: 2021, Month: time.June}: day("2021-07-09")}}},
			want{health.Green, nil, "2021-07-10"}},
		{"a combined February: January alone never counts", defaults, day("2021-02-20"),
			health.Input{Facts: health.Facts{Plans: map[int]int64{2021: 1200}, Progress: months(2021, 0)},
				Periods: calendar.Periods{Combined: map[int]bool{2021: true}}},
			want{health.Green, nil, "2021-03-06"}},
		{"December: due on the first of January, when a new year starts with no period", defaults, day("2021-12-15"),
			investment(map[int]int64{2021: 1200}, months(2021, 1200)...),
			want{health.Green, nil, "2022-01-01"}},
		{"in a new year: that year's plan and months only", defaults, day("2022-04-06"),
			investment(map[int]int64{2021: 1200, 2022: 1200}, append(months(2021, 1200, 1200, 1200), months(2022, 0, 0, 0)...)...),
			want{health.Yellow, []health.Reason{invest(health.Yellow, "2022: 25.0")}, "2022-05-06"}},

		// Blockers.
		{"blocker due on the day asked: not yet overdue", defaults, june15,
			blockers(issue("a", "2021-06-15", "2021-06-01", nil)),
			want{health.Green, nil, "2021-06-16"}},
		{"blocker a day overdue: yellow, named, red due after 30 more", defaults, june15,
			blockers(issue("a", "2021-06-14", "2021-06-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-15", "a")}, "2021-07-15"}},
		{"blocker 30 days overdue: still yellow, red the next day", defaults, june15,
			blockers(issue("a", "2021-05-16", "2021-05-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-05-17", "a")}, "2021-06-16"}},
		{"blocker 31 days overdue: red, nothing more due", defaults, june15,
			blockers(issue("a", "2021-05-15", "2021-05-01", nil)),
			want{health.Red, []health.Reason{blocker(health.Red, "2021-05-16", "a")}, ""}},
		{"blocker threshold from the rules: BlockerRedDays overdue is yellow", short, june15,
			blockers(issue("a", "2021-06-10", "2021-06-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-11", "a")}, "2021-06-16"}},
		{"blocker threshold from the rules: BlockerRedDays+1 overdue is red", short, june15,
			blockers(issue("a", "2021-06-09", "2021-06-01", nil)),
			want{health.Red, []health.Reason{blocker(health.Red, "2021-06-10", "a")}, ""}},
		{"several overdue: one reason, the most overdue named", defaults, june15,
			blockers(issue("b", "2021-06-01", "2021-05-01", nil), issue("a", "2021-05-15", "2021-05-01", nil),
				issue("c", "2021-06-10", "2021-05-01", nil)),
			want{health.Red, []health.Reason{blocker(health.Red, "2021-05-16", "a")}, "2021-07-02"}},
		{"two due the same day: the first listed named", defaults, june15,
			blockers(issue("x", "2021-06-01", "2021-05-01", nil), issue("y", "2021-06-01", "2021-05-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-02", "x")}, "2021-07-02"}},
		{"a blocker resolved before the day does not count", defaults, june15,
			blockers(issue("a", "2021-05-01", "2021-04-01", atp("2021-06-10", 5*time.Hour))),
			want{health.Green, nil, ""}},
		{"a blocker resolved on the day asked does not count", defaults, june15,
			blockers(issue("a", "2021-05-01", "2021-04-01", atp("2021-06-15", 5*time.Hour))),
			want{health.Green, nil, ""}},
		{"a blocker resolved at 16:00 UTC the day before is resolved on the day asked in Shanghai", defaults, june15,
			blockers(issue("a", "2021-05-01", "2021-04-01", atp("2021-06-14", 16*time.Hour))),
			want{health.Green, nil, ""}},
		{"a blocker resolved after the day counts then, due the day it is resolved", defaults, june15,
			blockers(issue("a", "2021-06-01", "2021-04-01", atp("2021-06-20", 5*time.Hour))),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-02", "a")}, "2021-06-20"}},
		{"a blocker resolved at 16:00 UTC of the day asked is resolved the next day in Shanghai", defaults, june15,
			blockers(issue("a", "2021-06-01", "2021-04-01", atp("2021-06-15", 16*time.Hour))),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-02", "a")}, "2021-06-16"}},
		{"a resolved blocker does not hide an open one due later", defaults, june15,
			blockers(issue("a", "2021-05-01", "2021-04-01", atp("2021-06-10", 5*time.Hour)),
				issue("b", "2021-06-10", "2021-05-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-11", "b")}, "2021-07-11"}},
		{"a blocker opened after the day: not counted, due the day it opens", defaults, june15,
			blockers(issue("a", "2021-06-01", "2021-06-18", nil)),
			want{health.Green, nil, "2021-06-18"}},
		{"a blocker opened after the day is not named though due first", defaults, june15,
			blockers(issue("a", "2021-05-01", "2021-06-20", nil), issue("b", "2021-06-10", "2021-05-01", nil)),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-11", "b")}, "2021-06-20"}},
		{"a blocker opened at 16:00 UTC of the day asked opens the next day in Shanghai", defaults, june15,
			blockers(health.IssueFact{ID: "a", DueOn: day("2021-06-01"), CreatedAt: at("2021-06-15", 16*time.Hour)}),
			want{health.Green, nil, "2021-06-16"}},
		{"a blocker opened at 15:59:59 UTC of the day asked is open that day", defaults, june15,
			blockers(health.IssueFact{ID: "a", DueOn: day("2021-06-01"), CreatedAt: at("2021-06-15", 16*time.Hour-time.Second)}),
			want{health.Yellow, []health.Reason{blocker(health.Yellow, "2021-06-02", "a")}, "2021-07-02"}},

		// Funding.
		{"funding received up to plan: nothing", defaults, june15,
			health.Input{Funding: []health.Funding{{Source: "enterprise", PlannedYuan: 100, ReceivedYuan: 100}}},
			want{health.Green, nil, ""}},
		{"funding received over plan: yellow, the first such source named, nothing due", defaults, june15,
			health.Input{Funding: []health.Funding{
				{Source: "enterprise", PlannedYuan: 100, ReceivedYuan: 100},
				{Source: "bank_loan", PlannedYuan: 100, ReceivedYuan: 101},
				{Source: "special_bond", PlannedYuan: 1, ReceivedYuan: 5}}},
			want{health.Yellow, []health.Reason{{Rule: health.RuleFundingOverPlan, Level: health.Yellow, Ref: "bank_loan"}}, ""}},

		// Together.
		{"every rule at once: red wins, reasons in order of dates, investment, blocker, funding", defaults, june15,
			health.Input{
				Milestones: []health.Milestone{
					start(dayp("2021-01-01"), nil, false),
					{Rule: health.RuleCompletionMissed, Planned: dayp("2021-06-01")},
					{Rule: health.RuleProductionMissed, Planned: dayp("2021-06-10")},
				},
				Funding: []health.Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}},
				Facts: health.Facts{Plans: map[int]int64{2021: 1000}, Progress: months(2021, 316),
					Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-05-01", nil)}},
			},
			want{health.Red, []health.Reason{
				dated(health.RuleStartMissed, health.Red, "2021-01-02"),
				dated(health.RuleCompletionMissed, health.Yellow, "2021-06-02"),
				dated(health.RuleProductionMissed, health.Yellow, "2021-06-11"),
				invest(health.Yellow, "2021: 10.1"),
				blocker(health.Yellow, "2021-06-02", "a"),
				{Rule: health.RuleFundingOverPlan, Level: health.Yellow, Ref: "enterprise"},
			}, "2021-07-02"}},
		{"yellows only: yellow", defaults, june15,
			health.Input{
				Funding: []health.Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}},
				Facts:   health.Facts{Plans: map[int]int64{2021: 1000}, Progress: months(2021, 316)},
			},
			want{health.Yellow, []health.Reason{
				invest(health.Yellow, "2021: 10.1"),
				{Rule: health.RuleFundingOverPlan, Level: health.Yellow, Ref: "enterprise"},
			}, "2021-07-06"}},
		{"a red after a yellow makes it red", defaults, june15,
			health.Input{Facts: health.Facts{Plans: map[int]int64{2021: 1000}, Progress: months(2021, 316),
				Issues: []health.IssueFact{issue("a", "2021-05-01", "2021-04-01", nil)}}},
			want{health.Red, []health.Reason{
				invest(health.Yellow, "2021: 10.1"),
				blocker(health.Red, "2021-05-02", "a"),
			}, "2021-07-06"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, reasons, next := tc.rules.Evaluate(tc.in, tc.on)
			assert.Equal(t, tc.want.health, h)
			require.NotNil(t, reasons, "reasons are a list, never null")
			if tc.want.reasons == nil {
				assert.Empty(t, reasons)
			} else {
				assert.Equal(t, tc.want.reasons, reasons)
			}
			if tc.want.next == "" {
				assert.Nil(t, next)
			} else if assert.NotNil(t, next) {
				assert.Equal(t, day(tc.want.next), *next)
			}
		})
	}
}

// The next day Evaluate names is a day after the one asked, and on every day
// between them the answer is the same; when it names none, the answer stays.
func TestEvaluateNextChange(t *testing.T) {
	t.Parallel()
	rules := health.Rules{DateRedDays: 10, InvestYellowPoints: 10, InvestRedPoints: 30, BlockerRedDays: 5}
	y := issue("y", "2021-05-10", "2021-05-01", atp("2021-06-20", 16*time.Hour+30*time.Minute))
	y.CreatedAt = at("2021-05-01", 17*time.Hour) // 2021-05-02 in Shanghai
	for _, tc := range []struct {
		name     string
		in       health.Input
		from, to string
		named    []string // the days named, in order, when the case states them
		minSteps int
	}{
		{
			name: "every rule over two years, across the new year: answer steady between the days named",
			in: health.Input{
				Milestones: []health.Milestone{
					start(dayp("2021-03-10"), dayp("2021-04-20"), true),
					{Rule: health.RuleCompletionMissed, Planned: dayp("2021-05-01")},
					{Rule: health.RuleProductionMissed, Planned: dayp("2022-02-01")},
				},
				Funding: []health.Funding{{Source: "enterprise", PlannedYuan: 100, ReceivedYuan: 150}},
				Facts: health.Facts{
					Plans:    map[int]int64{2021: 1200, 2022: 2400},
					Progress: append(months(2021, 100, 100, 100, 0, 0, 0, 0, 600), months(2022, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)...),
					Issues: []health.IssueFact{
						issue("x", "2021-04-03", "2021-02-01", atp("2021-05-05", 8*time.Hour)),
						y,
						issue("z", "2021-07-15", "2021-08-01", atp("2021-10-01", 8*time.Hour)),
					},
				},
			},
			from: "2021-01-01", to: "2023-01-01",
			minSteps: 24, // at least the first of every month
		},
		{
			name: "dates and a blocker only: each day named is a change, then nothing is due",
			in: health.Input{
				Milestones: []health.Milestone{
					start(dayp("2021-03-10"), dayp("2021-04-20"), true),
					{Rule: health.RuleCompletionMissed, Planned: dayp("2021-05-01")},
				},
				Facts: health.Facts{Issues: []health.IssueFact{y}},
			},
			from: "2021-01-01", to: "2022-01-01",
			named: []string{
				"2021-03-11", // start missed: yellow
				"2021-03-21", // start missed: red
				"2021-04-20", // started
				"2021-05-02", // completion missed: yellow; y opens
				"2021-05-11", // y overdue: yellow
				"2021-05-12", // completion missed: red
				"2021-05-16", // y overdue: red
				"2021-06-21", // y resolved
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			end := day(tc.to)
			var named []string
			d := day(tc.from)
			for d.Before(end) {
				h, reasons, next := rules.Evaluate(tc.in, d)
				stop := end
				if next != nil {
					require.True(t, next.After(d), "on %s the next change %s is not after it", d.Format(time.DateOnly), next.Format(time.DateOnly))
					stop = *next
				}
				for e := d.AddDate(0, 0, 1); e.Before(stop) && e.Before(end); e = e.AddDate(0, 0, 1) {
					h2, r2, _ := rules.Evaluate(tc.in, e)
					require.Equal(t, h, h2, "on %s, before the next change %s", e.Format(time.DateOnly), stop.Format(time.DateOnly))
					require.Equal(t, reasons, r2, "on %s, before the next change %s", e.Format(time.DateOnly), stop.Format(time.DateOnly))
				}
				if next == nil {
					break
				}
				if next.Before(end) {
					h2, r2, _ := rules.Evaluate(tc.in, *next)
					if tc.named != nil {
						assert.False(t, h == h2 && assert.ObjectsAreEqual(reasons, r2), "nothing changed on %s", next.Format(time.DateOnly))
					}
				}
				named = append(named, next.Format(time.DateOnly))
				d = *next
			}
			if tc.named != nil {
				assert.Equal(t, tc.named, named)
			}
			assert.GreaterOrEqual(t, len(named), tc.minSteps)
		})
	}
}
