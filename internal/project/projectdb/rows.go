package projectdb

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// jsonValue stores a value as JSON text (jsonb on PostgreSQL).
type jsonValue[T any] struct{ V T }

func (j jsonValue[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	return string(b), err
}

func (j *jsonValue[T]) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), &j.V)
	case []byte:
		return json.Unmarshal(s, &j.V)
	case nil:
		var zero T
		j.V = zero
		return nil
	}
	return fmt.Errorf("projectdb: cannot scan %T as JSON", src)
}

type fundingRow struct {
	Source       string `json:"source"`
	PlannedYuan  int64  `json:"planned_yuan"`
	ReceivedYuan int64  `json:"received_yuan"`
}

type projectRow struct {
	ID                       string `gorm:"primaryKey"`
	Code                     *string
	Name                     string
	Category                 string
	Department               string
	Leader                   string
	Company                  string
	Township                 string
	Capacity                 *float64
	CapacityUnit             string
	TotalInvestmentYuan      *int64
	ExpectedAnnualOutputYuan *int64
	BuildType                string
	KeyLevel                 string
	Funding                  jsonValue[[]fundingRow]
	PlannedSignDate          *time.Time
	PlannedStartDate         *time.Time
	PlannedCompletionDate    *time.Time
	PlannedProductionDate    *time.Time
	InStatisticsSince        *string
	InvestmentType           string
	InDevelopmentZone        *bool
	ConstructionNature       string
	WorksKind                string
	ExpectedAnnualTaxYuan    *int64
	ExpectedJobs             *int
	LandNeededMu             *float64
	LandSecuredMu            *float64
	NewConstructionLandMu    *float64
	ArableLandMu             *float64
	ForestLandMu             *float64
	EnergyNeededTCE          *float64
	EnergySecuredTCE         *float64
	// The column names are the API's (water_needed_10k_m3), as every
	// column of the register file is: GORM names the fields so.
	WaterNeeded_10kM3  *float64
	WaterSecured_10kM3 *float64
	PowerNeededKVA     *float64
	PowerSecuredKVA    *float64
	ContractAmountYuan *int64
	Investor           string
	InvestorOrigin     string
	AttractingUnit     string
	FundsArrived       jsonValue[[]project.FundsArrived]
	Leaders            jsonValue[[]project.Leader]
	CooperatingUnits   jsonValue[[]string]
	OwnerContactName   string
	OwnerContactPhone  string
	TaskForce          string
	PredecessorID      *string
	ParentID           *string
	Stage              string
	SignedOn           *time.Time
	LandedOn           *time.Time
	StartedOn          *time.Time
	CompletedOn        *time.Time
	ProductionOn       *time.Time
	AtCapacityOn       *time.Time
	Health             string
	HealthReasons      jsonValue[[]health.Reason]
	HealthDueOn        *time.Time
	HealthFacts        jsonValue[health.Facts]
	LastMoveOn         *time.Time
	Version            int
	CreatedAt          time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt          time.Time `gorm:"autoUpdateTime:false"`
	ArchivedAt         *time.Time
}

func (projectRow) TableName() string { return "projects" }

type transitionRow struct {
	ID         string `gorm:"primaryKey"`
	ProjectID  string
	FromStage  *string
	ToStage    string
	OccurredOn time.Time
	Note       string
	Evidence   jsonValue[[]project.Evidence]
	Kind       string
	Actor      string
	Department string
	RecordedAt time.Time
	// PermitWaiver is written only by a first start made without its
	// 开工 permit item (docs/approvals.md).
	PermitWaiver string
}

func (transitionRow) TableName() string { return "project_transitions" }

// date normalises a stored date to midnight UTC, whatever zone the driver
// read it in.
func date(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &u
}

// monthText stores a month as YYYY-MM.
func monthText(m *calendar.Month) *string {
	if m == nil {
		return nil
	}
	s := m.String()
	return &s
}

