package attachmenttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
)

// Store is an in-memory attachment.Store. Projects it is told of (Project)
// are the ones Create takes.
type Store struct {
	mu       sync.Mutex
	rows     map[string]attachment.Attachment
	projects map[string]bool
	// Fail, when set, is returned by every write.
	Fail error
}

var _ attachment.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{rows: map[string]attachment.Attachment{}, projects: map[string]bool{}}
}

// Project makes id a project that attachments may belong to.
func (s *Store) Project(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = true
}

// Len is the number of attachments kept.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rows)
}

func clone(a attachment.Attachment) attachment.Attachment {
	if a.WithdrawnAt != nil {
		t := *a.WithdrawnAt
		a.WithdrawnAt = &t
	}
	return a
}

// Create inserts a, NotFound for a project it does not know.
func (s *Store) Create(_ context.Context, a attachment.Attachment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return s.Fail
	}
	if !s.projects[a.ProjectID] {
		return apperr.ErrNotFound
	}
	if _, ok := s.rows[a.ID]; ok {
		return &apperr.Error{Kind: apperr.Conflict}
	}
	s.rows[a.ID] = clone(a)
	return nil
}

// Get finds one by ID.
func (s *Store) Get(_ context.Context, id string) (attachment.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.rows[id]
	if !ok {
		return attachment.Attachment{}, apperr.ErrNotFound
	}
	return clone(a), nil
}

// List returns a project's attachments that q keeps, the earliest first.
func (s *Store) List(_ context.Context, projectID string, q attachment.Query) ([]attachment.Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []attachment.Attachment{}
	for _, a := range s.rows {
		switch {
		case a.ProjectID != projectID,
			q.Target != "" && a.Target != q.Target,
			q.Target != "" && q.TargetID != "" && a.TargetID != q.TargetID,
			!q.Withdrawn && a.WithdrawnAt != nil:
			continue
		}
		out = append(out, clone(a))
	}
	slices.SortFunc(out, func(a, b attachment.Attachment) int {
		if c := a.UploadedAt.Compare(b.UploadedAt); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	})
	return out, nil
}

// Update saves a over version.
func (s *Store) Update(_ context.Context, a attachment.Attachment, version int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return s.Fail
	}
	cur, ok := s.rows[a.ID]
	if !ok || cur.Version != version {
		return apperr.ErrVersionConflict
	}
	a.SHA256, a.Size, a.MediaType, a.UploadedAt, a.UploadedBy, a.ProjectID = cur.SHA256, cur.Size, cur.MediaType, cur.UploadedAt, cur.UploadedBy, cur.ProjectID
	s.rows[a.ID] = clone(a)
	return nil
}

// Blobs is an in-memory attachment.Blobs: a content is kept only when then
// succeeds, as the database keeps it in then's transaction.
type Blobs struct {
	mu   sync.Mutex
	data map[string][]byte
	puts int
}

var _ attachment.Blobs = (*Blobs)(nil)

// NewBlobs returns empty Blobs.
func NewBlobs() *Blobs { return &Blobs{data: map[string][]byte{}} }

// Len is the number of contents kept.
func (b *Blobs) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.data)
}

// Put reads r, and keeps it when then succeeds.
func (b *Blobs) Put(ctx context.Context, r io.Reader, mediaType string, then func(context.Context, attachment.Blob) error) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	blob := attachment.Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), MediaType: mediaType}
	if err := then(ctx, blob); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.puts++
	if _, ok := b.data[blob.SHA256]; !ok {
		b.data[blob.SHA256] = data
	}
	return nil
}

// Open reads a kept content.
func (b *Blobs) Open(_ context.Context, sum string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.data[sum]
	if !ok {
		return nil, apperr.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}
