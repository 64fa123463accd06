package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestAnOutageIsLoggedOncePerBurst: while a table lock holds every read of
// a project past the query timeout, the requests answer 503 and the log
// has one line for the burst, one more after ten seconds with the count
// since, and one when the database answers again with no failure for ten
// seconds (the account's cached check, which reads another table, answers
// amid the failures without ending the burst); no request is logged as an
// error on its own.
func TestAnOutageIsLoggedOncePerBurst(t *testing.T) {
	url := dbtest.PostgresURL(t)
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{URL: url, MaxOpenConns: 10, MaxIdleConns: 5, QueryTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	e := newEnv(t, db)
	p := e.create(t, asBureau, projectBody("突发故障风电项目"))
	read := request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + p.ID}
	e.do(t, read) // the principal's account is now cached

	locker, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { locker.Close() })
	tx, err := locker.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)

	for i := range 4 {
		if i >= 2 { // the account's check goes to the database again, and answers
			e.clock.set(now.Add(time.Duration(i-1) * 5 * time.Second))
		}
		res := e.do(t, read)
		require.Equal(t, http.StatusServiceUnavailable, res.status, "request %d: %s", i, res)
	}
	require.NoError(t, tx.Rollback())
	// A connection whose statement was cancelled may still fail the next
	// one; the database is back within a few tries.
	failures := 4
	res := e.do(t, read)
	for try := 0; try < 3 && res.status == http.StatusServiceUnavailable; try++ {
		failures++
		res = e.do(t, read)
	}
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	e.clock.set(now.Add(20 * time.Second))
	require.Equal(t, http.StatusOK, e.do(t, read).status)

	log := e.log.String()
	t.Logf("service log:\n%s", log)
	assert.Equal(t, 1, strings.Count(log, `level=ERROR msg="database unavailable"`), "the burst's first failure, in full")
	assert.Equal(t, 1, strings.Count(log, `level=WARN msg="database still unavailable" failures=3`), "ten seconds on, the count since")
	assert.Equal(t, 1, strings.Count(log, `level=WARN msg="database available again"`), "and when it is back")
	assert.Contains(t, log, fmt.Sprintf("total_failures=%d ", failures), "with the burst's count")
	assert.Equal(t, 3, strings.Count(log, "\n"), "nothing else")
}
