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

// fileFields converts the project file's fields of a request into f.
func fileFields(w api.ProjectWrite, f *project.Fields) {
	file := project.Fields{
		InvestmentType: project.InvestmentType(enumText(w.InvestmentType)), InDevelopmentZone: w.InDevelopmentZone,
		ConstructionNature: project.ConstructionNature(enumText(w.ConstructionNature)), WorksKind: project.WorksKind(enumText(w.WorksKind)),
		ExpectedAnnualTaxYuan: w.ExpectedAnnualTaxYuan, ExpectedJobs: w.ExpectedJobs,
		LandNeededMu: w.LandNeededMu, LandSecuredMu: w.LandSecuredMu,
		NewConstructionLandMu: w.NewConstructionLandMu, ArableLandMu: w.ArableLandMu, ForestLandMu: w.ForestLandMu,
		EnergyNeededTCE: w.EnergyNeededTCE, EnergySecuredTCE: w.EnergySecuredTCE,
		WaterNeeded10kM3: w.WaterNeeded10kM3, WaterSecured10kM3: w.WaterSecured10kM3,
		PowerNeededKVA: w.PowerNeededKVA, PowerSecuredKVA: w.PowerSecuredKVA,
		ContractAmountYuan: w.ContractAmountYuan, Investor: w.Investor,
		InvestorOrigin: project.Origin(enumText(w.InvestorOrigin)), AttractingUnit: w.AttractingUnit,
		CooperatingUnits: append([]string{}, w.CooperatingUnits...),
		OwnerContactName: w.OwnerContactName, OwnerContactPhone: w.OwnerContactPhone, TaskForce: w.TaskForce,
		PredecessorID: w.PredecessorID, ParentID: w.ParentID,
	}
	file.FundsArrived = make([]project.FundsArrived, len(w.FundsArrived))
	for i, fa := range w.FundsArrived {
		file.FundsArrived[i] = project.FundsArrived(fa)
	}
	file.Leaders = make([]project.Leader, len(w.Leaders))
	for i, l := range w.Leaders {
		file.Leaders[i] = project.Leader(l)
	}
	project.CopyFile(f, file)
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
