package attachment_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
)

// TestMemoryContracts holds the fakes to the contracts the SQL store and
// the object storage pass.
func TestMemoryContracts(t *testing.T) {
	t.Parallel()
	st := attachmenttest.NewStore()
	attachmenttest.StoreContract(t, st, func(*testing.T) string {
		id := uuid.NewString()
		st.Project(id)
		return id
	})
	b := attachmenttest.NewBlobs()
	attachmenttest.BlobsContract(t, b, attachmenttest.BlobsOptions{
		Kept: func(*testing.T) int { return b.Len() }, Transactional: true, ChunkSize: 1000,
	})
}

var ctx = context.Background()

func permit(name string) attachment.Fields {
	return attachment.Fields{Kind: "permit", Filename: name}
}

func TestAddKeepsAFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	pdf := attachmenttest.PDF()
	a, err := w.svc.Add(ctx, energyEditor, energyProject, permit("施工许可证.pdf"), bytes.NewReader(pdf))
	require.NoError(t, err)
	sum := sha256.Sum256(pdf)
	assert.Equal(t, hex.EncodeToString(sum[:]), a.SHA256)
	assert.Equal(t, int64(len(pdf)), a.Size)
	assert.Equal(t, "application/pdf", a.MediaType)
	assert.Equal(t, attachment.OfProject, a.Target, "the project itself when no target is named")
	assert.Equal(t, "施工许可证.pdf", a.Filename)
	assert.Equal(t, "energy_editor", a.UploadedBy)
	assert.Equal(t, now, a.UploadedAt)
	assert.True(t, a.EXIF.Empty(), "no EXIF is read of a permit")

	got, err := w.svc.Get(ctx, energyViewer, a.ID)
	require.NoError(t, err)
	assert.Equal(t, a, got)
	_, rc, err := w.svc.Open(ctx, bureau, a.ID)
	require.NoError(t, err)
	data, _ := io.ReadAll(rc)
	assert.Equal(t, pdf, data)

	require.Len(t, w.audit.records, 1)
	assert.Equal(t, attachment.ActionAdd, w.audit.records[0].Action)
	require.Len(t, w.events.changes, 1)
	c := w.events.changes[0]
	assert.Equal(t, event.AttachmentAdded, c.Type)
	assert.Equal(t, energyProject, c.ProjectID)
	assert.Equal(t, []string{"energy"}, c.Departments)
	assert.Equal(t, a.SHA256, c.Changes["sha256"])
}

