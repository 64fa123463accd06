package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

var (
	bureau   = identity.Principal{Subject: "u-bureau", Name: "bureau", Role: identity.RoleBureau}
	leader   = identity.Principal{Subject: "u-leader", Name: "leader", Role: identity.RoleLeader}
	energy   = identity.Principal{Subject: "c-energy", Name: "energy-system", Role: identity.RoleDeptEditor, Department: "energy", ClientID: "energy-system", Scopes: []string{identity.ScopeEventsRead}}
	industry = identity.Principal{Subject: "c-industry", Name: "industry-system", Role: identity.RoleDeptViewer, Department: "industry", ClientID: "industry-system", Scopes: []string{identity.ScopeEventsRead}}
	noScope  = identity.Principal{Subject: "c-energy2", Name: "energy-reader", Role: identity.RoleDeptViewer, Department: "energy", ClientID: "energy-reader", Scopes: []string{identity.ScopeProjectsRead}}
)

// call is one request a receiver got.
type call struct {
	url    string
	header map[string]string
	body   []byte
}

// project is the project of the event a call delivered.
func (c call) project(t *testing.T) string {
	t.Helper()
	var b struct {
		ProjectID string `json:"project_id"`
	}
	require.NoError(t, json.Unmarshal(c.body, &b))
	return b.ProjectID
}

// receiver is a Sender that answers as answer says.
type receiver struct {
	mu     sync.Mutex
	calls  []call
	answer func(c call, n int) (int, error) // n counts the calls before this one
}

func (r *receiver) Send(_ context.Context, url string, header map[string]string, body []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := call{url: url, header: header, body: body}
	n := len(r.calls)
	r.calls = append(r.calls, c)
	if r.answer == nil {
		return 204, nil
	}
	return r.answer(c, n)
}

func (r *receiver) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// clock is the harness's clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// harness is a Service over in-memory fakes.
type harness struct {
	svc    *webhook.Service
	mem    *webhooktest.Memory
	feed   *webhooktest.Feed
	recv   *receiver
	clock  *clock
	audit  *webhooktest.Auditor
	owners *owners
}

// owners are the users and clients as they stand, by subject: the
// principals of these tests unless a test changes them.
type owners struct {
	mu sync.Mutex
	m  map[string]identity.Principal // absent: gone or disabled
}

func newOwners() *owners {
	o := &owners{m: map[string]identity.Principal{}}
	for _, p := range []identity.Principal{bureau, leader, energy, industry, noScope} {
		o.m[p.Subject] = p
	}
	return o
}

func (o *owners) PrincipalOf(_ context.Context, subject string) (identity.Principal, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.m[subject]
	return p, ok, nil
}

// set makes subject p, or gone when p is nil.
func (o *owners) set(subject string, p *identity.Principal) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if p == nil {
		delete(o.m, subject)
		return
	}
	o.m[subject] = *p
}

// schedule waits the whole ceiling (no jitter): 1s, 2s, 4s, 4s…, for 10s.
var schedule = webhook.Schedule{Base: time.Second, Cap: 4 * time.Second, GiveUp: 10 * time.Second,
	Jitter: func(d time.Duration) time.Duration { return d }}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{mem: webhooktest.NewMemory(), feed: &webhooktest.Feed{}, recv: &receiver{},
		clock: &clock{t: webhooktest.T0}, audit: &webhooktest.Auditor{}, owners: newOwners()}
	h.svc = webhook.NewService(webhook.Deps{Store: h.mem, Queue: h.mem, Feed: h.feed, Tx: webhooktest.Tx{},
		Auditor: h.audit, Sender: h.recv, Targets: webhook.Targets{AllowPrivate: true}, Owners: h.owners,
		Render: func(e event.Event) ([]byte, error) {
			return json.Marshal(map[string]any{"id": e.ID, "type": e.Type, "project_id": e.ProjectID, "position": e.Position})
		},
		Now: h.clock.now, NewID: uuid.NewString,
	}, webhook.Settings{Schedule: schedule, Overlap: time.Hour, Lease: time.Minute, Batch: 10, Senders: 4, Interval: time.Millisecond})
	return h
}

// commit appends an event of project, entitled to depts, made now.
func (h *harness) commit(typ, project string, depts ...string) event.Event {
	return h.feed.Append(event.Event{ID: uuid.NewString(), Type: typ, At: h.clock.now(), ProjectID: project,
		ResourceType: "project", ResourceID: project, Departments: depts})
}

// round fans out and sends what is due.
func (h *harness) round(t *testing.T) int {
	t.Helper()
	_, err := h.svc.FanOut(context.Background())
	require.NoError(t, err)
	n, err := h.svc.Deliver(context.Background(), 100)
	require.NoError(t, err)
	return n
}

