package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// moveSQL is what the service sends PostgreSQL for one move, as PostgreSQL
// logs it (log_statement = all) for a move of a project already moved that
// day, the move pair's steady state: the read of the project with the
// dispatch calendar (projectdb.Store.GetWithPeriods), then one
// data-modifying WITH (database.UpdateIf) that updates the project on the
// condition that it is as read, locking it NOWAIT, and inserts the staged
// audit entry, the change feed's event and the history entry, with the
// same 2 and 41 parameters. pgbench reads the project into variables
// (\gset) and sends them back as the service does; the stage and the
// transition's note and kind follow from the stage read. The audit entry
// and the event go to copies of audit_pending and events (same columns,
// defaults and indexes) that the service does not read, so that sealing
// and sequencing, the service's work after the commit, count on the
// service's side only. Each client toggles its own share of the band
// (:client_id), as each wrk thread does, since a NOWAIT that meets another
// client's lock fails the transaction. pgbench takes no empty variable,
// so the empty texts that the service sends (department, waiver) are
// left(:x, 0) of a variable, which keeps them parameters. %[1]d: the clients, %[2]d: the
// band's projects per client, %[3]d and %[4]d: the band (moverWidth, its
// first i %% 100).
const moveSQL = `\set k :client_id + %[1]d * random(0, %[2]d - 1)
\set i 100 * (:k / %[3]d) + %[4]d + :k %% %[3]d
\set one 1
\set r1 random(1, 9000000000000000000)
\set r2 random(1, 9000000000000000000)
SELECT projects.*, (SELECT COALESCE(json_agg(json_build_object('period', period, 'due_on', due_on, 'combined', combined)), '[]')
    FROM dispatch_periods) AS dispatch_periods FROM "projects" WHERE id = md5(:i::text)::uuid LIMIT :one \gset p_
WITH u AS (UPDATE "projects" SET "stage" = CASE :p_stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END, "updated_at" = :at,
    "version" = :p_version::int + 1
    WHERE id = (SELECT id FROM "projects" WHERE "health_facts" = :p_health_facts AND "id" = :p_id AND "version" = :p_version FOR UPDATE NOWAIT) RETURNING 1),
  i0 AS (INSERT INTO "bench_audit_pending" ("at", "actor", "actor_id", "dept", "action", "resource_type", "resource_id", "before", "after", "request_id", "format")
    SELECT :at, :actor, :actor_id, left(:dept, 0), :action, :resource_type, :p_id, :before, :after, :request_id, :format FROM u),
  i1 AS (INSERT INTO "bench_events" ("event_id", "type", "at", "actor", "actor_id", "actor_dept", "resource_type", "resource_id", "project_id", "version", "changes", "departments", "request_id")
    SELECT md5(:r1::text)::uuid, :action, :at, :actor, :actor_id, left(:dept, 0), :resource_type, :p_id, :p_id, :p_version::int + 1, :changes, :departments, :request_id FROM u),
  i2 AS (INSERT INTO "project_transitions" ("id", "project_id", "from_stage", "to_stage", "occurred_on", "note", "evidence", "kind", "actor", "department", "recorded_at", "permit_waiver")
    SELECT md5(:r2::text)::uuid, :p_id, :p_stage, CASE :p_stage::text WHEN 'started' THEN 'suspended' ELSE 'started' END, :day,
      CASE :p_stage::text WHEN 'started' THEN '用地调整' ELSE '' END, :evidence, CASE :p_stage::text WHEN 'started' THEN 'move' ELSE 'resumption' END,
      :actor, left(:dept, 0), :at, left(:waiver, 0) FROM u)
SELECT count(*) FROM u;
`

// moveSQLTables makes the copies of the staging tables that the move's SQL
// writes its audit entry and event to.
var moveSQLTables = []string{
	`DROP TABLE IF EXISTS bench_audit_pending, bench_events`,
	`CREATE TABLE bench_audit_pending (LIKE audit_pending INCLUDING ALL)`,
	`CREATE TABLE bench_events (LIKE events INCLUDING ALL)`,
}

