package httpapi

import (
	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/project"
)

// enumText is the value of an optional enumeration on the wire: "" (not known)
// for null.
func enumText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nullText is an optional enumeration for the wire: null when not known.
func nullText[T ~string](v T) *string {
	if v == "" {
		return nil
	}
	s := string(v)
	return &s
}

// fileFields sets the project file's fields of f from a request.
func fileFields(w api.ProjectWrite, f *project.Fields) {
	f.InvestmentType, f.InDevelopmentZone = project.InvestmentType(enumText(w.InvestmentType)), w.InDevelopmentZone
	f.ConstructionNature, f.WorksKind = project.ConstructionNature(enumText(w.ConstructionNature)), project.WorksKind(enumText(w.WorksKind))
	f.ExpectedAnnualTaxYuan, f.ExpectedJobs = w.ExpectedAnnualTaxYuan, w.ExpectedJobs
	f.LandNeededMu, f.LandSecuredMu = w.LandNeededMu, w.LandSecuredMu
	f.NewConstructionLandMu, f.ArableLandMu, f.ForestLandMu = w.NewConstructionLandMu, w.ArableLandMu, w.ForestLandMu
	f.EnergyNeededTCE, f.EnergySecuredTCE = w.EnergyNeededTCE, w.EnergySecuredTCE
	f.WaterNeeded10kM3, f.WaterSecured10kM3 = w.WaterNeeded10kM3, w.WaterSecured10kM3
	f.PowerNeededKVA, f.PowerSecuredKVA = w.PowerNeededKVA, w.PowerSecuredKVA
	f.ContractAmountYuan, f.Investor = w.ContractAmountYuan, w.Investor
	f.InvestorOrigin, f.AttractingUnit = project.Origin(enumText(w.InvestorOrigin)), w.AttractingUnit
	f.CooperatingUnits = append([]string{}, w.CooperatingUnits...)
	f.OwnerContactName, f.OwnerContactPhone, f.TaskForce = w.OwnerContactName, w.OwnerContactPhone, w.TaskForce
	f.PredecessorID, f.ParentID = w.PredecessorID, w.ParentID
	f.FundsArrived = make([]project.FundsArrived, len(w.FundsArrived))
	for i, fa := range w.FundsArrived {
		f.FundsArrived[i] = project.FundsArrived(fa)
	}
	f.Leaders = make([]project.Leader, len(w.Leaders))
	for i, l := range w.Leaders {
		f.Leaders[i] = project.Leader(l)
	}
}

// fileWrite sets the project file's fields of w from f.
func fileWrite(f project.Fields, w *api.ProjectWrite) {
	w.InvestmentType, w.InDevelopmentZone = nullText(f.InvestmentType), f.InDevelopmentZone
	w.ConstructionNature, w.WorksKind = nullText(f.ConstructionNature), nullText(f.WorksKind)
	w.ExpectedAnnualTaxYuan, w.ExpectedJobs = f.ExpectedAnnualTaxYuan, f.ExpectedJobs
	w.LandNeededMu, w.LandSecuredMu = f.LandNeededMu, f.LandSecuredMu
	w.NewConstructionLandMu, w.ArableLandMu, w.ForestLandMu = f.NewConstructionLandMu, f.ArableLandMu, f.ForestLandMu
	w.EnergyNeededTCE, w.EnergySecuredTCE = f.EnergyNeededTCE, f.EnergySecuredTCE
	w.WaterNeeded10kM3, w.WaterSecured10kM3 = f.WaterNeeded10kM3, f.WaterSecured10kM3
	w.PowerNeededKVA, w.PowerSecuredKVA = f.PowerNeededKVA, f.PowerSecuredKVA
	w.ContractAmountYuan, w.Investor = f.ContractAmountYuan, f.Investor
	w.InvestorOrigin, w.AttractingUnit = nullText(f.InvestorOrigin), f.AttractingUnit
	w.FundsArrived = make([]api.FundsArrived, len(f.FundsArrived))
	for i, fa := range f.FundsArrived {
		w.FundsArrived[i] = api.FundsArrived(fa)
	}
	w.Leaders = make([]api.Leader, len(f.Leaders))
	for i, l := range f.Leaders {
		w.Leaders[i] = api.Leader(l)
	}
	w.CooperatingUnits = append([]string{}, f.CooperatingUnits...)
	w.OwnerContactName, w.OwnerContactPhone, w.TaskForce = f.OwnerContactName, f.OwnerContactPhone, f.TaskForce
	w.PredecessorID, w.ParentID = f.PredecessorID, f.ParentID
}
