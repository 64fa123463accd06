package health_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/health"
)

// An approval item not obtained past its expected day is yellow, never
// red, naming the item expected earliest; the day after the next expected
// day is when the answer may change.
func TestApprovalOverdue(t *testing.T) {
	t.Parallel()
	items := []health.ApprovalFact{
		{Item: "construction_permit", ExpectedOn: day("2021-05-31")},
		{Item: "environmental_assessment", ExpectedOn: day("2021-04-30")},
	}
	r := health.DefaultRules()
	for _, c := range []struct {
		on      string
		level   health.Level
		reasons []health.Reason
		next    string
	}{
		{"2021-04-30", health.Green, []health.Reason{}, "2021-05-01"},
		{"2021-05-01", health.Yellow, []health.Reason{{Rule: health.RuleApprovalOverdue, Level: health.Yellow, Since: dayp("2021-05-01"), Ref: "environmental_assessment"}}, "2021-06-01"},
		{"2022-05-01", health.Yellow, []health.Reason{{Rule: health.RuleApprovalOverdue, Level: health.Yellow, Since: dayp("2021-05-01"), Ref: "environmental_assessment"}}, ""},
	} {
		level, reasons, next := r.Evaluate(health.Input{Facts: health.Facts{Approvals: items}}, day(c.on))
		assert.Equal(t, c.level, level, c.on)
		assert.Equal(t, c.reasons, reasons, c.on)
		if c.next == "" {
			assert.Nil(t, next, c.on)
		} else {
			assert.Equal(t, dayp(c.next), next, c.on)
		}
	}
}
