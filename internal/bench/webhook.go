package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/calendar"
)

// webhookMoves is how many stage moves the delivery latency is measured on.
const webhookMoves = 40

// hookSink is a loopback webhook receiver that tells when each event
// arrived.
type hookSink struct {
	mu      sync.Mutex
	arrived map[string]chan time.Time // by "<project ID> <version>"
}

func (s *hookSink) wait(key string) chan time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.arrived[key]
	if !ok {
		ch = make(chan time.Time, 1)
		s.arrived[key] = ch
	}
	return ch
}

func (s *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	var e api.Event
	if b, err := io.ReadAll(r.Body); err == nil && json.Unmarshal(b, &e) == nil {
		select {
		case s.wait(fmt.Sprintf("%s %d", e.ProjectID, e.Version)) <- at:
		default: // a repeat
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// webhookLatency measures the delivery latency of stage moves: a webhook
// for stage moves to a receiver on loopback, then moves of one project one
// after the other, each timed from its 201 (the move has committed) to the
// receiver's reading its delivery. It prints the median and the highest.
func (r *run) webhookLatency(ctx context.Context) (err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sink := &hookSink{arrived: map[string]chan time.Time{}}
	srv := &http.Server{Handler: sink, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	token, err := r.login(ctx, r.svc.api)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(api.WebhookCreate{URL: "http://" + ln.Addr().String() + "/hook", Types: []string{"project.stage_changed"}})
	var hook struct{ ID string }
	if err := r.do(ctx, http.MethodPost, r.svc.api+"/api/v1/webhooks", token, body, http.StatusCreated, &hook); err != nil {
		return fmt.Errorf("register a webhook: %w", err)
	}
	// Removed after, so that the moves of a later run (-runs) are not
	// delivered to a receiver that is gone.
	defer func() {
		if derr := r.expect(ctx, http.MethodDelete, r.svc.api+"/api/v1/webhooks/"+hook.ID, token, http.StatusNoContent); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove the webhook: %w", derr))
		}
	}()
	var p api.Project
	body, _ = json.Marshal(map[string]string{"name": "推送时延测量项目", "category": "wind", "department": "energy"})
	if err := r.do(ctx, http.MethodPost, r.svc.api+"/api/v1/projects", token, body, http.StatusCreated, &p); err != nil {
		return err
	}
	took, err := r.timedMoves(ctx, token, p.ID, sink)
	if err != nil {
		return err
	}
	slices.Sort(took)
	r.printf("%-15s %d stage moves one after another, from the 201 to the loopback receiver: p50 %s  max %s\n",
		"webhook", len(took), ms(took[len(took)/2]), ms(took[len(took)-1]))
	return nil
}

// timedMoves moves project id started, suspended, started … and returns
// the delivery latency of each move.
func (r *run) timedMoves(ctx context.Context, token, id string, sink *hookSink) ([]time.Duration, error) {
	day := calendar.Today(time.Now()).Format(time.DateOnly)
	took := make([]time.Duration, 0, webhookMoves)
	for i := range webhookMoves {
		move := api.TransitionCreate{To: "started", OccurredOn: day, Evidence: []api.Evidence{{Kind: "permit", Ref: "时延测量"}}}
		if i == 0 {
			// The first start: its permit item is not recorded (docs/approvals.md).
			move.PermitWaiver = "时延测量"
		}
		if i%2 == 1 {
			move = api.TransitionCreate{To: "suspended", OccurredOn: day, Note: "用地调整"}
		}
		body, _ := json.Marshal(move)
		var res api.TransitionResult
		if err := r.do(ctx, http.MethodPost, r.svc.api+"/api/v1/projects/"+id+"/transitions", token, body, http.StatusCreated, &res); err != nil {
			return nil, err
		}
		committed := time.Now()
		select {
		case at := <-sink.wait(fmt.Sprintf("%s %d", id, res.Project.Version)):
			took = append(took, max(at.Sub(committed), 0))
		case <-time.After(30 * time.Second):
			return nil, pairFailure{fmt.Errorf("the delivery of move %d did not arrive within 30 s", i+1)}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return took, nil
}
