// Package webhook delivers the change feed to department systems
// (docs/integration.md, "Webhooks"): subscriptions and their secrets, the
// signature of a delivery and its verification, the retry schedule, the
// fan-out of sequenced events into deliveries after their commit, and the
// ordered, at-least-once sending of deliveries. The package knows nothing of
// HTTP or SQL: a Sender posts, a Store and a Queue keep.
package webhook

import (
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/event"
)

// Subscription is a receiver of events: a URL, the types it asked for, and
// the secret its deliveries are signed with.
type Subscription struct {
	ID  string
	URL string
	// Types are the event types delivered; empty delivers every type.
	Types []string
	// Department is the owner's: a department's subscription receives only
	// the events its department is entitled to, as its feed does; empty for
	// the bureau's, which receive every event.
	Department  string
	OwnerID     string
	OwnerName   string
	Description string
	// Secret signs every delivery. PreviousSecret, the one before the last
	// rotation, signs them too until PreviousUntil.
	Secret         string
	PreviousSecret string
	PreviousUntil  time.Time
	// Paused subscriptions are sent nothing; their deliveries wait, in
	// order, until the subscription is resumed. One paused for longer
	// than the give-up window stops collecting them: MissedFrom is then
	// the first position of the feed it was not given (0: none), kept
	// after it is resumed until it is paused again.
	Paused       bool
	PausedReason string
	PausedAt     time.Time
	MissedFrom   int64
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Admits reports whether the subscription receives e: one of its types, and
// an event its department is entitled to.
func (s Subscription) Admits(e event.Event) bool {
	if len(s.Types) > 0 && !slices.Contains(s.Types, e.Type) {
		return false
	}
	return s.Department == "" || e.Entitled(s.Department)
}

// Secrets are the secrets a delivery is signed with at now: the current one
// first, and the previous one during the overlap after a rotation.
func (s Subscription) Secrets(now time.Time) []string {
	out := []string{s.Secret}
	if s.PreviousSecret != "" && now.Before(s.PreviousUntil) {
		out = append(out, s.PreviousSecret)
	}
	return out
}

// Delivery is one event on its way to one subscription.
type Delivery struct {
	// Seq orders the deliveries of a key (subscription, project) as they
	// were fanned out, which is the events' commit order.
	Seq int64
	// ID is sent as X-Pipeline-Delivery, the same on every attempt.
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	Position       int64
	ProjectID      string
	// Body is the event as sent, rendered once at fan-out.
	Body     []byte
	Attempts int
	// FirstFailedAt opens the give-up window: the first failed attempt
	// since the delivery was last due afresh (fan-out, redelivery, resume).
	FirstFailedAt time.Time
	LastAttemptAt time.Time
	// LastStatus is the receiver's HTTP status of the last attempt, 0 when
	// it gave none (refused address, timeout, connection failed).
	LastStatus    int
	LastError     string
	NextAttemptAt time.Time
	DeliveredAt   time.Time
	CreatedAt     time.Time
	// LeaseToken names the claim under which a sender holds the delivery
	// (Queue.Claim); empty when nobody does.
	LeaseToken string
	// Generation counts the times the delivery was made due afresh
	// (redelivery, resume): an outcome is recorded only under the
	// generation its attempt was claimed in.
	Generation int
}

// Delivered reports whether a receiver has taken the delivery.
func (d Delivery) Delivered() bool { return !d.DeliveredAt.IsZero() }

// Outcome is what a sender's attempt came to, to record under its claim.
type Outcome struct {
	DeliveryID string
	LeaseToken string
	// Generation is the delivery's when it was claimed.
	Generation int
	At         time.Time
	Status     int
	Error      string
	// Delivered: the receiver answered 2xx.
	Delivered bool
	// NextAttemptAt is when to try again, after a failure.
	NextAttemptAt time.Time
	// FirstFailedAt is the window's start after a failure.
	FirstFailedAt time.Time
	// PauseReason, when set, pauses the subscription: the delivery failed
	// for the whole give-up window.
	PauseReason string
}

// DeliveryQuery selects a page of a subscription's delivery log, newest
// first.
type DeliveryQuery struct {
	// Before is the Seq of the last delivery of the page before; 0 starts
	// from the newest.
	Before int64
	Limit  int
}

// DeliveryPage is a page of the log.
type DeliveryPage struct {
	Items []Delivery
	// Next is the Before of the next page; 0 when there is none.
	Next int64
}
