package attachmenttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 6, 15, 2, 30, 15, 123456000, time.UTC)

// Sample is an attachment of project with every field set.
func Sample(projectID string, uploaded time.Time) attachment.Attachment {
	lat, lon := 36.123456, 114.654321
	taken := time.Date(2021, 6, 14, 1, 2, 3, 0, time.UTC)
	return attachment.Attachment{
		ID: uuid.NewString(), ProjectID: projectID,
		Fields: attachment.Fields{Target: attachment.OfProject, Kind: attachment.SitePhoto, Filename: "现场照片 6月.jpg",
			TakenOn: time.Date(2021, 6, 14, 0, 0, 0, 0, time.UTC), Place: "园区北门", Note: "主体封顶"},
		MediaType: "image/jpeg", Size: 1234, SHA256: hex.EncodeToString(make([]byte, 32)),
		EXIF:       attachment.EXIF{TakenAt: &taken, Latitude: &lat, Longitude: &lon},
		UploadedBy: "energy_editor", UploadedAt: uploaded, Version: 1,
	}
}

// StoreContract checks that st keeps what attachment.Store documents:
// an attachment comes back as created (times in UTC, the 拍摄日期 as
// midnight UTC, absent EXIF as nil); Get of an unknown or malformed ID is
// NotFound; Create of an unknown project is NotFound; List keeps a
// project's attachments by target and target ID, the withdrawn ones only
// when asked, the earliest uploaded first; Update writes only over the
// version it names and keeps what an upload recorded. project makes a
// project the store knows and returns its ID.
func StoreContract(t *testing.T, st attachment.Store, project func(t *testing.T) string) {
	t.Helper()
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		a := Sample(project(t), at)
		require.NoError(t, st.Create(ctx, a))
		got, err := st.Get(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, a, got)
		b := Sample(a.ProjectID, at)
		b.EXIF, b.TakenOn, b.Place, b.Kind = attachment.EXIF{}, time.Time{}, "", "permit"
		require.NoError(t, st.Create(ctx, b))
		got, err = st.Get(ctx, b.ID)
		require.NoError(t, err)
		assert.Equal(t, b, got, "no EXIF and no 拍摄日期 come back as none")
	})
	t.Run("not found", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "not-a-uuid", ""} {
			_, err := st.Get(ctx, id)
			assert.ErrorIs(t, err, apperr.ErrNotFound, id)
		}
		err := st.Create(ctx, Sample(uuid.NewString(), at))
		assert.ErrorIs(t, err, apperr.ErrNotFound, "an unknown project")
	})
	t.Run("list", func(t *testing.T) { listContract(t, st, project(t)) })
	t.Run("update", func(t *testing.T) {
		a := Sample(project(t), at)
		require.NoError(t, st.Create(ctx, a))
		w := a
		now := at.Add(time.Hour)
		w.WithdrawnAt, w.WithdrawnBy, w.WithdrawReason, w.Version = &now, "bureau", "传错了", 2
		w.SHA256, w.Size = "changed", 1
		assert.ErrorIs(t, st.Update(ctx, w, 5), apperr.ErrVersionConflict)
		require.NoError(t, st.Update(ctx, w, 1))
		got, err := st.Get(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, a.SHA256, got.SHA256, "the content stays")
		assert.Equal(t, a.Size, got.Size)
		require.NotNil(t, got.WithdrawnAt)
		assert.Equal(t, now, *got.WithdrawnAt)
		assert.Equal(t, "bureau", got.WithdrawnBy)
		assert.Equal(t, "传错了", got.WithdrawReason)
		assert.Equal(t, 2, got.Version)
		assert.ErrorIs(t, st.Update(ctx, w, 1), apperr.ErrVersionConflict, "the version read is gone")
	})
}

