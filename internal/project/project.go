// Package project is the domain of the register: projects, their stages and
// the rules that keep them valid. It knows nothing of HTTP or SQL; the Store
// interface is implemented in projectdb.
package project

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
)

// Funding is one source of a project's money, in yuan. Its JSON form is the
// API's, for audit snapshots.
type Funding struct {
	Source       string `json:"source"`
	PlannedYuan  int64  `json:"planned_yuan"`
	ReceivedYuan int64  `json:"received_yuan"`
}

// Fields are the writable fields of a project.
type Fields struct {
	Code                     *string
	Name                     string
	Category                 Category
	Department               string
	Leader                   string
	Company                  string
	Township                 string
	Capacity                 *float64
	CapacityUnit             string
	TotalInvestmentYuan      *int64
	ExpectedAnnualOutputYuan *int64
	BuildType                BuildType
	KeyLevel                 KeyLevel
	Funding                  []Funding
	PlannedSignDate          *time.Time
	PlannedStartDate         *time.Time
	PlannedCompletionDate    *time.Time
	PlannedProductionDate    *time.Time
	// InStatisticsSince is the month from which the project is in the
	// statistics (入统), nil when it is not (or not known to be).
	InStatisticsSince *calendar.Month
	// The project file's own fields (项目档案, docs/api.md "The project
	// file") follow, every one optional: empty or nil is not known. First
	// the classification.
	InvestmentType        InvestmentType
	InDevelopmentZone     *bool
	ConstructionNature    ConstructionNature
	WorksKind             WorksKind
	ExpectedAnnualTaxYuan *int64
	ExpectedJobs          *int
	// Factors (要素保障): land in 亩, energy in 吨标准煤 a year, water in
	// 万立方米 a year, power as load capacity in kVA.
	LandNeededMu          *float64
	LandSecuredMu         *float64
	NewConstructionLandMu *float64
	ArableLandMu          *float64
	ForestLandMu          *float64
	EnergyNeededTCE       *float64
	EnergySecuredTCE      *float64
	WaterNeeded10kM3      *float64
	WaterSecured10kM3     *float64
	PowerNeededKVA        *float64
	PowerSecuredKVA       *float64
	// Investment attraction (招商引资).
	ContractAmountYuan *int64
	Investor           string
	InvestorOrigin     Origin
	AttractingUnit     string
	FundsArrived       []FundsArrived
	// People: the leaders (one leads; Leader is the lead's name), the
	// cooperating units (department codes; the owning department leads),
	// the owner's contact and the task force.
	Leaders           []Leader
	CooperatingUnits  []string
	OwnerContactName  string
	OwnerContactPhone string
	TaskForce         string
	// Phases and bundles: the earlier phase, and the bundle this project
	// is a child of.
	PredecessorID *string
	ParentID      *string
}

// Actual holds the dates on which a project reached each stage.
type Actual struct {
	SignedOn     *time.Time
	LandedOn     *time.Time
	StartedOn    *time.Time
	CompletedOn  *time.Time
	ProductionOn *time.Time
	AtCapacityOn *time.Time
}

// Project is one entry of the register.
type Project struct {
	ID string
	Fields
	Stage         Stage
	Actual        Actual
	Health        health.Level
	HealthReasons []health.Reason
	// HealthDueOn is the day the stored health is to be computed again,
	// when the passing of time alone may change it.
	HealthDueOn *time.Time
	// Facts are the plans, progress and blockers health is computed from.
	Facts health.Facts
	// LastMoveOn is the day of the latest move, import entries aside, which
	// the next move may not precede.
	LastMoveOn *time.Time
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ArchivedAt *time.Time
}

// Transition is one entry of a project's stage history.
type Transition struct {
	ID         string
	ProjectID  string
	From       *Stage
	To         Stage
	OccurredOn time.Time
	Note       string
	Evidence   []Evidence
	Kind       string
	Actor      string
	Department string
	RecordedAt time.Time
	// PermitWaiver is why a first start was made without its 开工 permit
	// item cleared ("" when it was cleared, or for another move).
	PermitWaiver string
}

// Transition kinds.
const (
	KindMove       = "move"
	KindResumption = "resumption"
	KindCorrection = "correction"
	KindImport     = "import"
)

