package approval

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps the stored items of projects' checklists. Implementations
// translate their driver errors into apperr kinds.
type Store interface {
	// Items returns the stored items of project id.
	Items(ctx context.Context, id string) ([]Item, error)
	// ItemsOf returns the stored items of the projects ids, by project.
	ItemsOf(ctx context.Context, ids []string) (map[string][]Item, error)
	// Put writes it: inserted when version is 0, else saved while it is
	// still at version (VersionConflict otherwise).
	Put(ctx context.Context, it Item, version int) error
}

// Register is what the checklist needs of the register (project.Service):
// the project read in the principal's scope, changed with the project
// locked, its health computed again after, and the pages of projects the
// statistics count.
type Register interface {
	Get(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
	List(ctx context.Context, p identity.Principal, q project.ListQuery) (project.Page, error)
}

// Plans reads a year's plan as the principal may see it (plan.Service).
type Plans interface {
	Get(ctx context.Context, p identity.Principal, year int, q plan.Query) (plan.View, error)
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Recorder records a change in the change feed, in the transaction carried
// by ctx (event.Service).
type Recorder interface {
	Record(ctx context.Context, p identity.Principal, c event.Change) error
}

type noEvents struct{}

func (noEvents) Record(context.Context, identity.Principal, event.Change) error { return nil }

// Deps are what a Service is made of.
type Deps struct {
	Store    Store
	Register Register
	Plans    Plans
	Auditor  Auditor
	Events   Recorder // nil: no events
	Now      func() time.Time
	Rules    Rules
}

// Service applies the rules of the checklist.
type Service struct {
	Deps
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Events == nil {
		d.Events = noEvents{}
	}
	if d.Rules == (Rules{}) {
		d.Rules = DefaultRules()
	}
	return &Service{Deps: d}
}

// Audit action and resource type of items; an item's ID is
// "<project ID>/<code>".
const (
	ResourceType = "approval"
	ActionUpdate = "approval.updated"
)

var (
	errUnknown      = apperr.Coded(apperr.NotFound, "approval.unknown_item")
	errNotInList    = apperr.Coded(apperr.NotFound, "approval.not_in_checklist")
	errNeedsIfMatch = apperr.Coded(apperr.PreconditionRequired, "approval.if_match_required")
)

// Entry is one item of a checklist as read: its fields as stored, or not
// started when never written (Version 0).
type Entry struct {
	Item
	StartPermit bool
}

// Readiness is the share of the needed items that are obtained: an item
// not needed counts in neither.
type Readiness struct {
	Needed, Obtained int
}

// Rate is Obtained ÷ Needed, nil when nothing is needed.
func (r Readiness) Rate() *float64 {
	if r.Needed == 0 {
		return nil
	}
	v := float64(r.Obtained) / float64(r.Needed)
	return &v
}

func (r *Readiness) add(o Readiness) { r.Needed += o.Needed; r.Obtained += o.Obtained }

// List is a project's checklist as read.
type List struct {
	ProjectID   string
	Items       []Entry
	Readiness   Readiness
	StartPermit Code
}

// Missing lists the needed items that are not obtained.
func (l List) Missing() []Entry {
	var out []Entry
	for _, e := range l.Items {
		if e.Status != Obtained && e.Status != NotNeeded {
			out = append(out, e)
		}
	}
	return out
}

// listOf is the checklist of pr with its stored items.
func (s *Service) listOf(pr project.Project, stored []Item) List {
	cl := s.Rules.Derive(SubjectOf(pr))
	byCode := make(map[Code]Item, len(stored))
	for _, it := range stored {
		byCode[it.Code] = it
	}
	out := List{ProjectID: pr.ID, Items: make([]Entry, 0, len(cl.Items)), StartPermit: cl.StartPermit}
	for _, c := range cl.Items {
		it, ok := byCode[c]
		if !ok {
			it = Item{ProjectID: pr.ID, Code: c, Fields: Fields{Status: NotStarted}}
		}
		out.Items = append(out.Items, Entry{Item: it, StartPermit: c == cl.StartPermit})
		switch it.Status {
		case Obtained:
			out.Readiness.Obtained++
			out.Readiness.Needed++
		case NotNeeded:
		default:
			out.Readiness.Needed++
		}
	}
	return out
}

// Checklist returns the checklist of a project the principal may read.
func (s *Service) Checklist(ctx context.Context, p identity.Principal, id string) (_ List, err error) {
	defer apperr.Wrap(&err, "approval.Service.Checklist(%s)", id)
	pr, err := s.Register.Get(ctx, p, id)
	if err != nil {
		return List{}, err
	}
	stored, err := s.Store.Items(ctx, id)
	if err != nil {
		return List{}, err
	}
	return s.listOf(pr, stored), nil
}

// Put sets the fields of item code of a project the principal may change.
// ifMatch is the version the caller last saw: 0 when it sends none, which
// only an item never written takes. It answers the item and whether it was
// written for the first time.
func (s *Service) Put(ctx context.Context, p identity.Principal, id string, code Code, ifMatch int, f Fields) (_ Entry, created bool, err error) {
	defer apperr.Wrap(&err, "approval.Service.Put(%s/%s)", id, code)
	if err := project.CanWrite(p); err != nil {
		return Entry{}, false, err
	}
	if !Known(code) {
		return Entry{}, false, errUnknown
	}
	f.normalize()
	if err := f.validate(code, calendar.Today(s.Now())); err != nil {
		return Entry{}, false, err
	}
	var out Entry
	_, err = s.Register.Within(ctx, project.ReachOf(p), id, func(ctx context.Context, pr *project.Project) error {
		l, err := s.current(ctx, *pr, code)
		if err != nil {
			return err
		}
		cur := l.Items[0]
		switch {
		case cur.Version == 0 && ifMatch != 0, cur.Version != 0 && ifMatch != 0 && ifMatch != cur.Version:
			return apperr.ErrVersionConflict
		case cur.Version != 0 && ifMatch == 0:
			return errNeedsIfMatch
		}
		created = cur.Version == 0
		if !created && cur.Fields.equal(f) {
			out = cur
			return nil
		}
		out, err = s.save(ctx, p, pr, cur, f)
		return err
	})
	return out, created, err
}

// current is the checklist of pr reduced to its item code, as stored now.
func (s *Service) current(ctx context.Context, pr project.Project, code Code) (List, error) {
	stored, err := s.Store.Items(ctx, pr.ID)
	if err != nil {
		return List{}, err
	}
	l := s.listOf(pr, stored)
	for _, e := range l.Items {
		if e.Code == code {
			l.Items = []Entry{e}
			return l, nil
		}
	}
	return List{}, errNotInList
}

// save writes cur with the fields f, a version up, with its audit entry
// and its event.
func (s *Service) save(ctx context.Context, p identity.Principal, pr *project.Project, cur Entry, f Fields) (Entry, error) {
	next := cur
	next.Fields = f
	next.Version++
	next.UpdatedAt = s.Now().UTC().Truncate(time.Microsecond)
	next.UpdatedBy = p.Name
	if err := s.Store.Put(ctx, next.Item, cur.Version); err != nil {
		return Entry{}, err
	}
	var was map[string]any
	var before any // none in the trail for an item never written
	if cur.Version != 0 {
		was = view(cur.Item)
		before = was
	}
	rid := pr.ID + "/" + string(cur.Code)
	if err := s.Auditor.Append(ctx, p, audit.Record{Action: ActionUpdate, ResourceType: ResourceType, ResourceID: rid,
		Before: before, After: view(next.Item)}); err != nil {
		return Entry{}, err
	}
	return next, s.Events.Record(ctx, p, event.Change{
		Type: event.ApprovalUpdated, ResourceType: ResourceType, ResourceID: rid, ProjectID: pr.ID, Version: next.Version,
		Changes: event.Diff(was, view(next.Item)), Departments: pr.Entitled(),
	})
}

func view(it Item) map[string]any {
	date := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.Format(time.DateOnly)
	}
	return map[string]any{
		"item": it.Code, "status": it.Status, "reason": it.Reason, "applied_on": date(it.AppliedOn),
		"expected_on": date(it.ExpectedOn), "obtained_on": date(it.ObtainedOn), "approval_no": it.ApprovalNo,
		"issuer": it.Issuer, "note": it.Note, "env_level": it.EnvLevel, "version": it.Version,
	}
}