// moveSQLDefines are the values of the move's SQL that the service takes
// from the request and the move it wrote: the audit entry's before and
// after, the event's changes and departments, read from the service's
// latest move, so that the script's entries are as large as the
// service's, whatever their form.
func (r *run) moveSQLDefines(ctx context.Context) ([]string, error) {
	var before, after, changes, depts, actorID, format string
	err := r.db.QueryRowContext(ctx, `SELECT a.before, a.after, a.actor_id, a.format, e.changes, e.departments
		FROM (SELECT before, after, actor_id, format::text, at FROM audit_pending WHERE action = 'project.stage_changed'
			UNION ALL SELECT before, after, actor_id, format::text, at FROM audit_entries WHERE action = 'project.stage_changed') a,
		(SELECT changes, departments FROM events WHERE type = 'project.stage_changed' ORDER BY id DESC LIMIT 1) e
		ORDER BY a.at DESC LIMIT 1`).
		Scan(&before, &after, &actorID, &format, &changes, &depts)
	if err != nil {
		return nil, fmt.Errorf("read a move's audit entry and event (the service's side runs first): %w", err)
	}
	day := time.Now().In(shanghai).Format(time.DateOnly)
	return []string{"at=" + time.Now().UTC().Format(time.RFC3339Nano), "day=" + day, "actor=" + benchUser, "actor_id=" + actorID,
		"dept=-", "action=project.stage_changed", "resource_type=project", "before=" + before, "after=" + after,
		"changes=" + changes, "departments=" + depts, "request_id=0123456789abcdef0123456789abcdef", "evidence=[]", "waiver=-", "format=" + format}, nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// moveSQLSide runs the move's SQL with pgbench on the band after the
// service's. Its values are read from the service's moves at its first run.
func (r *run) moveSQLSide(ctx context.Context) (side, error) {
	for _, s := range moveSQLTables {
		if _, err := r.db.ExecContext(ctx, s); err != nil {
			return side{}, fmt.Errorf("%s: %w", s, err)
		}
	}
	band, c := r.moveBand(), r.o.Clients
	script := fmt.Sprintf(moveSQL, c, band/c, moverWidth, moverFirst+moverWidth)
	var defines []string
	return side{name: "its SQL", run: func(ctx context.Context, d time.Duration) (sample, error) {
		if defines == nil {
			var err error
			if defines, err = r.moveSQLDefines(ctx); err != nil {
				return sample{}, err
			}
		}
		return r.pgbenchRun(ctx, "move-sql", script, d, defines...)
	}}, nil
}

// staged is whether the service still has work after its moves' commits:
// audit entries to seal, events to sequence.
func (r *run) staged(ctx context.Context) (bool, error) {
	var pending bool
	err := r.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM audit_pending) OR EXISTS (SELECT 1 FROM events WHERE position IS NULL)`).Scan(&pending)
	return pending, err
}

// drain waits until the service has sealed and sequenced what its moves
// staged.
func (r *run) drain(ctx context.Context) error {
	for t0 := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		pending, err := r.staged(ctx)
		if err != nil || !pending {
			return err
		}
		if time.Since(t0) > time.Minute {
			return failure("the service's audit entries or events still staged after a minute")
		}
	}
}

// walSide is what the WAL of one side of the move measured: bytes per
// move.
type walSide struct {
	name  string
	bytes float64
}

// moveWAL measures the WAL each kind of move writes: after a checkpoint,
// the server's WAL position before and after one round of the side (and,
// for the service, after its sealer and sequencer have drained), over the
// moves made. The server's WAL is shared: whatever else writes meanwhile
// counts too.
func (r *run) moveWAL(ctx context.Context, sides []side) ([]walSide, error) {
	var out []walSide
	for _, s := range sides {
		if _, err := r.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
			return nil, fmt.Errorf("checkpoint (WAL per move needs a superuser): %w", err)
		}
		var lsn string
		if err := r.db.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
			return nil, err
		}
		x, err := s.run(ctx, r.o.Round)
		if err != nil {
			return nil, err
		}
		if err := r.drain(ctx); err != nil {
			return nil, err
		}
		var b float64
		if err := r.db.QueryRowContext(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8", lsn).Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, walSide{name: s.name, bytes: b / float64(x.n)})
	}
	return out, nil
}

// printWAL prints the WAL per move of each side and the ratio of the
// service's to the bare transaction's, the last side.
func (r *run) printWAL(w []walSide) {
	var parts []string
	for _, s := range w {
		parts = append(parts, fmt.Sprintf("%s %s B", s.name, figure(s.bytes)))
	}
	ratio := w[0].bytes / w[len(w)-1].bytes
	pass := ratio <= 2
	r.printf("  wal/op   %s; service/bare %.2f×  target ≤ 2×  %s\n", strings.Join(parts, ", "), ratio, mark(pass))
	r.results = append(r.results, result{key: "move WAL", measured: fmt.Sprintf("service %s B/move vs bare %s B/move",
		figure(w[0].bytes), figure(w[len(w)-1].bytes)), ratio: fmt.Sprintf("%.2f×", ratio), value: ratio, target: 2, atMost: true, goal: "≤ 2×", pass: pass})
}
