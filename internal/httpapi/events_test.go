package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

const eventsPath = "/api/v1/events"

// feed sequences what has committed and reads the feed as as.
func (e *env) feed(t testing.TB, as, query string) api.EventList {
	t.Helper()
	_, err := e.events.Flush(context.Background())
	require.NoError(t, err)
	res := e.do(t, request{principal: as, method: http.MethodGet, path: eventsPath + query})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	var l api.EventList
	res.decode(t, &l)
	return l
}

// seen is what a test compares of an event: its type, resource and
// departments.
type seen struct {
	Type, Resource string
	Departments    []string
}

func seenOf(l api.EventList) []seen {
	out := make([]seen, len(l.Items))
	for i, ev := range l.Items {
		d := slices.Clone(ev.Departments)
		slices.Sort(d)
		out[i] = seen{ev.Type, ev.Resource.Type, d}
	}
	return out
}

// TestEventsOfEveryChange: every change with an event type appends one,
// told to the project's departments: a move between departments to both,
// a blocker's department while the blocker is open and not after.
func TestEventsOfEveryChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("晨风50兆瓦风电项目"))
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: projectURL(p.ID, "transitions"),
			body: api.TransitionCreate{To: "signed", OccurredOn: "2021-05-20", Evidence: []api.Evidence{{Kind: "contract", Ref: "投资协议 2021-017"}}}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		is := e.openBlocker(t, asBureau, p.ID, blocker("征地未完成", "land", "tourism", "2021-07-01"))
		patch := func(version int, body map[string]any) {
			t.Helper()
			res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: projectURL(p.ID), headers: ifMatchTag(version), body: body})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
		}
		patch(2, map[string]any{"leader": "王县长"})
		e.resolve(t, asBureau, is)
		patch(3, map[string]any{"leader": "李县长"})
		patch(4, map[string]any{"department": "industry"})
		e.put(t, asBureau, planEntryURL("2021", p.ID), api.PlanEntryWrite{PlannedInvestmentYuan: ptr(int64(1_000))}, http.StatusCreated)
		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: planEntryURL("2021", p.ID)})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: projectURL(p.ID), headers: ifMatchTag(5)})
		require.Equal(t, http.StatusNoContent, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: projectURL(p.ID, "restore")})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		energy, industry, both := []string{"energy"}, []string{"industry"}, []string{"energy", "industry"}
		withTourism := []string{"energy", "tourism"}
		assert.Equal(t, []seen{
			{"project.created", "project", energy},
			{"project.stage_changed", "project", energy},
			{"issue.opened", "issue", withTourism},
			{"project.updated", "project", withTourism},
			{"issue.resolved", "issue", withTourism},
			{"project.updated", "project", energy},
			{"project.updated", "project", both},
			{"plan_entry.changed", "plan_entry", industry},
			{"plan_entry.removed", "plan_entry", industry},
			{"project.archived", "project", industry},
			{"project.restored", "project", industry},
		}, seenOf(e.feed(t, asBureau, "")))

		l := e.feed(t, asBureau, "?types=project.stage_changed,project.updated&limit=2")
		require.Len(t, l.Items, 2)
		moved := l.Items[0]
		assert.Equal(t, "project.stage_changed", moved.Type)
		assert.Equal(t, "signed", moved.Changes["stage"])
		assert.NotContains(t, moved.Changes, "version")
		assert.Equal(t, 2, moved.Version)
		assert.Equal(t, p.ID, moved.ProjectID)
		assert.Equal(t, "/api/v1/projects/"+p.ID, moved.Resource.Path)
		assert.Equal(t, asBureau, moved.Actor.Name)
		assert.Equal(t, map[string]any{"leader": "王县长", "leaders": []any{map[string]any{"name": "王县长", "lead": true}}}, l.Items[1].Changes,
			"a leader alone is a one-person list")
		assert.Equal(t, l.Items[1].Position, l.NextCursor)
	})
}

