package project

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStageOn(t *testing.T) {
	t.Parallel()
	tr := func(on string, to Stage, _ string) Step { return Step{On: *day(on), To: to} }
	history := []Step{
		tr("2020-03-01", Signed, KindImport),
		tr("2020-06-01", Started, KindMove),
		tr("2020-11-15", Suspended, KindMove),
		tr("2021-03-10", Started, KindResumption),
		tr("2021-03-10", Completed, KindMove),
	}
	cases := []struct {
		on   string
		want Stage
	}{
		{"2020-02-28", Planning},
		{"2020-03-01", Signed},
		{"2020-05-31", Signed},
		{"2020-06-01", Started},
		{"2020-12-31", Suspended},
		{"2021-03-09", Suspended},
		{"2021-03-10", Completed}, // two entries on one day: the later recorded counts
		{"2030-01-01", Completed},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, StageOn(history, *day(tc.on)), tc.on)
	}
	assert.Equal(t, Planning, StageOn(nil, *day("2021-01-01")), "no history: planning")

	// An import without dates is dated the day of entry; a move recorded
	// after it may describe an earlier day: it counts from that day, and the
	// latest recorded word stands once both days have come.
	late := []Step{tr("2021-06-30", Landed, KindImport), tr("2021-06-01", Started, KindMove)}
	assert.Equal(t, Planning, StageOn(late, *day("2021-05-31")))
	assert.Equal(t, Started, StageOn(late, *day("2021-06-15")))
	assert.Equal(t, Started, StageOn(late, *day("2021-07-01")), "today's answer is the project's stage")
}
