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
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
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

func (r *hookReceiver) received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// TestFaultWebhookKill commits stage moves while the webhook worker is idle
// (its interval an hour, after its first pass at start), kills the service
// with SIGKILL before any is delivered, and starts it again: every move's
// event reaches the receiver, signed, in order per project (docs/architecture.md,
// "Webhooks: after the commit, not inside it").
func TestFaultWebhookKill(t *testing.T) {
	need(t)
	c := startCluster(t)
	recv := &hookReceiver{byProject: map[string][]int64{}, events: map[string]bool{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s := newService(t, c, "PIPELINE_WEBHOOK_ALLOW_PRIVATE=true", "PIPELINE_WEBHOOK_INTERVAL=1h")
	s.start()

	var hook api.Webhook
	st, _, err := s.call(http.MethodPost, "/api/v1/webhooks", api.WebhookCreate{URL: srv.URL + "/hook",
		Types: []string{"project.stage_changed"}}, &hook)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, st)
	recv.mu.Lock()
	recv.secret = hook.Secret
	recv.mu.Unlock()

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
	assert.Zero(t, recv.received(), "nothing was delivered before the kill (the worker was idle)")

	s.env = append(s.env, "PIPELINE_WEBHOOK_INTERVAL=100ms")
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
