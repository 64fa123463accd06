package investment

import (
	"context"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps reported months. Implementations translate their driver
// errors into apperr kinds.
type Store interface {
	// ProgressOf lists a project's reported months of a year (of every
	// year when year is 0), in order; PutProgress inserts or replaces one.
	ProgressOf(ctx context.Context, id string, year int) ([]Progress, error)
	PutProgress(ctx context.Context, p Progress) error
}

// Register is what progress needs of the register: to read a
// project as a principal may, and to change one of its resources with the
// project locked, its health computed again after (project.Service).
type Register interface {
	Get(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Service applies the rules of progress.
type Service struct {
	store    Store
	register Register
	auditor  Auditor
	now      func() time.Time
}

// NewService returns a Service; now is the clock.
func NewService(store Store, register Register, auditor Auditor, now func() time.Time) *Service {
	return &Service{store: store, register: register, auditor: auditor, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ActionProgress is the audit action of a report; its resource is the project.
const ActionProgress = "progress.reported"

var errNoProgressWrite = apperr.Coded(apperr.Forbidden, "investment.no_write")

func canWriteProgress(p identity.Principal) error {
	if !p.May(identity.ReportProgress) {
		return errNoProgressWrite
	}
	return nil
}

// PutProgress records the investment a project completed in a month that
// has begun. A second report of a month replaces the first, whose figure
// the audit trail keeps. ifMatch, when not 0, must name the report's version.
func (s *Service) PutProgress(ctx context.Context, p identity.Principal, id string, period Period, completed int64, note string, ifMatch int) (_ Progress, _ bool, err error) {
	defer apperr.Wrap(&err, "investment.Service.PutProgress(%s)", id)
	if err := canWriteProgress(p); err != nil {
		return Progress{}, false, err
	}
	now := s.clock()
	today := calendar.Today(now)
	var c project.Check
	if period.Year < project.MinYear || period.Month < time.January || period.Month > time.December {
		c.Add("period", "invalid_format", "YYYY-MM")
	} else if this := (Period{today.Year(), today.Month()}); period.after(this) {
		c.Add("period", "in_future", this.String())
	}
	c.Yuan("completed_yuan", &completed)
	c.Text("note", note, project.MaxNote, false)
	if err := c.Err(); err != nil {
		return Progress{}, false, err
	}
	var out Progress
	var created bool
	_, err = s.register.Within(ctx, project.ReachOf(p), id, func(ctx context.Context, _ *project.Project) error {
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
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionProgress, ResourceType: project.ResourceType, ResourceID: id,
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

// Investment returns a project's progress in a year.
func (s *Service) Investment(ctx context.Context, p identity.Principal, id string, year int) (_ YearProgress, err error) {
	defer apperr.Wrap(&err, "investment.Service.Investment(%s)", id)
	if err := project.CanRead(p); err != nil {
		return YearProgress{}, err
	}
	if year < project.MinYear || year > 2999 {
		return YearProgress{}, apperr.Fields([]apperr.FieldError{{Field: "year", Code: "out_of_range", Param: strconv.Itoa(project.MinYear) + "..2999"}})
	}
	if _, err := s.register.Get(ctx, p, id); err != nil {
		return YearProgress{}, err
	}
	months, err := s.store.ProgressOf(ctx, id, year)
	if err != nil {
		return YearProgress{}, err
	}
	out := YearProgress{Year: year, Months: months}
	for _, m := range months {
		out.CompletedYuan += m.CompletedYuan
	}
	return out, nil
}

func progressView(p *Progress) any {
	if p == nil {
		return nil
	}
	return map[string]any{"period": p.Period.String(), "completed_yuan": p.CompletedYuan, "note": p.Note, "version": p.Version}
}
