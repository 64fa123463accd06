package httpapi_test

// A department system as its integrators would build it: the stock
// golang.org/x/oauth2 client credentials package against the service on a
// real (loopback) listener, and its access token verified with nothing but
// the published JWKS.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// serve runs the env's handler on a loopback listener, checking every
// exchange against the spec as env.do does.
func (e *env) serve(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if !assert.NoError(t, err) {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		clone := func() *http.Request {
			c := r.Clone(context.Background())
			c.Body = io.NopCloser(bytes.NewReader(body))
			return c
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, clone())
		res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		assert.NotEmpty(t, res.header.Get("X-Request-ID"))
		assert.Less(t, res.status, 500, "%s %s: %s", r.Method, r.URL, res)
		checked := res
		if res.header.Get("Content-Encoding") == "gzip" {
			// The client asked for gzip, as Go's transport does: the spec
			// describes the body before it.
			zr, err := gzip.NewReader(bytes.NewReader(res.body))
			require.NoError(t, err)
			checked.body, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		checkSpec(t, request{method: r.Method, path: r.URL.RequestURI()}, clone(), checked)

		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), "loopback only: %s", srv.URL)
	return srv
}

func TestDepartmentSystemWithOAuth2Client(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.create(t, asBureau, projectBody("energy wind"))
		e.create(t, asBureau, with(projectBody("industry zinc"), "department", "industry", "category", "materials"))
		c := e.newClient(t, "能源局项目系统", "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
		srv := e.serve(t)
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		config := func(secret string, style oauth2.AuthStyle) *clientcredentials.Config {
			return &clientcredentials.Config{ClientID: c.ClientID, ClientSecret: secret, TokenURL: srv.URL + tokenPath,
				Scopes: []string{identity.ScopeProjectsRead}, AuthStyle: style}
		}

		for _, style := range []struct {
			name  string
			style oauth2.AuthStyle
		}{{"HTTP Basic", oauth2.AuthStyleInHeader}, {"form credentials", oauth2.AuthStyleInParams}, {"auto-detected", oauth2.AuthStyleAutoDetect}} {
			t.Run(style.name, func(t *testing.T) {
				cc := config(c.ClientSecret, style.style)
				tok, err := cc.Token(ctx)
				require.NoError(t, err)
				assert.Equal(t, "Bearer", tok.TokenType)
				assert.Equal(t, identity.ScopeProjectsRead, tok.Extra("scope"))
				assert.Empty(t, tok.RefreshToken)
				assert.False(t, tok.Expiry.IsZero(), "expires_in is answered")

				resp, err := cc.Client(ctx).Get(srv.URL + "/api/v1/projects")
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				var l api.ProjectList
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&l))
				assert.Equal(t, []string{"energy wind"}, names(l.Items), "the department's projects only")

				body, err := json.Marshal(with(projectBody("by the system"), "department", nil))
				require.NoError(t, err)
				resp, err = cc.Client(ctx).Post(srv.URL+"/api/v1/projects", "application/json", bytes.NewReader(body))
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a projects:read token does not write")
			})
		}

		t.Run("a wrong secret is an OAuth error the library understands", func(t *testing.T) {
			for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
				_, err := config("pcs_wrong", style).Token(ctx)
				var re *oauth2.RetrieveError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
				assert.Equal(t, "invalid_client", re.ErrorCode)
			}
		})

		t.Run("the token verifies with the published JWKS", func(t *testing.T) {
			tok, err := config(c.ClientSecret, oauth2.AuthStyleInHeader).Token(ctx)
			require.NoError(t, err)
			raw := tok.AccessToken

			resp, err := srv.Client().Get(srv.URL + "/.well-known/jwks.json")
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var set api.JWKS
			d := json.NewDecoder(resp.Body)
			d.DisallowUnknownFields()
			require.NoError(t, d.Decode(&set))
			require.NotEmpty(t, set.Keys)

			keyfunc := func(tk *jwt.Token) (any, error) {
				kid, _ := tk.Header["kid"].(string)
				for _, k := range set.Keys {
					if k.Kid == kid && k.Kty == "OKP" && k.Crv == "Ed25519" {
						x, err := base64.RawURLEncoding.DecodeString(k.X)
						if err != nil || len(x) != ed25519.PublicKeySize {
							return nil, errors.New("bad key")
						}
						return ed25519.PublicKey(x), nil
					}
				}
				return nil, errors.New("unknown kid")
			}
			parser := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(e.cfg.JWTIssuer),
				jwt.WithAudience(e.cfg.JWTAudience), jwt.WithExpirationRequired(), jwt.WithTimeFunc(e.clock.now))
			claims := jwt.MapClaims{}
			parsed, err := parser.ParseWithClaims(raw, claims, keyfunc)
			require.NoError(t, err)
			assert.True(t, parsed.Valid)
			assert.Equal(t, "at+jwt", parsed.Header["typ"])
			assert.Equal(t, c.ClientID, claims["client_id"])
			assert.Equal(t, c.ID, claims["sub"])
			assert.Equal(t, "energy", claims["dept"])
			assert.Equal(t, identity.ScopeProjectsRead, claims["scope"])
			assert.Equal(t, "dept_viewer", claims["role"])

			// The same by hand: Ed25519 over header.payload with the JWK's x.
			kid, _ := parsed.Header["kid"].(string)
			var key api.JWK
			for _, k := range set.Keys {
				if k.Kid == kid {
					key = k
				}
			}
			require.NotEmpty(t, key.X, "the token's kid is published")
			assert.Equal(t, "EdDSA", key.Alg)
			assert.Equal(t, "sig", key.Use)
			assert.True(t, verifyEdDSA(t, raw, key))

			// A changed claim breaks the signature.
			parts := strings.Split(raw, ".")
			var payload map[string]any
			require.NoError(t, json.Unmarshal(b64(t, parts[1]), &payload))
			payload["scope"] = "projects:read projects:write"
			forged, err := json.Marshal(payload)
			require.NoError(t, err)
			tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
			assert.False(t, verifyEdDSA(t, tampered, key))
			_, err = parser.Parse(tampered, keyfunc)
			assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
			res := e.do(t, request{method: http.MethodPost, path: "/api/v1/projects", headers: bearer(tampered),
				body: with(projectBody("forged"), "department", nil)})
			assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
		})
	})
}
