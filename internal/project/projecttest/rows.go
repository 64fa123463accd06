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
