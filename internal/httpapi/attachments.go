package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// formOverhead is what a multipart body may carry beside its file: the
// form's fields and the parts' headers and boundaries.
const formOverhead = 64 << 10

// maxFormValue is the most bytes of one form field.
const maxFormValue = 8 << 10

// attachmentFields are the form's fields, which come before its file.
var attachmentFields = []string{"target", "target_id", "kind", "taken_on", "place", "note"}

var errFieldsAfterFile = &apperr.Error{Kind: apperr.Invalid, Message: "attachment.fields_after_file"}

func toAttachment(a attachment.Attachment) api.Attachment {
	out := api.Attachment{
		ID: a.ID, ProjectID: a.ProjectID, Target: string(a.Target), TargetID: a.TargetID, Kind: string(a.Kind),
		Filename: a.Filename, MediaType: a.MediaType, SizeBytes: a.Size, SHA256: a.SHA256, Place: a.Place, Note: a.Note,
		ExifLatitude: a.EXIF.Latitude, ExifLongitude: a.EXIF.Longitude,
		UploadedBy: a.UploadedBy, UploadedAt: timestamp(a.UploadedAt), WithdrawnBy: a.WithdrawnBy,
		WithdrawReason: a.WithdrawReason, Version: a.Version, ContentURL: "/api/v1/attachments/" + a.ID + "/content",
	}
	if !a.TakenOn.IsZero() {
		d := a.TakenOn.Format(time.DateOnly)
		out.TakenOn = &d
	}
	if a.EXIF.TakenAt != nil {
		s := timestamp(*a.EXIF.TakenAt)
		out.ExifTakenAt = &s
	}
	if a.WithdrawnAt != nil {
		s := timestamp(*a.WithdrawnAt)
		out.WithdrawnAt = &s
	}
	return out
}

// addAttachment keeps a file as evidence of a project.
//
//	@Summary		Upload a file to a project
//	@Description	Keeps a file as evidence (docs/files.md): a site photo, a permit, a contract…, attached to the project, one of its approval items, stage moves or monthly reports. multipart/form-data whose fields come before the file part (nothing may follow it). The type is decided from the content, never from the name or the part's Content-Type: JPEG, PNG, HEIC/HEIF, WebP and PDF unless the operator says otherwise (PIPELINE_UPLOAD_TYPES), else 415; a file over PIPELINE_UPLOAD_MAX_BYTES (20 MiB) is 413. Nothing is kept of a refused upload. A site photo's EXIF time and GPS position are shown beside the uploader's 拍摄日期 and 地点. With an Idempotency-Key, a repeated upload of the same fields and content keeps nothing and replays the first answer. Whoever may change the project may upload.
//	@ID				addAttachment
//	@Tags			attachments
//	@Security		BearerAuth
//	@Accept			multipart/form-data
//	@Produce		json,application/problem+json
//	@Param			id				path		string	true	"project ID"												format(uuid)
//	@Param			target			formData	string	false	"关联对象: project (default), approval, transition or report"	Enums(project,approval,transition,report)
//	@Param			target_id		formData	string	false	"关联对象编号: an approval item's code, a stage move's ID, a report's period YYYY-MM"
//	@Param			kind			formData	string	true	"文件类别"								Enums(site_photo,permit,contract,acceptance,document,other)
//	@Param			taken_on		formData	string	false	"拍摄日期 of a site photo, YYYY-MM-DD"	format(date)
//	@Param			place			formData	string	false	"地点 of a site photo"
//	@Param			note			formData	string	false	"文件说明"
//	@Param			file			formData	file	true	"the file, last"
//	@Param			Idempotency-Key	header		string	false	"unique key of this request"
//	@Success		201				{object}	api.Attachment
//	@Header			201				{string}	Location	"URL of the attachment"
//	@Header			201				{string}	ETag		"version of the attachment"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		404				{object}	api.Problem
//	@Failure		408				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		422				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/projects/{id}/attachments [post]
func (h *handlers) addAttachment(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errUploadType
	}
	limit := h.attachments.MaxBytes() + formOverhead
	if c.Request.ContentLength > limit {
		return apperr.Coded(apperr.TooLarge, "attachment.too_large", strconv.FormatInt(h.attachments.MaxBytes(), 10))
	}
	h.extendUploadDeadlines(c)
	mr := multipart.NewReader(http.MaxBytesReader(c.Writer, c.Request.Body, limit), params["boundary"])
	f, file, err := readAttachmentForm(mr)
	if err != nil {
		return err
	}
	content := &filePart{part: file, form: mr}
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		return h.addAttachmentOnce(c, p, key, f, content)
	}
	a, err := h.attachments.Add(c.Request.Context(), p, c.Param("id"), f, content)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/attachments/"+a.ID)
	c.Header("ETag", etag(a.Version))
	ok(c, http.StatusCreated, toAttachment(a))
	return nil
}

