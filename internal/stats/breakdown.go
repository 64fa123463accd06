package stats

import (
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
// investment of months 1..P; OutsidePlanYuan is the rest's.
type Group struct {
	Key                                 string
	Count, Entries, TotalInvestmentYuan int64
	PlannedYuan, CompletedYuan          int64
	OutsidePlanYuan                     int64
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
// key's labels, else by key.
func computeBreakdown(rows iter.Seq[Row], by string, f frame) Breakdown {
	idx := map[string]int{}
	var out []Group
	for r := range rows {
		e, in := f.entry(r)
		k := keyOf(r, e, in, by, f)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Key: k})
		}
		g := &out[i]
		g.Count++
		g.TotalInvestmentYuan += r.TotalInvestmentYuan
		year := through(r.Months, f.p)
		if !in {
			g.OutsidePlanYuan += year
			continue
		}
		g.Entries++
		g.CompletedYuan += year
		if e.PlannedYuan != nil {
			g.PlannedYuan += *e.PlannedYuan
		}
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
		return compareStrings(a.Key, b.Key)
	})
	return Breakdown{Period: f.period, Plan: f.version, Groups: out}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
