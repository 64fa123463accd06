package httpapi_test

// The leadership dashboard: its files as the service serves them, and the
// page itself in a headless Chromium over the real handler on a loopback
// listener, signed in through its form, with its figures held to what the
// statistics endpoints answer.

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/seed"
)

// browserTestsEnv set to "required" turns a missing Chromium from a skip
// into a failure (CI sets it).
const browserTestsEnv = "PIPELINE_BROWSER_TESTS"

// artifactsEnv names a folder for the screenshots; without it they go to
// the test's artifact directory (kept with go test -artifacts).
const artifactsEnv = "PIPELINE_ARTIFACTS"

// serveRaw answers a request straight from the handler, for what lies
// outside the JSON API's spec.
func (e *env) serveRaw(method, path string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// TestDashboardFiles: the page's files with their types, a strict content
// security policy and revalidation on every load; nothing of them reaches
// beyond the service.
func TestDashboardFiles(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))

	res := e.serveRaw(http.MethodGet, "/dashboard?year=2021", nil)
	assert.Equal(t, http.StatusMovedPermanently, res.Code)
	assert.Equal(t, "dashboard/?year=2021", res.Header().Get("Location"), "a relative redirect, so that a path prefix survives")

	bodies := map[string]string{}
	for path, want := range map[string]string{
		"/dashboard/":           "text/html",
		"/dashboard/index.html": "text/html",
		"/dashboard/app.js":     "text/javascript",
		"/dashboard/style.css":  "text/css",
		"/dashboard/icon.svg":   "image/svg+xml",
	} {
		res := e.serveRaw(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, res.Code, path)
		mt, _, err := mime.ParseMediaType(res.Header().Get("Content-Type"))
		require.NoError(t, err)
		assert.Equal(t, want, mt, path)
		csp := res.Header().Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'none'", path)
		assert.Contains(t, csp, "script-src 'self';", path)
		assert.Contains(t, csp, "style-src 'self';", path)
		assert.Contains(t, csp, "connect-src 'self';", path)
		assert.NotContains(t, csp, "unsafe", path)
		assert.Equal(t, "no-cache", res.Header().Get("Cache-Control"), path)
		assert.Equal(t, "nosniff", res.Header().Get("X-Content-Type-Options"), path)
		assert.NotEmpty(t, res.Header().Get("X-Request-ID"), path)
		bodies[path] = res.Body.String()

		etag := res.Header().Get("ETag")
		require.NotEmpty(t, etag, path)
		again := e.serveRaw(http.MethodGet, path, map[string]string{"If-None-Match": etag})
		assert.Equal(t, http.StatusNotModified, again.Code, path)
		assert.Empty(t, again.Body.String(), path)
	}

	// Offline: no address outside the service (SVG's namespace is a name,
	// not a download), no inline script or style that the policy would block.
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for path, body := range bodies {
		for _, m := range external.FindAllString(body, -1) {
			assert.Equal(t, "http://www.w3.org", m, "%s refers to another site", path)
		}
	}
	html := bodies["/dashboard/"]
	assert.NotRegexp(t, `<script(?:\s[^>]*)?>\s*[^<\s]`, html, "no inline script")
	assert.NotContains(t, html, "<style", "no inline style")
	assert.NotRegexp(t, `\sstyle=`, html, "no style attribute")
	assert.NotRegexp(t, `\son[a-z]+=`, html, "no inline event handler")
	assert.NotContains(t, bodies["/dashboard/app.js"], "innerHTML", "text goes into the page through textContent")

	missing := e.serveRaw(http.MethodGet, "/dashboard/nothing.js", nil)
	assert.Equal(t, http.StatusNotFound, missing.Code)
	assert.Equal(t, "application/problem+json", strings.Split(missing.Header().Get("Content-Type"), ";")[0])
}

// chromium finds the browser, or skips the test (fails it where browser
// tests are required).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(browserTestsEnv) == "required" {
		t.Fatalf("%s=required, but no Chromium is installed (apt-get install chromium)", browserTestsEnv)
	}
	t.Skipf("no Chromium installed: the dashboard's browser test is skipped (set %s=required to fail instead)", browserTestsEnv)
	return ""
}

