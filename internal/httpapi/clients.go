package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

func toClientResponse(cl auth.Client, secret string) api.Client {
	scopes := cl.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return api.Client{ID: cl.ID, ClientID: cl.ClientID, Name: cl.Name, Department: cl.Department, Scopes: scopes,
		Disabled: cl.Disabled, Version: cl.Version, CreatedAt: timestamp(cl.CreatedAt), UpdatedAt: timestamp(cl.UpdatedAt),
		ClientSecret: secret}
}

func writeClient(c *gin.Context, status int, cl auth.Client, secret string) {
	c.Header("ETag", etag(cl.Version))
	if secret != "" {
		c.Header("Cache-Control", "no-store")
	}
	ok(c, status, toClientResponse(cl, secret))
}

// listClients lists the department systems.
//
//	@Summary		List clients
//	@Description	Every OAuth client of the department systems, without secrets (admin).
//	@ID				listClients
//	@Tags			admin
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.ClientList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/clients [get]
func (h *handlers) listClients(c *gin.Context, p identity.Principal) error {
	cs, err := h.auth.ListClients(c.Request.Context(), p)
	if err != nil {
		return err
	}
	out := api.ClientList{Items: make([]api.Client, len(cs))}
	for i, cl := range cs {
		out.Items[i] = toClientResponse(cl, "")
	}
	ok(c, http.StatusOK, out)
	return nil
}

// createClient registers a department system.
//
//	@Summary		Create a client
//	@Description	Registers a department system bound to one department with scopes out of projects:read projects:write progress:write issues:write events:read (admin). The answer carries client_secret this once; only its hash is kept.
//	@ID				createClient
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			Idempotency-Key	header		string				false	"unique key of this request"
//	@Param			client			body		api.ClientCreate	true	"the client"
//	@Success		201				{object}	api.Client
//	@Header			201				{string}	Location	"URL of the new client"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/clients [post]
func (h *handlers) createClient(c *gin.Context, p identity.Principal) error {
	c.Header("Cache-Control", "no-store")
	// The secret is stored only as a hash (docs/api.md, "Sign-in"), in the idempotency
	// record too: a replay answers the client without it, and whoever lost
	// the first answer rotates the secret.
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.ClientCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		cl, secret, err := h.auth.CreateClient(ctx, p, in.Name, in.Department, in.Scopes)
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/clients/" + cl.ID, etag: etag(cl.Version), body: toClientResponse(cl, secret),
			kept: toClientResponse(cl, "")}, nil
	})
}

// patchClient changes a client.
//
//	@Summary		Update a client
//	@Description	Disables or enables a client or changes its scopes (admin) with a JSON merge patch (RFC 7396): a member replaces the field and absent members stay; null clears the scopes, and null on disabled is 400 (required). A disabled client's tokens stop working within 30 seconds. If-Match with the ETag is required.
//	@ID				patchClient
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"client ID"	format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version being changed"
//	@Param			patch		body		api.ClientPatch	true	"merge patch; every member optional, null clears the scopes"
//	@Success		200			{object}	api.Client
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/clients/{id} [patch]
func (h *handlers) patchClient(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, clientPatch)
	if err != nil {
		return err
	}
	var in api.ClientPatch
	if err := patch.decode(&in); err != nil {
		return err
	}
	cl, _, err := h.auth.UpdateClient(c.Request.Context(), p, c.Param("id"), patch.version, auth.ClientChange{Disabled: in.Disabled, Scopes: in.Scopes})
	if err != nil {
		return err
	}
	writeClient(c, http.StatusOK, cl, "")
	return nil
}

// rotateClientSecret gives a client a new secret.
//
//	@Summary		Rotate a client's secret
//	@Description	Replaces the client's secret; the answer carries the new one this once, and the old one stops working at once (admin).
//	@ID				rotateClientSecret
//	@Tags			admin
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"client ID"	format(uuid)
//	@Success		200	{object}	api.Client
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/clients/{id}/rotate-secret [post]
func (h *handlers) rotateClientSecret(c *gin.Context, p identity.Principal) error {
	cl, secret, err := h.auth.UpdateClient(c.Request.Context(), p, c.Param("id"), 0, auth.ClientChange{RotateSecret: true})
	if err != nil {
		return err
	}
	writeClient(c, http.StatusOK, cl, secret)
	return nil
}
