package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
)

// webhookRule: the bureau, the administrator, department editors and
// department systems with events:read change webhooks, and every
// department caller with it reads them (read); the leader 403, a system
// without the scope 403, a department viewer (a user) changing one 403.
func webhookRule(status int, read bool) rule {
	return func(w who, _ bool) int {
		switch {
		case !w.signedIn():
			return http.StatusUnauthorized
		case !w.hasScope(identity.ScopeEventsRead), !w.is(identity.RoleAdmin, identity.RoleBureau, identity.RoleDeptEditor, identity.RoleDeptViewer):
			return http.StatusForbidden
		case !read && w.is(identity.RoleDeptViewer) && !w.client:
			return http.StatusForbidden
		}
		return status
	}
}

// mayWebhooks reports whether w may manage webhooks.
func mayWebhooks(w who) bool {
	return webhookRule(http.StatusOK, false)(w, true) == http.StatusOK
}

// webhookOf returns a new webhook of w's own when w may have one (its
// department's), else of its department's editor for an energy caller, else
// of the administrator's.
func (m *matrix) webhookOf(t *testing.T, w who) api.Webhook {
	t.Helper()
	r := request{principal: asAdmin, method: http.MethodPost, path: "/api/v1/webhooks",
		body: api.WebhookCreate{URL: fmt.Sprintf("https://receiver.example/hook/%d", m.next())}}
	switch {
	case mayWebhooks(w):
		r.principal = w.name
	case w.dept == "energy":
		r.principal = asEnergyEditor
	}
	res := m.e.do(t, r)
	require.Equal(t, http.StatusCreated, res.status, "%s", res)
	m.state = nil
	var out api.Webhook
	res.decode(t, &out)
	return out
}

// webhookMatrixRows are the webhook routes of the matrix: a caller manages
// the webhooks of its own department (the bureau's and administrators' all).
func webhookMatrixRows() map[string]matrixRow {
	own := func(method, suffix string, body func(m *matrix, h api.Webhook) (any, map[string]string)) func(*testing.T, *matrix, who, *api.Project) request {
		return func(t *testing.T, m *matrix, w who, _ *api.Project) request {
			h := m.webhookOf(t, w)
			r := request{method: method, path: "/api/v1/webhooks/" + h.ID + suffix}
			if body != nil {
				r.body, r.headers = body(m, h)
			}
			return r
		}
	}
	return map[string]matrixRow{
		"GET /api/v1/webhooks": {rule: webhookRule(http.StatusOK, true), req: func(*testing.T, *matrix, who, *api.Project) request {
			return request{method: http.MethodGet, path: "/api/v1/webhooks"}
		}},
		"POST /api/v1/webhooks": {rule: webhookRule(http.StatusCreated, false), req: func(_ *testing.T, m *matrix, _ who, _ *api.Project) request {
			return request{method: http.MethodPost, path: "/api/v1/webhooks", body: api.WebhookCreate{
				URL: fmt.Sprintf("https://receiver.example/new/%d", m.next()), Types: []string{"project.stage_changed"}, Description: "系统"}}
		}},
		"GET /api/v1/webhooks/:id": {rule: webhookRule(http.StatusOK, true), req: own(http.MethodGet, "", nil)},
		"PATCH /api/v1/webhooks/:id": {rule: webhookRule(http.StatusOK, false), req: own(http.MethodPatch, "",
			func(_ *matrix, h api.Webhook) (any, map[string]string) {
				return api.WebhookPatch{Description: ptr("改过"), Paused: ptr(true), PausedReason: ptr("维护")},
					map[string]string{"If-Match": quoted(h.Version)}
			})},
		"DELETE /api/v1/webhooks/:id":             {rule: webhookRule(http.StatusNoContent, false), req: own(http.MethodDelete, "", nil)},
		"POST /api/v1/webhooks/:id/rotate-secret": {rule: webhookRule(http.StatusOK, false), req: own(http.MethodPost, "/rotate-secret", nil)},
		"GET /api/v1/webhooks/:id/deliveries":     {rule: webhookRule(http.StatusOK, true), req: own(http.MethodGet, "/deliveries", nil)},
		"POST /api/v1/webhooks/:id/deliveries/:delivery_id/redeliver": {rule: webhookRule(http.StatusNotFound, false),
			req: own(http.MethodPost, "/deliveries/"+uuid.NewString()+"/redeliver", nil)},
	}
}