func TestAddRefuses(t *testing.T) {
	t.Parallel()
	pdf := attachmenttest.PDF()
	future := now.AddDate(0, 0, 2)
	cases := []struct {
		name    string
		p       identity.Principal
		project string
		f       attachment.Fields
		content []byte
		kind    apperr.Kind
		field   string
	}{
		{"a viewer", energyViewer, energyProject, permit("a.pdf"), pdf, apperr.Forbidden, ""},
		{"another department's project", industryEditor, energyProject, permit("a.pdf"), pdf, apperr.NotFound, ""},
		{"an unknown project", bureau, uuid.NewString(), permit("a.pdf"), pdf, apperr.NotFound, ""},
		{"an archived project", energyEditor, archivedProject, permit("a.pdf"), pdf, apperr.Conflict, ""},
		{"an executable renamed .jpg", energyEditor, energyProject, permit("photo.jpg"), attachmenttest.Executable(), apperr.UnsupportedMediaType, ""},
		{"plain text", energyEditor, energyProject, permit("a.pdf"), []byte("hello, this is not a PDF"), apperr.UnsupportedMediaType, ""},
		{"an empty file", energyEditor, energyProject, permit("a.pdf"), nil, apperr.Invalid, "file"},
		{"an unknown kind", energyEditor, energyProject, attachment.Fields{Kind: "selfie"}, pdf, apperr.Invalid, "kind"},
		{"an unknown target", energyEditor, energyProject, attachment.Fields{Kind: "permit", Target: "plan"}, pdf, apperr.Invalid, "target"},
		{"a target ID of the project", energyEditor, energyProject, attachment.Fields{Kind: "permit", TargetID: "x"}, pdf, apperr.Invalid, "target_id"},
		{"a stage move without its ID", energyEditor, energyProject, attachment.Fields{Kind: "permit", Target: attachment.OfTransition}, pdf, apperr.Invalid, "target_id"},
		{"a stage move of another project", bureau, industryProject,
			attachment.Fields{Kind: "permit", Target: attachment.OfTransition, TargetID: moveID}, pdf, apperr.Invalid, "target_id"},
		{"a report not made", energyEditor, energyProject,
			attachment.Fields{Kind: "document", Target: attachment.OfReport, TargetID: "2021-04"}, pdf, apperr.Invalid, "target_id"},
		{"a report of no month", energyEditor, energyProject,
			attachment.Fields{Kind: "document", Target: attachment.OfReport, TargetID: "May"}, pdf, apperr.Invalid, "target_id"},
		{"an approval item, until the approvals are wired", energyEditor, energyProject,
			attachment.Fields{Kind: "permit", Target: attachment.OfApproval, TargetID: "construction_permit"}, pdf, apperr.Invalid, "target_id"},
		{"拍摄日期 of a permit", energyEditor, energyProject, attachment.Fields{Kind: "permit", TakenOn: now}, pdf, apperr.Invalid, "taken_on"},
		{"地点 of a permit", energyEditor, energyProject, attachment.Fields{Kind: "permit", Place: "北门"}, pdf, apperr.Invalid, "place"},
		{"拍摄日期 in the future", energyEditor, energyProject, attachment.Fields{Kind: attachment.SitePhoto, TakenOn: future}, pdf, apperr.Invalid, "taken_on"},
		{"a note too long", energyEditor, energyProject, attachment.Fields{Kind: "permit", Note: strings.Repeat("注", 1001)}, pdf, apperr.Invalid, "note"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, attachment.Settings{})
			_, err := w.svc.Add(ctx, tc.p, tc.project, tc.f, bytes.NewReader(tc.content))
			require.Error(t, err)
			assert.Equal(t, tc.kind, apperr.KindOf(err), err.Error())
			if tc.field != "" {
				require.NotEmpty(t, apperr.As(err).Fields, err.Error())
				assert.Equal(t, tc.field, apperr.As(err).Fields[0].Field)
			}
			assert.Zero(t, w.store.Len(), "no row")
			assert.Zero(t, w.blobs.Len(), "no content")
			assert.Empty(t, w.audit.records)
			assert.Empty(t, w.events.changes)
		})
	}
}

func TestAddLimitAndTypes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{MaxBytes: 300 << 10, Types: []string{"image/png"}})
	_, err := w.svc.Add(ctx, energyEditor, energyProject, permit("big.png"), bytes.NewReader(append(attachmenttest.PNG(t), make([]byte, 300<<10)...)))
	assert.Equal(t, apperr.TooLarge, apperr.KindOf(err), "over the limit, past the first piece")
	_, err = w.svc.Add(ctx, energyEditor, energyProject, permit("a.pdf"), bytes.NewReader(attachmenttest.PDF()))
	assert.Equal(t, apperr.UnsupportedMediaType, apperr.KindOf(err), "a PDF where only PNG is taken")
	assert.Zero(t, w.blobs.Len())
	exact := attachmenttest.Sized(300 << 10)
	w = newWorld(t, attachment.Settings{MaxBytes: 300 << 10})
	_, err = w.svc.Add(ctx, energyEditor, energyProject, permit("exact.pdf"), bytes.NewReader(exact))
	require.NoError(t, err, "a file of exactly the limit")
	_, err = w.svc.Add(ctx, energyEditor, energyProject, permit("over.pdf"), bytes.NewReader(append(exact, 'x')))
	assert.Equal(t, apperr.TooLarge, apperr.KindOf(err), "one byte over")
	assert.Equal(t, int64(300<<10), w.svc.MaxBytes())
}

// TestAddTypes: the type is the content's, whatever the name says.
func TestAddTypes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	for name, tc := range map[string]struct {
		content []byte
		want    string
	}{
		"IMG_0001.HEIC": {attachmenttest.HEIC(), "image/heic"},
		"photo.pdf":     {attachmenttest.JPEG(t), "image/jpeg"},
		"scan.jpg":      {attachmenttest.PDF(), "application/pdf"},
		"chart":         {attachmenttest.PNG(t), "image/png"},
		"a.webp":        {attachmenttest.WebP(), "image/webp"},
	} {
		a, err := w.svc.Add(ctx, energyEditor, energyProject, permit(name), bytes.NewReader(tc.content))
		require.NoError(t, err, name)
		assert.Equal(t, tc.want, a.MediaType, name)
	}
}

