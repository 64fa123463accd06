// Package plantest holds what tests of the year's plan share: an in-memory
// plan.Store and StoreContract, the behaviour every Store keeps, which the
// SQL store and the in-memory one both pass. Only tests import it, so that
// neither is linked into a binary.
package plantest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Store is a plan.Store in memory, safe for concurrent use. It keeps what
// the SQL store keeps, times in UTC and days as midnight UTC, and no more.
// Like the SQL store it knows the departments and projects, which the test
// gives it: an entry names a known department and a known project, and is
// read with that project.
type Store struct {
	mu          sync.Mutex
	plans       map[int]plan.Plan
	states      map[stateKey]plan.Entry
	projects    map[string]plan.Summary
	departments map[string]bool
	fail        map[string]error
}

type stateKey struct {
	year    int
	project string
	version int
}

var _ plan.Store = (*Store)(nil)

// NewStore returns an empty Store that knows the departments named.
func NewStore(departments ...string) *Store {
	s := &Store{plans: map[int]plan.Plan{}, states: map[stateKey]plan.Entry{}, projects: map[string]plan.Summary{},
		departments: map[string]bool{}, fail: map[string]error{}}
	for _, d := range departments {
		s.departments[d] = true
	}
	return s
}

// AddDepartment makes a department known.
func (s *Store) AddDepartment(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.departments[code] = true
}

// PutProject makes a project known, as entries read it.
func (s *Store) PutProject(id string, p plan.Summary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = p
}

// Fail makes every later call of the named method return err, as a failing
// database would; a nil err makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// Snapshot returns a function that puts the store back as it is now: a
// transaction's rollback, for the fakes that stand for one.
func (s *Store) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	plans, states := maps.Clone(s.plans), maps.Clone(s.states)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.plans, s.states = plans, states
	}
}

// Plans returns a year's plan, or every year's by year for year 0.
func (s *Store) Plans(_ context.Context, year int) ([]plan.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Plans"]; err != nil {
		return nil, err
	}
	out := []plan.Plan{}
	for y, p := range s.plans {
		if year == 0 || y == year {
			out = append(out, copyPlan(p))
		}
	}
	slices.SortFunc(out, func(a, b plan.Plan) int { return cmp.Compare(a.Year, b.Year) })
	return out, nil
}

// LockPlan returns a year's plan: the fake's callers take turns already.
func (s *Store) LockPlan(_ context.Context, year int) (plan.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["LockPlan"]; err != nil {
		return plan.Plan{}, err
	}
	p, ok := s.plans[year]
	if !ok {
		return plan.Plan{}, apperr.ErrNotFound
	}
	return copyPlan(p), nil
}

// CreatePlan inserts a plan unless the year has one.
func (s *Store) CreatePlan(_ context.Context, p plan.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["CreatePlan"]; err != nil {
		return err
	}
	if _, ok := s.plans[p.Year]; !ok {
		s.plans[p.Year] = normalPlan(p)
	}
	return nil
}

// SavePlan saves a plan if its stored version is still version.
func (s *Store) SavePlan(_ context.Context, p plan.Plan, version int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["SavePlan"]; err != nil {
		return err
	}
	cur, ok := s.plans[p.Year]
	if !ok || cur.Version != version {
		return apperr.ErrVersionConflict
	}
	s.plans[p.Year] = normalPlan(p)
	return nil
}

// States lists the states of a year's entries in reach.
func (s *Store) States(_ context.Context, sc project.Reach, year int, projectID string) ([]plan.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["States"]; err != nil {
		return nil, err
	}
	type entryKey struct {
		year    int
		project string
	}
	responsible := map[entryKey]bool{}
	for k, e := range s.states {
		if e.Department == sc.Department {
			responsible[entryKey{k.year, k.project}] = true
		}
	}
	out := []plan.Entry{}
	for k, e := range s.states {
		if year != 0 && k.year != year || projectID != "" && k.project != projectID {
			continue
		}
		if p := s.projects[k.project]; sc.All || sc.Admits(p.Department) || responsible[entryKey{k.year, k.project}] {
			out = append(out, s.read(e))
		}
	}
	sortStates(out)
	return out, nil
}