// browser is one headless Chromium with one tab, and what the tab wrote to
// its console.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
	// expected are the failed requests the test provokes, each "<path> <status>".
	expected []string
}

// expectFailure notes a request the test makes fail, whose note in the
// console is no fault of the page.
func (b *browser) expectFailure(path string, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected = append(b.expected, path+" "+strconv.Itoa(status))
}

func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Only loopback: no name resolves, so nothing can leave the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		// A browser in another locale: the page's dates and numbers do not follow it.
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1920, 1080), // a meeting-room screen
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	b := &browser{ctx: bctx}
	done := make(chan struct{})
	messages := chromedp.Console(bctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.msgs = append(b.msgs, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		bcancel()
		acancel()
		cancel()
		<-done
	})
	require.NoError(t, chromedp.Do(bctx), "start Chromium")
	return b
}

func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(b.ctx, steps...), what)
}

func jsQuote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// evalJS evaluates a JavaScript expression into T.
func evalJS[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluate %s", expr)
	return v
}

// text is the trimmed text of the first element sel matches.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return evalJS[string](t, b, fmt.Sprintf(`(e => e ? e.textContent.trim() : "<no element %s>")(document.querySelector(%s))`,
		strings.ReplaceAll(sel, `"`, `'`), jsQuote(sel)))
}

// texts are the trimmed texts of every element sel matches.
func (b *browser) texts(t *testing.T, sel string) []string {
	t.Helper()
	return evalJS[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.textContent.trim())`, jsQuote(sel)))
}

// attrs are an attribute of every element sel matches.
func (b *browser) attrs(t *testing.T, sel, name string) []string {
	t.Helper()
	return evalJS[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.getAttribute(%s) || "")`, jsQuote(sel), jsQuote(name)))
}

// settled waits until the element's data-state is ready or error, and
// returns it, or what the page shows when it never settles.
func (b *browser) settled(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Poll[string](
		fmt.Sprintf(`(s => s === "ready" || s === "error" ? s : null)(document.querySelector(%s)?.dataset.state)`, jsQuote(sel)),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		return fmt.Sprintf("%s never settled (%v); the page says: %s", sel, err, b.text(t, "body"))
	}
	return s
}

// drill clicks what sel matches and returns the IDs and names of the
// projects the drill-down lists, then closes it.
func (b *browser) drill(t *testing.T, sel string) (ids, names []string) {
	t.Helper()
	b.do(t, "open the drill-down of "+sel,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#drill").removeAttribute("data-state")`),
		chromedp.Click(chromedp.CSS(sel)),
	)
	require.Equal(t, "ready", b.settled(t, "#drill"), "drill-down of %s: %s", sel, b.texts(t, "#drill-rows td"))
	ids = b.attrs(t, "#drill-rows tr[data-id]", "data-id")
	names = b.texts(t, "#drill-rows tr[data-id] td.name")
	b.do(t, "close the drill-down",
		chromedp.Click(chromedp.CSS("#drill .drill-head button")),
		chromedp.Poll[chromedp.Void](`!document.querySelector("#drill").open`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	return ids, names
}

// problems are the console's errors and uncaught exceptions so far.
func (b *browser) problems(t *testing.T) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.msgs {
		t.Logf("console %s:%d %s (%s)", m.URL, m.Line+1, m, m.Source)
		if m.Source == "network" && slices.ContainsFunc(b.expected, func(x string) bool {
			path, status, _ := strings.Cut(x, " ")
			u, _, _ := strings.Cut(m.URL, "?")
			return strings.HasSuffix(u, path) && strings.Contains(m.Text, "status of "+status)
		}) {
			continue
		}
		if m.IsException() || m.Type == chromedp.ConsoleError {
			out = append(out, m.String())
		}
	}
	return out
}

// screenshot saves a PNG of the whole page, or of what the window shows,
// and logs where.
func (b *browser) screenshot(t *testing.T, name string, fullPage bool) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if fullPage {
		shot = chromedp.FullScreenshot(100) // 100: PNG
	}
	png, err := chromedp.Run(b.ctx, shot)
	require.NoError(t, err, "screenshot")
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = t.ArtifactDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// The page's number formats, as app.js writes them.

// dashInt is an integer with its digits grouped by three.
func dashInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// dashWan is yuan in 万元, to at most two decimals.
func dashWan(yuan int64) string {
	h := (yuan + 50) / 100 // hundredths of 万元, half up
	s := dashInt(h / 100)
	if f := h % 100; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", f), "0")
	}
	return s
}

