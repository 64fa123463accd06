package approval

import (
	"context"
	"slices"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// toStart are the stages of projects still to start: those whose approvals
// the readiness counts.
var toStart = []project.Stage{project.Planning, project.Negotiating, project.Signed, project.Landed}

// ProjectReadiness is one project's readiness and the needed items it
// still lacks.
type ProjectReadiness struct {
	ProjectID, Name, Department string
	Stage                       project.Stage
	Readiness                   Readiness
	Missing                     []Code
	StartPermit                 Code
}

// DepartmentReadiness is the readiness of a department's projects.
type DepartmentReadiness struct {
	Department string
	Projects   int
	Readiness  Readiness
}

// ReadinessReport is the readiness of the projects still to start that the
// principal may see, by department, and, for one department, by project.
type ReadinessReport struct {
	Total       Readiness
	Departments []DepartmentReadiness
	// Projects is the drill-down: set when the report was asked for one
	// department.
	Projects []ProjectReadiness
}

// Readiness counts the approvals of the live projects still to start that
// the principal may see (docs/approvals.md, "Statistics"); dept, when set,
// keeps one department's and lists them by project.
func (s *Service) Readiness(ctx context.Context, p identity.Principal, dept string) (_ ReadinessReport, err error) {
	defer apperr.Wrap(&err, "approval.Service.Readiness")
	f := project.Filter{Stages: toStart}
	if dept != "" {
		f.Departments = []string{dept}
	}
	rows, err := s.readiness(ctx, p, f)
	if err != nil {
		return ReadinessReport{}, err
	}
	out := ReadinessReport{Departments: []DepartmentReadiness{}}
	at := map[string]int{}
	for _, r := range rows {
		i, ok := at[r.Department]
		if !ok {
			i = len(out.Departments)
			at[r.Department] = i
			out.Departments = append(out.Departments, DepartmentReadiness{Department: r.Department})
		}
		out.Departments[i].Projects++
		out.Departments[i].Readiness.add(r.Readiness)
		out.Total.add(r.Readiness)
	}
	slices.SortFunc(out.Departments, func(a, b DepartmentReadiness) int { return strings.Compare(a.Department, b.Department) })
	if dept != "" {
		out.Projects = rows
	}
	return out, nil
}

// readiness is the readiness of every project of filter f the principal may
// see, by name.
func (s *Service) readiness(ctx context.Context, p identity.Principal, f project.Filter) ([]ProjectReadiness, error) {
	var prs []project.Project
	q := project.ListQuery{Filter: f, Sort: project.Sort{Key: project.SortName}, Limit: project.MaxLimit, Brief: true}
	for {
		page, err := s.Register.List(ctx, p, q)
		if err != nil {
			return nil, err
		}
		prs = append(prs, page.Items...)
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	ids := make([]string, len(prs))
	for i, pr := range prs {
		ids[i] = pr.ID
	}
	stored, err := s.Store.ItemsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ProjectReadiness, len(prs))
	for i, pr := range prs {
		l := s.listOf(pr, stored[pr.ID])
		r := ProjectReadiness{ProjectID: pr.ID, Name: pr.Name, Department: pr.Department, Stage: pr.Stage, Readiness: l.Readiness, Missing: []Code{},
			StartPermit: l.StartPermit}
		for _, e := range l.Missing() {
			r.Missing = append(r.Missing, e.Code)
		}
		out[i] = r
	}
	return out, nil
}

// PendingStart is a plan entry planned to start in the quarter whose
// project still lacks approvals.
type PendingStart struct {
	ProjectReadiness
	// ResponsibleDepartment is the entry's 责任单位 of the year.
	ResponsibleDepartment string
	PlannedStartMonth     calendar.Month
	// StartPermitMissing says the 开工 permit item is among the missing.
	StartPermitMissing bool
}

// PendingStarts lists the entries of year's plan planned to start in
// quarter (1–4) whose projects have not started and lack a needed item,
// the earliest planned first: the list a dispatch meeting chases. year 0
// is this year and quarter 0 this quarter.
func (s *Service) PendingStarts(ctx context.Context, p identity.Principal, year, quarter int) (_ []PendingStart, err error) {
	defer apperr.Wrap(&err, "approval.Service.PendingStarts(%d Q%d)", year, quarter)
	today := calendar.Today(s.Now())
	if year == 0 {
		year = today.Year()
	}
	if quarter == 0 {
		quarter = (int(today.Month())-1)/3 + 1
	}
	if quarter < 1 || quarter > 4 {
		return nil, apperr.Fields([]apperr.FieldError{{Field: "quarter", Code: "out_of_range", Param: "1..4"}})
	}
	v, err := s.Plans.Get(ctx, p, year, plan.Query{})
	switch {
	case apperr.KindOf(err) == apperr.NotFound:
		return []PendingStart{}, nil // a year without a plan plans no start
	case err != nil:
		return nil, err
	}
	entries := map[string]plan.Entry{}
	var ids []string
	for _, e := range v.Entries {
		m := e.PlannedStartMonth
		if m == nil || m.Year != year || (int(m.Month)-1)/3+1 != quarter || e.Project.Stage.Rank() >= project.Started.Rank() {
			continue
		}
		entries[e.ProjectID] = e
		ids = append(ids, e.ProjectID)
	}
	return s.pending(ctx, p, entries, ids)
}

// pending is the readiness of the projects of entries, read in pages of ids.
func (s *Service) pending(ctx context.Context, p identity.Principal, entries map[string]plan.Entry, ids []string) ([]PendingStart, error) {
	out := []PendingStart{}
	for chunk := range slices.Chunk(ids, project.MaxLimit) {
		rows, err := s.readiness(ctx, p, project.Filter{IDs: chunk, Stages: toStart})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r.Missing) == 0 {
				continue
			}
			e := entries[r.ProjectID]
			out = append(out, PendingStart{ProjectReadiness: r, ResponsibleDepartment: e.Department,
				PlannedStartMonth: *e.PlannedStartMonth, StartPermitMissing: slices.Contains(r.Missing, r.StartPermit)})
		}
	}
	slices.SortFunc(out, func(a, b PendingStart) int {
		switch {
		case a.PlannedStartMonth.Before(b.PlannedStartMonth):
			return -1
		case b.PlannedStartMonth.Before(a.PlannedStartMonth):
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}
