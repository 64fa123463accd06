package httpapi

import (
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// dates collects date parse errors by field while converting a request.
type dates struct{ errs []apperr.FieldError }

func (d *dates) parse(field string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, err := calendar.ParseDate(*s)
	if err != nil {
		d.errs = append(d.errs, apperr.FieldError{Field: field, Code: "invalid_format", Param: "YYYY-MM-DD"})
		return nil
	}
	return &t
}

// month parses a month YYYY-MM.
func (d *dates) month(field string, s *string) *calendar.Month {
	if s == nil {
		return nil
	}
	m, err := calendar.ParseMonth(*s)
	if err != nil {
		d.errs = append(d.errs, apperr.FieldError{Field: field, Code: "invalid_format", Param: "YYYY-MM"})
		return nil
	}
	return &m
}

func monthString(m *calendar.Month) *string {
	if m == nil {
		return nil
	}
	s := m.String()
	return &s
}

func toFields(w api.ProjectWrite, d *dates) project.Fields {
	funding := make([]project.Funding, len(w.Funding))
	for i, f := range w.Funding {
		funding[i] = project.Funding{Source: f.Source, PlannedYuan: f.PlannedYuan, ReceivedYuan: f.ReceivedYuan}
	}
	f := project.Fields{
		Code: w.Code, Name: w.Name, Category: project.Category(w.Category), Department: w.Department,
		Leader: w.Leader, Company: w.Company, Township: w.Township, Capacity: w.Capacity, CapacityUnit: w.CapacityUnit,
		TotalInvestmentYuan: w.TotalInvestmentYuan, ExpectedAnnualOutputYuan: w.ExpectedAnnualOutputYuan,
		BuildType: project.BuildType(w.BuildType), KeyLevel: project.KeyLevel(w.KeyLevel), Funding: funding,
		PlannedSignDate:       d.parse("planned_sign_date", w.PlannedSignDate),
		PlannedStartDate:      d.parse("planned_start_date", w.PlannedStartDate),
		PlannedCompletionDate: d.parse("planned_completion_date", w.PlannedCompletionDate),
		PlannedProductionDate: d.parse("planned_production_date", w.PlannedProductionDate),
		InStatisticsSince:     d.month("in_statistics_since", w.InStatisticsSince),
	}
	fileFields(w, &f)
	return f
}

func toEntry(in api.ProjectCreate) (project.Draft, error) {
	var d dates
	e := project.Draft{
		Fields: toFields(in.ProjectWrite, &d),
		Stage:  project.Stage(in.Stage),
		Actual: project.Actual{
			SignedOn: d.parse("signed_on", in.SignedOn), LandedOn: d.parse("landed_on", in.LandedOn),
			StartedOn: d.parse("started_on", in.StartedOn), CompletedOn: d.parse("completed_on", in.CompletedOn),
			ProductionOn: d.parse("production_on", in.ProductionOn), AtCapacityOn: d.parse("at_capacity_on", in.AtCapacityOn),
		},
	}
	return e, apperr.Fields(d.errs)
}

func toProjectWrite(f project.Fields) api.ProjectWrite {
	funding := make([]api.Funding, len(f.Funding))
	for i, fu := range f.Funding {
		funding[i] = api.Funding{Source: fu.Source, PlannedYuan: fu.PlannedYuan, ReceivedYuan: fu.ReceivedYuan}
	}
	w := api.ProjectWrite{
		Code: f.Code, Name: f.Name, Category: string(f.Category), Department: f.Department,
		Leader: f.Leader, Company: f.Company, Township: f.Township, Capacity: f.Capacity, CapacityUnit: f.CapacityUnit,
		TotalInvestmentYuan: f.TotalInvestmentYuan, ExpectedAnnualOutputYuan: f.ExpectedAnnualOutputYuan,
		BuildType: string(f.BuildType), KeyLevel: string(f.KeyLevel), Funding: funding,
		PlannedSignDate: dateString(f.PlannedSignDate), PlannedStartDate: dateString(f.PlannedStartDate),
		PlannedCompletionDate: dateString(f.PlannedCompletionDate), PlannedProductionDate: dateString(f.PlannedProductionDate),
		InStatisticsSince: monthString(f.InStatisticsSince),
	}
	fileWrite(f, &w)
	return w
}

// toProjectResponse renders a project for viewer, with the owner's contact
// masked unless the viewer may see it (project.MayContact).
func toProjectResponse(p project.Project, viewer identity.Principal) api.Project {
	project.MaskContact(viewer, &p)
	var archived *string
	if p.ArchivedAt != nil {
		s := timestamp(*p.ArchivedAt)
		archived = &s
	}
	return api.Project{
		ID: p.ID, ProjectWrite: toProjectWrite(p.Fields), Stage: string(p.Stage),
		ActualDates: api.ActualDates{
			SignedOn: dateString(p.Actual.SignedOn), LandedOn: dateString(p.Actual.LandedOn),
			StartedOn: dateString(p.Actual.StartedOn), CompletedOn: dateString(p.Actual.CompletedOn),
			ProductionOn: dateString(p.Actual.ProductionOn), AtCapacityOn: dateString(p.Actual.AtCapacityOn),
		},
		Health: string(p.Health), HealthReasons: toReasons(p.HealthReasons), ArchivedAt: archived,
		Version: p.Version, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt),
	}
}

func toTransitionResponse(t project.Transition) api.Transition {
	var from *string
	if t.From != nil {
		s := string(*t.From)
		from = &s
	}
	return api.Transition{
		ID: t.ID, From: from, To: string(t.To), OccurredOn: t.OccurredOn.Format(time.DateOnly), Note: t.Note,
		Evidence: toEvidence(t.Evidence), Kind: t.Kind, Actor: t.Actor, Department: t.Department, RecordedAt: timestamp(t.RecordedAt),
		PermitWaiver: t.PermitWaiver,
	}
}

func toLabels(ls []project.Label) []api.Label {
	out := make([]api.Label, len(ls))
	for i, l := range ls {
		out[i] = api.Label{Value: l.Value, ZH: l.ZH, EN: l.EN}
	}
	return out
}

func toEvidence(es []project.Evidence) []api.Evidence {
	out := make([]api.Evidence, len(es))
	for i, e := range es {
		out[i] = api.Evidence(e)
	}
	return out
}

func toReasons(rs []health.Reason) []api.HealthReason {
	out := make([]api.HealthReason, len(rs))
	for i, r := range rs {
		out[i] = api.HealthReason{Rule: r.Rule, Level: string(r.Level), Since: dateString(r.Since), Ref: r.Ref}
	}
	return out
}
