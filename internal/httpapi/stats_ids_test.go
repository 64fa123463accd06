package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/httpapi"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/stats"
)

// TestOverviewWithIDsAsMarshalled: the overview with every ID, written as
// it goes, is byte for byte json.Marshal of its answer, plain or gzipped,
// with If-None-Match (the route has no ETag: it changes nothing); HEAD
// answers its headers without the body; and the overview without the IDs
// is as it was.
func TestOverviewWithIDsAsMarshalled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var entries []planEntry
		for i := range 24 {
			body := map[string]any{"name": fmt.Sprintf("项目 %d", i), "category": "materials", "department": []string{"energy", "industry"}[i%2],
				"total_investment_yuan": int64(i) * 10_000_000}
			if i%3 == 0 {
				body["stage"], body["started_on"] = "started", "2021-03-15"
			}
			id := e.create(t, asBureau, body).ID
			if i%4 != 3 {
				entries = append(entries, planEntry{id, []string{"new", "continuing"}[i%2], ptr(int64(600 + i)), ptr("2021-03")})
			}
		}
		enterPlan(t, db, entries...)

		want := func(ids bool) []byte {
			year, on, err := stats.Period("", "", calendar.Today(e.clock.now()))
			require.NoError(t, err)
			ps := stats.Params{Year: year, AsOf: on}
			require.NoError(t, stats.Options(&ps, "", "", ""))
			o, err := e.stats.Overview(context.Background(), e.principals[asBureau], ps, ids)
			require.NoError(t, err)
			b, err := httpapi.OverviewJSON(o, ids)
			require.NoError(t, err)
			return b
		}
		withIDs, without := want(true), want(false)
		require.Greater(t, len(withIDs), 2048, "large enough to be gzipped")
		auth := e.authz[asBureau]
		cases := []struct {
			name, method, path string
			headers            map[string]string
			body               []byte // nil: none
			gzipped            bool
		}{
			{"with the IDs", http.MethodGet, "", nil, withIDs, false},
			{"with the IDs asked", http.MethodGet, "?ids=true", nil, withIDs, false},
			{"gzipped", http.MethodGet, "", map[string]string{"Accept-Encoding": "gzip"}, withIDs, true},
			{"with If-None-Match", http.MethodGet, "", map[string]string{"If-None-Match": `*`}, withIDs, false},
			{"gzipped with If-None-Match", http.MethodGet, "", map[string]string{"If-None-Match": `W/"1"`, "Accept-Encoding": "gzip"}, withIDs, true},
			{"HEAD", http.MethodHead, "", nil, nil, false},
			{"HEAD, gzip asked", http.MethodHead, "", map[string]string{"Accept-Encoding": "gzip"}, nil, false},
			{"without the IDs", http.MethodGet, "?ids=false", nil, without, false},
			{"without the IDs, gzipped", http.MethodGet, "?ids=false", map[string]string{"Accept-Encoding": "gzip"}, without, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				headers := map[string]string{"Authorization": auth}
				for k, v := range c.headers {
					headers[k] = v
				}
				res := e.serveRaw(c.method, "/api/v1/stats/overview"+c.path, headers)
				require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
				assert.Equal(t, "application/json; charset=utf-8", res.Header().Get("Content-Type"))
				assert.Empty(t, res.Header().Get("ETag"))
				body := res.Body.Bytes()
				if c.gzipped {
					require.Equal(t, "gzip", res.Header().Get("Content-Encoding"))
					zr, err := gzip.NewReader(bytes.NewReader(body))
					require.NoError(t, err)
					body, err = io.ReadAll(zr)
					require.NoError(t, err)
				} else {
					assert.Empty(t, res.Header().Get("Content-Encoding"))
				}
				if c.body == nil {
					assert.Empty(t, body)
					return
				}
				assert.Equal(t, string(c.body), string(body))
			})
		}
		// The answer holds the IDs asked for: every project's, and [] for
		// a set of none.
		var o api.Overview
		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/overview"})
		res.decode(t, &o)
		assert.Len(t, o.CumulativeCompletion.ProjectIDs, len(entries))
		assert.Equal(t, []string{}, o.CompletedThisYear.Plan.ProjectIDs)
		assert.Equal(t, []string{}, o.StartRate.MisclassifiedIDs)
	})
}