// TestEventsOfReports: a report's submission, return and acceptance are
// told to the project's department and to the department it is owed by.
func TestEventsOfReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("道威共享储能电站项目"))
		e.planEntry(t, p.ID, "industry")
		path := reportPath("2021-05", p.ID)
		e.setClock(t, time.Date(2021, 6, 3, 2, 0, 0, 0, time.UTC))
		e.put(t, asIndustryEditor, path, map[string]any{"completed_yuan": 100, "site_progress": "基础完成"}, http.StatusCreated)
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: path + "/return", body: api.ReportReturn{Reason: "不符"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		e.put(t, asIndustryEditor, path, map[string]any{"completed_yuan": 120, "site_progress": "主体施工"}, http.StatusOK)
		res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: path + "/accept"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)

		both := []string{"energy", "industry"}
		l := e.feed(t, asBureau, "?types=report.submitted,report.returned,report.accepted")
		assert.Equal(t, []seen{
			{"report.submitted", "report", both}, {"report.returned", "report", both},
			{"report.submitted", "report", both}, {"report.accepted", "report", both},
		}, seenOf(l))
		assert.Equal(t, "/api/v1/dispatch/2021-05/reports/"+p.ID, l.Items[0].Resource.Path)
		assert.Equal(t, "不符", l.Items[1].Changes["return_reason"])
	})
}

// TestEventsScope: a department reads the events it is entitled to and
// never another's; the bureau and leaders read all.
func TestEventsScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ours := e.create(t, asEnergyEditor, projectBody("能源局的项目"))
		theirs := e.create(t, asIndustryEditor, with(projectBody("工信局的项目"), "department", nil))
		for _, tc := range []struct {
			as   string
			want []string
		}{
			{asEnergyEditor, []string{ours.ID}},
			{asEnergyViewer, []string{ours.ID}},
			{asIndustryEditor, []string{theirs.ID}},
			{asBureau, []string{ours.ID, theirs.ID}},
			{asLeader, []string{ours.ID, theirs.ID}},
			{asAdmin, []string{ours.ID, theirs.ID}},
			{asEnergyClientNone, []string{ours.ID}},
		} {
			t.Run(tc.as, func(t *testing.T) {
				var got []string
				for _, ev := range e.feed(t, tc.as, "").Items {
					got = append(got, ev.ProjectID)
				}
				assert.Equal(t, tc.want, got)
			})
		}
		e.run(t, []tc{{name: "a client without events:read", principal: asEnergyClientRead, method: http.MethodGet, path: eventsPath,
			wantStatus: http.StatusForbidden, wantCode: "forbidden"}})
	})
}

// TestEventsCursor: the cursor continues where a page ended, latest starts
// from the head, and bad input is a 400 that names the parameter.
func TestEventsCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		for _, n := range []string{"一", "二", "三"} {
			e.create(t, asBureau, projectBody("项目"+n))
		}
		first := e.feed(t, asBureau, "?limit=2")
		require.Len(t, first.Items, 2)
		assert.Equal(t, "2", first.NextCursor)
		rest := e.feed(t, asBureau, "?after="+first.NextCursor)
		require.Len(t, rest.Items, 1)
		assert.Equal(t, "3", rest.Items[0].Position)
		empty := e.feed(t, asBureau, "?after=3")
		assert.Empty(t, empty.Items)
		assert.Equal(t, "3", empty.NextCursor, "the cursor given")
		latest := e.feed(t, asBureau, "?after=latest")
		assert.Empty(t, latest.Items)
		assert.Equal(t, "3", latest.NextCursor, "the head")

		bad := func(name, query string, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodGet, path: eventsPath + query, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		e.run(t, []tc{
			bad("an unknown type", "?types=project.created,project.deleted", "types:invalid_value"),
			bad("a cursor that is no position", "?after=abc", "after:invalid_format"),
			bad("a negative cursor", "?after=-1", "after:invalid_format"),
			bad("a cursor ahead of the feed", "?after=99", "after:out_of_range"),
			bad("a limit of 0", "?limit=0", "limit:out_of_range"),
			bad("a limit over 500", "?limit=501", "limit:out_of_range"),
			bad("a wait over 30 s", "?wait=31", "wait:out_of_range"),
			bad("a negative wait", "?wait=-1", "wait:out_of_range"),
			bad("an unknown parameter", "?since=2021-01-01", "since:unknown_parameter"),
			bad("a repeated parameter", "?after=1&after=2", "after:repeated"),
		})
	})
}

