// Package stats computes the KPIs a county leader reads (docs/stats.md):
// 开工率, 复工率, 投资完成率 against 序时进度, 三个一批, breakdowns and the
// monthly trend, over the rows of the register the store streams, each with
// the projects behind it. Results are remembered for a short while and
// forgotten as soon as the register changes.
package stats

import (
	"context"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// Row is what the statistics read of one live project.
type Row struct {
	ID                       string
	Department               string
	Category                 project.Category
	Township                 string
	Leader                   string
	BuildType                project.BuildType
	Stage                    project.Stage // today's
	Health                   health.Level
	TotalInvestmentYuan      int64
	ExpectedAnnualOutputYuan int64
	PlannedStartDate         *time.Time
	SignedOn                 *time.Time
	StartedOn                *time.Time
	ProductionOn             *time.Time
	// The year's plan (nil when none) and the investment completed in the
	// year's months up to and including the month asked for.
	PlannedYuan   *int64
	CompletedYuan int64
	// History holds the project's history, in recorded order, when its
	// stage on a day the statistics look at may differ from today's (see
	// Query); nil otherwise.
	History []project.Step
}

// stageOn is the project's stage on day on: today's stage unless its history
// says otherwise.
func (r Row) stageOn(on time.Time) project.Stage {
	if r.History == nil {
		return r.Stage
	}
	return project.StageOn(r.History, on)
}

// Query is what the store loads statistics rows for.
type Query struct {
	Year int
	// AsOf is the day looked at; its month is the last whose completed
	// investment counts.
	AsOf time.Time
}

// The statistics look at two days: as_of, and the last day of the year
// before, to tell the continuing projects cancelled before the year. A
// row's stage on them is today's unless its history says otherwise, so the
// store reads the history of the projects for which it may: those with an
// entry after as_of; the continuing ones with a cancellation before the
// year (a correction may have undone it since); and the continuing ones
// cancelled today with an entry in the year.

// Store loads statistics rows; it is the part of Store the statistics use.
type Store interface {
	// Rows calls yield with each row, in project ID order, until it
	// returns false: the whole register is never held at once.
	Rows(ctx context.Context, s project.Reach, q Query, yield func(Row) bool) error
	// MonthlyTrend sums the year's completed investment by month and counts
	// moves (imports aside) by month and target stage.
	MonthlyTrend(ctx context.Context, s project.Reach, year int) (completed [12]int64, moves [12]map[project.Stage]int64, err error)
}

// Rate is a KPI with the projects behind it; the rate is nil when the
// denominator is 0.
type Rate struct {
	Numerator, Denominator       int64
	Rate                         *float64
	NumeratorIDs, DenominatorIDs []string
}

// ratio rounds n/d to four decimals.
func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*10000) / 10000
	return &r
}

// rateOf counts the rows that pass num among those that pass den, row by
// row, and keeps their IDs if asked to.
type rateOf struct {
	Rate
	den, num func(Row) bool
	ids      bool
}

func newRate(ids bool, den, num func(Row) bool) *rateOf {
	r := &rateOf{den: den, num: num, ids: ids}
	if ids {
		r.NumeratorIDs, r.DenominatorIDs = []string{}, []string{}
	}
	return r
}

func (r *rateOf) add(row Row) {
	if !r.den(row) {
		return
	}
	r.Denominator++
	r.DenominatorIDs = keep(r.ids, r.DenominatorIDs, row.ID)
	if r.num(row) {
		r.Numerator++
		r.NumeratorIDs = keep(r.ids, r.NumeratorIDs, row.ID)
	}
}

// keep appends id to ids if the IDs are kept at all.
func keep(kept bool, ids []string, id string) []string {
	if kept {
		return append(ids, id)
	}
	return ids
}

func (r *rateOf) done() Rate {
	r.Rate.Rate = ratio(r.Numerator, r.Denominator)
	return r.Rate
}

// Set is a counted set of projects.
type Set struct {
	Count, TotalInvestmentYuan, ExpectedAnnualOutputYuan int64
	IDs                                                  []string
}

func (s *Set) add(r Row) {
	s.tally(r)
	s.IDs = append(s.IDs, r.ID)
}

// tally counts r without keeping its ID, for a set that is shown as
// numbers only (stages, the whole register).
func (s *Set) tally(r Row) {
	s.Count++
	s.TotalInvestmentYuan += r.TotalInvestmentYuan
	s.ExpectedAnnualOutputYuan += r.ExpectedAnnualOutputYuan
}

// Targets of the KPIs (docs/stats.md).
const (
	StartRateTarget      = 0.75
	ResumptionRateTarget = 1.0
	// Over100MYuan is the threshold of 亿元以上 projects.
	Over100MYuan = 100_000_000
)

// Overview is the leadership's KPIs for a year as of a day.
type Overview struct {
	Year                     int
	AsOf                     time.Time
	StartAnnual, StartToDate Rate
	Resumption               Rate
	Investment               Rate // in yuan
	TimeProgress             float64
	GapPoints                *float64
	ByStage                  map[project.Stage]Set
	Over100M, All            Set
	Health                   map[health.Level]int64
}

// started reports whether a stage is 开工 or past it, suspended and
// cancelled aside.
func started(s project.Stage) bool {
	return s != project.Suspended && s != project.Cancelled && s.Rank() >= project.Started.Rank()
}

