package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// requireOAuth asserts that err is an error of the token endpoint with code.
func requireOAuth(t *testing.T, code string, err error) {
	t.Helper()
	var oe *auth.OAuthError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, code, oe.Code)
	assert.Contains(t, oe.Error(), code+": ")
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c, secret := f.newClient(t, "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite)
	blind, blindSecret := f.newClient(t, "energy")
	for _, tc := range []struct {
		name          string
		client        auth.Client
		clientID      string
		secret, scope string
		granted       []string
		role          identity.Role
		oauthError    string
	}{
		{name: "every scope granted", client: c, secret: secret, granted: c.Scopes, role: identity.RoleDeptEditor},
		{name: "reading only", client: c, secret: secret, scope: identity.ScopeProjectsRead,
			granted: []string{identity.ScopeProjectsRead}, role: identity.RoleDeptViewer},
		{name: "scopes as asked", client: c, secret: secret, scope: " projects:write  projects:read ",
			granted: []string{identity.ScopeProjectsWrite, identity.ScopeProjectsRead}, role: identity.RoleDeptEditor},
		{name: "a scope asked twice is granted once", client: c, secret: secret, scope: "projects:read projects:write projects:read",
			granted: []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}, role: identity.RoleDeptEditor},
		{name: "a client granted nothing", client: blind, secret: blindSecret, granted: []string{}, role: identity.RoleDeptViewer},
		{name: "a scope not granted", client: c, secret: secret, scope: "projects:read progress:write", oauthError: "invalid_scope"},
		{name: "a scope that does not exist", client: c, secret: secret, scope: "admin", oauthError: "invalid_scope"},
		{name: "a wrong secret", client: c, secret: blindSecret, oauthError: "invalid_client"},
		{name: "no secret", client: c, oauthError: "invalid_client"},
		{name: "an unknown client", clientID: "pc_unknown", secret: secret, oauthError: "invalid_client"},
		{name: "a client ID that cannot exist", clientID: "pc 1", secret: secret, oauthError: "invalid_client"},
		{name: "a client ID too long", clientID: strings.Repeat("p", 65), secret: secret, oauthError: "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clientID := tc.clientID
			if clientID == "" {
				clientID = tc.client.ClientID
			}
			records := f.audit.count()
			tok, granted, err := f.svc.ClientCredentials(ctx, clientID, tc.secret, tc.scope, addr)
			if tc.oauthError != "" {
				requireOAuth(t, tc.oauthError, err)
				assert.Zero(t, tok)
				assert.Equal(t, records, f.audit.count(), "nothing audited")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.granted, granted)
			want := identity.Principal{Subject: tc.client.ID, Name: tc.client.Name, Role: tc.role, Department: "energy",
				ClientID: tc.client.ClientID, Scopes: tc.granted}
			p, err := f.tokens.Verify(tok.AccessToken)
			require.NoError(t, err)
			want.Scopes = append([]string(nil), tc.granted...)
			if len(want.Scopes) == 0 {
				want.Scopes = nil // a token without scopes carries none
			}
			assert.Equal(t, want, p)
			assert.Empty(t, tok.RefreshToken, "a client has no session to refresh")
			a := f.audit.last(t)
			assert.Equal(t, "auth.token", a.record.Action)
			assert.Equal(t, tc.client.ID, a.record.ResourceID)
			assert.Equal(t, map[string]any{"scope": strings.Join(tc.granted, " ")}, a.record.After)
		})
	}
	assert.Empty(t, f.mem.Sessions.Tokens(), "no refresh token for a client")
}

func TestClientCredentialsFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c, secret := f.newClient(t, "energy", identity.ScopeProjectsRead)

	f.mem.Clients.Fail("ClientByClientID", errDB)
	_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	require.ErrorIs(t, err, errDB, "a failing store is no wrong secret")
	f.mem.Clients.Fail("ClientByClientID", nil)

	f.audit.fail(errDB)
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	require.ErrorIs(t, err, errDB)
	f.audit.fail(nil)

	disabled := true
	_, _, err = f.svc.UpdateClient(ctx, admin, c.ID, c.Version, auth.ClientChange{Disabled: &disabled})
	require.NoError(t, err)
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	requireOAuth(t, "invalid_client", err)
}

func TestCreateClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.clock.add(1234567) // nanoseconds: stored at the microsecond
	now := f.clock.now().Truncate(1000)

	c, secret, err := f.svc.CreateClient(ctx, admin, "  能源局系统 ", "energy",
		[]string{identity.ScopeProjectsWrite, identity.ScopeProjectsRead, identity.ScopeProjectsWrite})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(secret, "pcs_"), secret)
	assert.True(t, strings.HasPrefix(c.ClientID, "pc_"), c.ClientID)
	want := auth.Client{ID: c.ID, ClientID: c.ClientID, Name: "能源局系统", Department: "energy",
		Scopes: []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}, SecretHash: sha256Hex(secret),
		Version: 1, CreatedAt: now, UpdatedAt: now}
	assert.Equal(t, want, c)
	stored, err := f.mem.Clients.ClientByID(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, want, stored)
	a := f.audit.last(t)
	assert.Equal(t, admin, a.by)
	assert.Equal(t, "client.create", a.record.Action)
	assert.Equal(t, map[string]any{"id": c.ID, "client_id": c.ClientID, "name": "能源局系统", "department": "energy",
		"scopes": want.Scopes, "disabled": false, "version": 1}, a.record.After, "never the secret")

	other, otherSecret := f.newClient(t, "energy")
	assert.NotEqual(t, c.ClientID, other.ClientID)
	assert.NotEqual(t, secret, otherSecret)
	list, err := f.svc.ListClients(ctx, admin)
	require.NoError(t, err)
	assert.Len(t, list, 2)
}

func TestCreateClientInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	name := apperr.FieldError{Field: "name", Code: "required"}
	for _, c := range []struct {
		name, clientName, dept string
		scopes                 []string
		fields                 []apperr.FieldError
	}{
		{"no name", "", "energy", nil, []apperr.FieldError{name}},
		{"a name of spaces", "   ", "energy", nil, []apperr.FieldError{name}},
		{"a name too long", strings.Repeat("能", 101), "energy", nil, []apperr.FieldError{name}},
		{"a control character", "能源局\n系统", "energy", nil, []apperr.FieldError{name}},
		{"invalid UTF-8", "能源局\xff", "energy", nil, []apperr.FieldError{name}},
		{"no department", "能源局系统", "", nil, []apperr.FieldError{{Field: "department", Code: "required"}}},
		{"a department not a code", "能源局系统", "Energy", nil,
			[]apperr.FieldError{{Field: "department", Code: "invalid_format", Param: identity.ValidDepartmentCode.String()}}},
		{"neither", "", "", nil, []apperr.FieldError{name, {Field: "department", Code: "required"}}},
		{"a scope that does not exist", "能源局系统", "energy", []string{identity.ScopeProjectsRead, "admin"},
			[]apperr.FieldError{{Field: "scopes", Code: "invalid_value", Param: strings.Join(identity.ClientScopes, ",")}}},
		{"a department that does not exist", "能源局系统", "no_such_dept", nil,
			[]apperr.FieldError{{Field: "department", Code: "unknown"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := f.svc.CreateClient(ctx, admin, c.clientName, c.dept, c.scopes)
			requireFields(t, c.fields, err)
		})
	}
	assert.Empty(t, mustClients(t, f), "nothing created")
	assert.Zero(t, f.audit.count(), "nothing audited")
	_, _, err := f.svc.CreateClient(ctx, admin, strings.Repeat("能", 100), "energy", nil)
	require.NoError(t, err, "a name of 100 characters")
}

func mustClients(t *testing.T, f *fixture) []auth.Client {
	t.Helper()
	list, err := f.svc.ListClients(context.Background(), admin)
	require.NoError(t, err)
	return list
}

func TestUpdateClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	yes, no := true, false
	scopes := func(s ...string) *[]string { return &s }
	for _, c := range []struct {
		name    string
		ifMatch int // 0: the client's version, -1: none
		change  auth.ClientChange
		check   func(t *testing.T, f *fixture, c auth.Client, secret, newSecret string)
		action  string
	}{
		{name: "disable", change: auth.ClientChange{Disabled: &yes}, action: "client.update",
			check: func(t *testing.T, f *fixture, c auth.Client, secret, _ string) {
				assert.True(t, c.Disabled)
				_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
				requireOAuth(t, "invalid_client", err)
			}},
		{name: "enable", change: auth.ClientChange{Disabled: &no}, action: "client.update",
			check: func(t *testing.T, f *fixture, c auth.Client, secret, _ string) {
				assert.False(t, c.Disabled)
				_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
				require.NoError(t, err)
			}},
		{name: "scopes", action: "client.update",
			change: auth.ClientChange{Scopes: scopes(identity.ScopeProgressWrite, identity.ScopeEventsRead, identity.ScopeEventsRead)},
			check: func(t *testing.T, f *fixture, c auth.Client, secret, _ string) {
				assert.Equal(t, []string{identity.ScopeEventsRead, identity.ScopeProgressWrite}, c.Scopes)
				_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, identity.ScopeProjectsRead, addr)
				requireOAuth(t, "invalid_scope", err)
			}},
		{name: "no scopes", change: auth.ClientChange{Scopes: scopes()}, action: "client.update",
			check: func(t *testing.T, _ *fixture, c auth.Client, _, _ string) { assert.Empty(t, c.Scopes) }},
		{name: "rotate the secret, whatever the version", ifMatch: -1, change: auth.ClientChange{RotateSecret: true}, action: "client.rotate_secret",
			check: func(t *testing.T, f *fixture, c auth.Client, secret, newSecret string) {
				assert.True(t, strings.HasPrefix(newSecret, "pcs_"), newSecret)
				assert.Equal(t, sha256Hex(newSecret), c.SecretHash)
				_, _, err := f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
				requireOAuth(t, "invalid_client", err)
				_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, newSecret, "", addr)
				require.NoError(t, err)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			created, secret := f.newClient(t, "energy", identity.ScopeProjectsRead)
			f.clock.add(1000)
			ifMatch := created.Version
			if c.ifMatch == -1 {
				ifMatch = 0
			}
			got, newSecret, err := f.svc.UpdateClient(ctx, admin, created.ID, ifMatch, c.change)
			require.NoError(t, err)
			assert.Equal(t, created.Version+1, got.Version)
			assert.Equal(t, f.clock.now(), got.UpdatedAt)
			stored, err := f.mem.Clients.ClientByID(ctx, created.ID)
			require.NoError(t, err)
			if len(got.Scopes) == 0 {
				assert.Empty(t, stored.Scopes)
				stored.Scopes = got.Scopes // nil or empty, as the store keeps it
			}
			assert.Equal(t, got, stored)
			if !c.change.RotateSecret {
				assert.Empty(t, newSecret)
				assert.Equal(t, created.SecretHash, got.SecretHash)
			}
			a := f.audit.last(t)
			assert.Equal(t, c.action, a.record.Action)
			assert.Equal(t, created.Version, a.record.Before.(map[string]any)["version"])
			assert.NotContains(t, a.record.After, "secret_hash")
			c.check(t, f, got, secret, newSecret)
		})
	}
}

func TestUpdateClientRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c, secret := f.newClient(t, "energy", identity.ScopeProjectsRead)
	yes := true
	disable := auth.ClientChange{Disabled: &yes}
	_, _, err := f.svc.UpdateClient(ctx, admin, c.ID, c.Version+1, disable)
	requireKind(t, apperr.VersionConflict, err)
	_, _, err = f.svc.UpdateClient(ctx, admin, "00000000-0000-4000-8000-000000000000", 1, disable)
	requireKind(t, apperr.NotFound, err)
	_, _, err = f.svc.UpdateClient(ctx, admin, c.ID, c.Version, auth.ClientChange{Scopes: &[]string{"admin"}})
	requireFields(t, []apperr.FieldError{{Field: "scopes", Code: "invalid_value", Param: strings.Join(identity.ClientScopes, ",")}}, err)
	f.audit.fail(errDB)
	_, _, err = f.svc.UpdateClient(ctx, admin, c.ID, c.Version, auth.ClientChange{RotateSecret: true})
	require.ErrorIs(t, err, errDB)
	f.audit.fail(nil)

	stored, err := f.mem.Clients.ClientByID(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored, "nothing changed")
	_, _, err = f.svc.ClientCredentials(ctx, c.ClientID, secret, "", addr)
	require.NoError(t, err, "the secret is the same")
}
