package approval_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/approval/approvaltest"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// TestMemoryStoreContract holds the in-memory store to the contract the SQL
// store passes (approvaldb).
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	n := 0
	approvaltest.Contract(t, func(*testing.T) approvaltest.Backend {
		return approvaltest.Backend{Store: approvaltest.NewStore(), NewProject: func(*testing.T) string {
			n++
			return "p" + strings.Repeat("0", 3) + string(rune('a'+n))
		}}
	})
}

// The principals of the tests.
var (
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
)

// The projects of the tests.
const (
	windFarm = "11111111-1111-4111-8111-111111111111" // energy, landed
	factory  = "22222222-2222-4222-8222-222222222222" // industry, signed
	pvPlant  = "33333333-3333-4333-8333-333333333333" // energy, started
	archived = "44444444-4444-4444-8444-444444444444"
)

var today = time.Date(2021, 4, 20, 0, 0, 0, 0, time.UTC)

// register is the register as approvals see it (project.Service).
type register struct {
	projects map[string]project.Project
	within   int // the changes Within completed
}

func (r *register) Get(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	pr, ok := r.projects[id]
	if !ok || !project.ReachOf(p).Admits(pr.Department) {
		return project.Project{}, apperr.ErrNotFound
	}
	return pr, nil
}

func (r *register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	pr, ok := r.projects[id]
	switch {
	case !ok || !sc.Admits(pr.Department):
		return project.Project{}, apperr.ErrNotFound
	case pr.ArchivedAt != nil:
		return project.Project{}, apperr.Coded(apperr.Conflict, "project.archived")
	}
	if err := fn(ctx, &pr); err != nil {
		return project.Project{}, err
	}
	r.within++
	return pr, nil
}

// List pages the live projects in reach by name, two at a time.
func (r *register) List(_ context.Context, p identity.Principal, q project.ListQuery) (project.Page, error) {
	var all []project.Project
	for _, pr := range r.projects {
		f := q.Filter
		if pr.ArchivedAt != nil || !project.ReachOf(p).Admits(pr.Department) ||
			len(f.Stages) > 0 && !slices.Contains(f.Stages, pr.Stage) ||
			len(f.Departments) > 0 && !slices.Contains(f.Departments, pr.Department) ||
			len(f.IDs) > 0 && !slices.Contains(f.IDs, pr.ID) {
			continue
		}
		all = append(all, pr)
	}
	slices.SortFunc(all, func(a, b project.Project) int { return strings.Compare(a.Name, b.Name) })
	start := 0
	if q.After != nil {
		start = slices.IndexFunc(all, func(pr project.Project) bool { return pr.ID == q.After.ID }) + 1
	}
	end := min(start+2, len(all))
	page := project.Page{Items: all[start:end]}
	if end < len(all) {
		page.Next = &project.Cursor{ID: all[end-1].ID}
	}
	return page, nil
}

// plans is a year's plan (plan.Service).
type plans struct{ entries []plan.Entry }

func (ps plans) Get(_ context.Context, p identity.Principal, year int, _ plan.Query) (plan.View, error) {
	v := plan.View{Entries: []plan.Entry{}}
	for _, e := range ps.entries {
		if e.Year == year && (project.ReachOf(p).Admits(e.Department) || project.ReachOf(p).Admits(e.Project.Department)) {
			v.Entries = append(v.Entries, e)
		}
	}
	return v, nil
}

type auditor struct{ records []audit.Record }

func (a *auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	a.records = append(a.records, r)
	return nil
}

type recorder struct{ changes []event.Change }

func (r *recorder) Record(_ context.Context, _ identity.Principal, c event.Change) error {
	r.changes = append(r.changes, c)
	return nil
}

type fixture struct {
	svc      *approval.Service
	store    *approvaltest.Store
	register *register
	audit    *auditor
	events   *recorder
}

func pr(id, name, dept, category string, stage project.Stage) project.Project {
	return project.Project{ID: id, Fields: project.Fields{Name: name, Department: dept, Category: project.Category(category)}, Stage: stage}
}

func newFixture(t *testing.T, entries ...plan.Entry) fixture {
	t.Helper()
	at := time.Date(2021, 4, 20, 2, 0, 0, 0, time.UTC)
	gone := at
	old := pr(archived, "旧项目", "energy", "wind", project.Planning)
	old.ArchivedAt = &gone
	fx := fixture{store: approvaltest.NewStore(), audit: &auditor{}, events: &recorder{}, register: &register{projects: map[string]project.Project{
		windFarm: pr(windFarm, "晨风风电场", "energy", "wind", project.Landed),
		factory:  pr(factory, "锌合金锭", "industry", "raw_materials", project.Signed),
		pvPlant:  pr(pvPlant, "天宏光伏", "energy", "solar_pv", project.Started),
		archived: old,
	}}}
	fx.svc = approval.NewService(approval.Deps{Store: fx.store, Register: fx.register, Plans: plans{entries}, Auditor: fx.audit,
		Events: fx.events, Now: func() time.Time { return at }})
	return fx
}

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func put(t *testing.T, fx fixture, p identity.Principal, id string, code approval.Code, ifMatch int, f approval.Fields) approval.Entry {
	t.Helper()
	e, _, err := fx.svc.Put(context.Background(), p, id, code, ifMatch, f)
	require.NoError(t, err)
	return e
}