// readAttachmentForm reads the form's fields up to its file part, which it
// answers unread.
func readAttachmentForm(mr *multipart.Reader) (attachment.Fields, *multipart.Part, error) {
	values := map[string]string{}
	var fs []apperr.FieldError
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			fs = append(fs, apperr.FieldError{Field: "file", Code: "required"})
			return attachment.Fields{}, nil, apperr.Fields(fs)
		}
		if err != nil {
			return attachment.Fields{}, nil, uploadError(err)
		}
		name := part.FormName()
		if name == "file" {
			if len(fs) > 0 {
				return attachment.Fields{}, nil, apperr.Fields(fs)
			}
			f, err := attachmentFieldsOf(values, part.FileName())
			return f, part, err
		}
		v, err := formValue(part)
		switch {
		case err != nil:
			return attachment.Fields{}, nil, err
		case !contains(attachmentFields, name):
			return attachment.Fields{}, nil, &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: name, Code: "unknown_field"}}}
		case hasKey(values, name):
			fs = append(fs, apperr.FieldError{Field: name, Code: "repeated"})
		case strings.ContainsFunc(v, project.BidiControl):
			fs = append(fs, apperr.FieldError{Field: name, Code: "bidi_control"})
		}
		values[name] = v
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// formValue reads a field's value, at most maxFormValue bytes of UTF-8.
func formValue(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
	switch {
	case err != nil:
		return "", uploadError(err)
	case len(b) > maxFormValue:
		return "", apperr.Fields([]apperr.FieldError{{Field: part.FormName(), Code: "too_long", Param: strconv.Itoa(maxFormValue)}})
	}
	return string(b), nil
}

// attachmentFieldsOf converts the form's values.
func attachmentFieldsOf(v map[string]string, filename string) (attachment.Fields, error) {
	f := attachment.Fields{
		Target: attachment.Target(v["target"]), TargetID: v["target_id"], Kind: attachment.Kind(v["kind"]),
		Filename: filename, Place: v["place"], Note: v["note"],
	}
	if s := strings.TrimSpace(v["taken_on"]); s != "" {
		var d dates
		if t := d.parse("taken_on", &s); t != nil {
			f.TakenOn = *t
		}
		if err := apperr.Fields(d.errs); err != nil {
			return attachment.Fields{}, err
		}
	}
	if strings.TrimSpace(v["kind"]) == "" {
		return attachment.Fields{}, apperr.Fields([]apperr.FieldError{{Field: "kind", Code: "required"}})
	}
	return f, nil
}

// filePart reads the file part; at its end, it makes sure no part follows
// it. Errors of the body are the client's (uploadError).
type filePart struct {
	part *multipart.Part
	form *multipart.Reader
}

func (r *filePart) Read(b []byte) (int, error) {
	n, err := r.part.Read(b)
	if err == nil || n > 0 && errors.Is(err, io.EOF) {
		return n, nil
	}
	if !errors.Is(err, io.EOF) {
		return n, uploadError(err)
	}
	switch _, err := r.form.NextPart(); {
	case errors.Is(err, io.EOF):
		return 0, io.EOF
	case err != nil:
		return 0, uploadError(err)
	}
	return 0, errFieldsAfterFile
}

