package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// kept counts the attachments and the stored contents of the database.
func kept(t testing.TB, db *database.DB) (attachments, blobs, chunks int) {
	t.Helper()
	require.NoError(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM attachments`).Scan(&attachments))
	require.NoError(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM blobs`).Scan(&blobs))
	require.NoError(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM blob_chunks`).Scan(&chunks))
	return attachments, blobs, chunks
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// download fetches a file's content as as.
func (e *env) download(t testing.TB, as, id string) response {
	t.Helper()
	return e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/attachments/" + id + "/content"})
}

// TestAttachmentsRoundTrip: a site photo with EXIF and a permit PDF are
// uploaded, listed, read and downloaded byte for byte, with the headers of
// docs/files.md; the same content twice is kept once; on both databases.
func TestAttachmentsRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		taken := time.Date(2021, 6, 14, 9, 30, 0, 0, time.UTC)
		photo := attachmenttest.JPEGWithEXIF(t, taken, 39.7607, 114.2071)
		// A photo larger than a chunk: the download streams chunk by chunk.
		big := append(append([]byte{}, photo...), bytes.Repeat([]byte{0}, 600<<10)...)
		a := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "site_photo"}, {"taken_on", "2021-06-14"}, {"place", "园区北门"},
			{"note", "主体封顶"}}, "主体封顶 6月.jpg", big)
		assert.Equal(t, "image/jpeg", a.MediaType)
		assert.Equal(t, int64(len(big)), a.SizeBytes)
		assert.Equal(t, sha(big), a.SHA256)
		assert.Equal(t, "project", a.Target)
		assert.Equal(t, "主体封顶 6月.jpg", a.Filename)
		require.NotNil(t, a.TakenOn)
		assert.Equal(t, "2021-06-14", *a.TakenOn)
		assert.Equal(t, "园区北门", a.Place)
		require.NotNil(t, a.ExifTakenAt, "the photo's EXIF time beside the uploader's 拍摄日期")
		assert.Equal(t, "2021-06-14T01:30:00Z", *a.ExifTakenAt)
		require.NotNil(t, a.ExifLatitude)
		assert.InDelta(t, 39.7607, *a.ExifLatitude, 1e-4)
		assert.InDelta(t, 114.2071, *a.ExifLongitude, 1e-4)
		assert.Equal(t, asEnergyEditor, a.UploadedBy)
		assert.Nil(t, a.WithdrawnAt)

		res := e.download(t, asEnergyViewer, a.ID)
		require.Equal(t, http.StatusOK, res.status, "%s", res.header)
		assert.Equal(t, big, res.body, "the download is the upload")
		assert.Equal(t, "image/jpeg", res.header.Get("Content-Type"))
		assert.Equal(t, `"`+a.SHA256+`"`, res.header.Get("ETag"))
		assert.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
		_, params, err := mime.ParseMediaType(res.header.Get("Content-Disposition"))
		require.NoError(t, err)
		assert.Equal(t, "主体封顶 6月.jpg", params["filename"], "filename* decodes to the Chinese name")
		assert.True(t, strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment; "))

		same := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/attachments/" + a.ID + "/content",
			headers: map[string]string{"If-None-Match": `"` + a.SHA256 + `"`}})
		assert.Equal(t, http.StatusNotModified, same.status)
		assert.Empty(t, same.body)

		pdf := attachmenttest.PDF()
		permit := e.upload(t, asBureau, p.ID, []field{{"kind", "permit"}, {"note", "施工许可证"}}, "施工许可证.pdf", pdf)
		assert.Equal(t, "application/pdf", permit.MediaType)
		assert.Nil(t, permit.ExifTakenAt, "no EXIF: absent")
		again := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "permit"}}, "copy.pdf", pdf)
		assert.Equal(t, permit.SHA256, again.SHA256)
		n, blobs, _ := kept(t, db)
		assert.Equal(t, 3, n)
		assert.Equal(t, 2, blobs, "the same content twice is kept once")
		assert.Equal(t, pdf, e.download(t, asLeader, again.ID).body)

		var l api.AttachmentList
		res = e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &l)
		require.Len(t, l.Items, 3)
		assert.Equal(t, []string{a.ID, permit.ID, again.ID}, []string{l.Items[0].ID, l.Items[1].ID, l.Items[2].ID})

		var got api.Attachment
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/attachments/" + a.ID})
		require.Equal(t, http.StatusOK, res.status)
		res.decode(t, &got)
		assert.Equal(t, a, got)
		assert.Equal(t, `"1"`, res.header.Get("ETag"))
	})
}

// TestAttachmentsRefused: over the limit (413), a type not allowed or an
// executable renamed .jpg (415, by content), another department's project
// (404), bad fields (400): each answered with problem details, and nothing
// kept; on both databases.
func TestAttachmentsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(c *config.Config) { c.Uploads.MaxBytes = 300 << 10 })
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		industry := e.create(t, asBureau, with(projectBody("锌业项目"), "department", "industry", "category", "materials"))
		pdf := attachmenttest.PDF()
		permit := []field{{"kind", "permit"}}
		cases := []struct {
			name   string
			as     string
			req    request
			status int
			code   string
			field  string
		}{
			{"over the limit", asEnergyEditor, uploadTo(t, p.ID, permit, "big.pdf", attachmenttest.Sized(300<<10+1)), 413, "payload_too_large", ""},
			{"over the limit by far", asEnergyEditor, uploadTo(t, p.ID, permit, "big.pdf", attachmenttest.Sized(2<<20)), 413, "payload_too_large", ""},
			{"an executable renamed .jpg", asEnergyEditor, uploadTo(t, p.ID, permit, "photo.jpg", attachmenttest.Executable()), 415, "unsupported_media_type", ""},
			{"text", asEnergyEditor, uploadTo(t, p.ID, permit, "a.pdf", []byte("just some text, not a PDF")), 415, "unsupported_media_type", ""},
			{"another department's project", asIndustryEditor, uploadTo(t, p.ID, permit, "a.pdf", pdf), 404, "not_found", ""},
			{"a viewer", asEnergyViewer, uploadTo(t, p.ID, permit, "a.pdf", pdf), 403, "forbidden", ""},
			{"a system without projects:write", asEnergyClientRead, uploadTo(t, p.ID, permit, "a.pdf", pdf), 403, "forbidden", ""},
			{"no file", asEnergyEditor, uploadTo(t, p.ID, permit, "", nil), 400, "validation_failed", "file"},
			{"no kind", asEnergyEditor, uploadTo(t, p.ID, nil, "a.pdf", pdf), 400, "validation_failed", "kind"},
			{"an unknown kind", asEnergyEditor, uploadTo(t, p.ID, []field{{"kind", "selfie"}}, "a.pdf", pdf), 400, "validation_failed", "kind"},
			{"an unknown field", asEnergyEditor, uploadTo(t, p.ID, []field{{"kind", "permit"}, {"owner", "x"}}, "a.pdf", pdf), 400, "unknown_field", ""},
			{"a repeated field", asEnergyEditor, uploadTo(t, p.ID, []field{{"kind", "permit"}, {"kind", "permit"}}, "a.pdf", pdf), 400, "validation_failed", "kind"},
			{"a bidirectional control", asEnergyEditor, uploadTo(t, p.ID, []field{{"kind", "permit"}, {"note", "a\u202Eb"}}, "a.pdf", pdf), 400, "validation_failed", "note"},
			{"a bad 拍摄日期", asEnergyEditor, uploadTo(t, p.ID, []field{{"kind", "site_photo"}, {"taken_on", "14/06/2021"}}, "a.pdf", pdf), 400, "validation_failed", "taken_on"},
			{"a stage move that is not the project's", asEnergyEditor,
				uploadTo(t, p.ID, []field{{"kind", "permit"}, {"target", "transition"}, {"target_id", industry.ID}}, "a.pdf", pdf), 400, "validation_failed", "target_id"},
			{"an approval item not on the project's checklist", asEnergyEditor,
				uploadTo(t, p.ID, []field{{"kind", "permit"}, {"target", "approval"}, {"target_id", "road_works_permit"}}, "a.pdf", pdf), 400, "validation_failed", "target_id"},
			{"an approval item that does not exist", asEnergyEditor,
				uploadTo(t, p.ID, []field{{"kind", "permit"}, {"target", "approval"}, {"target_id", "no_such_item"}}, "a.pdf", pdf), 400, "validation_failed", "target_id"},
			{"an approval item of another department's project", asEnergyEditor,
				uploadTo(t, industry.ID, []field{{"kind", "permit"}, {"target", "approval"}, {"target_id", "construction_permit"}}, "a.pdf", pdf), 404, "not_found", ""},
			{"not multipart", asEnergyEditor, request{method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/attachments",
				body: pdf, headers: map[string]string{"Content-Type": "application/pdf"}}, 415, "unsupported_media_type", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.req
				r.principal, r.invalid = tc.as, true
				res := e.do(t, r)
				require.Equal(t, tc.status, res.status, "%s", res)
				pr := res.problem(t)
				assert.Equal(t, tc.code, pr.Code)
				if tc.field != "" {
					require.NotEmpty(t, pr.Errors, "%s", res)
					assert.Equal(t, tc.field, pr.Errors[0].Field)
				}
				n, blobs, chunks := kept(t, db)
				assert.Zero(t, n+blobs+chunks, "nothing kept of a refused upload")
			})
		}
	})
}

// TestAttachmentsAfterFile: a field after the file part is refused, and
// the file streamed before it is not kept.
func TestAttachmentsAfterFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		body, ct := attachmentForm(t, []field{{"kind", "permit"}}, "a.pdf", "application/pdf", attachmenttest.Sized(700<<10))
		tail := []byte("--" + strings.TrimPrefix(ct[strings.Index(ct, "boundary=")+len("boundary="):], `"`))
		body = bytes.TrimSuffix(bytes.TrimSpace(body), []byte("--"))
		body = append(body, []byte("\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nlate\r\n")...)
		body = append(append(body, tail...), "--\r\n"...)
		res := e.do(t, request{principal: asEnergyEditor, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/attachments",
			body: body, headers: map[string]string{"Content-Type": ct}, invalid: true})
		require.Equal(t, http.StatusBadRequest, res.status, "%s", res)
		n, blobs, chunks := kept(t, db)
		assert.Zero(t, n+blobs+chunks)
	})
}

