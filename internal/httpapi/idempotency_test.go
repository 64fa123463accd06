package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func keyed(as, key string, body any) request {
	return request{principal: as, method: http.MethodPost, path: "/api/v1/projects", body: body,
		headers: map[string]string{"Idempotency-Key": key}}
}

func TestIdempotencyKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		body := with(projectBody("idempotent wind"), "code", "2021-140223-44-01-000077")

		first := e.do(t, keyed(asBureau, "create-wind-1", body))
		require.Equal(t, http.StatusCreated, first.status, "%s", first)
		p := first.project(t)

		t.Run("the same key and body replay the first answer", func(t *testing.T) {
			again := e.do(t, keyed(asBureau, "create-wind-1", body))
			assert.Equal(t, first.status, again.status)
			assert.JSONEq(t, string(first.body), string(again.body))
			assert.Equal(t, string(first.body), string(again.body), "byte for byte")
			assert.Equal(t, first.header.Get("Location"), again.header.Get("Location"))
			assert.Equal(t, first.header.Get("ETag"), again.header.Get("ETag"))
			assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
			assert.Empty(t, first.header.Get("Idempotent-Replayed"))
			assert.Equal(t, int64(1), e.count(t, asBureau), "one project")
		})

		t.Run("the replay is the first answer, not the current state", func(t *testing.T) {
			res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
				headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "changed"}})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			again := e.do(t, keyed(asBureau, "create-wind-1", body))
			assert.Equal(t, string(first.body), string(again.body))
		})

		e.run(t, []tc{
			{name: "the same key with another body", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-wind-1"}, body: with(body, "name", "another name"),
				wantStatus: http.StatusUnprocessableEntity, wantCode: "idempotency_key_reused"},
			{name: "the same key with the body reformatted is another body", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-wind-1"}, body: `{"name":"idempotent wind"}`,
				wantStatus: http.StatusUnprocessableEntity, wantCode: "idempotency_key_reused"},
			{name: "a key is the caller's own", principal: asAdmin, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-wind-1"}, body: with(body, "code", nil), wantStatus: http.StatusCreated},
			{name: "a failed request is not remembered", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-solar-1"}, body: with(projectBody("solar"), "category", "nuclear"), invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed"},
			{name: "so the corrected request goes through", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-solar-1"}, body: with(projectBody("solar"), "category", "solar_pv"),
				wantStatus: http.StatusCreated},
			{name: "a duplicate code under a fresh key is a conflict", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "create-wind-2"}, body: body,
				wantStatus: http.StatusConflict, wantCode: "conflict", wantFields: []string{"code:not_unique"}},
			{name: "a malformed key", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects",
				headers: map[string]string{"Idempotency-Key": "has spaces in it"}, body: body,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"Idempotency-Key:invalid_format"}},
		})
		assert.Equal(t, int64(3), e.count(t, asAdmin))
	})
}

// TestIdempotencyKeyConcurrent: identical requests racing with one key create
// one project and all answer it.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		for _, c := range []struct {
			name, key string
			body      map[string]any
		}{
			{"without a code", "race-1", projectBody("racing wind")},
			// A code is unique: the loser of the race trips over it before
			// it reaches the key, and must still replay, not answer 409.
			{"with a code", "race-2", with(projectBody("racing solar"), "code", "2021-140223-44-01-000088")},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.count(t, asBureau)
				const n = 6
				results := make([]response, n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						results[i] = e.do(t, keyed(asBureau, c.key, c.body))
					}()
				}
				close(start)
				wg.Wait()
				for i, res := range results {
					require.Equal(t, http.StatusCreated, res.status, "request %d: %s", i, res)
					assert.Equal(t, string(results[0].body), string(res.body), "request %d answers the same", i)
					assert.Equal(t, results[0].header.Get("Location"), res.header.Get("Location"))
				}
				assert.Equal(t, before+1, e.count(t, asBureau), "exactly one project was created")
			})
		}
	})
}

// TestIdempotencyKeyExpires: a key is remembered for 24 hours, then a
// request with it is a new request.
func TestIdempotencyKeyExpires(t *testing.T) {
	dbtest.Each(t, testIdempotencyKeyExpires)
}

func testIdempotencyKeyExpires(t *testing.T, db *database.DB) {
	e := newEnv(t, db)
	body := projectBody("daily wind")
	first := e.do(t, keyed(asBureau, "daily-1", body))
	require.Equal(t, http.StatusCreated, first.status, "%s", first)

	e.setClock(t, now.Add(24*time.Hour-time.Second))
	again := e.do(t, keyed(asBureau, "daily-1", body))
	require.Equal(t, http.StatusCreated, again.status, "%s", again)
	assert.Equal(t, string(first.body), string(again.body), "replayed within 24 h")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	other := e.do(t, keyed(asBureau, "daily-1", with(body, "name", "other")))
	assert.Equal(t, http.StatusUnprocessableEntity, other.status, "%s", other)

	e.setClock(t, now.Add(24*time.Hour+time.Second))
	later := e.do(t, keyed(asBureau, "daily-1", body))
	require.Equal(t, http.StatusCreated, later.status, "%s", later)
	assert.Empty(t, later.header.Get("Idempotent-Replayed"))
	assert.NotEqual(t, first.project(t).ID, later.project(t).ID, "a new project after 24 h")
	assert.Equal(t, int64(2), e.count(t, asBureau))
	// And the new answer is the one remembered now.
	replay := e.do(t, keyed(asBureau, "daily-1", body))
	assert.Equal(t, string(later.body), string(replay.body))
}

// TestIdempotentClientKeepsNoSecret: a client's secret is answered once and
// stored only as a hash, in the idempotency record too: a replay answers
// the client without it.
func TestIdempotentClientKeepsNoSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		req := request{principal: asAdmin, method: http.MethodPost, path: clientsPath,
			body:    api.ClientCreate{Name: "能源局系统", Department: "energy", Scopes: []string{identity.ScopeProjectsRead}},
			headers: map[string]string{"Idempotency-Key": "client-1"}}
		first := e.do(t, req)
		require.Equal(t, http.StatusCreated, first.status, "%s", first)
		var c api.Client
		first.decode(t, &c)
		require.NotEmpty(t, c.ClientSecret)

		again := e.do(t, req)
		require.Equal(t, http.StatusCreated, again.status, "%s", again)
		assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		assert.NotContains(t, string(again.body), c.ClientSecret)
		var r api.Client
		again.decode(t, &r)
		assert.Equal(t, c.ClientID, r.ClientID)
		assert.Empty(t, r.ClientSecret)

		q, done := db.Conn(context.Background())
		defer done()
		var bodies [][]byte
		require.NoError(t, q.Table("idempotency_keys").Pluck("body", &bodies).Error)
		require.Len(t, bodies, 1)
		assert.NotContains(t, string(bodies[0]), c.ClientSecret, "no record holds the secret")
	})
}
