package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// The change feed (docs/integration.md, "Events").

var eventParams = []string{"after", "types", "limit", "wait"}

// cursorLatest, as after=, starts from the newest position.
const cursorLatest = "latest"

// parseEventQuery reads the parameters of GET /api/v1/events: the query
// and how long to wait for events. Every problem is reported at once.
func parseEventQuery(v url.Values) (event.Query, time.Duration, error) {
	var c project.Check
	checkParams(&c, v, eventParams)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := event.Query{Limit: event.DefaultLimit}
	switch s := get("after"); s {
	case "":
	case cursorLatest:
		q.After = event.Latest
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			c.Add("after", "invalid_format", "0, 1, 2, … | latest")
		}
		q.After = n
	}
	for _, t := range splitList(get("types")) {
		if !event.Known(t) {
			c.Add("types", "invalid_value", strings.Join(event.Types, ","))
			break
		}
		q.Types = append(q.Types, t)
	}
	if n := intParam(&c, "limit", get("limit"), 1, event.MaxLimit); n != nil {
		q.Limit = int(*n)
	}
	var wait time.Duration
	if n := intParam(&c, "wait", get("wait"), 0, int64(event.MaxWait/time.Second)); n != nil {
		wait = time.Duration(*n) * time.Second
	}
	return q, wait, c.Err()
}

// resourcePath is where a resource of the feed is read as it is now.
func resourcePath(typ, id string) string {
	switch typ {
	case project.ResourceType:
		return "/api/v1/projects/" + id
	case "plan_entry":
		if year, pid, ok := strings.Cut(id, "/"); ok {
			return "/api/v1/annual-plans/" + year + "/entries/" + pid
		}
	case "report":
		if period, pid, ok := strings.Cut(id, "/"); ok {
			return "/api/v1/dispatch/" + period + "/reports/" + pid
		}
	case "issue":
		return "/api/v1/issues/" + id
	case "attachment":
		return "/api/v1/attachments/" + id
	case "approval":
		if pid, _, ok := strings.Cut(id, "/"); ok {
			return "/api/v1/projects/" + pid + "/approvals"
		}
	}
	return ""
}

// RenderEvent is an event as the feed and webhook deliveries send it.
func RenderEvent(e event.Event) api.Event {
	changes := map[string]any{}
	if len(e.Changes) > 0 {
		_ = json.Unmarshal(e.Changes, &changes) // written by the service: an object
	}
	depts := e.Departments
	if depts == nil {
		depts = []string{}
	}
	return api.Event{
		ID: e.ID, Position: strconv.FormatInt(e.Position, 10), Type: e.Type, At: timestamp(e.At),
		Actor:     api.EventActor{Name: e.Actor, ID: e.ActorID, Department: e.ActorDept},
		Resource:  api.EventResource{Type: e.ResourceType, ID: e.ResourceID, Path: resourcePath(e.ResourceType, e.ResourceID)},
		ProjectID: e.ProjectID, Version: e.Version, Changes: changes, Departments: depts, RequestID: e.RequestID,
	}
}

// listEvents reads the change feed.
//
//	@Summary		Follow the change feed
//	@Description	Events of the register after a cursor, in commit order (docs/integration.md, "Events"): no event is ever skipped by a reader that follows next_cursor, and a change committed before another began comes first. A department system or user sees only the events its department is entitled to; the bureau, leaders and administrators see all. after=latest starts from the newest event. With wait, an empty answer is held up to that many seconds until events arrive. A cursor older than the oldest kept event answers 410 cursor_expired: list your projects (archived=true too) and follow again from after=latest.
//	@ID				listEvents
//	@Tags			events
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			after	query		string	false	"the position read last (next_cursor), 0 for the start, or latest"
//	@Param			types	query		string	false	"comma-separated event types; all when absent"
//	@Param			limit	query		integer	false	"page size"											minimum(1)	maximum(500)	default(100)
//	@Param			wait	query		integer	false	"seconds to wait for events when none are there"	minimum(0)	maximum(30)		default(0)
//	@Success		200		{object}	api.EventList
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		410		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/events [get]
func (h *handlers) listEvents(c *gin.Context, p identity.Principal) error {
	q, wait, err := parseEventQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.events.Read(c.Request.Context(), p, q, wait)
	if err != nil {
		return err
	}
	out := api.EventList{Items: make([]api.Event, len(page.Events))}
	for i, e := range page.Events {
		out.Items[i] = RenderEvent(e)
	}
	out.NextCursor = strconv.FormatInt(page.Next, 10)
	ok(c, http.StatusOK, out)
	return nil
}
