package httpapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/identity"
)

// addAttachmentOnce is an upload with an Idempotency-Key (docs/files.md,
// "Idempotency"): the key is claimed and the answer recorded in the
// transaction that keeps the file, the request's fingerprint being its
// path, its fields and the SHA-256 of its content. A repeat streams its
// body (which is how its fingerprint is known), keeps nothing, and replays
// the first answer; the key with another request is 422.
func (h *handlers) addAttachmentOnce(c *gin.Context, p identity.Principal, key string, f attachment.Fields, content io.Reader) error {
	if !saneKey.MatchString(key) {
		return apperr.Fields([]apperr.FieldError{{Field: "Idempotency-Key", Code: "invalid_format", Param: "1..255 printable ASCII characters"}})
	}
	var hash string
	a, err := h.attachments.Add(c.Request.Context(), p, c.Param("id"), f, content, func(ctx context.Context, a attachment.Attachment) error {
		hash = uploadFingerprint(c, a)
		if _, err := h.idem.Get(ctx, p.Subject, key, h.now()); apperr.KindOf(err) != apperr.NotFound {
			return cmp.Or(err, errTwin) // answered before, or failed
		}
		won, err := h.idem.Claim(ctx, idempotency.Record{Principal: p.Subject, Key: key, Method: c.Request.Method,
			Path: c.Request.URL.Path, RequestHash: hash, CreatedAt: h.now()})
		switch {
		case err != nil:
			return err
		case !won:
			return errTwin
		}
		rec, err := h.record(c, p, key, hash, created{location: "/api/v1/attachments/" + a.ID, body: toAttachment(a)})
		if err != nil {
			return err
		}
		return h.idem.Fill(ctx, rec)
	})
	switch {
	case errors.Is(err, errTwin):
		return h.replayUpload(c, p, key, hash)
	case err != nil:
		return err
	}
	writeCreated(c, "/api/v1/attachments/"+a.ID, etag(a.Version), toAttachment(a))
	return nil
}

// replayUpload answers the recorded answer of key, whose first request
// committed while this one streamed.
func (h *handlers) replayUpload(c *gin.Context, p identity.Principal, key, hash string) error {
	rec, err := h.idem.Get(c.Request.Context(), p.Subject, key, h.now())
	switch {
	case apperr.KindOf(err) == apperr.NotFound:
		return idempotency.ErrInProgress // it expired meanwhile: the client tries again
	case err != nil:
		return fmt.Errorf("reading the answer of an upload's Idempotency-Key: %w", err)
	case rec.RequestHash != hash:
		return apperr.Coded(apperr.IdempotencyKeyReused, "request.key_reused")
	}
	replay(c, rec)
	return nil
}

// uploadFingerprint is what identifies an upload for its Idempotency-Key:
// its method and path, the fields as kept and the SHA-256 of its content.
func uploadFingerprint(c *gin.Context, a attachment.Attachment) string {
	v, _ := json.Marshal([]string{c.Request.Method, c.Request.URL.Path, string(a.Target), a.TargetID, string(a.Kind),
		a.Filename, a.TakenOn.Format(time.DateOnly), a.Place, a.Note, a.SHA256})
	sum := sha256.Sum256(v)
	return hex.EncodeToString(sum[:])
}

// extendUploadDeadlines lets the body take PIPELINE_UPLOAD_TIMEOUT to arrive
// instead of the server's read deadline, and the answer its write deadline
// after that (docs/files.md, "Time to upload"); a writer that cannot (a
// test's recorder) keeps the server's.
func (h *handlers) extendUploadDeadlines(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	end := time.Now().Add(h.cfg.Uploads.Timeout)
	_ = rc.SetReadDeadline(end)
	if h.cfg.WriteTimeout > 0 {
		_ = rc.SetWriteDeadline(end.Add(h.cfg.WriteTimeout))
	}
}
