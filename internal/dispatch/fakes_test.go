package dispatch_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/dispatch/dispatchtest"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	st := dispatchtest.NewStore()
	st.AddDepartment("energy", "能源局")
	dispatchtest.StoreContract(t, dispatchtest.Setup{
		Store: st,
		NewProject: func(_ *testing.T, name string, total *int64) string {
			id := uuid.NewString()
			st.AddProject(id, dispatch.ProjectInfo{Name: name, Department: "energy", TotalInvestmentYuan: total})
			return id
		},
		AddEntry: func(_ *testing.T, e plan.Entry) { st.AddEntry(e) },
		AddIssue: func(_ *testing.T, id string) string {
			i := uuid.NewString()
			st.AddIssueWith(id, i, issue.Fields{Title: "用地手续", Kind: "land", ResponsibleDepartment: "energy", Status: issue.Open})
			return i
		},
	})
}

// The principals of the service tests, as internal/auth makes them.
var (
	admin          = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	// A department system without progress:write.
	clientRead = identity.Principal{Subject: "c1", Name: "能源局系统", Role: identity.RoleDeptEditor, Department: "energy",
		ClientID: "pc_1", Scopes: []string{identity.ScopeProjectsRead}}
)

// The projects of the service tests: energy's, in the plan with energy
// responsible; lent, energy's with industry responsible for its entry;
// outside, not in the plan; late, added by an adjustment effective 15
// July and removed 10 September; archived.
const (
	energyProject = "p-energy"
	lentProject   = "p-lent"
	outsideProj   = "p-outside"
	lateProject   = "p-late"
	archivedProj  = "p-archived"
)

var errArchived = apperr.Coded(apperr.Conflict, "project.archived")

// register is the register as the service sees it (project.Service).
type register struct {
	mu       sync.Mutex
	store    *dispatchtest.Store
	projects map[string]project.Project
}

func (r *register) Get(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	if err := project.CanRead(p); err != nil {
		return project.Project{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.projects[id]
	if !ok || !project.ReachOf(p).Admits(pr.Department) {
		return project.Project{}, apperr.ErrNotFound
	}
	return pr, nil
}

func (r *register) Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error) {
	r.mu.Lock()
	pr, ok := r.projects[id]
	r.mu.Unlock()
	switch {
	case !ok || !sc.Admits(pr.Department):
		return project.Project{}, apperr.ErrNotFound
	case pr.ArchivedAt != nil:
		return project.Project{}, errArchived
	}
	if err := fn(ctx, &pr); err != nil {
		return project.Project{}, err
	}
	return pr, nil
}

// tx rolls the store back when a change fails, as a transaction would.
type tx struct{ store *dispatchtest.Store }

func (t tx) InTx(ctx context.Context, fn func(context.Context) error) error {
	restore := t.store.Snapshot()
	if err := fn(ctx); err != nil {
		restore()
		return err
	}
	return nil
}

type auditor struct {
	mu      sync.Mutex
	records []audit.Record
	err     error
}

func (a *auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.records = append(a.records, r)
	return nil
}

// issues opens blockers into the store's list of a project's blockers.
type issues struct {
	reg    *register
	store  *dispatchtest.Store
	n      int
	scopes []project.Reach // each blocker's scope
}

func (i *issues) OpenIn(ctx context.Context, _ identity.Principal, sc project.Reach, projectID string, f issue.Fields) (issue.Issue, error) {
	if _, err := i.reg.Within(ctx, sc, projectID, func(context.Context, *project.Project) error { return nil }); err != nil {
		return issue.Issue{}, err
	}
	if f.Title == "" {
		return issue.Issue{}, apperr.Fields([]apperr.FieldError{{Field: "title", Code: "required"}})
	}
	i.scopes = append(i.scopes, sc)
	i.n++
	id := "issue-" + strconv.Itoa(i.n)
	f.Status = issue.Open
	i.store.AddIssueWith(projectID, id, f)
	return issue.Issue{ID: id, ProjectID: projectID, Fields: f}, nil
}

// fixture is a Service over the fakes, its clock settable.
type fixture struct {
	svc     *dispatch.Service
	store   *dispatchtest.Store
	auditor *auditor
	now     time.Time
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func entry(id, dept string, version, revision int, effective *time.Time, removed bool) plan.Entry {
	return plan.Entry{Year: 2021, ProjectID: id, Version: version, Revision: revision, EffectiveOn: effective, Removed: removed,
		BuildType: plan.Continuing, Department: dept, Section: plan.Industry, PlannedYuan: ptr(int64(1200)), Leader: "王副县长", Goals: "并网"}
}

// newFixture is the service on day now (Asia/Shanghai midday).
func newFixture(now time.Time) *fixture {
	st := dispatchtest.NewStore()
	archived := day("2021-03-01")
	reg := &register{store: st, projects: map[string]project.Project{
		energyProject: {ID: energyProject, Fields: project.Fields{Name: "晨风风电", Department: "energy"}},
		lentProject:   {ID: lentProject, Fields: project.Fields{Name: "国昶物流", Department: "energy"}},
		outsideProj:   {ID: outsideProj, Fields: project.Fields{Name: "计划外", Department: "energy"}},
		lateProject:   {ID: lateProject, Fields: project.Fields{Name: "山水白羊", Department: "energy"}},
		archivedProj:  {ID: archivedProj, Fields: project.Fields{Name: "已归档", Department: "energy"}, ArchivedAt: &archived},
	}}
	for id, p := range reg.projects {
		st.AddProject(id, dispatch.ProjectInfo{Name: p.Name, Department: p.Department, Archived: p.ArchivedAt != nil})
	}
	st.AddDepartment("energy", "能源局")
	st.AddDepartment("industry", "工信局")
	issued := day("2021-02-01")
	st.AddEntry(entry(energyProject, "energy", 1, 0, &issued, false))
	st.AddEntry(entry(lentProject, "industry", 1, 0, &issued, false))
	st.AddEntry(entry(archivedProj, "energy", 1, 0, &issued, false))
	st.AddEntry(entry(lateProject, "energy", 1, 1, ptr(day("2021-07-15")), false))
	st.AddEntry(entry(lateProject, "energy", 2, 2, ptr(day("2021-09-10")), true))
	f := &fixture{store: st, auditor: &auditor{}, now: now}
	f.svc = dispatch.NewService(dispatch.Deps{Store: st, Register: reg, Auditor: f.auditor, Issues: &issues{reg: reg, store: st}, Tx: tx{st},
		Now: func() time.Time { return f.now }, County: "广灵县"})
	return f
}

func month(y int, m time.Month) calendar.Month { return calendar.Month{Year: y, Month: m} }

// requireErr asserts that err is want or, for field errors, has exactly
// the fields named "field:code".
func requireErr(t *testing.T, want error, fields []string, err error) {
	t.Helper()
	if fields != nil {
		require.Error(t, err)
		var got []string
		for _, f := range apperr.As(err).Fields {
			got = append(got, f.Field+":"+f.Code)
		}
		require.Equal(t, fields, got, "error: %v", err)
		return
	}
	if want == nil {
		require.NoError(t, err)
		return
	}
	require.Equal(t, apperr.KindOf(want), apperr.KindOf(err), "error: %v", err)
}
