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
	return map[string]any{
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
}
