package httpapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// auditList returns every audit entry a query admits, following the cursor.
func (e *env) auditList(t testing.TB, as string, query url.Values) []api.AuditEntry {
	t.Helper()
	var out []api.AuditEntry
	for range 100 {
		res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/audit?" + query.Encode()})
		require.Equal(t, http.StatusOK, res.status, "audit %s: %s", query.Encode(), res)
		var l api.AuditList
		res.decode(t, &l)
		out = append(out, l.Items...)
		if l.NextCursor == nil {
			return out
		}
		query.Set("cursor", *l.NextCursor)
	}
	t.Fatal("the audit list does not end")
	return nil
}

func (e *env) verifyAudit(t testing.TB) api.AuditVerification {
	t.Helper()
	res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/audit/verify"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var v api.AuditVerification
	res.decode(t, &v)
	return v
}

// jsonOf reads a JSON body into generic values, to compare with a snapshot.
func jsonOf(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func withRequestID(id string, hs map[string]string) map[string]string {
	out := map[string]string{"X-Request-ID": id}
	for k, v := range hs {
		out[k] = v
	}
	return out
}

// TestAuditTrail follows one project through create, patch, archive and
// restore: each change leaves one entry, with its actor and request ID and
// the project as the API showed it before and after, and the entries form
// one chain that an auditor can recompute from the API alone.
func TestAuditTrail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		byID := url.Values{}

		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: fullBody(),
			headers: withRequestID("req-create", nil)})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		created := jsonOf(t, res.body)
		id := created["id"].(string)
		byID.Set("resource_id", id)

		es := e.auditList(t, asBureau, byID)
		require.Len(t, es, 1)
		c := es[0]
		assert.Equal(t, []string{"project.create", "project", id, "bureau", e.principals[asBureau].Subject, "", "req-create"},
			[]string{c.Action, c.ResourceType, c.ResourceID, c.Actor, c.ActorID, c.Dept, c.RequestID})
		assert.Nil(t, c.Before)
		assert.Equal(t, created, c.After, "the entry holds the project as the API answered it")
		assert.Equal(t, now.Format(time.RFC3339Nano), c.At)

		res = e.do(t, request{principal: asEnergyEditor, method: http.MethodPatch, path: "/api/v1/projects/" + id,
			headers: withRequestID("req-patch", map[string]string{"If-Match": `"1"`}), body: map[string]any{"leader": "李县长"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		patched := jsonOf(t, res.body)

		// Failed changes leave nothing: a stale version, an invalid body.
		res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + id,
			headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "王县长"}})
		require.Equal(t, http.StatusPreconditionFailed, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + id, invalid: true,
			headers: map[string]string{"If-Match": `"2"`}, body: map[string]any{"name": ""}})
		require.Equal(t, http.StatusBadRequest, res.status, "%s", res)

		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: "/api/v1/projects/" + id,
			headers: withRequestID("req-archive", map[string]string{"If-Match": `"2"`})})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)
		res = e.do(t, request{principal: asAdmin, method: http.MethodPost, path: "/api/v1/projects/" + id + "/restore"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		restored := jsonOf(t, res.body)
		restoreRequest := res.header.Get("X-Request-ID")

		es = e.auditList(t, asBureau, byID)
		require.Len(t, es, 4)
		assert.Equal(t, []string{"snapshots", "changes", "changes", "changes"}, []string{es[0].Format, es[1].Format, es[2].Format, es[3].Format})
		u := es[1]
		assert.Equal(t, []string{"project.update", "energy_editor", e.principals[asEnergyEditor].Subject, "energy", "req-patch"},
			[]string{u.Action, u.Actor, u.ActorID, u.Dept, u.RequestID})
		// An update keeps the members it changed, as they were and became.
		assert.Equal(t, "李县长", u.After.(map[string]any)["leader"])
		assert.Equal(t, created["leader"], u.Before.(map[string]any)["leader"])
		assert.NotContains(t, u.After, "name", "an unchanged member is not kept")
		state := replayWire(t, nil, es[0])
		state = replayWire(t, state, u)
		assert.Equal(t, patched, state, "the creation with the update's changes is the project as the API answered it")

		a := es[2]
		assert.Equal(t, []string{"project.archive", "bureau", "req-archive"}, []string{a.Action, a.Actor, a.RequestID})
		assert.Nil(t, a.Before.(map[string]any)["archived_at"])
		assert.Equal(t, now.Format(time.RFC3339Nano), a.After.(map[string]any)["archived_at"])
		assert.EqualValues(t, 3, a.After.(map[string]any)["version"])
		state = replayWire(t, state, a)
		assert.Equal(t, now.Format(time.RFC3339Nano), state["archived_at"])

		r := es[3]
		assert.Equal(t, []string{"project.restore", "admin"}, []string{r.Action, r.Actor})
		assert.Equal(t, restoreRequest, r.RequestID, "a generated request ID is recorded too")
		assert.NotEmpty(t, r.RequestID)
		assert.Equal(t, restored, replayWire(t, state, r))

		prev := ""
		for _, x := range es {
			assert.Equal(t, prev, x.PrevHash, "entry %d links to the one before", x.ID)
			prev = x.Hash
			assert.Equal(t, x.Hash, audit.Seal(x.PrevHash, fromWire(t, x)), "entry %d can be recomputed from the API", x.ID)
		}
		assert.Equal(t, api.AuditVerification{OK: true, Entries: 4}, e.verifyAudit(t))
	})
}

