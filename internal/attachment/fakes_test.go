package attachment_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// The projects of the service tests.
const (
	energyProject   = "11111111-1111-4111-8111-111111111111"
	industryProject = "22222222-2222-4222-8222-222222222222"
	archivedProject = "33333333-3333-4333-8333-333333333333"
	moveID          = "55555555-5555-4555-8555-555555555555"
)

var (
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
)

// register is the register as attachments see it: projects by department,
// read and changed within a principal's reach.
type register struct{ projects map[string]project.Project }

func newRegister() *register {
	archived := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &register{projects: map[string]project.Project{}}
	for id, dept := range map[string]string{energyProject: "energy", industryProject: "industry", archivedProject: "energy"} {
		pr := project.Project{ID: id}
		pr.Department = dept
		if id == archivedProject {
			pr.ArchivedAt = &archived
		}
		r.projects[id] = pr
	}
	return r
}

func (r *register) find(sc project.Reach, id string) (project.Project, error) {
	pr, ok := r.projects[id]
	if !ok || !sc.Admits(pr.Department) {
		return project.Project{}, apperr.ErrNotFound
	}
	return pr, nil
}

func (r *register) Get(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	return r.find(project.ReachOf(p), id)
}

func (r *register) GetOwn(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	if err := project.CanWrite(p); err != nil {
		return project.Project{}, err
	}
	return r.find(project.ReachOf(p), id)
}

func (r *register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	pr, err := r.find(sc, id)
	if err != nil {
		return project.Project{}, err
	}
	if pr.ArchivedAt != nil {
		return project.Project{}, project.ErrArchived
	}
	return pr, fn(ctx, &pr)
}

func (r *register) Transitions(_ context.Context, p identity.Principal, id string) ([]project.Transition, error) {
	if _, err := r.find(project.ReachOf(p), id); err != nil {
		return nil, err
	}
	if id != energyProject {
		return nil, nil
	}
	return []project.Transition{{ID: moveID, ProjectID: id, To: project.Stage("signed")}}, nil
}

type auditor struct {
	mu      sync.Mutex
	records []audit.Record
}

func (a *auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, r)
	return nil
}

type recorder struct {
	mu      sync.Mutex
	changes []event.Change
}

func (r *recorder) Record(_ context.Context, _ identity.Principal, c event.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
	return nil
}

// world is a service over fakes.
type world struct {
	svc    *attachment.Service
	store  *attachmenttest.Store
	blobs  *attachmenttest.Blobs
	audit  *auditor
	events *recorder
}

// now is the tests' clock: 2021-06-15 10:00 in Shanghai.
var now = time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, set attachment.Settings) *world {
	t.Helper()
	reg := newRegister()
	w := &world{store: attachmenttest.NewStore(), blobs: attachmenttest.NewBlobs(), audit: &auditor{}, events: &recorder{}}
	for id := range reg.projects {
		w.store.Project(id)
	}
	reports := attachment.ReportsFunc(func(_ context.Context, _ identity.Principal, id string, m calendar.Month) (bool, error) {
		return id == energyProject && m == calendar.Month{Year: 2021, Month: time.May}, nil
	})
	w.svc = attachment.NewService(attachment.Deps{
		Store: w.store, Blobs: w.blobs, Register: reg, Auditor: w.audit, Now: func() time.Time { return now }, NewID: uuid.NewString,
		Targets: attachment.ProjectTargets{History: reg, Reports: reports, Approvals: attachment.NoApprovals},
	}, set)
	w.svc.RecordEvents(w.events)
	return w
}
