package bench

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// The generated projects the stage-move pair toggles are started projects
// picked by i % 100 (the generator's serial number): the service's in
// [moverFirst, moverFirst+moverWidth), pgbench's in the next band of the
// same width, so that the two sides never touch the same row.
const (
	moverFirst = 40 // the first i % 100 that is started (see genStages)
	moverWidth = 12
)

// ProjectID is the ID Generate gives its project number i (1-based):
// md5 of the decimal number, as PostgreSQL's md5(i::text)::uuid spells it.
// pgbench scripts compute the same in SQL, so both sides of a pair can
// pick a random project without a lookup.
func ProjectID(i int) string {
	s := md5.Sum([]byte(strconv.Itoa(i)))
	h := hex.EncodeToString(s[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// genStages spreads the stages by i % 100 as a county register holds them:
// most projects being prepared or built, a few stopped or given up.
const genStages = `CASE
	WHEN i % 100 < 15 THEN 'planning'      WHEN i % 100 < 25 THEN 'negotiating'
	WHEN i % 100 < 32 THEN 'signed'        WHEN i % 100 < 40 THEN 'landed'
	WHEN i % 100 < 65 THEN 'started'       WHEN i % 100 < 73 THEN 'completed'
	WHEN i % 100 < 85 THEN 'in_production' WHEN i % 100 < 92 THEN 'at_capacity'
	WHEN i % 100 < 97 THEN 'suspended'     ELSE 'cancelled' END`

// genSteps builds, on one connection, the temporary tables the inserts read
// ($1 is the number of projects), then fills the register. Every value is a
// function of the project's number i through PostgreSQL's integer hashes
// and of today's date, so a data set of a given size is the same at every
// run of a day.
var genSteps = []string{
	// Left on the connection by a generation that failed half-way.
	`DROP TABLE IF EXISTS pg_temp.bench_progress, pg_temp.bench_gen, pg_temp.bench_cat`,
	// The categories, weighted by how often the county's list names them
	// (energy and materials lead), each with the departments that own such
	// projects and the unit of its capacity.
	`CREATE TEMP TABLE bench_cat (n int, code text, zh text, dept_a text, dept_b text, unit text, size int)`,
	`INSERT INTO bench_cat VALUES
	(1,'wind','风电','energy','energy','MW',10), (2,'wind','风电','energy','devzone','MW',10),
	(3,'solar_pv','光伏发电','energy','energy','MW',10), (4,'solar_pv','光伏发电','energy','devzone','MW',10),
	(5,'solar_pv','光伏发电','energy','agriculture','MW',5), (6,'solar_thermal','光热发电','energy','energy','MW',10),
	(7,'energy_storage','储能','energy','devzone','MW',20), (8,'hybrid_energy','风光互补','energy','energy','MW',20),
	(9,'materials','新材料','industry','devzone','t/a',10000), (10,'materials','新材料','devzone','devzone','t/a',10000),
	(11,'manufacturing','装备制造','industry','devzone','t/a',2000), (12,'manufacturing','装备制造','devzone','industry','t/a',2000),
	(13,'chemicals','化工','industry','devzone','t/a',5000), (14,'building_materials','建材','industry','devzone','m²/a',50000),
	(15,'agriculture','现代农业','agriculture','agriculture','亩',500), (16,'agriculture','现代农业','agriculture','natural_resources','亩',500),
	(17,'livestock','畜牧养殖','agriculture','agriculture','头',1000), (18,'food_processing','农产品加工','agriculture','industry','t/a',3000),
	(19,'logistics','商贸物流','commerce','transport','m²',10000), (20,'tourism','文化旅游','tourism','tourism','',0),
	(21,'tourism','文化旅游','tourism','natural_resources','',0), (22,'digital','数字经济','industry','drc','机柜',500),
	(23,'infrastructure','基础设施','transport','water','km',5), (24,'infrastructure','基础设施','transport','drc','km',5),
	(25,'urban','城市建设','housing','natural_resources','m²',20000), (26,'urban','城市建设','housing','housing','m²',20000),
	(27,'social','社会事业','education','health','m²',10000), (28,'social','社会事业','health','trade_union','m²',10000),
	(29,'environment','生态环保','ecology','water','t/d',5000), (30,'other','其他','drc','commerce','',0)`,
	// One row per project: three independent hashes of its number (ha, hb,
	// hc), its stage and the stage's rank on the main line, its category,
	// its planned start (this year for new projects, the two before for
	// continuing ones), the day its story is built around (base: about the
	// planned start, never later than yesterday) and the day of its last
	// move (none for a project still being planned); the year's plan is a
	// fifth to three fifths of the investment.
	`CREATE TEMP TABLE bench_gen AS
	 SELECT row_number() OVER (ORDER BY y.id) AS ord, y.*, y.investment * (20 + y.hc / 30000 % 41) / 100 AS planned,
	   CASE WHEN y.stage IN ('suspended', 'cancelled') THEN 8 ELSE 9 END AS steps, CASE
	     WHEN y.stage = 'suspended' THEN least(y.base + 100, y.today - 1)
	     WHEN y.stage = 'cancelled' THEN least(y.base + 10, y.today - 1)
	     WHEN y.rank = 1 THEN NULL WHEN y.rank = 2 THEN y.base - 200 WHEN y.rank = 3 THEN y.base - 120
	     WHEN y.rank = 4 THEN y.base - 45 WHEN y.rank = 5 THEN y.base WHEN y.rank = 6 THEN least(y.base + 300, y.today - 1)
	     WHEN y.rank = 7 THEN least(y.base + 330, y.today - 1) ELSE least(y.base + 500, y.today - 1) END AS last_move
	 FROM (
	   SELECT x.*, least(x.start_plan + (x.hb / 219000 % 61)::int - 30, x.today - 1) AS base
	   FROM (
	     SELECT n.i, md5(n.i::text)::uuid AS id, n.ha, n.hb, n.hc, t.today, extract(year FROM t.today)::int AS year,
	       s.stage, s.rank, c.code AS category, c.zh, c.unit, c.size,
	       CASE WHEN n.ha / 30 % 2 = 0 THEN c.dept_a ELSE c.dept_b END AS department,
	       n.hb / 100 % 3 = 0 AS continuing,
	       CASE WHEN n.hb / 100 % 3 = 0
	         THEN make_date(extract(year FROM t.today)::int - 2, 1, 1) + (n.hb / 300 % 730)::int
	         ELSE make_date(extract(year FROM t.today)::int, 1, 1) + (n.hb / 300 % 365)::int END AS start_plan,
	       round(power(10.0::float8, 6 + (n.hc / 10 % 3000) / 1000.0::float8))::bigint AS investment
	     FROM (SELECT i, hashint4(i)::bigint & 2147483647 AS ha, hashint4(-i)::bigint & 2147483647 AS hb,
	                  hashint8(i::bigint) & 9223372036854775807 AS hc
	           FROM generate_series(1, $1) AS i) AS n
	     CROSS JOIN (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS today) AS t
	     CROSS JOIN LATERAL (SELECT ` + genStages + ` AS stage) AS st
	     CROSS JOIN LATERAL (SELECT st.stage, CASE st.stage WHEN 'planning' THEN 1 WHEN 'negotiating' THEN 2
	       WHEN 'signed' THEN 3 WHEN 'landed' THEN 4 WHEN 'started' THEN 5 WHEN 'completed' THEN 6
	       WHEN 'in_production' THEN 7 WHEN 'at_capacity' THEN 8 WHEN 'suspended' THEN 5 ELSE 3 END AS rank) AS s
	     JOIN bench_cat c ON c.n = 1 + n.ha % 30
	   ) AS x
	 ) AS y
	 ORDER BY y.id`,
	// Five months of completed investment, the latest ending this month,
	// each a fifth of the year's plan times the months elapsed over twelve
	// (序时进度), times 0.5 to 1.3: projects ahead of and behind time.
	`CREATE TEMP TABLE bench_progress AS
	 SELECT b.i, b.id, extract(year FROM m)::int AS year, extract(month FROM m)::int AS month,
	   b.planned * extract(month FROM b.today)::int / 60 * (50 + (hashint4(b.i * 5 + j)::bigint & 2147483647) % 81) / 100 AS yuan
	 FROM bench_gen b, generate_series(4, 0, -1) AS j,
	   LATERAL (SELECT date_trunc('month', b.today) - j * interval '1 month' AS m) AS mm`,
	`INSERT INTO projects (id, code, name, category, department, leader, company, township, capacity, capacity_unit,
	   total_investment_yuan, expected_annual_output_yuan, build_type, key_level, funding,
	   planned_sign_date, planned_start_date, planned_completion_date, planned_production_date, stage,
	   signed_on, landed_on, started_on, completed_on, production_on, at_capacity_on,
	   health, health_reasons, health_facts, last_move_on, version, created_at, updated_at)
	 SELECT b.id,
	   CASE WHEN b.rank >= 4 THEN to_char(b.start_plan, 'YYYY') || '-140223-' || lpad((b.ha % 90 + 10)::text, 2, '0') || '-'
	     || lpad((b.ha / 90 % 5 + 1)::text, 2, '0') || '-' || lpad(b.i::text, 6, '0') END,
	   tw.name || b.zh || '项目（' || b.i || '）', b.category, b.department,
	   (ARRAY['县委书记','县长','常务副县长','副县长（分管工业）','副县长（分管农业）','副县长（分管城建）',
	          '副县长（分管文旅）','县委常委、经开区党工委书记'])[1 + b.ha / 540 % 8],
	   CASE WHEN b.rank >= 2 THEN (ARRAY['晨风','国昶','朋宇','皆诚','亿晨','鑫瑞隆','泓盛','道威','天宏阳光','海高'])[1 + b.ha / 4320 % 10]
	     || (ARRAY['新能源','实业','建设','农牧','文旅','科技'])[1 + b.ha / 43200 % 6] || '有限公司' ELSE '' END,
	   tw.name, CASE WHEN b.size > 0 THEN b.size * (1 + b.ha / 60 % 20) END, b.unit,
	   b.investment, CASE WHEN b.size > 0 THEN b.investment / 2 END,
	   CASE WHEN b.continuing THEN 'continuing' ELSE 'new' END,
	   CASE WHEN b.hb % 100 < 50 THEN 'none' WHEN b.hb % 100 < 75 THEN 'county' WHEN b.hb % 100 < 90 THEN 'city'
	     WHEN b.hb % 100 < 98 THEN 'province' ELSE 'national' END,
	   CASE WHEN b.hb % 4 = 0 THEN jsonb_build_array(jsonb_build_object('source', 'special_bond',
	     'planned_yuan', b.investment / 5, 'received_yuan', b.investment / 10)) ELSE '[]' END,
	   b.start_plan - 120, b.start_plan, b.start_plan + 365 + (b.ha % 365)::int, b.start_plan + 425 + (b.ha % 365)::int, b.stage,
	   CASE WHEN b.rank >= 3 THEN b.base - 120 END, CASE WHEN b.rank >= 4 AND b.stage <> 'cancelled' THEN b.base - 45 END,
	   CASE WHEN b.rank >= 5 THEN b.base END, CASE WHEN b.rank >= 6 THEN least(b.base + 300, b.today - 1) END,
	   CASE WHEN b.rank >= 7 THEN least(b.base + 330, b.today - 1) END, CASE WHEN b.rank >= 8 THEN least(b.base + 500, b.today - 1) END,
	   (ARRAY['green','green','green','green','green','green','green','yellow','yellow','red'])[1 + b.hc % 10],
	   CASE b.hc % 10 WHEN 7 THEN jsonb_build_array(jsonb_build_object('rule', 'investment_behind', 'level', 'yellow', 'ref', b.year || ': 15'))
	     WHEN 8 THEN jsonb_build_array(jsonb_build_object('rule', 'planned_start_missed', 'level', 'yellow', 'since', least(b.start_plan + 1, b.today)::text))
	     WHEN 9 THEN jsonb_build_array(jsonb_build_object('rule', 'planned_start_missed', 'level', 'red', 'since', least(b.start_plan + 1, b.today)::text))
	     ELSE '[]' END,
	   jsonb_build_object('plans', jsonb_build_object(b.year::text, b.planned), 'progress', p.facts),
	   b.last_move, 1, now() - b.i * interval '1 minute', now()
	 FROM bench_gen b
	 JOIN (SELECT i, jsonb_agg(jsonb_build_object('y', year, 'm', month, 'yuan', yuan) ORDER BY year, month) AS facts
	       FROM bench_progress GROUP BY i) AS p ON p.i = b.i
	 CROSS JOIN LATERAL (SELECT (ARRAY['壶泉镇','南村镇','一斗泉乡','加斗乡','宜兴乡','作疃乡','梁庄乡','蕉山乡','望狐乡'])[1 + b.ha / 60 % 9] AS name) AS tw
	 ORDER BY b.ord`,
	// Ten entries a project, a month apart and ending on its last move: an
	// import, then steps along the main line up to its stage (repeating a
	// stage where the line is shorter than the history); a suspended or
	// cancelled project reaches its last main-line stage one entry earlier.
	// Sequential IDs in project order keep the inserts at the right edge of
	// the indexes (bench_gen is in ID order).
	`INSERT INTO project_transitions (id, project_id, from_stage, to_stage, occurred_on, note, evidence, kind, actor, department, recorded_at)
	 SELECT lpad(to_hex(b.ord * 10 + k), 32, '0')::uuid, b.id,
	   CASE WHEN k > 1 THEN (ARRAY['planning','negotiating','signed','landed','started','completed','in_production','at_capacity'])
	     [1 + (k - 2) * (b.rank - 1) / b.steps] END,
	   CASE WHEN k = 10 THEN b.stage ELSE (ARRAY['planning','negotiating','signed','landed','started','completed',
	     'in_production','at_capacity'])[1 + (k - 1) * (b.rank - 1) / b.steps] END,
	   coalesce(b.last_move, b.base - 300) - (10 - k) * 30, '', '[]',
	   CASE WHEN k = 1 THEN 'import' ELSE 'move' END, 'bench', b.department,
	   ((coalesce(b.last_move, b.base - 300) - (10 - k) * 30) + time '10:00') AT TIME ZONE 'Asia/Shanghai'
	 FROM bench_gen b, generate_series(1, 10) AS k`,
	`INSERT INTO annual_plans (year, state, issued_on, version, updated_at, updated_by)
	 SELECT DISTINCT year, 'issued', make_date(year, 1, 1), 1, now(), 'bench' FROM bench_gen
	 ON CONFLICT (year) DO NOTHING`,
	`INSERT INTO plan_entries (year, project_id, version, revision, effective_on, build_type, build_type_source,
	   key_level, planned_yuan, department, section, recorded_at, recorded_by)
	 SELECT year, id, 1, 0, make_date(year, 1, 1), CASE WHEN continuing THEN 'continuing' ELSE 'new' END, 'set',
	   'none', planned, department, 'industry', now(), 'bench' FROM bench_gen`,
	`INSERT INTO project_progress (project_id, year, month, completed_yuan, version, updated_at, reported_by)
	 SELECT id, year, month, yuan, 1, now(), 'bench' FROM bench_progress`,
	`DROP TABLE pg_temp.bench_progress, pg_temp.bench_gen, pg_temp.bench_cat`,
}

// Generate fills the register that db's search path names with n projects
// spread over the departments, categories, stages, townships and leaders
// a county register holds; for each, ten history entries, the current
// year's investment plan and five months of completed investment (kept in
// the project's health facts too, as the service keeps them). The history
// is there for its volume: it steps along the main line to the project's
// stage. Stored health is never due for recomputation (health_due_on is
// empty). Projects get the IDs ProjectID gives; creation times go back a
// minute per project. It loads in SQL (200,000 projects in a minute or
// two) and analyzes the tables.
func Generate(ctx context.Context, db *sql.DB, n int) error {
	if n < 1 || n > 999_999 {
		return fmt.Errorf("generate: %d projects: want 1 to 999,999 (the project code's serial has six digits)", n)
	}
	// Temporary tables live on one connection.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close()
	for _, q := range genSteps {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, n)
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("generate: %w\n%s", err, q)
		}
	}
	for _, t := range []string{"projects", "project_transitions", "annual_plans", "plan_entries", "project_progress"} {
		if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
			return fmt.Errorf("generate: vacuum %s: %w", t, err)
		}
	}
	return nil
}
