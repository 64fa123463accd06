// Package statstest holds what tests of the statistics share: an in-memory
// stats.Store and StoreContract, the behaviour every Store keeps, which the
// SQL store and the in-memory one both pass, and the worked example of
// docs/stats.md. Only tests import it, so that neither is linked into a
// binary.
package statstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Project is a project as it is entered into a register: what the
// statistics read of it today (the Row's entries, sums, designations and
// history are not entered: the store works them out from what it is
// given), its funds arrived by year (the Row's FundsArrivedYuan is the
// query's year's), and whether it is archived.
type Project struct {
	stats.Row
	FundsArrived []project.FundsArrived
	Archived     bool
}

// Move is an entry of a project's history: the stage it moved to, the day
// it happened and its kind (project.KindMove, KindImport, …).
type Move struct {
	To   project.Stage
	On   time.Time
	Kind string
}

// Report is a project's month as the dispatch keeps it: a later Report of
// the same month replaces it (a correction).
type Report struct {
	ProjectID       string
	Month           calendar.Month
	CompletedYuan   int64
	StatisticalYuan *int64
	State           dispatch.State
}

// Store is a stats.Store and stats.DesignationStore in memory, safe for
// concurrent use. It holds what it is given (a Register) and answers from
// it as the SQL store answers from its tables. Scopes are taken by
// department: the statistics never ask for a responsible department's
// projects.
type Store struct {
	mu       sync.Mutex
	projects map[string]*held
	plans    map[int]plan.Plan
	periods  map[calendar.Month]period
	fail     map[string]error
	reads    map[string]int
}

type period struct {
	due      time.Time
	combined bool
}

// held is one project and what belongs to it.
type held struct {
	Project
	history    []Move
	entries    []plan.Entry
	reports    map[calendar.Month]Report
	designated []stats.Designation
}

var (
	_ stats.Store            = (*Store)(nil)
	_ stats.DesignationStore = (*Store)(nil)
	_ Register               = (*Store)(nil)
)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{projects: map[string]*held{}, plans: map[int]plan.Plan{}, periods: map[calendar.Month]period{},
		fail: map[string]error{}, reads: map[string]int{}}
}

// Fail makes every later call of the named method ("Rows", "Year" or
// "MonthlyMoves") return err, as a failing database would; a nil err makes
// it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// Reads tells how many times the named method has been called, failed
// calls included.
func (s *Store) Reads(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[method]
}

// Add enters a project; an ID already held is refused.
func (s *Store) Add(_ context.Context, p Project) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.projects[p.ID]; ok {
		return fmt.Errorf("project %s: already held", p.ID)
	}
	p.Entries, p.Months, p.Statistical, p.EarlierYuan, p.Designated, p.History = nil, [12]int64{}, [12]int64{}, 0, nil, nil
	p.FundsArrivedYuan, p.FundsArrived = nil, slices.Clone(p.FundsArrived)
	if p.ContractAmountYuan != nil {
		v := *p.ContractAmountYuan
		p.ContractAmountYuan = &v
	}
	for _, d := range []**time.Time{&p.SignedOn, &p.LandedOn, &p.StartedOn, &p.CompletedOn, &p.ProductionOn} {
		*d = dayOf(*d)
	}
	s.projects[p.ID] = &held{Project: p, reports: map[calendar.Month]Report{}}
	return nil
}

// Move appends an entry to a project's history, in recorded order.
func (s *Store) Move(_ context.Context, id string, m Move) error {
	return s.change(id, func(h *held) error {
		m.On = day(m.On)
		h.history = append(h.history, m)
		return nil
	})
}

// Plan enters a year's plan, or replaces it.
func (s *Store) Plan(_ context.Context, p plan.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.IssuedOn = dayOf(p.IssuedOn)
	s.plans[p.Year] = p
	return nil
}

