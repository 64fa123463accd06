// Package objectstore keeps attachments' contents in S3-compatible object
// storage through gocloud.dev/blob (attachment.Blobs), each content under
// its SHA-256 in hex, once (docs/files.md, "Storage").
package objectstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3:// buckets
	"gocloud.dev/gcerrors"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
)

// partSize is what an upload holds in memory at a time: S3's smallest part
// of a multipart upload.
const partSize = 5 << 20

// Store keeps contents in a bucket.
type Store struct {
	bucket *blob.Bucket
	newID  func() string
}

var _ attachment.Blobs = (*Store)(nil)

// Open opens the bucket at url (s3://bucket?endpoint=…&region=…, docs/operations.md);
// newID names uploads while they stream.
func Open(ctx context.Context, url string, newID func() string) (*Store, error) {
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open the object storage: %w", err)
	}
	return &Store{bucket: b, newID: newID}, nil
}

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Put streams r to a temporary key uploads/<id>, hashing it, then copies it
// to the key of its hash unless that key holds it already, and calls then
// (which writes the attachment's row in a transaction of its own). An error
// of r aborts the upload, which leaves no object. When then fails, the
// object under the hash stays: another upload of the same content may be
// committing its row against it at that moment, so the request never
// deletes a content (docs/files.md, "Storage"). The temporary key is
// removed in any case; a failure to remove it is logged, never Put's error:
// once then has committed, the upload has succeeded.
func (s *Store) Put(ctx context.Context, r io.Reader, mediaType string, then func(context.Context, attachment.Blob) error) error {
	tmp := "uploads/" + s.newID()
	sum, size, err := s.write(ctx, tmp, r, mediaType)
	if err != nil {
		return err
	}
	defer s.remove(context.WithoutCancel(ctx), tmp)
	kept, err := s.bucket.Exists(ctx, sum)
	if err != nil {
		return fmt.Errorf("objectstore: look for %s: %w", sum, err)
	}
	if !kept {
		if err := s.bucket.Copy(ctx, sum, tmp, nil); err != nil {
			return fmt.Errorf("objectstore: copy %s to %s: %w", tmp, sum, err)
		}
	}
	return then(ctx, attachment.Blob{SHA256: sum, Size: size, MediaType: mediaType})
}

// remove deletes key, logging a failure.
func (s *Store) remove(ctx context.Context, key string) {
	if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		slog.WarnContext(ctx, "attachments: removing an object", "key", key, "err", err)
	}
}

// write uploads what r yields to key and answers its SHA-256 and size; a
// failure aborts the upload.
func (s *Store) write(ctx context.Context, key string, r io.Reader, mediaType string) (string, int64, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: mediaType, BufferSize: partSize, MaxConcurrency: 1})
	if err != nil {
		return "", 0, fmt.Errorf("objectstore: write %s: %w", key, err)
	}
	h := sha256.New()
	size, err := io.Copy(w, io.TeeReader(r, h))
	if err != nil {
		cancel() // aborts the write: Close keeps nothing
		_ = w.Close()
		return "", 0, err
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("objectstore: write %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// Open reads the content stored under sum.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	rd, err := s.bucket.NewReader(ctx, sum, nil)
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return nil, apperr.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("objectstore: read %s: %w", sum, err)
	}
	return rd, nil
}
