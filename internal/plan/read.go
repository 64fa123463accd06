package plan

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Query says which version of a plan to read: Basis (default AsOf) and
// the day (default today, or 31 December for a past year).
type Query struct {
	Basis Basis
	AsOf  *time.Time
}

// Version names the version of a plan a read used: its basis and day, the
// number of the latest adjustment it holds (0: the baseline, or a draft)
// and the day that version took effect (nil for a draft).
type Version struct {
	Basis       Basis
	AsOf        time.Time
	Revision    int
	EffectiveOn *time.Time
}

// Total is a count of entries and their planned investment.
type Total struct {
	Count       int
	PlannedYuan int64
}

// Totals sum a plan's entries, all of them and by build type and section.
type Totals struct {
	All         Total
	ByBuildType map[BuildType]Total
	BySection   map[Section]Total
}

// View is a year's plan as read: the entries in force under Version that
// the principal may see, and their totals.
type View struct {
	Plan    Plan
	Version Version
	Entries []Entry
	Totals  Totals
}

// EntryView is one project's entry as read: the state in force under
// Version (nil when the project is not in the plan then) and every state,
// in order.
type EntryView struct {
	Plan    Plan
	Version Version
	Entry   *Entry
	History []Entry
}

// YearEntry is a project's entry of one year in force under every
// adjustment, with its plan's state.
type YearEntry struct {
	Entry Entry
	State State
}

var errBasis = apperr.Fields([]apperr.FieldError{{Field: "plan", Code: "invalid_value", Param: "as_of,baseline,current"}})

// ParseBasis reads a basis; empty is AsOf.
func ParseBasis(s string) (Basis, error) {
	switch b := Basis(s); b {
	case "":
		return AsOf, nil
	case AsOf, Baseline, Current:
		return b, nil
	}
	return "", errBasis
}

// Get returns a year's plan with the entries in force under q that the
// principal may see: a department, those it is responsible for and those
// of its projects.
func (s *Service) Get(ctx context.Context, p identity.Principal, year int, q Query) (_ View, err error) {
	defer apperr.Wrap(&err, "plan.Service.Get(%d)", year)
	pl, v, err := s.open(ctx, p, year, q)
	if err != nil {
		return View{}, err
	}
	sc := project.ReachOf(p)
	states, err := s.store.States(ctx, sc, year, "")
	if err != nil {
		return View{}, err
	}
	out := View{Plan: pl, Version: v, Entries: []Entry{}, Totals: Totals{ByBuildType: map[BuildType]Total{}, BySection: map[Section]Total{}}}
	for _, group := range byProject(states) {
		e, in := InForce(group, v.Basis, v.AsOf)
		if !in || !sc.Admits(e.Department) && !sc.Admits(e.Project.Department) {
			continue
		}
		out.Entries = append(out.Entries, e)
		out.Totals.add(e)
	}
	return out, nil
}

// Entry returns a project's entry of a year's plan as q reads it, and its
// history; NotFound when the project never was in the plan, or the
// principal may not see it.
func (s *Service) Entry(ctx context.Context, p identity.Principal, year int, projectID string, q Query) (_ EntryView, err error) {
	defer apperr.Wrap(&err, "plan.Service.Entry(%d/%s)", year, projectID)
	pl, v, err := s.open(ctx, p, year, q)
	if err != nil {
		return EntryView{}, err
	}
	states, err := s.store.States(ctx, project.ReachOf(p), year, projectID)
	if err != nil {
		return EntryView{}, err
	}
	if len(states) == 0 {
		return EntryView{}, errNoEntry
	}
	out := EntryView{Plan: pl, Version: v, History: states}
	if e, in := InForce(states, v.Basis, v.AsOf); in {
		out.Entry = &e
	}
	return out, nil
}

// ProjectPlans returns a project's entries by year, each as every
// adjustment leaves it, with its plan's state.
func (s *Service) ProjectPlans(ctx context.Context, p identity.Principal, projectID string) (_ []YearEntry, err error) {
	defer apperr.Wrap(&err, "plan.Service.ProjectPlans(%s)", projectID)
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	if _, err := s.register.Get(ctx, p, projectID); err != nil {
		return nil, err
	}
	states, err := s.store.States(ctx, project.Reach{All: true}, 0, projectID)
	if err != nil {
		return nil, err
	}
	out := []YearEntry{}
	byYear := map[int][]Entry{}
	var years []int
	for _, e := range states {
		if byYear[e.Year] == nil {
			years = append(years, e.Year)
		}
		byYear[e.Year] = append(byYear[e.Year], e)
	}
	stateOf := map[int]State{}
	if len(years) > 0 {
		plans, err := s.store.Plans(ctx, 0)
		if err != nil {
			return nil, err
		}
		for _, pl := range plans {
			stateOf[pl.Year] = pl.State
		}
	}
	for _, y := range years {
		if e, in := InForce(byYear[y], Current, time.Time{}); in {
			out = append(out, YearEntry{Entry: e, State: stateOf[y]})
		}
	}
	return out, nil
}

