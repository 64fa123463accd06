package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/guangling/pipeline/api"
)

// The sides of the pairs below that a service answers are built by
// functions of one form, (ctx, name, at) with at the service's base URL,
// so that a comparison of two binaries (compare.go) runs the same side
// against each.

// get is a wrk side that sends GET at+path, or what extra's request
// function makes of it; signed: as the bench user, signed in afresh each
// run (a token lives 15 minutes). The request is tried once first, as wrk
// counts only 4xx and 5xx answers wrong.
func (r *run) get(name, at, path string, signed bool, extra string) side {
	return side{name: name, run: func(ctx context.Context, d time.Duration) (sample, error) {
		token, script, err := r.signedScript(ctx, at, signed)
		if err != nil {
			return sample{}, err
		}
		if err := r.expect(ctx, http.MethodGet, at+path, token, http.StatusOK); err != nil {
			return sample{}, failure("%v", err)
		}
		return r.wrkRun(ctx, at+path, script+extra, d)
	}}
}

// signedScript signs in at the service at when asked and returns the
// token and the Lua that sends it with every request.
func (r *run) signedScript(ctx context.Context, at string, signed bool) (string, string, error) {
	if !signed {
		return "", "", nil
	}
	token, err := r.login(ctx, at)
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

func (r *run) healthzSide(_ context.Context, name, at string) (side, error) {
	return r.get(name, at, "/healthz", false, ""), nil
}

// healthzPair: the service's /healthz, through its middleware, against a
// bare gin engine with one handler that answers the same body.
func (r *run) healthzPair(ctx context.Context) error {
	svc, _ := r.healthzSide(ctx, "service", r.svc.api)
	bare := r.get("bare gin", r.bare.url, "/healthz", false, "")
	bare.inProcess = true
	return r.measure(ctx, pair{key: "healthz", what: "GET /healthz of the service against a bare gin handler",
		a: svc, b: bare, atLeast: 0.9, goal: "≥ 0.90"})
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

const listPath = "/api/v1/projects?stage=started&limit=20"

func (r *run) listSide(_ context.Context, name, at string) (side, error) {
	return r.get(name, at, listPath, true, ""), nil
}

// listPair: the service's list against the floor's, and pgbench of the
// service's SQL for reference.
func (r *run) listPair(ctx context.Context) error {
	cols, err := r.answerColumns(ctx)
	if err != nil {
		return err
	}
	if err := r.sameAnswers(ctx, listPath, true); err != nil {
		return err
	}
	svc, _ := r.listSide(ctx, "service", r.svc.api)
	floor := r.get("floor", r.floor.url, listPath, false, "")
	floor.inProcess = true
	if err := r.measure(ctx, pair{key: "list", what: "GET " + listPath + " as the bureau against the floor (gin and pgx, JSON by PostgreSQL)",
		a: svc, b: floor, atLeast: 0.8, goal: "≥ 0.80"}); err != nil {
		return err
	}
	return r.reference(ctx, r.pgbenchSide("list", fmt.Sprintf(listSQL, cols), "stage=started"))
}

// reference runs s, the bare SQL of a pair, for one round after the pair
// and prints its rate and cost: a figure for reference, not a side.
func (r *run) reference(ctx context.Context, s side) error {
	before := r.cpuNow()
	x, err := s.run(ctx, r.o.Round)
	if err != nil {
		return err
	}
	used := r.cpuNow().sub(before)
	used.bench = 0
	r.printf("  for reference, %s of the service's SQL, one round: %s/s  cpu/op %s\n", s.name, figure(x.rate()), used.perOp(x.n))
	return nil
}

// getSample is how many projects, spread evenly over the register, the get
// pair picks from at random: both sides the same ones, and wrk's script
// stays small.
const getSample = 10_000

// getSide asks for a random project of the sample.
func (r *run) getSide(_ context.Context, name, at string) (side, error) {
	return r.get(name, at, "/api/v1/projects/"+ProjectID(1), true, r.getScript()), nil
}

// getScript is the wrk script that asks for a random project of the sample.
func (r *run) getScript() string {
	n := r.o.Projects
	s := min(n, getSample)
	var ids strings.Builder
	for k := range s {
		fmt.Fprintf(&ids, "%s,", luaString(ProjectID(1+k*n/s)))
	}
	return "local ids = {" + ids.String() + "}\n" + `
function init(args) math.randomseed(thread_index * 7919 + os.time()) end
function request() return wrk.format(nil, "/api/v1/projects/" .. ids[math.random(#ids)]) end
`
}

// getPair: GET /api/v1/projects/{id} of a random project of the service
// against the floor's of the same set, and pgbench of the service's SQL for
// reference.
func (r *run) getPair(ctx context.Context) error {
	n := r.o.Projects
	s := min(n, getSample)
	if err := r.sameAnswers(ctx, "/api/v1/projects/"+ProjectID(1+n/2), false); err != nil {
		return err
	}
	svc, _ := r.getSide(ctx, "service", r.svc.api)
	floor := r.get("floor", r.floor.url, "/api/v1/projects/"+ProjectID(1), false, r.getScript())
	floor.inProcess = true
	if err := r.measure(ctx, pair{key: "get", what: "GET /api/v1/projects/{id} of a random project against the floor (gin and pgx, JSON by PostgreSQL)",
		a: svc, b: floor, atLeast: 0.8, goal: "≥ 0.80"}); err != nil {
		return err
	}
	// The service's Get, as PostgreSQL logs it, is SELECT * FROM "projects"
	// WHERE id = $1 LIMIT $2; pgbench computes the ID from the number.
	sql := fmt.Sprintf("\\set k random(0, %d)\n\\set i 1 + :k * %d / %d\n\\set limit 1\n"+
		`SELECT * FROM "projects" WHERE id = md5(:i::text)::uuid LIMIT :limit;`+"\n", s-1, n, s)
	return r.reference(ctx, r.pgbenchSide("get", sql))
}

// deepPage is the page the keyset pair reads, when the register has that
// many pages of 20.
const deepPage = 1000

const firstPage = "/api/v1/projects?limit=20"

// walkPages walks the keyset listing of the service at to page 1,000 (or
// the last full page of a smaller register) following next_cursor, and
// returns the page reached and its path.
func (r *run) walkPages(ctx context.Context, at string) (int, string, error) {
	token, err := r.login(ctx, at)
	if err != nil {
		return 0, "", err
	}
	// page and next: the deepest full page found and its address.
	page, next := 1, firstPage
	for n, path := 1, firstPage; n <= deepPage; n++ {
		var l api.ProjectList
		if err := r.do(ctx, http.MethodGet, at+path, token, nil, http.StatusOK, &l); err != nil {
			return 0, "", err
		}
		if len(l.Items) < 20 {
			break
		}
		page, next = n, path
		if l.NextCursor == nil {
			break
		}
		path = firstPage + "&cursor=" + url.QueryEscape(*l.NextCursor)
	}
	return page, next, nil
}

func (r *run) pageSide(ctx context.Context, name, at string) (side, error) {
	_, path, err := r.walkPages(ctx, at)
	return r.get(name, at, path, true, ""), err
}

// pagePair measures the deep page against the first.
func (r *run) pagePair(ctx context.Context) error {
	page, path, err := r.walkPages(ctx, r.svc.api)
	if err != nil {
		return err
	}
	return r.measure(ctx, pair{key: "page", what: fmt.Sprintf("GET %s, page %d (by its cursor) against page 1", firstPage, page),
		a: r.get(fmt.Sprintf("page %d", page), r.svc.api, path, true, ""), b: r.get("page 1", r.svc.api, firstPage, true, ""),
		atLeast: 0.9, goal: "≥ 0.90"})
}
