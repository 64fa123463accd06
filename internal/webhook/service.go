package webhook

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
)

// Store keeps subscriptions. dept scopes every call: a department's
// subscriptions only, or every subscription when empty (the bureau's
// reach); another department's is simply not found.
type Store interface {
	Create(ctx context.Context, s Subscription) error
	Get(ctx context.Context, dept, id string) (Subscription, error)
	// List returns the subscriptions in creation order.
	List(ctx context.Context, dept string) ([]Subscription, error)
	// Update loads the subscription, applies change and saves it, in one
	// transaction; change's error leaves it as it was.
	Update(ctx context.Context, dept, id string, change func(*Subscription) error) (Subscription, error)
	// Delete removes the subscription and its deliveries.
	Delete(ctx context.Context, dept, id string) error
}

// Queue keeps the deliveries and the fan-out's cursor.
type Queue interface {
	// Cursor returns the position of the last event fanned out, holding
	// the fan-out's lock until the transaction carried by ctx ends, so
	// that one fan-out runs at a time across replicas; ErrFanOutBusy,
	// without waiting, while another holds it.
	Cursor(ctx context.Context) (int64, error)
	// Enqueue adds deliveries, in order, and moves the cursor to upTo.
	Enqueue(ctx context.Context, upTo int64, ds []Delivery) error
	// Claim takes up to limit deliveries due at now, each the oldest
	// undelivered of its key (subscription, project) of a subscription not
	// paused, not claimed or whose claim ran out, for token until until.
	Claim(ctx context.Context, now, until time.Time, token string, limit int) ([]Delivery, error)
	// Record records an attempt's outcome under its claim, and pauses the
	// subscription when the outcome says so. It reports false when the
	// claim was lost (ran out and taken by another sender).
	Record(ctx context.Context, o Outcome) (bool, error)
	// Deliveries returns a page of a subscription's log, newest first.
	Deliveries(ctx context.Context, subscriptionID string, q DeliveryQuery) (DeliveryPage, error)
	// Redeliver makes a delivery of the subscription due at now afresh.
	Redeliver(ctx context.Context, subscriptionID, id string, now time.Time) (Delivery, error)
	// Resume makes the subscription's undelivered deliveries due at now,
	// their give-up window afresh.
	Resume(ctx context.Context, subscriptionID string, now time.Time) error
	// Oldest is when the oldest undelivered delivery of a subscription not
	// paused was fanned out; false when there is none.
	Oldest(ctx context.Context) (time.Time, bool, error)
	// Purge deletes the deliveries delivered before before, and reports
	// how many.
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Feed reads sequenced events after a position, in commit order (the change
// feed's store).
type Feed interface {
	List(ctx context.Context, q event.Query) ([]event.Event, error)
}

// Sender posts a delivery to its receiver (package send).
type Sender interface {
	// Send posts body to url with the headers and returns the receiver's
	// status, or an error when there was none (refused, timed out).
	Send(ctx context.Context, url string, header map[string]string, body []byte) (int, error)
}

// Transactor runs fn in one transaction, carried by the context it passes fn.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Settings are the operator's (docs/operations.md).
type Settings struct {
	Schedule Schedule
	// Overlap is how long a rotated secret keeps signing.
	Overlap time.Duration
	// Lease is how long a claim holds a delivery: longer than a send may
	// take, after which another sender may take it.
	Lease time.Duration
	// Timeout is the longest a send may take: a claimed delivery with less
	// of its lease left is not sent (its lease runs out, another claim
	// sends it). Zero: no such check.
	Timeout time.Duration
	// Batch is the most events fanned out, and deliveries claimed, at once.
	Batch int
	// Senders is the most deliveries sent at the same time.
	Senders int
	// Interval is how often Run looks for new events and due deliveries.
	Interval time.Duration
	// Keep is how long the log keeps a delivered delivery.
	Keep time.Duration
}

// Deps are what a Service works with.
type Deps struct {
	Store   Store
	Queue   Queue
	Feed    Feed
	Tx      Transactor
	Auditor Auditor
	Sender  Sender
	// Owners tells whether a subscription's owner still may have it; nil
	// checks nothing.
	Owners Owners
	// Render is the body of an event as delivered.
	Render  func(event.Event) ([]byte, error)
	Targets Targets
	Now     func() time.Time
	// Clock is the time every replica shares, by which deliveries fall
	// due, claims are leased and attempts are recorded: the database's,
	// so that a replica whose clock is ahead neither takes a claim before
	// its lease ended nor sets times others judge wrongly. Nil: Now.
	Clock func(ctx context.Context) (time.Time, error)
	NewID func() string
}

// Service manages subscriptions and delivers events to them.
type Service struct {
	Deps
	set     Settings
	observe atomic.Pointer[func(outcome string)]
	woken   chan struct{} // a change committed (Wake)
	freed   chan struct{} // a sender finished: the next of its key may go
	// none says that the last fan-out found no webhooks: Run then fans out
	// at its interval only, not after every sequencing.
	none atomic.Bool
}

// The outcomes of an attempt, as the metrics count them.
const (
	OutcomeDelivered = "delivered"
	OutcomeFailed    = "failed"
	OutcomeGaveUp    = "gave_up"
)

// NewService returns a Service.
func NewService(d Deps, set Settings) *Service {
	if set.Batch <= 0 {
		set.Batch = 100
	}
	if set.Senders <= 0 {
		set.Senders = 1
	}
	if set.Interval <= 0 {
		set.Interval = 500 * time.Millisecond
	}
	if set.Lease <= 0 {
		set.Lease = time.Minute
	}
	return &Service{Deps: d, set: set, woken: make(chan struct{}, 1), freed: make(chan struct{}, 1)}
}

// Observe has f told the outcome of every attempt (for the metrics).
func (s *Service) Observe(f func(outcome string)) { s.observe.Store(&f) }

func (s *Service) observed(outcome string) {
	if f := s.observe.Load(); f != nil {
		(*f)(outcome)
	}
}

func (s *Service) clock() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// shared is the time now by the clock every replica shares (Deps.Clock).
func (s *Service) shared(ctx context.Context) (time.Time, error) {
	if s.Clock == nil {
		return s.clock(), nil
	}
	t, err := s.Clock(ctx)
	return t.UTC().Truncate(time.Microsecond), err
}

var (
	errManage     = apperr.Coded(apperr.Forbidden, "webhook.not_allowed")
	maxDescLength = 200
	// errUnchanged ends an update that would change nothing.
	errUnchanged = errors.New("webhook: unchanged")
)

// reach is the department whose subscriptions p may read or manage (perm):
// its own, or every one ("") for the bureau and administrators.
func reach(p identity.Principal, perm identity.Permission) (string, error) {
	if !p.May(perm) {
		return "", errManage
	}
	if p.Role.DepartmentBound() {
		if p.Department == "" {
			return "", errManage
		}
		return p.Department, nil
	}
	return "", nil
}

// Input is what a subscription is created with or changed to.
type Input struct {
	URL         string
	Types       []string
	Description string
}

// check validates the input, the URL against the safe targets (which may
// ask DNS: never within a transaction).
func (s *Service) check(ctx context.Context, in *Input) error {
	if err := s.Targets.Check(ctx, in.URL); err != nil {
		return err
	}
	return checkFields(in)
}

// checkFields validates and normalizes the input's types and description.
func checkFields(in *Input) error {
	var fs []apperr.FieldError
	for _, t := range in.Types {
		if !event.Known(t) {
			fs = append(fs, apperr.FieldError{Field: "types", Code: "invalid_value", Param: strings.Join(event.Types, ",")})
			break
		}
	}
	in.Types = slices.Compact(slices.Sorted(slices.Values(in.Types)))
	in.Description = strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(in.Description) > maxDescLength || !utf8.ValidString(in.Description) ||
		strings.ContainsFunc(in.Description, func(r rune) bool { return r < ' ' }) {
		fs = append(fs, apperr.FieldError{Field: "description", Code: "too_long", Param: "200"})
	}
	return apperr.Fields(fs)
}

// snapshot is a subscription as the audit trail records it: without its
// secrets.
func snapshot(sub Subscription) map[string]any {
	return map[string]any{"url": sub.URL, "types": sub.Types, "department": sub.Department, "owner": sub.OwnerName,
		"description": sub.Description, "paused": sub.Paused, "paused_reason": sub.PausedReason, "version": sub.Version}
}

// Create registers a subscription owned by p and returns it with its
// secret, which is shown this once.
func (s *Service) Create(ctx context.Context, p identity.Principal, in Input) (_ Subscription, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Create")
	dept, err := reach(p, identity.ManageWebhooks)
	if err != nil {
		return Subscription{}, err
	}
	if err := s.check(ctx, &in); err != nil {
		return Subscription{}, err
	}
	now := s.clock()
	sub := Subscription{ID: s.NewID(), URL: in.URL, Types: in.Types, Department: dept, OwnerID: p.Subject,
		OwnerName: p.Name, Description: in.Description, Secret: NewSecret(), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.Create(ctx, sub); err != nil {
			return err
		}
		return s.Auditor.Append(ctx, p, audit.Record{Action: "webhook.create", ResourceType: "webhook",
			ResourceID: sub.ID, After: snapshot(sub)})
	})
	if err == nil {
		s.none.Store(false)
		s.Wake()
	}
	return sub, err
}

// Get returns a subscription p may see, without its secrets.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (_ Subscription, err error) {
	defer apperr.Wrap(&err, "webhook.Service.Get(%s)", id)
	dept, err := reach(p, identity.ReadWebhooks)
	if err != nil {
		return Subscription{}, err
	}
	sub, err := s.Store.Get(ctx, dept, id)
	return hideSecrets(sub), err
}

// List returns the subscriptions p may see, without their secrets.
func (s *Service) List(ctx context.Context, p identity.Principal) (_ []Subscription, err error) {
	defer apperr.Wrap(&err, "webhook.Service.List")
	dept, err := reach(p, identity.ReadWebhooks)
	if err != nil {
		return nil, err
	}
	subs, err := s.Store.List(ctx, dept)
	for i := range subs {
		subs[i] = hideSecrets(subs[i])
	}
	return subs, err
}

func hideSecrets(sub Subscription) Subscription {
	sub.Secret, sub.PreviousSecret = "", ""
	return sub
}

// Delete removes a subscription and its deliveries.
func (s *Service) Delete(ctx context.Context, p identity.Principal, id string) (err error) {
	defer apperr.Wrap(&err, "webhook.Service.Delete(%s)", id)
	dept, err := reach(p, identity.ManageWebhooks)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.Store.Get(ctx, dept, id)
		if err != nil {
			return err
		}
		if err := s.Store.Delete(ctx, dept, id); err != nil {
			return err
		}
		return s.Auditor.Append(ctx, p, audit.Record{Action: "webhook.delete", ResourceType: "webhook",
			ResourceID: id, Before: snapshot(sub)})
	})
}
