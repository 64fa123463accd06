package client_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/guangling/pipeline/api/client"
)

func sign(secret, timestamp, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "." + body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	ts := "1800000000"
	body := `{"type":"project.stage_changed"}`
	good := sign("new secret", ts, body)
	old := sign("old secret", ts, body)
	tests := []struct {
		name      string
		secret    string
		timestamp string
		body      string
		header    string
		now       time.Time
		want      error
	}{
		{"signed", "new secret", ts, body, good, now, nil},
		{"during a rotation, the new secret", "new secret", ts, body, old + "," + good, now, nil},
		{"during a rotation, the old secret", "old secret", ts, body, old + ", " + good, now, nil},
		{"another secret", "a third secret", ts, body, old + "," + good, now, client.ErrSignatureInvalid},
		{"a changed body", "new secret", ts, body + " ", good, now, client.ErrSignatureInvalid},
		{"another timestamp", "new secret", "1800000001", body, good, now, client.ErrSignatureInvalid},
		{"at the tolerance", "new secret", ts, body, good, now.Add(5 * time.Minute), nil},
		{"past the tolerance", "new secret", ts, body, good, now.Add(5*time.Minute + time.Second), client.ErrStaleTimestamp},
		{"from the future", "new secret", ts, body, good, now.Add(-5*time.Minute - time.Second), client.ErrStaleTimestamp},
		{"no timestamp", "new secret", "", body, good, now, client.ErrBadTimestamp},
		{"a timestamp in milliseconds' format", "new secret", "1800000000.5", body, good, now, client.ErrBadTimestamp},
		{"no signature", "new secret", ts, body, "", now, client.ErrNoSignature},
		{"another scheme only", "new secret", ts, body, "v1=abc", now, client.ErrNoSignature},
		{"not hex", "new secret", ts, body, "sha256=zz", now, client.ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := client.VerifySignature([]byte(tt.secret), tt.timestamp, []byte(tt.body), tt.header, 5*time.Minute, tt.now)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
