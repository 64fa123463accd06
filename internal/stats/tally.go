package stats

import (
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// Tally is the overview's numeric content without the IDs behind it: the
// counts and sums the rows fold into (docs/stats.md, "Current figures").
// Tallies add and subtract, so that a department's figures are the sum of
// its projects' and the county's the sum of the departments': the rates,
// targets, time progress and gap are worked out from a tally and the frame
// (Tally.overview). The two lists an answer always carries (misclassified
// and stalled entries) are kept whole; each project adds at most itself.
type Tally struct {
	StartAnnual   Pair                   `json:"sa,omitzero"`
	StartToDate   Pair                   `json:"st,omitzero"`
	Resumption    Pair                   `json:"re,omitzero"`
	Investment    Pair                   `json:"in,omitzero"`
	NoAmount      int64                  `json:"na,omitempty"`
	OutsidePlan   int64                  `json:"op,omitempty"`
	Opening       int64                  `json:"co,omitempty"`
	YearYuan      int64                  `json:"cy,omitempty"`
	Statistical   int64                  `json:"sy,omitempty"`
	StatCount     int64                  `json:"sc,omitempty"`
	Completed     [2]Sum                 `json:"cp,omitzero"` // the plan's, the rest's
	Production    [2]Sum                 `json:"pp,omitzero"`
	Over100M      Sum                    `json:"ov,omitzero"`
	All           Sum                    `json:"al,omitzero"`
	ByStage       map[project.Stage]Sum  `json:"bs,omitempty"`
	Health        map[health.Level]int64 `json:"he,omitempty"`
	Misclassified []string               `json:"mi,omitempty"`
	Stalled       []Stalled              `json:"sl,omitempty"`
}

// Pair is a rate's numerator and denominator.
type Pair struct {
	N int64 `json:"n,omitempty"`
	D int64 `json:"d,omitempty"`
}

// Sum is a Set's numbers: count, total investment, expected output.
type Sum struct {
	C int64 `json:"c,omitempty"`
	T int64 `json:"t,omitempty"`
	O int64 `json:"o,omitempty"`
}

func sumOf(s Set) Sum {
	return Sum{C: s.Count, T: s.TotalInvestmentYuan, O: s.ExpectedAnnualOutputYuan}
}

func (s Sum) set() Set {
	return Set{Count: s.C, TotalInvestmentYuan: s.T, ExpectedAnnualOutputYuan: s.O}
}

func (s Sum) plus(o Sum, sign int64) Sum {
	return Sum{C: s.C + sign*o.C, T: s.T + sign*o.T, O: s.O + sign*o.O}
}

func (p Pair) plus(o Pair, sign int64) Pair { return Pair{N: p.N + sign*o.N, D: p.D + sign*o.D} }

// tallyOf is the numeric content of an overview computed without IDs.
func tallyOf(o Overview) Tally {
	t := Tally{
		StartAnnual: Pair{o.StartAnnual.Numerator, o.StartAnnual.Denominator},
		StartToDate: Pair{o.StartToDate.Numerator, o.StartToDate.Denominator},
		Resumption:  Pair{o.Resumption.Numerator, o.Resumption.Denominator},
		Investment:  Pair{o.Investment.Numerator, o.Investment.Denominator},
		NoAmount:    o.NoAmount.Yuan, OutsidePlan: o.OutsidePlan.Yuan,
		Opening: o.Cumulative.OpeningYuan, YearYuan: o.Cumulative.YearYuan,
		Statistical: o.Statistical.Yuan, StatCount: o.StatisticalCount,
		Completed:  [2]Sum{sumOf(o.Completed.Plan), sumOf(o.Completed.OutsidePlan)},
		Production: [2]Sum{sumOf(o.Production.Plan), sumOf(o.Production.OutsidePlan)},
		Over100M:   sumOf(o.Over100M), All: sumOf(o.All),
		Misclassified: slices.Clone(o.Misclassified), Stalled: slices.Clone(o.Stalled),
	}
	t.add(Tally{}, 1) // normalises the empty lists and maps
	for s, set := range o.ByStage {
		t.ByStage[s] = sumOf(set)
	}
	maps.Copy(t.Health, o.Health)
	return t
}

// Add adds u to t.
func (t *Tally) Add(u Tally) { t.add(u, 1) }

// Sub takes u, added before, from t.
func (t *Tally) Sub(u Tally) { t.add(u, -1) }

func (t *Tally) add(u Tally, sign int64) {
	t.StartAnnual = t.StartAnnual.plus(u.StartAnnual, sign)
	t.StartToDate = t.StartToDate.plus(u.StartToDate, sign)
	t.Resumption = t.Resumption.plus(u.Resumption, sign)
	t.Investment = t.Investment.plus(u.Investment, sign)
	t.NoAmount += sign * u.NoAmount
	t.OutsidePlan += sign * u.OutsidePlan
	t.Opening += sign * u.Opening
	t.YearYuan += sign * u.YearYuan
	t.Statistical += sign * u.Statistical
	t.StatCount += sign * u.StatCount
	for i := range 2 {
		t.Completed[i] = t.Completed[i].plus(u.Completed[i], sign)
		t.Production[i] = t.Production[i].plus(u.Production[i], sign)
	}
	t.Over100M = t.Over100M.plus(u.Over100M, sign)
	t.All = t.All.plus(u.All, sign)
	if t.ByStage == nil {
		t.ByStage = map[project.Stage]Sum{}
	}
	for s, v := range u.ByStage {
		if n := t.ByStage[s].plus(v, sign); n == (Sum{}) {
			delete(t.ByStage, s)
		} else {
			t.ByStage[s] = n
		}
	}
	if t.Health == nil {
		t.Health = map[health.Level]int64{}
	}
	for l, v := range u.Health {
		if n := t.Health[l] + sign*v; n == 0 {
			delete(t.Health, l)
		} else {
			t.Health[l] = n
		}
	}
	t.Misclassified = mergeIDs(t.Misclassified, u.Misclassified, sign, func(id string) string { return id })
	t.Stalled = mergeIDs(t.Stalled, u.Stalled, sign, func(s Stalled) string { return s.ID })
}

// mergeIDs adds (sign 1) or removes (sign -1) u's members to or from t,
// keeping t in ID order, as the rows are streamed.
func mergeIDs[T any](t, u []T, sign int64, id func(T) string) []T {
	if len(u) == 0 {
		return t
	}
	if sign < 0 {
		return slices.DeleteFunc(t, func(x T) bool {
			return slices.ContainsFunc(u, func(y T) bool { return id(x) == id(y) })
		})
	}
	t = append(t, u...)
	slices.SortStableFunc(t, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return t
}

// SumOf adds tallies.
func SumOf(ts iter.Seq[Tally]) Tally {
	var out Tally
	for t := range ts {
		out.Add(t)
	}
	out.add(Tally{}, 1)
	return out
}

// contribution is a row's tally under f: what it adds to the figures.
func contribution(r Row, f frame) Tally {
	return tallyOf(computeOverview(func(yield func(Row) bool) { yield(r) }, f, false))
}

// overview is the overview of t under f: its numbers, and the rates,
// targets, time progress and gap worked out from them as computeOverview
// does.
func (t Tally) overview(f frame) Overview {
	o := computeOverview(func(func(Row) bool) {}, f, false)
	o.StartAnnual = Rate{Numerator: t.StartAnnual.N, Denominator: t.StartAnnual.D, Rate: ratio(t.StartAnnual.N, t.StartAnnual.D)}
	o.StartToDate = Rate{Numerator: t.StartToDate.N, Denominator: t.StartToDate.D, Rate: ratio(t.StartToDate.N, t.StartToDate.D)}
	o.Resumption = Rate{Numerator: t.Resumption.N, Denominator: t.Resumption.D, Rate: ratio(t.Resumption.N, t.Resumption.D)}
	o.Investment = Rate{Numerator: t.Investment.N, Denominator: t.Investment.D, Rate: ratio(t.Investment.N, t.Investment.D)}
	o.GapPoints = gapPoints(t.Investment.N, t.Investment.D, f.p)
	o.NoAmount.Yuan, o.OutsidePlan.Yuan = t.NoAmount, t.OutsidePlan
	o.Cumulative.OpeningYuan, o.Cumulative.YearYuan = t.Opening, t.YearYuan
	o.Statistical.Yuan, o.StatisticalCount = t.Statistical, t.StatCount
	o.Completed = Firsts{Plan: t.Completed[0].set(), OutsidePlan: t.Completed[1].set()}
	o.Production = Firsts{Plan: t.Production[0].set(), OutsidePlan: t.Production[1].set()}
	o.Over100M, o.All = t.Over100M.set(), t.All.set()
	for s, v := range t.ByStage {
		o.ByStage[s] = v.set()
	}
	maps.Copy(o.Health, t.Health)
	o.Misclassified = append([]string{}, t.Misclassified...)
	o.Stalled = append([]Stalled{}, t.Stalled...)
	return o
}
