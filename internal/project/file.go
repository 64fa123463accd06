package project

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/identity"
)

// The project file's own fields (项目档案, docs/api.md "Projects"): its
// classification, the factors the county secures for it, how it was brought
// in, and the people responsible.

// InvestmentType tells government from enterprise investment (政府投资 /
// 企业投资).
type InvestmentType string

// ConstructionNature is the statistical nature of construction (建设性质):
// a fact of the project, not of a year's plan, unlike BuildType.
type ConstructionNature string

// WorksKind is the kind of works (工程类别), which decides the permit that
// allows a start.
type WorksKind string

// Origin is where an investor comes from (投资方来源地).
type Origin string

// InvestmentTypes lists the investment types.
var InvestmentTypes = []Label{
	{"government", "政府投资", "Government investment"},
	{"enterprise", "企业投资", "Enterprise investment"},
}

// ConstructionNatures lists the natures of construction.
var ConstructionNatures = []Label{
	{"new_build", "新建", "New build"},
	{"expansion", "扩建", "Expansion"},
	{"reconstruction", "改建", "Reconstruction"},
	{"relocation", "迁建", "Relocation"},
	{"technical_renovation", "技改", "Technical renovation"},
}

// WorksKinds lists the kinds of works.
var WorksKinds = []Label{
	{"building", "房屋建筑", "Building"},
	{"municipal", "市政工程", "Municipal works"},
	{"road", "公路工程", "Road"},
	{"water", "水利工程", "Water works"},
	{"power", "电力工程", "Power"},
}

// Origins lists the regions investors come from.
var Origins = []Label{
	{"jingjinji", "京津冀", "Beijing-Tianjin-Hebei"},
	{"yangtze_delta", "长三角", "Yangtze River Delta"},
	{"pearl_delta", "珠三角", "Pearl River Delta"},
	{"in_province", "省内", "Within the province"},
	{"in_county", "县内", "Within the county"},
	{"overseas", "境外", "Overseas"},
	{"other", "其他", "Other"},
}

// FundsArrived is the money that arrived (到位资金) in one year, in yuan.
type FundsArrived struct {
	Year int   `json:"year"`
	Yuan int64 `json:"yuan"`
}

// Leader is one of a project's county leaders (包联县领导); exactly one
// leads. Username, when set, is the account of a user with the leader role.
type Leader struct {
	Name     string `json:"name"`
	Lead     bool   `json:"lead"`
	Username string `json:"username,omitempty"`
}

// Limits of the project file's fields.
const (
	MaxLeaders     = 20
	MaxUnits       = 30
	MaxContactName = 50
	MaxPhone       = 30
	MaxTaskForce   = 200
	MaxInvestor    = 200
	MaxUsername    = 64
	// MaxFactor bounds the factor quantities (亩, 吨标准煤, 万立方米, kVA).
	MaxFactor = 1e12
)

// LeadName is the name of the lead among the leaders, "" when none leads.
func LeadName(ls []Leader) string {
	for _, l := range ls {
		if l.Lead {
			return l.Name
		}
	}
	return ""
}

// normalizeFile trims the file's text fields and relates leader and leaders:
// a leader without leaders becomes a one-person list that leads it, and the
// leader of a list is its lead's name (docs/api.md, "Leaders").
func (f *Fields) normalizeFile() {
	for _, s := range []*string{&f.Investor, &f.AttractingUnit, &f.OwnerContactName, &f.OwnerContactPhone, &f.TaskForce} {
		*s = strings.TrimSpace(*s)
	}
	for i := range f.Leaders {
		f.Leaders[i].Name = strings.TrimSpace(f.Leaders[i].Name)
		f.Leaders[i].Username = strings.TrimSpace(f.Leaders[i].Username)
	}
	for i := range f.CooperatingUnits {
		f.CooperatingUnits[i] = strings.TrimSpace(f.CooperatingUnits[i])
	}
	switch {
	case len(f.Leaders) == 0 && f.Leader != "":
		f.Leaders = []Leader{{Name: f.Leader, Lead: true}}
	case len(f.Leaders) > 0 && f.Leader == "":
		f.Leader = LeadName(f.Leaders)
	}
	if f.Leaders == nil {
		f.Leaders = []Leader{}
	}
	if f.CooperatingUnits == nil {
		f.CooperatingUnits = []string{}
	}
	if f.FundsArrived == nil {
		f.FundsArrived = []FundsArrived{}
	}
	slices.SortFunc(f.FundsArrived, func(a, b FundsArrived) int { return a.Year - b.Year })
	for _, v := range f.factors() {
		if *v.v != nil && !math.IsInf(**v.v, 0) && !math.IsNaN(**v.v) {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(**v.v, 'g', 15, 64), 64)
			*v.v = &r
		}
	}
}

