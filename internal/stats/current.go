package stats

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// The current figures (docs/stats.md, "Current figures"): the overview of
// the default request (this year, as of today, the plan as of today, the
// period due, the reports that count) is kept as each department's tally,
// built from the change feed by a keeper, and summed on read with what the
// feed committed since.

// tallyForm is the form of the tallies kept: a build that folds rows
// otherwise changes it, and the figures are built again.
const tallyForm = "1"

// KeepStore keeps the current figures. Implementations translate their
// driver errors into apperr kinds.
type KeepStore interface {
	// Read reads, in one statement, what is kept (dept's partial only, or
	// every department's when dept is ""), the rules of the stored health,
	// and the projects of the events after the kept position, at most
	// limit events in position order (none when limit is 0), with
	// unsequenced also those of the committed events without a position.
	Read(ctx context.Context, q KeptQuery) (Kept, Pending, error)
	// SpanStarts is the ID that begins each span of n live projects, in
	// ID order (Spans).
	SpanStarts(ctx context.Context, n int) ([]string, error)
	// Contributions reads the kept contributions of the projects ids.
	Contributions(ctx context.Context, ids []string) ([]Contribution, error)
	// HealthCounts counts the live projects of dept (all when "") by
	// stored health.
	HealthCounts(ctx context.Context, dept string) (map[health.Level]int64, error)
	// Exclusive runs fn in a transaction that one keeper at a time holds,
	// across replicas; ran is false when another held it.
	Exclusive(ctx context.Context, fn func(context.Context) error) (ran bool, err error)
	// Rebuilding runs fn holding, for its whole length, the lock that
	// admits one rebuild at a time across replicas; ran is false when
	// another held it.
	Rebuilding(ctx context.Context, fn func(context.Context) error) (ran bool, err error)
	// Replace keeps k (its key, position and partials) in place of
	// everything kept, contributions included.
	Replace(ctx context.Context, k Kept) error
	// Apply keeps cs in place of the projects' contributions (removing
	// those of gone) and k's partials in place of those departments', and
	// sets the key and the position the figures are through, in one
	// transaction (the caller's when it has one).
	Apply(ctx context.Context, k Kept, cs []Contribution, gone []string) error
}

// KeptQuery is what KeepStore.Read reads; Year is the year whose plan's
// version it reads (none when 0), On the day whose due health it looks for.
type KeptQuery struct {
	Department  string
	Year        int
	On          time.Time
	Limit       int
	Unsequenced bool
}

// Kept is what is kept of the current figures: the key they are for, the
// position of the last event they count, and departments' tallies
// (encoded); Health names what the stored health is computed with as it
// is now: its rules and the dispatch calendar.
type Kept struct {
	Key      string
	Through  int64
	Partials map[string][]byte
	Health   string
	// Due tells that a live project's stored health is due to be computed
	// again on the day asked: the health refresher may change it without an
	// event.
	Due bool
	// Frame changes whenever the year's plan (its state, issue, targets)
	// changes.
	Frame string
}

// Contribution is one project's tally (encoded), under its department.
type Contribution struct {
	ProjectID, Department string
	Tally                 []byte
}

// Pending is what the feed committed after a position.
type Pending struct {
	// IDs are the projects the events belong to, once each.
	IDs []string
	// Through is the position of the last event read (after when none);
	// Head the newest position.
	Through, Head int64
	// More tells that events were left past the limit; Gap that events
	// after the position have expired, so the feed cannot tell what
	// changed; Unsequenced that committed events have no position yet.
	More, Gap, Unsequenced bool
}

// Keeping has the current figures kept in store, before first use; a
// rebuild reads span projects at a time (foldChunk when 0).
func (s *Service) Keeping(store KeepStore, span int) {
	s.keep = store
	s.wake = make(chan struct{}, 1)
	s.span = cmp.Or(span, foldChunk)
}

// readLimit is the most events a read catches up on; past it the read
// computes from scratch, cached (docs/stats.md, "Current figures").
// keepBatch is the most a keeper's pass applies.
const (
	readLimit = 200
	keepBatch = 1000
)

// isCurrent reports whether ps is the default request of today.
func isCurrent(ps Params, today time.Time) bool {
	return ps.Year == today.Year() && ps.AsOf.Equal(today) && (ps.Basis == "" || ps.Basis == plan.AsOf) &&
		ps.Period == nil && !ps.AcceptedOnly
}