func TestAddTargets(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	for _, f := range []attachment.Fields{
		{Kind: "acceptance", Target: attachment.OfTransition, TargetID: moveID},
		{Kind: "document", Target: attachment.OfReport, TargetID: "2021-05"},
	} {
		a, err := w.svc.Add(ctx, energyEditor, energyProject, f, bytes.NewReader(attachmenttest.PDF()))
		require.NoError(t, err, f.Target)
		assert.Equal(t, f.Target, a.Target)
		assert.Equal(t, f.TargetID, a.TargetID)
	}
	assert.Equal(t, 1, w.blobs.Len(), "the same content twice is kept once")
	assert.Equal(t, 2, w.store.Len())
	list, err := w.svc.List(ctx, energyViewer, energyProject, attachment.Query{Target: attachment.OfReport})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "2021-05", list[0].TargetID)
}

func TestSitePhotoEXIF(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	taken := time.Date(2021, 6, 14, 9, 30, 0, 0, time.UTC) // as the camera's clock reads, in Shanghai
	photo := attachmenttest.JPEGWithEXIF(t, taken, 36.5, -114.25)
	f := attachment.Fields{Kind: attachment.SitePhoto, Filename: "IMG_0001.jpg", TakenOn: time.Date(2021, 6, 14, 0, 0, 0, 0, time.UTC), Place: "园区北门"}
	a, err := w.svc.Add(ctx, energyEditor, energyProject, f, bytes.NewReader(photo))
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", a.MediaType)
	require.NotNil(t, a.EXIF.TakenAt)
	assert.Equal(t, time.Date(2021, 6, 14, 1, 30, 0, 0, time.UTC), *a.EXIF.TakenAt, "09:30 in Shanghai")
	require.NotNil(t, a.EXIF.Latitude)
	require.NotNil(t, a.EXIF.Longitude)
	assert.InDelta(t, 36.5, *a.EXIF.Latitude, 1e-6)
	assert.InDelta(t, -114.25, *a.EXIF.Longitude, 1e-6, "west is negative")
	assert.Equal(t, "园区北门", a.Place)

	// 39°46'12" is 39.77, not the binary fraction next to it.
	near, err := w.svc.Add(ctx, energyEditor, energyProject, attachment.Fields{Kind: attachment.SitePhoto},
		bytes.NewReader(attachmenttest.JPEGWithEXIF(t, taken, 39.77, 114.28)))
	require.NoError(t, err)
	require.NotNil(t, near.EXIF.Latitude)
	assert.Equal(t, []float64{39.77, 114.28}, []float64{*near.EXIF.Latitude, *near.EXIF.Longitude})

	abroad := attachmenttest.JPEGWithEXIFOffset(t, taken, "+02:00", 36.5, -114.25)
	away, err := w.svc.Add(ctx, energyEditor, energyProject, attachment.Fields{Kind: attachment.SitePhoto}, bytes.NewReader(abroad))
	require.NoError(t, err)
	require.NotNil(t, away.EXIF.TakenAt)
	assert.Equal(t, time.Date(2021, 6, 14, 7, 30, 0, 0, time.UTC), *away.EXIF.TakenAt, "09:30 at the offset the image gives (OffsetTimeOriginal)")

	plain, err := w.svc.Add(ctx, energyEditor, energyProject, attachment.Fields{Kind: attachment.SitePhoto}, bytes.NewReader(attachmenttest.JPEG(t)))
	require.NoError(t, err)
	assert.True(t, plain.EXIF.Empty(), "a photo sent through a chat app has no EXIF")
	assert.Equal(t, "file", plain.Filename)

	scan, err := w.svc.Add(ctx, energyEditor, energyProject, permit("scan.jpg"), bytes.NewReader(photo))
	require.NoError(t, err)
	assert.True(t, scan.EXIF.Empty(), "EXIF is read of site photos only")
}

