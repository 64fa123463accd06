package dispatch

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Compile groups a sheet's rows by section, in plan.Sections order (rows
// keep their order within a section, sections without rows are left out),
// with a 小计 per section and a 合计, each summed in yuan.
func Compile(county string, year int, period calendar.Month, rows []SheetRow) Sheet {
	out := Sheet{County: county, Year: year, Period: period, Sections: []SheetSection{}}
	for _, l := range plan.Sections {
		sec := SheetSection{Section: plan.Section(l.Value)}
		for _, r := range rows {
			if r.Section == sec.Section {
				sec.Rows = append(sec.Rows, r)
				sec.Subtotal.add(r)
			}
		}
		if len(sec.Rows) > 0 {
			out.Sections = append(out.Sections, sec)
			out.Total.merge(sec.Subtotal)
		}
	}
	return out
}

func (t *Totals) add(r SheetRow) {
	t.Count++
	t.TotalInvestmentYuan += deref(r.TotalInvestmentYuan)
	if r.TotalInvestmentYuan != nil {
		t.TotalKnown++
	}
	t.PlannedYuan += deref(r.PlannedYuan)
	if r.PlannedYuan != nil {
		t.PlannedToDateYuan += r.ToDateYuan
	}
	t.CumulativeYuan += r.CumulativeYuan
	t.ToDateYuan += r.ToDateYuan
}

func (t *Totals) merge(o Totals) {
	t.Count += o.Count
	t.TotalInvestmentYuan += o.TotalInvestmentYuan
	t.TotalKnown += o.TotalKnown
	t.PlannedYuan += o.PlannedYuan
	t.PlannedToDateYuan += o.PlannedToDateYuan
	t.CumulativeYuan += o.CumulativeYuan
	t.ToDateYuan += o.ToDateYuan
}

func deref(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// Sheet is the 调度表 of period m (docs/dispatch.md, "The sheet"), titled
// with the county: one row per plan entry in force on the period's last
// day, as the plan stood then; money from the reports that count (accepted
// ones only when acceptedOnly). A department principal's sheet holds its
// entries only. A period after the current month, or a January reported
// with February, is refused.
func (s *Service) Sheet(ctx context.Context, p identity.Principal, m calendar.Month, acceptedOnly bool) (_ Sheet, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Sheet(%s)", m)
	if err := project.CanRead(p); err != nil {
		return Sheet{}, err
	}
	cal, err := s.periodAsked(ctx, m)
	if err != nil {
		return Sheet{}, err
	}
	entries, projects, err := s.liveEntries(ctx, m.Year)
	if err != nil {
		return Sheet{}, err
	}
	in := map[string]plan.Entry{}
	var ids []string
	reach := project.ReachOf(p)
	for id, states := range entries {
		if e, ok := plan.InForce(states, plan.AsOf, m.Last()); ok && reach.Admits(e.Department) {
			in[id] = e
			ids = append(ids, id)
		}
	}
	reports, err := s.store.Reports(ctx, "", m.Year)
	if err != nil {
		return Sheet{}, err
	}
	opening, err := s.store.Opening(ctx, m.Year, acceptedOnly)
	if err != nil {
		return Sheet{}, err
	}
	names, err := s.store.DepartmentNames(ctx)
	if err != nil {
		return Sheet{}, err
	}
	rows := make([]SheetRow, 0, len(ids))
	for _, id := range ids {
		e, pr := in[id], projects[id]
		r := SheetRow{ProjectID: id, Section: e.Section, Name: pr.Name, BuildType: e.BuildType, Content: content(pr.Scale, e.Goals),
			TotalInvestmentYuan: pr.TotalInvestmentYuan, PlannedYuan: e.PlannedYuan, Leader: e.Leader, Department: cmp.Or(names[e.Department], e.Department)}
		fillMoney(&r, reports, m, acceptedOnly)
		r.Earlier = earlier(entries[id], cal, reports, id, m)
		r.CumulativeYuan = r.ToDateYuan + opening[id]
		if e.OpeningYuan != nil {
			r.CumulativeYuan = r.ToDateYuan + *e.OpeningYuan
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b SheetRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ProjectID, b.ProjectID))
	})
	return Compile(s.county, m.Year, m, rows), nil
}

// content is the sheet's 建设规模及主要内容: the project's scale, then the
// entry's goals for the year.
func content(scale, goals string) string {
	if scale == "" || goals == "" {
		return scale + goals
	}
	return scale + "；" + goals
}