func (h *harness) subscribe(t *testing.T, p identity.Principal, types ...string) webhook.Subscription {
	t.Helper()
	sub, err := h.svc.Create(context.Background(), p, webhook.Input{URL: "https://receiver.example/hook", Types: types})
	require.NoError(t, err)
	return sub
}

func TestFailsThreeTimesThenDelivers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sub := h.subscribe(t, bureau)
	h.recv.answer = func(_ call, n int) (int, error) {
		if n < 3 {
			return 500, nil
		}
		return 200, nil
	}
	h.commit(event.ProjectStageChanged, "p1", "energy")
	require.Equal(t, 1, h.round(t))
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		assert.Zero(t, h.round(t), "not before its next attempt")
		h.clock.advance(wait)
		require.Equal(t, 1, h.round(t))
	}
	calls := h.recv.got()
	require.Len(t, calls, 4)
	for _, c := range calls {
		assert.Equal(t, calls[0].header[webhook.HeaderDelivery], c.header[webhook.HeaderDelivery], "the same delivery ID")
		assert.Equal(t, event.ProjectStageChanged, c.header[webhook.HeaderEvent])
		assert.Equal(t, "application/json", c.header["Content-Type"])
		assert.Equal(t, string(calls[0].body), string(c.body), "the same body")
	}
	page, err := h.svc.Deliveries(context.Background(), bureau, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	d := page.Items[0]
	assert.True(t, d.Delivered())
	assert.Equal(t, 4, d.Attempts)
	assert.Equal(t, 200, d.LastStatus)
	h.clock.advance(time.Hour)
	assert.Zero(t, h.round(t), "delivered once")
}

func TestSignedWithBothSecretsDuringARotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sub := h.subscribe(t, energy)
	require.NotEmpty(t, sub.Secret, "shown at creation")
	rotated, err := h.svc.RotateSecret(context.Background(), energy, sub.ID)
	require.NoError(t, err)
	require.NotEqual(t, sub.Secret, rotated.Secret)
	assert.Empty(t, rotated.PreviousSecret, "the old secret is not shown again")
	_, err = h.svc.RotateSecret(context.Background(), energy, sub.ID)
	assert.Equal(t, apperr.Conflict, apperr.KindOf(err), "another rotation would drop the old secret before the overlap ends")

	h.commit(event.ProjectCreated, "p1", "energy")
	h.round(t)
	c := h.recv.got()[0]
	sigs := strings.Split(c.header[webhook.HeaderSignature], ",")
	require.Len(t, sigs, 2, "both during the overlap")
	ts := c.header[webhook.HeaderTimestamp]
	now := h.clock.now()
	require.NoError(t, webhook.Verify(rotated.Secret, ts, c.body, sigs[0], now, webhook.DefaultTolerance), "the new one first")
	require.NoError(t, webhook.Verify(sub.Secret, ts, c.body, sigs[1], now, webhook.DefaultTolerance))
	assert.Equal(t, strconv.FormatInt(now.Unix(), 10), ts)

	h.clock.advance(time.Hour)
	h.commit(event.ProjectUpdated, "p1", "energy")
	h.round(t)
	c = h.recv.got()[1]
	assert.NotContains(t, c.header[webhook.HeaderSignature], ",", "the old secret no longer signs after the overlap")
	require.NoError(t, webhook.Verify(rotated.Secret, c.header[webhook.HeaderTimestamp], c.body, c.header[webhook.HeaderSignature], h.clock.now(), webhook.DefaultTolerance))
	assert.ErrorIs(t, webhook.Verify(sub.Secret, c.header[webhook.HeaderTimestamp], c.body, c.header[webhook.HeaderSignature], h.clock.now(), webhook.DefaultTolerance), webhook.ErrNoSignature)
	again, err := h.svc.RotateSecret(context.Background(), energy, sub.ID)
	require.NoError(t, err, "after the overlap")
	assert.NotEqual(t, rotated.Secret, again.Secret)
}

func TestOrderedPerProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.subscribe(t, bureau)
	failing := true
	h.recv.answer = func(c call, _ int) (int, error) {
		if failing && c.project(t) == "a" {
			return 0, errors.New("connection refused")
		}
		return 204, nil
	}
	a1, a2 := h.commit(event.ProjectUpdated, "a"), h.commit(event.ProjectUpdated, "a")
	b1 := h.commit(event.ProjectUpdated, "b")
	require.Equal(t, 2, h.round(t), "the heads of a and b")
	b2 := h.commit(event.ProjectUpdated, "b")
	h.clock.advance(time.Second)
	require.Equal(t, 2, h.round(t), "a's first again, and b goes on")
	failing = false
	h.clock.advance(2 * time.Second)
	require.Equal(t, 1, h.round(t), "a's first")
	require.Equal(t, 1, h.round(t), "then a's second")

	order := map[string][]string{} // the events sent, by project: keys are sent side by side
	for _, c := range h.recv.got() {
		var b struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(c.body, &b))
		order[c.project(t)] = append(order[c.project(t)], b.ID)
	}
	assert.Equal(t, []string{a1.ID, a1.ID, a1.ID, a2.ID}, order["a"], "a's second waits for its first")
	assert.Equal(t, []string{b1.ID, b2.ID}, order["b"], "b is not held back by a")
}

func TestPausedAfterTheGiveUpWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sub := h.subscribe(t, bureau)
	h.recv.answer = func(call, int) (int, error) { return 503, nil }
	h.commit(event.ProjectArchived, "p1")
	outcomes := map[string]int{}
	h.svc.Observe(func(o string) { outcomes[o]++ })
	for range 4 {
		h.round(t)
		h.clock.advance(4 * time.Second)
	}
	got, err := h.svc.Get(context.Background(), bureau, sub.ID)
	require.NoError(t, err)
	require.True(t, got.Paused)
	assert.Contains(t, got.PausedReason, "HTTP 503")
	assert.Equal(t, 1, outcomes[webhook.OutcomeGaveUp])
	sent := len(h.recv.got())
	assert.Equal(t, 4, sent, "at 0, 4, 8 and 12 seconds (the clock's steps): paused at the first 10s after the first failure")
	age, err := h.svc.Oldest(context.Background())
	require.NoError(t, err)
	assert.Zero(t, age, "a paused subscription's deliveries do not count as late")

	h.commit(event.ProjectRestored, "p1") // within the give-up window after the pause: kept
	h.clock.advance(time.Hour)
	assert.Zero(t, h.round(t), "a paused subscription is sent nothing")
	h.recv.answer = nil
	paused := false
	resumed, err := h.svc.Update(context.Background(), bureau, sub.ID, got.Version, webhook.Change{Paused: &paused})
	require.NoError(t, err)
	assert.False(t, resumed.Paused)
	assert.Empty(t, resumed.PausedReason)
	require.Equal(t, 1, h.round(t))
	require.Equal(t, 1, h.round(t), "what waited while paused, in order")
	calls := h.recv.got()
	assert.Equal(t, event.ProjectArchived, calls[sent].header[webhook.HeaderEvent])
	assert.Equal(t, event.ProjectRestored, calls[sent+1].header[webhook.HeaderEvent])
}

func TestWhatASubscriptionReceives(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.commit(event.ProjectCreated, "before", "energy")
	h.clock.advance(time.Second)
	mine := h.subscribe(t, energy, event.ProjectStageChanged, event.ProjectArchived)
	all := h.subscribe(t, bureau)
	h.commit(event.ProjectStageChanged, "p-energy", "energy")
	h.commit(event.ProjectStageChanged, "p-industry", "industry")
	h.commit(event.ProjectUpdated, "p-energy", "energy")
	h.commit(event.ProjectArchived, "p-moved", "industry", "energy")
	h.round(t)
	count := func(sub webhook.Subscription) []string {
		page, err := h.svc.Deliveries(context.Background(), bureau, sub.ID, webhook.DeliveryQuery{})
		require.NoError(t, err)
		var out []string
		for _, d := range page.Items {
			out = append(out, d.ProjectID+" "+d.EventType)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"p-energy project.stage_changed", "p-moved project.archived"}, count(mine),
		"its types, of its department, since it was created")
	assert.Len(t, count(all), 4, "the bureau's: every event since it was created")
}

func TestRedeliverKeepsTheDeliveryID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sub := h.subscribe(t, energy)
	h.commit(event.IssueOpened, "p1", "energy")
	h.round(t)
	page, err := h.svc.Deliveries(context.Background(), energy, sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	d := page.Items[0]
	require.True(t, d.Delivered())
	_, err = h.svc.Redeliver(context.Background(), industry, sub.ID, d.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another department's")
	again, err := h.svc.Redeliver(context.Background(), energy, sub.ID, d.ID)
	require.NoError(t, err)
	assert.False(t, again.Delivered())
	require.Equal(t, 1, h.round(t))
	calls := h.recv.got()
	require.Len(t, calls, 2)
	assert.Equal(t, d.ID, calls[1].header[webhook.HeaderDelivery])
	assert.Equal(t, string(calls[0].body), string(calls[1].body))
	assert.Contains(t, h.audit.Actions, "webhook.redeliver")
}
