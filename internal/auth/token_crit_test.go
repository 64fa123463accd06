package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// TestVerifyRefusesCrit: a token signed by the service's own key but with a
// crit header is refused (RFC 7515 §4.1.11): the service understands no
// extension, so whatever crit names, or an empty or malformed crit, is a
// token it must not accept; the same token without crit is accepted.
func TestVerifyRefusesCrit(t *testing.T) {
	t.Parallel()
	tk, ks := newTokens(t, t0, "aud")
	sign := func(crit any, set bool) string {
		c := claims{
			RegisteredClaims: jwt.RegisteredClaims{Issuer: "iss", Subject: "u1", Audience: jwt.ClaimStrings{"aud"},
				ExpiresAt: jwt.NewNumericDate(t0.Add(15 * time.Minute)), IssuedAt: jwt.NewNumericDate(t0),
				NotBefore: jwt.NewNumericDate(t0), ID: "jti"},
			Role: identity.RoleBureau,
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["typ"] = "at+jwt"
		tok.Header["kid"] = ks.Signing().ID
		if set {
			tok.Header["crit"] = crit
			tok.Header["urn:example:ext"] = true
		}
		s, err := tok.SignedString(ks.Signing().Private)
		require.NoError(t, err)
		return s
	}
	_, err := tk.Verify(sign(nil, false))
	require.NoError(t, err, "the same token without crit")
	for name, crit := range map[string]any{
		"an unknown extension":       []string{"urn:example:ext"},
		"a registered header member": []string{"exp"},
		"an empty list":              []string{},
		"not a list":                 "urn:example:ext",
		"null":                       nil,
		"a list of other than names": []any{1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tk.Verify(sign(crit, true))
			require.Error(t, err)
			assert.Equal(t, apperr.Unauthenticated, apperr.KindOf(err))
		})
	}
}