func listContract(t *testing.T, st attachment.Store, pid string) {
	ctx := context.Background()
	first := Sample(pid, at)
	moved := Sample(pid, at.Add(time.Minute))
	moved.Target, moved.TargetID = attachment.OfTransition, uuid.NewString()
	report := Sample(pid, at.Add(2*time.Minute))
	report.Target, report.TargetID = attachment.OfReport, "2021-05"
	gone := Sample(pid, at.Add(3*time.Minute))
	now := at.Add(time.Hour)
	gone.WithdrawnAt, gone.WithdrawnBy, gone.WithdrawReason = &now, "bureau", "重复"
	for _, a := range []attachment.Attachment{report, gone, first, moved} {
		require.NoError(t, st.Create(ctx, a))
	}
	ids := func(q attachment.Query) []string {
		as, err := st.List(ctx, pid, q)
		require.NoError(t, err)
		out := []string{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	assert.Equal(t, []string{first.ID, moved.ID, report.ID}, ids(attachment.Query{}))
	assert.Equal(t, []string{first.ID, moved.ID, report.ID, gone.ID}, ids(attachment.Query{Withdrawn: true}))
	assert.Equal(t, []string{moved.ID}, ids(attachment.Query{Target: attachment.OfTransition}))
	assert.Equal(t, []string{report.ID}, ids(attachment.Query{Target: attachment.OfReport, TargetID: "2021-05"}))
	assert.Empty(t, ids(attachment.Query{Target: attachment.OfReport, TargetID: "2021-04"}))
	as, err := st.List(ctx, uuid.NewString(), attachment.Query{})
	require.NoError(t, err)
	assert.Empty(t, as, "another project's")
}

// BlobsOptions say what BlobsContract may check of a Blobs.
type BlobsOptions struct {
	// Kept counts what the storage holds (contents, objects).
	Kept func(t *testing.T) int
	// Transactional says that a failure of then keeps nothing (the
	// database); object storage keeps the object, unreferenced.
	Transactional bool
	// ChunkSize is the storage's piece, to cross its boundaries.
	ChunkSize int
}

// BlobsContract checks that b keeps what attachment.Blobs documents: a
// content comes back byte for byte under its SHA-256, across chunks; the
// same content twice is kept once; a reader's error is Put's and keeps
// nothing; with Transactional, then's error keeps nothing; Open of a hash
// not kept is NotFound.
func BlobsContract(t *testing.T, b attachment.Blobs, o BlobsOptions) {
	t.Helper()
	ctx := context.Background()
	data := make([]byte, 3*o.ChunkSize+17)
	_, _ = rand.Read(data)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	before := o.Kept(t)
	var got attachment.Blob
	require.NoError(t, b.Put(ctx, bytes.NewReader(data), "application/pdf", func(_ context.Context, bl attachment.Blob) error {
		got = bl
		return nil
	}))
	assert.Equal(t, attachment.Blob{SHA256: want, Size: int64(len(data)), MediaType: "application/pdf"}, got)
	assert.Equal(t, data, read(t, b, want), "the content comes back as it was")
	kept := o.Kept(t)
	assert.Greater(t, kept, before)

	require.NoError(t, b.Put(ctx, bytes.NewReader(data), "application/pdf", func(context.Context, attachment.Blob) error { return nil }))
	assert.Equal(t, kept, o.Kept(t), "the same content is kept once")
	assert.Equal(t, data, read(t, b, want))

	broken := errors.New("the client went away")
	err := b.Put(ctx, io.MultiReader(bytes.NewReader(data[:o.ChunkSize+5]), failing{broken}), "application/pdf",
		func(context.Context, attachment.Blob) error { t.Error("then ran after a failed read"); return nil })
	assert.ErrorIs(t, err, broken)
	assert.Equal(t, kept, o.Kept(t), "a failed read keeps nothing")

	other := append([]byte("%PDF-1.4\n"), data[:100]...)
	osum := sha256.Sum256(other)
	refused := errors.New("the row was refused")
	err = b.Put(ctx, bytes.NewReader(other), "application/pdf", func(context.Context, attachment.Blob) error { return refused })
	assert.ErrorIs(t, err, refused)
	if o.Transactional {
		assert.Equal(t, kept, o.Kept(t), "a failed row keeps nothing")
		_, err = b.Open(ctx, hex.EncodeToString(osum[:]))
		assert.ErrorIs(t, err, apperr.ErrNotFound)
	}
	_, err = b.Open(ctx, hex.EncodeToString(make([]byte, 32)))
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func read(t *testing.T, b attachment.Blobs, sum string) []byte {
	t.Helper()
	rc, err := b.Open(context.Background(), sum)
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}