// TestEventsExpired: a cursor older than the oldest kept event is 410
// cursor_expired, which says how to catch up.
func TestEventsExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		for _, n := range []string{"一", "二", "三"} {
			e.create(t, asBureau, projectBody("项目"+n))
		}
		e.feed(t, asBureau, "")
		e.setClock(t, now.Add(31*24*time.Hour))
		n, err := e.events.Expire(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 2, n, "the newest stays")
		e.run(t, []tc{
			{name: "from the start", principal: asEnergyEditor, method: http.MethodGet, path: eventsPath, wantStatus: http.StatusGone, wantCode: "cursor_expired",
				check: func(t *testing.T, res response) {
					assert.Contains(t, res.problem(t).Detail, "archived=true")
				}},
			{name: "a cursor before the oldest kept", principal: asBureau, method: http.MethodGet, path: eventsPath + "?after=1", wantStatus: http.StatusGone, wantCode: "cursor_expired"},
			{name: "the cursor just before it", principal: asBureau, method: http.MethodGet, path: eventsPath + "?after=2", wantStatus: http.StatusOK},
			{name: "latest", principal: asBureau, method: http.MethodGet, path: eventsPath + "?after=latest", wantStatus: http.StatusOK},
		})
	})
}

// TestEventsLongPoll: a read with wait returns as soon as an event is
// sequenced, and an empty page when the wait ends.
func TestEventsLongPoll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go e.events.Run(ctx, func(err error) { t.Errorf("sequence: %v", err) })
		got := make(chan api.EventList, 1)
		go func() {
			res := e.do(t, request{principal: asEnergyViewer, method: http.MethodGet, path: eventsPath + "?after=latest&wait=30"})
			var l api.EventList
			if res.status == http.StatusOK {
				res.decode(t, &l)
			}
			got <- l
		}()
		time.Sleep(50 * time.Millisecond) // the reader is usually waiting by now; if not, it reads the event at once
		p := e.create(t, asEnergyEditor, projectBody("长轮询的项目"))
		select {
		case l := <-got:
			require.Len(t, l.Items, 1)
			assert.Equal(t, p.ID, l.Items[0].ProjectID)
		case <-time.After(25 * time.Second):
			t.Fatal("the long poll did not return the event")
		}
		stop()

		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: eventsPath + "?after=latest&wait=1"})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		var l api.EventList
		res.decode(t, &l)
		assert.Empty(t, l.Items)
	})
}

// TestEventMetrics: the events sequenced by type and the delay to their
// position; the reports outstanding of the current period by department.
func TestEventMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		before := e.scrape(t, "pipeline_event")
		assert.Equal(t, 0.0, before[`pipeline_events_appended_total{type="project.created"}`], "every type is exported from the start")
		p := e.create(t, asEnergyEditor, projectBody("储能电站项目"))
		e.feed(t, asBureau, "")
		got := grown(before, e.scrape(t, "pipeline_event"))
		assert.Equal(t, 1.0, got[`pipeline_events_appended_total{type="project.created"}`])
		assert.Equal(t, 1.0, got[`pipeline_event_position_delay_seconds_count`])

		e.planEntry(t, p.ID, "industry")
		e.setClock(t, time.Date(2021, 6, 3, 2, 0, 0, 0, time.UTC))
		assert.Equal(t, map[string]float64{`pipeline_dispatch_reports_outstanding{department="industry"}`: 1},
			e.scrape(t, "pipeline_dispatch_reports_outstanding{"))
	})
}

// TestEventsOfAnImport: an import creates its projects through the
// register, each with its event; a dry run records none.
func TestEventsOfAnImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		file := csvFile(t,
			[]string{"项目名称", "项目类别", "部门代码"},
			[]string{"南村20兆瓦分布式光伏项目", "光伏发电", "能源局"},
			[]string{"作疃乡肉牛养殖项目", "livestock", "agriculture"},
		)
		e.importOK(t, asBureau, "dry_run=true", "新项目.csv", file)
		assert.Empty(t, e.feed(t, asBureau, "").Items)
		e.importOK(t, asBureau, "", "新项目.csv", file)
		assert.Equal(t, []seen{
			{"project.created", "project", []string{"energy"}}, {"project.created", "project", []string{"agriculture"}},
		}, seenOf(e.feed(t, asBureau, "")))
	})
}