// ComputeOverview applies the formulas of docs/stats.md to the rows of the live
// projects a caller may read, for year as of day asOf (within the year).
// ids keeps the IDs behind each rate and set; without them the numbers are
// the same, and at 200,000 projects a million IDs are not held.
func ComputeOverview(rows iter.Seq[Row], year int, asOf time.Time, ids bool) Overview {
	jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	dec31 := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	within := func(d *time.Time, from, to time.Time) bool { return d != nil && !d.Before(from) && !d.After(to) }
	startedBy := func(r Row) bool { return r.StartedOn != nil && !r.StartedOn.After(asOf) }
	o := Overview{Year: year, AsOf: asOf, ByStage: map[project.Stage]Set{}, Health: map[health.Level]int64{}}
	startAnnual := newRate(ids, func(r Row) bool {
		return r.BuildType == project.New && within(r.PlannedStartDate, jan1, dec31)
	}, startedBy)
	startToDate := newRate(ids, func(r Row) bool {
		return r.BuildType == project.New && within(r.PlannedStartDate, jan1, asOf)
	}, startedBy)
	resumption := newRate(ids, func(r Row) bool {
		return r.BuildType == project.Continuing && r.stageOn(jan1.AddDate(0, 0, -1)) != project.Cancelled
	}, func(r Row) bool { return started(r.stageOn(asOf)) })

	if ids {
		o.Investment = Rate{NumeratorIDs: []string{}, DenominatorIDs: []string{}}
	}
	for r := range rows {
		startAnnual.add(r)
		startToDate.add(r)
		resumption.add(r)
		if r.PlannedYuan != nil {
			o.Investment.Denominator += *r.PlannedYuan
			o.Investment.DenominatorIDs = keep(ids, o.Investment.DenominatorIDs, r.ID)
		}
		if r.CompletedYuan > 0 {
			o.Investment.Numerator += r.CompletedYuan
			o.Investment.NumeratorIDs = keep(ids, o.Investment.NumeratorIDs, r.ID)
		}
		stage := r.stageOn(asOf)
		st := o.ByStage[stage]
		st.tally(r)
		o.ByStage[stage] = st
		if r.TotalInvestmentYuan >= Over100MYuan {
			o.Over100M.tally(r)
			o.Over100M.IDs = keep(ids, o.Over100M.IDs, r.ID)
		}
		o.All.tally(r)
		o.Health[r.Health]++
	}
	o.StartAnnual, o.StartToDate, o.Resumption = startAnnual.done(), startToDate.done(), resumption.done()
	o.Investment.Rate = ratio(o.Investment.Numerator, o.Investment.Denominator)
	o.TimeProgress = math.Round(float64(asOf.Month())/12*10000) / 10000
	if o.Investment.Denominator > 0 {
		gap := health.InvestmentGap(o.Investment.Numerator, o.Investment.Denominator, asOf.Month())
		o.GapPoints = &gap
	}
	if ids && o.Over100M.IDs == nil {
		o.Over100M.IDs = []string{}
	}
	return o
}

// Batches is 三个一批 for a quarter: the projects signed, started and put
// into production within it (a resumption is not a start: started_on is
// the first start).
type Batches struct {
	Year, Quarter                 int
	Signed, Started, InProduction Set
}

// ComputeBatches applies the 三个一批 formulas to rows.
func ComputeBatches(rows iter.Seq[Row], year, quarter int) Batches {
	from := time.Date(year, time.Month(3*quarter-2), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 3, -1)
	in := func(d *time.Time) bool { return d != nil && !d.Before(from) && !d.After(to) }
	b := Batches{Year: year, Quarter: quarter}
	for _, set := range []*Set{&b.Signed, &b.Started, &b.InProduction} {
		set.IDs = []string{}
	}
	for r := range rows {
		if in(r.SignedOn) {
			b.Signed.add(r)
		}
		if in(r.StartedOn) {
			b.Started.add(r)
		}
		if in(r.ProductionOn) {
			b.InProduction.add(r)
		}
	}
	return b
}

// BreakdownKeys are the groupings of a breakdown.
var BreakdownKeys = []string{"stage", "category", "department", "township", "leader"}

// Group is one group of a breakdown.
type Group struct {
	Key                                                    string
	Count, TotalInvestmentYuan, PlannedYuan, CompletedYuan int64
}

// ComputeBreakdown groups rows by key, the stage being the one on day on;
// groups come in the order of the key's labels, else by key.
func ComputeBreakdown(rows iter.Seq[Row], by string, on time.Time) []Group {
	idx := map[string]int{}
	var out []Group
	for r := range rows {
		var k string
		switch by {
		case "stage":
			k = string(r.stageOn(on))
		case "category":
			k = string(r.Category)
		case "department":
			k = r.Department
		case "township":
			k = r.Township
		case "leader":
			k = r.Leader
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Key: k})
		}
		g := &out[i]
		g.Count++
		g.TotalInvestmentYuan += r.TotalInvestmentYuan
		g.CompletedYuan += r.CompletedYuan
		if r.PlannedYuan != nil {
			g.PlannedYuan += *r.PlannedYuan
		}
	}
	labels := map[string][]project.Label{"stage": project.Stages, "category": project.Categories}[by]
	order := func(k string) int {
		if i := slices.IndexFunc(labels, func(l project.Label) bool { return l.Value == k }); i >= 0 {
			return i
		}
		return math.MaxInt
	}
	slices.SortStableFunc(out, func(a, b Group) int {
		if oa, ob := order(a.Key), order(b.Key); oa != ob {
			return oa - ob
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}

// TrendMonth is one month of a year.
type TrendMonth struct {
	Month                                                     time.Month
	CompletedYuan, CumulativeCompletedYuan, PlannedToDateYuan int64
	Moves                                                     map[project.Stage]int64
}

// Trend is a year month by month against its plan.
type Trend struct {
	Year        int
	PlannedYuan int64
	Months      []TrendMonth
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