// month reads a stored YYYY-MM; the column's text is only ever written by
// monthText, so text that is not a month reads as none.
func month(s *string) *calendar.Month {
	if s == nil {
		return nil
	}
	m, err := calendar.ParseMonth(*s)
	if err != nil {
		return nil
	}
	return &m
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// toRow converts a project for storage. Times are stored in UTC and dates as
// midnight UTC: SQLite compares them as text, so one instant written in two
// zones would sort and filter wrongly.
func toRow(p project.Project) projectRow {
	funding := make([]fundingRow, len(p.Funding))
	for i, f := range p.Funding {
		funding[i] = fundingRow(f)
	}
	reasons := p.HealthReasons
	if reasons == nil {
		reasons = []health.Reason{}
	}
	r := projectRow{
		ID: p.ID, Code: p.Code, Name: p.Name, Category: string(p.Category), Department: p.Department,
		Leader: p.Leader, Company: p.Company, Township: p.Township,
		Capacity: p.Capacity, CapacityUnit: p.CapacityUnit,
		TotalInvestmentYuan: p.TotalInvestmentYuan, ExpectedAnnualOutputYuan: p.ExpectedAnnualOutputYuan,
		BuildType: string(p.BuildType), KeyLevel: string(p.KeyLevel), Funding: jsonValue[[]fundingRow]{funding},
		PlannedSignDate: date(p.PlannedSignDate), PlannedStartDate: date(p.PlannedStartDate),
		PlannedCompletionDate: date(p.PlannedCompletionDate), PlannedProductionDate: date(p.PlannedProductionDate),
		InStatisticsSince: monthText(p.InStatisticsSince),
		Stage:             string(p.Stage),
		SignedOn:          date(p.Actual.SignedOn), LandedOn: date(p.Actual.LandedOn), StartedOn: date(p.Actual.StartedOn),
		CompletedOn: date(p.Actual.CompletedOn), ProductionOn: date(p.Actual.ProductionOn), AtCapacityOn: date(p.Actual.AtCapacityOn),
		Health: string(p.Health), HealthReasons: jsonValue[[]health.Reason]{reasons}, HealthDueOn: date(p.HealthDueOn), HealthFacts: jsonValue[health.Facts]{p.Facts},
		LastMoveOn: date(p.LastMoveOn),
		Version:    p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), ArchivedAt: utc(p.ArchivedAt),
	}
	fileToRow(p.Fields, &r)
	return r
}

// fileToRow copies the project file's fields into r; lists are never nil,
// so that a row written and read back compares equal.
func fileToRow(f project.Fields, r *projectRow) {
	r.InvestmentType, r.InDevelopmentZone = string(f.InvestmentType), clone(f.InDevelopmentZone)
	r.ConstructionNature, r.WorksKind = string(f.ConstructionNature), string(f.WorksKind)
	r.ExpectedAnnualTaxYuan, r.ExpectedJobs = clone(f.ExpectedAnnualTaxYuan), clone(f.ExpectedJobs)
	r.LandNeededMu, r.LandSecuredMu = clone(f.LandNeededMu), clone(f.LandSecuredMu)
	r.NewConstructionLandMu, r.ArableLandMu, r.ForestLandMu = clone(f.NewConstructionLandMu), clone(f.ArableLandMu), clone(f.ForestLandMu)
	r.EnergyNeededTCE, r.EnergySecuredTCE = clone(f.EnergyNeededTCE), clone(f.EnergySecuredTCE)
	r.WaterNeeded_10kM3, r.WaterSecured_10kM3 = clone(f.WaterNeeded10kM3), clone(f.WaterSecured10kM3)
	r.PowerNeededKVA, r.PowerSecuredKVA = clone(f.PowerNeededKVA), clone(f.PowerSecuredKVA)
	r.ContractAmountYuan, r.Investor = clone(f.ContractAmountYuan), f.Investor
	r.InvestorOrigin, r.AttractingUnit = string(f.InvestorOrigin), f.AttractingUnit
	r.FundsArrived = jsonValue[[]project.FundsArrived]{nonNil(f.FundsArrived)}
	r.Leaders = jsonValue[[]project.Leader]{nonNil(f.Leaders)}
	r.CooperatingUnits = jsonValue[[]string]{nonNil(f.CooperatingUnits)}
	r.OwnerContactName, r.OwnerContactPhone, r.TaskForce = f.OwnerContactName, f.OwnerContactPhone, f.TaskForce
	r.PredecessorID, r.ParentID = clone(f.PredecessorID), clone(f.ParentID)
}

// fileFromRow reads the project file's fields of a row into f.
func fileFromRow(r projectRow, f *project.Fields) {
	f.InvestmentType, f.InDevelopmentZone = project.InvestmentType(r.InvestmentType), clone(r.InDevelopmentZone)
	f.ConstructionNature, f.WorksKind = project.ConstructionNature(r.ConstructionNature), project.WorksKind(r.WorksKind)
	f.ExpectedAnnualTaxYuan, f.ExpectedJobs = clone(r.ExpectedAnnualTaxYuan), clone(r.ExpectedJobs)
	f.LandNeededMu, f.LandSecuredMu = clone(r.LandNeededMu), clone(r.LandSecuredMu)
	f.NewConstructionLandMu, f.ArableLandMu, f.ForestLandMu = clone(r.NewConstructionLandMu), clone(r.ArableLandMu), clone(r.ForestLandMu)
	f.EnergyNeededTCE, f.EnergySecuredTCE = clone(r.EnergyNeededTCE), clone(r.EnergySecuredTCE)
	f.WaterNeeded10kM3, f.WaterSecured10kM3 = clone(r.WaterNeeded_10kM3), clone(r.WaterSecured_10kM3)
	f.PowerNeededKVA, f.PowerSecuredKVA = clone(r.PowerNeededKVA), clone(r.PowerSecuredKVA)
	f.ContractAmountYuan, f.Investor = clone(r.ContractAmountYuan), r.Investor
	f.InvestorOrigin, f.AttractingUnit = project.Origin(r.InvestorOrigin), r.AttractingUnit
	f.FundsArrived = nonNil(slices.Clone(r.FundsArrived.V))
	f.Leaders = leadersOf(r)
	f.CooperatingUnits = nonNil(slices.Clone(r.CooperatingUnits.V))
	f.OwnerContactName, f.OwnerContactPhone, f.TaskForce = r.OwnerContactName, r.OwnerContactPhone, r.TaskForce
	f.PredecessorID, f.ParentID = lowerID(r.PredecessorID), lowerID(r.ParentID)
}

