package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// TestAdministrationForbidden shows every administration refused to any
// principal but an administrator, before anything is read or changed.
func TestAdministrationForbidden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	c, _ := f.newClient(t, "energy", identity.ScopeProjectsRead)
	yes := true
	pw := "another password"
	ops := map[string]func(p identity.Principal) error{
		"create a user": func(p identity.Principal) error {
			_, err := f.svc.CreateUser(ctx, p, "wang.fang", password, identity.RoleBureau, "")
			return err
		},
		"read a user": func(p identity.Principal) error {
			_, err := f.svc.UserByUsername(ctx, p, "li.ming")
			return err
		},
		"list users": func(p identity.Principal) error {
			_, err := f.svc.ListUsers(ctx, p)
			return err
		},
		"update a user": func(p identity.Principal) error {
			_, err := f.svc.UpdateUser(ctx, p, u.ID, u.Version, auth.UserChange{Disabled: &yes, Password: &pw})
			return err
		},
		"create a client": func(p identity.Principal) error {
			_, _, err := f.svc.CreateClient(ctx, p, "系统", "energy", nil)
			return err
		},
		"list clients": func(p identity.Principal) error {
			_, err := f.svc.ListClients(ctx, p)
			return err
		},
		"update a client": func(p identity.Principal) error {
			_, _, err := f.svc.UpdateClient(ctx, p, c.ID, 0, auth.ClientChange{RotateSecret: true})
			return err
		},
	}
	records := f.audit.count()
	for name, op := range ops {
		for _, p := range nonAdmins {
			t.Run(name+" as "+string(p.Role)+" "+p.ClientID, func(t *testing.T) {
				requireKind(t, apperr.Forbidden, op(p))
			})
		}
	}
	assert.Equal(t, records, f.audit.count(), "nothing audited")
	assert.Equal(t, u, f.stored(t, u.ID), "nothing changed")
	n, err := f.mem.Users.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Len(t, mustClients(t, f), 1)
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.clock.add(1234567)
	now := f.clock.now().Truncate(time.Microsecond)
	for _, c := range []struct {
		username string
		role     identity.Role
		dept     string
		wantDept string
	}{
		{"li.ming", identity.RoleBureau, "", ""},
		{"leader1", identity.RoleLeader, "energy", ""}, // a department for department roles only
		{"admin2", identity.RoleAdmin, "drc", ""},
		{"能源局编辑", identity.RoleDeptEditor, "energy", "energy"},
		{"tourism_viewer", identity.RoleDeptViewer, "tourism", "tourism"},
		{"ab", identity.RoleBureau, "", ""},
		{strings.Repeat("a", 64), identity.RoleBureau, "", ""},
	} {
		t.Run(c.username, func(t *testing.T) {
			u, err := f.svc.CreateUser(ctx, admin, c.username, password, c.role, c.dept)
			require.NoError(t, err)
			want := auth.User{ID: u.ID, Username: c.username, PasswordHash: u.PasswordHash, Role: c.role,
				Department: c.wantDept, Version: 1, CreatedAt: now, UpdatedAt: now}
			assert.Equal(t, want, u)
			assert.Equal(t, want, f.stored(t, u.ID))
			require.NoError(t, bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)))
			cost, err := bcrypt.Cost([]byte(u.PasswordHash))
			require.NoError(t, err)
			assert.Equal(t, bcrypt.MinCost, cost, "the service's cost")
			a := f.audit.last(t)
			assert.Equal(t, admin, a.by)
			assert.Equal(t, "user.create", a.record.Action)
			assert.Equal(t, map[string]any{"id": u.ID, "username": c.username, "role": c.role, "department": c.wantDept,
				"disabled": false, "version": 1}, a.record.After, "never the password hash")
			got, err := f.svc.UserByUsername(ctx, admin, c.username)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
	list, err := f.svc.ListUsers(ctx, admin)
	require.NoError(t, err)
	assert.Len(t, list, 7)
	_, err = f.svc.UserByUsername(ctx, admin, "nobody")
	requireKind(t, apperr.NotFound, err)
}

func TestCreateUserInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.user(t, "li.ming", identity.RoleBureau, "")
	badName := apperr.FieldError{Field: "username", Code: "invalid_format", Param: "2..64, no spaces"}
	badRole := apperr.FieldError{Field: "role", Code: "invalid_value", Param: "admin,bureau,leader,dept_editor,dept_viewer"}
	noDept := apperr.FieldError{Field: "department", Code: "required"}
	for _, c := range []struct {
		name, username, password string
		role                     identity.Role
		dept                     string
		fields                   []apperr.FieldError
		kind                     apperr.Kind
	}{
		{"a name too short", "a", password, identity.RoleBureau, "", []apperr.FieldError{badName}, apperr.Invalid},
		{"a name too long", strings.Repeat("a", 65), password, identity.RoleBureau, "", []apperr.FieldError{badName}, apperr.Invalid},
		{"a space in the name", "li ming", password, identity.RoleBureau, "", []apperr.FieldError{badName}, apperr.Invalid},
		{"a role that does not exist", "wang.fang", password, "root", "", []apperr.FieldError{badRole}, apperr.Invalid},
		{"no department for a department role", "wang.fang", password, identity.RoleDeptViewer, "", []apperr.FieldError{noDept}, apperr.Invalid},
		{"a department not a code", "wang.fang", password, identity.RoleDeptEditor, "能源局",
			[]apperr.FieldError{{Field: "department", Code: "invalid_format", Param: identity.ValidDepartmentCode.String()}}, apperr.Invalid},
		{"every field wrong", "", password, identity.RoleDeptEditor, "", []apperr.FieldError{noDept, badName}, apperr.Invalid},
		{"a password too short", "wang.fang", strings.Repeat("p", auth.MinPasswordLength-1), identity.RoleBureau, "",
			[]apperr.FieldError{{Field: "password", Code: "too_short", Param: "12"}}, apperr.Invalid},
		{"a password too long", "wang.fang", strings.Repeat("p", 73), identity.RoleBureau, "",
			[]apperr.FieldError{{Field: "password", Code: "too_long", Param: "72"}}, apperr.Invalid},
		{"a department that does not exist", "wang.fang", password, identity.RoleDeptEditor, "no_such_dept",
			[]apperr.FieldError{{Field: "department", Code: "unknown"}}, apperr.Invalid},
		{"a username taken", "li.ming", password, identity.RoleLeader, "",
			[]apperr.FieldError{{Field: "username", Code: "not_unique"}}, apperr.Conflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.CreateUser(ctx, admin, c.username, c.password, c.role, c.dept)
			assert.Equal(t, c.fields, requireKind(t, c.kind, err).Fields)
		})
	}
	n, err := f.mem.Users.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "nothing created")
	assert.Equal(t, 1, f.audit.count(), "nothing audited but the first user")

	for name, pw := range map[string]string{"shortest": strings.Repeat("p", auth.MinPasswordLength), "longest": strings.Repeat("p", 72)} {
		_, err := f.svc.CreateUser(ctx, admin, name, pw, identity.RoleBureau, "")
		require.NoError(t, err, "a password of %d bytes", len(pw))
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		password  string
		setup     func(t *testing.T, f *fixture)
		want      string // the password answered; "generated" for any
		wantErr   error
		wantUsers int64
	}{
		{name: "the password given", password: password, want: password, wantUsers: 1},
		{name: "a password generated", want: "generated", wantUsers: 1},
		{name: "users already", password: password, wantUsers: 1,
			setup: func(t *testing.T, f *fixture) { f.user(t, "li.ming", identity.RoleBureau, "") }},
		{name: "another replica first", password: password,
			setup: func(_ *testing.T, f *fixture) { f.mem.Users.Fail("Create", apperr.ErrConflict) }},
		{name: "counting fails", password: password, wantErr: errDB,
			setup: func(_ *testing.T, f *fixture) { f.mem.Users.Fail("Count", errDB) }},
		{name: "creating fails", password: password, wantErr: errDB,
			setup: func(_ *testing.T, f *fixture) { f.mem.Users.Fail("Create", errDB) }},
		{name: "a password too short", password: "short", wantErr: apperr.Fields([]apperr.FieldError{{Field: "password", Code: "too_short", Param: "12"}})},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			got, err := f.svc.Bootstrap(ctx, c.password)
			if c.wantErr != nil {
				// An internal failure comes back wrapped with the operation.
				if apperr.KindOf(c.wantErr) == apperr.Internal {
					assert.ErrorIs(t, err, c.wantErr)
					assert.Contains(t, err.Error(), "auth.Service.Bootstrap: ")
				} else {
					assert.Equal(t, c.wantErr.Error(), err.Error())
				}
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			f.mem.Users.Fail("Count", nil)
			n, err := f.mem.Users.Count(ctx)
			require.NoError(t, err)
			assert.Equal(t, c.wantUsers, n)
			switch c.want {
			case "":
				assert.Empty(t, got)
				return
			case "generated":
				assert.Len(t, got, 20)
			default:
				assert.Equal(t, c.want, got)
			}
			_, p, err := f.svc.Login(ctx, "admin", got, addr)
			require.NoError(t, err)
			assert.Equal(t, identity.RoleAdmin, p.Role)
			assert.Equal(t, "system", f.audit.records[0].by.Subject, "the bootstrap is the system's")
		})
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	role := func(r identity.Role) *identity.Role { return &r }
	str := func(s string) *string { return &s }
	yes, no := true, false
	newPassword := "a new password, long enough"
	for _, c := range []struct {
		name    string
		role    identity.Role // of the user changed, of the energy department
		change  auth.UserChange
		want    func(u *auth.User)
		ended   bool   // every session of the user ends
		login   string // the password that signs in after
		changed bool   // the audit tells of a new password
	}{
		{name: "to a role of no department", role: identity.RoleDeptEditor, change: auth.UserChange{Role: role(identity.RoleLeader)},
			want: func(u *auth.User) { u.Role, u.Department = identity.RoleLeader, "" }, login: password},
		{name: "to another department", role: identity.RoleDeptViewer, change: auth.UserChange{Department: str("industry")},
			want: func(u *auth.User) { u.Department = "industry" }, login: password},
		{name: "to a department role with its department", role: identity.RoleBureau,
			change: auth.UserChange{Role: role(identity.RoleDeptEditor), Department: str("tourism")},
			want:   func(u *auth.User) { u.Role, u.Department = identity.RoleDeptEditor, "tourism" }, login: password},
		{name: "a department for a role of none stays none", role: identity.RoleBureau, change: auth.UserChange{Department: str("energy")},
			want: func(*auth.User) {}, login: password},
		{name: "disabled", role: identity.RoleBureau, change: auth.UserChange{Disabled: &yes},
			want: func(u *auth.User) { u.Disabled = true }, ended: true},
		{name: "enabled", role: identity.RoleBureau, change: auth.UserChange{Disabled: &no},
			want: func(*auth.User) {}, login: password},
		{name: "a new password", role: identity.RoleDeptEditor, change: auth.UserChange{Password: &newPassword},
			want: func(*auth.User) {}, ended: true, login: newPassword, changed: true},
		{name: "nothing", role: identity.RoleLeader, want: func(*auth.User) {}, login: password},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			dept := ""
			if c.role.DepartmentBound() {
				dept = "energy"
			}
			u := f.user(t, "li.ming", c.role, dept)
			session := f.login(t, "li.ming")
			p := identity.Principal{Subject: u.ID, Role: c.role, Department: dept}
			issued := f.clock.now() // the session's access token's iat
			active, err := f.svc.Active(ctx, p, issued)
			require.NoError(t, err)
			require.True(t, active)
			f.clock.add(time.Second)

			got, err := f.svc.UpdateUser(ctx, admin, u.ID, u.Version, c.change)
			require.NoError(t, err)
			want := u
			c.want(&want)
			want.Version, want.UpdatedAt, want.PasswordHash = 2, f.clock.now(), got.PasswordHash
			if c.changed {
				// The next second after the change: the access tokens
				// issued before it end.
				want.TokensValidAfter = f.clock.now().Truncate(time.Second).Add(time.Second)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, want, f.stored(t, u.ID))

			a := f.audit.last(t)
			assert.Equal(t, "user.update", a.record.Action)
			before, after := a.record.Before.(map[string]any), a.record.After.(map[string]any)
			assert.Equal(t, 1, before["version"])
			assert.Equal(t, 2, after["version"])
			assert.Equal(t, c.changed, after["password_changed"] == true)
			assert.NotContains(t, after, "password_hash")

			active, err = f.svc.Active(ctx, p, issued)
			require.NoError(t, err)
			assert.Equal(t, !want.Disabled && !c.changed, active, "the change takes effect at once on this replica")
			if c.ended {
				f.requireBadRefresh(t, session.RefreshToken)
			} else {
				f.refresh(t, session.RefreshToken)
			}
			_, _, err = f.svc.Login(ctx, "li.ming", c.login, addr)
			if c.login == "" {
				requireKind(t, apperr.Unauthenticated, err)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestUpdateUserRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleDeptEditor, "energy")
	self := f.user(t, "admin", identity.RoleAdmin, "")
	me := identity.Principal{Subject: self.ID, Name: "admin", Role: identity.RoleAdmin}
	session := f.login(t, "li.ming")
	leader, viewer, admins := identity.RoleLeader, identity.RoleDeptViewer, identity.RoleAdmin
	noDept, badDept, yes, no := "", "no_such_dept", true, false
	short, newPassword := "short", "a new password, long enough"
	for _, c := range []struct {
		name    string
		by      identity.Principal
		id      string
		ifMatch int
		change  auth.UserChange
		kind    apperr.Kind
		fields  []apperr.FieldError
		fault   func(f *fixture)
	}{
		{name: "an old version", id: u.ID, ifMatch: 2, change: auth.UserChange{Role: &leader}, kind: apperr.VersionConflict},
		{name: "an unknown user", id: "00000000-0000-4000-8000-000000000000", ifMatch: 1, change: auth.UserChange{Role: &leader},
			kind: apperr.NotFound},
		{name: "a department role without a department", id: u.ID, ifMatch: 1, change: auth.UserChange{Role: &viewer, Department: &noDept},
			kind: apperr.Invalid, fields: []apperr.FieldError{{Field: "department", Code: "required"}}},
		{name: "a department that does not exist", id: u.ID, ifMatch: 1, change: auth.UserChange{Department: &badDept},
			kind: apperr.Invalid, fields: []apperr.FieldError{{Field: "department", Code: "unknown"}}},
		{name: "a password too short", id: u.ID, ifMatch: 1, change: auth.UserChange{Password: &short},
			kind: apperr.Invalid, fields: []apperr.FieldError{{Field: "password", Code: "too_short", Param: "12"}}},
		{name: "giving up one's own admin role", by: me, id: self.ID, ifMatch: 1, change: auth.UserChange{Role: &leader}, kind: apperr.Conflict},
		{name: "disabling oneself", by: me, id: self.ID, ifMatch: 1, change: auth.UserChange{Disabled: &yes}, kind: apperr.Conflict},
		{name: "ending the sessions fails", id: u.ID, ifMatch: 1, change: auth.UserChange{Disabled: &yes}, kind: apperr.Internal,
			fault: func(f *fixture) { f.mem.Sessions.Fail("RevokeUser", errDB) }},
		{name: "auditing fails", id: u.ID, ifMatch: 1, change: auth.UserChange{Password: &newPassword}, kind: apperr.Internal,
			fault: func(f *fixture) { f.audit.fail(errDB) }},
		{name: "the store fails", id: u.ID, ifMatch: 1, change: auth.UserChange{Role: &leader}, kind: apperr.Internal,
			fault: func(f *fixture) { f.mem.Users.Fail("UpdateUser", errDB) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.by.Subject == "" {
				c.by = admin
			}
			if c.fault != nil {
				c.fault(f)
			}
			_, err := f.svc.UpdateUser(ctx, c.by, c.id, c.ifMatch, c.change)
			f.mem.Sessions.Fail("RevokeUser", nil)
			f.mem.Users.Fail("UpdateUser", nil)
			f.audit.fail(nil)
			assert.Equal(t, c.fields, requireKind(t, c.kind, err).Fields)
		})
	}
	assert.Equal(t, u, f.stored(t, u.ID), "nothing changed")
	assert.Equal(t, self, f.stored(t, self.ID), "nothing changed")
	f.refresh(t, session.RefreshToken) // the session lives on

	for _, ch := range []auth.UserChange{{Role: &admins}, {Disabled: &no}} {
		_, err := f.svc.UpdateUser(ctx, me, self.ID, f.stored(t, self.ID).Version, ch)
		require.NoError(t, err, "an administrator may keep their role and account")
	}
}