// TestAttachmentsScope: another department reads neither the metadata, the
// list nor the content of a project's file (404, as its project); the
// department of an open blocker reads them as it reads the project.
func TestAttachmentsScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		a := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "permit"}}, "a.pdf", attachmenttest.PDF())
		for _, path := range []string{"/api/v1/attachments/" + a.ID, "/api/v1/attachments/" + a.ID + "/content",
			"/api/v1/projects/" + p.ID + "/attachments"} {
			res := e.do(t, request{principal: asIndustryEditor, method: http.MethodGet, path: path})
			assert.Equal(t, http.StatusNotFound, res.status, "%s: %s", path, res)
		}
		res := e.do(t, request{principal: asIndustryEditor, method: http.MethodPost, path: "/api/v1/attachments/" + a.ID + "/withdrawal",
			body: api.AttachmentWithdrawal{Reason: "不是我们的"}})
		assert.Equal(t, http.StatusNotFound, res.status, "%s", res)
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/attachments/not-an-id", invalid: true})
		assert.Equal(t, http.StatusNotFound, res.status, "%s", res)
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?target_id=x", invalid: true})
		assert.Equal(t, http.StatusBadRequest, res.status, "%s", res)
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?include_withdrawn=yes", invalid: true})
		assert.Equal(t, http.StatusBadRequest, res.status, "%s", res)
	})
}

