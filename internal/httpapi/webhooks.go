package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/webhook"
)

// The webhooks of docs/integration.md, "Webhooks".

var webhookPatch = newPatchRules[api.WebhookPatch, api.Webhook]("paused")

func optTimestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timestamp(t)
	return &s
}

func toWebhook(s webhook.Subscription, now time.Time) api.Webhook {
	types := s.Types
	if types == nil {
		types = []string{}
	}
	out := api.Webhook{ID: s.ID, URL: s.URL, Types: types, Department: s.Department, Owner: s.OwnerName,
		Description: s.Description, Paused: s.Paused, PausedReason: s.PausedReason, PausedAt: optTimestamp(s.PausedAt),
		Version: s.Version, CreatedAt: timestamp(s.CreatedAt), UpdatedAt: timestamp(s.UpdatedAt), Secret: s.Secret}
	if now.Before(s.PreviousUntil) {
		out.PreviousSecretUntil = optTimestamp(s.PreviousUntil)
	}
	if s.MissedFrom > 0 {
		after := strconv.FormatInt(s.MissedFrom-1, 10)
		out.MissedAfter = &after
	}
	return out
}

func toWebhookDelivery(d webhook.Delivery) api.WebhookDelivery {
	out := api.WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Position: strconv.FormatInt(d.Position, 10),
		ProjectID: d.ProjectID, Status: "pending", Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError,
		LastAttemptAt: optTimestamp(d.LastAttemptAt), DeliveredAt: optTimestamp(d.DeliveredAt), CreatedAt: timestamp(d.CreatedAt)}
	if d.Delivered() {
		out.Status = "delivered"
	} else {
		out.NextAttemptAt = optTimestamp(d.NextAttemptAt)
	}
	return out
}

func (h *handlers) writeWebhook(c *gin.Context, status int, s webhook.Subscription) {
	c.Header("ETag", etag(s.Version))
	if s.Secret != "" {
		c.Header("Cache-Control", "no-store")
	}
	ok(c, status, toWebhook(s, h.now()))
}

// listWebhooks lists the caller's webhooks.
//
//	@Summary		List webhooks
//	@Description	The webhooks the caller may see, oldest first, without secrets: a department's own (department users and systems with events:read), or every one (bureau, admin).
//	@ID				listWebhooks
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.WebhookList
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/webhooks [get]
func (h *handlers) listWebhooks(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	subs, err := h.webhooks.List(c.Request.Context(), p)
	if err != nil {
		return err
	}
	out := api.WebhookList{Items: make([]api.Webhook, len(subs))}
	now := h.now()
	for i, s := range subs {
		out.Items[i] = toWebhook(s, now)
	}
	ok(c, http.StatusOK, out)
	return nil
}

// createWebhook registers a webhook.
//
//	@Summary		Create a webhook
//	@Description	Registers a URL to which the events the caller's department is entitled to (every event for the bureau) are posted, signed. The answer carries the secret this once. A URL that is not http(s), carries credentials, or names or resolves to a loopback, private, link-local or similar address is 400, as is an unknown event type.
//	@ID				createWebhook
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			webhook	body		api.WebhookCreate	true	"the webhook"
//	@Success		201		{object}	api.Webhook
//	@Header			201		{string}	Location	"URL of the new webhook"
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		413		{object}	api.Problem
//	@Failure		415		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/webhooks [post]
func (h *handlers) createWebhook(c *gin.Context, p identity.Principal) error {
	var in api.WebhookCreate
	if err := h.decodeBody(c, &in); err != nil {
		return err
	}
	s, err := h.webhooks.Create(c.Request.Context(), p, webhook.Input{URL: in.URL, Types: in.Types, Description: in.Description})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/webhooks/"+s.ID)
	h.writeWebhook(c, http.StatusCreated, s)
	return nil
}

// getWebhook reads a webhook.
//
//	@Summary		Get a webhook
//	@Description	One webhook, without its secret. Another department's is 404.
//	@ID				getWebhook
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"webhook ID"	format(uuid)
//	@Success		200	{object}	api.Webhook
//	@Header			200	{string}	ETag	"the version, for If-Match"
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/webhooks/{id} [get]
func (h *handlers) getWebhook(c *gin.Context, p identity.Principal) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	s, err := h.webhooks.Get(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	h.writeWebhook(c, http.StatusOK, s)
	return nil
}

// patchWebhook changes a webhook.
//
//	@Summary		Update a webhook
//	@Description	Changes the URL, the event types or the description, or pauses (paused: true, with an optional paused_reason) or resumes (paused: false) the webhook, with a JSON merge patch (RFC 7396). Resuming sends what waited while paused, in order, at once. If-Match with the ETag is required.
//	@ID				patchWebhook
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Accept			json,application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Param			id			path		string				true	"webhook ID"	format(uuid)
//	@Param			If-Match	header		string				true	"ETag of the version being changed"
//	@Param			patch		body		api.WebhookPatch	true	"merge patch; every member optional"
//	@Success		200			{object}	api.Webhook
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/webhooks/{id} [patch]
func (h *handlers) patchWebhook(c *gin.Context, p identity.Principal) error {
	patch, err := h.readPatch(c, webhookPatch)
	if err != nil {
		return err
	}
	var in api.WebhookPatch
	if err := patch.decode(&in); err != nil {
		return err
	}
	ch := webhook.Change{URL: in.URL, Types: in.Types, Description: in.Description, Paused: in.Paused, PausedReason: in.PausedReason}
	if _, set := patch.members["types"]; set && ch.Types == nil {
		ch.Types = &[]string{} // null: every type
	}
	s, err := h.webhooks.Update(c.Request.Context(), p, c.Param("id"), patch.version, ch)
	if err != nil {
		return err
	}
	h.writeWebhook(c, http.StatusOK, s)
	return nil
}

