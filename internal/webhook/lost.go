package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/guangling/pipeline/internal/event"
)

// ErrEventsLost is what FanOut reports, after committing, when events
// expired from the feed before they were fanned out (the worker stood still
// for longer than the feed's retention): the webhooks that may have missed
// them are paused, and the operator is told once.
var ErrEventsLost = errors.New("webhook: events expired before they were fanned out")

// ErrFanOutBusy is Queue.Cursor's answer while another replica fans out:
// this one's pass skips the fan-out rather than wait for it.
var ErrFanOutBusy = errors.New("webhook: another replica is fanning out")

// noticeLoss pauses, at now, the subscriptions not paused that may have
// missed events between the cursor (after) and first, the oldest event kept
// after it: positions have no gaps (the sequencer gives the next ones after
// the newest), so a gap is events expired unread. A subscription created
// after first was made missed nothing. It returns the error to report, nil
// when nothing was missed by anyone.
func (s *Service) noticeLoss(ctx context.Context, after int64, first event.Event, subs []Subscription, now time.Time) error {
	if first.Position <= after+1 {
		return nil
	}
	reason := fmt.Sprintf("events at positions %d to %d expired before they were delivered: catch up by reading "+
		"the department's projects, archived ones included, then resume", after+1, first.Position-1)
	affected, paused := 0, 0
	for i, sub := range subs {
		if sub.CreatedAt.After(first.At) {
			continue
		}
		affected++
		if sub.Paused {
			continue
		}
		updated, err := s.pause(ctx, sub.ID, reason, now)
		if err != nil {
			return err
		}
		subs[i] = updated
		paused++
	}
	if affected == 0 {
		return nil
	}
	return fmt.Errorf("%w: positions %d to %d; %d webhooks paused", ErrEventsLost, after+1, first.Position-1, paused)
}

// pause pauses a subscription with the reason, unless it already is.
func (s *Service) pause(ctx context.Context, id, reason string, now time.Time) (Subscription, error) {
	return s.Store.Update(ctx, "", id, func(sub *Subscription) error {
		if sub.Paused {
			return nil
		}
		sub.Paused, sub.PausedReason, sub.PausedAt, sub.MissedFrom = true, reason, now, 0
		sub.Version++
		sub.UpdatedAt = now
		return nil
	})
}

// stopped reports whether a subscription, paused for longer than the
// give-up window when an event was made at at, no longer collects
// deliveries, so that what waits for a webhook nobody resumes stays
// bounded.
func (s *Service) stopped(sub Subscription, at time.Time) bool {
	return sub.Paused && s.set.Schedule.GiveUp > 0 && at.Sub(sub.PausedAt) > s.set.Schedule.GiveUp
}

// noteMissed notes on each subscription the first position it was not
// given (missed, by subscription; stopped), unless one is noted already.
func (s *Service) noteMissed(ctx context.Context, subs []Subscription, missed map[string]int64, now time.Time) error {
	for _, sub := range subs {
		if missed[sub.ID] == 0 || sub.MissedFrom != 0 {
			continue
		}
		_, err := s.Store.Update(ctx, "", sub.ID, func(sub *Subscription) error {
			sub.MissedFrom = missed[sub.ID]
			sub.Version++
			sub.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
