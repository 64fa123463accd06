package httpapi_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/stats"
)

// TestCurrentOverviewFollowsChanges holds the kept current figures
// (docs/stats.md, "Current figures") to a computation from scratch, for
// the bureau and for each department, on the dashboard's register after
// rounds of random changes through the API: moves, edits, department
// changes, plan entries set and removed, reports submitted, accepted and
// returned, archives and restores. Each round compares before the changes'
// events are sequenced (the read catches up on committed events without a
// position), after (past the keeper's position), and after the keeper ran.
func TestCurrentOverviewFollowsChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		loadDemoData(t, e)
		dashboardFixture(t, e)
		planOfTheRegister(t, e)
		dispatchFixture(t, e)
		ctx := context.Background()
		kept := stats.NewService(projectdb.NewStats(db), e.clock.now)
		// A rebuild folds the register in spans of a few projects.
		kept.Keeping(projectdb.NewStats(db), 7)
		scratch := stats.NewService(projectdb.NewStats(db), e.clock.now)
		scratch.SetCacheTTL(0)

		_, ok, err := kept.Current(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams())
		require.NoError(t, err)
		require.False(t, ok, "nothing kept before the keeper ran")
		_, err = e.events.Flush(ctx)
		require.NoError(t, err)
		n, err := kept.Keep(ctx)
		require.NoError(t, err)
		require.Positive(t, n, "the keeper builds the figures")
		checkCurrent(t, e, kept, scratch, "built")

		r := rand.New(rand.NewPCG(18, uint64(len(db.Dialect()))))
		c := &changer{e: e, r: r, archived: map[string]bool{}}
		for round := range 4 {
			for range 12 {
				c.change(t)
			}
			checkCurrent(t, e, kept, scratch, "round %d, unsequenced", round)
			_, err = e.events.Flush(ctx)
			require.NoError(t, err)
			checkCurrent(t, e, kept, scratch, "round %d, sequenced", round)
			_, err = kept.Keep(ctx)
			require.NoError(t, err)
			checkCurrent(t, e, kept, scratch, "round %d, kept", round)
		}
		require.NotZero(t, c.done, "the random changes changed something")
		t.Logf("%d changes made", c.done)

		// The targets are read with each request: the remembered answer
		// is not given again.
		e.put(t, asBureau, "/api/v1/annual-plans/2021/targets", api.PlanTargetsWrite{
			StartRate: []api.PlanCheckpoint{{Date: "2021-12-31", Rate: 0.95}}}, http.StatusOK)
		checkCurrent(t, e, kept, scratch, "new targets")
		// A period's due day moved (P and every project's health may move
		// with it) is a new key: until the keeper builds the figures again,
		// reads compute from scratch.
		e.put(t, asBureau, "/api/v1/dispatch/periods/2021-05", api.DispatchPeriodWrite{DueOn: "2021-06-20"}, http.StatusCreated)
		_, ok, err = kept.Current(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams())
		require.NoError(t, err)
		require.False(t, ok, "kept under the calendar before")
		// The move made every project's health due: the keeper builds the
		// figures, and reads count the health afresh until the refresher
		// has computed it and the keeper built them again.
		n, err = kept.Keep(ctx)
		require.NoError(t, err)
		require.Positive(t, n, "built under the new period")
		checkCurrent(t, e, kept, scratch, "the period moved, the health due")
		auditor := audit.NewService(auditdb.New(db), e.clock.now)
		store := projectdb.New(db)
		refreshed, err := project.NewRefresher(project.NewService(store, db, auditor, e.clock.now, newID), store).Refresh(ctx)
		require.NoError(t, err)
		require.Positive(t, refreshed, "the period moved made health due")
		checkCurrent(t, e, kept, scratch, "the health computed, the figures not yet built again")
		n, err = kept.Keep(ctx)
		require.NoError(t, err)
		require.Positive(t, n, "built again once the health is computed")
		checkCurrent(t, e, kept, scratch, "the period moved")
		got, err := kept.Overview(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams(), false)
		require.NoError(t, err)
		require.Equal(t, "2021-04", got.Period.String(), "May is not due before the 20th")

		// A new day is a new key: until the keeper builds the figures
		// again, the kept ones do not answer.
		e.setClock(t, now.AddDate(0, 0, 1))
		_, ok, err = kept.Current(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams2(e))
		require.NoError(t, err)
		require.False(t, ok, "kept for yesterday")
	})
}

// currentParams is today's default request of the harness's clock.
func currentParams() stats.Params {
	on, _ := time.Parse(time.DateOnly, today)
	return stats.Params{Year: on.Year(), AsOf: on}
}

// currentParams2 is today's default request of the env's clock now.
func currentParams2(e *env) stats.Params {
	on := calendar.Today(e.clock.now())
	return stats.Params{Year: on.Year(), AsOf: on}
}

