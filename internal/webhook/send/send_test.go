package send_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/send"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

var header = map[string]string{"Content-Type": "application/json", webhook.HeaderDelivery: "d1"}

func TestLoopbackRefusedWhenDialling(t *testing.T) {
	t.Parallel()
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits++ }))
	defer srv.Close()
	status, err := send.New(send.Options{Timeout: 5 * time.Second}).Send(context.Background(), srv.URL, header, []byte(`{}`))
	require.ErrorIs(t, err, send.ErrRefusedAddress)
	assert.Zero(t, status)
	assert.Zero(t, hits)

	status, err = send.New(send.Options{Timeout: 5 * time.Second, AllowPrivate: true}).Send(context.Background(), srv.URL, header, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, hits)
}

// TestNameResolvingInsideIsRefused: a name that resolved to a public
// address at registration and resolves to loopback now reaches nothing.
func TestNameResolvingInsideIsRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	// localhost. resolves to loopback through the system's resolver (the
	// hosts file): the dialer's check holds whatever a name resolves to.
	_, err = send.New(send.Options{Timeout: 5 * time.Second}).Send(context.Background(), "http://localhost:"+port+"/", header, nil)
	require.ErrorIs(t, err, send.ErrRefusedAddress)
}

func TestControl(t *testing.T) {
	t.Parallel()
	for addr, refused := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "10.1.2.3:80": true, "[::ffff:10.1.2.3]:80": true,
		"169.254.169.254:80": true, "100.64.0.1:80": true, "0.0.0.0:80": true, "[fe80::1%eth0]:80": true,
		"93.184.216.34:443": false, "[2606:4700:4700::1111]:443": false, "not an address": true,
	} {
		err := send.Control("tcp", addr, nil)
		assert.Equal(t, refused, err != nil, addr)
	}
}

func TestNoRedirectNoProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://192.0.2.1:3128") // unreachable: a proxy used would fail the send
	t.Setenv("http_proxy", "http://192.0.2.1:3128")
	followed := false
	mux := http.NewServeMux()
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/target", http.StatusFound) })
	mux.HandleFunc("/target", func(http.ResponseWriter, *http.Request) { followed = true })
	var got http.Header
	var body []byte
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := send.New(send.Options{Timeout: 5 * time.Second, AllowPrivate: true})

	status, err := s.Send(context.Background(), srv.URL+"/moved", header, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, status, "a redirect is the answer, not followed")
	assert.False(t, followed)

	status, err = s.Send(context.Background(), srv.URL+"/hook", header, []byte(`{"a":1}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Equal(t, "d1", got.Get(webhook.HeaderDelivery))
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.Equal(t, `{"a":1}`, string(body))

	_, err = s.Send(context.Background(), "ftp://"+srv.Listener.Addr().String()+"/", header, nil)
	assert.Error(t, err)
}

func TestLookup(t *testing.T) {
	t.Parallel()
	addrs, err := send.Lookup(nil)(context.Background(), "localhost")
	require.NoError(t, err)
	require.NotEmpty(t, addrs)
	assert.True(t, webhook.Refused(addrs[0]))
	assert.True(t, slicesContainsLoopback(addrs))
}

func slicesContainsLoopback(addrs []netip.Addr) bool {
	for _, a := range addrs {
		if a.Unmap().IsLoopback() {
			return true
		}
	}
	return false
}

// TestHangingTargetIsCutAndRetried: a receiver that does not answer is cut
// at the timeout, the attempt recorded as failed, and the delivery sent
// again with the same delivery ID.
func TestHangingTargetIsCutAndRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(ids)
		ids = append(ids, r.Header.Get(webhook.HeaderDelivery))
		mu.Unlock()
		_, _ = io.ReadAll(r.Body) // read: the server then sees the client go
		if n == 0 {
			select { // hangs, until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers

	mem, feed := webhooktest.NewMemory(), &webhooktest.Feed{}
	svc := webhook.NewService(webhook.Deps{Store: mem, Queue: mem, Feed: feed, Tx: webhooktest.Tx{}, Auditor: &webhooktest.Auditor{},
		Sender:  send.New(send.Options{Timeout: 200 * time.Millisecond, AllowPrivate: true}),
		Targets: webhook.Targets{AllowPrivate: true},
		Render:  func(e event.Event) ([]byte, error) { return json.Marshal(map[string]string{"id": e.ID}) },
		Now:     time.Now, NewID: uuid.NewString,
	}, webhook.Settings{Schedule: webhook.Schedule{Base: time.Millisecond, Cap: 10 * time.Millisecond, GiveUp: time.Hour},
		Lease: time.Minute, Batch: 10, Senders: 2, Interval: 10 * time.Millisecond})
	sub, err := svc.Create(context.Background(), identity.Principal{Subject: "b", Name: "bureau", Role: identity.RoleBureau},
		webhook.Input{URL: srv.URL + "/hook"})
	require.NoError(t, err)
	feed.Append(event.Event{ID: uuid.NewString(), Type: event.ProjectUpdated, At: time.Now(), ProjectID: "p1"})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx, func(err error) { t.Log(err) }) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool {
		page, err := mem.Deliveries(context.Background(), sub.ID, webhook.DeliveryQuery{})
		return err == nil && len(page.Items) == 1 && page.Items[0].Delivered()
	}, 30*time.Second, 10*time.Millisecond)
	page, err := mem.Deliveries(context.Background(), sub.ID, webhook.DeliveryQuery{})
	require.NoError(t, err)
	assert.Equal(t, 2, page.Items[0].Attempts)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, ids, 2)
	assert.Equal(t, ids[0], ids[1], "the same delivery ID")
	assert.Equal(t, page.Items[0].ID, ids[0])
}