// fillMoney sets a row's 1–P月完成 from the year's reports that count, and
// its 形象进度, problems and state from period P's report.
func fillMoney(r *SheetRow, reports []Report, m calendar.Month, acceptedOnly bool) {
	for _, rep := range reports {
		if rep.ProjectID != r.ProjectID || m.Before(rep.Month) {
			continue
		}
		if rep.State.Counts(acceptedOnly) {
			r.ToDateYuan += rep.CompletedYuan
		}
		if rep.Month == m {
			r.SiteProgress, r.Problems, r.State, r.Corrected = rep.SiteProgress, rep.Problems, rep.State, rep.Corrected
		}
	}
}

// earlier lists the months before m that project id's entry (its states)
// owes and whose report is missing, not accepted or corrected.
func earlier(states []plan.Entry, cal calendar.Periods, reports []Report, id string, m calendar.Month) []MonthMark {
	var out []MonthMark
	for mm := (calendar.Month{Year: m.Year, Month: time.January}); mm.Before(m); mm = mm.AddMonths(1) {
		if _, owed := Owes(states, cal, mm); !owed || !cal.IsPeriod(mm) {
			continue
		}
		mark := MonthMark{Month: mm}
		for _, rep := range reports {
			if rep.ProjectID == id && rep.Month == mm {
				mark.State, mark.Corrected = rep.State, rep.Corrected
			}
		}
		if mark.State != Accepted || mark.Corrected {
			out = append(out, mark)
		}
	}
	return out
}

// periodAsked reads the calendar for a question about period m: a month
// after the current one is refused, as is a January reported with
// February (docs/dispatch.md, "Periods").
func (s *Service) periodAsked(ctx context.Context, m calendar.Month) (calendar.Periods, error) {
	if this := calendar.MonthOf(calendar.Today(s.clock())); this.Before(m) {
		return calendar.Periods{}, errFuture(this)
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return calendar.Periods{}, err
	}
	if !cal.IsPeriod(m) {
		return calendar.Periods{}, errCombinedJan(m)
	}
	return cal, nil
}

// PeriodOfYear is one period of a year's calendar.
type PeriodOfYear struct {
	Period   calendar.Month
	DueOn    time.Time
	Moved    bool
	Combined bool // February reporting January too
	Setting  *PeriodSetting
}

// Periods lists the periods of a year with their due days: eleven when
// January is reported with February, twelve otherwise.
func (s *Service) Periods(ctx context.Context, p identity.Principal, year int) (_ []PeriodOfYear, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Periods(%d)", year)
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	cal := PeriodsOf(settings)
	out := []PeriodOfYear{}
	for mm := (calendar.Month{Year: year, Month: time.January}); mm.Year == year; mm = mm.AddMonths(1) {
		if !cal.IsPeriod(mm) {
			continue
		}
		po := PeriodOfYear{Period: mm, DueOn: cal.DueOn(mm), Moved: !cal.DueOn(mm).Equal(defaultDue(mm)), Combined: mm.Month == time.February && cal.Combined[year]}
		for i := range settings {
			if settings[i].Period == mm {
				po.Setting = &settings[i]
			}
		}
		out = append(out, po)
	}
	return out, nil
}

func defaultDue(m calendar.Month) time.Time { return calendar.Periods{}.DueOn(m) }

// Year is a project's investment in one year: its plan entry's planned
// investment, when it has one, and every month reported.
type Year struct {
	Year        int
	PlannedYuan *int64
	Months      []Report
	// CompletedYuan sums the months whose reports count.
	CompletedYuan int64
}

// YearOf reads a project's year: the months reported, in order, and the
// planned investment of its entry as the plan stands on the year's last
// day, or today while the year runs.
func (s *Service) YearOf(ctx context.Context, p identity.Principal, id string, year int) (_ Year, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.YearOf(%s)", id)
	if err := s.canSee(ctx, p, id, year); err != nil {
		return Year{}, err
	}
	months, err := s.store.Reports(ctx, id, year)
	if err != nil {
		return Year{}, err
	}
	states, err := s.store.Entries(ctx, year, id)
	if err != nil {
		return Year{}, err
	}
	out := Year{Year: year, Months: months}
	on := calendar.Month{Year: year, Month: time.December}.Last()
	if today := calendar.Today(s.clock()); today.Before(on) {
		on = today
	}
	if e, ok := plan.InForce(states, plan.AsOf, on); ok {
		out.PlannedYuan = e.PlannedYuan
	}
	for _, m := range months {
		if m.State.Counts(false) {
			out.CompletedYuan += m.CompletedYuan
		}
	}
	return out, nil
}
