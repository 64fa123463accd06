package authtest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// UserStoreContract checks that st keeps what auth.UserStore documents:
// users found by exact username and by ID, each username and ID once, a
// department only one that exists, every value back as created with times
// in UTC, and an update saving what its change made, or nothing when the
// change or the store refuses it. The count is checked first, before the
// other cases create users in parallel.
func UserStoreContract(t *testing.T, st auth.UserStore) {
	t.Helper()
	t.Run("the count counts a new user", func(t *testing.T) { userCount(t, st) })
	runCases(t, st, []contractCase[auth.UserStore]{
		{"a user comes back as created, by name and by ID, times in UTC", userRoundTrip},
		{"an unknown user is not found", userUnknown},
		{"a username or an ID taken twice is a conflict, the first user stays", userTaken},
		{"a user of an unknown department is refused", userUnknownDepartment},
		{"of concurrent creations of one username exactly one wins", userCreateRace},
		{"users are listed by username", usersListed},
		{"an update saves what the change made", userUpdated},
		{"the time a user's tokens were ended comes back in UTC, none as zero", userTokensEnded},
		{"an update the change refuses saves nothing", userChangeRefused},
		{"an update to a taken username or an unknown department saves nothing", userUpdateRefused},
		{"an update of an unknown user is not found", userUpdateUnknown},
	})
}

// user is a user to create, at the suites' instant.
func user(username string, role identity.Role, dept string) auth.User {
	return auth.User{
		ID: newID(), Username: username,
		PasswordHash: "$2a$10$abcdefghijklmnopqrstuu5Yz1KCwxs6sBVgO2fAJ.SRZkDBRW5Mm",
		Role:         role, Department: dept, Version: 1,
		CreatedAt: at, UpdatedAt: at.Add(time.Microsecond),
	}
}

func createUser(t *testing.T, st auth.UserStore, u auth.User) auth.User {
	t.Helper()
	must(t, st.Create(ctx, u), "create "+u.Username)
	return u
}

func userByID(t *testing.T, st auth.UserStore, id string) auth.User {
	t.Helper()
	u, err := st.UserByID(ctx, id)
	must(t, err, "user by ID")
	return u
}

func userCount(t *testing.T, st auth.UserStore) {
	before, err := st.Count(ctx)
	must(t, err, "count")
	createUser(t, st, user(unique("counted"), identity.RoleBureau, ""))
	after, err := st.Count(ctx)
	must(t, err, "count again")
	equal(t, before+1, after, "the count after a creation")
}

func userRoundTrip(t *testing.T, st auth.UserStore) {
	disabled := user(unique("gone"), identity.RoleDeptViewer, "tourism")
	disabled.Disabled, disabled.Version = true, 4
	disabled.CreatedAt, disabled.UpdatedAt = at.In(shanghai), at.Add(time.Hour).In(shanghai)
	for _, u := range []auth.User{
		user(unique("admin"), identity.RoleAdmin, ""),
		user(unique("bureau"), identity.RoleBureau, "drc"),
		user(unique("leader"), identity.RoleLeader, ""),
		user(unique("energy_editor"), identity.RoleDeptEditor, "energy"),
		user(unique("能源局查看员"), identity.RoleDeptViewer, "energy"),
		disabled,
	} {
		createUser(t, st, u)
		want := u
		want.CreatedAt, want.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
		got, err := st.ByUsername(ctx, u.Username)
		must(t, err, "by username "+u.Username)
		equal(t, want, got, "by username "+u.Username)
		equal(t, want, userByID(t, st, u.ID), "by ID "+u.Username)
		equal(t, time.UTC, got.CreatedAt.Location(), "created in UTC")
	}
}

func userUnknown(t *testing.T, st auth.UserStore) {
	u := createUser(t, st, user(unique("known"), identity.RoleBureau, ""))
	for _, name := range []string{unique("nobody"), "", strings.ToUpper(u.Username), u.Username + " ", " " + u.Username,
		"'; DROP TABLE users; --"} {
		_, err := st.ByUsername(ctx, name)
		wantKind(t, apperr.NotFound, err, "by username "+name)
	}
	for _, id := range []string{newID(), "not-a-uuid", ""} {
		_, err := st.UserByID(ctx, id)
		wantKind(t, apperr.NotFound, err, "by ID "+id)
	}
}

func userTaken(t *testing.T, st auth.UserStore) {
	first := createUser(t, st, user(unique("first"), identity.RoleBureau, ""))
	err := st.Create(ctx, user(first.Username, identity.RoleLeader, ""))
	wantField(t, apperr.Conflict, apperr.FieldError{Field: "username", Code: "not_unique"}, err, "the username again")
	again := user(unique("other"), identity.RoleLeader, "")
	again.ID = first.ID
	wantKind(t, apperr.Conflict, st.Create(ctx, again), "the ID again")

	got, err := st.ByUsername(ctx, first.Username)
	must(t, err, "by username")
	equal(t, first.ID, got.ID, "the first user stays")
	equal(t, identity.RoleBureau, got.Role, "the first user's role stays")
	_, err = st.ByUsername(ctx, again.Username)
	wantKind(t, apperr.NotFound, err, "the user of the ID taken")
}

