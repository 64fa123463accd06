package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
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
