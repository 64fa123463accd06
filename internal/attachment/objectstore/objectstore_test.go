package objectstore_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/attachment/objectstore"
)

// FakeS3 starts an S3-compatible server in memory on loopback with the
// bucket pipeline, and returns the bucket's URL as PIPELINE_BLOB_URL takes
// it and the keys of the objects it holds.
func FakeS3(t *testing.T) (string, func() []string) {
	t.Helper()
	be := s3mem.New()
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
	return "s3://pipeline?" + q.Encode(), keys
}

// TestBlobsContract: the same contract as the database's, but that an
// object whose row failed stays (unreferenced, docs/files.md).
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
