package stats

import (
	"iter"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// TrendMonth is one month of a year: the reports that count of the plan's
// entries with a planned amount, from January, against the plan × month /
// 12; Due is false for a month after P, whose reports are not yet due (its
// figures are those reported so far). The months of the entries without an
// amount and of the projects without an entry are apart.
type TrendMonth struct {
	Month                                                     time.Month
	Due                                                       bool
	CompletedYuan, CumulativeCompletedYuan, PlannedToDateYuan int64
	NoAmountYuan, OutsidePlanYuan                             int64
	Moves                                                     map[project.Stage]int64
}

// Trend is a year month by month against its plan.
type Trend struct {
	Year        int
	AsOf        time.Time
	Period      *calendar.Month
	Plan        *Version
	PlannedYuan int64
	Months      []TrendMonth
}

// computeTrend sums the months of the entries with a planned amount, of
// those without and of the rest, and the plan.
func computeTrend(rows iter.Seq[Row], f frame) Trend {
	t := Trend{Year: f.Year, AsOf: f.AsOf, Period: f.period, Plan: f.version}
	var in, noAmount, out [12]int64
	for r := range rows {
		e, ok := f.entry(r)
		sums := &out
		switch {
		case ok && e.PlannedYuan != nil:
			sums = &in
			t.PlannedYuan += *e.PlannedYuan
		case ok:
			sums = &noAmount
		}
		for m := range 12 {
			sums[m] += r.Months[m]
		}
	}
	var cum int64
	for m := range 12 {
		cum += in[m]
		t.Months = append(t.Months, TrendMonth{
			Month: time.Month(m + 1), Due: m < f.p, CompletedYuan: in[m], CumulativeCompletedYuan: cum,
			PlannedToDateYuan: t.PlannedYuan * int64(m+1) / 12, NoAmountYuan: noAmount[m], OutsidePlanYuan: out[m],
		})
	}
	return t
}
