package stats

import (
	"cmp"
	"iter"
	"math"
	"slices"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// BreakdownKeys are the groupings of a breakdown.
var BreakdownKeys = []string{"stage", "category", "department", "township", "leader", "section", "build_type"}

// OutsidePlanKey is the group of the projects without an entry in force,
// by section or build type.
const OutsidePlanKey = "outside_plan"

// Group is one group of a breakdown: its live projects, and of them the
// entries in force with their planned investment and the completed
// investment of months 1..P of those with a planned amount; NoAmountYuan
// is months 1..P of the entries without an amount, OutsidePlanYuan the
// rest's. IDs lists the group's projects when they are kept.
type Group struct {
	Key                                 string
	Count, Entries, TotalInvestmentYuan int64
	PlannedYuan, CompletedYuan          int64
	NoAmountYuan, OutsidePlanYuan       int64
	IDs                                 []string
}

// Breakdown is the groups of a breakdown, with the period and plan read.
type Breakdown struct {
	Period *calendar.Month
	Plan   *Version
	Groups []Group
}

// keyOf is a row's group under by.
func keyOf(r Row, e plan.Entry, in bool, by string, f frame) string {
	switch by {
	case "stage":
		return string(r.stageOn(f.AsOf))
	case "category":
		return string(r.Category)
	case "department":
		return r.Department
	case "township":
		return r.Township
	case "leader":
		return r.Leader
	}
	if !in {
		return OutsidePlanKey
	}
	if by == "section" {
		return string(e.Section)
	}
	return string(e.BuildType)
}

// computeBreakdown groups rows by key; groups come in the order of the
// key's labels, else by key. kept keeps each group's project IDs.
func computeBreakdown(rows iter.Seq[Row], by string, f frame, kept bool) Breakdown {
	idx := map[string]int{}
	var out []Group
	for r := range rows {
		e, in := f.entry(r)
		k := keyOf(r, e, in, by, f)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Key: k, IDs: noIDs(kept)})
		}
		out[i].add(r, e, in, through(r.Months, f.p), kept)
	}
	labels := map[string][]project.Label{"stage": project.Stages, "category": project.Categories,
		"section": plan.Sections, "build_type": plan.BuildTypes}[by]
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
		return cmp.Compare(a.Key, b.Key)
	})
	return Breakdown{Period: f.period, Plan: f.version, Groups: out}
}

// add counts a row, its entry e if in, and its months 1..P into g.
func (g *Group) add(r Row, e plan.Entry, in bool, year int64, kept bool) {
	g.Count++
	g.TotalInvestmentYuan += r.TotalInvestmentYuan
	g.IDs = keepID(kept, g.IDs, r.ID)
	switch {
	case !in:
		g.OutsidePlanYuan += year
		return
	case e.PlannedYuan == nil:
		g.NoAmountYuan += year
	default:
		g.PlannedYuan += *e.PlannedYuan
		g.CompletedYuan += year
	}
	g.Entries++
}

// keepID appends id to list if the IDs are kept at all.
func keepID(kept bool, list []string, id string) []string {
	if !kept {
		return list
	}
	if list == nil {
		list = []string{}
	}
	return append(list, id)
}
