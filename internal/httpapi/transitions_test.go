package httpapi_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func (e *env) move(t testing.TB, as, id string, m api.TransitionCreate) response {
	t.Helper()
	// An empty or impossible date is outside the spec (format: date).
	_, err := time.Parse(time.DateOnly, m.OccurredOn)
	return e.do(t, request{principal: as, method: http.MethodPost, path: "/api/v1/projects/" + id + "/transitions", body: m,
		invalid: err != nil})
}

func (e *env) history(t testing.TB, as, id string) []api.Transition {
	t.Helper()
	res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/projects/" + id + "/transitions"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.TransitionList
	res.decode(t, &l)
	return l.Items
}

var permit = []api.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-007"}}

// TestMoves walks a project along the pipeline over HTTP and checks each
// answer, the history and the refusals of docs/stages.md.
func TestMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asEnergyEditor, map[string]any{"name": "天宏阳光100兆瓦光伏项目", "category": "solar_pv"})

		res := e.move(t, asEnergyEditor, p.ID, api.TransitionCreate{To: "signed", OccurredOn: "2021-03-01",
			Evidence: []api.Evidence{{Kind: "contract", Ref: "投资协议 2021-03"}}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var r api.TransitionResult
		res.decode(t, &r)
		assert.Equal(t, "signed", r.Project.Stage)
		assert.Equal(t, "2021-03-01", *r.Project.SignedOn)
		assert.Equal(t, 2, r.Project.Version)
		assert.Equal(t, `"2"`, res.header.Get("ETag"))
		assert.Equal(t, "move", r.Transition.Kind)
		assert.Equal(t, "planning", *r.Transition.From)
		assert.Equal(t, asEnergyEditor, r.Transition.Actor)

		cases := []struct {
			name   string
			as     string
			move   api.TransitionCreate
			status int
			code   string
		}{
			{"start without a permit", asEnergyEditor, api.TransitionCreate{To: "started", OccurredOn: "2021-04-01"}, 400, "validation_failed"},
			{"before the previous move", asEnergyEditor, api.TransitionCreate{To: "started", OccurredOn: "2021-02-01", Evidence: permit}, 400, "validation_failed"},
			{"in the future", asEnergyEditor, api.TransitionCreate{To: "started", OccurredOn: "2021-06-16", Evidence: permit}, 400, "validation_failed"},
			{"no date", asEnergyEditor, api.TransitionCreate{To: "started", Evidence: permit}, 400, "validation_failed"},
			{"impossible date", asEnergyEditor, api.TransitionCreate{To: "started", OccurredOn: "2021-02-30", Evidence: permit}, 400, "validation_failed"},
			{"suspend before starting", asEnergyEditor, api.TransitionCreate{To: "suspended", OccurredOn: "2021-04-01", Note: "冬季"}, 422, "illegal_transition"},
			{"backwards without correction", asBureau, api.TransitionCreate{To: "negotiating", OccurredOn: "2021-04-01"}, 422, "illegal_transition"},
			{"correction by a department", asEnergyEditor, api.TransitionCreate{To: "negotiating", OccurredOn: "2021-04-01", Note: "误报", Correction: true}, 403, "forbidden"},
			{"leader cannot move", asLeader, api.TransitionCreate{To: "landed", OccurredOn: "2021-04-01"}, 403, "forbidden"},
			{"another department", asIndustryEditor, api.TransitionCreate{To: "landed", OccurredOn: "2021-04-01"}, 404, "not_found"},
		}
		for _, tc := range cases {
			res := e.move(t, tc.as, p.ID, tc.move)
			assert.Equal(t, tc.status, res.status, "%s: %s", tc.name, res)
			assert.Equal(t, tc.code, res.problem(t).Code, tc.name)
		}
		res = e.move(t, asEnergyEditor, p.ID, api.TransitionCreate{To: "suspended", OccurredOn: "2021-04-01", Note: "x"})
		assert.Equal(t, []string{"landed", "started", "completed", "in_production", "at_capacity", "cancelled"}, res.problem(t).Allowed,
			"an illegal move names the allowed targets")
		// From a terminal stage there is nowhere to go, and the answer says so.
		q := e.create(t, asEnergyEditor, map[string]any{"name": "终止的项目", "category": "solar_pv"})
		require.Equal(t, http.StatusCreated, e.move(t, asEnergyEditor, q.ID, api.TransitionCreate{To: "cancelled", OccurredOn: "2021-04-01", Note: "企业退出"}).status)
		res = e.move(t, asEnergyEditor, q.ID, api.TransitionCreate{To: "negotiating", OccurredOn: "2021-04-02"})
		require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res)
		assert.Contains(t, string(res.body), `"allowed":[]`)
		got, _ := e.get(t, asAdmin, p.ID)
		assert.Equal(t, "signed", got.Stage, "refused moves change nothing")
		assert.Len(t, e.history(t, asAdmin, p.ID), 1)

		for _, m := range []api.TransitionCreate{
			{To: "started", OccurredOn: "2021-04-10", Evidence: permit, PermitWaiver: "县政府专题会议同意先行开工"},
			{To: "suspended", OccurredOn: "2021-05-01", Note: "用地调整"},
			{To: "started", OccurredOn: "2021-05-20"},
		} {
			res := e.move(t, asEnergyEditor, p.ID, m)
			require.Equal(t, http.StatusCreated, res.status, "%s", res)
		}
		res = e.move(t, asBureau, p.ID, api.TransitionCreate{To: "landed", OccurredOn: "2021-06-01", Note: "开工日期有误，退回落地", Correction: true})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		res.decode(t, &r)
		assert.Nil(t, r.Project.StartedOn, "a correction clears the dates after its target")
		assert.Equal(t, "2021-03-01", *r.Project.SignedOn)

		h := e.history(t, asEnergyViewer, p.ID)
		kinds := make([]string, len(h))
		for i, tr := range h {
			kinds[i] = tr.Kind
		}
		assert.Equal(t, []string{"move", "move", "move", "resumption", "correction"}, kinds)
		assert.Equal(t, "用地调整", h[2].Note)
		assert.Equal(t, permit, h[1].Evidence)

		// The audit trail has every move.
		n := 0
		for _, en := range e.auditList(t, asBureau, nil) {
			if en.Action == "project.stage_changed" && en.ResourceID == p.ID {
				n++
			}
		}
		assert.Equal(t, 5, n)

		// An archived project does not move.
		_, tag := e.get(t, asAdmin, p.ID)
		require.Equal(t, http.StatusNoContent, e.do(t, request{principal: asBureau, method: http.MethodDelete,
			path: "/api/v1/projects/" + p.ID, headers: map[string]string{"If-Match": tag}}).status)
		res = e.move(t, asBureau, p.ID, api.TransitionCreate{To: "started", OccurredOn: "2021-06-02", Evidence: permit})
		assert.Equal(t, http.StatusConflict, res.status, "%s", res)
	})
}

