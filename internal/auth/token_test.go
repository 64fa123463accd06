package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

var t0 = time.Date(2021, 4, 15, 9, 0, 0, 0, time.UTC)

func newTokens(t *testing.T, now time.Time, audience string) (*Tokens, *KeySet) {
	t.Helper()
	ks, err := GenerateKeySet()
	require.NoError(t, err)
	tk, err := NewTokens(ks, "iss", audience, 15*time.Minute, func() time.Time { return now })
	require.NoError(t, err)
	return tk, ks
}

func TestIssueVerify(t *testing.T) {
	t.Parallel()
	tk, ks := newTokens(t, t0, "aud")
	p := identity.Principal{Subject: "u1", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	raw, err := tk.Issue(p)
	require.NoError(t, err)
	got, err := tk.Verify(raw)
	require.NoError(t, err)
	assert.Equal(t, p, got)

	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	require.NoError(t, err)
	assert.Equal(t, "EdDSA", tok.Header["alg"])
	assert.Equal(t, "at+jwt", tok.Header["typ"])
	assert.Equal(t, ks.Signing().ID, tok.Header["kid"])
	c := tok.Claims.(jwt.MapClaims)
	for _, k := range []string{"iss", "aud", "sub", "exp", "iat", "nbf", "jti", "role", "dept"} {
		assert.Contains(t, c, k)
	}
	assert.Equal(t, float64(t0.Add(15*time.Minute).Unix()), c["exp"])
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	tk, ks := newTokens(t, t0, "aud")
	good, err := tk.Issue(identity.Principal{Subject: "u1", Role: identity.RoleBureau})
	require.NoError(t, err)

	expiredIssuer, _ := newTokens(t, t0.Add(-time.Hour), "aud")
	expiredIssuer.keys = ks
	expired, err := expiredIssuer.Issue(identity.Principal{Subject: "u1", Role: identity.RoleBureau})
	require.NoError(t, err)

	otherIssuer, _ := newTokens(t, t0, "aud")
	foreign, err := otherIssuer.Issue(identity.Principal{Subject: "u1", Role: identity.RoleBureau})
	require.NoError(t, err)

	wrongAud, _ := newTokens(t, t0, "other")
	wrongAud.keys = ks
	wrongAudience, err := wrongAud.Issue(identity.Principal{Subject: "u1", Role: identity.RoleBureau})
	require.NoError(t, err)

	sign := func(method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, claims)
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	base := jwt.MapClaims{"iss": "iss", "aud": "aud", "sub": "u1", "role": "admin",
		"iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(10 * time.Minute).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range base {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	k := ks.Signing()
	hdr := map[string]any{"typ": "at+jwt", "kid": k.ID}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."

	cases := map[string]string{
		"empty":             "",
		"garbage":           "not.a.token",
		"truncated":         good[:len(good)-10],
		"tampered payload":  parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1","role":"admin"}`)) + "." + parts[2],
		"expired":           expired,
		"foreign key":       foreign,
		"wrong audience":    wrongAudience,
		"alg none":          none,
		"hs256 with public": sign(jwt.SigningMethodHS256, []byte(k.Public), hdr, base),
		"wrong typ":         sign(jwt.SigningMethodEdDSA, k.Private, map[string]any{"typ": "JWT", "kid": k.ID}, base),
		"unknown kid":       sign(jwt.SigningMethodEdDSA, otherPriv, map[string]any{"typ": "at+jwt", "kid": "nope"}, base),
		"jwk header":        sign(jwt.SigningMethodEdDSA, otherPriv, map[string]any{"typ": "at+jwt", "kid": k.ID, "jwk": map[string]any{"kty": "OKP"}}, base),
		"no exp":            sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("exp", nil)),
		"lifetime too long": sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("exp", t0.Add(time.Hour).Unix())),
		"wrong issuer":      sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("iss", "evil")),
		"unknown role":      sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("role", "root")),
		"dept role no dept": sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("role", "dept_editor")),
		"no subject":        sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("sub", nil)),
		"not yet valid":     sign(jwt.SigningMethodEdDSA, k.Private, hdr, with("nbf", t0.Add(5*time.Minute).Unix())),
		"oversized":         good + strings.Repeat("A", MaxTokenBytes),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := tk.Verify(raw)
			require.Error(t, err)
			assert.Equal(t, apperr.Unauthenticated, apperr.KindOf(err))
		})
	}
}

func FuzzVerify(f *testing.F) {
	ks, err := GenerateKeySet()
	if err != nil {
		f.Fatal(err)
	}
	tk, err := NewTokens(ks, "iss", "aud", 15*time.Minute, func() time.Time { return t0 })
	if err != nil {
		f.Fatal(err)
	}
	good, _ := tk.Issue(identity.Principal{Subject: "u", Role: identity.RoleAdmin})
	for _, s := range []string{good, "", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := tk.Verify(raw)
		if err == nil && raw != good {
			t.Fatalf("accepted a token it did not issue: %q as %+v", raw, p)
		}
		if err != nil && apperr.KindOf(err) != apperr.Unauthenticated {
			t.Fatalf("kind %v for %q", apperr.KindOf(err), raw)
		}
	})
}

func TestLoadKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := LoadKeys(dir)
	require.NoError(t, err)
	again, err := LoadKeys(dir)
	require.NoError(t, err)
	assert.Equal(t, first.Signing().ID, again.Signing().ID, "a key is created once and kept")

	_, err = AddKey(dir, time.Now().Add(time.Hour))
	require.NoError(t, err)
	rotated, err := LoadKeys(dir)
	require.NoError(t, err)
	assert.NotEqual(t, first.Signing().ID, rotated.Signing().ID, "the newest key signs")
	_, ok := rotated.Public(first.Signing().ID)
	assert.True(t, ok, "older keys still verify")
	jwks := rotated.JWKS()
	require.Len(t, jwks, 2)
	assert.Equal(t, rotated.Signing().ID, jwks[0].Kid)
	assert.Equal(t, "OKP", jwks[0].Kty)
}

// TestVerifyCacheExpires holds that a token verified once and cached is
// still refused after it expires, and that the cache never admits a token
// that failed.
func TestVerifyCacheExpires(t *testing.T) {
	t.Parallel()
	ks, err := GenerateKeySet()
	require.NoError(t, err)
	now := t0
	tk, err := NewTokens(ks, "iss", "aud", 15*time.Minute, func() time.Time { return now })
	require.NoError(t, err)
	raw, err := tk.Issue(identity.Principal{Subject: "u1", Role: identity.RoleBureau})
	require.NoError(t, err)
	for range 3 {
		_, err = tk.Verify(raw)
		require.NoError(t, err)
	}
	now = t0.Add(15*time.Minute + 31*time.Second)
	_, err = tk.Verify(raw)
	require.Error(t, err, "a cached token must still expire")
	assert.Equal(t, apperr.Unauthenticated, apperr.KindOf(err))

	tampered := raw[:len(raw)-2] + "AA"
	for range 2 {
		_, err = tk.Verify(tampered)
		require.Error(t, err)
	}
}
