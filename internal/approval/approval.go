// Package approval keeps a project's 前期手续: the approvals it must collect
// before it may start, as a checklist derived from the project's facts
// (docs/approvals.md). Each item has a status, its dates, the approval's
// number and issuer; an item never written reads as not started. The package
// also decides the 开工 gate the register asks about (project.StartGate),
// feeds overdue items to health through the register's facts, and counts
// readiness for the statistics.
package approval

import (
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/project"
)

// Code names an item of the catalogue.
type Code string

// The items of the catalogue.
const (
	ProjectProposal         Code = "project_proposal"
	FeasibilityStudy        Code = "feasibility_study"
	PreliminaryDesign       Code = "preliminary_design"
	ApprovalCatalogue       Code = "approval_catalogue"
	Filing                  Code = "filing"
	LandPreapproval         Code = "land_preapproval"
	ForestLandReview        Code = "forest_land_review"
	EnergyReview            Code = "energy_review"
	EnvironmentalAssessment Code = "environmental_assessment"
	SoilWaterConservation   Code = "soil_water_conservation"
	SocialStability         Code = "social_stability"
	LandPlanningPermit      Code = "land_planning_permit"
	WorksPlanningPermit     Code = "works_planning_permit"
	ConstructionPermit      Code = "construction_permit"
	RoadWorksPermit         Code = "road_works_permit"
	WaterWorksFiling        Code = "water_works_filing"
	PowerWorksFiling        Code = "power_works_filing"
	GridConnection          Code = "grid_connection"
)

// Catalogue lists every item in the order a checklist shows them.
var Catalogue = []project.Label{
	{Value: string(ProjectProposal), ZH: "项目建议书批复", EN: "Project proposal approval"},
	{Value: string(FeasibilityStudy), ZH: "可行性研究报告批复", EN: "Feasibility study approval"},
	{Value: string(PreliminaryDesign), ZH: "初步设计批复", EN: "Preliminary design approval"},
	{Value: string(ApprovalCatalogue), ZH: "项目核准", EN: "Project approval (核准)"},
	{Value: string(Filing), ZH: "项目备案", EN: "Project filing (备案)"},
	{Value: string(LandPreapproval), ZH: "用地预审与选址意见书", EN: "Land pre-approval and site selection"},
	{Value: string(ForestLandReview), ZH: "使用林地审核", EN: "Forest land use review"},
	{Value: string(EnergyReview), ZH: "节能审查", EN: "Energy conservation review"},
	{Value: string(EnvironmentalAssessment), ZH: "环境影响评价", EN: "Environmental impact assessment"},
	{Value: string(SoilWaterConservation), ZH: "水土保持方案", EN: "Soil and water conservation plan"},
	{Value: string(SocialStability), ZH: "社会稳定风险评估", EN: "Social stability risk assessment"},
	{Value: string(LandPlanningPermit), ZH: "建设用地规划许可", EN: "Land use planning permit"},
	{Value: string(WorksPlanningPermit), ZH: "建设工程规划许可", EN: "Works planning permit"},
	{Value: string(ConstructionPermit), ZH: "施工许可", EN: "Construction permit"},
	{Value: string(RoadWorksPermit), ZH: "公路工程施工许可", EN: "Highway works construction permit"},
	{Value: string(WaterWorksFiling), ZH: "水利工程开工备案", EN: "Water works start filing"},
	{Value: string(PowerWorksFiling), ZH: "电力工程质量监督注册（开工备案）", EN: "Power works quality supervision registration"},
	{Value: string(GridConnection), ZH: "接入系统批复", EN: "Grid connection approval"},
}

// Known reports whether c names an item of the catalogue.
func Known(c Code) bool {
	return slices.ContainsFunc(Catalogue, func(l project.Label) bool { return l.Value == string(c) })
}

// LabelOf is the catalogue's label of c (its code alone when unknown).
func LabelOf(c Code) project.Label {
	for _, l := range Catalogue {
		if l.Value == string(c) {
			return l
		}
	}
	return project.Label{Value: string(c), ZH: string(c), EN: string(c)}
}

// Status is where an item stands.
type Status string

// The statuses of an item.
const (
	NotStarted Status = "not_started"
	InProgress Status = "in_progress"
	Obtained   Status = "obtained"
	NotNeeded  Status = "not_needed"
)

// Statuses lists the statuses of items.
var Statuses = []project.Label{
	{Value: string(NotStarted), ZH: "未启动", EN: "Not started"},
	{Value: string(InProgress), ZH: "办理中", EN: "In progress"},
	{Value: string(Obtained), ZH: "已取得", EN: "Obtained"},
	{Value: string(NotNeeded), ZH: "不需要", EN: "Not needed"},
}

