package plan

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps plans and the states of their entries. Implementations
// translate their driver errors into apperr kinds.
type Store interface {
	// Plans returns a year's plan (none when the year has none), or every
	// year's plan by year when year is 0.
	Plans(ctx context.Context, year int) ([]Plan, error)
	// LockPlan returns a year's plan, NotFound when the year has none,
	// locked until the transaction carried by ctx ends, so that two changes
	// of one plan follow each other.
	LockPlan(ctx context.Context, year int) (Plan, error)
	// CreatePlan inserts a plan, unless the year has one already: then it
	// does nothing.
	CreatePlan(ctx context.Context, p Plan) error
	// SavePlan saves a plan if its stored version is still version
	// (VersionConflict otherwise).
	SavePlan(ctx context.Context, p Plan, version int) error
	// States lists the states of a year's entries (of every year when
	// year is 0), of one project when projectID is not empty, each with its
	// project, by year, project and version. In a department's reach: the
	// entries of its projects and those of which a state names it
	// responsible.
	States(ctx context.Context, sc project.Reach, year int, projectID string) ([]Entry, error)
	// Adjustments lists the effective day of each adjustment of a year, by
	// its revision.
	Adjustments(ctx context.Context, year int) (map[int]time.Time, error)
	// AddState inserts a state; an unknown department is Invalid, naming
	// the field department.
	AddState(ctx context.Context, e Entry) error
	// ReplaceState replaces a draft's state of version version with e.
	ReplaceState(ctx context.Context, e Entry, version int) error
	// DeleteStates deletes the states of a project's entry of a year.
	DeleteStates(ctx context.Context, year int, projectID string) error
	// IssueStates gives every state of a year's entries the 下达 day.
	IssueStates(ctx context.Context, year int, on time.Time) error
}