// deleteWebhook removes a webhook.
//
//	@Summary		Delete a webhook
//	@Description	Removes the webhook and its delivery log; what it had not delivered is not sent.
//	@ID				deleteWebhook
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		application/problem+json
//	@Param			id	path	string	true	"webhook ID"	format(uuid)
//	@Success		204
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/webhooks/{id} [delete]
func (h *handlers) deleteWebhook(c *gin.Context, p identity.Principal) error {
	if err := h.webhooks.Delete(c.Request.Context(), p, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// rotateWebhookSecret gives a webhook a new secret.
//
//	@Summary		Rotate a webhook's secret
//	@Description	Replaces the signing secret; the answer carries the new one this once. The old one keeps signing deliveries, after the new one in X-Pipeline-Signature, for the overlap (24 hours unless the operator set another), so that the receiver can change over. Another rotation before the overlap ends is 409 (conflict), the detail saying when it ends.
//	@ID				rotateWebhookSecret
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id	path		string	true	"webhook ID"	format(uuid)
//	@Success		200	{object}	api.Webhook
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		409	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/webhooks/{id}/rotate-secret [post]
func (h *handlers) rotateWebhookSecret(c *gin.Context, p identity.Principal) error {
	s, err := h.webhooks.RotateSecret(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	h.writeWebhook(c, http.StatusOK, s)
	return nil
}

const deliveryCursorPrefix = "w:"

// parseDeliveryQuery reads cursor and limit (1–200, 50 by default).
func parseDeliveryQuery(c *gin.Context) (webhook.DeliveryQuery, error) {
	if err := onlyParams(c, "cursor", "limit"); err != nil {
		return webhook.DeliveryQuery{}, err
	}
	var check project.Check
	q := webhook.DeliveryQuery{Limit: 50}
	if n := intParam(&check, "limit", strings.TrimSpace(c.Query("limit")), 1, 200); n != nil {
		q.Limit = int(*n)
	}
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		seq, perr := strconv.ParseInt(strings.TrimPrefix(string(b), deliveryCursorPrefix), 10, 64)
		if err != nil || !strings.HasPrefix(string(b), deliveryCursorPrefix) || perr != nil || seq <= 0 {
			check.Add("cursor", "invalid_value", "")
		}
		q.Before = seq
	}
	return q, check.Err()
}

// listWebhookDeliveries lists a webhook's deliveries.
//
//	@Summary		List a webhook's deliveries
//	@Description	The delivery log, newest first: each delivery's attempts, the last status and error, and the next attempt.
//	@ID				listWebhookDeliveries
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id		path		string	true	"webhook ID"	format(uuid)
//	@Param			cursor	query		string	false	"next_cursor of the page before"
//	@Param			limit	query		int		false	"deliveries per page"	minimum(1)	maximum(200)	default(50)
//	@Success		200		{object}	api.WebhookDeliveryList
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/webhooks/{id}/deliveries [get]
func (h *handlers) listWebhookDeliveries(c *gin.Context, p identity.Principal) error {
	q, err := parseDeliveryQuery(c)
	if err != nil {
		return err
	}
	page, err := h.webhooks.Deliveries(c.Request.Context(), p, c.Param("id"), q)
	if err != nil {
		return err
	}
	out := api.WebhookDeliveryList{Items: make([]api.WebhookDelivery, len(page.Items))}
	for i, d := range page.Items {
		out.Items[i] = toWebhookDelivery(d)
	}
	if page.Next > 0 {
		next := base64.RawURLEncoding.EncodeToString([]byte(deliveryCursorPrefix + strconv.FormatInt(page.Next, 10)))
		out.NextCursor = &next
	}
	ok(c, http.StatusOK, out)
	return nil
}

// redeliverWebhookDelivery sends a delivery again.
//
//	@Summary		Redeliver
//	@Description	Sends the delivery again, with the same X-Pipeline-Delivery, as soon as it is the oldest undelivered one of its project for this webhook; its retries start afresh.
//	@ID				redeliverWebhookDelivery
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			id			path		string	true	"webhook ID"	format(uuid)
//	@Param			delivery_id	path		string	true	"delivery ID"	format(uuid)
//	@Success		202			{object}	api.WebhookDelivery
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver [post]
func (h *handlers) redeliverWebhookDelivery(c *gin.Context, p identity.Principal) error {
	d, err := h.webhooks.Redeliver(c.Request.Context(), p, c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		return err
	}
	ok(c, http.StatusAccepted, toWebhookDelivery(d))
	return nil
}
