package approval_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/project"
)

func f(v float64) *float64 { return &v }

// always are the items every checklist lists.
var always = []approval.Code{approval.EnvironmentalAssessment, approval.SoilWaterConservation, approval.SocialStability,
	approval.LandPlanningPermit, approval.WorksPlanningPermit}

func TestDerive(t *testing.T) {
	t.Parallel()
	rules := approval.DefaultRules()
	for _, c := range []struct {
		name        string
		subject     approval.Subject
		has, hasNot []approval.Code
		permit      approval.Code
	}{
		{"government investment is 审批", approval.Subject{Category: "manufacturing", InvestmentType: "government", WorksKind: "building"},
			[]approval.Code{approval.ProjectProposal, approval.FeasibilityStudy, approval.PreliminaryDesign},
			[]approval.Code{approval.ApprovalCatalogue, approval.Filing}, approval.ConstructionPermit},
		{"an enterprise's wind farm is 核准", approval.Subject{Category: "wind", InvestmentType: "enterprise"},
			[]approval.Code{approval.ApprovalCatalogue, approval.GridConnection},
			[]approval.Code{approval.Filing, approval.ProjectProposal}, approval.PowerWorksFiling},
		{"an enterprise's PV plant is 备案", approval.Subject{Category: "solar_pv", InvestmentType: "enterprise"},
			[]approval.Code{approval.Filing, approval.GridConnection}, []approval.Code{approval.ApprovalCatalogue}, approval.PowerWorksFiling},
		{"storage is 备案 and connects to the grid", approval.Subject{Category: "energy_storage", InvestmentType: "enterprise"},
			[]approval.Code{approval.Filing, approval.GridConnection}, []approval.Code{approval.ApprovalCatalogue}, approval.PowerWorksFiling},
		{"a factory is 备案, without grid connection", approval.Subject{Category: "raw_materials", InvestmentType: "enterprise"},
			[]approval.Code{approval.Filing}, []approval.Code{approval.GridConnection}, approval.ConstructionPermit},
		{"investment type unknown: public works are the government's", approval.Subject{Category: "infrastructure"},
			[]approval.Code{approval.FeasibilityStudy}, []approval.Code{approval.Filing}, approval.ConstructionPermit},
		{"investment type unknown: a factory is an enterprise's", approval.Subject{Category: "manufacturing"},
			[]approval.Code{approval.Filing}, []approval.Code{approval.FeasibilityStudy}, approval.ConstructionPermit},
		{"investment type unknown: a wind farm is 核准", approval.Subject{Category: "wind"},
			[]approval.Code{approval.ApprovalCatalogue}, nil, approval.PowerWorksFiling},
		{"new construction land needs 用地预审", approval.Subject{Category: "manufacturing", NewConstructionLandMu: f(12.5)},
			[]approval.Code{approval.LandPreapproval}, []approval.Code{approval.ForestLandReview, approval.EnergyReview}, approval.ConstructionPermit},
		{"no new land, no 用地预审", approval.Subject{Category: "manufacturing", NewConstructionLandMu: f(0)},
			nil, []approval.Code{approval.LandPreapproval}, approval.ConstructionPermit},
		{"forest land needs 林地审核", approval.Subject{Category: "tourism", ForestLandMu: f(3)},
			[]approval.Code{approval.ForestLandReview}, []approval.Code{approval.LandPreapproval}, approval.ConstructionPermit},
		{"energy at the threshold needs 节能审查", approval.Subject{Category: "chemicals", EnergyNeededTCE: f(1000)},
			[]approval.Code{approval.EnergyReview}, nil, approval.ConstructionPermit},
		{"energy below the threshold does not", approval.Subject{Category: "chemicals", EnergyNeededTCE: f(999.9)},
			nil, []approval.Code{approval.EnergyReview}, approval.ConstructionPermit},
		{"a road's permit is the transport bureau's", approval.Subject{Category: "infrastructure", WorksKind: "road"},
			[]approval.Code{approval.RoadWorksPermit}, []approval.Code{approval.ConstructionPermit}, approval.RoadWorksPermit},
		{"water works file their start", approval.Subject{Category: "infrastructure", WorksKind: "water"},
			[]approval.Code{approval.WaterWorksFiling}, []approval.Code{approval.ConstructionPermit}, approval.WaterWorksFiling},
		{"municipal works need 施工许可", approval.Subject{Category: "urban", WorksKind: "municipal"},
			[]approval.Code{approval.ConstructionPermit}, nil, approval.ConstructionPermit},
		{"a power line's kind is power", approval.Subject{Category: "infrastructure", WorksKind: "power"},
			[]approval.Code{approval.PowerWorksFiling}, []approval.Code{approval.GridConnection}, approval.PowerWorksFiling},
		{"kind unknown: an energy category is power", approval.Subject{Category: "hybrid_energy"},
			[]approval.Code{approval.PowerWorksFiling, approval.ApprovalCatalogue}, []approval.Code{approval.ConstructionPermit}, approval.PowerWorksFiling},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cl := rules.Derive(c.subject)
			for _, code := range append(c.has, always...) {
				assert.True(t, cl.Has(code), "lists %s: %v", code, cl.Items)
			}
			for _, code := range c.hasNot {
				assert.False(t, cl.Has(code), "does not list %s: %v", code, cl.Items)
			}
			assert.Equal(t, c.permit, cl.StartPermit)
			assert.True(t, cl.Has(cl.StartPermit), "the permit is in the checklist")
			assert.Equal(t, c.permit, approval.StartPermitOf(c.subject))
			permits := 0
			for _, code := range cl.Items {
				if code == approval.ConstructionPermit || code == approval.RoadWorksPermit || code == approval.WaterWorksFiling || code == approval.PowerWorksFiling {
					permits++
				}
			}
			assert.Equal(t, 1, permits, "one 开工 permit item")
		})
	}
}

