package authtest

import (
	"strings"
	"testing"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// ClientStoreContract checks that st keeps what auth.ClientStore documents:
// clients found by ID and by client ID, each once, of a department that
// exists, every value back as created with times in UTC and scopes as a
// list (empty, never nil) that no caller shares, and an update saving what
// its change made, or nothing when the change or the store refuses it.
func ClientStoreContract(t *testing.T, st auth.ClientStore) {
	t.Helper()
	runCases(t, st, []contractCase[auth.ClientStore]{
		{"a client comes back as created, by ID and by client ID, times in UTC", clientRoundTrip},
		{"a client without scopes has an empty list", clientNoScopes},
		{"an unknown client is not found", clientUnknown},
		{"a client ID or an ID taken twice is a conflict, the first client stays", clientTaken},
		{"a client of an unknown department is refused", clientUnknownDepartment},
		{"clients are listed by name, then ID", clientsListed},
		{"what a caller does with a client's scopes does not change the store", clientScopesAreCopies},
		{"an update saves what the change made", clientUpdated},
		{"an update the change or the store refuses saves nothing", clientUpdateRefused},
		{"an update of an unknown client is not found", clientUpdateUnknown},
	})
}

// client is a client to create, at the suites' instant.
func client(name, dept string, scopes ...string) auth.Client {
	return auth.Client{ID: newID(), ClientID: unique("pc_"), Name: name, Department: dept, Scopes: scopes,
		SecretHash: unique("hash"), Version: 1, CreatedAt: at, UpdatedAt: at.Add(time.Microsecond)}
}

func createClient(t *testing.T, st auth.ClientStore, c auth.Client) auth.Client {
	t.Helper()
	must(t, st.CreateClient(ctx, c), "create "+c.Name)
	return c
}

func clientByID(t *testing.T, st auth.ClientStore, id string) auth.Client {
	t.Helper()
	c, err := st.ClientByID(ctx, id)
	must(t, err, "client by ID")
	return c
}

func clientRoundTrip(t *testing.T, st auth.ClientStore) {
	disabled := client("旅游局系统", "tourism", identity.ScopeEventsRead)
	disabled.Disabled, disabled.Version = true, 3
	disabled.CreatedAt, disabled.UpdatedAt = at.In(shanghai), at.Add(time.Hour).In(shanghai)
	for _, c := range []auth.Client{
		client("能源局系统", "energy", identity.ScopeProjectsRead, identity.ScopeProjectsWrite),
		client("Industry «MES» feed", "industry", identity.ScopeProgressWrite),
		disabled,
	} {
		createClient(t, st, c)
		want := c
		want.CreatedAt, want.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		equal(t, want, clientByID(t, st, c.ID), "by ID "+c.Name)
		got, err := st.ClientByClientID(ctx, c.ClientID)
		must(t, err, "by client ID "+c.Name)
		equal(t, want, got, "by client ID "+c.Name)
	}
}

func clientNoScopes(t *testing.T, st auth.ClientStore) {
	for _, scopes := range [][]string{nil, {}} {
		c := createClient(t, st, client("无权限系统", "drc", scopes...))
		got := clientByID(t, st, c.ID)
		equal(t, []string{}, got.Scopes, "the scopes")
	}
}

func clientUnknown(t *testing.T, st auth.ClientStore) {
	c := createClient(t, st, client("known", "energy"))
	for _, id := range []string{newID(), "not-a-uuid", "", c.ClientID} {
		_, err := st.ClientByID(ctx, id)
		wantKind(t, apperr.NotFound, err, "by ID "+id)
	}
	for _, id := range []string{unique("pc_"), "", strings.ToUpper(c.ClientID), c.ClientID + " ", c.ID} {
		_, err := st.ClientByClientID(ctx, id)
		wantKind(t, apperr.NotFound, err, "by client ID "+id)
	}
}

func clientTaken(t *testing.T, st auth.ClientStore) {
	first := createClient(t, st, client("first", "energy", identity.ScopeProjectsRead))
	again := client("again", "drc")
	again.ClientID = first.ClientID
	wantKind(t, apperr.Conflict, st.CreateClient(ctx, again), "the client ID again")
	_, err := st.ClientByID(ctx, again.ID)
	wantKind(t, apperr.NotFound, err, "the client of the client ID taken")
	again = client("again", "drc")
	again.ID = first.ID
	wantKind(t, apperr.Conflict, st.CreateClient(ctx, again), "the ID again")
	_, err = st.ClientByClientID(ctx, again.ClientID)
	wantKind(t, apperr.NotFound, err, "the client of the ID taken")
	equal(t, first, clientByID(t, st, first.ID), "the first client stays")
}

func clientUnknownDepartment(t *testing.T, st auth.ClientStore) {
	for _, dept := range []string{"no_such_dept", ""} {
		c := client("stranger", dept)
		wantField(t, apperr.Invalid, apperr.FieldError{Field: "department", Code: "unknown"}, st.CreateClient(ctx, c), "create of "+dept)
		_, err := st.ClientByID(ctx, c.ID)
		wantKind(t, apperr.NotFound, err, "the client refused")
	}
}

func clientsListed(t *testing.T, st auth.ClientStore) {
	prefix := unique("list")
	b := createClient(t, st, client(prefix+"b", "energy", identity.ScopeEventsRead))
	a1 := createClient(t, st, client(prefix+"a", "energy", identity.ScopeProjectsWrite))
	a2 := createClient(t, st, client(prefix+"a", "drc", identity.ScopeProjectsRead))
	if a2.ID < a1.ID {
		a1, a2 = a2, a1
	}
	all, err := st.ListClients(ctx)
	must(t, err, "list")
	var got []auth.Client
	for _, c := range all {
		if strings.HasPrefix(c.Name, prefix) {
			got = append(got, c)
		}
	}
	equal(t, []auth.Client{a1, a2, b}, got, "this case's clients, by name, then ID")
}

func clientScopesAreCopies(t *testing.T, st auth.ClientStore) {
	scopes := []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}
	c := createClient(t, st, client(unique("copied"), "energy", scopes...))
	scopes[0] = "changed by the creator"
	got := clientByID(t, st, c.ID)
	got.Scopes[1] = "changed by a reader"
	all, err := st.ListClients(ctx)
	must(t, err, "list")
	for _, l := range all {
		if l.ID == c.ID {
			l.Scopes[0] = "changed by a lister"
		}
	}
	want := []string{identity.ScopeProjectsRead, identity.ScopeProjectsWrite}
	equal(t, want, clientByID(t, st, c.ID).Scopes, "the scopes kept")
	byClientID, err := st.ClientByClientID(ctx, c.ClientID)
	must(t, err, "by client ID")
	equal(t, want, byClientID.Scopes, "the scopes kept")
}

