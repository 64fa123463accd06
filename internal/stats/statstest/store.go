// Package statstest holds what tests of the statistics share: an in-memory
// stats.Store and StoreContract, the behaviour every Store keeps, which the
// SQL store and the in-memory one both pass. Only tests import it, so that
// neither is linked into a binary.
package statstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Project is a project as it is entered into a register: what the
// statistics read of it today (the Row's year figures and history are not
// entered: the store works them out from the plans, reports and moves it
// is given), and whether it is archived.
type Project struct {
	stats.Row
	Archived bool
}

// Move is an entry of a project's history: the stage it moved to, the day
// it happened and its kind (project.KindMove, KindImport, …).
type Move struct {
	To   project.Stage
	On   time.Time
	Kind string
}

// Store is a stats.Store in memory, safe for concurrent use. It holds the
// projects, moves, plans and monthly reports it is given (a Register), and
// answers from them as the SQL store answers from its tables. Scopes are
// taken by department: the statistics never ask for a responsible
// department's projects.
type Store struct {
	mu       sync.Mutex
	projects map[string]*held
	fail     map[string]error
	reads    map[string]int
}

// held is one project and what belongs to it.
type held struct {
	Project
	history  []Move
	plans    map[int]int64
	progress map[int]map[time.Month]int64 // by year and month
}

var (
	_ stats.Store = (*Store)(nil)
	_ Register    = (*Store)(nil)
)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{projects: map[string]*held{}, fail: map[string]error{}, reads: map[string]int{}}
}

// Fail makes every later call of the named method ("Rows" or
// "MonthlyTrend") return err, as a failing database would; a nil err makes
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

// Reads tells how many times the named method ("Rows" or "MonthlyTrend")
// has been called, failed calls included.
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
	p.PlannedYuan, p.CompletedYuan, p.History = nil, 0, nil
	for _, d := range []**time.Time{&p.PlannedStartDate, &p.SignedOn, &p.StartedOn, &p.ProductionOn} {
		*d = dayOf(*d)
	}
	s.projects[p.ID] = &held{Project: p, plans: map[int]int64{}, progress: map[int]map[time.Month]int64{}}
	return nil
}

// Move appends an entry to a project's history, in recorded order.
func (s *Store) Move(_ context.Context, id string, m Move) error {
	return s.change(id, func(h *held) {
		m.On = day(m.On)
		h.history = append(h.history, m)
	})
}

// Plan sets a project's plan for a year.
func (s *Store) Plan(_ context.Context, id string, year int, yuan int64) error {
	return s.change(id, func(h *held) { h.plans[year] = yuan })
}

// Progress sets the investment a project completed in a month.
func (s *Store) Progress(_ context.Context, id string, year int, month time.Month, yuan int64) error {
	return s.change(id, func(h *held) {
		if h.progress[year] == nil {
			h.progress[year] = map[time.Month]int64{}
		}
		h.progress[year][month] = yuan
	})
}

// change applies fn to a held project, as a foreign key would refuse an
// unknown one.
func (s *Store) change(id string, fn func(*held)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.projects[id]
	if !ok {
		return fmt.Errorf("project %s: not held", id)
	}
	fn(h)
	return nil
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

// Rows streams the live projects in scope in ID order, with the year's
// plan, the investment completed up to q.AsOf's month and the histories
// stats.Query names. The rows are made before the first is yielded, as one
// snapshot: yield may call the store.
func (s *Store) Rows(_ context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	hs, err := s.read("Rows", sc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	rows := make([]stats.Row, len(hs))
	for i, h := range hs {
		rows[i] = h.row(q)
	}
	s.mu.Unlock()
	for _, r := range rows {
		if !yield(r) {
			return nil
		}
	}
	return nil
}

// row is h's row for q, its days copies: what a caller does with a row
// does not change the store.
func (h *held) row(q stats.Query) stats.Row {
	r := h.Row
	for _, d := range []**time.Time{&r.PlannedStartDate, &r.SignedOn, &r.StartedOn, &r.ProductionOn} {
		*d = dayOf(*d)
	}
	if yuan, ok := h.plans[q.Year]; ok {
		r.PlannedYuan = &yuan
	}
	for m, yuan := range h.progress[q.Year] {
		if m <= q.AsOf.Month() {
			r.CompletedYuan += yuan
		}
	}
	if h.historyRead(q) {
		r.History = make([]project.Step, len(h.history))
		for i, m := range h.history {
			r.History[i] = project.Step{To: m.To, On: m.On}
		}
	}
	return r
}

// historyRead reports whether stats.Query names h's history: an entry after
// as_of; or, continuing, a cancellation before the year, or cancelled today
// with an entry in the year.
func (h *held) historyRead(q stats.Query) bool {
	asOf, jan1 := day(q.AsOf), time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	continuing := h.BuildType == project.Continuing
	for _, m := range h.history {
		switch {
		case m.On.After(asOf):
			return true
		case continuing && m.To == project.Cancelled && m.On.Before(jan1):
			return true
		case continuing && h.Stage == project.Cancelled && !m.On.Before(jan1):
			return true
		}
	}
	return false
}

// MonthlyTrend sums the live projects' reports of year by month, and counts
// their moves in the year, imports aside, by month and target stage.
func (s *Store) MonthlyTrend(_ context.Context, sc project.Reach, year int) (completed [12]int64, moves [12]map[project.Stage]int64, err error) {
	hs, err := s.read("MonthlyTrend", sc)
	if err != nil {
		return completed, moves, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		for m, yuan := range h.progress[year] {
			completed[m-1] += yuan
		}
		for _, m := range h.history {
			if m.Kind == project.KindImport || m.On.Year() != year {
				continue
			}
			i := m.On.Month() - 1
			if moves[i] == nil {
				moves[i] = map[project.Stage]int64{}
			}
			moves[i][m.To]++
		}
	}
	return completed, moves, nil
}

// day is t's calendar day, at midnight UTC, as the SQL store keeps days.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayOf is day of a date that may be missing, in a new variable.
func dayOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := day(*t)
	return &d
}
