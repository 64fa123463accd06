// Package projecttest holds what tests of the register share: an in-memory
// project.Store (which is also the project.HealthStore), an in-memory
// project.Transactor, and StoreContract and HealthStoreContract, the
// behaviour every store keeps, which the SQL store and the in-memory one
// both pass. Only tests import it, so that none of it is linked into a
// binary.
package projecttest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// Departments are the departments a new Store knows: those the database's
// migrations create.
var Departments = []string{
	"drc", "energy", "industry", "tourism", "agriculture", "housing", "natural_resources", "transport",
	"ecology", "commerce", "devzone", "education", "health", "water", "trade_union",
}

// Store is a project.Store and project.HealthStore in memory, safe for
// concurrent use. It keeps what the SQL store keeps, as it keeps it: dates
// as midnight UTC, times in UTC, empty lists rather than nil, health
// reasons and facts as their JSON gives them back. It knows the departments
// it was made with, and the plans, months and blockers AddFacts gives it,
// which is all it knows of the stores of plans, progress and blockers: what
// Facts reads and what the Responsible scope admits.
//
// A change is saved only while the project is still at the version it was
// read at (Update) or, for a move, also still has the facts it was read
// with; a conflict is project.ErrChanged. Writes made in a transaction of a
// Tx are undone if it rolls back; Move, like the SQL store's, is refused
// outside one.
type Store struct {
	mu          sync.Mutex
	departments map[string]bool
	projects    map[string]project.Project
	history     map[string][]project.Transition
	facts       map[string]*facts
	settings    map[string]string
	periods     calendar.Periods
	fail        map[string]error
	// accounts are the usernames of the leader accounts LeaderAccounts knows.
	accounts map[string]bool
}

// facts are the plans, months and blockers of one project.
type facts struct {
	plans    map[int]int64
	months   map[[2]int]int64
	blockers map[string]blocker
}

// blocker is a blocker as far as a project's health and scope go.
type blocker struct {
	fact        health.IssueFact
	responsible string
}

var (
	_ project.Store       = (*Store)(nil)
	_ project.HealthStore = (*Store)(nil)
)

// NewStore returns an empty Store that knows departments, or Departments
// when none are given.
func NewStore(departments ...string) *Store {
	if len(departments) == 0 {
		departments = Departments
	}
	s := &Store{
		departments: map[string]bool{}, projects: map[string]project.Project{}, history: map[string][]project.Transition{},
		facts: map[string]*facts{}, settings: map[string]string{}, fail: map[string]error{}, accounts: map[string]bool{},
	}
	for _, d := range departments {
		s.departments[d] = true
	}
	return s
}

// Fail makes every later call of the named method (one of project.Store's
// or project.HealthStore's, e.g. "Update") return err, as a failing database
// would; a nil err makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// failure returns the error the named method is to fail with; s.mu is held.
func (s *Store) failure(method string) error { return s.fail[method] }

// errNoTx refuses a move outside a transaction, as the SQL store does: its
// history entry and the rows staged with it need the move's transaction.
var errNoTx = errors.New("projecttest: a move needs the transaction of its change")

var errDuplicateCode = &apperr.Error{
	Kind:    apperr.Conflict,
	Message: "project.code_taken",
	Fields:  []apperr.FieldError{{Field: "code", Code: "not_unique"}},
}

// check answers what the database's constraints would of p: a department
// it does not know, or a code another project holds. s.mu is held.
func (s *Store) check(p project.Project) error {
	if !s.departments[p.Department] {
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	}
	for _, u := range p.CooperatingUnits {
		if !s.departments[u] {
			return apperr.Fields([]apperr.FieldError{{Field: "cooperating_units", Code: "unknown"}})
		}
	}
	if p.Code == nil {
		return nil
	}
	for id, o := range s.projects {
		if id != p.ID && o.Code != nil && *o.Code == *p.Code {
			return errDuplicateCode
		}
	}
	return nil
}

// Create inserts p, and t when not nil.
func (s *Store) Create(ctx context.Context, p project.Project, t *project.Transition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Create"); err != nil {
		return err
	}
	if _, ok := s.projects[p.ID]; ok {
		return errDuplicateCode // as the SQL store answers a taken primary key
	}
	if err := s.check(p); err != nil {
		return err
	}
	s.projects[p.ID] = stored(p)
	if t != nil {
		s.history[p.ID] = append(s.history[p.ID], storedTransition(*t))
	}
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.projects, p.ID)
		delete(s.history, p.ID)
	})
	return nil
}