type factor struct {
	field string
	v     **float64
}

// factors pairs each factor quantity with its wire name.
func (f *Fields) factors() []factor {
	return []factor{
		{"land_needed_mu", &f.LandNeededMu}, {"land_secured_mu", &f.LandSecuredMu},
		{"new_construction_land_mu", &f.NewConstructionLandMu}, {"arable_land_mu", &f.ArableLandMu},
		{"forest_land_mu", &f.ForestLandMu},
		{"energy_needed_tce", &f.EnergyNeededTCE}, {"energy_secured_tce", &f.EnergySecuredTCE},
		{"water_needed_10k_m3", &f.WaterNeeded10kM3}, {"water_secured_10k_m3", &f.WaterSecured10kM3},
		{"power_needed_kva", &f.PowerNeededKVA}, {"power_secured_kva", &f.PowerSecuredKVA},
	}
}

// MaxYear bounds the years a project file names.
const MaxYear = 2100

// validateFundsOn checks that no funds arrived in a year after today's.
func (f Fields) validateFundsOn(c *Check, today time.Time) {
	for i, fa := range f.FundsArrived {
		if fa.Year > today.Year() && fa.Year <= MaxYear {
			c.Add("funds_arrived["+strconv.Itoa(i)+"].year", "in_future", strconv.Itoa(today.Year()))
		}
	}
}

// validateFile checks the project file's fields into c.
func (f Fields) validateFile(c *Check) {
	optionalEnum := func(field, v string, ls []Label) {
		if v != "" {
			c.Enum(field, v, ls)
		}
	}
	optionalEnum("investment_type", string(f.InvestmentType), InvestmentTypes)
	optionalEnum("construction_nature", string(f.ConstructionNature), ConstructionNatures)
	optionalEnum("works_kind", string(f.WorksKind), WorksKinds)
	optionalEnum("investor_origin", string(f.InvestorOrigin), Origins)
	c.Yuan("expected_annual_tax_yuan", f.ExpectedAnnualTaxYuan)
	c.Yuan("contract_amount_yuan", f.ContractAmountYuan)
	if f.ExpectedJobs != nil && (*f.ExpectedJobs < 0 || *f.ExpectedJobs > 10_000_000) {
		c.Add("expected_jobs", "out_of_range", "0..10000000")
	}
	for _, v := range f.factors() {
		if x := *v.v; x != nil && (math.IsNaN(*x) || math.IsInf(*x, 0) || *x < 0 || *x > MaxFactor) {
			c.Add(v.field, "out_of_range", "0..1e12")
		}
	}
	for _, part := range []struct {
		field string
		v     *float64
	}{{"new_construction_land_mu", f.NewConstructionLandMu}, {"arable_land_mu", f.ArableLandMu}, {"forest_land_mu", f.ForestLandMu}} {
		if part.v != nil && f.LandNeededMu != nil && *part.v > *f.LandNeededMu {
			c.Add(part.field, "exceeds", "land_needed_mu")
		}
	}
	c.Text("investor", f.Investor, MaxInvestor, false)
	c.Text("attracting_unit", f.AttractingUnit, MaxInvestor, false)
	c.Text("owner_contact_name", f.OwnerContactName, MaxContactName, false)
	c.Text("owner_contact_phone", f.OwnerContactPhone, MaxPhone, false)
	c.Text("task_force", f.TaskForce, MaxTaskForce, false)
	f.validateFunds(c)
	f.validateLeaders(c)
	f.validateUnits(c)
}

