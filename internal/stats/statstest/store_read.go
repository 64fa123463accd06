package statstest

import (
	"context"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// row is h's row for q, its days and lists copies: what a caller does with
// a row does not change the store.
func (h *held) row(q stats.Query) stats.Row {
	r := h.Row
	for _, d := range []**time.Time{&r.SignedOn, &r.LandedOn, &r.StartedOn, &r.CompletedOn, &r.ProductionOn} {
		*d = dayOf(*d)
	}
	if r.ContractAmountYuan != nil {
		v := *r.ContractAmountYuan
		r.ContractAmountYuan = &v
	}
	for _, fa := range h.FundsArrived {
		if fa.Year == q.Year {
			v := fa.Yuan
			r.FundsArrivedYuan = &v
		}
	}
	if m := r.InStatisticsSince; m != nil {
		c := *m
		r.InStatisticsSince = &c
	}
	for _, e := range h.entries {
		if e.Year == q.Year {
			r.Entries = append(r.Entries, e)
		}
	}
	h.sums(&r, q)
	for _, d := range h.designated {
		if d.Year == q.Year {
			r.Designated = append(r.Designated, d.Batch)
		}
	}
	slices.SortFunc(r.Designated, func(a, b stats.Batch) int {
		if a.Quarter != b.Quarter {
			return a.Quarter - b.Quarter
		}
		return compare(string(a.Kind), string(b.Kind))
	})
	if h.historyRead(q) {
		r.History = make([]project.Step, len(h.history))
		for i, m := range h.history {
			r.History[i] = project.Step{To: m.To, On: m.On}
		}
	}
	return r
}

// sums adds h's reports that count for q to r: the year's by month, the
// earlier years' together.
func (h *held) sums(r *stats.Row, q stats.Query) {
	for m, rep := range h.reports {
		if !rep.State.Counts(q.AcceptedOnly) {
			continue
		}
		switch {
		case m.Year < q.Year:
			r.EarlierYuan += rep.CompletedYuan
		case m.Year == q.Year:
			r.Months[m.Month-1] += rep.CompletedYuan
			if rep.StatisticalYuan != nil {
				r.Statistical[m.Month-1] += *rep.StatisticalYuan
			}
		}
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// historyRead reports whether stats.Row names h's history: an entry in
// q's year's plan, or an entry of its history after as_of.
func (h *held) historyRead(q stats.Query) bool {
	if len(h.history) == 0 {
		return false
	}
	if slices.ContainsFunc(h.entries, func(e plan.Entry) bool { return e.Year == q.Year }) {
		return true
	}
	asOf := day(q.AsOf)
	return slices.ContainsFunc(h.history, func(m Move) bool { return m.On.After(asOf) })
}

// Year reads the year's plan, its adjustments, the calendar and the
// designated batches.
func (s *Store) Year(ctx context.Context, year int) (stats.Year, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads["Year"]++
	s.noteOutside(ctx)
	if err := s.fail["Year"]; err != nil {
		return stats.Year{}, err
	}
	y := stats.Year{Periods: calendar.Periods{Due: map[calendar.Month]time.Time{}, Combined: map[int]bool{}}}
	if p, ok := s.plans[year]; ok {
		y.Plan = &p
	}
	seen := map[stats.Adjustment]bool{}
	for _, h := range s.projects {
		for _, e := range h.entries {
			a := stats.Adjustment{Revision: e.Revision}
			if e.Year != year || e.Revision == 0 || e.EffectiveOn == nil {
				continue
			}
			a.EffectiveOn = *e.EffectiveOn
			if !seen[a] {
				seen[a] = true
				y.Adjustments = append(y.Adjustments, a)
			}
		}
	}
	for m, p := range s.periods {
		y.Periods.Due[m] = p.due
		if p.combined {
			y.Periods.Combined[m.Year] = true
		}
	}
	return y, nil
}

// MonthlyMoves counts the live projects' moves in the year, imports aside,
// by month and target stage.
func (s *Store) MonthlyMoves(_ context.Context, sc project.Reach, year int) (moves [12]map[project.Stage]int64, err error) {
	hs, err := s.read("MonthlyMoves", sc)
	if err != nil {
		return moves, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
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
	return moves, nil
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
