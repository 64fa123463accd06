package issue

import (
	"context"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps blockers. Implementations translate their driver errors into
// apperr kinds.
type Store interface {
	// Create inserts a blocker; an unknown responsible department is
	// Invalid.
	Create(ctx context.Context, i Issue) error
	// Get finds one in scope: of a project in scope, or one the scope's
	// department is responsible for.
	Get(ctx context.Context, s project.Reach, id string) (Issue, error)
	// Update saves one if its version is still version (VersionConflict
	// otherwise).
	Update(ctx context.Context, i Issue, version int) error
	// List returns a page of blockers of live projects in scope, the
	// earliest due first.
	List(ctx context.Context, s project.Reach, q Query) (Page, error)
}

// Register is what blockers need of the register: to change a project's
// blocker with the project locked, its health computed again after
// (project.Service).
type Register interface {
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Service applies the rules of blockers.
type Service struct {
	store    Store
	register Register
	auditor  Auditor
	events   Recorder
	now      func() time.Time
	newID    func() string
}

// NewService returns a Service; now is the clock and newID makes blockers' IDs.
func NewService(store Store, register Register, auditor Auditor, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, register: register, auditor: auditor, events: noEvents{}, now: now, newID: newID}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Audit actions and resource type of blockers.
const (
	ResourceType = "issue"
	ActionOpen   = "issue.opened"
	ActionUpdate = "issue.updated"
)

var (
	errNoWrite = apperr.Coded(apperr.Forbidden, "issue.no_write")
	errClosed  = apperr.Coded(apperr.Conflict, "issue.closed")
)

func canWrite(p identity.Principal) error {
	if !p.May(identity.ManageIssues) {
		return errNoWrite
	}
	return nil
}

// Open records a blocker of a project the principal may change.
func (s *Service) Open(ctx context.Context, p identity.Principal, projectID string, f Fields) (Issue, error) {
	return s.OpenIn(ctx, p, project.ReachOf(p), projectID, f)
}

// OpenIn records a blocker of a project in scope sc: a caller that has
// already decided who may change the project (the monthly dispatch admits
// a plan entry's responsible department, docs/dispatch.md) names the scope.
func (s *Service) OpenIn(ctx context.Context, p identity.Principal, sc project.Reach, projectID string, f Fields) (_ Issue, err error) {
	defer apperr.Wrap(&err, "issue.Service.OpenIn(%s)", projectID)
	if err := canWrite(p); err != nil {
		return Issue{}, err
	}
	f.normalize()
	if f.Status == "" {
		f.Status = Open
	}
	var c project.Check
	if f.Status != Open {
		c.Add("status", "invalid_value", string(Open))
	}
	if err := project.JoinInvalid(f.validate(), c.Err()); err != nil {
		return Issue{}, err
	}
	now := s.clock()
	is := Issue{ID: s.newID(), ProjectID: projectID, Fields: f, CreatedBy: p.Name, Version: 1, CreatedAt: now, UpdatedAt: now}
	_, err = s.register.Within(ctx, sc, projectID, func(ctx context.Context, pr *project.Project) error {
		is.ProjectDepartment = pr.Department
		if err := s.store.Create(ctx, is); err != nil {
			return err
		}
		if err := s.auditor.Append(ctx, p, audit.Record{Action: ActionOpen, ResourceType: ResourceType, ResourceID: is.ID, After: view(is)}); err != nil {
			return err
		}
		return s.record(ctx, p, pr, nil, is)
	})
	if err != nil {
		return Issue{}, err
	}
	return is, nil
}

// Get returns a blocker the principal may see: those of its projects and
// those its department is responsible for.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (_ Issue, err error) {
	defer apperr.Wrap(&err, "issue.Service.Get(%s)", id)
	if err := project.CanRead(p); err != nil {
		return Issue{}, err
	}
	return s.store.Get(ctx, project.ReachOf(p), id)
}

// Update changes a blocker: its owner (whoever may change the project)
// may change every field; the responsible department, while the blocker is
// unresolved, only its status and resolution. ifMatch is the version the
// caller last saw; change receives the current fields and returns the new.
func (s *Service) Update(ctx context.Context, p identity.Principal, id string, ifMatch int, change func(Fields) (Fields, error)) (_ Issue, err error) {
	defer apperr.Wrap(&err, "issue.Service.Update(%s)", id)
	if err := canWrite(p); err != nil {
		return Issue{}, err
	}
	cur, err := s.store.Get(ctx, project.ReachOf(p), id)
	if err != nil {
		return Issue{}, err
	}
	var out Issue
	_, err = s.register.Within(ctx, project.Reach{All: true}, cur.ProjectID, func(ctx context.Context, pr *project.Project) error {
		// Who the caller is to the blocker is decided with the project
		// locked, so that a project given to another department meanwhile
		// is not changed by the one it left.
		is, err := s.store.Get(ctx, project.Reach{All: true}, id)
		if err != nil {
			return err
		}
		owner := project.ReachOf(p).Admits(pr.Department)
		if !owner && !project.ReachOf(p).Admits(is.ResponsibleDepartment) {
			return apperr.ErrNotFound
		}
		switch {
		case is.Version != ifMatch:
			return apperr.ErrVersionConflict
		case is.Status == Resolved:
			return errClosed
		}
		f, err := change(is.Fields)
		if err != nil {
			return err
		}
		if err := checkChange(is.Fields, &f, owner); err != nil || f == is.Fields {
			out = is
			return err
		}
		out, err = s.save(ctx, p, pr, is, f)
		return err
	})
	return out, err
}

// checkChange normalizes and checks the fields a change gives a blocker
// that has cur: valid, a status move the blocker may make, and, for the
// responsible department that does not own the project, only status and
// resolution changed.
func checkChange(cur Fields, f *Fields, owner bool) error {
	f.normalize()
	if err := f.validate(); err != nil {
		return err
	}
	if next := moves[cur.Status]; f.Status != cur.Status && !slices.Contains(next, f.Status) {
		allowed := make([]string, len(next))
		for i, st := range next {
			allowed[i] = string(st)
		}
		return &apperr.Error{Kind: apperr.IllegalTransition, Allowed: allowed,
			Message: "issue.illegal_status", Params: []string{string(cur.Status), string(f.Status)}}
	}
	if owner {
		return nil
	}
	var c project.Check
	for _, fd := range []struct {
		name string
		same bool
	}{
		{"title", f.Title == cur.Title}, {"description", f.Description == cur.Description}, {"kind", f.Kind == cur.Kind},
		{"responsible_department", f.ResponsibleDepartment == cur.ResponsibleDepartment}, {"due_on", f.DueOn.Equal(cur.DueOn)},
	} {
		if !fd.same {
			c.Add(fd.name, "owner_only", "status, resolution")
		}
	}
	return c.Err()
}

// save writes is with the fields f, a version up, its audit entry and its
// event.
func (s *Service) save(ctx context.Context, p identity.Principal, pr *project.Project, is Issue, f Fields) (Issue, error) {
	before := is
	is.Fields = f
	is.Version++
	is.UpdatedAt = s.clock()
	if f.Status == Resolved {
		is.ResolvedAt = &is.UpdatedAt
	}
	if err := s.store.Update(ctx, is, before.Version); err != nil {
		return Issue{}, err
	}
	if err := s.auditor.Append(ctx, p, audit.Record{Action: ActionUpdate, ResourceType: ResourceType, ResourceID: is.ID,
		Before: view(before), After: view(is)}); err != nil {
		return Issue{}, err
	}
	return is, s.record(ctx, p, pr, &before, is)
}

// List returns a page of the blockers the principal may see, the
// earliest due first.
func (s *Service) List(ctx context.Context, p identity.Principal, q Query) (_ Page, err error) {
	defer apperr.Wrap(&err, "issue.Service.List")
	if err := project.CanRead(p); err != nil {
		return Page{}, err
	}
	return s.store.List(ctx, project.ReachOf(p), q)
}

func view(i Issue) map[string]any {
	var resolved any
	if i.ResolvedAt != nil {
		resolved = *i.ResolvedAt
	}
	return map[string]any{
		"id": i.ID, "project_id": i.ProjectID, "title": i.Title, "description": i.Description, "kind": i.Kind,
		"responsible_department": i.ResponsibleDepartment, "due_on": i.DueOn.Format(time.DateOnly),
		"status": i.Status, "resolution": i.Resolution, "version": i.Version, "resolved_at": resolved,
	}
}
