package httpapi_test

import (
	"context"
	"encoding/json"
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
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/webhook"
)

// delivery is a request a test receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver is a loopback webhook receiver that fails the first failures
// requests with 503.
type receiver struct {
	mu       sync.Mutex
	failures int
	got      []delivery
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, delivery{header: req.Header.Clone(), body: body})
	if len(r.got) <= r.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// deliverWebhooks sequences what committed, fans it out and sends what is
// due, as the worker does, then moves the clock on by an hour, past any
// retry's wait.
func (e *env) deliverWebhooks(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	_, err := e.events.Flush(ctx)
	require.NoError(t, err)
	_, err = e.hooks.FanOut(ctx)
	require.NoError(t, err)
	_, err = e.hooks.Deliver(ctx, 100)
	require.NoError(t, err)
	e.setClock(t, e.clock.now().Add(time.Hour))
}

// TestWebhookDeliversAStageMove: a department system registers a webhook
// for stage moves; a move of its department's project reaches its
// loopback receiver, signed, after three failures on the fourth attempt
// with the same delivery ID; another department's move does not; the log
// and the metrics tell it; a redelivery sends it again with the same ID.
func TestWebhookDeliversAStageMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(c *config.Config) { c.Webhooks.AllowPrivate = true })
		recv := &receiver{failures: 3}
		srv := httptest.NewServer(recv)
		defer srv.Close()

		res := e.do(t, request{principal: asEnergyClientNone, method: http.MethodPost, path: webhooksPath,
			body: api.WebhookCreate{URL: srv.URL + "/hook", Types: []string{"project.stage_changed"}}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var hook api.Webhook
		res.decode(t, &hook)

		mine := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		theirs := e.create(t, asBureau, with(projectBody("锌冶炼技改项目"), "department", "industry", "category", "materials"))
		for _, p := range []api.Project{mine, theirs} {
			res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: projectURL(p.ID, "transitions"),
				body: api.TransitionCreate{To: "signed", OccurredOn: "2021-05-20", Evidence: []api.Evidence{{Kind: "contract", Ref: "投资协议 2021-017"}}}})
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
		}
		for range 6 {
			e.deliverWebhooks(t)
		}

		got := recv.deliveries()
		require.Len(t, got, 4, "three failures, then delivered; the industry project's move is not the energy system's")
		id := got[0].header.Get(webhook.HeaderDelivery)
		require.NotEmpty(t, id)
		for i, d := range got {
			assert.Equal(t, id, d.header.Get(webhook.HeaderDelivery), "attempt %d: the same delivery ID", i+1)
			assert.Equal(t, "project.stage_changed", d.header.Get(webhook.HeaderEvent))
			assert.Equal(t, "application/json", d.header.Get("Content-Type"))
			ts := d.header.Get(webhook.HeaderTimestamp)
			sec, err := strconv.ParseInt(ts, 10, 64)
			require.NoError(t, err)
			require.NoError(t, webhook.Verify(hook.Secret, ts, d.body, d.header.Get(webhook.HeaderSignature), time.Unix(sec, 0),
				webhook.DefaultTolerance), "attempt %d is signed with the webhook's secret", i+1)
		}
		var ev api.Event
		require.NoError(t, json.Unmarshal(got[3].body, &ev))
		assert.Equal(t, mine.ID, ev.ProjectID)
		assert.Equal(t, "project.stage_changed", ev.Type)
		assert.Equal(t, "signed", ev.Changes["stage"])
		assert.Equal(t, "/api/v1/projects/"+mine.ID, ev.Resource.Path)

		var log api.WebhookDeliveryList
		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodGet, path: webhooksPath + "/" + hook.ID + "/deliveries"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &log)
		require.Len(t, log.Items, 1)
		d := log.Items[0]
		assert.Equal(t, id, d.ID)
		assert.Equal(t, ev.ID, d.EventID)
		assert.Equal(t, "delivered", d.Status)
		assert.Equal(t, 4, d.Attempts)
		assert.Equal(t, http.StatusNoContent, d.LastStatus)
		assert.Nil(t, d.NextAttemptAt)
		assert.NotNil(t, d.DeliveredAt)

		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodPost,
			path: webhooksPath + "/" + hook.ID + "/deliveries/" + id + "/redeliver"})
		require.Equal(t, http.StatusAccepted, res.status, "%s", res)
		e.deliverWebhooks(t)
		got = recv.deliveries()
		require.Len(t, got, 5)
		assert.Equal(t, id, got[4].header.Get(webhook.HeaderDelivery), "a redelivery keeps the delivery ID")
		assert.Equal(t, string(got[3].body), string(got[4].body))

		metrics := e.do(t, request{method: http.MethodGet, path: "/metrics"}).String()
		assert.Contains(t, metrics, `pipeline_webhook_deliveries_total{outcome="delivered"} 2`)
		assert.Contains(t, metrics, `pipeline_webhook_deliveries_total{outcome="failed"} 3`)
		assert.Contains(t, metrics, `pipeline_webhook_deliveries_total{outcome="gave_up"} 0`)
		assert.Contains(t, metrics, "pipeline_webhook_oldest_undelivered_seconds 0")
	})
}
