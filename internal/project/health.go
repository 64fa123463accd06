package project

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
)

// healthInput is what p's health is computed from, with the dispatch
// calendar that decides the months its investment rule reads.
func healthInput(p Project, periods calendar.Periods) health.Input {
	in := health.Input{
		Cancelled: p.Stage == Cancelled,
		Periods:   periods,
		Milestones: []health.Milestone{
			{Rule: health.RuleStartMissed, Planned: p.PlannedStartDate, Actual: p.Actual.StartedOn, Passed: p.Stage.Rank() >= Started.Rank()},
			{Rule: health.RuleCompletionMissed, Planned: p.PlannedCompletionDate, Actual: p.Actual.CompletedOn, Passed: p.Stage.Rank() >= Completed.Rank()},
			{Rule: health.RuleProductionMissed, Planned: p.PlannedProductionDate, Actual: p.Actual.ProductionOn, Passed: p.Stage.Rank() >= InProduction.Rank()},
		},
		Facts: p.Facts,
	}
	for _, f := range p.Funding {
		in.Funding = append(in.Funding, health.Funding{Source: f.Source, PlannedYuan: f.PlannedYuan, ReceivedYuan: f.ReceivedYuan})
	}
	return in
}

// loadFacts reads pr's plans, progress and blockers into pr.Facts, in the
// transaction of ctx: after a change to one of them.
func (s *Service) loadFacts(ctx context.Context, pr *Project) error {
	f, err := s.store.Facts(ctx, pr.ID)
	if err != nil {
		return err
	}
	pr.Facts = f
	return nil
}

// refreshHealth computes pr's health for today from its fields and facts.
func (s *Service) refreshHealth(ctx context.Context, pr *Project) error {
	periods, err := s.store.Periods(ctx)
	if err != nil {
		return err
	}
	s.evaluate(pr, periods)
	return nil
}

// evaluate computes pr's health for today with the dispatch calendar
// periods.
func (s *Service) evaluate(pr *Project, periods calendar.Periods) {
	pr.Health, pr.HealthReasons, pr.HealthDueOn = s.rules.Evaluate(healthInput(s.listedApprovals(*pr), periods), calendar.Today(s.now()))
}

// HealthOn is a project's health computed for a day, past or future.
type HealthOn struct {
	On      time.Time
	Health  health.Level
	Reasons []health.Reason
}

// Health computes a project's health on day on (today when zero) from what
// the register holds now: its plans, the actual dates and blockers as they
// stood on that day.
func (s *Service) Health(ctx context.Context, p identity.Principal, id string, on time.Time) (_ HealthOn, err error) {
	defer apperr.Wrap(&err, "project.Service.Health(%s)", id)
	pr, err := s.Get(ctx, p, id)
	if err != nil {
		return HealthOn{}, err
	}
	if on.IsZero() {
		on = calendar.Today(s.now())
	}
	periods, err := s.store.Periods(ctx)
	if err != nil {
		return HealthOn{}, err
	}
	h, reasons, _ := s.rules.Evaluate(healthInput(s.listedApprovals(pr), periods), on)
	return HealthOn{On: on, Health: h, Reasons: reasons}, nil
}

// healthRulesKey is the setting that holds the fingerprint of the rules
// the stored health was computed with.
const healthRulesKey = "health_rules"

// factsKey is the setting that holds the form of the stored facts the
// health was computed from (factsForm). When it differs, every live
// project is computed again, its facts read afresh: form 2 gave blockers
// their departments, which a project's events are told to
// (docs/integration.md, "Events").
const factsKey, factsForm = "health_facts", "2"

// HealthStore finds the projects whose stored health is due to be computed
// again, and keeps the fingerprint of the rules it was computed with.
type HealthStore interface {
	// HealthDue lists up to limit live projects whose stored health is due
	// to be computed again on day on.
	HealthDue(ctx context.Context, on time.Time, limit int) ([]string, error)
	// MarkHealthDue makes every live project's health due on day on.
	MarkHealthDue(ctx context.Context, on time.Time) error
	// Setting reads a stored setting ("" when unset); PutSetting stores one.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
}

// Refresher keeps the stored health of the register current as days pass
// and rules change. Stored health is what the health filter of lists reads,
// so it is kept current without computing every project at each request.
type Refresher struct {
	svc   *Service
	store HealthStore
}

// NewRefresher returns a Refresher of the projects of svc.
func NewRefresher(svc *Service, store HealthStore) *Refresher {
	return &Refresher{svc: svc, store: store}
}

// Refresh brings the stored health of every live project up to date for
// today: after a change of the rules, every project; otherwise those whose
// health the passing of days may have changed. It reports how many it
// computed.
func (r *Refresher) Refresh(ctx context.Context) (_ int, err error) {
	defer apperr.Wrap(&err, "project.Refresher.Refresh")
	s := r.svc
	today := calendar.Today(s.now())
	if err := r.markIfStale(ctx, today); err != nil {
		return 0, err
	}
	n := 0
	for {
		ids, err := r.store.HealthDue(ctx, today, 200)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			if err := s.refreshOne(ctx, id); err != nil {
				return n, err
			}
			n++
		}
	}
}

// markIfStale makes every live project due when the rules or the form of
// the stored facts changed since the stored health was computed.
func (r *Refresher) markIfStale(ctx context.Context, today time.Time) error {
	s := r.svc
	fp, err := r.store.Setting(ctx, healthRulesKey)
	if err != nil {
		return err
	}
	form, err := r.store.Setting(ctx, factsKey)
	if err != nil {
		return err
	}
	if fp == s.rules.Fingerprint() && form == factsForm {
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context) error {
		if err := r.store.MarkHealthDue(ctx, today); err != nil {
			return err
		}
		if err := r.store.PutSetting(ctx, healthRulesKey, s.rules.Fingerprint()); err != nil {
			return err
		}
		return r.store.PutSetting(ctx, factsKey, factsForm)
	})
}

// refreshOne computes a project's stored health again, through Update, which
// locks the row, so that a change committed meanwhile is never overwritten
// by a health computed before it.
func (s *Service) refreshOne(ctx context.Context, id string) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		_, err := s.store.Update(ctx, Reach{All: true}, id, func(pr *Project) error {
			if err := s.loadFacts(ctx, pr); err != nil {
				return err
			}
			return s.refreshHealth(ctx, pr)
		})
		return err
	})
}