// EnvLevel is the level of an environmental impact assessment.
type EnvLevel string

// The levels of an environmental impact assessment: a report book or
// form is approved (批复); a registration form is only filed (备案).
const (
	ReportBook       EnvLevel = "report_book"
	ReportForm       EnvLevel = "report_form"
	RegistrationForm EnvLevel = "registration_form"
)

// EnvLevels lists the levels of an environmental impact assessment.
var EnvLevels = []project.Label{
	{Value: string(ReportBook), ZH: "报告书（批复）", EN: "Report book (approved)"},
	{Value: string(ReportForm), ZH: "报告表（批复）", EN: "Report form (approved)"},
	{Value: string(RegistrationForm), ZH: "登记表（备案）", EN: "Registration form (filed)"},
}

// Limits of an item's text, in characters.
const (
	MaxShort = 200
	MaxText  = 2000
)

// Fields are the writable fields of an item.
type Fields struct {
	Status Status
	// Reason says why the item is not needed (required then, only then).
	Reason     string
	AppliedOn  *time.Time
	ExpectedOn *time.Time
	// ObtainedOn is required when the item is obtained, and only then.
	ObtainedOn *time.Time
	ApprovalNo string // 批复文号
	Issuer     string // 审批部门
	Note       string
	// EnvLevel is the level of the environmental assessment, on that item
	// only.
	EnvLevel EnvLevel
}

// Item is one stored item of a project's checklist.
type Item struct {
	ProjectID string
	Code      Code
	Fields
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// Overdue reports whether the item is not obtained (and needed) past its
// expected day, on day on.
func (f Fields) Overdue(on time.Time) bool {
	return (f.Status == NotStarted || f.Status == InProgress) && f.ExpectedOn != nil && f.ExpectedOn.Before(on)
}

func (f *Fields) normalize() {
	for _, s := range []*string{&f.Reason, &f.ApprovalNo, &f.Issuer, &f.Note} {
		*s = strings.TrimSpace(*s)
	}
}

// validate checks an item's fields for code on day today.
func (f Fields) validate(code Code, today time.Time) error {
	var c project.Check
	c.Enum("status", string(f.Status), Statuses)
	c.Text("reason", f.Reason, MaxText, false)
	c.Text("approval_no", f.ApprovalNo, MaxShort, false)
	c.Text("issuer", f.Issuer, MaxShort, false)
	c.Text("note", f.Note, MaxText, false)
	switch {
	case f.Status == NotNeeded && f.Reason == "":
		c.Add("reason", "required", "")
	case f.Status != NotNeeded && f.Reason != "":
		c.Add("reason", "only_when", string(NotNeeded))
	}
	switch {
	case f.Status == Obtained && f.ObtainedOn == nil:
		c.Add("obtained_on", "required", "")
	case f.Status != Obtained && f.ObtainedOn != nil:
		c.Add("obtained_on", "only_when", string(Obtained))
	}
	for _, d := range []struct {
		field string
		on    *time.Time
	}{{"applied_on", f.AppliedOn}, {"obtained_on", f.ObtainedOn}} {
		if d.on != nil && d.on.After(today) {
			c.Add(d.field, "in_future", today.Format(time.DateOnly))
		}
	}
	c.Order("applied_on", f.AppliedOn, "obtained_on", f.ObtainedOn)
	f.checkEnvLevel(&c, code)
	return c.Err()
}

// checkEnvLevel checks the level of the environmental assessment: on that
// item only, and known there once it is obtained.
func (f Fields) checkEnvLevel(c *project.Check, code Code) {
	switch {
	case code != EnvironmentalAssessment && f.EnvLevel != "":
		c.Add("env_level", "only_for", string(EnvironmentalAssessment))
	case code == EnvironmentalAssessment && (f.EnvLevel != "" || f.Status == Obtained):
		c.Enum("env_level", string(f.EnvLevel), EnvLevels)
	}
}

// equal reports whether two items' fields are the same.
func (f Fields) equal(g Fields) bool {
	same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	return f.Status == g.Status && f.Reason == g.Reason && f.ApprovalNo == g.ApprovalNo && f.Issuer == g.Issuer &&
		f.Note == g.Note && f.EnvLevel == g.EnvLevel &&
		same(f.AppliedOn, g.AppliedOn) && same(f.ExpectedOn, g.ExpectedOn) && same(f.ObtainedOn, g.ObtainedOn)
}