func clientUpdated(t *testing.T, st auth.ClientStore) {
	c := createClient(t, st, client(unique("changed"), "energy", identity.ScopeProjectsRead))
	later := at.Add(time.Hour)
	got, err := st.UpdateClient(ctx, c.ID, func(v *auth.Client) error {
		equal(t, c, *v, "the change is given the client")
		v.Disabled, v.Scopes, v.SecretHash = true, []string{identity.ScopeEventsRead, identity.ScopeIssuesWrite}, "rotated"
		v.Version++
		v.UpdatedAt = later
		return nil
	})
	must(t, err, "update")
	want := c
	want.Disabled, want.Scopes, want.SecretHash = true, []string{identity.ScopeEventsRead, identity.ScopeIssuesWrite}, "rotated"
	want.Version, want.UpdatedAt = 2, later
	equal(t, want, got, "the update answers the changed client")
	equal(t, want, clientByID(t, st, c.ID), "the change is saved")
}

func clientUpdateRefused(t *testing.T, st auth.ClientStore) {
	c := createClient(t, st, client(unique("kept"), "energy", identity.ScopeProjectsRead))
	_, err := st.UpdateClient(ctx, c.ID, func(v *auth.Client) error {
		v.Disabled, v.Scopes = true, nil
		v.Version++
		return errChange
	})
	wantIs(t, errChange, err, "the change's error")
	_, err = st.UpdateClient(ctx, c.ID, func(v *auth.Client) error {
		v.Department = "no_such_dept"
		v.Version++
		return nil
	})
	wantField(t, apperr.Invalid, apperr.FieldError{Field: "department", Code: "unknown"}, err, "an unknown department")
	equal(t, c, clientByID(t, st, c.ID), "nothing saved")
}

func clientUpdateUnknown(t *testing.T, st auth.ClientStore) {
	for _, id := range []string{newID(), "not-a-uuid", ""} {
		_, err := st.UpdateClient(ctx, id, func(*auth.Client) error {
			t.Errorf("the change is called for the unknown client %q", id)
			return nil
		})
		wantKind(t, apperr.NotFound, err, "update "+id)
	}
}
