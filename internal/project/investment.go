package project

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
)

// Period is a calendar month, the unit of progress reports.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 || t.Year() < MinYear || t.Year() > 2999 {
		return Period{}, apperr.Fields([]apperr.FieldError{{Field: "period", Code: "invalid_format", Param: "YYYY-MM"}})
	}
	return Period{Year: t.Year(), Month: t.Month()}, nil
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// after reports whether p is a later month than q.
func (p Period) after(q Period) bool {
	return p.Year > q.Year || p.Year == q.Year && p.Month > q.Month
}

// MinYear is the first year of plans and progress.
const MinYear = 2000

// maxPlanAhead is how many years ahead a plan may be set.
const maxPlanAhead = 10

// MaxNote bounds the notes of progress reports and moves, in characters.
const MaxNote = 2000

// Plan is a project's planned investment for one year.
type Plan struct {
	ProjectID   string
	Year        int
	PlannedYuan int64
	Version     int
	UpdatedAt   time.Time
	UpdatedBy   string
}

// Progress is the investment a project completed in one month.
type Progress struct {
	ProjectID     string
	Period        Period
	CompletedYuan int64
	Note          string
	Version       int
	UpdatedAt     time.Time
	ReportedBy    string
}

// YearProgress is a project's investment in one year: the plan, when set,
// and the months reported, in order.
type YearProgress struct {
	Year          int
	Plan          *Plan
	Months        []Progress
	CompletedYuan int64
}

// Audit actions of plans and progress; their resource is the project.
const (
	ActionPlanSet  = "project.plan_set"
	ActionProgress = "progress.reported"
)

var errNoProgressWrite = apperr.New(apperr.Forbidden, "当前身份无权填报投资进度", "this identity may not report progress")

func canWriteProgress(p identity.Principal) error {
	if !p.Is(identity.RoleAdmin, identity.RoleBureau, identity.RoleDeptEditor) || !p.HasScope(identity.ScopeProgressWrite) {
		return errNoProgressWrite
	}
	return nil
}

// PutPlan sets a project's planned investment for a year. It reports whether
// the plan was new. ifMatch, when not 0, must name the plan's version.
func (s *Service) PutPlan(ctx context.Context, p identity.Principal, id string, year int, planned int64, ifMatch int) (Plan, bool, error) {
	if err := canWrite(p); err != nil {
		return Plan{}, false, err
	}
	now := s.clock()
	var c checker
	if year < MinYear || year > calendar.Today(now).Year()+maxPlanAhead {
		c.add("year", "out_of_range", strconv.Itoa(MinYear)+".."+strconv.Itoa(calendar.Today(now).Year()+maxPlanAhead))
	}
	c.yuan("planned_investment_yuan", &planned)
	if err := apperr.Fields(c.errs); err != nil {
		return Plan{}, false, err
	}
	var out Plan
	var created bool
	_, err := s.onProject(ctx, ScopeOf(p), id, func(ctx context.Context, pr *Project) error {
		plans, err := s.store.Plans(ctx, id)
		if err != nil {
			return err
		}
		var before *Plan
		version := 0
		for i := range plans {
			if plans[i].Year == year {
				before, version = &plans[i], plans[i].Version
			}
		}
		if err := matchVersion(ifMatch, version); err != nil {
			return err
		}
		out = Plan{ProjectID: id, Year: year, PlannedYuan: planned, Version: 1, UpdatedAt: now, UpdatedBy: p.Name}
		created = before == nil
		if before != nil {
			if before.PlannedYuan == planned {
				out = *before
				return nil
			}
			out.Version = before.Version + 1
		}
		if err := s.store.PutPlan(ctx, out); err != nil {
			return err
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionPlanSet, ResourceType: ResourceType, ResourceID: id,
			Before: planView(before), After: planView(&out)})
	})
	return out, created, err
}

// PutProgress records the investment a project completed in a month that
// has begun. A second report of a month replaces the first, whose figure
// the audit trail keeps. ifMatch, when not 0, must name the report's version.
func (s *Service) PutProgress(ctx context.Context, p identity.Principal, id string, period Period, completed int64, note string, ifMatch int) (Progress, bool, error) {
	if err := canWriteProgress(p); err != nil {
		return Progress{}, false, err
	}
	now := s.clock()
	today := calendar.Today(now)
	var c checker
	if this := (Period{today.Year(), today.Month()}); period.after(this) {
		c.add("period", "in_future", this.String())
	}
	c.yuan("completed_yuan", &completed)
	c.text("note", note, MaxNote, false)
	if err := apperr.Fields(c.errs); err != nil {
		return Progress{}, false, err
	}
	var out Progress
	var created bool
	_, err := s.onProject(ctx, ScopeOf(p), id, func(ctx context.Context, pr *Project) error {
		months, err := s.store.ProgressOf(ctx, id, period.Year)
		if err != nil {
			return err
		}
		var before *Progress
		version := 0
		for i := range months {
			if months[i].Period == period {
				before, version = &months[i], months[i].Version
			}
		}
		if err := matchVersion(ifMatch, version); err != nil {
			return err
		}
		out = Progress{ProjectID: id, Period: period, CompletedYuan: completed, Note: note, Version: 1, UpdatedAt: now, ReportedBy: p.Name}
		created = before == nil
		if before != nil {
			if before.CompletedYuan == completed && before.Note == note {
				out = *before
				return nil
			}
			out.Version = before.Version + 1
		}
		if err := s.store.PutProgress(ctx, out); err != nil {
			return err
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionProgress, ResourceType: ResourceType, ResourceID: id,
			Before: progressView(before), After: progressView(&out)})
	})
	return out, created, err
}

// matchVersion checks If-Match (ifMatch, 0 when absent) against a resource
// that may not exist yet (version 0).
func matchVersion(ifMatch, version int) error {
	if ifMatch != 0 && ifMatch != version {
		return apperr.ErrVersionConflict
	}
	return nil
}

// Investment returns a project's plan and progress for a year.
func (s *Service) Investment(ctx context.Context, p identity.Principal, id string, year int) (YearProgress, error) {
	if err := canRead(p); err != nil {
		return YearProgress{}, err
	}
	if year < MinYear || year > 2999 {
		return YearProgress{}, apperr.Fields([]apperr.FieldError{{Field: "year", Code: "out_of_range", Param: strconv.Itoa(MinYear) + "..2999"}})
	}
	if _, err := s.store.Get(ctx, readScope(p), id); err != nil {
		return YearProgress{}, err
	}
	plans, err := s.store.Plans(ctx, id)
	if err != nil {
		return YearProgress{}, err
	}
	months, err := s.store.ProgressOf(ctx, id, year)
	if err != nil {
		return YearProgress{}, err
	}
	out := YearProgress{Year: year, Months: months}
	for i := range plans {
		if plans[i].Year == year {
			out.Plan = &plans[i]
		}
	}
	for _, m := range months {
		out.CompletedYuan += m.CompletedYuan
	}
	return out, nil
}

// Plans returns a project's plans, by year.
func (s *Service) Plans(ctx context.Context, p identity.Principal, id string) ([]Plan, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	if _, err := s.store.Get(ctx, readScope(p), id); err != nil {
		return nil, err
	}
	return s.store.Plans(ctx, id)
}

func planView(p *Plan) any {
	if p == nil {
		return nil
	}
	return map[string]any{"year": p.Year, "planned_investment_yuan": p.PlannedYuan, "version": p.Version}
}

func progressView(p *Progress) any {
	if p == nil {
		return nil
	}
	return map[string]any{"period": p.Period.String(), "completed_yuan": p.CompletedYuan, "note": p.Note, "version": p.Version}
}
