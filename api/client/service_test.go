package client_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/guangling/pipeline/api/client"
)

// TestAgainstTheService: a department system, with the generated client
// only, gets a token by client credentials, lists its projects, creates one
// and moves its stage with If-Match, which its webhook's receiver gets
// signed on the fourth try after three failures; the bureau archives it; the system's
// change feed, followed from the start, shows exactly its department's
// events, the archive included, in commit order.
func TestAgainstTheService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the service")
	}
	s := startService(t, webhookSettings...)
	ctx := t.Context()
	id, secret := newSystem(t, ctx, s)
	c, err := client.NewWithClientCredentials(ctx, s.base, id, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, c, 3)

	list, err := c.ListProjectsWithResponse(ctx, &client.ListProjectsParams{Limit: ptr(200)})
	if err != nil {
		t.Fatal(err)
	}
	if list.JSON200 == nil {
		t.Fatalf("list projects: %s\n%s", list.Body, s.output())
	}
	if ct := list.HTTPResponse.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if len(list.JSON200.Items) == 0 {
		t.Fatal("the energy department lists no project of the demo data")
	}
	var capacity *float64
	for _, p := range list.JSON200.Items {
		if p.Department != "energy" || p.Name == "" || p.Version < 1 || p.CreatedAt.IsZero() {
			t.Errorf("project %s decoded as department %q, name %q, version %d, created %v", p.Id, p.Department, p.Name, p.Version, p.CreatedAt)
		}
		if p.Capacity != nil {
			capacity = p.Capacity
		}
	}
	if capacity == nil {
		t.Error("no energy project of the demo data has a capacity")
	}

	created, err := c.CreateProjectWithResponse(ctx, &client.CreateProjectParams{IdempotencyKey: ptr(rand.Text())}, client.ProjectCreate{
		Name: ptr("南村20兆瓦分布式光伏项目"), Category: ptr(client.ProjectCreateCategorySolarPv),
		Capacity: ptr(20.125), CapacityUnit: ptr("MW"), TotalInvestmentYuan: ptr(int64(80_000_000)),
		BuildType: ptr(client.ProjectCreateBuildTypeNew),
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil {
		t.Fatalf("create a project: %s", created.Body)
	}
	p := created.JSON201
	if p.Department != "energy" || p.Capacity == nil || *p.Capacity != 20.125 || p.Stage != client.ProjectStagePlanning {
		t.Errorf("created: department %q, capacity %v, stage %q", p.Department, p.Capacity, p.Stage)
	}
	etag := created.HTTPResponse.Header.Get("ETag")

	move := client.TransitionCreate{
		To: ptr(client.TransitionCreateToSigned), OccurredOn: &openapi_types.Date{Time: time.Now().UTC()},
		Evidence: &[]client.Evidence{{Kind: client.EvidenceKindContract, Ref: "投资协议 2026-017"}},
	}
	moved, err := c.MoveProjectWithResponse(ctx, p.Id, &client.MoveProjectParams{IfMatch: &etag}, move)
	if err != nil {
		t.Fatal(err)
	}
	if moved.JSON201 == nil {
		t.Fatalf("move the project: %s", moved.Body)
	}
	if got := moved.JSON201.Project; got.Stage != client.ProjectStageSigned || got.Version != p.Version+1 {
		t.Errorf("moved: stage %q, version %d", got.Stage, got.Version)
	}
	rcv.wait(t, p.Id)
	stale, err := c.MoveProjectWithResponse(ctx, p.Id, &client.MoveProjectParams{IfMatch: &etag}, move)
	if err != nil {
		t.Fatal(err)
	}
	if stale.ApplicationproblemJSON412 == nil || stale.ApplicationproblemJSON412.Code != "version_conflict" {
		t.Errorf("a move with a stale ETag: %s", stale.Body)
	}

	admin, err := client.NewClientWithResponses(s.base, client.WithRequestEditorFn(bearer(adminToken(t, ctx, s))))
	if err != nil {
		t.Fatal(err)
	}
	archived, err := admin.ArchiveProjectWithResponse(ctx, p.Id, &client.ArchiveProjectParams{IfMatch: fmt.Sprintf(`"%d"`, p.Version+1)})
	if err != nil {
		t.Fatal(err)
	}
	if archived.StatusCode() != http.StatusNoContent && archived.StatusCode() != http.StatusOK {
		t.Fatalf("archive the project as the admin: %s %s", archived.Status(), archived.Body)
	}
	checkFeed(t, c, admin, p.Id)
}

// checkFeed follows the change feed from the start as the department system
// c until it shows the archive of project, and checks that it holds exactly
// the events of the whole feed (read by admin) that its department is
// entitled to, in commit order, project's among them.
func checkFeed(t *testing.T, c, admin *client.ClientWithResponses, project openapi_types.UUID) {
	t.Helper()
	var own []client.Event
	deadline := time.Now().Add(30 * time.Second)
	for !hasEvent(own, project, client.ProjectArchived) {
		if time.Now().After(deadline) {
			t.Fatalf("the feed did not show the archive of %s within 30 s: %d events", project, len(own))
		}
		own = readFeed(t, c, lastPosition(t, own), own)
	}
	var want []string
	for _, e := range readFeed(t, admin, 0, nil) {
		if position(t, e) <= lastPosition(t, own) && slices.Contains(e.Departments, "energy") {
			want = append(want, e.Id.String())
		}
	}
	var got, types []string
	for _, e := range own {
		got = append(got, e.Id.String())
		if e.ProjectId == project {
			types = append(types, string(e.Type))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the department's feed holds %d events, %d of the whole feed are entitled to energy:\n%v\n%v", len(got), len(want), got, want)
	}
	wantTypes := []string{"project.created", "project.stage_changed", "project.archived"}
	if !slices.Equal(types, wantTypes) {
		t.Errorf("the project's events: %v, want %v", types, wantTypes)
	}
}

// readFeed follows the feed after a position until a page is empty (that
// page waits a second for what is being sequenced), appending to events and
// checking that positions increase.
func readFeed(t *testing.T, c *client.ClientWithResponses, after int64, events []client.Event) []client.Event {
	t.Helper()
	cursor, limit, wait := strconv.FormatInt(after, 10), 500, 1
	for {
		page, err := c.ListEventsWithResponse(t.Context(), &client.ListEventsParams{After: &cursor, Limit: &limit, Wait: &wait})
		if err != nil {
			t.Fatal(err)
		}
		if page.JSON200 == nil {
			t.Fatalf("read the feed after %s: %s %s", cursor, page.Status(), page.Body)
		}
		if len(page.JSON200.Items) == 0 {
			return events
		}
		for _, e := range page.JSON200.Items {
			if position(t, e) <= lastPosition(t, events) {
				t.Errorf("position %s after %d", e.Position, lastPosition(t, events))
			}
			events = append(events, e)
		}
		cursor = page.JSON200.NextCursor
	}
}

func position(t *testing.T, e client.Event) int64 {
	t.Helper()
	n, err := strconv.ParseInt(e.Position, 10, 64)
	if err != nil {
		t.Fatalf("event %s: position %q", e.Id, e.Position)
	}
	return n
}

func lastPosition(t *testing.T, events []client.Event) int64 {
	t.Helper()
	if len(events) == 0 {
		return 0
	}
	return position(t, events[len(events)-1])
}

func hasEvent(events []client.Event, project openapi_types.UUID, typ client.EventType) bool {
	for _, e := range events {
		if e.ProjectId == project && e.Type == typ {
			return true
		}
	}
	return false
}