func (f Fields) validateFunds(c *Check) {
	seen := map[int]bool{}
	for i, fa := range f.FundsArrived {
		p := "funds_arrived[" + strconv.Itoa(i) + "]."
		if fa.Year < MinYear || fa.Year > MaxYear {
			c.Add(p+"year", "out_of_range", strconv.Itoa(MinYear)+".."+strconv.Itoa(MaxYear))
		}
		if seen[fa.Year] {
			c.Add(p+"year", "not_unique", "")
		}
		seen[fa.Year] = true
		c.Yuan(p+"yuan", &fa.Yuan)
	}
}

func (f Fields) validateLeaders(c *Check) {
	if len(f.Leaders) > MaxLeaders {
		c.Add("leaders", "too_long", strconv.Itoa(MaxLeaders))
	}
	leads := 0
	users := map[string]bool{}
	for i, l := range f.Leaders {
		p := "leaders[" + strconv.Itoa(i) + "]."
		c.Text(p+"name", l.Name, MaxLeader, true)
		c.Text(p+"username", l.Username, MaxUsername, false)
		if l.Username != "" && users[l.Username] {
			c.Add(p+"username", "not_unique", "")
		}
		users[l.Username] = true
		if l.Lead {
			leads++
		}
	}
	if len(f.Leaders) > 0 && leads != 1 {
		c.Add("leaders", "one_lead", strconv.Itoa(leads))
	}
	if lead := LeadName(f.Leaders); len(f.Leaders) > 0 && leads == 1 && f.Leader != lead {
		c.Add("leader", "not_lead", lead)
	}
}

func (f Fields) validateUnits(c *Check) {
	if len(f.CooperatingUnits) > MaxUnits {
		c.Add("cooperating_units", "too_long", strconv.Itoa(MaxUnits))
	}
	seen := map[string]bool{}
	for i, u := range f.CooperatingUnits {
		field := "cooperating_units[" + strconv.Itoa(i) + "]"
		switch {
		case !identity.ValidDepartmentCode.MatchString(u):
			c.Add(field, "invalid_format", identity.ValidDepartmentCode.String())
		case u == f.Department:
			c.Add(field, "owner", f.Department)
		case seen[u]:
			c.Add(field, "not_unique", "")
		}
		seen[u] = true
	}
}

// Usernames returns the accounts the leaders name.
func (f Fields) Usernames() []string {
	var out []string
	for _, l := range f.Leaders {
		if l.Username != "" {
			out = append(out, l.Username)
		}
	}
	return out
}

// MayContact reports whether p may see the owner's contact of project pr:
// the bureau and administrators, the owning department's users, and the
// leader-role users its leaders name (docs/api.md, "Owner contact").
func MayContact(p identity.Principal, pr Project) bool {
	switch p.Role {
	case identity.RoleAdmin, identity.RoleBureau:
		return true
	case identity.RoleLeader:
		return p.ClientID == "" && p.Name != "" && slices.ContainsFunc(pr.Leaders, func(l Leader) bool { return l.Username == p.Name })
	}
	return p.Role.DepartmentBound() && p.Department != "" && p.Department == pr.Department
}

// MaskName keeps the first character of a name and hides the rest.
func MaskName(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// MaskPhone keeps the first three and last four digits of a phone number
// and hides the digits between; a number too short for that is hidden
// whole.
func MaskPhone(s string) string {
	r := []rune(s)
	var digits []int
	for i, c := range r {
		if c >= '0' && c <= '9' {
			digits = append(digits, i)
		}
	}
	if len(digits) <= 7 {
		return strings.Repeat("*", len(r))
	}
	for _, i := range digits[3 : len(digits)-4] {
		r[i] = '*'
	}
	return string(r)
}

// MaskContact hides the owner's contact of pr unless p may see it.
func MaskContact(p identity.Principal, pr *Project) {
	if !MayContact(p, *pr) {
		pr.OwnerContactName = MaskName(pr.OwnerContactName)
		pr.OwnerContactPhone = MaskPhone(pr.OwnerContactPhone)
	}
}
