package httpapi_test

// The metrics an operator watches (docs/architecture.md, "Metrics"), read
// from /metrics on both databases.

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// scrape reads /metrics: each sample of the families named by prefix, by
// its series as exposed (name{labels}).
func (e *env) scrape(t testing.TB, prefix string) map[string]float64 {
	t.Helper()
	res := e.do(t, request{method: http.MethodGet, path: "/metrics"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(res.body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, "%q", line)
		out[line[:i]] = v
	}
	return out
}

// grown is what changed between two scrapes, series by series.
func grown(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func signInSeries(kind, outcome string) string {
	return `pipeline_signin_attempts_total{kind="` + kind + `",outcome="` + outcome + `"}`
}

// TestSignInMetrics: each sign-in attempt counts once, by kind and outcome;
// a request refused before credentials were checked counts as none.
func TestSignInMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.auth.SetSleep(noSleep)
		u := e.newUser(t, "li.metrics", "bureau", "")
		cl := e.newClient(t, "能源局系统", "energy", "projects:read")
		const attacker = "203.0.113.77"
		client := func(secret string) func(t *testing.T) int {
			return func(t *testing.T) int {
				return e.oauthToken(t, oauthRequest{form: url.Values{"grant_type": {"client_credentials"}},
					basic: &[2]string{cl.ClientID, secret}}).status
			}
		}
		for _, tc := range []struct {
			name string
			send func(t *testing.T) int
			want int
			// series is the one series that grows, by one; "" for none.
			series string
		}{
			{"right password", func(t *testing.T) int { return e.signInAnswer(t, u.Username, userPassword).status },
				http.StatusOK, signInSeries("user", "success")},
			{"wrong password", func(t *testing.T) int { return e.signInAnswer(t, u.Username, "not the password").status },
				http.StatusUnauthorized, signInSeries("user", "bad_login")},
			{"unknown user", func(t *testing.T) int { return e.signInAnswer(t, "nobody.here", userPassword).status },
				http.StatusUnauthorized, signInSeries("user", "bad_login")},
			{"throttled", func(t *testing.T) int {
				for i := range auth.MaxFailuresPerPair {
					require.Equal(t, http.StatusUnauthorized, e.signInFrom(t, attacker, u.Username, "guess "+strconv.Itoa(i)).status)
				}
				before := e.scrape(t, "pipeline_signin_attempts_total")
				st := e.signInFrom(t, attacker, u.Username, userPassword).status
				// Only the throttled attempt is compared below.
				assert.Equal(t, map[string]float64{signInSeries("user", "rate_limited"): 1},
					grown(before, e.scrape(t, "pipeline_signin_attempts_total")))
				return st
			}, http.StatusTooManyRequests, ""},
			{"malformed", func(t *testing.T) int {
				return e.do(t, request{method: http.MethodPost, path: loginPath, body: "{", invalid: true}).status
			}, http.StatusBadRequest, ""},
			{"client, right secret", client(cl.ClientSecret), http.StatusOK, signInSeries("client", "success")},
			{"client, wrong secret", client("not the secret"), http.StatusUnauthorized, signInSeries("client", "bad_login")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.scrape(t, "pipeline_signin_attempts_total")
				require.Equal(t, tc.want, tc.send(t))
				if tc.series == "" {
					return
				}
				assert.Equal(t, map[string]float64{tc.series: 1}, grown(before, e.scrape(t, "pipeline_signin_attempts_total")))
			})
		}
	})
}

// TestImportMetrics: a dry run, an applied import and a refused one count
// once each; rows count for the applied and refused ones only.
func TestImportMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		head := []string{"项目名称", "项目类别", "部门代码"}
		good := csvFile(t, head, []string{"南村光伏项目", "光伏发电", "energy"}, []string{"作疃乡肉牛养殖项目", "livestock", "agriculture"})
		bad := csvFile(t, head, []string{"北村风电项目", "wind", "energy"}, []string{"", "no such category", "energy"})
		for _, tc := range []struct {
			name string
			send func(t *testing.T)
			want map[string]float64
		}{
			{"dry run", func(t *testing.T) { e.importOK(t, asBureau, "dry_run=true", "a.csv", good) },
				map[string]float64{`pipeline_imports_total{outcome="dry_run"}`: 1}},
			{"applied", func(t *testing.T) { e.importOK(t, asBureau, "", "a.csv", good) },
				map[string]float64{`pipeline_imports_total{outcome="applied"}`: 1, `pipeline_import_rows_total{outcome="created"}`: 2}},
			{"refused", func(t *testing.T) { e.importFailed(t, asBureau, "b.csv", bad) },
				map[string]float64{`pipeline_imports_total{outcome="refused"}`: 1, `pipeline_import_rows_total{outcome="failed"}`: 1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.scrape(t, "pipeline_import")
				tc.send(t)
				assert.Equal(t, tc.want, grown(before, e.scrape(t, "pipeline_import")))
			})
		}
	})
}

// TestProjectMetrics: live projects by stage and category, counted at
// scrape time and cached for 30 s; an archived project is not counted.
func TestProjectMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a := e.create(t, asBureau, projectBody("甲风电项目"))
		e.create(t, asBureau, projectBody("乙风电项目"))
		gone := e.create(t, asBureau, with(projectBody("丙光伏项目"), "category", "solar_pv"))
		e.archive(t, gone.ID)
		planning, negotiating := `pipeline_projects{category="wind",stage="planning"}`, `pipeline_projects{category="wind",stage="negotiating"}`
		assert.Equal(t, map[string]float64{planning: 2}, e.scrape(t, "pipeline_projects"))

		res := e.move(t, asBureau, a.ID, api.TransitionCreate{To: "negotiating", OccurredOn: today})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		assert.Equal(t, map[string]float64{planning: 2}, e.scrape(t, "pipeline_projects"), "within 30 s, the cached counts")
		e.setClock(t, now.Add(30*time.Second))
		assert.Equal(t, map[string]float64{planning: 1, negotiating: 1}, e.scrape(t, "pipeline_projects"), "after 30 s")
	})
}

// TestProjectMetricsFailed: when the count cannot be read, /metrics still
// answers, without pipeline_projects, and the failure is logged once, not
// at every scrape.
func TestProjectMetricsFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.create(t, asBureau, projectBody("甲风电项目"))
		require.NoError(t, db.Close())
		for i := range 3 {
			e.setClock(t, now.Add(time.Duration(i)*time.Minute))
			assert.Empty(t, e.scrape(t, "pipeline_projects"), "scrape %d", i+1)
		}
		assert.Equal(t, 1, strings.Count(e.log.String(), "counting projects failed"), "%s", e.log.String())
	})
}
