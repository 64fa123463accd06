package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// twins sends n copies of r at once and returns the answers.
func (e *env) twins(t *testing.T, r request, n int) []response {
	t.Helper()
	results := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = e.do(t, r)
		})
	}
	close(start)
	wg.Wait()
	return results
}

// checkTwins asserts that of the twins' answers exactly one is the first
// answer, with want's status, and every other one its replay or a 409 that
// asks to retry; it returns the first answer.
func checkTwins(t *testing.T, results []response, want int) response {
	t.Helper()
	var first *response
	replayed, busy := 0, 0
	for i, res := range results {
		switch {
		case res.status == http.StatusConflict:
			busy++
			assert.Equal(t, "conflict", res.problem(t).Code, "twin %d: %s", i, res)
			assert.Contains(t, res.problem(t).Detail, "in progress", "twin %d", i)
			assert.Equal(t, "1", res.header.Get("Retry-After"), "twin %d", i)
		case res.header.Get("Idempotent-Replayed") == "true":
			replayed++
		default:
			require.Nil(t, first, "twin %d answered afresh too: %s", i, res)
			first = &results[i]
		}
	}
	require.NotNil(t, first, "one twin did the work")
	require.Equal(t, want, first.status, "%s", *first)
	for i, res := range results {
		if res.status != http.StatusConflict {
			require.Equal(t, first.status, res.status, "twin %d: %s", i, res)
			assert.Equal(t, string(first.body), string(res.body), "twin %d answers the first answer", i)
			assert.Equal(t, first.header.Get("Location"), res.header.Get("Location"), "twin %d", i)
			assert.Equal(t, first.header.Get("ETag"), res.header.Get("ETag"), "twin %d", i)
		}
	}
	t.Logf("%d twins: 1 first answer, %d replays, %d asked to retry", len(results), replayed, busy)
	return *first
}

// TestTwinsAlwaysReplay: thirty requests sent at once with one
// Idempotency-Key, on a move and on a create, make one move and one project,
// and every answer is the first answer or a 409 asking to retry, never a
// verdict of its own (an illegal transition: the project has moved).
// SQLite runs them one at a time; PostgreSQL is the test.
func TestTwinsAlwaysReplay(t *testing.T) {
	const n = 30
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		keyed := func(key string) map[string]string {
			return map[string]string{"Accept-Language": "en", "Idempotency-Key": key}
		}

		t.Run("a move", func(t *testing.T) {
			for round := range 3 {
				p := e.create(t, asBureau, projectBody("孪生请求风电项目"))
				r := request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/transitions",
					headers: keyed("move-" + p.ID), body: api.TransitionCreate{To: "negotiating", OccurredOn: "2021-03-01"}}
				first := checkTwins(t, e.twins(t, r, n), http.StatusCreated)
				var res api.TransitionResult
				first.decode(t, &res)
				assert.Equal(t, "negotiating", res.Project.Stage, "round %d", round)
				assert.Len(t, e.history(t, asBureau, p.ID), 1, "round %d: one move", round)
			}
		})
		t.Run("a create", func(t *testing.T) {
			for round := range 3 {
				before := e.count(t, asBureau)
				r := keyedCreate(asBureau, keyed(newID()), projectBody("孪生请求光伏项目"))
				checkTwins(t, e.twins(t, r, n), http.StatusCreated)
				assert.Equal(t, before+1, e.count(t, asBureau), "round %d: exactly one project", round)
			}
		})
	})
}

func keyedCreate(as string, headers map[string]string, body any) request {
	return request{principal: as, method: http.MethodPost, path: "/api/v1/projects", body: body, headers: headers}
}
