package client_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/guangling/pipeline/api/client"
)

// attempt is a delivery attempt a receiver got.
type attempt struct {
	delivery string
	event    client.Event
	err      error // of VerifySignature
}

// receiver is a department system's webhook receiver on loopback, which
// answers 503 to the first failures attempts of each delivery.
type receiver struct {
	mu       sync.Mutex
	attempts []attempt
	secret   []byte
	failures int
	got      chan struct{}
}

// newReceiver starts a receiver and registers it with c for stage moves.
func newReceiver(t *testing.T, c *client.ClientWithResponses, failures int) *receiver {
	t.Helper()
	r := &receiver{failures: failures, got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	created, err := c.CreateWebhookWithResponse(t.Context(), client.WebhookCreate{
		Url: ptr(srv.URL + "/pipeline/hook"), Types: &[]string{"project.stage_changed"}, Description: ptr("能源局项目系统"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil || created.JSON201.Secret == nil {
		t.Fatalf("register a webhook: %s %s", created.Status(), created.Body)
	}
	r.mu.Lock()
	r.secret = []byte(*created.JSON201.Secret)
	r.mu.Unlock()
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a := attempt{delivery: req.Header.Get(client.HeaderDelivery)}
	a.err = client.VerifySignature(r.secret, req.Header.Get(client.HeaderTimestamp), body,
		req.Header.Get(client.HeaderSignature), 5*time.Minute, time.Now())
	_ = json.Unmarshal(body, &a.event)
	r.attempts = append(r.attempts, a)
	select {
	case r.got <- struct{}{}:
	default: // the waiter looks at every attempt when it next looks
	}
	n := 0
	for _, b := range r.attempts {
		if b.delivery == a.delivery {
			n++
		}
	}
	if n <= r.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// wait waits up to 30 s for the stage move of project to be taken, and
// checks that every attempt was signed and carried the same delivery ID.
func (r *receiver) wait(t *testing.T, project openapi_types.UUID) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		var ofProject []attempt
		for _, a := range r.attempts {
			if a.event.ProjectId == project {
				ofProject = append(ofProject, a)
			}
		}
		r.mu.Unlock()
		if len(ofProject) > r.failures {
			checkAttempts(t, ofProject, r.failures+1)
			return
		}
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("the receiver got %d attempts of the stage move within 30 s, want %d", len(ofProject), r.failures+1)
		}
	}
}

func checkAttempts(t *testing.T, attempts []attempt, want int) {
	t.Helper()
	if len(attempts) != want {
		t.Errorf("%d attempts, want %d", len(attempts), want)
	}
	for i, a := range attempts {
		if a.err != nil {
			t.Errorf("attempt %d: %v", i+1, a.err)
		}
		if a.delivery == "" || a.delivery != attempts[0].delivery {
			t.Errorf("attempt %d: delivery %q, the first %q", i+1, a.delivery, attempts[0].delivery)
		}
		if a.event.Type != client.ProjectStageChanged || a.event.Changes["stage"] != "signed" {
			t.Errorf("attempt %d: %s with %v", i+1, a.event.Type, a.event.Changes)
		}
	}
}
