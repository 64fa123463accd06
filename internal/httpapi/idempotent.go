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

// errTwin ends a transaction whose key a twin request claimed and committed
// first: a fresh transaction reads the twin's answer.
var errTwin = errors.New("httpapi: a twin request answered first")

// claimAttempts bounds the transactions a keyed request runs to claim its
// key or find the answer of the twin that did.
const claimAttempts = 3

var saneKey = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// idempotent reads the JSON body of a creating request and runs it. With an
// Idempotency-Key it runs in one transaction with the record of its answer,
// so that a retry replays the first answer and never creates twice, even
// when the retry races the original: whatever a twin did, a retry answers
// the first answer or 409 idempotency.in_progress, never a verdict of its
// own on a request that a twin already made (docs/api.md, "Idempotency").
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
//
// The key is claimed before create runs, in its transaction: a twin that
// is running holds the claim, so this request waits for it to end rather
// than run the work beside it (and, say, find the project already moved).
// When the twin committed, the claim fails and a fresh transaction reads
// its answer; when it rolled back, the claim is this request's.
func (h *handlers) createOnce(c *gin.Context, p identity.Principal, key, hash string, body []byte,
	create func(ctx context.Context, body []byte) (created, error)) (rec idempotency.Record, fresh *created, err error) {
	for range claimAttempts {
		fresh = nil
		err = h.db.InTx(c.Request.Context(), func(ctx context.Context) error {
			var gerr error
			if rec, gerr = h.idem.Get(ctx, p.Subject, key, h.now()); apperr.KindOf(gerr) != apperr.NotFound {
				return gerr // found, or failed
			}
			claim := idempotency.Record{Principal: p.Subject, Key: key, Method: c.Request.Method, Path: c.Request.URL.Path,
				RequestHash: hash, CreatedAt: h.now()}
			won, err := h.idem.Claim(ctx, claim)
			switch {
			case err != nil:
				return err
			case !won:
				return errTwin
			}
			out, err := create(ctx, body)
			if err != nil {
				return err
			}
			if rec, err = h.record(c, p, key, hash, out); err != nil {
				return err
			}
			fresh = &out
			return h.idem.Fill(ctx, rec)
		})
		if !errors.Is(err, errTwin) {
			return rec, fresh, err
		}
	}
	// Twins keep winning and their answers keep vanishing (expiring): the
	// client tries again.
	return rec, nil, idempotency.ErrInProgress
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
	// created is its version, which the recorded body carries: at its top,
	// or in the project of a move's answer.
	var v struct {
		Version int `json:"version"`
		Project struct {
			Version int `json:"version"`
		} `json:"project"`
	}
	if json.Unmarshal(rec.Body, &v) == nil && max(v.Version, v.Project.Version) > 0 {
		c.Header("ETag", etag(max(v.Version, v.Project.Version)))
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
