package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// login signs a user in.
//
//	@Summary		Sign in
//	@Description	Exchanges a username and password for a short-lived access token (a JWT signed with EdDSA; send it as Authorization: Bearer) and a single-use refresh token. A wrong username and a wrong password answer alike. Repeated failures are throttled without locking the account out: after five failures of a username from one address, 429 with Retry-After (at most 60 s); an address that failed on 100 usernames in 15 minutes, 429 for other usernames; after five failures of a username from any address, its answers come after a delay of up to 30 s.
//	@ID				login
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			credentials	body		api.LoginRequest	true	"username and password"
//	@Success		200			{object}	api.TokenResponse
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		429			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/auth/login [post]
func (h *handlers) login(c *gin.Context) error {
	var in api.LoginRequest
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	tok, _, err := h.auth.Login(c.Request.Context(), in.Username, in.Password, c.ClientIP())
	h.m.signIn(signInUser, err)
	if err != nil {
		return err
	}
	writeToken(c, tok, "")
	return nil
}

func writeToken(c *gin.Context, tok auth.Token, scope string) {
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusOK, api.TokenResponse{AccessToken: tok.AccessToken, TokenType: "Bearer",
		ExpiresIn: int(tok.ExpiresIn.Seconds()), RefreshToken: tok.RefreshToken, Scope: scope})
}

func (h *handlers) refreshBody(c *gin.Context) (string, error) {
	var in api.RefreshRequest
	if err := h.decodeBody(c, &in); err != nil {
		return "", err
	}
	if in.RefreshToken == "" {
		return "", apperr.Fields([]apperr.FieldError{{Field: "refresh_token", Code: "required"}})
	}
	return in.RefreshToken, nil
}

// refresh exchanges a refresh token for a new pair.
//
//	@Summary		Refresh the access token
//	@Description	Exchanges a refresh token for a new access token and a new refresh token. Refresh tokens are single use: presenting one a second time signs the whole session out.
//	@ID				refresh
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			token	body		api.RefreshRequest	true	"the refresh token"
//	@Success		200		{object}	api.TokenResponse
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		415		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/auth/refresh [post]
func (h *handlers) refresh(c *gin.Context) error {
	raw, err := h.refreshBody(c)
	if err != nil {
		return err
	}
	tok, err := h.auth.Refresh(c.Request.Context(), raw)
	if err != nil {
		return err
	}
	writeToken(c, tok, "")
	return nil
}

// logout ends a session.
//
//	@Summary		Sign out
//	@Description	Revokes the refresh token and its whole session. Access tokens already issued expire on their own within 15 minutes.
//	@ID				logout
//	@Tags			auth
//	@Accept			json
//	@Produce		application/problem+json
//	@Param			token	body	api.RefreshRequest	true	"the refresh token"
//	@Success		204
//	@Failure		400	{object}	api.Problem
//	@Failure		415	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/auth/logout [post]
func (h *handlers) logout(c *gin.Context) error {
	raw, err := h.refreshBody(c)
	if err != nil {
		return err
	}
	if err := h.auth.Logout(c.Request.Context(), raw); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// oauthFail answers an error of the token endpoint in the OAuth format:
// 401 with a Basic challenge for invalid_client, 400 for the others.
func oauthFail(c *gin.Context, e *auth.OAuthError) {
	status := http.StatusBadRequest
	c.Header("Cache-Control", "no-store")
	if e.Code == "invalid_client" {
		status = http.StatusUnauthorized
		c.Header("WWW-Authenticate", `Basic realm="pipeline"`)
	}
	ok(c, status, api.OAuthError{Error: e.Code, ErrorDescription: e.Description})
	c.Abort()
}

// token is the OAuth 2.0 token endpoint for department systems.
//
//	@Summary		Client credentials token
//	@Description	OAuth 2.0 client credentials grant (RFC 6749 §4.4) for department systems. Authenticate with HTTP Basic (client_id:client_secret) or client_id and client_secret in the form; scope is optional and must be among the client's scopes. Errors use the OAuth error format, but for 429 (failures throttled per client as sign-ins are per username) and 503.
//	@ID				issueToken
//	@Tags			auth
//	@Accept			x-www-form-urlencoded
//	@Produce		json
//	@Param			grant_type		formData	string	true	"client_credentials"
//	@Param			scope			formData	string	false	"space-separated scopes"
//	@Param			client_id		formData	string	false	"when not sent with HTTP Basic"
//	@Param			client_secret	formData	string	false	"when not sent with HTTP Basic"
//	@Success		200				{object}	api.TokenResponse
//	@Failure		400				{object}	api.OAuthError
//	@Failure		401				{object}	api.OAuthError
//	@Failure		429				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/auth/token [post]
func (h *handlers) token(c *gin.Context) error {
	id, secret, scope, err := clientCredentials(c)
	var tok auth.Token
	var scopes []string
	if err == nil {
		tok, scopes, err = h.auth.ClientCredentials(c.Request.Context(), id, secret, scope, c.ClientIP())
		h.m.signIn(signInClient, err)
	}
	var oe *auth.OAuthError
	if errors.As(err, &oe) {
		oauthFail(c, oe)
		return nil
	}
	if err != nil {
		return err
	}
	writeToken(c, tok, strings.Join(scopes, " "))
	return nil
}

func invalidRequest(desc string) error {
	return &auth.OAuthError{Code: "invalid_request", Description: desc}
}

// clientCredentials reads a token request: the client's ID and secret, from
// HTTP Basic or the form, and the scope asked for.
func clientCredentials(c *gin.Context) (id, secret, scope string, err error) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return "", "", "", invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.Request.ParseForm(); err != nil {
		return "", "", "", invalidRequest("the form cannot be read")
	}
	form := c.Request.PostForm
	for _, k := range []string{"grant_type", "scope", "client_id", "client_secret"} {
		if len(form[k]) > 1 {
			return "", "", "", invalidRequest(k + " is repeated")
		}
	}
	if !form.Has("grant_type") {
		// RFC 6749 §5.2: a missing parameter is invalid_request.
		return "", "", "", invalidRequest("grant_type is required")
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		return "", "", "", &auth.OAuthError{Code: "unsupported_grant_type", Description: "only client_credentials is supported"}
	}
	id, secret, basic := c.Request.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if form.Has("client_secret") {
			return "", "", "", invalidRequest("use one client authentication method")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" {
		return "", "", "", &auth.OAuthError{Code: "invalid_client", Description: "client authentication is required"}
	}
	return id, secret, form.Get("scope"), nil
}

// jwks publishes the keys that verify access tokens.
//
//	@Summary		Token verification keys
//	@Description	The public keys (JWK Set) that verify the service's access tokens; tokens name theirs in the kid header.
//	@ID				jwks
//	@Tags			auth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.JWKS
//	@Failure		400	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/.well-known/jwks.json [get]
func (h *handlers) jwks(c *gin.Context) error {
	keys := h.keys.JWKS()
	out := api.JWKS{Keys: make([]api.JWK, len(keys))}
	for i, k := range keys {
		out.Keys[i] = api.JWK(k)
	}
	c.Header("Cache-Control", "public, max-age=300")
	ok(c, http.StatusOK, out)
	return nil
}
