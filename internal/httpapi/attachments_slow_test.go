package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// slowUpload starts an upload whose body the returned pipe feeds, served in
// the background; the channel answers its status once it ends.
func (e *env) slowUpload(t *testing.T, as, projectID string) (*io.PipeWriter, []byte, <-chan int) {
	t.Helper()
	body, ct := attachmentForm(t, []field{{"kind", "permit"}}, "permit.pdf", "application/pdf", attachmenttest.Sized(1<<20))
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/projects/"+projectID+"/attachments", pr)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", e.authz[as])
	status := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		_ = pr.Close() // what the client still sends fails rather than waits
		status <- rec.Code
	}()
	return pw, body, status
}

// TestSlowUploadBlocksNothing: while a slow client's upload waits for the
// rest of its body, other requests are answered (SQLite has one
// connection, which the upload does not hold); an upload cut midway leaves
// no row, on both databases.
func TestSlowUploadBlocksNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))

		pw, body, status := e.slowUpload(t, asEnergyEditor, p.ID)
		_, err := pw.Write(body[:600<<10])
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond) // the upload stages its first chunks
		began := time.Now()
		res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects"})
		assert.Equal(t, http.StatusOK, res.status, "a list while an upload streams: %s", res)
		assert.Less(t, time.Since(began), 5*time.Second, "the list did not wait for the upload")
		_, err = pw.Write(body[600<<10:])
		require.NoError(t, err)
		require.NoError(t, pw.Close())
		require.Equal(t, http.StatusCreated, <-status)
		attachments, blobs, chunks := kept(t, db)
		require.Equal(t, 1, attachments)
		require.Equal(t, 1, blobs)

		pw, body, status = e.slowUpload(t, asEnergyEditor, p.ID)
		_, err = pw.Write(body[:700<<10])
		require.NoError(t, err)
		require.NoError(t, pw.CloseWithError(io.ErrUnexpectedEOF))
		assert.GreaterOrEqual(t, <-status, 400, "a cut upload fails")
		a2, b2, c2 := kept(t, db)
		assert.Equal(t, []int{attachments, blobs, chunks}, []int{a2, b2, c2}, "a cut upload leaves no attachment, content or chunk")
	})
}

// TestUploadOutlastsReadTimeout: an upload whose body takes longer than the
// server's read deadline to arrive is taken, within PIPELINE_UPLOAD_TIMEOUT.
func TestUploadOutlastsReadTimeout(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newEnv(t, db, func(c *config.Config) {
		c.Addr, c.ReadTimeout, c.Uploads.Timeout = "127.0.0.1:0", 300*time.Millisecond, 20*time.Second
	})
	p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- httpapi.Serve(ctx, e.cfg, e.h, slog.New(slog.DiscardHandler), func(a net.Addr) { addr <- a })
	}()
	t.Cleanup(func() { cancel(); <-served })
	base := "http://" + (<-addr).String()

	body, ct := attachmentForm(t, []field{{"kind", "permit"}}, "permit.pdf", "application/pdf", attachmenttest.Sized(1<<20))
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(body[:400<<10])
		time.Sleep(time.Second) // a slow link: longer than the read deadline
		_, _ = pw.Write(body[400<<10:])
		_ = pw.Close()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/projects/"+p.ID+"/attachments", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", e.authz[asEnergyEditor])
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "the upload is not cut at the read deadline")
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	assert.Equal(t, http.StatusCreated, res.StatusCode, "%s", answer)
}

// TestUploadIdempotencyKey: an upload sent twice with one Idempotency-Key
// is kept once and its repeat replays the first answer; the key with other
// content is 422; on both databases.
func TestUploadIdempotencyKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		send := func(key string, content []byte) response {
			r := uploadTo(t, p.ID, []field{{"kind", "permit"}}, "permit.pdf", content)
			r.principal, r.headers["Idempotency-Key"] = asEnergyEditor, key
			return e.do(t, r)
		}
		pdf := attachmenttest.Sized(300 << 10)
		first := send("upload-1", pdf)
		require.Equal(t, http.StatusCreated, first.status, "%s", first)
		again := send("upload-1", pdf)
		require.Equal(t, http.StatusCreated, again.status, "%s", again)
		assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		assert.Equal(t, first.header.Get("Location"), again.header.Get("Location"))
		assert.JSONEq(t, string(first.body), string(again.body))
		attachments, blobs, chunks := kept(t, db)
		assert.Equal(t, []int{1, 1, 2}, []int{attachments, blobs, chunks}, "the repeat keeps nothing")

		other := send("upload-1", attachmenttest.Sized(200<<10))
		assert.Equal(t, http.StatusUnprocessableEntity, other.status, "%s", other)
		attachments, _, _ = kept(t, db)
		assert.Equal(t, 1, attachments)
		assert.Equal(t, http.StatusCreated, send("upload-2", pdf).status, "another key is another upload")
		attachments, blobs, _ = kept(t, db)
		assert.Equal(t, []int{2, 1}, []int{attachments, blobs})
	})
}
