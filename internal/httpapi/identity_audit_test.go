package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestIdentityIsAudited holds that sign-ins, token issuance, user and client
// changes leave entries in the audit trail, that no secret or password hash
// ever reaches it, and that the chain still verifies.
func TestIdentityIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		u := e.newUser(t, "li.energy", "dept_editor", "energy")
		tok := e.signIn(t, "li.energy", userPassword)
		res := e.refreshAnswer(t, tok.RefreshToken)
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var next api.TokenResponse
		res.decode(t, &next)
		res = e.do(t, request{principal: asAdmin, method: http.MethodPatch, path: usersPath + "/" + u.ID,
			headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"password": "another long password"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		c := e.newClient(t, "能源局项目系统", "energy", "projects:read")
		e.clientToken(t, c, "")
		res = e.do(t, request{principal: asAdmin, method: http.MethodPost, path: clientsPath + "/" + c.ID + "/rotate-secret"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		entries := e.auditList(t, asAdmin, url.Values{})
		actions := map[string]int{}
		for _, en := range entries {
			actions[en.Action]++
			b, err := json.Marshal([]any{en.Before, en.After})
			require.NoError(t, err)
			all := string(b)
			assert.NotContains(t, all, "pcs_", "no client secret in the audit trail")
			assert.NotContains(t, all, "$2a$", "no password hash in the audit trail")
			assert.NotContains(t, all, "another long password")
			assert.False(t, strings.Contains(all, "secret_hash") || strings.Contains(all, "password_hash"))
		}
		for _, a := range []string{"user.create", "auth.login", "auth.refresh", "user.update", "client.create", "auth.token", "client.rotate_secret"} {
			assert.Equal(t, 1, actions[a], "entries for %s in %v", a, actions)
		}
		v := e.verifyAudit(t)
		assert.True(t, v.OK)
		assert.EqualValues(t, len(entries), v.Entries)

		// The password change ended the session: its live refresh token is dead.
		res = e.refreshAnswer(t, next.RefreshToken)
		assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res)
	})
}