// Limits of the text fields, in characters.
const (
	MaxName     = 200
	MaxLeader   = 100
	MaxCompany  = 200
	MaxTownship = 100
	MaxUnit     = 20
	// MaxYuan bounds money so that sums over 200,000 projects stay in int64.
	MaxYuan = int64(1e13)
)

// MinYear is the first year of plans, progress and statistics.
const MinYear = 2000

// MaxNote bounds the notes of moves and progress reports, in characters.
const MaxNote = 2000

var codePattern = regexp.MustCompile(`^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$`)

// Check collects the field errors of a request by the register's rules for
// text, money, dates and enumerations, so that a client sees every problem
// of its request in one answer.
type Check struct{ errs []apperr.FieldError }

// Err is the Invalid error of the problems found, or nil.
func (c *Check) Err() error { return apperr.Fields(c.errs) }

// Add notes a problem of field.
func (c *Check) Add(field, code, param string) {
	c.errs = append(c.errs, apperr.FieldError{Field: field, Code: code, Param: param})
}

// Text checks a text field: present when required, at most max characters,
// nothing a text field cannot store.
func (c *Check) Text(field, v string, max int, required bool) {
	switch n := utf8.RuneCountInString(v); {
	case required && strings.TrimSpace(v) == "":
		c.Add(field, "required", "")
	case n > max:
		c.Add(field, "too_long", strconv.Itoa(max))
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unstorable):
		c.Add(field, "invalid_format", "")
	}
}

// unstorable reports a character that a text field does not take: control
// characters but the tab, and what XML, and so an XLSX cell, cannot hold
// (U+FFFE, U+FFFF), so that every field survives an export and an import
// unchanged.
func unstorable(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0xFFFE || r == 0xFFFF
}

// BidiControl reports a bidirectional control character: the embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the marks
// (U+200E, U+200F, U+061C). They reorder the text around them as it is
// shown, so that a name can read otherwise than it is stored; no write takes
// them (docs/api.md, "Strict input"). The other invisible characters that
// text pasted from a document carries (U+200B–U+200D, U+2060, U+00AD,
// U+FEFF) reorder nothing and are kept.
func BidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return r == 0x200E || r == 0x200F || r == 0x061C
}

// Enum checks that v is one of the values of ls.
func (c *Check) Enum(field, v string, ls []Label) {
	if !valid(ls, v) {
		c.Add(field, "invalid_value", strings.Join(Values(ls), ","))
	}
}

// Yuan checks an amount of money, when given.
func (c *Check) Yuan(field string, v *int64) {
	if v != nil && (*v < 0 || *v > MaxYuan) {
		c.Add(field, "out_of_range", "0.."+strconv.FormatInt(MaxYuan, 10))
	}
}

// Order reports a date_order error when both dates are set and a is after b.
func (c *Check) Order(aField string, a *time.Time, bField string, b *time.Time) {
	if a != nil && b != nil && a.After(*b) {
		c.Add(bField, "date_order", aField)
	}
}

// Normalize trims text fields and fills defaults, before validation.
func (f *Fields) Normalize() {
	for _, s := range []*string{&f.Name, &f.Leader, &f.Company, &f.Township, &f.CapacityUnit, &f.Department} {
		*s = strings.TrimSpace(*s)
	}
	if f.Code != nil {
		if c := strings.TrimSpace(*f.Code); c == "" {
			f.Code = nil
		} else {
			f.Code = &c
		}
	}
	if f.BuildType == "" {
		f.BuildType = New
	}
	if f.KeyLevel == "" {
		f.KeyLevel = "none"
	}
	if f.Funding == nil {
		f.Funding = []Funding{}
	}
	if c := f.Capacity; c != nil && !math.IsInf(*c, 0) && !math.IsNaN(*c) {
		// Excel keeps 15 significant digits: so does the register, so that
		// a capacity comes back unchanged from an exported file.
		r, _ := strconv.ParseFloat(strconv.FormatFloat(*c, 'g', 15, 64), 64)
		f.Capacity = &r
	}
	f.normalizeFile()
}

