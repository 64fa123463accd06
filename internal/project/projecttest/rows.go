package projecttest

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// date is the calendar day of t as midnight UTC, as a date column keeps it.
func date(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &u
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// viaJSON returns v as its JSON gives it back, as a JSON column keeps it.
func viaJSON[T any](v T) T {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic("projecttest: " + err.Error())
	}
	return out
}

// stored is p as the SQL store keeps it and reads it back, sharing nothing
// with p.
func stored(p project.Project) project.Project {
	f := p.Fields
	f.Code, f.Capacity = clone(f.Code), clone(f.Capacity)
	f.TotalInvestmentYuan, f.ExpectedAnnualOutputYuan = clone(f.TotalInvestmentYuan), clone(f.ExpectedAnnualOutputYuan)
	f.Funding = append([]project.Funding{}, f.Funding...)
	f.PlannedSignDate, f.PlannedStartDate = date(f.PlannedSignDate), date(f.PlannedStartDate)
	f.PlannedCompletionDate, f.PlannedProductionDate = date(f.PlannedCompletionDate), date(f.PlannedProductionDate)
	storedFile(&f)
	a := p.Actual
	a.SignedOn, a.LandedOn, a.StartedOn = date(a.SignedOn), date(a.LandedOn), date(a.StartedOn)
	a.CompletedOn, a.ProductionOn, a.AtCapacityOn = date(a.CompletedOn), date(a.ProductionOn), date(a.AtCapacityOn)
	reasons := []health.Reason{}
	if len(p.HealthReasons) > 0 {
		reasons = viaJSON(p.HealthReasons)
	}
	return project.Project{
		ID: p.ID, Fields: f, Stage: p.Stage, Actual: a,
		Health: p.Health, HealthReasons: reasons, HealthDueOn: date(p.HealthDueOn), Facts: viaJSON(p.Facts),
		LastMoveOn: date(p.LastMoveOn), Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), ArchivedAt: utc(p.ArchivedAt),
	}
}

// storedTransition is t as the SQL store keeps it, sharing nothing with t.
func storedTransition(t project.Transition) project.Transition {
	t.From = clone(t.From)
	t.OccurredOn = *date(&t.OccurredOn)
	t.Evidence = append([]project.Evidence{}, t.Evidence...)
	t.RecordedAt = t.RecordedAt.UTC()
	return t
}

// same reports whether two stored projects hold the same values.
func same(a, b project.Project) bool { return reflect.DeepEqual(a, b) }

// listed is p as a list q hands it out: without its facts and, for a brief
// list, without what the register file does not hold, but its sort key.
func listed(p project.Project, q project.ListQuery) project.Project {
	p = stored(p)
	p.Facts = health.Facts{}
	if q.Brief {
		updated := p.UpdatedAt
		p.Funding, p.HealthReasons = []project.Funding{}, []health.Reason{}
		p.HealthDueOn, p.LastMoveOn, p.ArchivedAt, p.UpdatedAt = nil, nil, nil, time.Time{}
		if q.Sort.Key == project.SortUpdated {
			p.UpdatedAt = updated
		}
	}
	return p
}

// strs turns a list of string values into strings.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// in reports whether v is one of vs, or vs is empty.
func in(vs []string, v string) bool { return len(vs) == 0 || slices.Contains(vs, v) }

// storedFile makes the project file of f as the SQL store keeps it: lists
// empty rather than nil, sharing nothing with what it was.
func storedFile(f *project.Fields) {
	f.InDevelopmentZone, f.ExpectedAnnualTaxYuan, f.ExpectedJobs = clone(f.InDevelopmentZone), clone(f.ExpectedAnnualTaxYuan), clone(f.ExpectedJobs)
	for _, v := range []**float64{&f.LandNeededMu, &f.LandSecuredMu, &f.NewConstructionLandMu, &f.ArableLandMu, &f.ForestLandMu,
		&f.EnergyNeededTCE, &f.EnergySecuredTCE, &f.WaterNeeded10kM3, &f.WaterSecured10kM3, &f.PowerNeededKVA, &f.PowerSecuredKVA} {
		*v = clone(*v)
	}
	f.ContractAmountYuan, f.PredecessorID, f.ParentID = clone(f.ContractAmountYuan), clone(f.PredecessorID), clone(f.ParentID)
	f.FundsArrived = append([]project.FundsArrived{}, f.FundsArrived...)
	f.Leaders = append([]project.Leader{}, f.Leaders...)
	f.CooperatingUnits = append([]string{}, f.CooperatingUnits...)
}

