package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/calendar"
)

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

// moveSide moves the service's band back and forth. In a comparison both
// binaries move the same band in turn; each run starts from the stages the
// projects are in.
func (r *run) moveSide(_ context.Context, name, at string) (side, error) {
	band := r.moveBand()
	if band < r.o.Clients {
		return side{}, fmt.Errorf("%d projects give %d to move, fewer than the clients", r.o.Projects, band)
	}
	return side{name: name, run: func(ctx context.Context, d time.Duration) (sample, error) {
		_, auth, err := r.signedScript(ctx, at, true)
		if err != nil {
			return sample{}, err
		}
		projects, err := r.moverStages(ctx, band)
		if err != nil {
			return sample{}, err
		}
		day := calendar.Today(time.Now()).Format(time.DateOnly)
		suspend, _ := json.Marshal(api.TransitionCreate{To: "suspended", OccurredOn: day, Note: "用地调整"})
		resume, _ := json.Marshal(api.TransitionCreate{To: "started", OccurredOn: day})
		script := auth + "wrk.headers[\"Content-Type\"] = \"application/json\"\n" + projects +
			"suspend = " + luaString(string(suspend)) + "\nresume = " + luaString(string(resume)) + "\n" +
			fmt.Sprintf(moveScript, r.o.Clients)
		return r.wrkRun(ctx, at+"/api/v1/projects", script, d)
	}}, nil
}

// moverStages reads the service's band of band projects and returns the
// Lua tables of their IDs (ids) and whether each is suspended (suspended).
func (r *run) moverStages(ctx context.Context, band int) (string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT p.id::text, p.stage = 'suspended' FROM generate_series(0, $1 - 1) AS k
		JOIN projects p ON p.id = md5((100 * (k / $2) + $3 + k % $2)::text)::uuid ORDER BY k`, band, moverWidth, moverFirst)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var ids, states strings.Builder
	for rows.Next() {
		var id string
		var suspended bool
		if err := rows.Scan(&id, &suspended); err != nil {
			return "", err
		}
		fmt.Fprintf(&ids, "%s,", luaString(id))
		fmt.Fprintf(&states, "%t,", suspended)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "ids = {" + ids.String() + "}\nsuspended = {" + states.String() + "}\n", nil
}

// movePair: the service's moves against pgbench of the SQL the service
// sends for them (moveSQL), and then the WAL a move writes, on each side
// and in the bare transaction (bareMove).
func (r *run) movePair(ctx context.Context) error {
	svc, err := r.moveSide(ctx, "service", r.svc.api)
	if err != nil {
		return err
	}
	script, err := r.moveSQLSide(ctx)
	if err != nil {
		return err
	}
	band := r.moveBand()
	if err := r.measure(ctx, pair{key: "move", what: fmt.Sprintf("stage moves started ⇄ suspended with history and audit (service, %d projects) "+
		"against pgbench -M prepared of the statements the service sends for one (%d other projects; sealing counts on the service's side)", band, band),
		a: svc, b: script, atLeast: 0.8, goal: "≥ 0.80"}); err != nil {
		return err
	}
	bare := r.pgbenchSide("move", fmt.Sprintf(bareMove, band-1, moverWidth, moverFirst+moverWidth, moverWidth))
	bare.name = "bare transaction"
	w, err := r.moveWAL(ctx, []side{svc, script, bare})
	if err != nil {
		return err
	}
	r.printWAL(w)
	return nil
}