// admits reports whether sc holds p; s.mu is held.
func (s *Store) admits(sc project.Reach, p project.Project) bool {
	switch {
	case sc.Admits(p.Department):
		return true
	case !sc.Responsible || sc.Department == "":
		return false
	case slices.Contains(p.CooperatingUnits, sc.Department):
		return true
	}
	f := s.facts[p.ID]
	if f == nil {
		return false
	}
	for _, b := range f.blockers {
		if b.responsible == sc.Department && b.fact.ResolvedAt == nil {
			return true
		}
	}
	return false
}

// get returns the project id in scope; s.mu is held.
func (s *Store) get(sc project.Reach, id string) (project.Project, error) {
	p, ok := s.projects[id]
	if !ok || !s.admits(sc, p) {
		return project.Project{}, apperr.ErrNotFound
	}
	return stored(p), nil
}

// Get returns one project in scope.
func (s *Store) Get(_ context.Context, sc project.Reach, id string) (project.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Get"); err != nil {
		return project.Project{}, err
	}
	return s.get(sc, id)
}

// CodeHolders maps each of codes a project holds to the project's ID.
func (s *Store) CodeHolders(_ context.Context, codes []string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("CodeHolders"); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, p := range s.projects {
		if p.Code != nil && slices.Contains(codes, *p.Code) {
			out[*p.Code] = id
		}
	}
	return out, nil
}

// Update loads the project in scope, calls change on a copy and saves the
// result while the project is still at the version read. The ID and the
// creation time stay as they were. An update that changes nothing writes
// nothing.
func (s *Store) Update(ctx context.Context, sc project.Reach, id string, change func(*project.Project) error) (project.Project, error) {
	s.mu.Lock()
	if err := s.failure("Update"); err != nil {
		s.mu.Unlock()
		return project.Project{}, err
	}
	read, err := s.get(sc, id)
	s.mu.Unlock()
	if err != nil {
		return project.Project{}, err
	}
	p := stored(read)
	// change runs unlocked: it may read or write this store itself.
	if err := change(&p); err != nil {
		return project.Project{}, err
	}
	save := stored(p)
	save.ID, save.CreatedAt = read.ID, read.CreatedAt
	if same(save, read) {
		return p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.projects[id]
	if !ok || cur.Version != read.Version {
		return project.Project{}, project.ErrChanged
	}
	if err := s.check(save); err != nil {
		return project.Project{}, err
	}
	s.projects[id] = save
	s.undoLater(ctx, cur)
	return p, nil
}

// undoLater puts was back if the transaction of ctx rolls back.
func (s *Store) undoLater(ctx context.Context, was project.Project) {
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.projects[was.ID] = was
	})
}

// Move saves to, with t, while the project is still at from's version and
// has from's facts.
func (s *Store) Move(ctx context.Context, from, to project.Project, t project.Transition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Move"); err != nil {
		return err
	}
	if !InTransaction(ctx) {
		return errNoTx
	}
	cur, ok := s.projects[from.ID]
	if !ok || cur.Version != from.Version || !sameJSON(cur.Facts, stored(from).Facts) {
		return project.ErrChanged
	}
	save := stored(to)
	save.ID, save.CreatedAt = cur.ID, cur.CreatedAt
	s.projects[cur.ID] = save
	n := len(s.history[cur.ID])
	s.history[cur.ID] = append(s.history[cur.ID], storedTransition(t))
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.projects[cur.ID] = cur
		s.history[cur.ID] = s.history[cur.ID][:n]
	})
	return nil
}