// Plans lists the years that have a plan, by year, with their state,
// 下达 day and adjustments: what a reader needs to pick a year.
func (s *Service) Plans(ctx context.Context, p identity.Principal) (_ []Plan, err error) {
	defer apperr.Wrap(&err, "plan.Service.Plans")
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	return s.store.Plans(ctx, 0)
}

// open reads a year's plan and the version q names.
func (s *Service) open(ctx context.Context, p identity.Principal, year int, q Query) (Plan, Version, error) {
	if err := project.CanRead(p); err != nil {
		return Plan{}, Version{}, err
	}
	if err := checkYear(year); err != nil {
		return Plan{}, Version{}, err
	}
	plans, err := s.store.Plans(ctx, year)
	if err != nil {
		return Plan{}, Version{}, err
	}
	if len(plans) == 0 {
		return Plan{}, Version{}, ErrNoPlan
	}
	pl := plans[0]
	adj, err := s.store.Adjustments(ctx, year)
	if err != nil {
		return Plan{}, Version{}, err
	}
	return pl, resolve(pl, q, calendar.Today(s.clock()), adj), nil
}

// resolve names the version of pl that q reads, adj giving the effective
// day of each adjustment.
func resolve(pl Plan, q Query, today time.Time, adj map[int]time.Time) Version {
	v := Version{Basis: q.Basis, AsOf: dayOrToday(q.AsOf, today, pl.Year)}
	if v.Basis == "" {
		v.Basis = AsOf
	}
	if pl.State != Issued {
		return v
	}
	on := *pl.IssuedOn
	v.EffectiveOn = &on
	for r, d := range adj {
		if v.Basis == Baseline || v.Basis == AsOf && d.After(v.AsOf) {
			continue
		}
		if r > v.Revision {
			v.Revision = r
		}
		if d.After(*v.EffectiveOn) {
			v.EffectiveOn = &d
		}
	}
	return v
}

// byProject groups states, ordered by project, by project.
func byProject(states []Entry) [][]Entry {
	var out [][]Entry
	for i, e := range states {
		if i == 0 || e.ProjectID != states[i-1].ProjectID {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], e)
	}
	return out
}

func (t *Totals) add(e Entry) {
	var yuan int64
	if e.PlannedYuan != nil {
		yuan = *e.PlannedYuan
	}
	plus := func(x Total) Total { return Total{Count: x.Count + 1, PlannedYuan: x.PlannedYuan + yuan} }
	t.All = plus(t.All)
	t.ByBuildType[e.BuildType] = plus(t.ByBuildType[e.BuildType])
	t.BySection[e.Section] = plus(t.BySection[e.Section])
}

// viewOf is what the audit trail keeps of an entry's state.
func viewOf(e *Entry) any {
	if e == nil {
		return nil
	}
	v := map[string]any{
		"version": e.Version, "revision": e.Revision, "removed": e.Removed, "reason": e.Reason,
		"build_type": e.BuildType, "build_type_source": e.BuildTypeSource, "key_level": e.KeyLevel,
		"planned_investment_yuan": e.PlannedYuan, "goals": e.Goals, "department": e.Department, "leader": e.Leader,
		"section": e.Section, "stalled": e.Stalled, "stalled_reason": e.StalledReason, "opening_cumulative_yuan": e.OpeningYuan,
		"planned_start_month": nil, "planned_completion_on": day(e.PlannedCompletionOn), "planned_production_on": day(e.PlannedProductionOn),
		"effective_on": day(e.EffectiveOn),
	}
	if e.PlannedStartMonth != nil {
		v["planned_start_month"] = e.PlannedStartMonth.String()
	}
	return v
}

// planView is what the audit trail keeps of a plan.
func planView(p Plan) any {
	v := map[string]any{"year": p.Year, "state": p.State, "issued_on": day(p.IssuedOn), "revisions": p.Revisions, "version": p.Version}
	if p.TargetsSet {
		rates := make([]map[string]any, len(p.Targets.StartRate))
		for i, c := range p.Targets.StartRate {
			rates[i] = map[string]any{"date": c.Date.Format(time.DateOnly), "rate": c.Rate}
		}
		t := map[string]any{"start_rate": rates, "investment_yuan": p.Targets.InvestmentYuan, "resumption": nil}
		if r := p.Targets.Resumption; r != nil {
			t["resumption"] = map[string]any{"date": r.Date.Format(time.DateOnly), "rate": r.Rate}
		}
		v["targets"] = t
	}
	return v
}

func day(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}
