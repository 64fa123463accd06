package webhook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/event"
)

// maxErrorLength is the most bytes of an attempt's error the log keeps.
const maxErrorLength = 500

// FanOut turns the events sequenced since the cursor into deliveries, one
// per subscription that admits each event (paused ones too: their
// deliveries wait, for the give-up window; see stopped), and moves the cursor past them, in one transaction
// under the fan-out's lock. A subscription receives the events of changes
// made since it was created. A subscription whose owner may no longer have
// it is paused first (followOwners), and so is every one that may have
// missed events expired unread, which it reports after committing as
// ErrEventsLost (noticeLoss). It reports how many events it read; fewer
// than the batch means it has caught up.
func (s *Service) FanOut(ctx context.Context) (_ int, err error) {
	defer apperr.Wrap(&err, "webhook.Service.FanOut")
	n := 0
	var lost error
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		after, err := s.Queue.Cursor(ctx)
		if errors.Is(err, ErrFanOutBusy) {
			return nil // another replica's pass hands these events out
		} else if err != nil {
			return err
		}
		events, err := s.Feed.List(ctx, event.Query{After: after, Limit: s.set.Batch})
		if err != nil || len(events) == 0 {
			return err
		}
		subs, err := s.Store.List(ctx, "")
		if err != nil {
			return err
		}
		s.none.Store(len(subs) == 0)
		if subs, err = s.followOwners(ctx, subs); err != nil {
			return err
		}
		now, err := s.shared(ctx)
		if err != nil {
			return err
		}
		if lost = s.noticeLoss(ctx, after, events[0], subs, now); lost != nil && !errors.Is(lost, ErrEventsLost) {
			return lost
		}
		ds, missed, err := s.deliveries(events, subs, now)
		if err != nil {
			return err
		}
		if err := s.noteMissed(ctx, subs, missed, now); err != nil {
			return err
		}
		n = len(events)
		return s.Queue.Enqueue(ctx, events[len(events)-1].Position, ds)
	})
	if err == nil {
		err = lost
	}
	return n, err
}

// deliveries are the deliveries of events to the subscriptions that admit
// them, in the events' order, and, by subscription, the first position of
// an event it admits but no longer collects (stopped).
func (s *Service) deliveries(events []event.Event, subs []Subscription, now time.Time) ([]Delivery, map[string]int64, error) {
	var ds []Delivery
	missed := map[string]int64{}
	for _, e := range events {
		var body []byte
		for _, sub := range subs {
			if !sub.Admits(e) || e.At.Before(sub.CreatedAt) {
				continue
			}
			if s.stopped(sub, e.At) {
				missed[sub.ID] = cmp.Or(missed[sub.ID], e.Position)
				continue
			}
			if body == nil {
				var err error
				if body, err = s.Render(e); err != nil {
					return nil, nil, fmt.Errorf("render event %s: %w", e.ID, err)
				}
			}
			ds = append(ds, Delivery{ID: s.NewID(), SubscriptionID: sub.ID, EventID: e.ID, EventType: e.Type,
				Position: e.Position, ProjectID: e.ProjectID, Body: body, NextAttemptAt: now, CreatedAt: now})
		}
	}
	return ds, missed, nil
}

// Deliver claims the deliveries due now, up to limit, and sends them, each
// key's at most one at a time, and waits for them. It reports how many it
// sent.
func (s *Service) Deliver(ctx context.Context, limit int) (_ int, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Deliver")
	claimed, err := s.claim(ctx, limit)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(claimed))
	for i, c := range claimed {
		wg.Go(func() { errs[i] = s.send(ctx, c) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return len(claimed), err
		}
	}
	return len(claimed), nil
}

// claimedDelivery is a delivery a sender holds, with its subscription, and
// when it was claimed by the shared clock (at) and by this process's
// monotonic one (local), which measures the lease left.
type claimedDelivery struct {
	Delivery
	sub       Subscription
	at, local time.Time
}

// now is the shared time now, for an attempt at c.
func (s *Service) now(c claimedDelivery) time.Time {
	if s.Clock == nil {
		return s.clock()
	}
	return c.at.Add(time.Since(c.local)).Truncate(time.Microsecond)
}

