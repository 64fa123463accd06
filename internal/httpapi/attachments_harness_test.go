package httpapi_test

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmentdb"
	"github.com/guangling/pipeline/internal/attachment/objectstore"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

func init() {
	// A download's body is the file: the spec's schema is a binary string.
	for _, mt := range []string{"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "application/pdf"} {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.FileBodyDecoder)
	}
}

// attachmentDeps are the services the files are wired over.
type attachmentDeps struct {
	projects  *project.Service
	dispatch  *dispatch.Service
	audit     *audit.Service
	events    *event.Service
	approvals *approval.Service
	now       func() time.Time
}

// newAttachments wires the files as cmd/pipeline does: contents in the
// database, or in the bucket of cfg.Uploads.BlobURL.
func newAttachments(t testing.TB, db *database.DB, cfg config.Config, d attachmentDeps) *attachment.Service {
	t.Helper()
	var blobs attachment.Blobs = attachmentdb.NewBlobs(db, newID, d.now)
	if cfg.Uploads.BlobURL != "" {
		st, err := objectstore.Open(context.Background(), cfg.Uploads.BlobURL, newID)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		blobs = st
	}
	reports := attachment.ReportsFunc(func(ctx context.Context, p identity.Principal, id string, m calendar.Month) (bool, error) {
		_, err := d.dispatch.Report(ctx, p, m, id)
		return err == nil, err
	})
	s := attachment.NewService(attachment.Deps{
		Store: attachmentdb.New(db), Blobs: blobs, Register: d.projects, Auditor: d.audit, Now: d.now, NewID: newID,
		Targets: attachment.ProjectTargets{History: d.projects, Reports: reports, Approvals: d.approvals},
	}, attachment.Settings{MaxBytes: cfg.Uploads.MaxBytes, Types: cfg.Uploads.Types})
	s.RecordEvents(d.events)
	return s
}

// fakeS3 starts an S3-compatible server in memory on loopback with the
// bucket evidence, and returns its URL as PIPELINE_BLOB_URL takes it and
// the keys it holds.
func fakeS3(t testing.TB) (string, func() []string) {
	t.Helper()
	be := s3mem.New()
	require.NoError(t, be.CreateBucket("evidence"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: gofakes3.New(be).Server(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	q := url.Values{"endpoint": {"http://" + ln.Addr().String()}, "region": {"us-east-1"},
		"use_path_style": {"true"}, "anonymous": {"true"}, "disable_https": {"true"}}
	keys := func() []string {
		list, err := be.ListBucket("evidence", nil, gofakes3.ListBucketPage{})
		require.NoError(t, err)
		out := []string{}
		for _, o := range list.Contents {
			out = append(out, o.Key)
		}
		return out
	}
	return "s3://evidence?" + q.Encode(), keys
}

// field is a form field of an upload.
type field struct{ name, value string }

// attachmentForm is a multipart body: the fields, then the file (when
// content is not nil) named filename, sent with the part type partType.
func attachmentForm(t testing.TB, fields []field, filename, partType string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f.name, f.value))
	}
	if content != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filename}))
		h.Set("Content-Type", partType)
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = w.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadTo is the request uploading a file to a project.
func uploadTo(t testing.TB, projectID string, fields []field, filename string, content []byte) request {
	t.Helper()
	body, ct := attachmentForm(t, fields, filename, "image/jpeg", content)
	return request{method: http.MethodPost, path: "/api/v1/projects/" + projectID + "/attachments", body: body,
		headers: map[string]string{"Content-Type": ct}}
}

// upload sends a file as as and answers the attachment of its 201.
func (e *env) upload(t testing.TB, as, projectID string, fields []field, filename string, content []byte) api.Attachment {
	t.Helper()
	r := uploadTo(t, projectID, fields, filename, content)
	r.principal = as
	res := e.do(t, r)
	require.Equal(t, http.StatusCreated, res.status, "upload: %s", res)
	var a api.Attachment
	res.decode(t, &a)
	require.Equal(t, "/api/v1/attachments/"+a.ID, res.header.Get("Location"))
	return a
}