// listAttachments lists a project's files.
//
//	@Summary		List a project's files
//	@Description	The files kept as evidence of a project the caller may read, the earliest uploaded first: every target's, or one target's (target, and target_id within it). Withdrawn files only with include_withdrawn=true, with who withdrew them, when and why.
//	@ID				listAttachments
//	@Tags			attachments
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id					path		string	true	"project ID"	format(uuid)
//	@Param			target				query		string	false	"关联对象"			Enums(project,approval,transition,report)
//	@Param			target_id			query		string	false	"关联对象编号 (with target)"
//	@Param			include_withdrawn	query		boolean	false	"also the withdrawn files"	default(false)
//	@Success		200					{object}	api.AttachmentList
//	@Failure		400					{object}	api.Problem
//	@Failure		401					{object}	api.Problem
//	@Failure		403					{object}	api.Problem
//	@Failure		404					{object}	api.Problem
//	@Failure		503					{object}	api.Problem
//	@Router			/api/v1/projects/{id}/attachments [get]
func (h *handlers) listAttachments(c *gin.Context, p identity.Principal) error {
	q, err := attachmentQuery(c)
	if err != nil {
		return err
	}
	list, err := h.attachments.List(c.Request.Context(), p, c.Param("id"), q)
	if err != nil {
		return err
	}
	out := api.AttachmentList{Items: make([]api.Attachment, len(list))}
	for i, a := range list {
		out.Items[i] = toAttachment(a)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// attachmentQuery reads the list's parameters.
func attachmentQuery(c *gin.Context) (attachment.Query, error) {
	var fs []apperr.FieldError
	if err := onlyParams(c, "target", "target_id", "include_withdrawn"); err != nil {
		fs = apperr.As(err).Fields
	}
	q := attachment.Query{Target: attachment.Target(strings.TrimSpace(c.Query("target"))), TargetID: strings.TrimSpace(c.Query("target_id"))}
	switch s := strings.TrimSpace(c.Query("include_withdrawn")); s {
	case "", "false":
	case "true":
		q.Withdrawn = true
	default:
		fs = append(fs, apperr.FieldError{Field: "include_withdrawn", Code: "invalid_value", Param: "true,false"})
	}
	return q, apperr.Fields(fs)
}

// getAttachment returns a file's metadata.
//
//	@Summary		Get a file's metadata
//	@Description	A file of a project the caller may read; another department's project's file is not found, as its project would not be. Its version in ETag.
//	@ID				getAttachment
//	@Tags			attachments
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"attachment ID"	format(uuid)
//	@Success		200	{object}	api.Attachment
//	@Header			200	{string}	ETag	"version of the attachment"
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/attachments/{id} [get]
func (h *handlers) getAttachment(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	a, err := h.attachments.Get(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(a.Version))
	ok(c, http.StatusOK, toAttachment(a))
	return nil
}

// withdrawAttachment withdraws a file.
//
//	@Summary		Withdraw a file
//	@Description	Withdraws a file (撤回) for a reason: it is never deleted, stays downloadable and is listed with include_withdrawn=true with who withdrew it, when and why; the audit trail and the change feed (attachment.withdrawn) record it. Whoever may change the project may withdraw its files; a file withdrawn already is 409.
//	@ID				withdrawAttachment
//	@Tags			attachments
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			id			path		string						true	"attachment ID"	format(uuid)
//	@Param			withdrawal	body		api.AttachmentWithdrawal	true	"the reason"
//	@Success		200			{object}	api.Attachment
//	@Header			200			{string}	ETag	"version of the attachment"
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/attachments/{id}/withdrawal [post]
func (h *handlers) withdrawAttachment(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	var in api.AttachmentWithdrawal
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	a, err := h.attachments.Withdraw(c.Request.Context(), p, c.Param("id"), strings.TrimSpace(in.Reason))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(a.Version))
	ok(c, http.StatusOK, toAttachment(a))
	return nil
}

// downloadAttachment sends a file's content.
//
//	@Summary		Download a file
//	@Description	The content of a file of a project the caller may read, by the attachment's ID only (never by its hash), streamed as it is stored. Content-Type is the type detected at upload, Content-Disposition attachment with the file's name (RFC 6266, its Chinese in filename*), ETag the content's SHA-256 (If-None-Match answers 304), X-Content-Type-Options nosniff. A withdrawn file still downloads.
//	@ID				downloadAttachment
//	@Tags			attachments
//	@Security		BearerAuth
//	@Produce		image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf,application/octet-stream,application/problem+json
//	@Param			id	path		string				true	"attachment ID"	format(uuid)
//	@Success		200	{file}		file				"the file"
//	@Header			200	{string}	ETag				"the content's SHA-256"
//	@Header			200	{string}	Content-Disposition	"attachment; filename=…; filename*=UTF-8''…"
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/attachments/{id}/content [get]
func (h *handlers) downloadAttachment(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	ctx := c.Request.Context()
	a, err := h.attachments.Get(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	hd := c.Writer.Header()
	hd.Set("Content-Type", a.MediaType)
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("Content-Disposition", attachmentDisposition(a.Filename))
	hd.Set("ETag", `"`+a.SHA256+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-cache")
	if c.Request.Method == http.MethodHead || noneMatch(c.Request.Header.Values("If-None-Match"), `"`+a.SHA256+`"`) {
		c.Status(http.StatusOK) // conditional makes it 304, or drops the body of a HEAD
		c.Writer.WriteHeaderNow()
		return nil
	}
	_, rc, err := h.attachments.Open(ctx, p, a.ID)
	if err != nil {
		hd.Del("Content-Disposition")
		hd.Del("Content-Length")
		return err
	}
	defer rc.Close()
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(exportWriteTimeout))
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil && ctx.Err() == nil {
		// The answer has begun: the client sees it cut short of its
		// Content-Length.
		h.log.ErrorContext(ctx, "download cut short", "attachment", a.ID, "request_id", requestID(c), "error", err)
	}
	return nil
}

// attachmentDisposition names the download: an ASCII name for old clients,
// the name as uploaded in filename* (RFC 6266, RFC 8187).
func attachmentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, attrChars(name))
}

// attrChars percent-encodes every byte of s but RFC 8187's attr-char.
func attrChars(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