// TestConcurrentMoves fires many identical moves of one project at once:
// exactly one wins; the others answer 409 when they raced it, or 422 when
// they came after it and found the project already moved; the history has
// one entry. On PostgreSQL the test holds the row lock while the requests
// start, so that they all overlap and the race is certain.
func TestConcurrentMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, map[string]any{"name": "道威200兆瓦共享储能电站项目", "category": "energy_storage", "department": "energy"})
		// moveAll sends n identical moves at once and counts the answers.
		moveAll := func(n int) map[int]int {
			statuses := make([]int, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					// Half carry an Idempotency-Key: a keyed loser must not be
					// run again on top of the winner.
					var hs map[string]string
					if i%2 == 1 {
						hs = map[string]string{"Idempotency-Key": "move-" + strconv.Itoa(i) + "-" + strconv.Itoa(n)}
					}
					<-start
					statuses[i] = e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/transitions",
						headers: hs, body: api.TransitionCreate{To: "landed", OccurredOn: "2021-06-01"}}).status
				})
			}
			close(start)
			wg.Wait()
			count := map[int]int{}
			for _, s := range statuses {
				count[s]++
			}
			return count
		}
		if db.Dialect() == database.Postgres {
			// While another transaction holds the project for longer than a
			// move waits (database.RowWait), the move answers 409 and changes
			// nothing.
			tx, err := db.SQL().Begin()
			require.NoError(t, err)
			_, err = tx.Exec("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", p.ID)
			require.NoError(t, err)
			assert.Equal(t, map[int]int{http.StatusConflict: 8}, moveAll(8))
			require.NoError(t, tx.Commit())
			assert.Empty(t, e.history(t, asAdmin, p.ID))
		}
		const n = 32
		count := moveAll(n)
		assert.Equal(t, 1, count[http.StatusCreated], "exactly one winner: %v", count)
		assert.Equal(t, n-1, count[http.StatusConflict]+count[http.StatusUnprocessableEntity], "the rest lose: %v", count)
		h := e.history(t, asAdmin, p.ID)
		got, _ := e.get(t, asAdmin, p.ID)
		assert.Len(t, h, 1, "one history entry")
		assert.Equal(t, 2, got.Version)
		assert.Equal(t, "landed", got.Stage)
	})
}

