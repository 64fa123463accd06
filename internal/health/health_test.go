package health_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
)

func TestDefaultRules(t *testing.T) {
	t.Parallel()
	// The defaults docs/stages.md gives.
	assert.Equal(t, health.Rules{DateRedDays: 90, InvestYellowPoints: 10, InvestRedPoints: 30, BlockerRedDays: 30}, health.DefaultRules())
	assert.Equal(t, "v2 date_red=90 invest=10/30 blocker_red=30", health.DefaultRules().Fingerprint())
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := health.DefaultRules()
	tests := []struct {
		name   string
		change func(r *health.Rules)
		want   string
	}{
		{"DateRedDays changes it", func(r *health.Rules) { r.DateRedDays = 91 }, "v2 date_red=91 invest=10/30 blocker_red=30"},
		{"InvestYellowPoints changes it", func(r *health.Rules) { r.InvestYellowPoints = 11 }, "v2 date_red=90 invest=11/30 blocker_red=30"},
		{"a fraction of a yellow point changes it", func(r *health.Rules) { r.InvestYellowPoints = 10.5 }, "v2 date_red=90 invest=10.5/30 blocker_red=30"},
		{"InvestRedPoints changes it", func(r *health.Rules) { r.InvestRedPoints = 29.99 }, "v2 date_red=90 invest=10/29.99 blocker_red=30"},
		{"BlockerRedDays changes it", func(r *health.Rules) { r.BlockerRedDays = 31 }, "v2 date_red=90 invest=10/30 blocker_red=31"},
		{"the two day thresholds swapped change it", func(r *health.Rules) { r.DateRedDays, r.BlockerRedDays = 30, 90 }, "v2 date_red=30 invest=10/30 blocker_red=90"},
		{"the two point thresholds swapped change it", func(r *health.Rules) { r.InvestYellowPoints, r.InvestRedPoints = 30, 10 }, "v2 date_red=90 invest=30/10 blocker_red=30"},
		{"zeroes change it", func(r *health.Rules) { *r = health.Rules{} }, "v2 date_red=0 invest=0/0 blocker_red=0"},
	}
	seen := map[string]string{base.Fingerprint(): "the defaults"}
	for _, tt := range tests {
		r := base
		tt.change(&r)
		fp := r.Fingerprint()
		assert.Equal(t, tt.want, fp, tt.name)
		if other, dup := seen[fp]; dup {
			t.Errorf("%s: the fingerprint %q is that of %s", tt.name, fp, other)
		}
		seen[fp] = tt.name
	}
	same := health.Rules{DateRedDays: 90, InvestYellowPoints: 10.0, InvestRedPoints: 30.0, BlockerRedDays: 30}
	assert.Equal(t, base.Fingerprint(), same.Fingerprint(), "the same thresholds, the same fingerprint")
}

func TestInvestmentGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		done, plan int64
		month      time.Month
		want       float64
	}{
		{"50% − 40% is exactly 10, not a float's 9.999…", 400, 1000, time.June, 10},
		{"75% − 45% is exactly 30", 45, 100, time.September, 30},
		{"the docs' example: 50% − 8.33% is 41.67", 100, 1200, time.June, 41.67},
		{"on schedule is 0", 600, 1200, time.June, 0},
		{"ahead is negative", 900, 1000, time.June, -40},
		{"nothing by January is a twelfth, to a hundredth: 8.33", 0, 1000, time.January, 8.33},
		{"nothing by February rounds up to 16.67", 0, 1000, time.February, 16.67},
		{"nothing by December is 100", 0, 1000, time.December, 100},
		{"the whole plan by December is 0", 1000, 1000, time.December, 0},
		{"twice the plan by January: 8.33 − 200", 2000, 1000, time.January, -191.67},
		{"a ten-thousandth of the plan shows as a hundredth of a point", 4999, 10000, time.June, 0.01},
		{"large sums in yuan keep their precision", 6_000_000_000, 12_000_000_000, time.June, 0},
		{"a gap of exactly 9.995 in June is 10.00", 480_060, 1_200_000, time.June, 10},
		{"and in March", 180_060, 1_200_000, time.March, 10},
		{"a gap of exactly 30.005 in November is 30.01", 739_940, 1_200_000, time.November, 30.01},
		{"half a hundredth ahead rounds away from zero too", 600_060, 1_200_000, time.June, -0.01},
		{"a register's sums, beyond int64 once multiplied", 1_000_000_000_000_000_000, 2_000_000_000_000_000_000, time.December, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, health.InvestmentGap(tt.done, tt.plan, tt.month))
		})
	}
}

func TestReasonJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason health.Reason
		json   string
	}{
		{"a date rule: since as YYYY-MM-DD, no ref",
			dated(health.RuleStartMissed, health.Red, "2021-03-02"),
			`{"rule":"planned_start_missed","level":"red","since":"2021-03-02"}`},
		{"a blocker: since and its ID",
			blocker(health.Yellow, "2021-06-02", "iss_1"),
			`{"rule":"blocker_overdue","level":"yellow","since":"2021-06-02","ref":"iss_1"}`},
		{"investment: year and points, no since",
			invest(health.Red, "2021: 41.7"),
			`{"rule":"investment_behind","level":"red","ref":"2021: 41.7"}`},
		{"funding: the source, no since",
			health.Reason{Rule: health.RuleFundingOverPlan, Level: health.Yellow, Ref: "bank_loan"},
			`{"rule":"funding_over_plan","level":"yellow","ref":"bank_loan"}`},
		{"the first day the register keeps",
			dated(health.RuleCompletionMissed, health.Yellow, "1900-01-01"),
			`{"rule":"planned_completion_missed","level":"yellow","since":"1900-01-01"}`},
		{"the last day the register keeps",
			dated(health.RuleProductionMissed, health.Yellow, "2999-12-31"),
			`{"rule":"planned_production_missed","level":"yellow","since":"2999-12-31"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.reason)
			require.NoError(t, err)
			assert.JSONEq(t, tt.json, string(b))
			var back health.Reason
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tt.reason, back)
		})
	}
}

// What Evaluate gives is stored as JSON and read back as it was.
func TestReasonJSONOfEvaluate(t *testing.T) {
	t.Parallel()
	in := health.Input{
		Milestones: []health.Milestone{start(dayp("2021-01-01"), nil, false)},
		Funding:    []health.Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 2}},
		Facts: health.Facts{Plans: map[int]int64{2021: 1200}, Progress: months(2021, 100),
			Issues: []health.IssueFact{issue("a", "2021-06-01", "2021-05-01", nil)}},
	}
	_, reasons, _ := health.DefaultRules().Evaluate(in, day("2021-06-15"))
	require.Len(t, reasons, 4)
	b, err := json.Marshal(reasons)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"rule":"planned_start_missed","level":"red","since":"2021-01-02"},
		{"rule":"investment_behind","level":"red","ref":"2021: 33.3"},
		{"rule":"blocker_overdue","level":"yellow","since":"2021-06-02","ref":"a"},
		{"rule":"funding_over_plan","level":"yellow","ref":"enterprise"}
	]`, string(b))
	var back []health.Reason
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, reasons, back)

	_, none, _ := health.DefaultRules().Evaluate(health.Input{Cancelled: true}, day("2021-06-15"))
	b, err = json.Marshal(none)
	require.NoError(t, err)
	assert.Equal(t, "[]", string(b), "no reasons are an empty list, not null")
}

func TestReasonUnmarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		json  string
		want  health.Reason
		err   bool
		errIs error
	}{
		{"without since: no day", `{"rule":"funding_over_plan","level":"yellow","ref":"enterprise"}`,
			health.Reason{Rule: health.RuleFundingOverPlan, Level: health.Yellow, Ref: "enterprise"}, false, nil},
		{"an empty since: no day", `{"rule":"investment_behind","level":"red","since":"","ref":"2021: 41.7"}`,
			invest(health.Red, "2021: 41.7"), false, nil},
		{"a since of a day that does not exist is refused", `{"rule":"planned_start_missed","level":"red","since":"2021-02-30"}`,
			health.Reason{}, true, nil},
		{"a since without its leading zero is refused", `{"rule":"planned_start_missed","level":"red","since":"2021-3-02"}`,
			health.Reason{}, true, nil},
		{"a since with a time is refused", `{"rule":"planned_start_missed","level":"red","since":"2021-03-02T00:00:00Z"}`,
			health.Reason{}, true, nil},
		{"a since in another format is refused", `{"rule":"planned_start_missed","level":"red","since":"02/03/2021"}`,
			health.Reason{}, true, nil},
		{"a since before 1900 is out of range", `{"rule":"planned_start_missed","level":"red","since":"1899-12-31"}`,
			health.Reason{}, true, calendar.ErrDateRange},
		{"a since from 3000 is out of range", `{"rule":"planned_start_missed","level":"red","since":"3000-01-01"}`,
			health.Reason{}, true, calendar.ErrDateRange},
		{"a since that is not a string is refused", `{"rule":"planned_start_missed","level":"red","since":20210302}`,
			health.Reason{}, true, nil},
		{"a rule that is not a string is refused", `{"rule":1,"level":"red"}`, health.Reason{}, true, nil},
		{"not an object is refused", `["planned_start_missed","red"]`, health.Reason{}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r health.Reason
			err := json.Unmarshal([]byte(tt.json), &r)
			if !tt.err {
				require.NoError(t, err)
				assert.Equal(t, tt.want, r)
				return
			}
			require.Error(t, err)
			assert.Nil(t, r.Since, "no day is read from a reason refused")
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
		})
	}
}

// A reason read into one already holding another keeps nothing of it.
func TestReasonUnmarshalJSONReplaces(t *testing.T) {
	t.Parallel()
	r := blocker(health.Red, "2021-05-02", "a")
	require.NoError(t, json.Unmarshal([]byte(`{"rule":"funding_over_plan","level":"yellow"}`), &r))
	assert.Equal(t, health.Reason{Rule: health.RuleFundingOverPlan, Level: health.Yellow}, r)
}
