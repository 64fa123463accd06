package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
)

// login signs a user in.
//
//	@Summary		Sign in
//	@Description	Exchanges a username and password for a short-lived access token (a JWT signed with EdDSA; send it as Authorization: Bearer). A wrong username and a wrong password answer alike.
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
//	@Router			/api/v1/auth/login [post]
func (h *handlers) login(c *gin.Context) {
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		h.fail(c, err)
		return
	}
	var in api.LoginRequest
	if err := decodeStrict(body, &in); err != nil {
		h.fail(c, err)
		return
	}
	tok, _, err := h.auth.Login(c.Request.Context(), in.Username, in.Password)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusOK, api.TokenResponse{AccessToken: tok.AccessToken, TokenType: "Bearer", ExpiresIn: int(tok.ExpiresIn.Seconds())})
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
