package faults

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the lock
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
)

// TestFaultTableLock holds the projects table in an ACCESS EXCLUSIVE lock
// from another connection for longer than the query timeout: every request
// that touches it ends at the deadline, before the lock is released, with
// 503 and Retry-After (docs/api.md, "Errors"), and the writes it refused
// left nothing behind: no project, no audit entry, no move.
func TestFaultTableLock(t *testing.T) {
	need(t)
	const timeout = 2 * time.Second
	c := startCluster(t)
	s := newService(t, c, fmt.Sprintf("PIPELINE_QUERY_TIMEOUT=%s", timeout))
	s.start()
	var p api.Project
	st, _, err := s.call(http.MethodPost, "/api/v1/projects", map[string]string{"name": "锁表测试项目", "category": "wind", "department": "energy"}, &p)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, st)

	db, err := sql.Open("pgx", c.url())
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	count := func(query string) (n int) {
		require.NoError(t, db.QueryRowContext(ctx, query).Scan(&n))
		return n
	}
	projects, audits := count("SELECT count(*) FROM projects"), count(auditRows)
	requests := lockedRequests(p.ID)
	answers, held := underLock(t, db, s, requests, 4*timeout)

	assert.True(t, held, "every request ended while the lock was still held (%s)", 4*timeout)
	statuses, slowest := map[int]int{}, time.Duration(0)
	for i, a := range answers {
		statuses[a.status]++
		slowest = max(slowest, a.took)
		assert.Equal(t, http.StatusServiceUnavailable, a.status, "%s %s", requests[i].method, requests[i].path)
		assert.NotEmpty(t, a.retryAfter, "Retry-After of %s %s", requests[i].method, requests[i].path)
	}
	assert.Equal(t, projects, count("SELECT count(*) FROM projects"), "no project of a refused create")
	assert.Zero(t, count("SELECT count(*) FROM projects WHERE name LIKE '锁表拒绝%'"), "no project of a refused create")
	assert.Equal(t, audits, count(auditRows), "no audit entry of a refused write")
	var after api.Project
	st, _, err = s.call(http.MethodGet, "/api/v1/projects/"+p.ID, nil, &after)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st, "the service answers again once the lock is gone")
	assert.Equal(t, p.Version, after.Version, "the refused moves changed nothing")
	t.Logf("fault figures: projects locked (ACCESS EXCLUSIVE) past PIPELINE_QUERY_TIMEOUT=%s: requests %d, statuses %v, max latency %.2f s",
		timeout, len(requests), statuses, slowest.Seconds())
}

// auditRows counts the audit trail's entries, sealed or still staged: the
// sealer moves them from one table to the other.
const auditRows = "SELECT (SELECT count(*) FROM audit_entries) + (SELECT count(*) FROM audit_pending)"

// underLock sends the requests at once while a transaction of db holds the
// projects table in an ACCESS EXCLUSIVE lock, for at most hold: held says
// whether they were all answered by then. The lock is released before it
// returns.
func underLock(t *testing.T, db *sql.DB, s *service, requests []request, hold time.Duration) (answers []answer, held bool) {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	answers = make([]answer, len(requests))
	var wg sync.WaitGroup
	for i, r := range requests {
		var key []string
		if r.method == http.MethodPost {
			key = []string{"Idempotency-Key", fmt.Sprintf("lock-%d", i)}
		}
		wg.Go(func() { answers[i], _ = s.send(r.method, r.path, r.body, nil, key...) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	held = true
	select {
	case <-done:
	case <-time.After(hold):
		held = false // answered, if at all, only once the lock is gone
	}
	require.NoError(t, tx.Rollback())
	<-done
	return answers, held
}

type request struct {
	method, path string
	body         any
}

// lockedRequests are requests that touch the projects table: creates, moves
// of the project id, and reads.
func lockedRequests(id string) []request {
	var rs []request
	for i := range 3 {
		rs = append(rs, request{http.MethodPost, "/api/v1/projects",
			map[string]string{"name": fmt.Sprintf("锁表拒绝 %d", i), "category": "wind", "department": "energy"}})
	}
	for range 2 {
		rs = append(rs, request{http.MethodPost, "/api/v1/projects/" + id + "/transitions",
			api.TransitionCreate{To: "negotiating", OccurredOn: "2021-01-01"}})
	}
	return append(rs, request{http.MethodGet, "/api/v1/projects/" + id, nil}, request{http.MethodGet, "/api/v1/projects", nil})
}