func TestActive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u := f.user(t, "li.ming", identity.RoleBureau, "")
	c, _ := f.newClient(t, "energy", identity.ScopeProjectsRead)
	user := identity.Principal{Subject: u.ID, Name: u.Username, Role: identity.RoleBureau}
	client := identity.Principal{Subject: c.ID, Name: c.Name, Role: identity.RoleDeptViewer, Department: "energy", ClientID: c.ClientID}
	requireActive := func(p identity.Principal, want bool) {
		t.Helper()
		active, err := f.svc.Active(ctx, p, start)
		require.NoError(t, err)
		require.Equal(t, want, active)
	}
	requireActive(user, true)
	requireActive(client, true)
	requireActive(identity.Principal{Subject: "gone", Role: identity.RoleBureau}, false)
	requireActive(identity.Principal{Subject: "gone", ClientID: "pc_gone"}, false)

	// Disabled past the service (on another replica, say): seen within 5 seconds.
	f.setDisabled(t, u.ID, true)
	_, err := f.mem.Clients.UpdateClient(ctx, c.ID, func(c *auth.Client) error {
		c.Disabled = true
		return nil
	})
	require.NoError(t, err)
	f.clock.add(4*time.Second + 999*time.Millisecond)
	requireActive(user, true)
	requireActive(client, true)
	f.clock.add(time.Millisecond)
	requireActive(user, false)
	requireActive(client, false)

	// A failing store is an error, and nothing is remembered of it.
	f.clock.add(time.Minute)
	f.mem.Users.Fail("UserByID", errDB)
	f.mem.Clients.Fail("ClientByID", errDB)
	for _, p := range []identity.Principal{user, client} {
		_, err := f.svc.Active(ctx, p, start)
		require.ErrorIs(t, err, errDB)
	}
	f.mem.Users.Fail("UserByID", nil)
	f.mem.Clients.Fail("ClientByID", nil)
	f.setDisabled(t, u.ID, false)
	requireActive(user, true)
}
