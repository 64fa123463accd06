package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

const webhooksPath = "/api/v1/webhooks"

func (e *env) webhooks(t *testing.T, as string) []api.Webhook {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: webhooksPath})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.WebhookList
	res.decode(t, &l)
	return l.Items
}

func TestWebhookLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		res := e.do(t, request{principal: asEnergyClientNone, method: http.MethodPost, path: webhooksPath,
			body: api.WebhookCreate{URL: "https://receiver.example/hook", Types: []string{"project.stage_changed", "project.archived"}, Description: "能源局系统"}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var created api.Webhook
		res.decode(t, &created)
		assert.True(t, strings.HasPrefix(created.Secret, "whsec_"), "the secret, this once")
		assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
		assert.Equal(t, webhooksPath+"/"+created.ID, res.header.Get("Location"))
		assert.Equal(t, "energy", created.Department, "the owner's department")
		assert.Equal(t, asEnergyClientNone, created.Owner)
		assert.Equal(t, []string{"project.archived", "project.stage_changed"}, created.Types)
		assert.Nil(t, created.PreviousSecretUntil)
		path := webhooksPath + "/" + created.ID

		var got api.Webhook
		res = e.do(t, request{principal: asEnergyEditor, method: http.MethodGet, path: path})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &got)
		assert.Empty(t, got.Secret, "never shown again")
		assert.Equal(t, `"1"`, res.header.Get("ETag"))

		// Department scope: another department neither sees nor touches it.
		assert.Empty(t, e.webhooks(t, asIndustryEditor))
		assert.Len(t, e.webhooks(t, asEnergyViewer), 1)
		assert.Len(t, e.webhooks(t, asBureau), 1, "the bureau sees every webhook")
		for _, r := range []request{
			{method: http.MethodGet, path: path},
			{method: http.MethodPatch, path: path, body: api.WebhookPatch{Description: ptr("x")}, headers: map[string]string{"If-Match": `"1"`}},
			{method: http.MethodDelete, path: path},
			{method: http.MethodPost, path: path + "/rotate-secret"},
			{method: http.MethodGet, path: path + "/deliveries"},
		} {
			r.principal = asIndustryEditor
			res := e.do(t, r)
			assert.Equal(t, http.StatusNotFound, res.status, "%s %s as industry: %s", r.method, r.path, res)
		}

		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodPatch, path: path,
			body: api.WebhookPatch{Paused: ptr(true), PausedReason: ptr("系统维护")}, headers: map[string]string{"If-Match": `"1"`}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &got)
		assert.True(t, got.Paused)
		assert.Equal(t, "系统维护", got.PausedReason)
		assert.NotNil(t, got.PausedAt)
		assert.Equal(t, 2, got.Version)
		res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: path,
			body: map[string]any{"paused": false, "types": nil}, headers: map[string]string{"If-Match": `"2"`}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &got)
		assert.False(t, got.Paused)
		assert.Empty(t, got.PausedReason)
		assert.Empty(t, got.Types, "null: every type")
		res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: path,
			body: api.WebhookPatch{Paused: ptr(true)}, headers: map[string]string{"If-Match": `"2"`}})
		assert.Equal(t, http.StatusPreconditionFailed, res.status, "%s", res)

		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodPost, path: path + "/rotate-secret"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var rotated api.Webhook
		res.decode(t, &rotated)
		assert.NotEqual(t, created.Secret, rotated.Secret)
		assert.True(t, strings.HasPrefix(rotated.Secret, "whsec_"))
		require.NotNil(t, rotated.PreviousSecretUntil, "the old secret signs for the overlap")
		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodPost, path: path + "/rotate-secret"})
		require.Equal(t, http.StatusConflict, res.status, "a second rotation during the overlap: %s", res)
		assert.Equal(t, "conflict", res.problem(t).Code)
		assert.Contains(t, res.problem(t).Detail, *rotated.PreviousSecretUntil, "when the overlap ends")

		var log api.WebhookDeliveryList
		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodGet, path: path + "/deliveries?limit=10"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res.decode(t, &log)
		assert.Empty(t, log.Items)
		assert.Nil(t, log.NextCursor)

		res = e.do(t, request{principal: asEnergyClientNone, method: http.MethodDelete, path: path})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: path})
		assert.Equal(t, http.StatusNotFound, res.status, "%s", res)
	})
}

func TestWebhookBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: webhooksPath,
			body: api.WebhookCreate{URL: "https://receiver.example/hook"}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var h api.Webhook
		res.decode(t, &h)
		path := webhooksPath + "/" + h.ID

		create := func(name string, body any, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPost, path: webhooksPath, body: body, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		url := func(u string) api.WebhookCreate { return api.WebhookCreate{URL: u} }
		e.run(t, []tc{
			create("no URL", map[string]any{"types": []string{}}, "url:required"),
			create("ftp", url("ftp://receiver.example/hook"), "url:invalid_value"),
			create("not a URL", url("receiver.example/hook"), "url:invalid_format"),
			create("credentials in the URL", url("https://user:pw@receiver.example/hook"), "url:credentials"),
			create("loopback", url("http://127.0.0.1:9000/hook"), "url:refused_address"),
			create("localhost", url("http://localhost:9000/hook"), "url:refused_address"),
			create("private", url("http://10.1.2.3/hook"), "url:refused_address"),
			create("link-local metadata", url("http://169.254.169.254/latest"), "url:refused_address"),
			create("carrier-grade NAT", url("http://100.64.0.1/hook"), "url:refused_address"),
			create("IPv4-mapped loopback", url("http://[::ffff:127.0.0.1]/hook"), "url:refused_address"),
			create("a name resolving to a private address", url("https://internal.example/hook"), "url:refused_address"),
			create("a name resolving to mapped loopback", url("https://mapped.example/hook"), "url:refused_address"),
			create("a name that does not resolve", url("https://nowhere.example/hook"), "url:unresolvable"),
			create("an unknown event type", api.WebhookCreate{URL: "https://receiver.example/hook", Types: []string{"project.exploded"}}, "types:invalid_value"),
			create("a description too long", api.WebhookCreate{URL: "https://receiver.example/hook", Description: strings.Repeat("长", 201)}, "description:too_long"),
			{name: "an unknown member", principal: asBureau, method: http.MethodPost, path: webhooksPath, invalid: true,
				body: `{"url":"https://receiver.example/hook","secret":"mine"}`, wantStatus: http.StatusBadRequest, wantCode: "unknown_field"},
			{name: "malformed JSON", principal: asBureau, method: http.MethodPost, path: webhooksPath, invalid: true,
				body: `{"url":`, wantStatus: http.StatusBadRequest, wantCode: "malformed_json"},
			{name: "the leader may not", principal: asLeader, method: http.MethodPost, path: webhooksPath,
				body: url("https://receiver.example/x"), wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "a system without events:read may not", principal: asEnergyClientRead, method: http.MethodGet, path: webhooksPath,
				wantStatus: http.StatusForbidden, wantCode: "forbidden"},
			{name: "a patch without If-Match", principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				body: api.WebhookPatch{Paused: ptr(true)}, wantStatus: http.StatusPreconditionRequired, wantCode: "precondition_required"},
			{name: "a patch to a private URL", principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				body: api.WebhookPatch{URL: ptr("http://192.168.0.1/")}, headers: map[string]string{"If-Match": `"1"`},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"url:refused_address"}},
			{name: "a reason without a pause", principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				body: api.WebhookPatch{PausedReason: ptr("x")}, headers: map[string]string{"If-Match": `"1"`},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"paused_reason:only_when"}},
			{name: "paused null", principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				body: `{"paused":null}`, headers: map[string]string{"If-Match": `"1"`},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"paused:required"}},
			{name: "a read-only member", principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				body: `{"department":"energy"}`, headers: map[string]string{"If-Match": `"1"`},
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"department:read_only"}},
			{name: "a log cursor that is none", principal: asBureau, method: http.MethodGet, path: path + "/deliveries?cursor=xyz", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"cursor:invalid_value"}},
			{name: "a log limit of 0", principal: asBureau, method: http.MethodGet, path: path + "/deliveries?limit=0", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"limit:out_of_range"}},
			{name: "an unknown log parameter", principal: asBureau, method: http.MethodGet, path: path + "/deliveries?since=1", invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"since:unknown_parameter"}},
			{name: "an unknown webhook", principal: asBureau, method: http.MethodGet, path: webhooksPath + "/not-an-id", invalid: true,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
		})
		all := e.webhooks(t, asBureau)
		require.Len(t, all, 1, "nothing was created")
		assert.Equal(t, 1, all[0].Version, "nor changed")
		assert.Equal(t, "https://receiver.example/hook", all[0].URL)
	})
}