// Register is what plans need of the register: to read a project as a
// principal may, and to change a project's entry with the project locked,
// its health computed again after (project.Service).
type Register interface {
	Get(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
	// BundleClash is Invalid (field project_id) when pr's parent or one of
	// its children is an entry of year's plan: either a bundle or its
	// children are entries, never both (docs/plan.md).
	BundleClash(ctx context.Context, pr project.Project, year int) error
	// LockBundle locks pr's parent's row, if any, until the transaction
	// ends: an entry of a bundle and one of its child's take turns on it.
	LockBundle(ctx context.Context, pr project.Project) error
}

// Transactor runs fn in one transaction, carried by the context it passes fn.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Service applies the rules of the year's plan.
type Service struct {
	store    Store
	register Register
	tx       Transactor
	auditor  Auditor
	events   Recorder
	now      func() time.Time
	changed  []func()
}

// NewService returns a Service; now is the clock.
func NewService(store Store, register Register, tx Transactor, auditor Auditor, now func() time.Time) *Service {
	return &Service{store: store, register: register, tx: tx, auditor: auditor, events: noEvents{}, now: now}
}

// Notify asks for f to be called once a change of a plan itself (its 下达,
// its targets) has committed; an entry's change is the register's, which
// tells its own listeners (project.Service.Notify).
func (s *Service) Notify(f func()) { s.changed = append(s.changed, f) }

// committed tells whoever asked that a change has committed.
func (s *Service) committed(err error) {
	if err != nil {
		return
	}
	for _, f := range s.changed {
		f()
	}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Audit actions and resource type of plans. An entry's resource ID is
// "<year>/<project ID>", a plan's its year.
const (
	ResourceType      = "annual_plan"
	ActionEntrySet    = "plan.entry_set"
	ActionEntryRemove = "plan.entry_removed"
	ActionIssue       = "plan.issued"
	ActionTargets     = "plan.targets_set"
)

var (
	errNoWrite = apperr.Coded(apperr.Forbidden, "plan.no_write")
	// ErrNoPlan answers a year without a plan.
	ErrNoPlan  = apperr.Coded(apperr.NotFound, "plan.not_found")
	errNoEntry = apperr.Coded(apperr.NotFound, "plan.no_entry")
	errIssued  = apperr.Coded(apperr.Conflict, "plan.already_issued")
)

func canWrite(p identity.Principal) error {
	if !p.May(identity.ManagePlans) {
		return errNoWrite
	}
	return nil
}

// Written is the answer to a change of an entry: the entry as it now
// stands, whether it was added, and where each defaulted value came from.
type Written struct {
	Entry    Entry
	Created  bool
	Defaults Defaults
}

// Put adds or replaces a project's entry in a year's plan, creating the
// plan as a draft when the year has none. On an issued plan the change is
// an adjustment (ch). ifMatch, when not 0, must name the entry's version.
func (s *Service) Put(ctx context.Context, p identity.Principal, year int, projectID string, f Fields, ch Change, ifMatch int) (_ Written, err error) {
	defer apperr.Wrap(&err, "plan.Service.Put(%d/%s)", year, projectID)
	f.normalize()
	return s.write(ctx, p, year, projectID, ch, ifMatch, func(*Entry) Fields { return f })
}

// SetPlanned sets the planned investment of a project's entry, adding the
// entry with its defaults when the project has none in the year's plan.
func (s *Service) SetPlanned(ctx context.Context, p identity.Principal, year int, projectID string, yuan int64, ch Change, ifMatch int) (_ Written, err error) {
	defer apperr.Wrap(&err, "plan.Service.SetPlanned(%d/%s)", year, projectID)
	return s.write(ctx, p, year, projectID, ch, ifMatch, func(cur *Entry) Fields {
		f := Fields{}
		if cur != nil {
			f = fieldsOf(*cur)
			if cur.BuildTypeSource != SourceSet {
				f.BuildType = "" // a default stays a default, and says so
			}
		}
		f.PlannedYuan = &yuan
		return f
	})
}

// write changes a project's entry to the fields fields gives from the
// entry as it stands (nil when the project is not in the plan).
func (s *Service) write(ctx context.Context, p identity.Principal, year int, projectID string, ch Change, ifMatch int, fields func(*Entry) Fields) (Written, error) {
	if err := canWrite(p); err != nil {
		return Written{}, err
	}
	if err := checkYear(year); err != nil {
		return Written{}, err
	}
	now := s.clock()
	var out Written
	_, err := s.register.Within(ctx, project.ReachOf(p), projectID, func(ctx context.Context, pr *project.Project) error {
		pl, err := s.lockEntry(ctx, p, *pr, year, now)
		if err != nil {
			return err
		}
		last, err := s.last(ctx, year, projectID)
		if err != nil {
			return err
		}
		if err := matchVersion(ifMatch, last); err != nil {
			return err
		}
		var cur *Entry
		if last != nil && !last.Removed {
			cur = last
		}
		f, src, defaults := withDefaults(fields(cur), *pr, year)
		if err := s.check(ctx, *pr, year, cur, f); err != nil {
			return err
		}
		out = Written{Created: cur == nil, Defaults: defaults}
		if cur != nil && sameFields(*cur, f) {
			out.Entry = *cur
			return nil
		}
		e := withFields(Entry{Year: year, ProjectID: projectID, Version: 1, BuildTypeSource: src, RecordedAt: now, RecordedBy: p.Name}, f)
		if e.BuildTypeSource != SourceSet && cur != nil && cur.BuildType == e.BuildType {
			e.BuildTypeSource = cur.BuildTypeSource // a confirmed or migrated type keeps its source
		}
		if out.Entry, err = s.save(ctx, &pl, last, e, ch, now); err != nil {
			return err
		}
		out.Entry.Project = summaryOf(*pr)
		return s.recordEntry(ctx, p, &pl, pr, year, cur, &out.Entry)
	})
	return out, err
}

// check validates the fields f of pr's entry in year (cur as it stands,
// nil when none) and, when they change it, refuses an entry whose bundle or
// children are entries of the year too (Register.BundleClash).
func (s *Service) check(ctx context.Context, pr project.Project, year int, cur *Entry, f Fields) error {
	if err := f.validate(year); err != nil {
		return err
	}
	if cur != nil && sameFields(*cur, f) {
		return nil
	}
	return s.register.BundleClash(ctx, pr, year)
}

// save writes e as the entry's next state after last (nil for a new
// entry): in place on a draft, as an adjustment on an issued plan; and the
// plan's new version.
func (s *Service) save(ctx context.Context, pl *Plan, last *Entry, e Entry, ch Change, now time.Time) (Entry, error) {
	if last != nil {
		e.Version = last.Version + 1
	}
	switch {
	case pl.State == Issued:
		adjs, err := s.store.Adjustments(ctx, pl.Year)
		if err != nil {
			return Entry{}, err
		}
		on, err := checkChange(ch, *pl, laterOf(effective(last), latestAdjustment(adjs)), calendar.Today(now))
		if err != nil {
			return Entry{}, err
		}
		pl.Revisions++
		e.Revision, e.EffectiveOn, e.Reason = pl.Revisions, &on, strings.TrimSpace(ch.Reason)
		err = s.store.AddState(ctx, e)
		if err != nil {
			return Entry{}, err
		}
	case last != nil:
		if err := s.store.ReplaceState(ctx, e, last.Version); err != nil {
			return Entry{}, err
		}
	default:
		if err := s.store.AddState(ctx, e); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// Remove takes a project out of a year's plan (调出): a draft's entry is
// deleted; an issued plan's is removed by an adjustment (ch).
func (s *Service) Remove(ctx context.Context, p identity.Principal, year int, projectID string, ch Change, ifMatch int) (err error) {
	defer apperr.Wrap(&err, "plan.Service.Remove(%d/%s)", year, projectID)
	if err := canWrite(p); err != nil {
		return err
	}
	if err := checkYear(year); err != nil {
		return err
	}
	now := s.clock()
	_, err = s.register.Within(ctx, project.ReachOf(p), projectID, func(ctx context.Context, pr *project.Project) error {
		pl, err := s.lock(ctx, year)
		if err != nil {
			return err
		}
		last, err := s.last(ctx, year, projectID)
		switch {
		case err != nil:
			return err
		case last == nil || last.Removed:
			return errNoEntry
		}
		if err := matchVersion(ifMatch, last); err != nil {
			return err
		}
		if pl.State == Draft {
			err = s.store.DeleteStates(ctx, year, projectID)
		} else {
			gone := *last
			gone.Removed, gone.RecordedAt, gone.RecordedBy = true, now, p.Name
			_, err = s.save(ctx, &pl, last, gone, ch, now)
		}
		if err != nil {
			return err
		}
		return s.recordEntry(ctx, p, &pl, pr, year, last, nil)
	})
	return err
}

// Issue issues (下达) a draft plan on day on (nil: today, or 31 December
// for a past year): its entries are the baseline from then on.
func (s *Service) Issue(ctx context.Context, p identity.Principal, year int, on *time.Time) (_ Plan, err error) {
	defer apperr.Wrap(&err, "plan.Service.Issue(%d)", year)
	if err := canWrite(p); err != nil {
		return Plan{}, err
	}
	if err := checkYear(year); err != nil {
		return Plan{}, err
	}
	now := s.clock()
	day := dayOrToday(on, calendar.Today(now), year)
	if err := checkIssue(day, year, calendar.Today(now)); err != nil {
		return Plan{}, err
	}
	var out Plan
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		pl, err := s.lock(ctx, year)
		if err != nil {
			return err
		}
		if pl.State == Issued {
			return errIssued
		}
		if err := s.store.IssueStates(ctx, year, day); err != nil {
			return err
		}
		before := planView(pl)
		pl.State, pl.IssuedOn = Issued, &day
		out = pl
		return s.record(ctx, p, &out, ActionIssue, strconv.Itoa(year), before, nil)
	})
	s.committed(err)
	return out, err
}

// PutTargets sets a year's targets, creating the plan as a draft when the
// year has none.
func (s *Service) PutTargets(ctx context.Context, p identity.Principal, year int, t Targets) (_ Plan, err error) {
	defer apperr.Wrap(&err, "plan.Service.PutTargets(%d)", year)
	if err := canWrite(p); err != nil {
		return Plan{}, err
	}
	if err := project.JoinInvalid(checkYear(year), checkTargets(t, year)); err != nil {
		return Plan{}, err
	}
	now := s.clock()
	var out Plan
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		pl, err := s.lockOrCreate(ctx, p, year, now)
		if err != nil {
			return err
		}
		out = pl
		if pl.TargetsSet && sameTargets(pl.Targets, t) {
			return nil
		}
		before := planView(pl)
		out.Targets, out.TargetsSet = t, true
		return s.record(ctx, p, &out, ActionTargets, strconv.Itoa(year), before, nil)
	})
	s.committed(err)
	return out, err
}

