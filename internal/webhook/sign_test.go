package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/webhook"
)

// The vectors were computed apart from this code (Python's hmac module):
// hmac.new(secret, b"1796608800." + body, sha256).hexdigest().
const (
	vectorTS   = 1796608800
	vectorBody = `{"id":"e1"}`
	vectorNew  = "sha256=e10beb332f3090e60c568f16643f969035c8d07fbbbba48bc729a341d3666583" // whsec_test
	vectorOld  = "sha256=5912de0a98cafdd0026d5a29848312e69e76d4e596e8e2c0bd9c0e95a36ffa1f" // whsec_old
)

func TestSignVectors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, vectorNew, webhook.Sign("whsec_test", vectorTS, []byte(vectorBody)))
	assert.Equal(t, vectorNew+","+vectorOld,
		webhook.SignatureHeader([]string{"whsec_test", "whsec_old"}, vectorTS, []byte(vectorBody)), "the newest first")
}

func TestVerify(t *testing.T) {
	t.Parallel()
	at := time.Unix(vectorTS, 0)
	body := []byte(vectorBody)
	tests := []struct {
		name    string
		secret  string
		ts      string
		body    []byte
		sigs    string
		now     time.Time
		wantErr error
	}{
		{"the signature", "whsec_test", "1796608800", body, vectorNew, at, nil},
		{"the new of two", "whsec_test", "1796608800", body, vectorNew + "," + vectorOld, at, nil},
		{"the old of two, during a rotation", "whsec_old", "1796608800", body, vectorNew + ", " + vectorOld, at, nil},
		{"within the tolerance, late", "whsec_test", "1796608800", body, vectorNew, at.Add(5 * time.Minute), nil},
		{"within the tolerance, early", "whsec_test", "1796608800", body, vectorNew, at.Add(-5 * time.Minute), nil},
		{"too old: a replay", "whsec_test", "1796608800", body, vectorNew, at.Add(5*time.Minute + time.Second), webhook.ErrStale},
		{"from the future", "whsec_test", "1796608800", body, vectorNew, at.Add(-6 * time.Minute), webhook.ErrStale},
		{"another secret", "whsec_other", "1796608800", body, vectorNew, at, webhook.ErrNoSignature},
		{"a changed body", "whsec_test", "1796608800", []byte(`{"id":"e2"}`), vectorNew, at, webhook.ErrNoSignature},
		{"another timestamp", "whsec_test", "1796608801", body, vectorNew, at, webhook.ErrNoSignature},
		{"no signature", "whsec_test", "1796608800", body, "", at, webhook.ErrNoSignature},
		{"the hex without its scheme", "whsec_test", "1796608800", body, strings.TrimPrefix(vectorNew, "sha256="), at, webhook.ErrNoSignature},
		{"a timestamp that is no number", "whsec_test", "yesterday", body, vectorNew, at, webhook.ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.secret, tt.ts, tt.body, tt.sigs, tt.now, webhook.DefaultTolerance)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	assert.NotEqual(t, a, b)
	assert.True(t, strings.HasPrefix(a, "whsec_"))
	assert.Len(t, a, len("whsec_")+43, "32 bytes, base64url")
}
