package webhook

import (
	"context"
	"fmt"

	"github.com/guangling/pipeline/internal/identity"
)

// Owners tells who a subscription's owner is now: the user's or client's
// principal as it stands (role, department, a client's scopes), or false
// when it is gone or disabled (auth's users and clients).
type Owners interface {
	PrincipalOf(ctx context.Context, subject string) (identity.Principal, bool, error)
}

// ownerGone is why a subscription whose owner may no longer have it is
// paused; "" when the owner still may.
func ownerGone(sub Subscription, owner identity.Principal, found bool) string {
	if !found {
		return fmt.Sprintf("owner %s is disabled or no longer exists", sub.OwnerName)
	}
	dept, err := reach(owner, identity.ManageWebhooks)
	switch {
	case err != nil:
		return fmt.Sprintf("owner %s may no longer manage webhooks", sub.OwnerName)
	case dept != sub.Department:
		return fmt.Sprintf("owner %s is no longer of %s", sub.OwnerName, scopeName(sub.Department))
	}
	return ""
}

func scopeName(dept string) string {
	if dept == "" {
		return "the bureau"
	}
	return "department " + dept
}

// followOwners pauses, at now, the subscriptions not paused whose owner is
// gone, disabled, no longer holds ManageWebhooks or no longer is of the
// subscription's department (or moved between the bureau and a
// department), with the reason, and returns subs as they are then. Their
// deliveries wait as those of any paused subscription do.
func (s *Service) followOwners(ctx context.Context, subs []Subscription) ([]Subscription, error) {
	if s.Owners == nil {
		return subs, nil
	}
	now := s.clock()
	for i, sub := range subs {
		if sub.Paused {
			continue
		}
		owner, found, err := s.Owners.PrincipalOf(ctx, sub.OwnerID)
		if err != nil {
			return nil, err
		}
		reason := ownerGone(sub, owner, found)
		if reason == "" {
			continue
		}
		if subs[i], err = s.pause(ctx, sub.ID, reason, now); err != nil {
			return nil, err
		}
	}
	return subs, nil
}
