package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// side is one side of a pair: a run of the given length, one sample.
type side struct {
	name string
	run  func(ctx context.Context, d time.Duration) (sample, error)
}

// pair is two sides measured alternately, A then B every round (B then A
// with bFirst); the target is a rate of A at least atLeast times B's.
type pair struct {
	key     string
	what    string
	a, b    side
	atLeast float64
	goal    string // the target as it reads beside the ratio
	// once: a side is one operation (an export), not a run of a given
	// length, and the pair gets no warm-up.
	once bool
	// bFirst: B runs before A in each round.
	bFirst bool
}

// result is one line of the summary.
type result struct {
	key      string
	measured string
	ratio    string
	goal     string
	pass     bool
	info     bool  // a figure for comparison, with no target
	rss      int64 // memory only
	rssErr   error
}

// measure runs p: a warm-up of each side (its figures dropped: caches,
// prepared statements, pools), then the rounds, printing each, then the
// totals. A total's rate is all requests over all time; its p50 is the
// median of the rounds' p50 and its p99 the highest round's p99 (wrk
// reports percentiles, not its samples, so rounds cannot be pooled).
func (r *run) measure(ctx context.Context, p pair) error {
	r.printf("\n%s: %s\n", p.key, p.what)
	if !p.once {
		warm := min(r.o.Round, time.Second)
		for _, s := range []side{p.a, p.b} {
			if _, err := s.run(ctx, warm); err != nil {
				return err
			}
		}
	}
	var as, bs []sample
	acpu, bcpu := cpu{pgOK: true}, cpu{pgOK: true}
	for i := range r.o.Rounds {
		sides, into, used := []side{p.a, p.b}, []*[]sample{&as, &bs}, []*cpu{&acpu, &bcpu}
		if p.bFirst {
			slices.Reverse(sides)
			slices.Reverse(into)
			slices.Reverse(used)
		}
		for k, s := range sides {
			before := r.cpuNow()
			x, err := s.run(ctx, r.o.Round)
			if err != nil {
				return err
			}
			*used[k] = used[k].add(r.cpuNow().sub(before))
			*into[k] = append(*into[k], x)
		}
		a, b := as[i], bs[i]
		r.printf("  round %d  %s  %s  ratio %.2f\n", i+1, sideLine(p.a.name, a), sideLine(p.b.name, b), a.rate()/b.rate())
	}
	a, b := total(as), total(bs)
	ratio := a.rate() / b.rate()
	res := result{key: p.key, measured: p.a.name + " " + rate(a.rate()) + "/s vs " + p.b.name + " " + rate(b.rate()) + "/s",
		ratio: fmt.Sprintf("%.2f", ratio), goal: p.goal, pass: ratio >= p.atLeast}
	r.printf("  total    %s  %s  ratio %.2f  target %s  %s\n", sideLine(p.a.name, a), sideLine(p.b.name, b), ratio, p.goal, mark(res.pass))
	r.printf("  cpu/op   %s: %s; %s: %s\n", p.a.name, acpu.perOp(a.n), p.b.name, bcpu.perOp(b.n))
	r.results = append(r.results, res)
	return nil
}

func total(ss []sample) sample {
	var t sample
	var p50 []time.Duration
	for _, s := range ss {
		t.n += s.n
		t.elapsed += s.elapsed
		p50 = append(p50, s.p50)
		t.p99 = max(t.p99, s.p99)
	}
	slices.Sort(p50)
	t.p50 = p50[len(p50)/2]
	return t
}

func sideLine(name string, s sample) string {
	return fmt.Sprintf("%-15s %9s/s  p50 %8s  p99 %8s", name, rate(s.rate()), ms(s.p50), ms(s.p99))
}

func rate(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3f", x)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mark(pass bool) string {
	if pass {
		return "PASS"
	}
	return "MISS"
}

// get is a wrk side that sends GET target, or what extra's request
// function makes of it; signed: as the bench user, signed in afresh each
// run (a token lives 15 minutes). target is tried once first, as wrk
// counts only 4xx and 5xx answers wrong.
func (r *run) get(name, target string, signed bool, extra string) side {
	return side{name: name, run: func(ctx context.Context, d time.Duration) (sample, error) {
		token, script, err := r.signedScript(ctx, signed)
		if err != nil {
			return sample{}, err
		}
		if err := r.expect(ctx, http.MethodGet, target, token, http.StatusOK); err != nil {
			return sample{}, failure("%v", err)
		}
		return r.wrkRun(ctx, target, script+extra, d)
	}}
}

