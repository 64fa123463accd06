// Package stats computes the KPIs a county leader reads (docs/stats.md):
// 开工率, 复工率 and 投资完成率 against 序时进度 over the entries of the
// year's plan and their monthly reports, 累计完成投资, 入统, 本年竣工 and
// 本年投产, 三个一批, breakdowns, the monthly trend and investment attraction
// (签约 by origin, 签约→落地, 落地→开工, 到位资金), over the rows of the
// register the store streams, each number with the projects behind it.
// Today's default overview is kept per department from the change feed and
// brought up to date as changes commit (current.go); other results are
// remembered for a short while and forgotten as soon as the register, a
// plan, a report, a period or a designation changes.
package stats

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Row is what the statistics read of one live project for a year.
type Row struct {
	ID                       string
	Department               string
	Category                 project.Category
	Township                 string
	Leader                   string
	Stage                    project.Stage // today's
	Health                   health.Level
	TotalInvestmentYuan      int64
	ExpectedAnnualOutputYuan int64
	SignedOn                 *time.Time
	LandedOn                 *time.Time
	StartedOn                *time.Time // the first start
	CompletedOn              *time.Time
	ProductionOn             *time.Time
	// ContractAmountYuan is the contract amount (签约额), when known;
	// InvestorOrigin where the investor comes from ("" when not known).
	ContractAmountYuan *int64
	InvestorOrigin     project.Origin
	// FundsArrivedYuan is the funds arrived (到位资金) recorded for the
	// year of the query; nil when none is recorded for it.
	FundsArrivedYuan *int64
	// InStatisticsSince is the month from which the project is in the
	// statistics (入统), when it is.
	InStatisticsSince *calendar.Month
	// Entries holds every state of the project's entry in the year's plan
	// (plan.InForce picks the one a number reads); nil when it has none.
	Entries []plan.Entry
	// Months holds the completed investment of the year's reports that
	// count (Query.AcceptedOnly), by month; Statistical their 入统 figures.
	Months, Statistical [12]int64
	// EarlierYuan is the completed investment of the reports that count of
	// every year before.
	EarlierYuan int64
	// Designated holds the 三个一批 batches of the year the project is
	// designated into (a live project's: an archived one has no row).
	Designated []Batch
	// History holds the project's history, in recorded order, when its
	// stage on a day the statistics look at may differ from today's: for
	// the projects with an entry in the year's plan, and those with an entry
	// after as_of; nil otherwise.
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

// through sums months 1..p of ms (none when p is 0).
func through(ms [12]int64, p int) int64 {
	var sum int64
	for m := range min(p, 12) {
		sum += ms[m]
	}
	return sum
}

// Query is what the store loads statistics rows for.
type Query struct {
	Year int
	// AsOf is the day looked at: the store reads the histories of the
	// projects with an entry after it.
	AsOf time.Time
	// AcceptedOnly counts accepted reports only; otherwise submitted ones
	// count too. A returned report never counts.
	AcceptedOnly bool
	// IDs, when not nil, reads these projects only; From and Before, when
	// not empty, only those whose ID is From or after, and before Before.
	IDs          []string
	From, Before string
}

// Reads reports whether q reads the project id (of those in scope).
func (q Query) Reads(id string) bool {
	return (q.IDs == nil || slices.Contains(q.IDs, id)) && id >= q.From && (q.Before == "" || id < q.Before)
}

// Kind is one of 三个一批.
type Kind string

// The kinds of a batch.
const (
	Signed       Kind = "signed"        // 签约一批
	Started      Kind = "started"       // 开工一批
	InProduction Kind = "in_production" // 投产一批
)

// Kinds lists the kinds of batches.
var Kinds = []Kind{Signed, Started, InProduction}

// Batch is a quarter's batch of one kind.
type Batch struct {
	Quarter int
	Kind    Kind
}

// Adjustment is an adjustment (调整) of an issued plan: its number and
// the day it took effect.
type Adjustment struct {
	Revision    int
	EffectiveOn time.Time
}

// Year is what the statistics read of a year besides its rows.
type Year struct {
	// Plan is the year's plan without its entries; nil when there is none.
	Plan *plan.Plan
	// Adjustments are the plan's adjustments, in any order.
	Adjustments []Adjustment
	// Periods is the dispatch calendar as the bureau set it.
	Periods calendar.Periods
}

// Store loads what the statistics read.
type Store interface {
	// Rows calls yield with each row, in project ID order, until it
	// returns false: the whole register is never held at once.
	Rows(ctx context.Context, s project.Reach, q Query, yield func(Row) bool) error
	// Year reads the year's plan, its adjustments and the dispatch
	// calendar.
	Year(ctx context.Context, year int) (Year, error)
	// MonthlyMoves counts the year's moves (imports aside) by month and
	// target stage.
	MonthlyMoves(ctx context.Context, s project.Reach, year int) ([12]map[project.Stage]int64, error)
	// Snapshot runs fn with ctx carrying one consistent view of the data,
	// which Year and Rows called in fn read: the plan version a number
	// names is the one its rows were counted under.
	Snapshot(ctx context.Context, fn func(context.Context) error) error
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
// row, and keeps their IDs in m if it has one.
type rateOf struct {
	n, d     int64
	nIDs     ids
	dIDs     ids
	den, num func(Row, plan.Entry) bool
}

func newRate(m *marks, den, num func(Row, plan.Entry) bool) *rateOf {
	return &rateOf{den: den, num: num, nIDs: m.list(), dIDs: m.list()}
}

func (r *rateOf) add(row Row, e plan.Entry) {
	if !r.den(row, e) {
		return
	}
	r.d++
	r.dIDs.add(row.ID)
	if r.num(row, e) {
		r.n++
		r.nIDs.add(row.ID)
	}
}

func (r *rateOf) done() Rate {
	return Rate{Numerator: r.n, Denominator: r.d, Rate: ratio(r.n, r.d), NumeratorIDs: r.nIDs.done(), DenominatorIDs: r.dIDs.done()}
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

// Over100MYuan is the threshold of 亿元以上 projects.
const Over100MYuan = 100_000_000
