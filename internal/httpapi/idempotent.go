package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/identity"
)

// created is the answer of a creating request.
type created struct {
	location string
	etag     string
	body     any
	// kept, when set, is what the idempotency record keeps and a replay
	// answers instead of body: the answer without a secret.
	kept any
}

// errNoTwin ends a retry that found no twin to replay.
var errNoTwin = errors.New("httpapi: no idempotency record to replay")

var saneKey = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// idempotent reads the JSON body of a creating request and runs it. With an
// Idempotency-Key it runs in one transaction with the record of its answer,
// so that a retry replays the first answer and never creates twice, even
// when the retry races the original.
func (h *handlers) idempotent(c *gin.Context, p identity.Principal, create func(ctx context.Context, body []byte) (created, error)) error {
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		out, err := create(c.Request.Context(), body)
		if err != nil {
			return err
		}
		writeCreated(c, out.location, out.etag, out.body)
		return nil
	}
	if !saneKey.MatchString(key) {
		return apperr.Fields([]apperr.FieldError{{Field: "Idempotency-Key", Code: "invalid_format", Param: "1..255 printable ASCII characters"}})
	}
	sum := sha256.Sum256(append([]byte(c.Request.Method+" "+c.Request.URL.Path+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	rec, fresh, err := h.createOnce(c, p, key, hash, body, create)
	if err != nil {
		return err
	}
	if fresh != nil {
		writeCreated(c, fresh.location, fresh.etag, fresh.body)
		return nil
	}
	if rec.RequestHash != hash {
		return apperr.Coded(apperr.IdempotencyKeyReused, "request.key_reused")
	}
	replay(c, rec)
	return nil
}

// createOnce runs create with the record of its answer under key, or finds
// the record that an earlier request with the key left: fresh is what
// create made, nil when the record is an earlier one.
func (h *handlers) createOnce(c *gin.Context, p identity.Principal, key, hash string, body []byte,
	create func(ctx context.Context, body []byte) (created, error)) (rec idempotency.Record, fresh *created, err error) {
	var first error
	for attempt := 0; attempt < 2; attempt++ {
		fresh = nil
		err = h.db.InTx(c.Request.Context(), func(ctx context.Context) error {
			var gerr error
			rec, gerr = h.idem.Get(ctx, p.Subject, key, h.now())
			if gerr == nil {
				return nil
			}
			if apperr.KindOf(gerr) != apperr.NotFound {
				return gerr
			}
			if attempt > 0 {
				// The retry only replays a twin's answer; it never runs
				// the request again, which could apply it twice.
				return errNoTwin
			}
			out, err := create(ctx, body)
			if err != nil {
				return err
			}
			if rec, err = h.record(c, p, key, hash, out); err != nil {
				return err
			}
			fresh = &out
			return h.idem.Put(ctx, rec)
		})
		// A twin request that committed first makes this attempt fail on
		// the key (idempotency.ErrTaken) or, earlier, on a unique column of
		// what it creates (a project code): either is a conflict, and the
		// second attempt finds the twin's record and replays it. A genuine
		// conflict fails the second attempt the same way.
		if apperr.KindOf(err) != apperr.Conflict {
			break
		}
		first = err
	}
	if errors.Is(err, errNoTwin) {
		err = first
	}
	return rec, fresh, err
}

// record is the idempotency record of a created answer.
func (h *handlers) record(c *gin.Context, p identity.Principal, key, hash string, out created) (idempotency.Record, error) {
	kept := out.body
	if out.kept != nil {
		kept = out.kept
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return idempotency.Record{}, err
	}
	return idempotency.Record{
		Principal: p.Subject, Key: key, Method: c.Request.Method, Path: c.Request.URL.Path,
		RequestHash: hash, Status: http.StatusCreated, Location: out.location, Body: b, CreatedAt: h.now(),
	}, nil
}

// replay answers a request with the recorded answer of its first sending.
func replay(c *gin.Context, rec idempotency.Record) {
	if rec.Location != "" {
		c.Header("Location", rec.Location)
	}
	// The record keeps no headers but the location; the ETag of what was
	// created is its version, which the recorded body carries.
	var v struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(rec.Body, &v) == nil && v.Version > 0 {
		c.Header("ETag", etag(v.Version))
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(rec.Status, "application/json; charset=utf-8", rec.Body)
}

func writeCreated(c *gin.Context, location, etag string, body any) {
	c.Header("Location", location)
	if etag != "" {
		c.Header("ETag", etag)
	}
	ok(c, http.StatusCreated, body)
}