// signedScript signs in when asked and returns the token and the Lua that
// sends it with every request.
func (r *run) signedScript(ctx context.Context, signed bool) (string, string, error) {
	if !signed {
		return "", "", nil
	}
	token, err := r.login(ctx)
	if err != nil {
		return "", "", err
	}
	return token, "wrk.headers[\"Authorization\"] = " + luaString("Bearer "+token) + "\n", nil
}

// pgbenchSide runs script; defines are pgbench -D variables (strings,
// which \set cannot make).
func (r *run) pgbenchSide(name, script string, defines ...string) side {
	return side{name: "pgbench", run: func(ctx context.Context, d time.Duration) (sample, error) {
		return r.pgbenchRun(ctx, name, script, d, defines...)
	}}
}

// healthzPair: the service's /healthz, through its middleware, against a
// bare gin engine with one handler that answers the same body.
func (r *run) healthzPair(ctx context.Context) error {
	return r.measure(ctx, pair{key: "healthz", what: "GET /healthz of the service against a bare gin handler",
		a: r.get("service", r.api+"/healthz", false, ""), b: r.get("bare gin", r.bare+"/healthz", false, ""),
		atLeast: 0.9, goal: "≥ 0.90"})
}

// authPair: GET /api/v1/projects/{id} through the service's router, token
// and account checked, against the same route, middleware and handler with
// the principal put in place. Both get the same request, token included.
func (r *run) authPair(ctx context.Context) error {
	path := "/api/v1/projects/" + ProjectID(1)
	return r.measure(ctx, pair{key: "auth", what: "GET " + path + " with authentication against without (same request, same process)",
		a: r.get("authenticated", r.authed+path, true, ""), b: r.get("unauthenticated", r.unauthed+path, true, ""),
		atLeast: 1 / 1.15, goal: "≥ 0.87 (time ≤ 1.15×)"})
}

// listSQL is what the service runs for GET /api/v1/projects?stage=started&limit=20
// as a bureau user (projectdb's List: every department, live projects, the
// default order, one row more than the page to tell whether another
// follows, every column but health_facts), as PostgreSQL logs it, with the
// same parameters: the stage comes from pgbench -D stage=started; %s is
// the column list.
const listSQL = `\set limit 21
SELECT %s FROM "projects" WHERE archived_at IS NULL AND stage IN (:stage) ORDER BY created_at ASC, id ASC LIMIT :limit;
`

func (r *run) listPair(ctx context.Context) error {
	var cols string
	if err := r.db.QueryRowContext(ctx, `SELECT string_agg(format('"projects".%I', column_name), ',' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'projects' AND column_name <> 'health_facts'`,
		r.o.Schema).Scan(&cols); err != nil {
		return err
	}
	listSQL := fmt.Sprintf(listSQL, cols)
	return r.measure(ctx, pair{key: "list", what: "GET /api/v1/projects?stage=started&limit=20 as the bureau against pgbench -M prepared of its SQL",
		a: r.get("service", r.api+"/api/v1/projects?stage=started&limit=20", true, ""), b: r.pgbenchSide("list", listSQL, "stage=started"),
		atLeast: 0.6, goal: "≥ 0.60"})
}

// getSample is how many projects, spread evenly over the register, the get
// pair picks from at random: both sides the same ones, and wrk's script
// stays small.
const getSample = 10_000

// getPair: GET /api/v1/projects/{id} of a random project against pgbench
// running the SQL of the service's Get for a random project of the same set.
func (r *run) getPair(ctx context.Context) error {
	n := r.o.Projects
	s := min(n, getSample)
	var ids strings.Builder
	for k := range s {
		fmt.Fprintf(&ids, "%s,", luaString(ProjectID(1+k*n/s)))
	}
	script := "local ids = {" + ids.String() + "}\n" + `
function init(args) math.randomseed(thread_index * 7919 + os.time()) end
function request() return wrk.format(nil, "/api/v1/projects/" .. ids[math.random(#ids)]) end
`
	// The service's Get, as PostgreSQL logs it, is SELECT * FROM "projects"
	// WHERE id = $1 LIMIT $2; pgbench computes the ID from the number.
	sql := fmt.Sprintf("\\set k random(0, %d)\n\\set i 1 + :k * %d / %d\n\\set limit 1\n"+
		`SELECT * FROM "projects" WHERE id = md5(:i::text)::uuid LIMIT :limit;`+"\n", s-1, n, s)
	return r.measure(ctx, pair{key: "get", what: "GET /api/v1/projects/{id} of a random project against pgbench -M prepared of its SQL",
		a: r.get("service", r.api+"/api/v1/projects/"+ProjectID(1), true, script), b: r.pgbenchSide("get", sql),
		atLeast: 0.6, goal: "≥ 0.60"})
}

