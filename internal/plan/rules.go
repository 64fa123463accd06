package plan

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// Limits of an entry's text fields, in characters.
const (
	MaxGoals  = 2000
	MaxReason = 500
)

// Fields are what the bureau writes of an entry. A PUT replaces them all:
// what is left out (empty, nil) takes its default (Defaults).
type Fields struct {
	BuildType           BuildType
	KeyLevel            project.KeyLevel
	PlannedYuan         *int64
	PlannedStartMonth   *calendar.Month
	PlannedCompletionOn *time.Time
	PlannedProductionOn *time.Time
	Goals               string
	Department          string
	Leader              string
	Section             Section
	Stalled             bool
	StalledReason       string
	OpeningYuan         *int64
}

// Change is why and from when an issued plan changes (调整): a reason, and
// the day it takes effect (nil: today, or 31 December for a past year).
type Change struct {
	Reason      string
	EffectiveOn *time.Time
}

// Where a defaulted value came from, beside the build type's Source.
const (
	FromProject  = "project"  // the project's own department, leader or key level
	FromCategory = "category" // the section of the project's category
	FromDerived  = "derived"  // the opening balance, from the register's reports
)

// Defaults names, for each field that took its default, where the value
// came from (docs/plan.md, "Defaults").
type Defaults map[string]string

// withDefaults fills what f leaves out from the project, and says where
// each value came from.
func withDefaults(f Fields, p project.Project, year int) (Fields, Source, Defaults) {
	d := Defaults{}
	src := SourceSet
	if f.BuildType == "" {
		f.BuildType, src = DefaultBuildType(p, year)
		d["build_type"] = string(src)
	}
	if f.KeyLevel == "" {
		f.KeyLevel, d["key_level"] = p.KeyLevel, FromProject
	}
	if f.Department == "" {
		f.Department, d["department"] = p.Department, FromProject
	}
	if f.Leader == "" {
		f.Leader, d["leader"] = p.Leader, FromProject
	}
	if f.Section == "" {
		f.Section, d["section"] = DefaultSection(p.Category), FromCategory
	}
	if f.OpeningYuan == nil {
		d["opening_cumulative_yuan"] = FromDerived
	}
	return f, src, d
}

// normalize trims the text fields.
func (f *Fields) normalize() {
	for _, s := range []*string{&f.Goals, &f.Department, &f.Leader, &f.StalledReason} {
		*s = strings.TrimSpace(*s)
	}
	if !f.Stalled {
		f.StalledReason = ""
	}
}

// validate checks an entry's fields for year, the defaults filled in.
func (f Fields) validate(year int) error {
	var c project.Check
	c.Enum("build_type", string(f.BuildType), BuildTypes)
	c.Enum("key_level", string(f.KeyLevel), project.KeyLevels)
	c.Enum("section", string(f.Section), Sections)
	c.Yuan("planned_investment_yuan", f.PlannedYuan)
	c.Yuan("opening_cumulative_yuan", f.OpeningYuan)
	if m := f.PlannedStartMonth; m != nil && m.Year != year {
		c.Add("planned_start_month", "out_of_range", strconv.Itoa(year)+"-01.."+strconv.Itoa(year)+"-12")
	}
	for _, d := range []struct {
		field string
		on    *time.Time
	}{{"planned_completion_on", f.PlannedCompletionOn}, {"planned_production_on", f.PlannedProductionOn}} {
		if d.on != nil && (d.on.Year() < project.MinYear || d.on.Year() > 2999) {
			c.Add(d.field, "out_of_range", strconv.Itoa(project.MinYear)+"..2999")
		}
	}
	c.Order("planned_completion_on", f.PlannedCompletionOn, "planned_production_on", f.PlannedProductionOn)
	c.Text("goals", f.Goals, MaxGoals, false)
	c.Text("leader", f.Leader, project.MaxLeader, false)
	c.Text("department", f.Department, 64, true)
	c.Text("stalled_reason", f.StalledReason, MaxReason, f.Stalled)
	return c.Err()
}

// sameFields reports whether an entry already holds f: a second PUT of the
// same body changes nothing.
func sameFields(e Entry, f Fields) bool {
	return e.BuildType == f.BuildType && e.KeyLevel == f.KeyLevel && eqPtr(e.PlannedYuan, f.PlannedYuan) &&
		eqPtr(e.PlannedStartMonth, f.PlannedStartMonth) && eqDay(e.PlannedCompletionOn, f.PlannedCompletionOn) &&
		eqDay(e.PlannedProductionOn, f.PlannedProductionOn) && e.Goals == f.Goals && e.Department == f.Department &&
		e.Leader == f.Leader && e.Section == f.Section && e.Stalled == f.Stalled && e.StalledReason == f.StalledReason &&
		eqPtr(e.OpeningYuan, f.OpeningYuan)
}

func eqPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func eqDay(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }

// fieldsOf is what an entry holds of Fields.
func fieldsOf(e Entry) Fields {
	return Fields{
		BuildType: e.BuildType, KeyLevel: e.KeyLevel, PlannedYuan: e.PlannedYuan, PlannedStartMonth: e.PlannedStartMonth,
		PlannedCompletionOn: e.PlannedCompletionOn, PlannedProductionOn: e.PlannedProductionOn, Goals: e.Goals,
		Department: e.Department, Leader: e.Leader, Section: e.Section, Stalled: e.Stalled, StalledReason: e.StalledReason,
		OpeningYuan: e.OpeningYuan,
	}
}

// withFields is e holding f.
func withFields(e Entry, f Fields) Entry {
	e.BuildType, e.KeyLevel, e.PlannedYuan, e.PlannedStartMonth = f.BuildType, f.KeyLevel, f.PlannedYuan, f.PlannedStartMonth
	e.PlannedCompletionOn, e.PlannedProductionOn, e.Goals = f.PlannedCompletionOn, f.PlannedProductionOn, f.Goals
	e.Department, e.Leader, e.Section, e.Stalled, e.StalledReason = f.Department, f.Leader, f.Section, f.Stalled, f.StalledReason
	e.OpeningYuan = f.OpeningYuan
	return e
}

// lastDay is 31 December of year.
func lastDay(year int) time.Time { return time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC) }

// dayOrToday is on, or today when nil but no later than 31 December of year.
func dayOrToday(on *time.Time, today time.Time, year int) time.Time {
	if on != nil {
		return *on
	}
	if end := lastDay(year); today.After(end) {
		return end
	}
	return today
}

// checkChange checks an adjustment of an issued plan: a reason of 1 to
// MaxReason characters, and an effective day from the plan's 下达 day, the
// entry's last change and the plan's latest adjustment (since, the later
// of the two, may be nil) to today and 31 December.
func checkChange(ch Change, pl Plan, since *time.Time, today time.Time) (time.Time, error) {
	var c project.Check
	c.Text("reason", strings.TrimSpace(ch.Reason), MaxReason, true)
	on := dayOrToday(ch.EffectiveOn, today, pl.Year)
	from := *pl.IssuedOn
	if since != nil && since.After(from) {
		from = *since
	}
	to := slices.MinFunc([]time.Time{today, lastDay(pl.Year)}, func(a, b time.Time) int { return a.Compare(b) })
	if on.Before(from) || on.After(to) {
		c.Add("effective_on", "out_of_range", from.Format(time.DateOnly)+".."+to.Format(time.DateOnly))
	}
	return on, c.Err()
}

// checkIssue checks a 下达 day: from 1 October of the year before to 31
// December of the year, and not after today.
func checkIssue(on time.Time, year int, today time.Time) error {
	from := time.Date(year-1, time.October, 1, 0, 0, 0, 0, time.UTC)
	to := lastDay(year)
	if today.Before(to) {
		to = today
	}
	if on.Before(from) || on.After(to) {
		var c project.Check
		c.Add("issued_on", "out_of_range", from.Format(time.DateOnly)+".."+to.Format(time.DateOnly))
		return c.Err()
	}
	return nil
}

// checkTargets checks the year's targets: rates from 0 to 1, checkpoints'
// dates within the year, an investment target not negative.
func checkTargets(t Targets, year int) error {
	var c project.Check
	check := func(field string, cp Checkpoint) {
		if cp.Rate < 0 || cp.Rate > 1 {
			c.Add(field+".rate", "out_of_range", "0..1")
		}
		if cp.Date.Year() != year {
			c.Add(field+".date", "out_of_range", strconv.Itoa(year)+"-01-01.."+strconv.Itoa(year)+"-12-31")
		}
	}
	for i, cp := range t.StartRate {
		check("start_rate["+strconv.Itoa(i)+"]", cp)
	}
	if t.Resumption != nil {
		check("resumption", *t.Resumption)
	}
	c.Yuan("investment_yuan", t.InvestmentYuan)
	return c.Err()
}

// checkYear checks a plan's year.
func checkYear(year int) error {
	if year < project.MinYear || year > 2999 {
		var c project.Check
		c.Add("year", "out_of_range", strconv.Itoa(project.MinYear)+"..2999")
		return c.Err()
	}
	return nil
}
