// Package audit keeps the audit trail (docs/audit.md): one entry per change,
// written in the same transaction as the change, each sealed with a SHA-256
// hash over the previous entry's hash and its own content, so that altering,
// inserting or removing an entry breaks the chain where it happened. It knows
// nothing of HTTP or SQL; the Store is implemented in auditdb. docs/audit.md
// describes the hash so that an auditor can recompute it.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Record is what a change says about itself. Before and After are snapshots
// of the resource, marshalled to JSON (nil is null: nothing before a
// creation). When both are JSON objects the entry keeps only the members
// that differ (FormatChanges).
type Record struct {
	Action       string // e.g. project.update
	ResourceType string // e.g. project
	ResourceID   string
	Before       any
	After        any
	// Keep names members that say which part of the resource the change
	// was to (a report's month, whose resource is the project): an entry
	// of the changed members keeps them on both sides, changed or not.
	Keep []string
}

// Entry is one link of the chain. Before and After hold canonical JSON
// (RFC 8785), whole or the changed members only as Format says; Hash is
// Seal(PrevHash, entry).
type Entry struct {
	ID           int64
	At           time.Time
	Actor        string // the principal's name
	ActorID      string // the principal's subject: user or client ID
	Dept         string // the principal's department, if any
	Action       string
	ResourceType string
	ResourceID   string
	Before       json.RawMessage
	After        json.RawMessage
	RequestID    string
	PrevHash     string // the previous entry's hash; empty for the first
	Hash         string
	// Format says what Before and After hold; zero is FormatSnapshots, as
	// entries were before formats.
	Format Format
}

// Store keeps the chain. Implementations translate their driver errors into
// apperr kinds.
type Store interface {
	// Append stages e in the transaction carried by ctx (or one of its own),
	// to be sealed into the chain once it commits. e is as Service.Entry
	// makes it: its Before and After canonical JSON, which is sealed as it
	// is (SealStaged).
	Append(ctx context.Context, e Entry) error
	// SealPending moves up to limit committed staged entries into the chain,
	// in the order they were staged: under a lock that admits one sealer at
	// a time it reads the last entry and gives each the next ID and the last
	// hash as PrevHash, seals it with SealStaged and inserts it. It reports
	// how many it sealed.
	SealPending(ctx context.Context, limit int) (int, error)
	// List returns the entries that q admits, in ID order, one page.
	List(ctx context.Context, q Query) (Page, error)
	// Walk returns up to limit entries with an ID above after, in ID order.
	Walk(ctx context.Context, after int64, limit int) ([]Entry, error)
}

// Result is the outcome of verifying the chain.
type Result struct {
	OK      bool
	Entries int64
	// FirstBroken is the ID of the first entry whose hash does not match its
	// content or whose PrevHash does not match the entry before it.
	FirstBroken *int64
	// Missed is the first checkpoint that the chain no longer holds
	// (VerifyCheckpoints); nil when none was given or all hold.
	Missed *CheckpointMiss
}

// Service writes and reads the audit trail.
type Service struct {
	store  Store
	now    func() time.Time
	batch  int           // entries per read while verifying, and per seal
	staged chan struct{} // a signal to the sealer that entries were staged
}

// NewService returns a Service over store; now is the clock of entries.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now, batch: 500, staged: make(chan struct{}, 1)}
}

var errAuditor = apperr.Coded(apperr.Forbidden, "audit.reader_only")

func canRead(p identity.Principal) error {
	if !p.May(identity.ReadAudit) {
		return errAuditor
	}
	return nil
}

// Append records a change made by p. It joins the transaction carried by ctx,
// so that the entry commits or rolls back with the change. The entry is
// staged there and sealed into the chain after the commit (Flush, Run), so
// that concurrent changes do not queue on the chain; the sealer is woken now
// and settles a moment before it reads, by when the change has usually
// committed. The request ID comes from ctx (WithRequestID).
func (s *Service) Append(ctx context.Context, p identity.Principal, r Record) (err error) {
	defer apperr.Wrap(&err, "audit.Service.Append")
	e, err := s.entry(ctx, p, r)
	if err != nil {
		return err
	}
	if err := s.store.Append(ctx, e); err != nil {
		return err
	}
	s.wake()
	return nil
}