// Transitions returns a project's history, by recording time and ID.
func (s *Store) Transitions(_ context.Context, sc project.Reach, id string) ([]project.Transition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Transitions"); err != nil {
		return nil, err
	}
	if _, err := s.get(sc, id); err != nil {
		return nil, err
	}
	out := []project.Transition{}
	for _, t := range s.history[id] {
		out = append(out, storedTransition(t))
	}
	slices.SortStableFunc(out, func(a, b project.Transition) int {
		return cmp.Or(a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// AddFacts gives the store plans, reported months and blockers of project
// id, as the stores of plans, progress and blockers would hold them: f's
// plans and months replace those of their year and month, its blockers
// those of their ID; responsible is the department responsible for each of
// f's blockers, which, while the blocker is unresolved, may read the
// project (project.Reach's Responsible).
func (s *Store) AddFacts(id string, f health.Facts, responsible string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pf := s.facts[id]
	if pf == nil {
		pf = &facts{plans: map[int]int64{}, months: map[[2]int]int64{}, blockers: map[string]blocker{}}
		s.facts[id] = pf
	}
	for y, v := range f.Plans {
		pf.plans[y] = v
	}
	for _, m := range f.Progress {
		pf.months[[2]int{m.Year, m.Month}] = m.Yuan
	}
	for _, i := range f.Issues {
		i.DueOn, i.CreatedAt, i.ResolvedAt, i.Dept = *date(&i.DueOn), i.CreatedAt.UTC(), utc(i.ResolvedAt), responsible
		pf.blockers[i.ID] = blocker{fact: i, responsible: responsible}
	}
}

// SetPeriods sets the dispatch calendar Periods reads.
func (s *Store) SetPeriods(p calendar.Periods) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.periods = p
}

// GetWithPeriods is Get and Periods.
func (s *Store) GetWithPeriods(ctx context.Context, sc project.Reach, id string) (project.Project, calendar.Periods, error) {
	p, err := s.Get(ctx, sc, id)
	if err != nil {
		return project.Project{}, calendar.Periods{}, err
	}
	periods, err := s.Periods(ctx)
	return p, periods, err
}

// Periods reads the dispatch calendar: the default due days unless
// SetPeriods set others.
func (s *Store) Periods(context.Context) (calendar.Periods, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Periods"); err != nil {
		return calendar.Periods{}, err
	}
	return s.periods, nil
}

// Facts reads a project's plans, its months by year and month and its
// blockers by due day and ID.
func (s *Store) Facts(_ context.Context, id string) (health.Facts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Facts"); err != nil {
		return health.Facts{}, err
	}
	out := health.Facts{}
	pf := s.facts[id]
	if pf == nil {
		return out, nil
	}
	if len(pf.plans) > 0 {
		out.Plans = map[int]int64{}
		for y, v := range pf.plans {
			out.Plans[y] = v
		}
	}
	for k, v := range pf.months {
		out.Progress = append(out.Progress, health.MonthFact{Year: k[0], Month: k[1], Yuan: v})
	}
	slices.SortFunc(out.Progress, func(a, b health.MonthFact) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month))
	})
	for _, b := range pf.blockers {
		i := b.fact
		i.ResolvedAt = utc(i.ResolvedAt)
		out.Issues = append(out.Issues, i)
	}
	slices.SortFunc(out.Issues, func(a, b health.IssueFact) int {
		return cmp.Or(a.DueOn.Compare(b.DueOn), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// HealthDue lists up to limit live projects whose health is due on day on,
// the earliest due first.
func (s *Store) HealthDue(_ context.Context, on time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("HealthDue"); err != nil {
		return nil, err
	}
	on = *date(&on)
	var due []project.Project
	for _, p := range s.projects {
		if p.ArchivedAt == nil && p.HealthDueOn != nil && !p.HealthDueOn.After(on) {
			due = append(due, p)
		}
	}
	slices.SortFunc(due, func(a, b project.Project) int {
		return cmp.Or(a.HealthDueOn.Compare(*b.HealthDueOn), cmp.Compare(a.ID, b.ID))
	})
	ids := []string{}
	for _, p := range due[:min(len(due), max(limit, 0))] {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// MarkHealthDue makes every live project's health due on day on.
func (s *Store) MarkHealthDue(ctx context.Context, on time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("MarkHealthDue"); err != nil {
		return err
	}
	for id, p := range s.projects {
		if p.ArchivedAt == nil {
			was := p
			p.HealthDueOn = date(&on)
			s.projects[id] = p
			s.undoLater(ctx, was)
		}
	}
	return nil
}

// Setting reads a setting, "" when unset.
func (s *Store) Setting(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("Setting"); err != nil {
		return "", err
	}
	return s.settings[key], nil
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("PutSetting"); err != nil {
		return err
	}
	was, had := s.settings[key]
	s.settings[key] = value
	onRollback(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if had {
			s.settings[key] = was
		} else {
			delete(s.settings, key)
		}
	})
	return nil
}

// sameJSON reports whether a and b have the same JSON, as the SQL store
// compares a project's stored facts.
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}
