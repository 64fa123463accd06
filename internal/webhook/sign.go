package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery (docs/integration.md, "Webhooks").
const (
	HeaderTimestamp = "X-Pipeline-Timestamp"
	HeaderSignature = "X-Pipeline-Signature"
	HeaderDelivery  = "X-Pipeline-Delivery"
	HeaderEvent     = "X-Pipeline-Event"
)

// DefaultTolerance is the age of a timestamp that docs/integration.md
// advises a receiver to accept, either way of its clock.
const DefaultTolerance = 5 * time.Minute

// secretPrefix marks a webhook secret, so that one found in a log or a
// file tells what it is.
const secretPrefix = "whsec_"

// NewSecret returns a fresh signing secret: 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Sign is the signature of body sent at timestamp (Unix seconds) with
// secret: "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>".
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// SignatureHeader is the X-Pipeline-Signature of body: one signature per
// secret, comma-separated, in the order given (the newest secret first).
func SignatureHeader(secrets []string, timestamp int64, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = Sign(s, timestamp, body)
	}
	return strings.Join(sigs, ",")
}

// The reasons Verify refuses a delivery.
var (
	ErrBadTimestamp = errors.New("webhook: X-Pipeline-Timestamp is not Unix seconds")
	ErrStale        = errors.New("webhook: the timestamp is outside the tolerance")
	ErrNoSignature  = errors.New("webhook: no signature matches")
)

// Verify checks a delivery as a receiver does: timestamp is the
// X-Pipeline-Timestamp header, signatures the X-Pipeline-Signature header
// (one or more "sha256=<hex>", comma-separated). It accepts the delivery
// when the timestamp is within tolerance of now (either way) and one of the
// signatures is body's with secret, compared in constant time.
func Verify(secret, timestamp string, body []byte, signatures string, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := []byte(Sign(secret, ts, body))
	for sig := range strings.SplitSeq(signatures, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(sig)), want) {
			return nil
		}
	}
	return ErrNoSignature
}
