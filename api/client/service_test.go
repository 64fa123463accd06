package client_test

import (
	"crypto/rand"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/guangling/pipeline/api/client"
)

// TestAgainstTheService: a department system, with the generated client
// only, gets a token by client credentials, lists its projects, creates one
// and moves its stage with If-Match.
func TestAgainstTheService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the service")
	}
	s := startService(t)
	ctx := t.Context()
	id, secret := newSystem(t, ctx, s)
	c, err := client.NewWithClientCredentials(ctx, s.base, id, secret, nil)
	if err != nil {
		t.Fatal(err)
	}

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
	stale, err := c.MoveProjectWithResponse(ctx, p.Id, &client.MoveProjectParams{IfMatch: &etag}, move)
	if err != nil {
		t.Fatal(err)
	}
	if stale.ApplicationproblemJSON412 == nil || stale.ApplicationproblemJSON412.Code != "version_conflict" {
		t.Errorf("a move with a stale ETag: %s", stale.Body)
	}
}