// claim takes the deliveries due now by the shared clock. The
// subscriptions are read before, so that nothing is read one by one while
// the lease runs; a delivery of one registered in between is left to its
// lease, and sent after it.
func (s *Service) claim(ctx context.Context, limit int) ([]claimedDelivery, error) {
	list, err := s.Store.List(ctx, "")
	if err != nil {
		return nil, err
	}
	subs := make(map[string]Subscription, len(list))
	for _, sub := range list {
		subs[sub.ID] = sub
	}
	local := time.Now()
	now, err := s.shared(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := s.Queue.Claim(ctx, now, now.Add(s.set.Lease), s.NewID(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]claimedDelivery, 0, len(ds))
	for _, d := range ds {
		if sub, ok := subs[d.SubscriptionID]; ok {
			out = append(out, claimedDelivery{Delivery: d, sub: sub, at: now, local: local})
		}
	}
	return out, nil
}

// send makes one attempt at a claimed delivery and records its outcome,
// unless less than the timeout is left of its lease: another sender could
// take it while the attempt ran.
func (s *Service) send(ctx context.Context, c claimedDelivery) error {
	if s.set.Timeout > 0 && s.set.Lease-time.Since(c.local) < s.set.Timeout {
		return nil
	}
	at := s.now(c)
	ts := at.Unix()
	header := map[string]string{
		"Content-Type":  "application/json",
		HeaderTimestamp: strconv.FormatInt(ts, 10),
		HeaderSignature: SignatureHeader(c.sub.Secrets(at), ts, c.Body),
		HeaderDelivery:  c.ID,
		HeaderEvent:     c.EventType,
	}
	status, err := s.Sender.Send(ctx, c.sub.URL, header, c.Body)
	if ctx.Err() != nil {
		return nil // stopping: the claim runs out and another attempt follows
	}
	o := s.outcome(c, s.now(c), status, err)
	s.observed(outcomeOf(o))
	_, err = s.Queue.Record(context.WithoutCancel(ctx), o)
	return err
}

func outcomeOf(o Outcome) string {
	switch {
	case o.Delivered:
		return OutcomeDelivered
	case o.PauseReason != "":
		return OutcomeGaveUp
	}
	return OutcomeFailed
}

// outcome is what an attempt at now came to: delivered on a 2xx; else a
// retry after the schedule's wait, or, once the give-up window is over, the
// subscription paused with the reason.
func (s *Service) outcome(c claimedDelivery, now time.Time, status int, sendErr error) Outcome {
	o := Outcome{DeliveryID: c.ID, LeaseToken: c.LeaseToken, Generation: c.Generation, At: now, Status: status}
	if sendErr == nil && status >= 200 && status < 300 {
		o.Delivered = true
		return o
	}
	switch {
	case sendErr != nil:
		o.Error = sendErr.Error()
	default:
		o.Error = "HTTP " + strconv.Itoa(status)
	}
	if len(o.Error) > maxErrorLength {
		o.Error = o.Error[:maxErrorLength]
	}
	o.FirstFailedAt = c.FirstFailedAt
	if o.FirstFailedAt.IsZero() {
		o.FirstFailedAt = now
	}
	if s.set.Schedule.Exhausted(o.FirstFailedAt, now) {
		o.NextAttemptAt = now
		o.PauseReason = fmt.Sprintf("delivery %s failed for %s; last attempt: %s", c.ID, s.set.Schedule.GiveUp, o.Error)
		return o
	}
	o.NextAttemptAt = now.Add(s.set.Schedule.Wait(c.Attempts + 1))
	return o
}

// Purge deletes from the log the deliveries delivered longer ago than the
// Keep setting, and reports how many.
func (s *Service) Purge(ctx context.Context) (_ int64, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Purge")
	if s.set.Keep <= 0 {
		return 0, nil
	}
	return s.Queue.Purge(ctx, s.clock().Add(-s.set.Keep))
}

// Oldest is the age at now of the oldest undelivered delivery of a
// subscription not paused; 0 when there is none.
func (s *Service) Oldest(ctx context.Context) (_ time.Duration, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Oldest")
	at, found, err := s.Queue.Oldest(ctx)
	if err != nil || !found {
		return 0, err
	}
	return max(s.clock().Sub(at), 0), nil
}

// settle is how long Run waits after a Wake before it fans out, so that the
// wakes of a burst make one pass.
const settle = 10 * time.Millisecond

// Wake tells Run that events were given their positions (the sequencer of
// this process calls it), so that they are fanned out and sent without
// waiting for the interval.
func (s *Service) Wake() {
	select {
	case s.woken <- struct{}{}:
	default:
	}
}

// Run fans out and delivers until ctx ends: at every interval, a moment
// after a Wake, and at once after a pass that found more to do or when a
// sender finishes (the next delivery of its key may then go). Up to Senders deliveries are sent at
// the same time, each of another key; a receiver that hangs holds only its
// own sender until the timeout. onErr is told of every failed pass.
func (s *Service) Run(ctx context.Context, onErr func(error)) {
	slots := make(chan struct{}, s.set.Senders)
	var senders sync.WaitGroup
	defer senders.Wait()
	for {
		busy := s.pass(ctx, slots, &senders, onErr)
		if !s.wait(ctx, busy) {
			return
		}
	}
}

// wait waits for Run's next pass: at once after a busy pass, a moment after
// a Wake, when a sender finishes, or at the interval; wakes are let pass
// while there are no webhooks (the interval's pass notices new ones, and
// Create wakes Run itself). It reports false when ctx ends.
func (s *Service) wait(ctx context.Context, busy bool) bool {
	if busy {
		return ctx.Err() == nil
	}
	next := time.NewTimer(s.set.Interval)
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-s.woken:
			if s.none.Load() {
				continue
			}
			select {
			case <-ctx.Done():
				return false
			case <-time.After(settle):
				return true
			}
		case <-s.freed:
			return true
		case <-next.C:
			return true
		}
	}
}

// pass is one round of Run: a fan-out, then claims for the free senders. It
// reports whether there was more to do than one round did.
func (s *Service) pass(ctx context.Context, slots chan struct{}, senders *sync.WaitGroup, onErr func(error)) bool {
	n, err := s.FanOut(ctx)
	if err != nil && ctx.Err() == nil {
		onErr(err)
	}
	free := cap(slots) - len(slots)
	if free == 0 {
		return n == s.set.Batch
	}
	claimed, err := s.claim(ctx, free)
	if err != nil && ctx.Err() == nil {
		onErr(err)
	}
	for _, c := range claimed {
		slots <- struct{}{}
		senders.Go(func() {
			defer func() {
				<-slots
				select {
				case s.freed <- struct{}{}:
				default:
				}
			}()
			if err := s.send(ctx, c); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		})
	}
	return n == s.set.Batch || (len(claimed) == free && free > 0)
}
