package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

func toUserResponse(u auth.User) api.User {
	return api.User{ID: u.ID, Username: u.Username, Role: string(u.Role), Department: u.Department, Disabled: u.Disabled,
		Version: u.Version, CreatedAt: timestamp(u.CreatedAt), UpdatedAt: timestamp(u.UpdatedAt)}
}

func writeUser(c *gin.Context, status int, u auth.User) {
	c.Header("ETag", etag(u.Version))
	ok(c, status, toUserResponse(u))
}

// listUsers lists the users.
//
//	@Summary		List users
//	@Description	Every user, by username (admin).
//	@ID				listUsers
//	@Tags			admin
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.UserList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/users [get]
func (h *handlers) listUsers(c *gin.Context, p identity.Principal) error {
	us, err := h.auth.ListUsers(c.Request.Context(), p)
	if err != nil {
		return err
	}
	out := api.UserList{Items: make([]api.User, len(us))}
	for i, u := range us {
		out.Items[i] = toUserResponse(u)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// createUser adds a user.
//
//	@Summary		Create a user
//	@Description	Adds a user with a password of at least 12 characters (admin). Department roles need a department; other roles carry none. With an Idempotency-Key, a repeated request replays the first answer.
//	@ID				createUser
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			Idempotency-Key	header		string			false	"unique key of this request"
//	@Param			user			body		api.UserCreate	true	"the user"
//	@Success		201				{object}	api.User
//	@Header			201				{string}	Location	"URL of the new user"
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		409				{object}	api.Problem
//	@Failure		413				{object}	api.Problem
//	@Failure		415				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/users [post]
func (h *handlers) createUser(c *gin.Context, p identity.Principal) error {
	return h.idempotent(c, p, func(ctx context.Context, body []byte) (created, error) {
		var in api.UserCreate
		if err := decodeStrict(body, &in); err != nil {
			return created{}, err
		}
		u, err := h.auth.CreateUser(ctx, p, in.Username, in.Password, identity.Role(in.Role), in.Department)
		if err != nil {
			return created{}, err
		}
		return created{location: "/api/v1/users/" + u.ID, etag: etag(u.Version), body: toUserResponse(u)}, nil
	})
}

// patchUser changes a user.
//
//	@Summary		Update a user
//	@Description	Changes a user's role, department, state or password (admin) with a JSON merge patch (RFC 7396): a member replaces the field and absent members stay; null clears department (which a department role must have), and null on role, disabled or password is 400 (required). A disabled user's access tokens stop working within 30 seconds and its refresh tokens at once. If-Match with the ETag is required.
//	@ID				patchUser
//	@Tags			admin
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			id			path		string			true	"user ID"	format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version being changed"
//	@Param			patch		body		api.UserPatch	true	"merge patch; every member optional, null clears department"
//	@Success		200			{object}	api.User
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/users/{id} [patch]
func (h *handlers) patchUser(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, userPatch)
	if err != nil {
		return err
	}
	var in api.UserPatch
	if err := patch.decode(&in); err != nil {
		return err
	}
	ch := auth.UserChange{Department: in.Department, Disabled: in.Disabled, Password: in.Password}
	if in.Role != nil {
		r := identity.Role(*in.Role)
		ch.Role = &r
	}
	u, err := h.auth.UpdateUser(c.Request.Context(), p, c.Param("id"), patch.version, ch)
	if err != nil {
		return err
	}
	writeUser(c, http.StatusOK, u)
	return nil
}
