package project

import "time"

// snapshot is a project as the audit trail records it: the members and
// formats of the API's project (dates YYYY-MM-DD, timestamps RFC 3339), so
// that an entry reads like what the caller saw.
func snapshot(p Project) map[string]any {
	day := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := t.Format(time.DateOnly)
		return &s
	}
	var inStatistics *string
	if m := p.InStatisticsSince; m != nil {
		s := m.String()
		inStatistics = &s
	}
	m := map[string]any{
		"id": p.ID, "code": p.Code, "name": p.Name, "category": p.Category, "department": p.Department,
		"leader": p.Leader, "company": p.Company, "township": p.Township,
		"capacity": p.Capacity, "capacity_unit": p.CapacityUnit,
		"total_investment_yuan": p.TotalInvestmentYuan, "expected_annual_output_yuan": p.ExpectedAnnualOutputYuan,
		"build_type": p.BuildType, "key_level": p.KeyLevel, "funding": p.Funding,
		"planned_sign_date": day(p.PlannedSignDate), "planned_start_date": day(p.PlannedStartDate),
		"planned_completion_date": day(p.PlannedCompletionDate), "planned_production_date": day(p.PlannedProductionDate),
		"in_statistics_since": inStatistics,
		"stage":               p.Stage,
		"signed_on":           day(p.Actual.SignedOn), "landed_on": day(p.Actual.LandedOn), "started_on": day(p.Actual.StartedOn),
		"completed_on": day(p.Actual.CompletedOn), "production_on": day(p.Actual.ProductionOn), "at_capacity_on": day(p.Actual.AtCapacityOn),
		"health": p.Health, "health_reasons": p.HealthReasons, "archived_at": p.ArchivedAt,
		"version": p.Version, "created_at": p.CreatedAt, "updated_at": p.UpdatedAt,
	}
	fileSnapshot(p.Fields, m)
	return m
}

// fileSnapshot adds the project file's fields to a snapshot, as the API
// shows them: an enumeration not known is null.
func fileSnapshot(f Fields, m map[string]any) {
	enum := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	m["investment_type"], m["in_development_zone"] = enum(string(f.InvestmentType)), f.InDevelopmentZone
	m["construction_nature"], m["works_kind"] = enum(string(f.ConstructionNature)), enum(string(f.WorksKind))
	m["expected_annual_tax_yuan"], m["expected_jobs"] = f.ExpectedAnnualTaxYuan, f.ExpectedJobs
	for _, v := range f.factors() {
		m[v.field] = *v.v
	}
	m["contract_amount_yuan"], m["investor"] = f.ContractAmountYuan, f.Investor
	m["investor_origin"], m["attracting_unit"] = enum(string(f.InvestorOrigin)), f.AttractingUnit
	m["funds_arrived"], m["leaders"], m["cooperating_units"] = nonNil(f.FundsArrived), nonNil(f.Leaders), nonNil(f.CooperatingUnits)
	m["owner_contact_name"], m["owner_contact_phone"], m["task_force"] = f.OwnerContactName, f.OwnerContactPhone, f.TaskForce
	m["predecessor_id"], m["parent_id"] = f.PredecessorID, f.ParentID
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