func TestDeriveThresholdIsASetting(t *testing.T) {
	t.Parallel()
	s := approval.Subject{Category: "chemicals", EnergyNeededTCE: f(600)}
	assert.False(t, approval.DefaultRules().Derive(s).Has(approval.EnergyReview))
	assert.True(t, approval.Rules{EnergyReviewTCE: 500}.Derive(s).Has(approval.EnergyReview))
}

func TestDeriveKeepsTheCatalogueOrder(t *testing.T) {
	t.Parallel()
	cl := approval.DefaultRules().Derive(approval.Subject{Category: "wind", NewConstructionLandMu: f(1), ForestLandMu: f(1), EnergyNeededTCE: f(5000)})
	var order []approval.Code
	for _, l := range approval.Catalogue {
		if cl.Has(approval.Code(l.Value)) {
			order = append(order, approval.Code(l.Value))
		}
	}
	assert.Equal(t, order, cl.Items)
	assert.Len(t, cl.Items, 11)
}

func TestSubjectOf(t *testing.T) {
	t.Parallel()
	s := approval.SubjectOf(project.Project{Fields: project.Fields{Category: "solar_pv"}})
	assert.Equal(t, "solar_pv", s.Category)
	assert.Equal(t, approval.PowerWorksFiling, approval.StartPermitOf(s))

	// The project file's facts decide the checklist: a government road
	// on new construction and forest land, above the energy threshold.
	road := project.Project{Fields: project.Fields{Category: "infrastructure", InvestmentType: "government", WorksKind: "road",
		NewConstructionLandMu: f(12), ForestLandMu: f(3), EnergyNeededTCE: f(1500)}}
	s = approval.SubjectOf(road)
	assert.Equal(t, approval.Subject{Category: "infrastructure", InvestmentType: "government", WorksKind: "road",
		NewConstructionLandMu: f(12), ForestLandMu: f(3), EnergyNeededTCE: f(1500)}, s)
	cl := approval.DefaultRules().Derive(s)
	assert.Equal(t, approval.RoadWorksPermit, cl.StartPermit)
	assert.Subset(t, cl.Items, []approval.Code{approval.ProjectProposal, approval.LandPreapproval, approval.ForestLandReview, approval.EnergyReview})
}

func TestLabels(t *testing.T) {
	t.Parallel()
	for _, l := range approval.Catalogue {
		assert.True(t, approval.Known(approval.Code(l.Value)))
		assert.Equal(t, l, approval.LabelOf(approval.Code(l.Value)))
		assert.NotEmpty(t, l.ZH)
		assert.NotEmpty(t, l.EN)
	}
	assert.False(t, approval.Known("building_permit"))
	assert.Equal(t, "building_permit", approval.LabelOf("building_permit").ZH)
}