// deepPage is the page the keyset pair reads, when the register has that
// many pages of 20.
const deepPage = 1000

// pagePair walks the keyset listing to page 1,000 (or the last full page
// of a smaller register) following next_cursor, then measures that page
// against the first.
func (r *run) pagePair(ctx context.Context) error {
	token, err := r.login(ctx)
	if err != nil {
		return err
	}
	first := r.api + "/api/v1/projects?limit=20"
	// page and next: the deepest full page found and its address.
	page, next := 1, first
	for n, at := 1, first; n <= deepPage; n++ {
		var l api.ProjectList
		if err := r.do(ctx, http.MethodGet, at, token, nil, http.StatusOK, &l); err != nil {
			return err
		}
		if len(l.Items) < 20 {
			break
		}
		page, next = n, at
		if l.NextCursor == nil {
			break
		}
		at = first + "&cursor=" + url.QueryEscape(*l.NextCursor)
	}
	return r.measure(ctx, pair{key: "page", what: fmt.Sprintf("GET /api/v1/projects?limit=20, page %d (by its cursor) against page 1", page),
		a: r.get(fmt.Sprintf("page %d", page), next, true, ""), b: r.get("page 1", first, true, ""),
		atLeast: 0.9, goal: "≥ 0.90"})
}

// moveBand is how many projects each side of the move pair toggles:
// the started projects of one band of i % 100 (see moverFirst).
func (r *run) moveBand() int { return moverWidth * (r.o.Projects / 100) }

// bareMove is what a move comes down to in SQL, for pgbench, on the same
// tables: lock the project, change its stage, append its history entry,
// commit. It toggles a random project of the band after the service's (two
// clients rarely pick one project: the band holds 12 % of the register;
// when they do, the second waits for the lock, as a move would queue).
const bareMove = `\set k random(0, %d)
\set i 100 * (:k / %d) + %d + :k %% %d
BEGIN;
SELECT stage FROM projects WHERE id = md5(:i::text)::uuid FOR UPDATE \gset
UPDATE projects SET stage = CASE :stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END,
    version = version + 1, updated_at = now() WHERE id = md5(:i::text)::uuid;
INSERT INTO project_transitions (id, project_id, from_stage, to_stage, occurred_on, note, kind, actor, recorded_at)
    VALUES (gen_random_uuid(), md5(:i::text)::uuid, :stage, CASE :stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END,
    (now() AT TIME ZONE 'Asia/Shanghai')::date, '用地调整', 'move', 'bench', now());
COMMIT;
`

// moveScript toggles the service's band started → suspended (with the note
// a suspension needs) → started, each wrk thread its own share of the
// projects so that two moves never meet on one project. The response
// function keeps each project's stage and counts answers other than 201.
const moveScript = `
function init(args)
  mine = {}
  for k = 1, #ids do
    if (k - 1) %% %d == thread_index then table.insert(mine, k) end
  end
  pos, wrong = 1, 0
end
function request()
  cur = mine[pos]
  local body = suspend
  if suspended[cur] then body = resume end
  return wrk.format("POST", "/api/v1/projects/" .. ids[cur] .. "/transitions", nil, body)
end
function response(status, headers, body)
  if status == 201 then suspended[cur] = not suspended[cur] else wrong = wrong + 1 end
  pos = pos %% #mine + 1
end
`

