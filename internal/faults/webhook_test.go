package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/webhook"
)

// hookReceiver is a loopback receiver of webhook deliveries that checks
// their signatures.
type hookReceiver struct {
	mu        sync.Mutex
	secret    string
	byProject map[string][]int64 // the positions received, by project, in arrival order
	events    map[string]bool    // the event IDs received
	bad       []string           // deliveries refused: their reasons
	// hang, when set, holds every request until it is released or its
	// client goes, and tells its delivery ID on held.
	hang     chan struct{}
	held     chan string
	attempts map[string]int // attempts by delivery ID
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body) // read: the server then sees the client go
	r.mu.Lock()
	r.attempts[req.Header.Get(webhook.HeaderDelivery)]++
	hang := r.hang
	r.mu.Unlock()
	if hang != nil {
		r.held <- req.Header.Get(webhook.HeaderDelivery)
		select {
		case <-hang:
		case <-req.Context().Done():
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		err = webhook.Verify(r.secret, req.Header.Get(webhook.HeaderTimestamp), body, req.Header.Get(webhook.HeaderSignature),
			time.Now(), webhook.DefaultTolerance)
	}
	var e api.Event
	if err == nil {
		err = json.Unmarshal(body, &e)
	}
	if err != nil || req.Header.Get(webhook.HeaderDelivery) == "" {
		r.bad = append(r.bad, fmt.Sprintf("%v %q", err, body))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !r.events[e.ID] {
		pos, _ := strconv.ParseInt(e.Position, 10, 64)
		r.byProject[e.ProjectID] = append(r.byProject[e.ProjectID], pos)
		r.events[e.ID] = true
	}
	w.WriteHeader(http.StatusNoContent)
}

func newHookReceiver() *hookReceiver {
	return &hookReceiver{byProject: map[string][]int64{}, events: map[string]bool{}, attempts: map[string]int{}}
}

func (r *hookReceiver) received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// register registers a webhook of stage moves to recv, served at url, and
// gives recv its secret.
func register(t *testing.T, s *service, recv *hookReceiver, url string) {
	t.Helper()
	var hook api.Webhook
	st, _, err := s.call(http.MethodPost, "/api/v1/webhooks", api.WebhookCreate{URL: url + "/hook",
		Types: []string{"project.stage_changed"}}, &hook)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, st)
	recv.mu.Lock()
	recv.secret = hook.Secret
	recv.mu.Unlock()
}

// TestFaultWebhookKill commits stage moves while the service delivers no
// webhooks (PIPELINE_WEBHOOKS=false: the moves' events are committed and
// nothing has sent them), kills it with SIGKILL, and starts it again with
// its worker: every move's event reaches the receiver, signed, in order per
// project (docs/architecture.md, "Webhooks: after the commit, not inside it").
func TestFaultWebhookKill(t *testing.T) {
	need(t)
	c := startCluster(t)
	recv := newHookReceiver()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s := newService(t, c, "PIPELINE_WEBHOOK_ALLOW_PRIVATE=true", "PIPELINE_WEBHOOKS=false")
	s.start()

	register(t, s, recv, srv.URL)

	const projects, moves = 4, 3
	l := newLedger()
	committed := 0
	for i := range projects {
		id, ok := s.create(l, fmt.Sprintf("推送故障测试 %d", i))
		require.True(t, ok, "project created: %s", l.sampleLine())
		for step := 0; step < 2*moves; step += 2 {
			require.True(t, s.step(l, id, step), "move acknowledged: %s", l.sampleLine())
			committed++
		}
	}
	s.kill()
	assert.Zero(t, recv.received(), "nothing was delivered before the kill")

	s.env = append(s.env, "PIPELINE_WEBHOOKS=true")
	s.start()
	began := time.Now()
	require.Eventually(t, func() bool { return recv.received() >= committed }, 60*time.Second, 50*time.Millisecond,
		"every committed move delivered after the restart")
	took := time.Since(began)

	recv.mu.Lock()
	defer recv.mu.Unlock()
	assert.Empty(t, recv.bad, "every delivery was signed with the webhook's secret")
	assert.Len(t, recv.byProject, projects)
	for id, positions := range recv.byProject {
		assert.IsIncreasing(t, positions, "project %s's events in commit order", id)
		assert.Len(t, positions, moves, "project %s", id)
	}
	t.Logf("fault figures: kill -9 between commit and delivery: moves committed %d, delivered after the restart %d (%s after it was ready), refused %d",
		committed, len(recv.events), took.Round(time.Millisecond), len(recv.bad))
}

// TestFaultWebhookKillWhileSending kills the service with SIGKILL while
// its delivery of a move is in flight (the receiver holds the request), and
// starts it again: once the dead sender's claim has run out (twice the
// timeout and 5 s), the delivery is sent again with the same delivery ID
// and taken.
func TestFaultWebhookKillWhileSending(t *testing.T) {
	need(t)
	c := startCluster(t)
	recv := newHookReceiver()
	recv.hang, recv.held = make(chan struct{}), make(chan string, 8)
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s := newService(t, c, "PIPELINE_WEBHOOK_ALLOW_PRIVATE=true", "PIPELINE_WEBHOOK_TIMEOUT=5s")
	s.start()
	register(t, s, recv, srv.URL)

	l := newLedger()
	id, ok := s.create(l, "推送中断测试")
	require.True(t, ok, "project created: %s", l.sampleLine())
	require.True(t, s.step(l, id, 0), "move acknowledged: %s", l.sampleLine())
	var delivery string
	select {
	case delivery = <-recv.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery did not reach the receiver")
	}
	s.kill() // while the receiver holds the request
	recv.mu.Lock()
	close(recv.hang)
	recv.hang = nil
	recv.mu.Unlock()

	s.start()
	began := time.Now()
	require.Eventually(t, func() bool { return recv.received() == 1 }, 60*time.Second, 50*time.Millisecond,
		"the delivery in flight at the kill is sent again after the restart")
	took := time.Since(began)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	assert.Empty(t, recv.bad)
	assert.Equal(t, 2, recv.attempts[delivery], "the same delivery ID, sent twice: at least once")
	assert.Len(t, recv.attempts, 1, "one delivery ID in all")
	t.Logf("fault figures: kill -9 while a delivery was in flight: delivered again after the restart in %s (the claim's lease: 15 s)",
		took.Round(time.Millisecond))
}
