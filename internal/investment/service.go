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

// Store keeps plans. Implementations translate their driver errors into
// apperr kinds.
type Store interface {
	// Plans lists a project's yearly plans, by year; PutPlan inserts or
	// replaces one.
	Plans(ctx context.Context, id string) ([]Plan, error)
	PutPlan(ctx context.Context, p Plan) error
}

// Register is what plans and progress need of the register: to read a
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

// Service applies the rules of plans and progress.
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

// ActionPlanSet is the audit action of plans; its resource is the project.
const ActionPlanSet = "project.plan_set"

// PutPlan sets a project's planned investment for a year. It reports whether
// the plan was new. ifMatch, when not 0, must name the plan's version.
func (s *Service) PutPlan(ctx context.Context, p identity.Principal, id string, year int, planned int64, ifMatch int) (_ Plan, _ bool, err error) {
	defer apperr.Wrap(&err, "investment.Service.PutPlan(%s)", id)
	if err := project.CanWrite(p); err != nil {
		return Plan{}, false, err
	}
	now := s.clock()
	var c project.Check
	if year < project.MinYear || year > calendar.Today(now).Year()+maxPlanAhead {
		c.Add("year", "out_of_range", strconv.Itoa(project.MinYear)+".."+strconv.Itoa(calendar.Today(now).Year()+maxPlanAhead))
	}
	c.Yuan("planned_investment_yuan", &planned)
	if err := c.Err(); err != nil {
		return Plan{}, false, err
	}
	var out Plan
	var created bool
	_, err = s.register.Within(ctx, project.ReachOf(p), id, func(ctx context.Context, _ *project.Project) error {
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
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionPlanSet, ResourceType: project.ResourceType, ResourceID: id,
			Before: planView(before), After: planView(&out)})
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

// Plans returns a project's plans, by year.
func (s *Service) Plans(ctx context.Context, p identity.Principal, id string) (_ []Plan, err error) {
	defer apperr.Wrap(&err, "investment.Service.Plans(%s)", id)
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	if _, err := s.register.Get(ctx, p, id); err != nil {
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
