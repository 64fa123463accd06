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
//	@Description	Exchanges a username and password for a short-lived access token (a JWT signed with EdDSA; send it as Authorization: Bearer) and a single-use refresh token. A wrong username and a wrong password answer alike; repeated failures for a username or from an address answer 429 with Retry-After.
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
//	@Router			/api/v1/auth/login [post]
func (h *handlers) login(c *gin.Context) {
	var in api.LoginRequest
	if !h.bind(c, &in) {
		return
	}
	tok, _, err := h.auth.Login(c.Request.Context(), in.Username, in.Password, c.ClientIP())
	if err != nil {
		h.fail(c, err)
		return
	}
	writeToken(c, tok, "")
}

func writeToken(c *gin.Context, tok auth.Token, scope string) {
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusOK, api.TokenResponse{AccessToken: tok.AccessToken, TokenType: "Bearer",
		ExpiresIn: int(tok.ExpiresIn.Seconds()), RefreshToken: tok.RefreshToken, Scope: scope})
}

func (h *handlers) refreshBody(c *gin.Context) (string, bool) {
	var in api.RefreshRequest
	if !h.bind(c, &in) {
		return "", false
	}
	if in.RefreshToken == "" {
		h.fail(c, apperr.Fields([]apperr.FieldError{{Field: "refresh_token", Code: "required"}}))
		return "", false
	}
	return in.RefreshToken, true
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
//	@Router			/api/v1/auth/refresh [post]
func (h *handlers) refresh(c *gin.Context) {
	raw, found := h.refreshBody(c)
	if !found {
		return
	}
	tok, err := h.auth.Refresh(c.Request.Context(), raw)
	if err != nil {
		h.fail(c, err)
		return
	}
	writeToken(c, tok, "")
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
//	@Router			/api/v1/auth/logout [post]
func (h *handlers) logout(c *gin.Context) {
	raw, found := h.refreshBody(c)
	if !found {
		return
	}
	if err := h.auth.Logout(c.Request.Context(), raw); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func oauthFail(c *gin.Context, status int, code, desc string) {
	c.Header("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Basic realm="pipeline"`)
	}
	ok(c, status, api.OAuthError{Error: code, ErrorDescription: desc})
	c.Abort()
}

// token is the OAuth 2.0 token endpoint for department systems.
//
//	@Summary		Client credentials token
//	@Description	OAuth 2.0 client credentials grant (RFC 6749 §4.4) for department systems. Authenticate with HTTP Basic (client_id:client_secret) or client_id and client_secret in the form; scope is optional and must be among the client's scopes. Errors use the OAuth error format.
//	@ID				token
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
//	@Router			/api/v1/auth/token [post]
func (h *handlers) token(c *gin.Context) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		oauthFail(c, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.Request.ParseForm(); err != nil {
		oauthFail(c, http.StatusBadRequest, "invalid_request", "the form cannot be read")
		return
	}
	form := c.Request.PostForm
	for _, k := range []string{"grant_type", "scope", "client_id", "client_secret"} {
		if len(form[k]) > 1 {
			oauthFail(c, http.StatusBadRequest, "invalid_request", k+" is repeated")
			return
		}
	}
	if !form.Has("grant_type") {
		// RFC 6749 §5.2: a missing parameter is invalid_request.
		oauthFail(c, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		oauthFail(c, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	id, secret, basic := c.Request.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if form.Has("client_secret") {
			oauthFail(c, http.StatusBadRequest, "invalid_request", "use one client authentication method")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" {
		oauthFail(c, http.StatusUnauthorized, "invalid_client", "client authentication is required")
		return
	}
	tok, scopes, err := h.auth.ClientCredentials(c.Request.Context(), id, secret, form.Get("scope"))
	var oe *auth.OAuthError
	switch {
	case errors.As(err, &oe) && oe.Code == "invalid_client":
		oauthFail(c, http.StatusUnauthorized, oe.Code, oe.Description)
		return
	case errors.As(err, &oe):
		oauthFail(c, http.StatusBadRequest, oe.Code, oe.Description)
		return
	case err != nil:
		h.fail(c, err)
		return
	}
	writeToken(c, tok, strings.Join(scopes, " "))
}

// jwks publishes the keys that verify access tokens.
//
//	@Summary		Token verification keys
//	@Description	The public keys (JWK Set) that verify the service's access tokens; tokens name theirs in the kid header.
//	@ID				jwks
//	@Tags			auth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.JWKS
//	@Router			/.well-known/jwks.json [get]
func (h *handlers) jwks(c *gin.Context) {
	keys := h.keys.JWKS()
	out := api.JWKS{Keys: make([]api.JWK, len(keys))}
	for i, k := range keys {
		out.Keys[i] = api.JWK(k)
	}
	c.Header("Cache-Control", "public, max-age=300")
	ok(c, http.StatusOK, out)
}
