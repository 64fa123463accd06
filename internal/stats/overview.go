package stats

import (
	"iter"
	"math"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Money is an amount in yuan with the projects behind it.
type Money struct {
	Yuan int64
	IDs  []string
}

// Stalled is a 续建 entry the bureau marked 停缓建, out of 复工率.
type Stalled struct {
	ID, Reason string
}

// Cumulative is 累计完成投资 of the plan's entries: the opening balance (to
// the end of the year before) and the year's months 1..P.
type Cumulative struct {
	OpeningYuan, YearYuan int64
	IDs                   []string
	// OpeningSetIDs are the entries whose opening balance the bureau set;
	// the others' is the sum of their earlier years' reports.
	OpeningSetIDs []string
}

// Firsts counts the entries whose first completion or production fell in
// the year by as_of, and apart the rest of the register's.
type Firsts struct {
	Plan, OutsidePlan Set
}

// Overview is the leadership's KPIs for a year as of a day.
type Overview struct {
	Year   int
	AsOf   time.Time
	Period *calendar.Month // P: nil when no period counts
	Plan   *Version        // nil when the year has no plan
	// AcceptedOnly tells that only accepted reports were counted.
	AcceptedOnly bool

	StartAnnual, StartToDate Rate
	// StartTarget is the checkpoint in force on as_of (the first on or
	// after it, else the last), of StartCheckpoints.
	StartTarget      plan.Checkpoint
	StartCheckpoints []plan.Checkpoint
	Misclassified    []string // 新建 entries first started before the year

	Resumption       Rate
	ResumptionTarget plan.Checkpoint
	Stalled          []Stalled

	// Investment is 投资完成率 in yuan: months 1..P of the entries with a
	// planned amount over their amounts.
	Investment  Rate
	NoAmountIDs []string
	// NoAmount is months 1..P of the entries without a planned amount:
	// apart, never in the rate (累计完成投资 keeps them).
	NoAmount     Money
	OutsidePlan  Money
	TimeProgress float64
	GapPoints    *float64
	Cumulative   Cumulative
	// Statistical is 入统: the reported statistical investment of months
	// 1..P, and the projects in the statistics by P.
	Statistical           Money
	StatisticalCount      int64
	Completed, Production Firsts

	ByStage       map[project.Stage]Set
	Over100M, All Set
	Health        map[health.Level]int64
}

// overviewOf accumulates an Overview row by row.
type overviewOf struct {
	f                   frame
	jan1, dec31         time.Time
	startAnnual, toDate *rateOf
	resumption          *rateOf
	o                   Overview
	inv, invDen         ids
	noAmount, out       ids
	noAmountPaid        ids
	cum, openSet, stat  ids
	over100M            ids
	completed, produced firstIDs
}

// firstIDs are the IDs behind a Firsts.
type firstIDs struct{ plan, outside ids }

// ComputeOverview applies the formulas of docs/stats.md to the rows of the
// live projects a caller may read, for f's year, day, plan and period. ids
// keeps the IDs behind each number; without them the numbers are the
// same, and at 200,000 projects a million IDs are not held.
func computeOverview(rows iter.Seq[Row], f frame, kept bool) Overview {
	m := newMarks(kept)
	a := &overviewOf{f: f,
		jan1:  time.Date(f.Year, 1, 1, 0, 0, 0, 0, time.UTC),
		dec31: time.Date(f.Year-1, 12, 31, 0, 0, 0, 0, time.UTC),
		inv:   m.list(), invDen: m.list(), noAmount: m.list(), out: m.list(), noAmountPaid: m.list(),
		cum: m.list(), openSet: m.list(), stat: m.list(), over100M: m.list(),
		completed: firstIDs{m.list(), m.list()}, produced: firstIDs{m.list(), m.list()},
	}
	a.o = Overview{Year: f.Year, AsOf: f.AsOf, Period: f.period, Plan: f.version, AcceptedOnly: f.AcceptedOnly,
		ByStage: map[project.Stage]Set{}, Health: map[health.Level]int64{}}
	startedIn := func(r Row, _ plan.Entry) bool { return within(r.StartedOn, a.jan1, f.AsOf) }
	isNew := func(_ Row, e plan.Entry) bool { return e.BuildType == plan.New }
	a.startAnnual = newRate(m, isNew, startedIn)
	a.toDate = newRate(m, func(r Row, e plan.Entry) bool {
		due := e.PlannedStartMonth != nil && !calendar.MonthOf(f.AsOf).Before(*e.PlannedStartMonth)
		return isNew(r, e) && (due || startedIn(r, e))
	}, startedIn)
	a.resumption = newRate(m, a.resumable, a.resumed)
	for r := range rows {
		a.add(r)
	}
	return a.done()
}

// within reports whether day d is known and from..to.
func within(d *time.Time, from, to time.Time) bool {
	return d != nil && !d.Before(from) && !d.After(to)
}

// underConstruction reports whether a stage is 开工 or 停工.
func underConstruction(s project.Stage) bool { return s == project.Started || s == project.Suspended }

// startedOrBeyond reports whether a stage is 开工 or past it (竣工, 投产,
// 达产), 停工 and 终止 aside.
func startedOrBeyond(s project.Stage) bool {
	return s != project.Suspended && s != project.Cancelled && s.Rank() >= project.Started.Rank()
}

// resumable is 复工率's denominator: a 续建 entry under construction on 31
// December of the year before, not marked 停缓建.
func (a *overviewOf) resumable(r Row, e plan.Entry) bool {
	return e.BuildType == plan.Continuing && !e.Stalled && underConstruction(r.stageOn(a.dec31))
}

// resumed is its numerator: at 开工 or beyond on some day from 1 January to
// as_of, and not 终止 on as_of.
func (a *overviewOf) resumed(r Row, _ plan.Entry) bool {
	if r.stageOn(a.f.AsOf) == project.Cancelled {
		return false
	}
	if startedOrBeyond(r.stageOn(a.jan1)) {
		return true
	}
	for _, s := range r.History {
		if s.On.After(a.jan1) && !s.On.After(a.f.AsOf) && startedOrBeyond(r.stageOn(s.On)) {
			return true
		}
	}
	return false
}

func (a *overviewOf) add(r Row) {
	e, in := a.f.entry(r)
	year := through(r.Months, a.f.p)
	if in {
		a.addEntry(r, e, year)
	} else if year > 0 {
		a.o.OutsidePlan.Yuan += year
		a.out.add(r.ID)
	}
	a.firsts(r, in)
	if r.InStatisticsSince != nil && a.f.period != nil && !a.f.period.Before(*r.InStatisticsSince) {
		a.o.StatisticalCount++
		a.stat.add(r.ID)
	}
	a.o.Statistical.Yuan += through(r.Statistical, a.f.p)
	stage := r.stageOn(a.f.AsOf)
	st := a.o.ByStage[stage]
	st.tally(r)
	a.o.ByStage[stage] = st
	if r.TotalInvestmentYuan >= Over100MYuan {
		a.o.Over100M.tally(r)
		a.over100M.add(r.ID)
	}
	a.o.All.tally(r)
	a.o.Health[r.Health]++
}

// addEntry counts a row with an entry in force.
func (a *overviewOf) addEntry(r Row, e plan.Entry, year int64) {
	a.startAnnual.add(r, e)
	a.toDate.add(r, e)
	a.resumption.add(r, e)
	if e.BuildType == plan.New && r.StartedOn != nil && r.StartedOn.Before(a.jan1) {
		a.o.Misclassified = append(a.o.Misclassified, r.ID)
	}
	if e.BuildType == plan.Continuing && e.Stalled && underConstruction(r.stageOn(a.dec31)) {
		a.o.Stalled = append(a.o.Stalled, Stalled{ID: r.ID, Reason: e.StalledReason})
	}
	a.investment(r, e, year)
	opening := r.EarlierYuan
	if e.OpeningYuan != nil {
		opening = *e.OpeningYuan
		a.openSet.add(r.ID)
	}
	a.o.Cumulative.OpeningYuan += opening
	a.o.Cumulative.YearYuan += year
	a.cum.add(r.ID)
}

// investment counts an entry's planned amount and months 1..P into
// 投资完成率, or its months apart when it has no amount.
func (a *overviewOf) investment(r Row, e plan.Entry, year int64) {
	inv := &a.o.Investment
	if e.PlannedYuan == nil {
		a.noAmount.add(r.ID)
		if year > 0 {
			a.o.NoAmount.Yuan += year
			a.noAmountPaid.add(r.ID)
		}
		return
	}
	inv.Denominator += *e.PlannedYuan
	a.invDen.add(r.ID)
	if year > 0 {
		inv.Numerator += year
		a.inv.add(r.ID)
	}
}

// firsts counts a first completion or production within the year by as_of.
func (a *overviewOf) firsts(r Row, in bool) {
	for _, c := range []struct {
		on  *time.Time
		f   *Firsts
		ids firstIDs
	}{{r.CompletedOn, &a.o.Completed, a.completed}, {r.ProductionOn, &a.o.Production, a.produced}} {
		if !within(c.on, a.jan1, a.f.AsOf) {
			continue
		}
		set, l := &c.f.OutsidePlan, c.ids.outside
		if in {
			set, l = &c.f.Plan, c.ids.plan
		}
		set.tally(r)
		l.add(r.ID)
	}
}

func (a *overviewOf) done() Overview {
	o := a.o
	o.StartAnnual, o.StartToDate, o.Resumption = a.startAnnual.done(), a.toDate.done(), a.resumption.done()
	o.Investment.Rate = ratio(o.Investment.Numerator, o.Investment.Denominator)
	o.Investment.NumeratorIDs, o.Investment.DenominatorIDs = a.inv.done(), a.invDen.done()
	o.NoAmountIDs, o.NoAmount.IDs, o.OutsidePlan.IDs = a.noAmount.done(), a.noAmountPaid.done(), a.out.done()
	o.Cumulative.IDs, o.Cumulative.OpeningSetIDs, o.Statistical.IDs = a.cum.done(), a.openSet.done(), a.stat.done()
	o.Over100M.IDs = a.over100M.done()
	o.Completed.Plan.IDs, o.Completed.OutsidePlan.IDs = a.completed.plan.done(), a.completed.outside.done()
	o.Production.Plan.IDs, o.Production.OutsidePlan.IDs = a.produced.plan.done(), a.produced.outside.done()
	o.TimeProgress = math.Round(float64(a.f.p)/12*10000) / 10000
	o.GapPoints = gapPoints(o.Investment.Numerator, o.Investment.Denominator, a.f.p)
	o.StartCheckpoints = slices.SortedFunc(slices.Values(a.f.targets.StartRate), func(x, y plan.Checkpoint) int { return x.Date.Compare(y.Date) })
	o.StartTarget = checkpointOn(o.StartCheckpoints, a.f.AsOf)
	if r := a.f.targets.Resumption; r != nil {
		o.ResumptionTarget = *r
	}
	if o.Misclassified == nil {
		o.Misclassified = []string{}
	}
	if o.Stalled == nil {
		o.Stalled = []Stalled{}
	}
	return o
}

// checkpointOn is the checkpoint in force on day on: the first whose date
// is on or after it, else the last.
func checkpointOn(cs []plan.Checkpoint, on time.Time) plan.Checkpoint {
	for _, c := range cs {
		if !c.Date.Before(on) {
			return c
		}
	}
	if len(cs) == 0 {
		return plan.Checkpoint{}
	}
	return cs[len(cs)-1]
}

// gapPoints is the gap to time progress of n yuan of d through month p;
// nil when d is 0.
func gapPoints(n, d int64, p int) *float64 {
	if d <= 0 {
		return nil
	}
	gap := health.InvestmentGap(n, d, time.Month(p))
	return &gap
}