// record saves a changed plan under its next version and stages the audit
// entry of the change; after nil is the plan as saved.
func (s *Service) record(ctx context.Context, p identity.Principal, pl *Plan, action, id string, before, after any) error {
	version := pl.Version
	pl.Version++
	pl.UpdatedAt, pl.UpdatedBy = s.clock(), p.Name
	if err := s.store.SavePlan(ctx, *pl, version); err != nil {
		return err
	}
	if after == nil && action != ActionEntryRemove {
		after = planView(*pl)
	}
	return s.auditor.Append(ctx, p, audit.Record{Action: action, ResourceType: ResourceType, ResourceID: id, Before: before, After: after})
}

// lock returns a year's plan, locked.
func (s *Service) lock(ctx context.Context, year int) (Plan, error) {
	pl, err := s.store.LockPlan(ctx, year)
	if errors.Is(err, apperr.ErrNotFound) {
		return Plan{}, ErrNoPlan
	}
	return pl, err
}

// lockEntry locks pr's bundle's row, then the year's plan (made first
// when none): project, bundle, plan is every writer's order, so that no
// two writers each wait for the other.
func (s *Service) lockEntry(ctx context.Context, p identity.Principal, pr project.Project, year int, now time.Time) (Plan, error) {
	if err := s.register.LockBundle(ctx, pr); err != nil {
		return Plan{}, err
	}
	return s.lockOrCreate(ctx, p, year, now)
}