// checkCurrent compares the kept figures with a computation from scratch
// for the bureau and each department of the register.
func checkCurrent(t *testing.T, e *env, kept, scratch *stats.Service, msg string, args ...any) {
	t.Helper()
	ctx := context.Background()
	depts := map[string]bool{"energy": true}
	q, done := e.db.Conn(ctx)
	var ds []string
	require.NoError(t, q.Raw("SELECT DISTINCT department FROM projects").Scan(&ds).Error)
	done()
	for _, d := range ds {
		depts[d] = true
	}
	ps := []identity.Principal{{Role: identity.RoleBureau}}
	for d := range depts {
		ps = append(ps, identity.Principal{Role: identity.RoleDeptViewer, Department: d})
	}
	for _, p := range ps {
		got, ok, err := kept.Current(ctx, p, currentParams())
		require.NoError(t, err)
		require.True(t, ok, append([]any{"answered from the kept figures: " + msg}, args...)...)
		want, err := scratch.Overview(ctx, p, currentParams(), false)
		require.NoError(t, err)
		require.Equal(t, want, got, append([]any{"%v as %q: " + msg, p.Role, p.Department}, args...)...)
	}
	// The answer through the service's other door, the one the handler
	// calls, is the same.
	got, err := kept.Overview(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams(), false)
	require.NoError(t, err)
	want, err := scratch.Overview(ctx, identity.Principal{Role: identity.RoleBureau}, currentParams(), false)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// changer makes random changes through the API, as the bureau.
type changer struct {
	e        *env
	r        *rand.Rand
	archived map[string]bool
	done     int
}

var changerDepts = []string{"energy", "industry", "housing", "devzone", "health", "agriculture"}

func (c *changer) live(t *testing.T) api.Project {
	ps := c.e.listAll(t, asBureau, "")
	return ps[c.r.IntN(len(ps))]
}

// change makes one random change; a refusal (a move the stages do not
// allow) changes nothing, and is fine.
func (c *changer) change(t *testing.T) {
	t.Helper()
	p := c.live(t)
	var res response
	switch k := c.r.IntN(10); k {
	case 0, 1:
		to, note := "suspended", "冬季停工"
		var ev []api.Evidence
		switch p.Stage {
		case "suspended":
			to, note = "started", ""
		case "signed", "landed":
			to, note, ev = "started", "", permit
		}
		waiver := ""
		if len(ev) > 0 {
			waiver = "许可证已取得，前期手续待补录"
		}
		res = c.e.move(t, asBureau, p.ID, api.TransitionCreate{To: to, OccurredOn: today, Note: note, Evidence: ev, PermitWaiver: waiver})
	case 2, 3:
		body := map[string]any{"total_investment_yuan": int64(c.r.IntN(300)+1) * 1_000_000}
		if k == 3 {
			body = map[string]any{"department": changerDepts[c.r.IntN(len(changerDepts))]}
		}
		res = c.e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID, body: body,
			headers: map[string]string{"If-Match": tag(p.Version), "Content-Type": mergePatchType}})
	case 4:
		body := map[string]any{"build_type": []string{"new", "continuing", "preliminary"}[c.r.IntN(3)],
			"planned_start_month": "2021-0" + string(rune('1'+c.r.IntN(9)))}
		if c.r.IntN(4) > 0 {
			body["planned_investment_yuan"] = int64(c.r.IntN(100)) * 1_000_000
		}
		if c.r.IntN(5) == 0 {
			body["build_type"], body["stalled"], body["stalled_reason"] = "continuing", true, "资金未落实"
		}
		res = c.e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/annual-plans/2021/entries/" + p.ID, body: body})
	case 5:
		res = c.e.do(t, request{principal: asBureau, method: http.MethodDelete, path: "/api/v1/annual-plans/2021/entries/" + p.ID})
	case 6, 7:
		month := []string{"2021-04", "2021-05", "2021-06"}[c.r.IntN(3)]
		res = c.e.do(t, request{principal: asBureau, method: http.MethodPut, path: "/api/v1/dispatch/" + month + "/reports/" + p.ID,
			body: api.ReportWrite{CompletedYuan: ptr(int64(c.r.IntN(50)) * 100_000), StatisticalYuan: ptr(int64(c.r.IntN(10)) * 100_000)}})
		if res.status < 300 && c.r.IntN(2) == 0 {
			c.done++
			res = c.review(t, month, p.ID)
		}
	case 8:
		res = c.e.do(t, request{principal: asBureau, method: http.MethodDelete, path: "/api/v1/projects/" + p.ID,
			headers: map[string]string{"If-Match": tag(p.Version)}})
		if res.status == http.StatusNoContent {
			c.archived[p.ID] = true
		}
	default:
		ids := slices.Sorted(func(yield func(string) bool) {
			for id := range c.archived {
				if !yield(id) {
					return
				}
			}
		})
		if len(ids) == 0 {
			return
		}
		id := ids[c.r.IntN(len(ids))]
		res = c.e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + id + "/restore"})
		if res.status == http.StatusOK {
			delete(c.archived, id)
		}
	}
	require.Less(t, res.status, 500, "%s", res)
	if res.status < 300 {
		c.done++
	}
}

// review accepts or returns a month's report.
func (c *changer) review(t *testing.T, month, id string) response {
	if c.r.IntN(2) == 0 {
		return c.e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/dispatch/" + month + "/reports/" + id + "/accept"})
	}
	return c.e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/dispatch/" + month + "/reports/" + id + "/return",
		body: api.ReportReturn{Reason: "形象进度与现场不符"}})
}
