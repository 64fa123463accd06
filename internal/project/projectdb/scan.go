package projectdb

import (
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/platform/database"
)

// projectColumn is a column of the projects table and where a read scans
// it in a projectRow.
type projectColumn struct {
	name   string
	target func(*projectRow) any
}

// projectRowColumns are projectRow's columns, in the order a read selects
// them. Reads of projects scan into these typed targets instead of through
// GORM's reflection, which was two fifths of the service's CPU in a list
// (docs/performance.md, "Get and list against the floor"); GORM still
// builds the statements. TestProjectColumns holds the list to projectRow.
var projectRowColumns = []projectColumn{
	{"id", func(r *projectRow) any { return &r.ID }},
	{"code", func(r *projectRow) any { return &r.Code }},
	{"name", func(r *projectRow) any { return &r.Name }},
	{"category", func(r *projectRow) any { return &r.Category }},
	{"department", func(r *projectRow) any { return &r.Department }},
	{"leader", func(r *projectRow) any { return &r.Leader }},
	{"company", func(r *projectRow) any { return &r.Company }},
	{"township", func(r *projectRow) any { return &r.Township }},
	{"capacity", func(r *projectRow) any { return &r.Capacity }},
	{"capacity_unit", func(r *projectRow) any { return &r.CapacityUnit }},
	{"total_investment_yuan", func(r *projectRow) any { return &r.TotalInvestmentYuan }},
	{"expected_annual_output_yuan", func(r *projectRow) any { return &r.ExpectedAnnualOutputYuan }},
	{"build_type", func(r *projectRow) any { return &r.BuildType }},
	{"key_level", func(r *projectRow) any { return &r.KeyLevel }},
	{"funding", func(r *projectRow) any { return &r.Funding }},
	{"planned_sign_date", func(r *projectRow) any { return &r.PlannedSignDate }},
	{"planned_start_date", func(r *projectRow) any { return &r.PlannedStartDate }},
	{"planned_completion_date", func(r *projectRow) any { return &r.PlannedCompletionDate }},
	{"planned_production_date", func(r *projectRow) any { return &r.PlannedProductionDate }},
	{"in_statistics_since", func(r *projectRow) any { return &r.InStatisticsSince }},
	{"investment_type", func(r *projectRow) any { return &r.InvestmentType }},
	{"in_development_zone", func(r *projectRow) any { return &r.InDevelopmentZone }},
	{"construction_nature", func(r *projectRow) any { return &r.ConstructionNature }},
	{"works_kind", func(r *projectRow) any { return &r.WorksKind }},
	{"expected_annual_tax_yuan", func(r *projectRow) any { return &r.ExpectedAnnualTaxYuan }},
	{"expected_jobs", func(r *projectRow) any { return &r.ExpectedJobs }},
	{"land_needed_mu", func(r *projectRow) any { return &r.LandNeededMu }},
	{"land_secured_mu", func(r *projectRow) any { return &r.LandSecuredMu }},
	{"new_construction_land_mu", func(r *projectRow) any { return &r.NewConstructionLandMu }},
	{"arable_land_mu", func(r *projectRow) any { return &r.ArableLandMu }},
	{"forest_land_mu", func(r *projectRow) any { return &r.ForestLandMu }},
	{"energy_needed_tce", func(r *projectRow) any { return &r.EnergyNeededTCE }},
	{"energy_secured_tce", func(r *projectRow) any { return &r.EnergySecuredTCE }},
	{"water_needed_10k_m3", func(r *projectRow) any { return &r.WaterNeeded_10kM3 }},
	{"water_secured_10k_m3", func(r *projectRow) any { return &r.WaterSecured_10kM3 }},
	{"power_needed_kva", func(r *projectRow) any { return &r.PowerNeededKVA }},
	{"power_secured_kva", func(r *projectRow) any { return &r.PowerSecuredKVA }},
	{"contract_amount_yuan", func(r *projectRow) any { return &r.ContractAmountYuan }},
	{"investor", func(r *projectRow) any { return &r.Investor }},
	{"investor_origin", func(r *projectRow) any { return &r.InvestorOrigin }},
	{"attracting_unit", func(r *projectRow) any { return &r.AttractingUnit }},
	{"funds_arrived", func(r *projectRow) any { return &r.FundsArrived }},
	{"leaders", func(r *projectRow) any { return &r.Leaders }},
	{"cooperating_units", func(r *projectRow) any { return &r.CooperatingUnits }},
	{"owner_contact_name", func(r *projectRow) any { return &r.OwnerContactName }},
	{"owner_contact_phone", func(r *projectRow) any { return &r.OwnerContactPhone }},
	{"task_force", func(r *projectRow) any { return &r.TaskForce }},
	{"predecessor_id", func(r *projectRow) any { return &r.PredecessorID }},
	{"parent_id", func(r *projectRow) any { return &r.ParentID }},
	{"stage", func(r *projectRow) any { return &r.Stage }},
	{"signed_on", func(r *projectRow) any { return &r.SignedOn }},
	{"landed_on", func(r *projectRow) any { return &r.LandedOn }},
	{"started_on", func(r *projectRow) any { return &r.StartedOn }},
	{"completed_on", func(r *projectRow) any { return &r.CompletedOn }},
	{"production_on", func(r *projectRow) any { return &r.ProductionOn }},
	{"at_capacity_on", func(r *projectRow) any { return &r.AtCapacityOn }},
	{"health", func(r *projectRow) any { return &r.Health }},
	{"health_reasons", func(r *projectRow) any { return &r.HealthReasons }},
	{"health_due_on", func(r *projectRow) any { return &r.HealthDueOn }},
	{"health_facts", func(r *projectRow) any { return &r.HealthFacts }},
	{"last_move_on", func(r *projectRow) any { return &r.LastMoveOn }},
	{"version", func(r *projectRow) any { return &r.Version }},
	{"created_at", func(r *projectRow) any { return &r.CreatedAt }},
	{"updated_at", func(r *projectRow) any { return &r.UpdatedAt }},
	{"archived_at", func(r *projectRow) any { return &r.ArchivedAt }},
}