func TestWithdraw(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	a, err := w.svc.Add(ctx, energyEditor, energyProject, permit("a.pdf"), bytes.NewReader(attachmenttest.PDF()))
	require.NoError(t, err)

	_, err = w.svc.Withdraw(ctx, energyEditor, a.ID, " ")
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "a reason is required")
	_, err = w.svc.Withdraw(ctx, energyViewer, a.ID, "传错了")
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err))
	_, err = w.svc.Withdraw(ctx, industryEditor, a.ID, "传错了")
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err))
	_, err = w.svc.Withdraw(ctx, energyEditor, uuid.NewString(), "传错了")
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err))

	got, err := w.svc.Withdraw(ctx, energyEditor, a.ID, "传错了")
	require.NoError(t, err)
	require.NotNil(t, got.WithdrawnAt)
	assert.Equal(t, "energy_editor", got.WithdrawnBy)
	assert.Equal(t, "传错了", got.WithdrawReason)
	assert.Equal(t, 2, got.Version)

	_, err = w.svc.Withdraw(ctx, bureau, a.ID, "again")
	assert.Equal(t, apperr.Conflict, apperr.KindOf(err), "withdrawn once")

	live, err := w.svc.List(ctx, energyViewer, energyProject, attachment.Query{})
	require.NoError(t, err)
	assert.Empty(t, live)
	all, err := w.svc.List(ctx, energyViewer, energyProject, attachment.Query{Withdrawn: true})
	require.NoError(t, err)
	require.Len(t, all, 1)
	_, rc, err := w.svc.Open(ctx, energyViewer, a.ID)
	require.NoError(t, err, "a withdrawn file is kept and still downloads")
	_ = rc.Close()

	require.Len(t, w.audit.records, 2)
	assert.Equal(t, attachment.ActionWithdraw, w.audit.records[1].Action)
	require.Len(t, w.events.changes, 2)
	c := w.events.changes[1]
	assert.Equal(t, event.AttachmentWithdrawn, c.Type)
	assert.Equal(t, "传错了", c.Changes["withdraw_reason"])
}

func TestReadScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	a, err := w.svc.Add(ctx, energyEditor, energyProject, permit("a.pdf"), bytes.NewReader(attachmenttest.PDF()))
	require.NoError(t, err)
	_, err = w.svc.Get(ctx, industryEditor, a.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another department's project's file is not found")
	_, _, err = w.svc.Open(ctx, industryEditor, a.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = w.svc.List(ctx, industryEditor, energyProject, attachment.Query{})
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = w.svc.List(ctx, bureau, energyProject, attachment.Query{TargetID: "x"})
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "a target ID without its target")
	_, err = w.svc.List(ctx, bureau, energyProject, attachment.Query{Target: "plan"})
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err))
	blind := identity.Principal{Name: "c", Role: identity.RoleDeptViewer, Department: "energy", ClientID: "c1", Scopes: []string{identity.ScopeEventsRead}}
	_, err = w.svc.Get(ctx, blind, a.ID)
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err))
}

func TestSafeFilename(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"施工许可证.pdf":                       "施工许可证.pdf",
		`C:\Users\me\现场 照片.jpg`:           "现场 照片.jpg",
		"../../etc/passwd":                "passwd",
		"evil\u202Egpj.exe":               "evilgpj.exe",
		"a\"b\x00c.pdf":                   "abc.pdf",
		"  ":                              "file",
		"..":                              "file",
		strings.Repeat("长", 300) + ".pdf": strings.Repeat("长", 196) + ".pdf",
		strings.Repeat("x", 250) + "." + strings.Repeat("y", 30): strings.Repeat("x", 200),
	} {
		assert.Equal(t, want, attachment.SafeFilename(in), in)
	}
}

// TestAddAlso: what the caller adds to the transaction runs with the kept
// attachment, and its error is Add's.
func TestAddAlso(t *testing.T) {
	t.Parallel()
	w := newWorld(t, attachment.Settings{})
	var seen attachment.Attachment
	a, err := w.svc.Add(ctx, energyEditor, energyProject, permit("scan.pdf"), bytes.NewReader(attachmenttest.Sized(100)),
		func(_ context.Context, a attachment.Attachment) error { seen = a; return nil })
	require.NoError(t, err)
	assert.Equal(t, a, seen)
	assert.Len(t, seen.SHA256, 64)
	refused := errors.New("the answer was not recorded")
	_, err = w.svc.Add(ctx, energyEditor, energyProject, permit("scan.pdf"), bytes.NewReader(attachmenttest.Sized(100)),
		func(context.Context, attachment.Attachment) error { return refused })
	assert.ErrorIs(t, err, refused)
}