// TestAttachmentsTargets: files of a stage move, of a monthly report and of
// an approval item, listed by target.
func TestAttachmentsTargets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		res := e.move(t, asEnergyEditor, p.ID, api.TransitionCreate{To: "negotiating", OccurredOn: "2021-05-20"})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var moved api.TransitionResult
		res.decode(t, &moved)
		mv := moved.Transition
		e.planEntry(t, p.ID, "energy")
		e.setClock(t, time.Date(2021, 6, 3, 2, 0, 0, 0, time.UTC))
		e.put(t, asEnergyEditor, reportPath("2021-05", p.ID), map[string]any{"completed_yuan": 100}, http.StatusCreated)

		m := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "contract"}, {"target", "transition"}, {"target_id", mv.ID}}, "合同.pdf", attachmenttest.PDF())
		assert.Equal(t, mv.ID, m.TargetID)
		r := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "site_photo"}, {"target", "report"}, {"target_id", "2021-05"}}, "现场.png", attachmenttest.PNG(t))
		assert.Equal(t, "image/png", r.MediaType)
		a := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "permit"}, {"target", "approval"}, {"target_id", "power_works_filing"}}, "开工备案.pdf", attachmenttest.PDF())
		assert.Equal(t, "power_works_filing", a.TargetID)
		res = e.do(t, request{principal: asEnergyEditor, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/attachments",
			body: mustBody(t, []field{{"kind", "document"}, {"target", "report"}, {"target_id", "2021-04"}}), headers: formHeaders(t), invalid: true})
		assert.Equal(t, http.StatusBadRequest, res.status, "a report not made: %s", res)

		var l api.AttachmentList
		e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?target=report&target_id=2021-05"}).decode(t, &l)
		require.Len(t, l.Items, 1)
		assert.Equal(t, r.ID, l.Items[0].ID)
		e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?target=transition"}).decode(t, &l)
		require.Len(t, l.Items, 1)
		assert.Equal(t, m.ID, l.Items[0].ID)
		e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?target=approval&target_id=power_works_filing"}).decode(t, &l)
		require.Len(t, l.Items, 1)
		assert.Equal(t, a.ID, l.Items[0].ID)
	})
}

var formBoundary = "attachmentformboundary"

func mustBody(t testing.TB, fields []field) []byte {
	t.Helper()
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", formBoundary, f.name, f.value)
	}
	fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%s\r\n--%s--\r\n",
		formBoundary, attachmenttest.PDF(), formBoundary)
	return []byte(b.String())
}

func formHeaders(testing.TB) map[string]string {
	return map[string]string{"Content-Type": "multipart/form-data; boundary=" + formBoundary}
}

