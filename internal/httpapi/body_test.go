package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// rawExchange sends head and then part of a body of the length it
// announces over a real connection to srv, then acts (closes its side, or
// waits), and returns the answer.
func rawExchange(t *testing.T, srv *httptest.Server, head, part string, closeWrite bool) (*http.Response, api.Problem) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, head+part)
	require.NoError(t, err)
	if closeWrite {
		require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	var p api.Problem
	require.NoError(t, json.NewDecoder(res.Body).Decode(&p))
	return res, p
}

// TestAnUnreadableBodyIsTheClients: a body cut short (less than its
// Content-Length, then the client's side closed) answers 400, one that
// does not arrive within the server's read timeout answers 408; neither is
// a 500 nor logged as an error. JSON bodies and import uploads alike.
func TestAnUnreadableBodyIsTheClients(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	srv := httptest.NewUnstartedServer(e.h)
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	json := "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: " + e.authz[asBureau] +
		"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
	upload := "POST /api/v1/projects/import HTTP/1.1\r\nHost: x\r\nAuthorization: " + e.authz[asBureau] +
		"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 500\r\n\r\n"
	part := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nname,"
	for _, tc := range []struct {
		name, head, part string
		closeWrite       bool
		status           int
		code             string
	}{
		{"a JSON body cut short", json, `{"name":"半截`, true, http.StatusBadRequest, "validation_failed"},
		{"a JSON body too slow", json, `{"name":"半截`, false, http.StatusRequestTimeout, "request_timeout"},
		{"an upload cut short", upload, part, true, http.StatusBadRequest, "validation_failed"},
		{"an upload too slow", upload, part, false, http.StatusRequestTimeout, "request_timeout"},
	} {
		res, p := rawExchange(t, srv, tc.head, tc.part, tc.closeWrite)
		assert.Equal(t, tc.status, res.StatusCode, "%s: %+v", tc.name, p)
		assert.Equal(t, tc.code, p.Code, tc.name)
	}
	assert.NotContains(t, e.log.String(), "level=ERROR", "no error is logged")
}

// TestAGoneClientIs499: a request whose client went away (its context
// canceled) is counted as 499, not as a 5xx, and logs no error.
func TestAGoneClientIs499(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, path := range []string{"/api/v1/projects", "/api/v1/projects?count=true"} {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		req.Header.Set("Authorization", e.authz[asBureau])
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		assert.Equal(t, 499, rec.Code, "%s: %s", path, rec.Body)
	}
	assert.NotContains(t, e.log.String(), "level=ERROR", "no error is logged")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	metrics := rec.Body.String()
	assert.Contains(t, metrics, `pipeline_http_requests_total{method="GET",route="/api/v1/projects",status="499"} 2`)
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "pipeline_http_requests_total") {
			assert.NotContains(t, line, `status="5`, "no 5xx counted: %s", line)
		}
	}
}
