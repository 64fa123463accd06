package approval

import (
	"slices"

	"github.com/guangling/pipeline/internal/project"
)

// Subject is what a project's checklist is derived from: its category and
// the facts of its investment, land, energy and works. A nil amount is not
// known, and lists no item.
type Subject struct {
	Category              string
	InvestmentType        string // government | enterprise; "" when not known
	WorksKind             string // building | municipal | road | water | power; "" when not known
	NewConstructionLandMu *float64
	ForestLandMu          *float64
	EnergyNeededTCE       *float64
}

// SubjectOf is what the checklist of p is derived from.
func SubjectOf(p project.Project) Subject {
	return Subject{
		Category: string(p.Category), InvestmentType: string(p.InvestmentType), WorksKind: string(p.WorksKind),
		NewConstructionLandMu: p.NewConstructionLandMu, ForestLandMu: p.ForestLandMu, EnergyNeededTCE: p.EnergyNeededTCE,
	}
}

// The investment types and works kinds a subject names.
const (
	Government = "government"
	Enterprise = "enterprise"

	Building  = "building"
	Municipal = "municipal"
	Road      = "road"
	Water     = "water"
	Power     = "power"
)

// DefaultEnergyReviewTCE is the energy use, in 吨标准煤 a year, from which a
// project needs an energy conservation review (PIPELINE_ENERGY_REVIEW_TCE).
const DefaultEnergyReviewTCE = 1000

var (
	// energyCategories are the categories of power generation and
	// storage: their works are power works, and they connect to the grid.
	energyCategories = []string{"wind", "solar_pv", "solar_thermal", "energy_storage", "hybrid_energy"}
	// catalogueCategories are the categories in the 核准目录 (政府核准的
	// 投资项目目录): an enterprise's wind farm is approved (核准); the rest
	// are filed (备案).
	catalogueCategories = []string{"wind", "hybrid_energy"}
	// publicCategories are the categories of public works, taken as
	// government investment when the investment type is not known.
	publicCategories = []string{"infrastructure", "urban", "social", "environment"}
)

// Rules are the settings the derivation reads.
type Rules struct {
	// EnergyReviewTCE is the energy use, in 吨标准煤 a year, from which the
	// energy review is needed.
	EnergyReviewTCE float64
}

// DefaultRules are the rules with their default settings.
func DefaultRules() Rules { return Rules{EnergyReviewTCE: DefaultEnergyReviewTCE} }

// Checklist is the items a subject needs, in the catalogue's order, and
// the one among them that is its 开工 permit.
type Checklist struct {
	Items       []Code
	StartPermit Code
}

// Has reports whether the checklist lists c.
func (l Checklist) Has(c Code) bool { return slices.Contains(l.Items, c) }

// Derive lists the items subject s needs (docs/approvals.md, "Which items
// a project needs").
func (r Rules) Derive(s Subject) Checklist {
	need := map[Code]bool{
		EnvironmentalAssessment: true, SoilWaterConservation: true, SocialStability: true,
		LandPlanningPermit: true, WorksPlanningPermit: true,
	}
	for _, c := range routeOf(s) {
		need[c] = true
	}
	need[LandPreapproval] = positive(s.NewConstructionLandMu)
	need[ForestLandReview] = positive(s.ForestLandMu)
	need[EnergyReview] = s.EnergyNeededTCE != nil && *s.EnergyNeededTCE >= r.EnergyReviewTCE
	need[GridConnection] = slices.Contains(energyCategories, s.Category)
	permit := StartPermitOf(s)
	need[permit] = true
	out := Checklist{StartPermit: permit}
	for _, l := range Catalogue {
		if need[Code(l.Value)] {
			out.Items = append(out.Items, Code(l.Value))
		}
	}
	return out
}

// routeOf is the items of the project's own decision: 审批 for government
// investment, 核准 or 备案 for an enterprise's.
func routeOf(s Subject) []Code {
	switch {
	case investmentOf(s) == Government:
		return []Code{ProjectProposal, FeasibilityStudy, PreliminaryDesign}
	case slices.Contains(catalogueCategories, s.Category):
		return []Code{ApprovalCatalogue}
	}
	return []Code{Filing}
}

// investmentOf is the subject's investment type; not known, public works
// are taken as government investment and the rest as an enterprise's.
func investmentOf(s Subject) string {
	switch {
	case s.InvestmentType == Government || s.InvestmentType == Enterprise:
		return s.InvestmentType
	case slices.Contains(publicCategories, s.Category):
		return Government
	}
	return Enterprise
}

// StartPermitOf is the item that lets the subject's works start: by its
// works kind, or, not known, power for the energy categories and building
// for the rest.
func StartPermitOf(s Subject) Code {
	kind := s.WorksKind
	if kind == "" {
		kind = Building
		if slices.Contains(energyCategories, s.Category) {
			kind = Power
		}
	}
	switch kind {
	case Road:
		return RoadWorksPermit
	case Water:
		return WaterWorksFiling
	case Power:
		return PowerWorksFiling
	}
	return ConstructionPermit
}

func positive(v *float64) bool { return v != nil && *v > 0 }
