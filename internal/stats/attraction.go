package stats

import (
	"context"
	"iter"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// UnknownOrigin is the group of the projects whose investor's origin is not
// recorded.
const UnknownOrigin = "unknown"

// OriginKeys are the groups of the attraction statistics by origin, in
// their order: the closed list of origins, then UnknownOrigin.
func OriginKeys() []string {
	return append(project.Values(project.Origins), UnknownOrigin)
}

// Signing is a set of projects signed in the year (签约): their number,
// total investment, contract amount (签约额; NoAmountIDs those without
// one), how many landed by as_of, the year's funds arrived and their IDs.
type Signing struct {
	Count, TotalInvestmentYuan, ContractAmountYuan int64
	Landed, FundsArrivedYuan                       int64
	NoAmountIDs, IDs                               []string
}

// OriginGroup is the projects signed in the year whose investors come from
// one origin (or UnknownOrigin).
type OriginGroup struct {
	Origin string
	Signing
}

// Conversion is a rate of projects moving on (签约→落地, 落地→开工): of the
// denominator, those that moved on by as_of; PendingIDs are the rest that
// may still (the list to chase), CancelledIDs the rest 终止 on as_of.
type Conversion struct {
	Rate
	PendingIDs, CancelledIDs []string
}

// Funds is the year's funds arrived (到位资金) over the projects with funds
// recorded for the year, beside the contract amounts of the same projects
// (NoAmountIDs: those without one).
type Funds struct {
	Yuan, ContractAmountYuan int64
	NoAmountIDs, IDs         []string
}

// Attraction is the investment attraction statistics of a year as of a day
// (docs/stats.md, "招商引资").
type Attraction struct {
	Year     int
	AsOf     time.Time
	ByOrigin []OriginGroup
	// Total is the projects signed in the year, whatever their origin.
	Total                            Signing
	SigningToLanding, LandingToStart Conversion
	Funds                            Funds
}

// firstOf is the first of days that is set.
func firstOf(days ...*time.Time) *time.Time {
	for _, d := range days {
		if d != nil {
			return d
		}
	}
	return nil
}

// landedOn is the day r landed (落地): landed_on, or, for a signed project
// moved past 落地 without it (a skipped stage has no date), the next day
// recorded.
func landedOn(r Row) *time.Time {
	if r.LandedOn != nil || r.SignedOn == nil {
		return r.LandedOn
	}
	return firstOf(r.StartedOn, r.CompletedOn, r.ProductionOn)
}

// startedOn is the day r first started (开工), or, past it without the
// date, the next day recorded.
func startedOn(r Row) *time.Time { return firstOf(r.StartedOn, r.CompletedOn, r.ProductionOn) }

// conversion counts, of the rows whose from day falls in the year by as_of,
// those whose to day is on or before as_of.
type conversion struct {
	rate               *rateOf
	pending, cancelled []string
	asOf               time.Time
	to                 func(Row) *time.Time
}

func newConversion(from, to func(Row) *time.Time, jan1, asOf time.Time) *conversion {
	c := &conversion{asOf: asOf, to: to, pending: []string{}, cancelled: []string{}}
	c.rate = newRate(&marks{}, func(r Row, _ plan.Entry) bool { return within(from(r), jan1, asOf) },
		func(r Row, _ plan.Entry) bool { return c.reached(r) })
	return c
}

// reached reports whether r's to day is on or before as_of.
func (c *conversion) reached(r Row) bool {
	d := c.to(r)
	return d != nil && !d.After(c.asOf)
}

func (c *conversion) add(r Row) {
	if !c.rate.den(r, plan.Entry{}) {
		return
	}
	c.rate.add(r, plan.Entry{})
	if c.reached(r) {
		return
	}
	if r.stageOn(c.asOf) == project.Cancelled {
		c.cancelled = append(c.cancelled, r.ID)
	} else {
		c.pending = append(c.pending, r.ID)
	}
}

func (c *conversion) done() Conversion {
	return Conversion{Rate: c.rate.done(), PendingIDs: c.pending, CancelledIDs: c.cancelled}
}

func newSigning() Signing { return Signing{NoAmountIDs: []string{}, IDs: []string{}} }

// add counts r, signed in the year, into s.
func (s *Signing) add(r Row, landed bool) {
	s.Count++
	s.TotalInvestmentYuan += r.TotalInvestmentYuan
	s.IDs = append(s.IDs, r.ID)
	if r.ContractAmountYuan == nil {
		s.NoAmountIDs = append(s.NoAmountIDs, r.ID)
	} else {
		s.ContractAmountYuan += *r.ContractAmountYuan
	}
	if landed {
		s.Landed++
	}
	if r.FundsArrivedYuan != nil {
		s.FundsArrivedYuan += *r.FundsArrivedYuan
	}
}

// computeAttraction counts the rows (the live projects the caller may read)
// for year as of asOf.
func computeAttraction(rows iter.Seq[Row], year int, asOf time.Time) Attraction {
	jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Attraction{Year: year, AsOf: asOf, Total: newSigning(),
		Funds: Funds{NoAmountIDs: []string{}, IDs: []string{}}}
	keys := OriginKeys()
	groups := make(map[string]*Signing, len(keys))
	for _, k := range keys {
		s := newSigning()
		groups[k] = &s
	}
	landing := newConversion(func(r Row) *time.Time { return r.SignedOn }, landedOn, jan1, asOf)
	start := newConversion(landedOn, startedOn, jan1, asOf)
	for r := range rows {
		landing.add(r)
		start.add(r)
		a.Funds.add(r)
		if !within(r.SignedOn, jan1, asOf) {
			continue
		}
		landed := landing.reached(r)
		a.Total.add(r, landed)
		k := string(r.InvestorOrigin)
		if groups[k] == nil {
			k = UnknownOrigin
		}
		groups[k].add(r, landed)
	}
	for _, k := range keys {
		a.ByOrigin = append(a.ByOrigin, OriginGroup{Origin: k, Signing: *groups[k]})
	}
	a.SigningToLanding, a.LandingToStart = landing.done(), start.done()
	return a
}

// add counts r's funds arrived in the year, if any are recorded.
func (f *Funds) add(r Row) {
	if r.FundsArrivedYuan == nil {
		return
	}
	f.Yuan += *r.FundsArrivedYuan
	f.IDs = append(f.IDs, r.ID)
	if r.ContractAmountYuan == nil {
		f.NoAmountIDs = append(f.NoAmountIDs, r.ID)
	} else {
		f.ContractAmountYuan += *r.ContractAmountYuan
	}
}

// Attraction computes the investment attraction statistics of ps's year as
// of ps.AsOf over the projects p may read (docs/stats.md, "招商引资").
func (s *Service) Attraction(ctx context.Context, p identity.Principal, ps Params) (_ Attraction, err error) {
	defer apperr.Wrap(&err, "stats.Service.Attraction")
	ps = Params{Year: ps.Year, AsOf: ps.AsOf}
	return cached(ctx, s, p, "attraction", []any{ps.Year, ps.AsOf.Format(time.DateOnly)}, func(ctx context.Context) (Attraction, error) {
		return computeStats(ctx, s, p, ps, func(rows iter.Seq[Row], _ frame) Attraction {
			return computeAttraction(rows, ps.Year, ps.AsOf)
		})
	})
}