func (r *run) movePair(ctx context.Context) error {
	band := r.moveBand()
	if band < r.o.Clients {
		return fmt.Errorf("%d projects give %d to move, fewer than the clients", r.o.Projects, band)
	}
	svc := side{name: "service", run: func(ctx context.Context, d time.Duration) (sample, error) {
		_, auth, err := r.signedScript(ctx, true)
		if err != nil {
			return sample{}, err
		}
		// Each run starts from the stages the projects are in.
		rows, err := r.db.QueryContext(ctx, `SELECT p.id::text, p.stage = 'suspended' FROM generate_series(0, $1 - 1) AS k
			JOIN projects p ON p.id = md5((100 * (k / $2) + $3 + k % $2)::text)::uuid ORDER BY k`, band, moverWidth, moverFirst)
		if err != nil {
			return sample{}, err
		}
		var ids, states strings.Builder
		for rows.Next() {
			var id string
			var suspended bool
			if err := rows.Scan(&id, &suspended); err != nil {
				rows.Close()
				return sample{}, err
			}
			fmt.Fprintf(&ids, "%s,", luaString(id))
			fmt.Fprintf(&states, "%t,", suspended)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sample{}, err
		}
		day := calendar.Today(time.Now()).Format(time.DateOnly)
		suspend, _ := json.Marshal(api.TransitionCreate{To: "suspended", OccurredOn: day, Note: "用地调整"})
		resume, _ := json.Marshal(api.TransitionCreate{To: "started", OccurredOn: day})
		script := auth + "wrk.headers[\"Content-Type\"] = \"application/json\"\n" +
			"ids = {" + ids.String() + "}\nsuspended = {" + states.String() + "}\n" +
			"suspend = " + luaString(string(suspend)) + "\nresume = " + luaString(string(resume)) + "\n" +
			fmt.Sprintf(moveScript, r.o.Clients)
		return r.wrkRun(ctx, r.api+"/api/v1/projects", script, d)
	}}
	sql := fmt.Sprintf(bareMove, band-1, moverWidth, moverFirst+moverWidth, moverWidth)
	return r.measure(ctx, pair{key: "move", what: fmt.Sprintf("stage moves started ⇄ suspended with history and audit (service, %d projects) "+
		"against pgbench's bare lock-update-insert-commit (%d other projects)", band, band),
		a: svc, b: r.pgbenchSide("move", sql), atLeast: 0.8, goal: "≥ 0.80"})
}