// allColumns are what Get reads: the whole project.
var allColumns = selectProjects()

// listColumns are what List reads. What health is computed from stays
// behind: a listed project is read, not changed, and decoding it was a fifth
// of a list's time.
var listColumns = selectProjects("health_facts")

// briefColumns are what a brief List reads (an export's), by whether it
// sorts by updated_at: nor what the register file does not hold, decoding
// the funding and health reasons was a sixth of an export's reading. The
// sort key stays, for the next page's cursor.
var briefColumns = map[bool]projectSelect{
	false: selectProjects("health_facts", "funding", "health_reasons", "health_due_on", "last_move_on", "archived_at", "updated_at"),
	true:  selectProjects("health_facts", "funding", "health_reasons", "health_due_on", "last_move_on", "archived_at"),
}

// projectSelect is the columns of projects a read selects, without those
// it omits, in the order it scans them.
type projectSelect struct {
	cols []projectColumn
	list string // the select list, qualified, written once: GORM looks up each name of a list it is given
}

// selectProjects is every column but omit's.
func selectProjects(omit ...string) projectSelect {
	s := projectSelect{cols: slices.DeleteFunc(slices.Clone(projectRowColumns), func(c projectColumn) bool {
		return slices.Contains(omit, c.name)
	})}
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		names[i] = "projects." + c.name
	}
	s.list = strings.Join(names, ", ")
	return s
}

// read runs q with s's select list and scans its rows, room made for up
// to limit (a row is large: growing the slice by appending was a quarter
// of the bytes a list allocated); the columns s leaves out read as their
// zero values.
func (s projectSelect) read(db *database.DB, q *gorm.DB, limit int) ([]projectRow, error) {
	out := make([]projectRow, 0, limit)
	targets := make([]any, len(s.cols))
	// One raw column, written as it is: an expression GORM would read
	// character by character for its placeholders.
	q = q.Clauses(clause.Select{Columns: []clause.Column{{Name: s.list, Raw: true}}})
	err := db.EachRow(q, func(rows database.Scanner) error {
		out = append(out, projectRow{})
		r := &out[len(out)-1]
		for i, c := range s.cols {
			targets[i] = c.target(r)
		}
		return rows.Scan(targets...)
	})
	return out, err
}
