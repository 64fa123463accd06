package stats

import (
	"iter"
	"slices"
	"time"
)

// BatchSet is one of 三个一批: the projects designated into it, or, where
// the bureau designated none for a quarter, those whose day falls in the
// quarter (Derived).
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

// computeBatches counts 三个一批 over rows for a quarter of year (0: the
// year, the union of its quarters), by designation where the year has one
// for the quarter and kind (designated), from the days otherwise.
func computeBatches(rows iter.Seq[Row], year, quarter int, designated map[Batch]bool) Batches {
	b := Batches{Year: year, Quarter: quarter}
	quarters := []int{quarter}
	if quarter == 0 {
		quarters = []int{1, 2, 3, 4}
	}
	sets := map[Kind]*BatchSet{Signed: &b.Signed, Started: &b.Started, InProduction: &b.InProduction}
	for k, set := range sets {
		set.IDs = []string{}
		for _, q := range quarters {
			set.Derived = set.Derived || !designated[Batch{Quarter: q, Kind: k}]
		}
	}
	for r := range rows {
		for k, set := range sets {
			if slices.ContainsFunc(quarters, func(q int) bool { return inBatch(r, year, Batch{Quarter: q, Kind: k}, designated) }) {
				set.add(r)
			}
		}
	}
	return b
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