// Adjustments lists the effective day of each adjustment of a year.
func (s *Store) Adjustments(_ context.Context, year int) (map[int]time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Adjustments"]; err != nil {
		return nil, err
	}
	out := map[int]time.Time{}
	for k, e := range s.states {
		if k.year == year && e.Revision > 0 && e.EffectiveOn != nil {
			out[e.Revision] = *e.EffectiveOn
		}
	}
	return out, nil
}

// AddState inserts a state.
func (s *Store) AddState(_ context.Context, e plan.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("AddState", e); err != nil {
		return err
	}
	k := stateKey{e.Year, e.ProjectID, e.Version}
	if _, taken := s.states[k]; taken {
		return apperr.ErrConflict
	}
	s.states[k] = normalEntry(e)
	return nil
}

// ReplaceState replaces a draft's state of version version.
func (s *Store) ReplaceState(_ context.Context, e plan.Entry, version int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("ReplaceState", e); err != nil {
		return err
	}
	k := stateKey{e.Year, e.ProjectID, version}
	if _, ok := s.states[k]; !ok {
		return apperr.ErrVersionConflict
	}
	delete(s.states, k)
	s.states[stateKey{e.Year, e.ProjectID, e.Version}] = normalEntry(e)
	return nil
}

// DeleteStates deletes the states of a project's entry of a year.
func (s *Store) DeleteStates(_ context.Context, year int, projectID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["DeleteStates"]; err != nil {
		return err
	}
	for k := range s.states {
		if k.year == year && k.project == projectID {
			delete(s.states, k)
		}
	}
	return nil
}

// IssueStates gives every state of a year's entries the 下达 day.
func (s *Store) IssueStates(_ context.Context, year int, on time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["IssueStates"]; err != nil {
		return err
	}
	d := day(on)
	for k, e := range s.states {
		if k.year == year {
			e.EffectiveOn = &d
			s.states[k] = e
		}
	}
	return nil
}

// check refuses a state the SQL store's constraints refuse.
func (s *Store) check(method string, e plan.Entry) error {
	if err := s.fail[method]; err != nil {
		return err
	}
	if !s.departments[e.Department] {
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	}
	return nil
}

// read is a stored state with its project, shared with nothing.
func (s *Store) read(e plan.Entry) plan.Entry {
	e.Project = s.projects[e.ProjectID]
	e.Project.Code = clone(e.Project.Code)
	e.PlannedYuan, e.OpeningYuan = clone(e.PlannedYuan), clone(e.OpeningYuan)
	e.PlannedStartMonth = clone(e.PlannedStartMonth)
	e.EffectiveOn, e.PlannedCompletionOn, e.PlannedProductionOn = clone(e.EffectiveOn), clone(e.PlannedCompletionOn), clone(e.PlannedProductionOn)
	return e
}

func sortStates(es []plan.Entry) {
	slices.SortFunc(es, func(a, b plan.Entry) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.ProjectID, b.ProjectID), cmp.Compare(a.Version, b.Version))
	})
}

func normalEntry(e plan.Entry) plan.Entry {
	e.Project = plan.Summary{}
	e.RecordedAt = e.RecordedAt.UTC()
	for _, d := range []**time.Time{&e.EffectiveOn, &e.PlannedCompletionOn, &e.PlannedProductionOn} {
		if *d != nil {
			v := day(**d)
			*d = &v
		}
	}
	e.PlannedYuan, e.OpeningYuan, e.PlannedStartMonth = clone(e.PlannedYuan), clone(e.OpeningYuan), clone(e.PlannedStartMonth)
	return e
}

func normalPlan(p plan.Plan) plan.Plan {
	p.UpdatedAt = p.UpdatedAt.UTC()
	if p.IssuedOn != nil {
		d := day(*p.IssuedOn)
		p.IssuedOn = &d
	}
	for i := range p.Targets.StartRate {
		p.Targets.StartRate[i].Date = day(p.Targets.StartRate[i].Date)
	}
	if r := p.Targets.Resumption; r != nil {
		p.Targets.Resumption = &plan.Checkpoint{Date: day(r.Date), Rate: r.Rate}
	}
	return copyPlan(p)
}

func copyPlan(p plan.Plan) plan.Plan {
	p.IssuedOn = clone(p.IssuedOn)
	p.Targets.StartRate = slices.Clone(p.Targets.StartRate)
	p.Targets.Resumption = clone(p.Targets.Resumption)
	p.Targets.InvestmentYuan = clone(p.Targets.InvestmentYuan)
	return p
}

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// day is the calendar day of t as midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
