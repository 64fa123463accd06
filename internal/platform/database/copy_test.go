package database_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func TestInline(t *testing.T) {
	t.Parallel()
	at := time.Date(2021, 6, 15, 2, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		query string
		args  []any
		want  string
	}{
		{`SELECT * FROM "t$1" WHERE a = $1 AND b IN ($2,$3) AND c = '$1'`, []any{"it's", int64(7), 8},
			`SELECT * FROM "t$1" WHERE a = 'it''s' AND b IN (7,8) AND c = '$1'`},
		{`x >= $1 AND y = $2 AND z = $10`, []any{at, true, 3, 4, 5, 6, 7, 8, 9, `a\b`},
			`x >= '2021-06-14 18:00:00.123456Z' AND y = true AND z = 'a\b'`},
	} {
		got, err := database.Inline(c.query, c.args)
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	for _, bad := range []struct {
		query string
		args  []any
	}{{`a = $2`, []any{1}}, {`a = $1`, []any{"nul\x00"}}, {`a = $1`, []any{struct{}{}}}, {`a = 'open`, nil}} {
		_, err := database.Inline(bad.query, bad.args)
		assert.Error(t, err, bad.query)
	}
}

// TestCopyOut copies rows with hostile text through COPY, and waits for a
// lock no longer than the query timeout, answering as an outage.
func TestCopyOut(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	ctx := context.Background()
	var out bytes.Buffer
	err := db.CopyOut(ctx, &out, `SELECT $1::text, 0.1::float8 + 0.2, DATE '2021-06-01', NULL::text`, "tab\tand\\back")
	require.NoError(t, err)
	assert.Equal(t, "tab\\tand\\\\back\t0.30000000000000004\t2021-06-01\t\\N\n", out.String())

	require.NoError(t, db.SQL().PingContext(ctx))
	_, err = db.SQL().ExecContext(ctx, "CREATE TABLE held (a int)")
	require.NoError(t, err)
	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, "LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	err = db.CopyOut(ctx, &out, "SELECT a FROM held")
	assert.True(t, database.Unavailable(err), "%v", err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
}