// TestAttachmentsWithdrawn: a withdrawn file stays, listed on request with
// who withdrew it, when and why, audited and told in the change feed.
func TestAttachmentsWithdrawn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
		a := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "permit"}}, "a.pdf", attachmenttest.PDF())
		path := "/api/v1/attachments/" + a.ID + "/withdrawal"
		res := e.do(t, request{principal: asEnergyEditor, method: http.MethodPost, path: path, body: api.AttachmentWithdrawal{Reason: " "}})
		assert.Equal(t, http.StatusBadRequest, res.status, "a reason is required: %s", res)
		res = e.do(t, request{principal: asEnergyViewer, method: http.MethodPost, path: path, body: api.AttachmentWithdrawal{Reason: "传错了"}})
		assert.Equal(t, http.StatusForbidden, res.status, "%s", res)

		res = e.do(t, request{principal: asEnergyEditor, method: http.MethodPost, path: path, body: api.AttachmentWithdrawal{Reason: "传错了文件"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var w api.Attachment
		res.decode(t, &w)
		require.NotNil(t, w.WithdrawnAt)
		assert.Equal(t, asEnergyEditor, w.WithdrawnBy)
		assert.Equal(t, "传错了文件", w.WithdrawReason)
		assert.Equal(t, 2, w.Version)
		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: path, body: api.AttachmentWithdrawal{Reason: "again"}})
		assert.Equal(t, http.StatusConflict, res.status, "%s", res)

		var l api.AttachmentList
		e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments"}).decode(t, &l)
		assert.Empty(t, l.Items, "withdrawn files are left out")
		e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: "/api/v1/projects/" + p.ID + "/attachments?include_withdrawn=true"}).decode(t, &l)
		require.Len(t, l.Items, 1)
		assert.Equal(t, w, l.Items[0])
		assert.Equal(t, attachmenttest.PDF(), e.download(t, asEnergyViewer, a.ID).body, "never deleted")

		var trail api.AuditList
		e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/audit?resource_type=attachment&resource_id=" + a.ID}).decode(t, &trail)
		actions := []string{}
		for _, en := range trail.Items {
			actions = append(actions, en.Action)
		}
		assert.ElementsMatch(t, []string{"attachment.added", "attachment.withdrawn"}, actions)

		_, err := e.events.Flush(t.Context())
		require.NoError(t, err)
		var feed api.EventList
		e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/events?types=attachment.added,attachment.withdrawn"}).decode(t, &feed)
		require.Len(t, feed.Items, 2)
		assert.Equal(t, "attachment.withdrawn", feed.Items[1].Type)
		assert.Equal(t, "attachment", feed.Items[1].Resource.Type)
		assert.Equal(t, "传错了文件", feed.Items[1].Changes["withdraw_reason"])
	})
}

// TestAttachmentsObjectStorage: with PIPELINE_BLOB_URL the contents go to
// S3-compatible storage (an in-memory server on loopback), each under its
// hash, once; the download is the upload; a refused upload leaves nothing.
func TestAttachmentsObjectStorage(t *testing.T) {
	t.Parallel()
	u, keys := fakeS3(t)
	db := dbtest.SQLite(t)
	e := newEnv(t, db, func(c *config.Config) { c.Uploads.BlobURL = u; c.Uploads.MaxBytes = 1 << 20 })
	p := e.create(t, asEnergyEditor, projectBody("道威共享储能电站项目"))
	photo := attachmenttest.JPEGWithEXIF(t, time.Date(2021, 6, 14, 9, 30, 0, 0, time.UTC), 39.76, 114.2)
	a := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "site_photo"}}, "现场.jpg", photo)
	b := e.upload(t, asEnergyEditor, p.ID, []field{{"kind", "site_photo"}}, "again.jpg", photo)
	assert.Equal(t, []string{a.SHA256}, keys(), "kept once, under its hash")
	assert.Equal(t, photo, e.download(t, asEnergyViewer, b.ID).body)
	n, blobs, chunks := kept(t, db)
	assert.Equal(t, 2, n)
	assert.Zero(t, blobs+chunks, "no content in the database")

	r := uploadTo(t, p.ID, []field{{"kind", "permit"}}, "big.pdf", attachmenttest.Sized(1<<20+1))
	r.principal, r.invalid = asEnergyEditor, true
	res := e.do(t, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status, "%s", res)
	assert.Equal(t, []string{a.SHA256}, keys(), "an upload over the limit leaves no object")
	r = uploadTo(t, p.ID, []field{{"kind", "permit"}}, "x.jpg", attachmenttest.Executable())
	r.principal, r.invalid = asEnergyEditor, true
	assert.Equal(t, http.StatusUnsupportedMediaType, e.do(t, r).status)
	assert.Equal(t, []string{a.SHA256}, keys())
}
