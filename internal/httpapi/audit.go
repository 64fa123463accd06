package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

func toAuditEntryResponse(e audit.Entry) api.AuditEntry {
	return api.AuditEntry{
		ID: e.ID, At: timestamp(e.At), Actor: e.Actor, ActorID: e.ActorID, Dept: e.Dept, Action: e.Action,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, Format: e.Format.String(),
		Before: json.RawMessage(e.Before), After: json.RawMessage(e.After),
		RequestID: e.RequestID, PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

// listAudit lists the audit trail.
//
//	@Summary		List audit entries
//	@Description	The append-only, hash-chained audit trail of every change (bureau, admin), oldest first. Filters combine with AND. Pages by an opaque keyset cursor, stable while entries are appended.
//	@ID				listAudit
//	@Tags			audit
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			resource_type	query		string	false	"resource type, e.g. project"
//	@Param			resource_id		query		string	false	"resource ID"
//	@Param			actor			query		string	false	"name of the user or client, exact"
//	@Param			since			query		string	false	"entries at or after (RFC 3339)"	format(date-time)
//	@Param			limit			query		integer	false	"page size"							minimum(1)	maximum(200)	default(50)
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	api.AuditList
//	@Failure		400				{object}	api.Problem
//	@Failure		401				{object}	api.Problem
//	@Failure		403				{object}	api.Problem
//	@Failure		503				{object}	api.Problem
//	@Router			/api/v1/audit [get]
func (h *handlers) listAudit(c *gin.Context, p identity.Principal) error {
	q, err := parseAuditQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.audit.List(c.Request.Context(), p, q)
	if err != nil {
		return err
	}
	out := api.AuditList{Items: make([]api.AuditEntry, len(page.Items))}
	for i, e := range page.Items {
		out.Items[i] = toAuditEntryResponse(e)
	}
	if page.Next != nil {
		s := encodeAuditCursor(*page.Next)
		out.NextCursor = &s
	}
	ok(c, http.StatusOK, out)
	return nil
}

// verifyAudit checks the audit trail's hash chain.
//
//	@Summary		Verify the audit trail
//	@Description	Walks the whole chain (bureau, admin), recomputing each entry's hash and checking that it links to the entry before, and names the first entry that does not. The same check runs from the command line: pipeline audit verify.
//	@ID				verifyAudit
//	@Tags			audit
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.AuditVerification
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/audit/verify [get]
func (h *handlers) verifyAudit(c *gin.Context, p identity.Principal) error {
	res, err := h.audit.Verify(c.Request.Context(), p)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, api.AuditVerification{OK: res.OK, Entries: res.Entries, FirstBroken: res.FirstBroken})
	return nil
}