// Validate checks the writable fields and returns every problem at once.
func (f Fields) Validate() error {
	var c Check
	if f.Code != nil && !codePattern.MatchString(*f.Code) {
		c.Add("code", "invalid_format", "YYYY-RRRRRR-DD-TT-NNNNNN")
	}
	c.Text("name", f.Name, MaxName, true)
	c.Enum("category", string(f.Category), Categories)
	if f.Department == "" {
		c.Add("department", "required", "")
	} else if !identity.ValidDepartmentCode.MatchString(f.Department) {
		c.Add("department", "invalid_format", identity.ValidDepartmentCode.String())
	}
	c.Text("leader", f.Leader, MaxLeader, false)
	c.Text("company", f.Company, MaxCompany, false)
	c.Text("township", f.Township, MaxTownship, false)
	c.Text("capacity_unit", f.CapacityUnit, MaxUnit, false)
	if f.Capacity != nil {
		if v := *f.Capacity; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e12 {
			c.Add("capacity", "out_of_range", "0..1e12")
		}
		if f.CapacityUnit == "" {
			c.Add("capacity_unit", "required", "")
		}
	}
	c.Yuan("total_investment_yuan", f.TotalInvestmentYuan)
	c.Yuan("expected_annual_output_yuan", f.ExpectedAnnualOutputYuan)
	c.Enum("build_type", string(f.BuildType), BuildTypes)
	c.Enum("key_level", string(f.KeyLevel), KeyLevels)
	seen := map[string]bool{}
	for i, fu := range f.Funding {
		p := "funding[" + strconv.Itoa(i) + "]."
		c.Enum(p+"source", fu.Source, FundingSources)
		if seen[fu.Source] {
			c.Add(p+"source", "not_unique", "")
		}
		seen[fu.Source] = true
		c.Yuan(p+"planned_yuan", &fu.PlannedYuan)
		c.Yuan(p+"received_yuan", &fu.ReceivedYuan)
	}
	if len(f.Funding) > len(FundingSources) {
		c.Add("funding", "too_long", strconv.Itoa(len(FundingSources)))
	}
	c.Order("planned_sign_date", f.PlannedSignDate, "planned_start_date", f.PlannedStartDate)
	c.Order("planned_start_date", f.PlannedStartDate, "planned_completion_date", f.PlannedCompletionDate)
	c.Order("planned_completion_date", f.PlannedCompletionDate, "planned_production_date", f.PlannedProductionDate)
	f.validateFile(&c)
	return c.Err()
}

// ValidateOn checks the fields as Validate does, and those that depend on
// the day: in_statistics_since (入统) is a month that has begun, not after
// today's.
func (f Fields) ValidateOn(today time.Time) error {
	var c Check
	if this := calendar.MonthOf(today); f.InStatisticsSince != nil && this.Before(*f.InStatisticsSince) {
		c.Add("in_statistics_since", "in_future", this.String())
	}
	f.validateFundsOn(&c, today)
	return JoinInvalid(f.Validate(), c.Err())
}

// dates pairs each actual date with its wire name and the stage it marks.
func (a *Actual) dates() []struct {
	field string
	stage Stage
	date  **time.Time
} {
	return []struct {
		field string
		stage Stage
		date  **time.Time
	}{
		{"signed_on", Signed, &a.SignedOn},
		{"landed_on", Landed, &a.LandedOn},
		{"started_on", Started, &a.StartedOn},
		{"completed_on", Completed, &a.CompletedOn},
		{"production_on", InProduction, &a.ProductionOn},
		{"at_capacity_on", AtCapacity, &a.AtCapacityOn},
	}
}

// Latest returns the latest actual date, or nil when none is set.
func (a Actual) Latest() *time.Time {
	var latest *time.Time
	for _, d := range a.dates() {
		if *d.date != nil && (latest == nil || (*d.date).After(*latest)) {
			latest = *d.date
		}
	}
	return latest
}

// ValidateEntry checks the stage and actual dates of a project entered into
// the register: a date only for a stage the project has reached, dates in
// stage order, none in the future. Dates are optional, since an old register
// entry often lacks them.
func ValidateEntry(stage Stage, a Actual, today time.Time) error {
	var c Check
	c.Enum("stage", string(stage), Stages)
	if len(c.errs) > 0 {
		return c.Err()
	}
	var prevField string
	var prev *time.Time
	for _, d := range a.dates() {
		v := *d.date
		if v == nil {
			continue
		}
		switch {
		case d.stage.Rank() > stage.Rank():
			c.Add(d.field, "not_reached", string(stage))
		case v.After(today):
			c.Add(d.field, "in_future", today.Format(time.DateOnly))
		case prev != nil && v.Before(*prev):
			c.Add(d.field, "date_order", prevField)
		}
		prevField, prev = d.field, v
	}
	return c.Err()
}
