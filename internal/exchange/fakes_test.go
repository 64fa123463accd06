package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// The principals of the service tests, as internal/auth makes them.
var (
	admin          = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau         = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader         = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor   = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	energyViewer   = identity.Principal{Subject: "u5", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"}
	industryEditor = identity.Principal{Subject: "u6", Name: "industry_editor", Role: identity.RoleDeptEditor, Department: "industry"}
	// Clients of the energy bureau's system, each with the OAuth scopes named.
	clientWrite = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
	clientRead  = client(identity.RoleDeptViewer, identity.ScopeProjectsRead)
	clientBlind = client(identity.RoleDeptViewer, identity.ScopeEventsRead)
	clientPlans = client(identity.RoleDeptEditor, identity.ScopeProjectsRead, identity.ScopeProgressWrite)
)

func client(r identity.Role, scopes ...string) identity.Principal {
	return identity.Principal{Subject: "c1", Name: "能源局系统", Role: r, Department: "energy", ClientID: "pc_1", Scopes: scopes}
}

// now is the clock of the tests: 15 June 2021 in the county.
var now = time.Date(2021, 6, 15, 10, 0, 0, 0, time.FixedZone("Asia/Shanghai", 8*3600))

// The departments rows may name. Two share a name, which names neither.
var departments = []department.Department{
	{Code: "drc", Name: "发展和改革局", Version: 1},
	{Code: "energy", Name: "能源局", Version: 1},
	{Code: "housing", Name: "住房和城乡建设局", Version: 1},
	{Code: "industry", Name: "工业和信息化局", Version: 1},
	{Code: "water", Name: "水务局", Version: 1},
	{Code: "water_works", Name: "水务局", Version: 1},
}

// The projects of the register every test starts with, in creation order.
const (
	energyProject   = "p-energy"   // energy's, signed, with a code and funding, at version 3
	industryProject = "p-industry" // industry's, in planning, bare
	solarProject    = "p-solar"    // energy's, in planning, bare
	archivedProject = "p-archived" // energy's, archived, holding a code
)

const (
	energyCode   = "2021-140223-44-01-000001"
	archivedCode = "2020-140223-44-01-000009"
)

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

// stored is a project as the register keeps it: its fields normalized.
func stored(p project.Project) project.Project {
	p.Fields.Normalize()
	return p
}

func seed() []project.Project {
	energy := project.Project{ID: energyProject, Version: 3, Stage: project.Signed, Actual: project.Actual{SignedOn: day("2021-03-15")},
		Fields: project.Fields{Code: ptr(energyCode), Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
			Capacity: ptr(50.0), CapacityUnit: "MW", TotalInvestmentYuan: ptr(int64(400_000_000)), PlannedSignDate: day("2021-03-01"),
			Funding: []project.Funding{{Source: "enterprise", PlannedYuan: 400_000_000}}}}
	archived := project.Project{ID: archivedProject, Version: 2, Stage: project.Planning, ArchivedAt: day("2021-01-01"),
		Fields: project.Fields{Code: ptr(archivedCode), Name: "已归档的项目", Category: "other", Department: "energy"}}
	return []project.Project{
		stored(energy),
		stored(project.Project{ID: industryProject, Version: 1, Stage: project.Planning,
			Fields: project.Fields{Name: "新材料产业园", Category: "new_materials", Department: "industry"}}),
		stored(project.Project{ID: solarProject, Version: 1, Stage: project.Planning,
			Fields: project.Fields{Name: "光伏发电项目", Category: "solar_pv", Department: "energy"}}),
		stored(archived),
	}
}

// txKey marks the context the transactor passes its function.
type txKey struct{}

// errOutsideTx is what the register answers a write made outside the
// import's transaction.
var errOutsideTx = errors.New("written outside the transaction")

// errCodeTaken is the register's answer for a code another project holds.
var errCodeTaken = &apperr.Error{Kind: apperr.Conflict, Fields: []apperr.FieldError{{Field: "code", Code: "not_unique"}}}

// register is the register as the service sees it (project.Service): it
// lists and reads projects in a principal's scope, creates and changes them
// as Create and Update do (in the import's transaction only), and knows
// the codes every project holds, archived or not, in any department.
type register struct {
	mu       sync.Mutex
	projects map[string]project.Project
	order    []string // IDs in creation order
	created  int
	lists    []project.ListQuery
	listErr  map[int]error    // the nth call of List fails (from 1)
	fail     map[string]error // "GetOwn", "Create", "Update" and "CodeHolders" fail
	asked    [][]string       // the codes CodeHolders was asked about
}

func newRegister(ps ...project.Project) *register {
	r := &register{projects: map[string]project.Project{}, listErr: map[int]error{}, fail: map[string]error{}}
	for _, p := range ps {
		r.add(p)
	}
	return r
}

func (r *register) add(p project.Project) {
	r.projects[p.ID] = p
	r.order = append(r.order, p.ID)
}

func admits(sc project.Reach, department string) bool {
	return sc.All || sc.Department != "" && sc.Department == department
}

// List lists the live projects of q's departments (any when none) in the
// principal's scope, in creation order, q.Limit at a time, after q.After.
func (r *register) List(_ context.Context, p identity.Principal, q project.ListQuery) (project.Page, error) {
	if err := project.CanRead(p); err != nil {
		return project.Page{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists = append(r.lists, q)
	if err := r.listErr[len(r.lists)]; err != nil {
		return project.Page{}, err
	}
	var page project.Page
	started := q.After == nil
	for _, id := range r.order {
		pr := r.projects[id]
		switch {
		case !started:
			started = id == q.After.ID
			continue
		case pr.ArchivedAt != nil && !q.Filter.Archived, !admits(project.ReachOf(p), pr.Department),
			len(q.Filter.Departments) > 0 && !slices.Contains(q.Filter.Departments, pr.Department):
			continue
		case len(page.Items) == q.Limit:
			last := page.Items[len(page.Items)-1]
			page.Next = &project.Cursor{Sort: q.Sort.Key, ID: last.ID}
			return page, nil
		}
		page.Items = append(page.Items, pr)
	}
	return page, nil
}

func (r *register) GetOwn(_ context.Context, p identity.Principal, id string) (project.Project, error) {
	if err := project.CanWrite(p); err != nil {
		return project.Project{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail["GetOwn"]; err != nil {
		return project.Project{}, err
	}
	pr, ok := r.projects[id]
	if !ok || !admits(project.ReachOf(p), pr.Department) {
		return project.Project{}, apperr.ErrNotFound
	}
	return pr, nil
}

// holder is the project that holds code, if any.
func (r *register) holder(code *string) string {
	for id, pr := range r.projects {
		if code != nil && pr.Code != nil && *pr.Code == *code {
			return id
		}
	}
	return ""
}

func (r *register) Create(ctx context.Context, p identity.Principal, e project.Draft) (project.Project, error) {
	if ctx.Value(txKey{}) == nil {
		return project.Project{}, errOutsideTx
	}
	if err := project.CanWrite(p); err != nil {
		return project.Project{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail["Create"]; err != nil {
		return project.Project{}, err
	}
	if p.Role.DepartmentBound() && e.Department != p.Department {
		return project.Project{}, apperr.Fields([]apperr.FieldError{{Field: "department", Code: "not_allowed", Param: p.Department}})
	}
	if err := project.JoinInvalid(e.Fields.Validate(), project.ValidateEntry(e.Stage, e.Actual, calendar.Today(now))); err != nil {
		return project.Project{}, err
	}
	if r.holder(e.Code) != "" {
		return project.Project{}, errCodeTaken
	}
	r.created++
	pr := project.Project{ID: fmt.Sprintf("new-%d", r.created), Fields: e.Fields, Stage: e.Stage, Actual: e.Actual, Version: 1}
	r.add(pr)
	return pr, nil
}

func (r *register) Update(ctx context.Context, p identity.Principal, id string, ifMatch int, change func(project.Fields) (project.Fields, error)) (project.Project, error) {
	if ctx.Value(txKey{}) == nil {
		return project.Project{}, errOutsideTx
	}
	if err := project.CanWrite(p); err != nil {
		return project.Project{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.projects[id]
	switch err := r.fail["Update"]; {
	case err != nil:
		return project.Project{}, err
	case !ok || !admits(project.ReachOf(p), pr.Department):
		return project.Project{}, apperr.ErrNotFound
	case pr.Version != ifMatch:
		return project.Project{}, apperr.ErrVersionConflict
	case pr.ArchivedAt != nil:
		return project.Project{}, project.ErrArchived
	}
	f, err := change(pr.Fields)
	if err != nil {
		return project.Project{}, err
	}
	f.Normalize()
	if err := f.Validate(); err != nil {
		return project.Project{}, err
	}
	if h := r.holder(f.Code); h != "" && h != id {
		return project.Project{}, errCodeTaken
	}
	if reflect.DeepEqual(f, pr.Fields) {
		return pr, nil
	}
	pr.Fields, pr.Version = f, pr.Version+1
	r.projects[id] = pr
	return pr, nil
}

func (r *register) CodeHolders(_ context.Context, codes []string) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail["CodeHolders"]; err != nil {
		return nil, err
	}
	r.asked = append(r.asked, slices.Clone(codes))
	out := map[string]string{}
	for _, c := range codes {
		if id := r.holder(&c); id != "" {
			out[c] = id
		}
	}
	return out, nil
}

// get returns a project of the register, as it is.
func (r *register) get(id string) (project.Project, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr, ok := r.projects[id]
	return pr, ok
}

// snapshot and restore save and put back what the register holds.
func (r *register) snapshot() (map[string]project.Project, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.projects), slices.Clone(r.order)
}

func (r *register) restore(projects map[string]project.Project, order []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.projects, r.order = projects, order
}

// transactor runs fn in a transaction of the register: what fn wrote is
// put back when it fails. onBegin stands for what others change between
// an import's check and its writes.
type transactor struct {
	reg                         *register
	onBegin                     func(r *register)
	err                         error // a transaction that cannot begin
	began, committed, discarded int
}

func (x *transactor) InTx(ctx context.Context, fn func(context.Context) error) error {
	if x.err != nil {
		return x.err
	}
	x.began++
	if x.onBegin != nil {
		x.onBegin(x.reg)
	}
	projects, order := x.reg.snapshot()
	if err := fn(context.WithValue(ctx, txKey{}, true)); err != nil {
		x.reg.restore(projects, order)
		x.discarded++
		return err
	}
	x.committed++
	return nil
}

// depts lists the departments (department.Service).
type depts struct {
	list []department.Department
	err  error
}

func (d *depts) List(context.Context, identity.Principal) ([]department.Department, error) {
	return d.list, d.err
}

// table is a register file read from a slice of rows, its header first;
// err, when set, is what it answers after the rows instead of io.EOF.
type table struct {
	rows [][]string
	next int
	err  error
}

func (t *table) Next() (int, []string, error) {
	if t.next == len(t.rows) {
		if t.err != nil {
			return 0, nil, t.err
		}
		return 0, nil, io.EOF
	}
	t.next++
	return t.next, t.rows[t.next-1], nil
}

// fixture is a Service over the fakes, its clock fixed.
type fixture struct {
	svc   *exchange.Service
	reg   *register
	tx    *transactor
	depts *depts
	opens int
}

func newFixture(ps ...project.Project) *fixture {
	if ps == nil {
		ps = seed()
	}
	f := &fixture{reg: newRegister(ps...), depts: &depts{list: departments}}
	f.tx = &transactor{reg: f.reg}
	f.svc = exchange.NewService(f.reg, f.depts, f.tx, func() time.Time { return now })
	return f
}

// open is an Import's open of a file of rows, counted.
func (f *fixture) open(rows [][]string) func() (exchange.Table, error) {
	return func() (exchange.Table, error) {
		f.opens++
		return &table{rows: rows}, nil
	}
}

func (f *fixture) importRows(t *testing.T, p identity.Principal, dryRun bool, rows ...[]string) exchange.ImportReport {
	t.Helper()
	rep, err := f.svc.Import(context.Background(), p, f.open(rows), dryRun)
	require.NoError(t, err)
	return rep
}

// unchanged asserts that the register holds what it was seeded with.
func (f *fixture) unchanged(t *testing.T) {
	t.Helper()
	projects, order := f.reg.snapshot()
	want := map[string]project.Project{}
	var ids []string
	for _, p := range seed() {
		want[p.ID] = p
		ids = append(ids, p.ID)
	}
	require.Equal(t, want, projects, "the register is as it was")
	require.Equal(t, ids, order)
}