// TestMoveNotBeforeThePreviousMove: the day of a project's last move is kept
// with it, also for a stage that records no actual date (negotiating), and a
// later move may not precede it.
func TestMoveNotBeforeThePreviousMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, map[string]any{"name": "秦淮大数据项目", "category": "digital", "department": "industry"})
		move := func(to, on string, ev ...api.Evidence) response {
			return e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/transitions",
				body: api.TransitionCreate{To: to, OccurredOn: on, Evidence: ev}})
		}
		res := move("negotiating", "2021-05-01")
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		contract := api.Evidence{Kind: "contract", Ref: "投资协议 2021-009"}
		res = move("signed", "2021-04-01", contract)
		require.Equal(t, http.StatusBadRequest, res.status, "%s", res)
		assert.Equal(t, []api.FieldError{{Field: "occurred_on", Code: "date_order", Message: res.problem(t).Errors[0].Message}}, res.problem(t).Errors)
		res = move("signed", "2021-05-01", contract)
		require.Equal(t, http.StatusCreated, res.status, "the same day is not before it: %s", res)
		assert.Len(t, e.history(t, asAdmin, p.ID), 2)
	})
}

// TestUndoCancellation: a project entered at started without its dates and
// then cancelled by mistake is set back to started by a correction, as its
// history says it was, and no start is recorded for the correction's day.
func TestUndoCancellation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, map[string]any{"name": "上墨家沟50兆瓦风电项目", "category": "wind", "department": "energy", "stage": "started"})
		res := e.move(t, asBureau, p.ID, api.TransitionCreate{To: "cancelled", OccurredOn: "2021-06-01", Note: "误操作"})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		res = e.move(t, asBureau, p.ID, api.TransitionCreate{To: "completed", OccurredOn: "2021-06-02", Note: "撤销误终止", Correction: true})
		require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res)
		assert.Equal(t, []string{"planning", "negotiating", "signed", "landed", "started"}, res.problem(t).Allowed)
		res = e.move(t, asBureau, p.ID, api.TransitionCreate{To: "started", OccurredOn: "2021-06-02", Note: "撤销误终止", Correction: true})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		var r api.TransitionResult
		res.decode(t, &r)
		assert.Equal(t, "started", r.Project.Stage)
		assert.Nil(t, r.Project.StartedOn)
		assert.Equal(t, "correction", r.Transition.Kind)
	})
}
