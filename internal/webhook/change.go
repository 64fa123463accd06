package webhook

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// Change is a PATCH of a subscription: nil fields stay as they are.
type Change struct {
	URL         *string
	Types       *[]string
	Description *string
	// Paused pauses (true) or resumes (false) the subscription. Resuming
	// makes its waiting deliveries due at once, their give-up window afresh.
	Paused *bool
	// PausedReason is the reason given for a pause; the owner's name when
	// none is.
	PausedReason *string
}

// Update changes a subscription of version ifMatch.
func (s *Service) Update(ctx context.Context, p identity.Principal, id string, ifMatch int, ch Change) (_ Subscription, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Update(%s)", id)
	dept, err := reach(p, identity.ManageWebhooks)
	if err != nil {
		return Subscription{}, err
	}
	if ch.URL != nil {
		// Before the transaction: a slow DNS answer holds no row and no
		// connection.
		if err := s.Targets.Check(ctx, *ch.URL); err != nil {
			return Subscription{}, err
		}
	}
	now := s.clock()
	var out Subscription
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var before Subscription
		var resumed bool
		sub, err := s.Store.Update(ctx, dept, id, func(sub *Subscription) error {
			if sub.Version != ifMatch {
				return apperr.ErrVersionConflict
			}
			before = *sub
			if err := apply(p, sub, ch, now); err != nil {
				return err
			}
			resumed = before.Paused && !sub.Paused
			sub.Version++
			sub.UpdatedAt = now
			return nil
		})
		if errors.Is(err, errUnchanged) {
			// Nothing to write: no new version, no audit entry.
			out = hideSecrets(before)
			return nil
		}
		if err != nil {
			return err
		}
		if resumed {
			due, err := s.shared(ctx)
			if err != nil {
				return err
			}
			if err := s.Queue.Resume(ctx, id, due); err != nil {
				return err
			}
		}
		out = hideSecrets(sub)
		return s.Auditor.Append(ctx, p, audit.Record{Action: "webhook.update", ResourceType: "webhook",
			ResourceID: id, Before: snapshot(before), After: snapshot(sub)})
	})
	return out, err
}

// apply makes the change to sub, or refuses it.
func apply(p identity.Principal, sub *Subscription, ch Change, now time.Time) error {
	changed, err := applyInput(sub, ch)
	if err != nil {
		return err
	}
	paused, err := applyPause(p, sub, ch, now)
	if err != nil {
		return err
	}
	if !changed && !paused {
		return errUnchanged
	}
	return nil
}

// applyInput changes the URL (checked before, by Update), the types and the
// description, checked as at creation, and reports whether any changed.
func applyInput(sub *Subscription, ch Change) (bool, error) {
	if ch.URL == nil && ch.Types == nil && ch.Description == nil {
		return false, nil
	}
	in := Input{URL: sub.URL, Types: sub.Types, Description: sub.Description}
	if ch.URL != nil {
		in.URL = *ch.URL
	}
	if ch.Types != nil {
		in.Types = *ch.Types
	}
	if ch.Description != nil {
		in.Description = *ch.Description
	}
	if err := checkFields(&in); err != nil {
		return false, err
	}
	changed := in.URL != sub.URL || !slices.Equal(in.Types, sub.Types) || in.Description != sub.Description
	sub.URL, sub.Types, sub.Description = in.URL, in.Types, in.Description
	return changed, nil
}

// applyPause pauses or resumes sub, and reports whether it changed. A
// reason given to a subscription already paused replaces its reason; the
// pause itself (since when, what it missed) stays.
func applyPause(p identity.Principal, sub *Subscription, ch Change, now time.Time) (bool, error) {
	if ch.PausedReason != nil && (ch.Paused == nil || !*ch.Paused) {
		return false, apperr.Fields([]apperr.FieldError{{Field: "paused_reason", Code: "only_when", Param: "paused: true"}})
	}
	if ch.Paused == nil {
		return false, nil
	}
	reason := "paused by " + p.Name
	if ch.PausedReason != nil {
		r := strings.TrimSpace(*ch.PausedReason)
		if utf8.RuneCountInString(r) > maxDescLength || !utf8.ValidString(r) {
			return false, apperr.Fields([]apperr.FieldError{{Field: "paused_reason", Code: "too_long", Param: "200"}})
		}
		reason = cmp.Or(r, reason)
	}
	switch {
	case *ch.Paused && sub.Paused:
		if ch.PausedReason == nil || reason == sub.PausedReason {
			return false, nil
		}
		sub.PausedReason = reason
		return true, nil
	case *ch.Paused:
		sub.Paused, sub.PausedAt, sub.PausedReason, sub.MissedFrom = true, now, reason, 0
		return true, nil
	case sub.Paused:
		sub.Paused, sub.PausedAt, sub.PausedReason = false, time.Time{}, ""
		return true, nil
	}
	return false, nil
}

// RotateSecret gives a subscription a new secret, returned this once. The
// old one keeps signing deliveries, after the new one, for the overlap.
// Another rotation during the overlap is refused: it would end the
// overlap's old secret at once, before its receiver changed over.
func (s *Service) RotateSecret(ctx context.Context, p identity.Principal, id string) (_ Subscription, err error) {
	defer apperr.Wrap(&err, "webhook.Service.RotateSecret(%s)", id)
	dept, err := reach(p, identity.ManageWebhooks)
	if err != nil {
		return Subscription{}, err
	}
	now := s.clock()
	var out Subscription
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.Store.Update(ctx, dept, id, func(sub *Subscription) error {
			if len(sub.Secrets(now)) > 1 {
				return apperr.Coded(apperr.Conflict, "webhook.rotation_running", sub.PreviousUntil.UTC().Format(time.RFC3339Nano))
			}
			sub.PreviousSecret, sub.PreviousUntil = sub.Secret, now.Add(s.set.Overlap)
			sub.Secret = NewSecret()
			sub.Version++
			sub.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
		out = sub
		out.PreviousSecret = ""
		return s.Auditor.Append(ctx, p, audit.Record{Action: "webhook.rotate_secret", ResourceType: "webhook",
			ResourceID: id, After: snapshot(sub)})
	})
	return out, err
}

// Deliveries returns a page of a subscription's delivery log.
func (s *Service) Deliveries(ctx context.Context, p identity.Principal, id string, q DeliveryQuery) (_ DeliveryPage, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Deliveries(%s)", id)
	if _, err := s.Get(ctx, p, id); err != nil {
		return DeliveryPage{}, err
	}
	return s.Queue.Deliveries(ctx, id, q)
}

// Redeliver sends a delivery again, with the same delivery ID: it becomes
// due at once, as the oldest undelivered delivery of its key, its give-up
// window afresh.
func (s *Service) Redeliver(ctx context.Context, p identity.Principal, id, deliveryID string) (_ Delivery, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Redeliver(%s, %s)", id, deliveryID)
	if _, err := reach(p, identity.ManageWebhooks); err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, p, id); err != nil {
			return err
		}
		due, err := s.shared(ctx)
		if err != nil {
			return err
		}
		if d, err = s.Queue.Redeliver(ctx, id, deliveryID, due); err != nil {
			return err
		}
		return s.Auditor.Append(ctx, p, audit.Record{Action: "webhook.redeliver", ResourceType: "webhook",
			ResourceID: id, After: map[string]any{"delivery_id": deliveryID, "event_id": d.EventID}})
	})
	return d, err
}