// Entry adds a state of a project's entry in a year's plan, which must be
// entered.
func (s *Store) Entry(_ context.Context, e plan.Entry) error {
	s.mu.Lock()
	_, ok := s.plans[e.Year]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("plan %d: not held", e.Year)
	}
	return s.change(e.ProjectID, func(h *held) error {
		e.EffectiveOn = dayOf(e.EffectiveOn)
		h.entries = append(h.entries, e)
		return nil
	})
}

// Report enters a project's month, replacing the one entered before.
func (s *Store) Report(_ context.Context, r Report) error {
	return s.change(r.ProjectID, func(h *held) error {
		h.reports[r.Month] = r
		return nil
	})
}

// Period sets a period's due day, and whether its January is reported
// with it.
func (s *Store) Period(_ context.Context, m calendar.Month, due time.Time, combined bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.periods[m] = period{due: day(due), combined: combined}
	return nil
}

// Designation enters a designation, as Designate does.
func (s *Store) Designation(ctx context.Context, d stats.Designation) error {
	_, err := s.Designate(ctx, d)
	return err
}

// Designate records a designation of a held project.
func (s *Store) Designate(_ context.Context, d stats.Designation) (created bool, err error) {
	err = s.change(d.ProjectID, func(h *held) error {
		if slices.ContainsFunc(h.designated, func(o stats.Designation) bool { return o.Year == d.Year && o.Batch == d.Batch }) {
			return nil
		}
		created = true
		h.designated = append(h.designated, d)
		return nil
	})
	return created, err
}

// Undesignate removes a designation.
func (s *Store) Undesignate(_ context.Context, year int, b stats.Batch, projectID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.projects[projectID]
	if !ok {
		return apperr.Coded(apperr.NotFound, "stats.not_designated")
	}
	n := len(h.designated)
	h.designated = slices.DeleteFunc(h.designated, func(o stats.Designation) bool { return o.Year == year && o.Batch == b })
	if len(h.designated) == n {
		return apperr.Coded(apperr.NotFound, "stats.not_designated")
	}
	return nil
}

// change applies fn to a held project, as a foreign key would refuse an
// unknown one.
func (s *Store) change(id string, fn func(*held) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.projects[id]
	if !ok {
		return fmt.Errorf("project %s: not held", id)
	}
	return fn(h)
}

// read counts a call of method and answers its injected failure, and the
// live projects in scope, in ID order.
func (s *Store) read(method string, sc project.Reach) ([]*held, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads[method]++
	if err := s.fail[method]; err != nil {
		return nil, err
	}
	var out []*held
	for _, h := range s.projects {
		if h.Archived || !sc.Admits(h.Department) {
			continue
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b *held) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Rows streams the live projects in scope in ID order, as stats.Row says.
// The rows are made before the first is yielded, as one snapshot: yield
// may call the store.
// Snapshot runs fn with ctx marked: the store holds its data in memory
// and each read is consistent, so the mark only lets a test see that Year
// and Rows were read inside one snapshot (Reads("outside") counts those
// that were not).
func (s *Store) Snapshot(ctx context.Context, fn func(context.Context) error) error {
	return fn(context.WithValue(ctx, snapshotKey{}, true))
}

// snapshotKey marks a context inside Snapshot.
type snapshotKey struct{}

// noteOutside counts a read made outside a snapshot; s.mu is held.
func (s *Store) noteOutside(ctx context.Context) {
	if in, _ := ctx.Value(snapshotKey{}).(bool); !in {
		s.reads["outside"]++
	}
}

func (s *Store) Rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	s.mu.Lock()
	s.noteOutside(ctx)
	s.mu.Unlock()
	hs, err := s.read("Rows", sc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	rows := make([]stats.Row, 0, len(hs))
	for _, h := range hs {
		if r := h.row(q); q.Reads(r.ID) {
			rows = append(rows, r)
		}
	}
	s.mu.Unlock()
	for _, r := range rows {
		if !yield(r) {
			return nil
		}
	}
	return nil
}
