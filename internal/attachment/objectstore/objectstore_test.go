package objectstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/attachment/objectstore"
)

// FakeS3 starts an S3-compatible server in memory on loopback with the
// bucket pipeline, and returns the bucket's URL as PIPELINE_BLOB_URL takes
// it and the keys of the objects it holds.
func FakeS3(t *testing.T) (string, func() []string) {
	t.Helper()
	u, keys, _ := fakeS3(t)
	return u, keys
}

// failingDeletes is a bucket's backend whose deletes fail while fail is set.
type failingDeletes struct {
	gofakes3.Backend
	fail atomic.Bool
}

func (b *failingDeletes) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	if b.fail.Load() {
		return gofakes3.ObjectDeleteResult{}, errors.New("the storage refused the delete")
	}
	return b.Backend.DeleteObject(bucket, key)
}

// fakeS3 is FakeS3 whose deletes fail on request.
func fakeS3(t *testing.T) (string, func() []string, *failingDeletes) {
	t.Helper()
	be := &failingDeletes{Backend: s3mem.New()}
	require.NoError(t, be.CreateBucket("pipeline"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: gofakes3.New(be).Server()}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	q := url.Values{"endpoint": {"http://" + ln.Addr().String()}, "region": {"us-east-1"},
		"use_path_style": {"true"}, "anonymous": {"true"}, "disable_https": {"true"}}
	keys := func() []string {
		list, err := be.ListBucket("pipeline", nil, gofakes3.ListBucketPage{})
		require.NoError(t, err)
		out := []string{}
		for _, o := range list.Contents {
			out = append(out, o.Key)
		}
		return out
	}
	return "s3://pipeline?" + q.Encode(), keys, be
}

// TestBlobsContract: the same contract as the database's, but for a row
// that failed: its object stays, unreferenced (TestFailedRowKeepsNoTemporaryObject).
func TestBlobsContract(t *testing.T) {
	t.Parallel()
	u, keys := FakeS3(t)
	st, err := objectstore.Open(context.Background(), u, uuid.NewString)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	attachmenttest.BlobsContract(t, st, attachmenttest.BlobsOptions{
		Kept: func(*testing.T) int { return len(keys()) }, ChunkSize: 256 << 10,
	})
	for _, k := range keys() {
		require.Regexp(t, `^[0-9a-f]{64}$`, k, "every object is under its hash: no upload's temporary key is left")
	}
}

// TestFailedRowKeepsNoTemporaryObject: when the row does not commit, the
// temporary key goes and the object under the hash stays, for a twin
// upload of the same content may be committing against it; the next
// upload of that content uses it.
func TestFailedRowKeepsNoTemporaryObject(t *testing.T) {
	t.Parallel()
	u, keys, _ := fakeS3(t)
	st, err := objectstore.Open(context.Background(), u, uuid.NewString)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	refused := errors.New("the row was refused")
	fail := func(context.Context, attachment.Blob) error { return refused }
	content := "%PDF-1.4 one"
	sum := sha256.Sum256([]byte(content))

	require.ErrorIs(t, st.Put(context.Background(), strings.NewReader(content), "application/pdf", fail), refused)
	assert.Equal(t, []string{hex.EncodeToString(sum[:])}, keys(), "no temporary key stays; the content does")

	var got attachment.Blob
	require.NoError(t, st.Put(context.Background(), strings.NewReader(content), "application/pdf",
		func(_ context.Context, b attachment.Blob) error { got = b; return nil }))
	assert.Equal(t, hex.EncodeToString(sum[:]), got.SHA256)
	assert.Len(t, keys(), 1, "the next upload of the content uses the object")
}

// TestCommittedUploadIgnoresCleanup: once the row has committed, a failure
// to remove the temporary key is logged, never Put's error (which would
// answer 500 for a file that is kept).
func TestCommittedUploadIgnoresCleanup(t *testing.T) {
	t.Parallel()
	u, keys, be := fakeS3(t)
	st, err := objectstore.Open(context.Background(), u, uuid.NewString)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	be.fail.Store(true)
	committed := false
	require.NoError(t, st.Put(context.Background(), strings.NewReader("%PDF-1.4 kept"), "application/pdf",
		func(context.Context, attachment.Blob) error { committed = true; return nil }))
	assert.True(t, committed)
	assert.Len(t, keys(), 2, "the content, and the temporary key the storage would not remove")
}
