package stats

import (
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Params is what a statistic is asked for.
type Params struct {
	Year int
	// AsOf is the day whose stages and plan the numbers read.
	AsOf time.Time
	// Basis says which version of the plan is read (plan.AsOf by default).
	Basis plan.Basis
	// Period is the last month whose reports count, when the caller named
	// it; otherwise it is the latest period due on the day asked
	// (calendar.Periods.Counted).
	Period *calendar.Month
	// AcceptedOnly counts accepted reports only.
	AcceptedOnly bool
}

// Period reads a statistics request's year (2000 to next year) and day:
// within it, not in the future, by default today or a past year's last day.
func Period(year, asOf string, today time.Time) (int, time.Time, error) {
	var c project.Check
	y := today.Year()
	if year != "" {
		n, err := strconv.Atoi(year)
		if err != nil || n < project.MinYear || n > today.Year()+1 {
			c.Add("year", "out_of_range", strconv.Itoa(project.MinYear)+".."+strconv.Itoa(today.Year()+1))
			return 0, time.Time{}, c.Err()
		}
		y = n
	}
	on := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	if today.Before(on) {
		on = today
	}
	if asOf != "" {
		d, err := calendar.ParseDate(asOf)
		switch {
		case err != nil:
			c.Add("as_of", "invalid_format", "YYYY-MM-DD")
		case d.Year() != y:
			c.Add("as_of", "out_of_range", strconv.Itoa(y)+"-01-01.."+strconv.Itoa(y)+"-12-31")
		case d.After(today):
			c.Add("as_of", "in_future", today.Format(time.DateOnly))
		default:
			on = d
		}
	}
	if y > today.Year() && asOf == "" {
		// A coming year has no day yet to look at: its first day.
		on = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return y, on, c.Err()
}

// Options reads the plan basis (as_of, baseline, current; default as_of),
// an explicit period (YYYY-MM within the year) and which reports count
// (counted: submitted and accepted, the default; accepted) into ps.
func Options(ps *Params, basis, period, reports string) error {
	var c project.Check
	switch plan.Basis(basis) {
	case "":
		ps.Basis = plan.AsOf
	case plan.AsOf, plan.Baseline, plan.Current:
		ps.Basis = plan.Basis(basis)
	default:
		c.Add("plan", "invalid_value", "as_of,baseline,current")
	}
	if period != "" {
		m, err := calendar.ParseMonth(period)
		switch {
		case err != nil:
			c.Add("period", "invalid_format", "YYYY-MM")
		case m.Year != ps.Year:
			c.Add("period", "out_of_range", strconv.Itoa(ps.Year)+"-01.."+strconv.Itoa(ps.Year)+"-12")
		default:
			ps.Period = &m
		}
	}
	switch reports {
	case "", "counted":
	case "accepted":
		ps.AcceptedOnly = true
	default:
		c.Add("reports", "invalid_value", "counted,accepted")
	}
	return c.Err()
}

// Version names the version of the plan a number reads.
type Version struct {
	State    plan.State
	IssuedOn *time.Time
	Basis    plan.Basis
	// Revision is the last adjustment read (0: the plan as issued, or a
	// draft as it stands), EffectiveOn its day (the 下达 day for 0; nil for
	// a draft).
	Revision    int
	EffectiveOn *time.Time
}

// frame is what every statistic of a request reads besides the rows: the
// parameters, the plan's version and targets, and the period P.
type frame struct {
	Params
	version *Version
	targets plan.Targets
	// p is the month of the last period whose reports count (0: none).
	p      int
	period *calendar.Month
}

// newFrame works out the plan version read and the period P of ps on day
// today from the year's plan and calendar.
func newFrame(ps Params, y Year, today time.Time) frame {
	f := frame{Params: ps, targets: plan.DefaultTargets(ps.Year)}
	if ps.Basis == "" {
		f.Basis = plan.AsOf
	}
	switch {
	case ps.Period != nil:
		f.period = ps.Period
	default:
		if m, ok := y.Periods.Counted(ps.Year, today, calendar.MonthOf(ps.AsOf)); ok {
			f.period = &m
		}
	}
	if f.period != nil {
		f.p = int(f.period.Month)
	}
	if y.Plan == nil {
		return f
	}
	if len(y.Plan.Targets.StartRate) > 0 || y.Plan.Targets.Resumption != nil || y.Plan.Targets.InvestmentYuan != nil {
		f.targets = y.Plan.Targets
	}
	f.version = versionOf(*y.Plan, y.Adjustments, f.Basis, ps.AsOf)
	return f
}

// versionOf names the version of p read under basis on day on.
func versionOf(p plan.Plan, adjs []Adjustment, basis plan.Basis, on time.Time) *Version {
	v := &Version{State: p.State, IssuedOn: p.IssuedOn, Basis: basis}
	if p.State != plan.Issued {
		return v
	}
	v.EffectiveOn = p.IssuedOn
	for _, a := range adjs {
		switch {
		case basis == plan.Baseline:
			continue
		case basis == plan.AsOf && a.EffectiveOn.After(on):
			continue
		}
		if a.Revision > v.Revision {
			v.Revision = a.Revision
			d := a.EffectiveOn
			v.EffectiveOn = &d
		}
	}
	return v
}

// entry is the row's entry in force, if any.
func (f frame) entry(r Row) (plan.Entry, bool) {
	if r.Entries == nil {
		return plan.Entry{}, false
	}
	return plan.InForce(r.Entries, f.Basis, f.AsOf)
}

// invalidParam is a parameter's value out of its set.
func invalidParam(field, allowed string) error {
	return apperr.Fields([]apperr.FieldError{{Field: field, Code: "invalid_value", Param: allowed}})
}
