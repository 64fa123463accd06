package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook delivery (docs/integration.md, "Webhooks").
const (
	// HeaderTimestamp carries the delivery's time in Unix seconds.
	HeaderTimestamp = "X-Pipeline-Timestamp"
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of
	// "<timestamp>.<body>" under the subscription's secret; during a secret's
	// rotation, one such value for each secret, separated by commas.
	HeaderSignature = "X-Pipeline-Signature"
	// HeaderDelivery identifies the delivery, the same on every retry.
	HeaderDelivery = "X-Pipeline-Delivery"
)

// The errors of VerifySignature.
var (
	ErrBadTimestamp     = errors.New("webhook: the timestamp is not a number of Unix seconds")
	ErrStaleTimestamp   = errors.New("webhook: the timestamp is outside the tolerance")
	ErrNoSignature      = errors.New("webhook: no sha256 signature")
	ErrSignatureInvalid = errors.New("webhook: no signature matches the secret")
)

// VerifySignature checks a webhook delivery: the timestamp (the
// X-Pipeline-Timestamp header) must be within tolerance of now, and one of
// the sha256 signatures of the X-Pipeline-Signature header must be the
// HMAC-SHA256 of "<timestamp>.<body>" under secret. Compare the body as
// received, before any decoding. Keep the delivery IDs of the tolerance's
// window to refuse a replay.
func VerifySignature(secret []byte, timestamp string, body []byte, signatureHeader string, tolerance time.Duration, now time.Time) error {
	sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return ErrStaleTimestamp
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.TrimSpace(timestamp)))
	mac.Write([]byte("."))
	mac.Write(body)
	want := mac.Sum(nil)
	found := false
	for _, part := range strings.Split(signatureHeader, ",") {
		scheme, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || scheme != "sha256" {
			continue
		}
		found = true
		got, err := hex.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	if !found {
		return ErrNoSignature
	}
	return ErrSignatureInvalid
}
