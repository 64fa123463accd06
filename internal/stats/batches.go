package stats

import (
	"iter"
	"slices"
	"time"
)

// BatchSet is one of 三个一批: the projects designated into it, or, where
// none of the projects the caller may read is designated into a quarter's
// batch, those whose day falls in the quarter (Derived).
type BatchSet struct {
	Set
	Derived bool
}

// Batches is 三个一批 for a quarter, or for the year when Quarter is 0.
type Batches struct {
	Year, Quarter                 int
	Signed, Started, InProduction BatchSet
}

// dayOf is the day of a kind of batch: signed, first started, put into
// production (a resumption is not a start).
func dayOf(r Row, k Kind) *time.Time {
	switch k {
	case Signed:
		return r.SignedOn
	case Started:
		return r.StartedOn
	}
	return r.ProductionOn
}

// computeBatches counts 三个一批 over rows (the live projects the caller may
// read) for a quarter of year (0: the year, the union of its quarters): by
// designation where one of the rows is designated into the quarter's batch
// of a kind, from the days otherwise. Whether a batch is designated is
// judged over the rows, so that a department's answer tells nothing of the
// designations of projects it may not read, and an archived project's
// designation counts nowhere.
func computeBatches(rows iter.Seq[Row], year, quarter int) Batches {
	b := Batches{Year: year, Quarter: quarter}
	quarters := []int{quarter}
	if quarter == 0 {
		quarters = []int{1, 2, 3, 4}
	}
	designated := map[Batch]bool{}
	var candidates []Row
	for r := range rows {
		for _, d := range r.Designated {
			designated[d] = true
		}
		if len(r.Designated) > 0 || slices.ContainsFunc(Kinds, func(k Kind) bool { return dayIn(r, k, year) }) {
			candidates = append(candidates, Row{ID: r.ID, TotalInvestmentYuan: r.TotalInvestmentYuan, ExpectedAnnualOutputYuan: r.ExpectedAnnualOutputYuan,
				SignedOn: r.SignedOn, StartedOn: r.StartedOn, ProductionOn: r.ProductionOn, Designated: r.Designated})
		}
	}
	sets := map[Kind]*BatchSet{Signed: &b.Signed, Started: &b.Started, InProduction: &b.InProduction}
	for k, set := range sets {
		set.IDs = []string{}
		for _, q := range quarters {
			set.Derived = set.Derived || !designated[Batch{Quarter: q, Kind: k}]
		}
		for _, r := range candidates {
			if slices.ContainsFunc(quarters, func(q int) bool { return inBatch(r, year, Batch{Quarter: q, Kind: k}, designated) }) {
				set.add(r)
			}
		}
	}
	return b
}

// dayIn reports whether r's day of kind k is within year.
func dayIn(r Row, k Kind, year int) bool {
	d := dayOf(r, k)
	return d != nil && d.Year() == year
}

// inBatch reports whether r is in a quarter's batch: designated into it,
// or, with none designated, its day within the quarter.
func inBatch(r Row, year int, b Batch, designated map[Batch]bool) bool {
	if designated[b] {
		return slices.Contains(r.Designated, b)
	}
	from := time.Date(year, time.Month(3*b.Quarter-2), 1, 0, 0, 0, 0, time.UTC)
	return within(dayOf(r, b.Kind), from, from.AddDate(0, 3, -1))
}