// overview measures GET /api/v1/stats/overview alone: its target is a
// latency. The first request reads the register; it is timed apart.
func (r *run) overview(ctx context.Context) error {
	// The dashboard's tiles ask without the IDs and fetch them when a number
	// is opened (docs/api.md).
	const path = "/api/v1/stats/overview?ids=false"
	r.printf("\noverview: GET %s, as the dashboard's tiles ask (p99 target < 50 ms)\n", path)
	token, err := r.login(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := r.expect(ctx, http.MethodGet, r.api+path, token, http.StatusOK); err != nil {
		return err
	}
	r.printf("  first request (cold) %s\n", ms(time.Since(t0)))
	s := r.get("service", r.api+path, true, "")
	var ss []sample
	for i := range r.o.Rounds {
		x, err := s.run(ctx, r.o.Round)
		if err != nil {
			return err
		}
		ss = append(ss, x)
		r.printf("  round %d  %s\n", i+1, sideLine("service", x))
	}
	t := total(ss)
	pass := t.p99 < 50*time.Millisecond
	r.printf("  total    %s  target p99 < 50 ms  %s\n", sideLine("service", t), mark(pass))
	r.results = append(r.results, result{key: "overview", measured: fmt.Sprintf("%s/s, p50 %s, p99 %s", rate(t.rate()), ms(t.p50), ms(t.p99)),
		goal: "p99 < 50 ms", pass: pass})
	return nil
}

// overviewIDs measures the overview with the IDs behind every number, as an
// integrating system or a drill-down asks for it: one round, reported with
// the answer's size and the service's peak memory after it, no target.
func (r *run) overviewIDs(ctx context.Context) error {
	const path = "/api/v1/stats/overview"
	token, err := r.login(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.api+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		return failure("%v", err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return failure("GET %s: %d %v", path, res.StatusCode, err)
	}
	r.printf("\noverview-ids: GET %s with every ID behind its numbers (%.1f MB), for comparison\n", path, float64(n)/(1<<20))
	r.printf("  first request (cold) %s\n", ms(time.Since(t0)))
	x, err := r.get("service", r.api+path, true, "").run(ctx, r.o.Round)
	if err != nil {
		return err
	}
	rss, err := r.service.peakRSS()
	if err != nil {
		return err
	}
	r.printf("  round 1  %s  service peak RSS now %.0f MB\n", sideLine("service", x), float64(rss)/(1<<20))
	r.results = append(r.results, result{key: "ids", measured: fmt.Sprintf("%s/s, p50 %s, p99 %s, %.1f MB each, peak RSS %.0f MB",
		rate(x.rate()), ms(x.p50), ms(x.p99), float64(n)/(1<<20), float64(rss)/(1<<20)), info: true})
	return nil
}

// exportSQL selects what the export writes, column for column, with the
// export's headers: the register's columns (project.Columns) of every live
// project in the export's order. Derived columns (万元) are computed as the
// export computes them; labels stay codes, which is psql's share of the
// work the export does.
func exportSQL() string {
	cols := project.Columns()
	alias := map[string]string{}
	for _, c := range cols {
		alias[c.Header] = c.Alias
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		expr := c.Alias
		if c.Source != "" {
			expr = fmt.Sprintf("%s / %d.0", alias[c.Source], c.Per)
		}
		sel[i] = fmt.Sprintf(`%s AS "%s"`, expr, c.Header)
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM projects WHERE archived_at IS NULL ORDER BY created_at, id"
}

// exportPair: GET /api/v1/projects/export?format=xlsx, read to a file,
// against psql \copy of the same columns to a CSV file; one of each per
// round.
func (r *run) exportPair(ctx context.Context) error {
	query := exportSQL()
	copyFile, xlsxFile := filepath.Join(r.tmp, "export.csv"), filepath.Join(r.tmp, "export.xlsx")
	export := side{name: "export", run: func(ctx context.Context, _ time.Duration) (sample, error) {
		token, err := r.login(ctx)
		if err != nil {
			return sample{}, err
		}
		t0 := time.Now()
		if err := r.download(ctx, r.api+"/api/v1/projects/export?format=xlsx", token, xlsxFile); err != nil {
			return sample{}, err
		}
		return once(time.Since(t0)), nil
	}}
	cp := side{name: `psql \copy`, run: func(ctx context.Context, _ time.Duration) (sample, error) {
		took, err := r.psqlCopy(ctx, query, copyFile)
		return once(took), err
	}}
	// psql first in each round (copy, export, copy, export …): each reads
	// the register the other just read.
	if err := r.measure(ctx, pair{key: "export", what: fmt.Sprintf("GET /api/v1/projects/export?format=xlsx of %d projects against psql \\copy of the same columns as CSV (one of each a round, psql first; rates are exports/s)", r.o.Projects),
		a: export, b: cp, atLeast: 1.0 / 3, goal: "≥ 0.33 (time ≤ 3×)", once: true, bFirst: true}); err != nil {
		return err
	}
	for _, f := range []string{copyFile, xlsxFile} {
		if st, err := os.Stat(f); err == nil {
			r.printf("  %s: %.1f MB\n", filepath.Base(f), float64(st.Size())/1e6)
		}
	}
	return nil
}

func once(took time.Duration) sample { return sample{n: 1, elapsed: took, p50: took, p99: took} }

// download streams url to file.
func (r *run) download(ctx context.Context, url, token, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.client.Do(req)
	if err != nil {
		return failure("export: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return failure("export: %d: %s", resp.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return failure("export: %v", err)
	}
	return f.Close()
}

// summary prints one line per pair, the service's peak memory and how long
// each phase took.
func (r *run) summary() {
	r.printf("\nsummary: %d projects, %d client(s) a side, %d round(s) of %s\n", r.o.Projects, r.o.Clients, r.o.Rounds, r.o.Round)
	for _, x := range r.results {
		if x.key == "memory" {
			if x.rssErr != nil {
				r.printf("  %-9s service peak RSS unknown: %v\n", x.key, x.rssErr)
				continue
			}
			x.measured = fmt.Sprintf("service peak RSS (VmHWM) %.0f MB", float64(x.rss)/(1<<20))
			x.goal, x.pass = "< 150 MB", x.rss < 150<<20
		}
		m := mark(x.pass)
		if x.info {
			m = ""
		}
		r.printf("  %-9s %-62s %6s  %-22s %s\n", x.key, x.measured, x.ratio, x.goal, m)
	}
	var ph []string
	for _, p := range r.phases {
		ph = append(ph, fmt.Sprintf("%s %s", p.name, p.took.Round(100*time.Millisecond)))
	}
	r.printf("phases: %s\n", strings.Join(ph, ", "))
}