// FullFile is a project file with every field set, the register's own
// fields empty (project.CopyFile sets it on a project).
func FullFile() project.Fields {
	return project.Fields{
		InvestmentType: "enterprise", InDevelopmentZone: ptr(true), ConstructionNature: "expansion", WorksKind: "power",
		ExpectedAnnualTaxYuan: ptr(int64(12_000_000)), ExpectedJobs: ptr(120),
		LandNeededMu: ptr(300.5), LandSecuredMu: ptr(310.25), NewConstructionLandMu: ptr(120.0), ArableLandMu: ptr(20.0),
		ForestLandMu: ptr(0.5), EnergyNeededTCE: ptr(1500.0), EnergySecuredTCE: ptr(1000.0),
		WaterNeeded10kM3: ptr(3.5), WaterSecured10kM3: ptr(3.5), PowerNeededKVA: ptr(8000.0), PowerSecuredKVA: ptr(6300.0),
		ContractAmountYuan: ptr(int64(400_000_000)), Investor: "北京某能源集团", InvestorOrigin: "jingjinji",
		AttractingUnit: "县招商服务中心", FundsArrived: []project.FundsArrived{{Year: 2020, Yuan: 100_000_000}, {Year: 2021, Yuan: 20_000_000}},
		Leaders:          []project.Leader{{Name: "张副县长", Lead: true, Username: "zhang"}, {Name: "李副县长"}},
		CooperatingUnits: []string{"natural_resources", "water"}, OwnerContactName: "王经理", OwnerContactPhone: "13812345678",
		TaskForce: "光伏项目专班",
	}
}

// EmptyFile is the project file of a project that knows none of it, as the
// stores keep it: empty lists, not nil (project.CopyFile sets it on a
// project).
func EmptyFile() project.Fields {
	return project.Fields{FundsArrived: []project.FundsArrived{}, Leaders: []project.Leader{}, CooperatingUnits: []string{}}
}

// CopyFile sets the project file's fields of dst to those of src, leaving
// the register's own fields as they are.
func CopyFile(dst *project.Fields, src project.Fields) {
	dst.InvestmentType, dst.InDevelopmentZone = src.InvestmentType, src.InDevelopmentZone
	dst.ConstructionNature, dst.WorksKind = src.ConstructionNature, src.WorksKind
	dst.ExpectedAnnualTaxYuan, dst.ExpectedJobs = src.ExpectedAnnualTaxYuan, src.ExpectedJobs
	dst.LandNeededMu, dst.LandSecuredMu = src.LandNeededMu, src.LandSecuredMu
	dst.NewConstructionLandMu, dst.ArableLandMu, dst.ForestLandMu = src.NewConstructionLandMu, src.ArableLandMu, src.ForestLandMu
	dst.EnergyNeededTCE, dst.EnergySecuredTCE = src.EnergyNeededTCE, src.EnergySecuredTCE
	dst.WaterNeeded10kM3, dst.WaterSecured10kM3 = src.WaterNeeded10kM3, src.WaterSecured10kM3
	dst.PowerNeededKVA, dst.PowerSecuredKVA = src.PowerNeededKVA, src.PowerSecuredKVA
	dst.ContractAmountYuan, dst.Investor = src.ContractAmountYuan, src.Investor
	dst.InvestorOrigin, dst.AttractingUnit, dst.FundsArrived = src.InvestorOrigin, src.AttractingUnit, src.FundsArrived
	dst.Leaders, dst.CooperatingUnits = src.Leaders, src.CooperatingUnits
	dst.OwnerContactName, dst.OwnerContactPhone, dst.TaskForce = src.OwnerContactName, src.OwnerContactPhone, src.TaskForce
	dst.PredecessorID, dst.ParentID = src.PredecessorID, src.ParentID
}