// lockOrCreate returns a year's plan, locked, made as a draft first when
// the year has none.
func (s *Service) lockOrCreate(ctx context.Context, p identity.Principal, year int, now time.Time) (Plan, error) {
	pl, err := s.store.LockPlan(ctx, year)
	if !errors.Is(err, apperr.ErrNotFound) {
		return pl, err
	}
	if err := s.store.CreatePlan(ctx, Plan{Year: year, State: Draft, UpdatedAt: now, UpdatedBy: p.Name}); err != nil {
		return Plan{}, err
	}
	return s.store.LockPlan(ctx, year)
}

// last returns the latest state of a project's entry, nil when it has none.
func (s *Service) last(ctx context.Context, year int, projectID string) (*Entry, error) {
	states, err := s.store.States(ctx, project.Reach{All: true}, year, projectID)
	if err != nil || len(states) == 0 {
		return nil, err
	}
	return latest(states), nil
}

// latest is the state of the greatest version.
func latest(states []Entry) *Entry {
	var out *Entry
	for i := range states {
		if out == nil || states[i].Version > out.Version {
			out = &states[i]
		}
	}
	return out
}

func effective(e *Entry) *time.Time {
	if e == nil {
		return nil
	}
	return e.EffectiveOn
}

// latestAdjustment is the latest effective day of a plan's adjustments
// (nil when it has none): a new adjustment may not take effect before it,
// so that the order of revisions is the order of their effective days
// (docs/plan.md).
func latestAdjustment(adjs map[int]time.Time) *time.Time {
	var out *time.Time
	for _, on := range adjs {
		if out == nil || on.After(*out) {
			d := on
			out = &d
		}
	}
	return out
}

// laterOf is the later of two days, either of which may be nil.
func laterOf(a, b *time.Time) *time.Time {
	if a == nil || b != nil && b.After(*a) {
		return b
	}
	return a
}

// matchVersion checks If-Match (ifMatch, 0 when absent) against an entry
// that may not exist yet (version 0).
func matchVersion(ifMatch int, last *Entry) error {
	version := 0
	if last != nil {
		version = last.Version
	}
	if ifMatch != 0 && ifMatch != version {
		return apperr.ErrVersionConflict
	}
	return nil
}

func entryID(year int, projectID string) string { return strconv.Itoa(year) + "/" + projectID }

func summaryOf(p project.Project) Summary {
	return Summary{Name: p.Name, Code: p.Code, Stage: p.Stage, Department: p.Department}
}

func sameTargets(a, b Targets) bool {
	if len(a.StartRate) != len(b.StartRate) || !eqPtr(a.Resumption, b.Resumption) || !eqPtr(a.InvestmentYuan, b.InvestmentYuan) {
		return false
	}
	for i := range a.StartRate {
		if a.StartRate[i] != b.StartRate[i] {
			return false
		}
	}
	return true
}
