package dispatch

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Tally is a count of plan entries in one standing of a period, with the
// projects behind it.
type Tally struct {
	ProjectIDs []string
}

// Count is how many entries the tally holds.
func (t Tally) Count() int { return len(t.ProjectIDs) }

// Standing is how a department, or the county, stands in a period
// (docs/dispatch.md, "A period's status"). Owed = Reported + ReportedLate +
// Overdue + Pending; Returned and Accepted count by review state across
// them.
type Standing struct {
	Department   string
	Owed         Tally // 应报
	Reported     Tally // 已报: submitted or accepted by the due day
	ReportedLate Tally // 逾期已报
	Overdue      Tally // 逾期未报: no report, or returned, after the due day
	Pending      Tally // 未报: no report, or returned, not yet due
	Returned     Tally // 退回
	Accepted     Tally // 已审核
}

// Status is a period's state of reporting.
type Status struct {
	Period   calendar.Month
	DueOn    time.Time
	Moved    bool // the bureau set the due day
	Combined bool // February reporting January too
	// Counts says whether the period's reports count in the numbers yet:
	// from the day after the due day.
	Counts      bool
	Departments []Standing
	Total       Standing
}

// PeriodStatus is the state of reporting of period m, by department; a
// department principal sees its own row only. A period after the current
// month, or a January reported with February, is refused.
func (s *Service) PeriodStatus(ctx context.Context, p identity.Principal, m calendar.Month) (_ Status, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.PeriodStatus(%s)", m)
	if err := project.CanRead(p); err != nil {
		return Status{}, err
	}
	cal, err := s.periodAsked(ctx, m)
	if err != nil {
		return Status{}, err
	}
	entries, _, err := s.liveEntries(ctx, m.Year)
	if err != nil {
		return Status{}, err
	}
	reports, err := s.store.Reports(ctx, "", m.Year)
	if err != nil {
		return Status{}, err
	}
	today := calendar.Today(s.clock())
	out := Status{Period: m, DueOn: cal.DueOn(m), Moved: !cal.DueOn(m).Equal(defaultDue(m)), Combined: m.Month == time.February && cal.Combined[m.Year], Counts: cal.Closed(m, today)}
	byMonth := map[string]Report{}
	for _, r := range reports {
		if r.Month == m {
			byMonth[r.ProjectID] = r
		}
	}
	rows := map[string]*Standing{}
	reach := project.ReachOf(p)
	for id, states := range entries {
		e, owed := Owes(states, cal, m)
		if !owed || !reach.Admits(e.Department) {
			continue
		}
		st := rows[e.Department]
		if st == nil {
			st = &Standing{Department: e.Department}
			rows[e.Department] = st
		}
		r, ok := byMonth[id]
		tallyOne(st, id, r, ok, out.Counts)
	}
	for _, st := range rows {
		sortStanding(st)
		out.Departments = append(out.Departments, *st)
		addStanding(&out.Total, *st)
	}
	slices.SortFunc(out.Departments, func(a, b Standing) int { return cmp.Compare(a.Department, b.Department) })
	sortStanding(&out.Total)
	return out, nil
}

// tallyOne counts one owing entry, its report r when ok, past its due day
// when pastDue.
func tallyOne(st *Standing, id string, r Report, ok, pastDue bool) {
	add := func(t *Tally) { t.ProjectIDs = append(t.ProjectIDs, id) }
	add(&st.Owed)
	switch {
	case ok && r.State != Returned && r.Late:
		add(&st.ReportedLate)
	case ok && r.State != Returned:
		add(&st.Reported)
	case pastDue:
		add(&st.Overdue)
	default:
		add(&st.Pending)
	}
	switch {
	case ok && r.State == Returned:
		add(&st.Returned)
	case ok && r.State == Accepted:
		add(&st.Accepted)
	}
}

func (st *Standing) tallies() []*Tally {
	return []*Tally{&st.Owed, &st.Reported, &st.ReportedLate, &st.Overdue, &st.Pending, &st.Returned, &st.Accepted}
}

func sortStanding(st *Standing) {
	for _, t := range st.tallies() {
		if t.ProjectIDs == nil {
			t.ProjectIDs = []string{}
		}
		slices.Sort(t.ProjectIDs)
	}
}

func addStanding(to *Standing, st Standing) {
	from := st.tallies()
	for i, t := range to.tallies() {
		t.ProjectIDs = append(t.ProjectIDs, from[i].ProjectIDs...)
	}
}

// county is the principal of the service's own reads: the county's view.
var county = identity.Principal{Name: "pipeline", Role: identity.RoleBureau}

// Outstanding counts, by department, the reports owed for the current
// period — last month, reported this month — that are not submitted: none
// yet, or returned. A January reported with February owes nothing apart
// (the operator's metric, docs/architecture.md, "Metrics").
func (s *Service) Outstanding(ctx context.Context) (_ map[string]int, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Outstanding")
	m := calendar.MonthOf(calendar.Today(s.clock())).AddMonths(-1)
	cal, err := s.Calendar(ctx)
	if err != nil || !cal.IsPeriod(m) {
		return map[string]int{}, err
	}
	st, err := s.PeriodStatus(ctx, county, m)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(st.Departments))
	for _, d := range st.Departments {
		out[d.Department] = d.Overdue.Count() + d.Pending.Count()
	}
	return out, nil
}