// fromWire rebuilds an entry from its wire form, as an auditor would.
func fromWire(t testing.TB, w api.AuditEntry) audit.Entry {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, w.At)
	require.NoError(t, err)
	before, err := json.Marshal(w.Before)
	require.NoError(t, err)
	after, err := json.Marshal(w.After)
	require.NoError(t, err)
	format := audit.FormatSnapshots
	if w.Format == "changes" {
		format = audit.FormatChanges
	}
	return audit.Entry{ID: w.ID, At: at, Actor: w.Actor, ActorID: w.ActorID, Dept: w.Dept, Action: w.Action,
		ResourceType: w.ResourceType, ResourceID: w.ResourceID, Before: before, After: after,
		RequestID: w.RequestID, PrevHash: w.PrevHash, Hash: w.Hash, Format: format}
}

// replayWire is the resource after entry w, from the resource before it
// (state), by the rule of docs/audit.md ("Reading it"): a whole snapshot
// is the resource; the changes of an entry are set over the state, and a
// member its before has and its after lacks is removed. Before must match
// the state on every member it has.
func replayWire(t testing.TB, state map[string]any, w api.AuditEntry) map[string]any {
	t.Helper()
	if w.Format != "changes" {
		after, _ := w.After.(map[string]any)
		return after
	}
	next := maps.Clone(state)
	for k, v := range w.Before.(map[string]any) {
		assert.Equal(t, v, state[k], "entry %d: %s as it was", w.ID, k)
		delete(next, k)
	}
	maps.Copy(next, w.After.(map[string]any))
	return next
}

// TestAuditOfIdempotentCreate: a replayed create is not a second change.
func TestAuditOfIdempotentCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		for range 2 {
			res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: projectBody("一次"),
				headers: map[string]string{"Idempotency-Key": "k-1"}})
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
		}
		es := e.auditList(t, asBureau, url.Values{"resource_type": {"project"}})
		require.Len(t, es, 1)
		assert.Equal(t, "project.create", es[0].Action)
	})
}

func TestAuditQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p1 := e.create(t, asBureau, projectBody("一号"))
		e.setClock(t, now.Add(time.Hour))
		p2 := e.create(t, asEnergyEditor, projectBody("二号"))
		e.create(t, asAdmin, projectBody("三号"))
		res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p1.ID,
			headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"township": "壶泉镇"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		ids := func(query string) []int64 {
			t.Helper()
			v, err := url.ParseQuery(query)
			require.NoError(t, err)
			var out []int64
			for _, x := range e.auditList(t, asAdmin, v) {
				out = append(out, x.ID)
			}
			return out
		}
		assert.Equal(t, []int64{1, 2, 3, 4}, ids(""))
		assert.Equal(t, []int64{1, 2, 3, 4}, ids("limit=1"), "pages of one, by cursor")
		assert.Equal(t, []int64{1, 4}, ids("resource_type=project&resource_id="+p1.ID))
		assert.Equal(t, []int64{2}, ids("resource_id="+p2.ID))
		assert.Equal(t, []int64{2}, ids("actor=energy_editor"))
		assert.Equal(t, []int64{2, 3, 4}, ids("since="+url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))))
		assert.Equal(t, []int64{2, 3, 4}, ids("since=2021-06-15T11:00:00%2B08:00"), "since in another zone")
		assert.Empty(t, ids("resource_type=user"))

		bad := func(name, query string, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodGet, path: "/api/v1/audit?" + query, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		e.run(t, []tc{
			bad("unknown parameter", "colour=red", "colour:unknown_parameter"),
			bad("repeated parameter", "actor=a&actor=b", "actor:repeated"),
			bad("limit 0", "limit=0", "limit:out_of_range"),
			bad("limit 201", "limit=201", "limit:out_of_range"),
			bad("since not a time", "since=yesterday", "since:invalid_format"),
			bad("garbage cursor", "cursor=not-a-cursor!", "cursor:invalid_value"),
			bad("a project list's cursor", "cursor=eyJzIjoiY3JlYXRlZF9hdCJ9", "cursor:invalid_value"),
			bad("several problems", "limit=0&since=x&colour=red", "limit", "since", "colour"),
			{name: "limit 200", principal: asBureau, method: http.MethodGet, path: "/api/v1/audit?limit=200", wantStatus: http.StatusOK},
		})
	})
}

// TestAuditAccess: only the bureau and administrators read the trail.
func TestAuditAccess(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	var cases []tc
	for _, path := range []string{"/api/v1/audit", "/api/v1/audit/verify"} {
		for _, as := range []string{asAdmin, asBureau} {
			cases = append(cases, tc{name: as + " " + path, principal: as, method: http.MethodGet, path: path, wantStatus: http.StatusOK})
		}
		for _, as := range []string{asLeader, asEnergyEditor, asEnergyViewer, asIndustryEditor, asEnergyClientWrite, asEnergyClientRead} {
			cases = append(cases, tc{name: as + " " + path, principal: as, method: http.MethodGet, path: path,
				wantStatus: http.StatusForbidden, wantCode: "forbidden"})
		}
		for _, as := range []string{asNone, asExpired, asGarbage} {
			cases = append(cases, tc{name: "credential " + as + " " + path, principal: as, method: http.MethodGet, path: path,
				wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"})
		}
	}
	e.run(t, cases)
}