// entry is the entry Append stages for r: its sides in canonical JSON
// (sides), which the sealer seals as they are (SealStaged).
func (s *Service) entry(ctx context.Context, p identity.Principal, r Record) (Entry, error) {
	if r.Action == "" || r.ResourceType == "" || r.ResourceID == "" {
		return Entry{}, errors.New("audit: a record needs an action, a resource type and a resource ID")
	}
	before, after, format, err := sides(r.Before, r.After, r.Keep...)
	if err != nil {
		return Entry{}, err
	}
	return Entry{
		At:    s.now().UTC().Truncate(time.Microsecond),
		Actor: p.Name, ActorID: p.Subject, Dept: p.Department,
		Action: r.Action, ResourceType: r.ResourceType, ResourceID: r.ResourceID,
		Before: before, After: after, RequestID: RequestIDFrom(ctx), Format: format,
	}, nil
}

// wake tells the sealer that entries were staged.
func (s *Service) wake() {
	select {
	case s.staged <- struct{}{}:
	default:
	}
}

// Flush seals every committed staged entry into the chain.
func (s *Service) Flush(ctx context.Context) (err error) {
	defer apperr.Wrap(&err, "audit.Service.Flush")
	for {
		n, err := s.store.SealPending(ctx, s.batch)
		if err != nil || n < s.batch {
			return err
		}
	}
}

// Run seals staged entries as they come, until ctx ends: shortly after an
// append (its transaction has then usually committed, and the entries of a
// burst are sealed together), and every second for those that committed
// later. Readers of the trail flush first, so what they see is sealed.
func (s *Service) Run(ctx context.Context, log func(error)) {
	const settle, every = 250 * time.Millisecond, time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.staged:
			time.Sleep(settle)
		case <-time.After(every):
		}
		if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			log(err)
		}
	}
}

// snapshot marshals v to canonical JSON.
func snapshot(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := writeValue(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// List returns one page of entries, oldest first.
func (s *Service) List(ctx context.Context, p identity.Principal, q Query) (_ Page, err error) {
	defer apperr.Wrap(&err, "audit.Service.List")
	if err := canRead(p); err != nil {
		return Page{}, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	if err := s.Flush(ctx); err != nil {
		return Page{}, err
	}
	page, err := s.store.List(ctx, q)
	if err != nil {
		return Page{}, err
	}
	// The database may render JSON its own way (jsonb does); callers see
	// what was sealed.
	for i, e := range page.Items {
		page.Items[i].Before, page.Items[i].After = recanonical(e.Before), recanonical(e.After)
	}
	return page, nil
}

// Verify walks the whole chain in ID order, a batch at a time, recomputing
// each hash and checking each link.
func (s *Service) Verify(ctx context.Context, p identity.Principal) (_ Result, err error) {
	defer apperr.Wrap(&err, "audit.Service.Verify")
	var c checker
	if err := s.walk(ctx, p, &c); err != nil {
		return Result{}, err
	}
	return c.result(), nil
}

// walk hands the whole chain to c in ID order, a batch at a time, after
// sealing what is staged.
func (s *Service) walk(ctx context.Context, p identity.Principal, c *checker) error {
	if err := canRead(p); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	var after int64
	for {
		batch, err := s.store.Walk(ctx, after, s.batch)
		if err != nil {
			return err
		}
		for _, e := range batch {
			c.check(e)
			after = e.ID
		}
		if len(batch) < s.batch {
			return nil
		}
	}
}

// checker verifies entries handed to it in ID order. It keeps the last
// entry it saw (the head), and the hash of each entry whose ID is a key of
// anchors.
type checker struct {
	prev    string
	entries int64
	broken  *int64
	head    Entry
	anchors map[int64]string
}

func (c *checker) check(e Entry) {
	c.entries++
	if c.broken == nil && (e.PrevHash != c.prev || Seal(e.PrevHash, e) != e.Hash) {
		id := e.ID
		c.broken = &id
	}
	c.prev = e.Hash
	c.head = e
	if _, ok := c.anchors[e.ID]; ok {
		c.anchors[e.ID] = e.Hash
	}
}

func (c *checker) result() Result {
	return Result{OK: c.broken == nil, Entries: c.entries, FirstBroken: c.broken}
}

type requestIDKey struct{}

// WithRequestID returns a context that carries the ID of the request being
// served, for the entries appended while serving it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request ID carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