// currentKey is the key of the figures of frame f: what a tally was folded
// under besides the rows (the day, the period, the plan's state). When it
// changes the figures are built again.
func currentKey(f frame) string {
	period, pl := "-", "none"
	if f.period != nil {
		period = f.period.String()
	}
	if v := f.version; v != nil {
		pl = string(v.State)
		if v.IssuedOn != nil {
			pl += "@" + v.IssuedOn.Format(time.DateOnly)
		}
	}
	return fmt.Sprintf("%s|%d|%s|%s|%s", tallyForm, f.Year, f.AsOf.Format(time.DateOnly), period, pl)
}

// healthKey names the stored health as k reads it: its rules and calendar,
// and whether the refresher has work left. Kept figures count the health
// only when they were built with no work left and the same rules, and
// none is left now; otherwise a read counts it afresh.
func healthKey(k Kept) string {
	if k.Due {
		return k.Health + "|due"
	}
	return k.Health + "|settled"
}

// splitKey parses a kept key: the figures' and the health's.
func splitKey(key string) (figures, health string) {
	figures, health, _ = strings.Cut(key, "#")
	return figures, health
}

func decode(b []byte) (Tally, error) {
	var t Tally
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("reading a kept tally: %w", err)
	}
	return t, nil
}

func encode(t Tally) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // a Tally always encodes
	}
	return b
}

// Current answers the overview of ps, without the IDs, over the projects
// p may read from the kept current figures and what committed since; ok is
// false when they cannot answer it: ps is not today's default request, the
// figures are not kept for today, or the keeper is too far behind.
func (s *Service) Current(ctx context.Context, p identity.Principal, ps Params) (o Overview, ok bool, err error) {
	defer apperr.Wrap(&err, "stats.Service.Current")
	if err := project.CanRead(p); err != nil {
		return o, false, err
	}
	return s.current(ctx, project.ReachOf(p), ps)
}

// current answers the overview of today's default request from the kept
// figures and what committed since, in the snapshot in which it reads the
// frame; ok is false when the figures are not kept for today's key or the
// keeper is too far behind, and the caller computes from scratch.
func (s *Service) current(ctx context.Context, sc project.Reach, ps Params) (o Overview, ok bool, err error) {
	today := s.today()
	if s.keep == nil || (!sc.All && sc.Department == "") || !isCurrent(ps, today) {
		return o, false, nil
	}
	q := KeptQuery{Department: sc.Department, Year: ps.Year, On: today, Limit: readLimit, Unsequenced: true}
	k, p, err := s.keep.Read(ctx, q)
	if err != nil {
		return o, false, err
	}
	if o, ok := s.memo.get(sc.Department, fingerprint(today, k, p)); ok {
		return o, true, nil
	}
	err = s.store.Snapshot(ctx, func(ctx context.Context) (err error) {
		o, ok, err = s.fromKept(ctx, ps, q, today)
		return err
	})
	return o, ok, err
}

// fromKept answers the overview of ps from the kept figures, in the
// snapshot ctx carries, and remembers it; ok is false when the figures
// cannot answer it.
func (s *Service) fromKept(ctx context.Context, ps Params, q KeptQuery, today time.Time) (o Overview, ok bool, err error) {
	f, err := s.frame(ctx, ps)
	if err != nil {
		return o, false, err
	}
	k, p, err := s.keep.Read(ctx, q)
	figures, health := splitKey(k.Key)
	if err != nil || figures != currentKey(f) || p.More || p.Gap {
		return o, false, err
	}
	t := Tally{}
	for _, b := range k.Partials {
		u, err := decode(b)
		if err != nil {
			return o, false, err
		}
		t.Add(u)
	}
	if err := s.catchUp(ctx, f, q.Department, p.IDs, &t); err != nil {
		return o, false, err
	}
	if health != healthKey(k) || k.Due {
		if t.Health, err = s.keep.HealthCounts(ctx, q.Department); err != nil {
			return o, false, err
		}
	}
	o = t.overview(f)
	s.memo.put(q.Department, fingerprint(today, k, p), o)
	return o, true, nil
}

// catchUp replaces in t the kept contributions of the projects ids by
// their contributions now, within department dept ("" for all).
func (s *Service) catchUp(ctx context.Context, f frame, dept string, ids []string, t *Tally) error {
	if len(ids) == 0 {
		return nil
	}
	in := func(d string) bool { return dept == "" || d == dept }
	old, err := s.keep.Contributions(ctx, ids)
	if err != nil {
		return err
	}
	for _, c := range old {
		if !in(c.Department) {
			continue
		}
		u, err := decode(c.Tally)
		if err != nil {
			return err
		}
		t.Sub(u)
	}
	return s.store.Rows(ctx, project.Reach{All: true}, Query{Year: f.Year, AsOf: f.AsOf, IDs: ids}, func(r Row) bool {
		if in(r.Department) {
			t.Add(contribution(r, f))
		}
		return true
	})
}