// dashPct is a rate in percent, to one decimal.
func dashPct(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

// loadDemoData loads the demo data set as the service's seed command does.
func loadDemoData(t *testing.T, e *env) []project.Draft {
	t.Helper()
	auditor := audit.NewService(auditdb.New(e.db), e.clock.now)
	svc := project.NewService(projectdb.New(e.db), e.db, auditor, e.clock.now, newID)
	n, err := seed.Demo(context.Background(), svc, e.auth, "demo password 2021")
	require.NoError(t, err)
	entries, err := seed.Projects()
	require.NoError(t, err)
	require.Equal(t, len(entries), n)
	return entries
}

// dashboardFixture adds projects that make 2021's KPIs as of today (15
// June) non-trivial: new projects started, late and not yet due, continuing
// ones resumed and still stopped, plans and monthly progress, an overdue
// blocker, and one of each of 三个一批 in the second quarter. It returns the
// stage of each project it made.
func dashboardFixture(t *testing.T, e *env) map[string]string {
	t.Helper()
	stages := map[string]string{}
	create := func(name, category, dept, build string, yuan int64, extra ...any) api.Project {
		body := map[string]any{"name": name, "category": category, "department": dept, "build_type": build,
			"total_investment_yuan": yuan, "leader": "王副县长", "township": "壶泉镇"}
		p := e.create(t, asBureau, with(body, extra...))
		stages[p.ID] = p.Stage
		return p
	}
	move := func(p api.Project, to, on string, ev ...api.Evidence) {
		note := ""
		if to == "suspended" {
			note = "冬季停工"
		}
		waiver := ""
		if to == "started" && len(ev) > 0 {
			waiver = "许可证已取得，前期手续待补录" // a first start; the approvals do not hold the permit
		}
		res := e.move(t, asBureau, p.ID, api.TransitionCreate{To: to, OccurredOn: on, Note: note, Evidence: ev, PermitWaiver: waiver})
		require.Equal(t, http.StatusCreated, res.status, "%s → %s: %s", p.Name, to, res)
		stages[p.ID] = to
	}
	plan := func(p api.Project, yuan int64, months map[string]int64) {
		e.put(t, asBureau, projectURL(p.ID, "plans", "2021"), api.PlanWrite{PlannedInvestmentYuan: ptr(yuan)}, http.StatusCreated)
		for m, v := range months {
			e.put(t, asBureau, projectURL(p.ID, "progress", m), api.ReportWrite{CompletedYuan: ptr(v), Note: "月报"}, http.StatusCreated)
		}
	}
	permit := []api.Evidence{{Kind: "permit", Ref: "广灵建许字2021-031"}}

	// New projects planned for 2021: two started, two late, one not yet due,
	// one signed in the quarter that starts in October.
	pv := create("南村20兆瓦分布式光伏项目", "solar_pv", "energy", "new", 150_000_000,
		"planned_start_date", "2021-03-01", "expected_annual_output_yuan", int64(30_000_000))
	move(pv, "started", "2021-04-10", permit...)
	plan(pv, 60_000_000, map[string]int64{"2021-04": 8_000_000, "2021-05": 12_000_000, "2021-06": 10_000_000})
	recycle := create("再生资源综合利用项目", "materials", "devzone", "new", 120_000_000, "planned_start_date", "2021-02-01")
	move(recycle, "started", "2021-05-20", permit...)
	plan(recycle, 40_000_000, map[string]int64{"2021-05": 2_000_000})
	late := create("光伏组件封装项目", "manufacturing", "industry", "new", 80_000_000, "planned_start_date", "2021-05-01")
	e.openBlocker(t, asBureau, late.ID, blocker("厂房用地预审未批", "land", "natural_resources", "2021-05-01"))
	create("农产品加工园项目", "food_processing", "agriculture", "new", 30_000_000, "planned_start_date", "2021-01-15")
	create("冷链物流园项目", "logistics", "commerce", "new", 60_000_000, "planned_start_date", "2021-09-01")
	wind := create("风电装备制造基地项目", "manufacturing", "industry", "new", 500_000_000, "stage", "negotiating",
		"planned_start_date", "2021-10-01", "expected_annual_output_yuan", int64(200_000_000))
	move(wind, "signed", "2021-04-20", api.Evidence{Kind: "contract", Ref: "投资协议 2021-017"})

	// Continuing projects: one resumed in spring, one still stopped, one put
	// into production in the quarter.
	heat := create("县城集中供热扩容工程", "infrastructure", "housing", "continuing", 320_000_000,
		"stage", "started", "started_on", "2020-04-01")
	move(heat, "suspended", "2020-11-20")
	move(heat, "started", "2021-03-25")
	plan(heat, 100_000_000, map[string]int64{"2021-03": 10_000_000, "2021-04": 15_000_000, "2021-05": 15_000_000, "2021-06": 5_000_000})
	hospital := create("县医院综合楼项目", "social", "health", "continuing", 90_000_000, "stage", "started", "started_on", "2020-06-01")
	move(hospital, "suspended", "2020-11-10")
	zinc := create("锌合金深加工项目", "materials", "industry", "continuing", 110_000_000, "stage", "completed",
		"started_on", "2020-03-01", "completed_on", "2021-01-20", "expected_annual_output_yuan", int64(150_000_000))
	move(zinc, "in_production", "2021-05-30")
	return stages
}

// listAll lists every project a query matches, page by page.
func (e *env) listAll(t *testing.T, as, query string) []api.Project {
	t.Helper()
	var out []api.Project
	cursor := ""
	for {
		q := query + "&limit=200"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		l := e.list(t, as, q)
		out = append(out, l.Items...)
		if l.NextCursor == nil {
			return out
		}
		cursor = *l.NextCursor
	}
}

func dashIDs(ps []api.Project) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// getAsLeader reads an endpoint as the leader.
func (e *env) getAsLeader(t *testing.T, path string, v any) {
	t.Helper()
	res := e.do(t, request{principal: asLeader, method: http.MethodGet, path: path})
	require.Equal(t, http.StatusOK, res.status, "%s: %s", path, res)
	res.decode(t, v)
}

// TestDashboardInBrowser signs in through the page's form and holds every
// figure the page shows to the API's answer for the same year and day.
func TestDashboardInBrowser(t *testing.T) {
	path := chromium(t)
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		entries := loadDemoData(t, e)
		loadDemoIndicators(t, e)
		fixture := dashboardFixture(t, e)
		planOfTheRegister(t, e)
		dispatchFixture(t, e)
		leader := e.newUser(t, "dashboard.leader", "leader", "")
		srv := httptest.NewServer(e.h) // 127.0.0.1
		t.Cleanup(srv.Close)
		b := newBrowser(t, path)

		// A wrong password: the problem's Chinese detail, on the form.
		refused := e.signInAnswer(t, leader.Username, "not the password").problem(t)
		b.expectFailure("/api/v1/auth/login", http.StatusUnauthorized)
		b.do(t, "open the page and sign in with a wrong password",
			chromedp.Navigate(srv.URL+"/dashboard?year=2021"), // redirected to /dashboard/
			chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#username"), leader.Username),
			chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
			chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector("#login-error").textContent !== ""`),
		)
		assert.True(t, strings.HasPrefix(b.text(t, "#login-error"), refused.Detail+"（请求编号 "), "%q", b.text(t, "#login-error"))
		assert.Empty(t, evalJS[string](t, b, `document.querySelector("#password").value`), "the wrong password is cleared")

		// Sign in through the form.
		b.do(t, "sign in",
			chromedp.SendKeys(chromedp.CSS("#password"), userPassword),
			chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		)
		require.Equal(t, "ready", b.settled(t, "#board"), "the board loads: %s %s", b.text(t, "#error"), b.texts(t, ".panel-error"))
		assert.Equal(t, "/dashboard/", evalJS[string](t, b, `location.pathname`))
		assert.True(t, evalJS[bool](t, b, `sessionStorage.getItem("pipeline.access_token") !== null && sessionStorage.getItem("pipeline.refresh_token") !== null`),
			"the tokens are kept in sessionStorage")
		assert.Zero(t, evalJS[int](t, b, `localStorage.length`), "nothing in localStorage")
		assert.Equal(t, "dashboard.leader · 县领导", b.text(t, "#user"))

		// The year from the address, the day from the server's clock.
		year, asOf := b.text(t, "#year option:checked"), evalJS[string](t, b, `document.querySelector("#as-of").value`)
		assert.Equal(t, "2021年", year)
		assert.Equal(t, today, asOf, "as_of defaults to the server's today")
		b.screenshot(t, "dashboard-"+db.Dialect()+".png", true)

		var ov api.Overview
		e.getAsLeader(t, "/api/v1/stats/overview?year=2021&as_of="+asOf, &ov)

		// The KPI tiles.
		for key, r := range map[string]struct {
			rate   api.Rate
			target float64
		}{
			"start_annual":  {ov.StartRate.Annual, ov.StartRate.Target},
			"start_to_date": {ov.StartRate.ToDate, ov.StartRate.Target},
			"resumption":    {ov.ResumptionRate.Rate, ov.ResumptionRate.Target},
		} {
			tile := `[data-kpi="` + key + `"] `
			assert.Equal(t, dashPct(r.rate.Rate), b.text(t, tile+".rate"), key)
			assert.Equal(t, dashInt(r.rate.Numerator), b.text(t, tile+".num"), key)
			assert.Equal(t, dashInt(r.rate.Denominator), b.text(t, tile+".den"), key)
			assert.Equal(t, dashPct(&r.target), b.text(t, tile+".target"), key)
			assert.Positive(t, r.rate.Denominator, "%s: the fixture makes it non-trivial", key)
		}
		inv := ov.InvestmentCompletion
		assert.Equal(t, dashPct(inv.Rate.Rate), b.text(t, `[data-kpi="investment"] .rate`))
		assert.Equal(t, dashWan(inv.Numerator), b.text(t, `[data-kpi="investment"] .num`))
		assert.Equal(t, dashWan(inv.Denominator), b.text(t, `[data-kpi="investment"] .den`))
		assert.Equal(t, dashPct(&inv.TimeProgress), b.text(t, `[data-kpi="investment"] .target`))
		require.NotNil(t, inv.GapPoints)
		assert.Equal(t, fmt.Sprintf("落后序时 %.2f 个百分点", *inv.GapPoints), b.text(t, `[data-kpi="investment"] .gap`))
		assert.Equal(t, dashInt(ov.Over100M.Count), b.text(t, `[data-kpi="over_100m"] .count`))
		assert.Equal(t, dashWan(ov.Over100M.TotalInvestmentYuan), b.text(t, `[data-kpi="over_100m"] .sum`))
		assert.Equal(t, dashInt(ov.Projects.Count), b.text(t, `[data-kpi="over_100m"] .all`))
		for light, n := range map[string]int64{"red": ov.Health.Red, "yellow": ov.Health.Yellow, "green": ov.Health.Green} {
			assert.Equal(t, dashInt(n), b.text(t, `.light[data-health="`+light+`"] b`), light)
		}

		// The fixture's figures, worked out by hand: of six new projects
		// planned for 2021 two started; four were due by today; the plans
		// of 2亿 have 6,200万 done by May, the last month whose reports are
		// due by today (序时 5/12).
		assert.Equal(t, [2]int64{2, 6}, [2]int64{ov.StartRate.Annual.Numerator, ov.StartRate.Annual.Denominator})
		assert.Equal(t, [2]int64{2, 4}, [2]int64{ov.StartRate.ToDate.Numerator, ov.StartRate.ToDate.Denominator})
		assert.Equal(t, [2]int64{62_000_000, 200_000_000}, [2]int64{inv.Numerator, inv.Denominator})

		// The plan's words, the county's targets beside them, the dispatch
		// of May, and the years to choose from.
		checkPlanTiles(t, b, e, ov)
		checkIndicators(t, b, e, "2021")
		checkDispatch(t, b, e)
		checkYears(t, b, e)

		// Projects by stage: the chart, the API and the demo data agree.
		want := map[string]int64{}
		for _, en := range entries {
			want[string(en.Stage)]++
		}
		for _, s := range fixture {
			want[s]++
		}
		byStage := map[string]int64{}
		for _, s := range ov.ByStage {
			byStage[s.Stage] = s.Count
		}
		assert.Equal(t, want, byStage, "the demo and fixture projects at their stages")
		shown := b.attrs(t, "#chart-stage g[data-key]", "data-key")
		for s := range byStage {
			assert.Contains(t, shown, s, "the stage chart shows every stage that has projects")
		}
		for _, s := range shown {
			assert.Equal(t, dashInt(byStage[s]), b.text(t, `#chart-stage g[data-key="`+s+`"] text.value`), s)
		}
		assert.Equal(t, []string{"planning", "negotiating", "signed", "landed", "started", "completed", "in_production", "at_capacity", "suspended"},
			shown, "the main line in order, and the side states that have projects")

		// Category and department charts.
		for _, by := range []string{"category", "department"} {
			var bd api.Breakdown
			e.getAsLeader(t, "/api/v1/stats/breakdown?by="+by+"&year=2021", &bd)
			assert.Len(t, b.attrs(t, "#chart-"+by+" g[data-key]", "data-key"), len(bd.Items), by)
			for _, it := range bd.Items {
				g := `#chart-` + by + ` g[data-key="` + it.Key + `"] `
				assert.Equal(t, dashInt(it.Count), b.text(t, g+"text.value"), "%s %s", by, it.Key)
				assert.Equal(t, it.Label, b.text(t, g+"text.label"), "%s %s", by, it.Key)
			}
		}

		// 三个一批 of the second quarter.
		var batches api.Batches
		e.getAsLeader(t, "/api/v1/stats/batches?year=2021&quarter=2", &batches)
		assert.Equal(t, "2021年第2季度", b.text(t, "#batch-title"))
		for key, set := range map[string]api.Batch{"signed": batches.Signed, "started": batches.Started, "in_production": batches.InProduction} {
			cells := b.texts(t, `#batches tr[data-batch="`+key+`"] td`)
			assert.Equal(t, []string{dashInt(set.Count), dashWan(set.TotalInvestmentYuan), dashWan(set.ExpectedAnnualOutputYuan)}, cells, key)
			assert.Positive(t, set.Count, "%s: the fixture has one", key)
		}

		// The red and yellow projects, with their reasons in Chinese.
		alerts := e.listAll(t, asLeader, "health=red,yellow")
		require.NotEmpty(t, alerts)
		assert.ElementsMatch(t, dashIDs(alerts), b.attrs(t, "#alerts li[data-id]", "data-id"))
		reasons := strings.Join(b.texts(t, "#alerts .reasons"), "\n")
		for _, r := range []string{"计划开工日期已过未开工", "问题逾期未解决", "投资完成滞后序时进度（落后 36.70 个百分点）"} {
			assert.Contains(t, reasons, r)
		}

		// Drill-downs: the projects behind a number are exactly those the API names.
		got, names := b.drill(t, `[data-kpi="start_annual"] .num`)
		assert.ElementsMatch(t, ov.StartRate.Annual.ProjectIDs.Numerator, got)
		assert.ElementsMatch(t, []string{"南村20兆瓦分布式光伏项目", "再生资源综合利用项目"}, names)
		got, _ = b.drill(t, `[data-kpi="start_to_date"] .den`)
		assert.ElementsMatch(t, ov.StartRate.ToDate.ProjectIDs.Denominator, got)
		got, _ = b.drill(t, `[data-kpi="resumption"] .den`)
		assert.ElementsMatch(t, ov.ResumptionRate.ProjectIDs.Denominator, got)
		assert.Greater(t, len(got), 30, "the demo's continuing projects")
		got, _ = b.drill(t, `#batches tr[data-batch="started"] a.count`)
		assert.ElementsMatch(t, batches.Started.ProjectIDs, got)
		got, _ = b.drill(t, `#chart-stage g[data-key="started"]`)
		assert.ElementsMatch(t, dashIDs(e.listAll(t, asLeader, "stage=started")), got)
		got, _ = b.drill(t, `#chart-category g[data-key="wind"]`)
		assert.ElementsMatch(t, dashIDs(e.listAll(t, asLeader, "category=wind")), got)
		assert.Len(t, got, 3, "the demo's three wind farms")

		// A session whose access token is due: the page refreshes it (refresh
		// tokens are single use, so a new one comes) and loads again.
		before := evalJS[string](t, b, `sessionStorage.getItem("pipeline.refresh_token")`)
		b.do(t, "reload with the access token due",
			chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("pipeline.expires_at", "0")`),
			chromedp.Reload())
		require.Equal(t, "ready", b.settled(t, "#board"), "the board loads again: %s", b.text(t, "#error"))
		assert.NotEqual(t, before, evalJS[string](t, b, `sessionStorage.getItem("pipeline.refresh_token")`), "a new refresh token")
		assert.Equal(t, today, evalJS[string](t, b, `document.querySelector("#as-of").value`), "the address keeps the day")

		// A laptop's window, with a drill-down open, for the record.
		b.do(t, "laptop view", chromedp.EmulateViewport(1366, 768),
			chromedp.Click(chromedp.CSS(`[data-kpi="over_100m"] .count`)))
		require.Equal(t, "ready", b.settled(t, "#drill"))
		b.screenshot(t, "dashboard-laptop-drill-"+db.Dialect()+".png", false)
		b.do(t, "close the drill-down", chromedp.Click(chromedp.CSS("#drill .drill-head button")))
		phoneView(t, b, db.Dialect())
		check2020(t, b, e, db.Dialect())

		// An error of the API is shown with its Chinese detail, not a blank page.
		bad := e.do(t, request{principal: asLeader, method: http.MethodGet, path: "/api/v1/stats/overview?year=2021&as_of=2021-12-31"})
		require.Equal(t, http.StatusBadRequest, bad.status, "a day after today: %s", bad)
		b.expectFailure("/api/v1/stats/overview", http.StatusBadRequest)
		b.do(t, "ask for a day after today", chromedp.Navigate(srv.URL+"/dashboard/?year=2021&as_of=2021-12-31"))
		require.Equal(t, "error", b.settled(t, "#board"))
		assert.True(t, strings.HasPrefix(b.text(t, "#error"), "指标加载失败："+bad.problem(t).Detail+"（请求编号 "), b.text(t, "#error"))
		assert.Equal(t, "2021年第4季度", b.text(t, "#batch-title"), "the other panels still load, for the quarter of the day asked")

		// Sign out: back to the form, the session gone.
		b.do(t, "sign out", chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#login")))
		assert.Zero(t, evalJS[int](t, b, `sessionStorage.length`), "signing out clears the session")

		time.Sleep(200 * time.Millisecond) // the last console events are on their way
		assert.Empty(t, b.problems(t), "the page wrote errors to the console")
		assert.True(t, slices.ContainsFunc(b.texts(t, "#login-error"), func(s string) bool { return s == "已退出登录" }))
	})
}

// phoneView reads the board as a leader's phone shows it, 390 px wide: no
// page wider than the screen, chart type of at least 12 px, every table
// header on one line, the drill-down's rows as cards, the day as
// YYYY-MM-DD, and no total beside only some bars.
func phoneView(t *testing.T, b *browser, dialect string) {
	t.Helper()
	b.do(t, "a phone's width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Poll[chromedp.Void](`document.querySelector("#chart-stage svg").viewBox.baseVal.width < 400`))
	b.screenshot(t, "dashboard-phone-"+dialect+".png", true)
	assert.Empty(t, evalJS[[]string](t, b, `[...document.querySelectorAll("#board *, .top *")]
		.filter((x) => x.getClientRects().length && x.getBoundingClientRect().right > 391 && !x.closest(".scroll"))
		.map((x) => x.tagName + "." + (x.getAttribute("class") || "") + "#" + x.id)`), "nothing wider than the screen")
	assert.GreaterOrEqual(t, evalJS[float64](t, b, `Math.min(...[...document.querySelectorAll(".chart-svg text")].map((x) => {
		const s = x.ownerSVGElement;
		return parseFloat(getComputedStyle(x).fontSize) * s.getBoundingClientRect().width / s.viewBox.baseVal.width;
	}))`), 12.0, "chart labels of at least 12 px")
	assert.Empty(t, evalJS[[]string](t, b, `[...document.querySelectorAll("th")]
		.filter((th) => th.offsetParent !== null && th.textContent.trim() !== "")
		.filter((th) => {
			const r = document.createRange();
			r.selectNodeContents(th);
			return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > 1;
		}).map((th) => th.textContent)`), "headers that break over lines")
	assert.Zero(t, evalJS[int](t, b, `document.querySelectorAll("#chart-category text.sub, #chart-department text.sub").length`),
		"no total beside only some bars")
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, evalJS[string](t, b, `document.querySelector("#as-of").value`), "the day as YYYY-MM-DD")
	for _, sel := range []string{"#panel-dispatch", "#panel-indicators", ".plan-bar", `[data-kpi="cumulative"]`, `[data-kpi="outside_plan"]`} {
		r := evalJS[[]float64](t, b, `(r => [r.left, r.right, r.height])(document.querySelector(`+jsQuote(sel)+`).getBoundingClientRect())`)
		assert.True(t, r[0] >= 0 && r[1] <= 390 && r[2] > 0, "%s shown within the screen: %v", sel, r)
	}
	assert.Positive(t, evalJS[int](t, b, `document.querySelectorAll("#dispatch tbody tr[data-department] th").length`), "the dispatch's rows")
	assert.Empty(t, evalJS[[]string](t, b, `[...document.querySelectorAll("#panel-indicators .figure, .tile .goal, .tile .frac")]
		.filter((x) => x.getClientRects().length && parseFloat(getComputedStyle(x).fontSize) < 12)
		.map((x) => x.className)`), "the figures' and tiles' type of at least 12 px")

	b.do(t, "a drill-down on the phone", chromedp.Click(chromedp.CSS(`[data-kpi="over_100m"] .count`)))
	require.Equal(t, "ready", b.settled(t, "#drill"))
	b.screenshot(t, "dashboard-phone-drill-"+dialect+".png", false)
	assert.Equal(t, "block", evalJS[string](t, b, `getComputedStyle(document.querySelector("#drill-rows tr")).display`), "rows read as cards")
	assert.Equal(t, []string{"项目名称", "阶段", "责任部门", "包联领导", "总投资（万元）", "灯"},
		evalJS[[]string](t, b, `[...document.querySelector("#drill-rows tr").cells].map((td) => td.dataset.label)`), "each value beside its column's name")
	assert.LessOrEqual(t, evalJS[float64](t, b, `document.querySelector("#drill").getBoundingClientRect().width`), 390.0)
	b.do(t, "close the drill-down and go back to a laptop's width", chromedp.Click(chromedp.CSS("#drill .drill-head button")),
		chromedp.EmulateViewport(1366, 768))
}