// leadersOf reads the leaders of a row. A row written by a build that
// knew only leader (one still serving during a rolling upgrade) holds
// leaders empty or led by another name: its leader is then the list.
func leadersOf(r projectRow) []project.Leader {
	return leadersFor(r.Leader, nonNil(slices.Clone(r.Leaders.V)))
}

// leadersFor is leaders ls of a row whose leader column holds leader.
func leadersFor(leader string, ls []project.Leader) []project.Leader {
	switch {
	case leader == project.LeadName(ls):
		return ls
	case leader == "":
		return []project.Leader{}
	}
	return []project.Leader{{Name: leader, Lead: true}}
}

// nonNil is s, or an empty list for nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// lowerID reads a stored project ID as the register writes IDs.
func lowerID(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.ToLower(*s)
	return &v
}

// clone copies what p points to, so that a project changed in place leaves
// the row it was read from as it was (Update compares the two).
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func toProject(r projectRow) project.Project {
	funding := make([]project.Funding, len(r.Funding.V))
	for i, f := range r.Funding.V {
		funding[i] = project.Funding(f)
	}
	reasons := r.HealthReasons.V
	if reasons == nil {
		reasons = []health.Reason{}
	}
	p := project.Project{
		ID: r.ID,
		Fields: project.Fields{
			Code: clone(r.Code), Name: r.Name, Category: project.Category(r.Category), Department: r.Department,
			Leader: r.Leader, Company: r.Company, Township: r.Township,
			Capacity: clone(r.Capacity), CapacityUnit: r.CapacityUnit,
			TotalInvestmentYuan: clone(r.TotalInvestmentYuan), ExpectedAnnualOutputYuan: clone(r.ExpectedAnnualOutputYuan),
			BuildType: project.BuildType(r.BuildType), KeyLevel: project.KeyLevel(r.KeyLevel), Funding: funding,
			PlannedSignDate: date(r.PlannedSignDate), PlannedStartDate: date(r.PlannedStartDate),
			PlannedCompletionDate: date(r.PlannedCompletionDate), PlannedProductionDate: date(r.PlannedProductionDate),
			InStatisticsSince: month(r.InStatisticsSince),
		},
		Stage: project.Stage(r.Stage),
		Actual: project.Actual{
			SignedOn: date(r.SignedOn), LandedOn: date(r.LandedOn), StartedOn: date(r.StartedOn),
			CompletedOn: date(r.CompletedOn), ProductionOn: date(r.ProductionOn), AtCapacityOn: date(r.AtCapacityOn),
		},
		Health: health.Level(r.Health), HealthReasons: reasons, HealthDueOn: date(r.HealthDueOn), Facts: r.HealthFacts.V, LastMoveOn: date(r.LastMoveOn),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ArchivedAt: utc(r.ArchivedAt),
	}
	fileFromRow(r, &p.Fields)
	return p
}

func toTransitionRow(t project.Transition) transitionRow {
	var from *string
	if t.From != nil {
		s := string(*t.From)
		from = &s
	}
	return transitionRow{
		ID: t.ID, ProjectID: t.ProjectID, FromStage: from, ToStage: string(t.To), OccurredOn: *date(&t.OccurredOn),
		Note: t.Note, Evidence: jsonValue[[]project.Evidence]{evidence(t.Evidence)},
		Kind: t.Kind, Actor: t.Actor, Department: t.Department, RecordedAt: t.RecordedAt.UTC(), PermitWaiver: t.PermitWaiver,
	}
}

func toTransition(r transitionRow) project.Transition {
	var from *project.Stage
	if r.FromStage != nil {
		s := project.Stage(*r.FromStage)
		from = &s
	}
	return project.Transition{
		ID: r.ID, ProjectID: r.ProjectID, From: from, To: project.Stage(r.ToStage), OccurredOn: *date(&r.OccurredOn),
		Note: r.Note, Evidence: evidence(r.Evidence.V), Kind: r.Kind, Actor: r.Actor, Department: r.Department,
		RecordedAt: r.RecordedAt.UTC(), PermitWaiver: r.PermitWaiver,
	}
}

func evidence(e []project.Evidence) []project.Evidence {
	if e == nil {
		return []project.Evidence{}
	}
	return e
}