func userUnknownDepartment(t *testing.T, st auth.UserStore) {
	u := user(unique("stranger"), identity.RoleDeptEditor, "no_such_dept")
	wantField(t, apperr.Invalid, apperr.FieldError{Field: "department", Code: "unknown"}, st.Create(ctx, u), "create")
	_, err := st.ByUsername(ctx, u.Username)
	wantKind(t, apperr.NotFound, err, "the user refused")
}

// userCreateRace shows that of several concurrent creations of one username
// exactly one wins and the others are conflicts, which is what lets replicas
// bootstrap the admin user at the same time.
func userCreateRace(t *testing.T, st auth.UserStore) {
	const n = 6
	name := unique("admin")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = st.Create(ctx, user(name, identity.RoleAdmin, "")) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		wantKind(t, apperr.Conflict, err, "a creation that lost")
	}
	equal(t, 1, won, "creations that won")
	_, err := st.ByUsername(ctx, name)
	must(t, err, "the winner by username")
}

func usersListed(t *testing.T, st auth.UserStore) {
	prefix := unique("list")
	b := createUser(t, st, user(prefix+"b", identity.RoleBureau, ""))
	a := createUser(t, st, user(prefix+"a", identity.RoleDeptViewer, "energy"))
	c := createUser(t, st, user(prefix+"c", identity.RoleLeader, ""))
	all, err := st.ListUsers(ctx)
	must(t, err, "list")
	var got []auth.User
	for _, u := range all {
		if strings.HasPrefix(u.Username, prefix) {
			got = append(got, u)
		}
	}
	equal(t, []auth.User{a, b, c}, got, "this case's users, by username")
}

func userUpdated(t *testing.T, st auth.UserStore) {
	u := createUser(t, st, user(unique("changed"), identity.RoleDeptViewer, "energy"))
	later := at.Add(time.Hour)
	got, err := st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		equal(t, u, *v, "the change is given the user")
		v.Role, v.Department, v.Disabled, v.PasswordHash = identity.RoleDeptEditor, "industry", true, "$2a$04$changed"
		v.Version++
		v.UpdatedAt = later
		return nil
	})
	must(t, err, "update")
	want := u
	want.Role, want.Department, want.Disabled, want.PasswordHash = identity.RoleDeptEditor, "industry", true, "$2a$04$changed"
	want.Version, want.UpdatedAt = 2, later
	equal(t, want, got, "the update answers the changed user")
	equal(t, want, userByID(t, st, u.ID), "the change is saved")

	_, err = st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		v.Role, v.Department = identity.RoleBureau, ""
		v.Version++
		return nil
	})
	must(t, err, "update to no department")
	equal(t, "", userByID(t, st, u.ID).Department, "no department")
}

func userChangeRefused(t *testing.T, st auth.UserStore) {
	u := createUser(t, st, user(unique("kept"), identity.RoleBureau, ""))
	_, err := st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		v.Role, v.Disabled = identity.RoleLeader, true
		v.Version++
		return errChange
	})
	wantIs(t, errChange, err, "the change's error")
	equal(t, u, userByID(t, st, u.ID), "nothing saved")
}

func userUpdateRefused(t *testing.T, st auth.UserStore) {
	other := createUser(t, st, user(unique("other"), identity.RoleBureau, ""))
	u := createUser(t, st, user(unique("kept"), identity.RoleDeptEditor, "energy"))
	_, err := st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		v.Username = other.Username
		v.Version++
		return nil
	})
	wantKind(t, apperr.Conflict, err, "a taken username")
	_, err = st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		v.Department = "no_such_dept"
		v.Version++
		return nil
	})
	wantField(t, apperr.Invalid, apperr.FieldError{Field: "department", Code: "unknown"}, err, "an unknown department")
	equal(t, u, userByID(t, st, u.ID), "nothing saved")
}

func userUpdateUnknown(t *testing.T, st auth.UserStore) {
	for _, id := range []string{newID(), "not-a-uuid", ""} {
		_, err := st.UpdateUser(ctx, id, func(*auth.User) error {
			t.Errorf("the change is called for the unknown user %q", id)
			return nil
		})
		wantKind(t, apperr.NotFound, err, "update "+id)
	}
}

func userTokensEnded(t *testing.T, st auth.UserStore) {
	u := createUser(t, st, user(unique("ended"), identity.RoleBureau, ""))
	equal(t, time.Time{}, userByID(t, st, u.ID).TokensValidAfter, "no tokens ended")
	end := at.Truncate(time.Second).Add(time.Second)
	got, err := st.UpdateUser(ctx, u.ID, func(v *auth.User) error {
		v.TokensValidAfter = end.In(shanghai)
		return nil
	})
	must(t, err, "end the tokens")
	equal(t, end, got.TokensValidAfter.UTC(), "the update answers the time")
	equal(t, end, userByID(t, st, u.ID).TokensValidAfter, "the time is saved, in UTC")
	byName, err := st.ByUsername(ctx, u.Username)
	must(t, err, "by username")
	equal(t, end, byName.TokensValidAfter, "by username too")
	equal(t, u.Version, byName.Version, "the version stays")
}
