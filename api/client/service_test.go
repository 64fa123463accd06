package client_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/guangling/pipeline/api/client"
)

const adminPassword = "the client's test admin 2026"

var servesRE = regexp.MustCompile(`pipeline serves on (http://\S+)`)

// service is the pipeline binary built from this repository, serving a
// fresh SQLite file with the demo data on a free loopback port.
type service struct {
	base string
	mu   sync.Mutex
	out  strings.Builder
}

func (s *service) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func startService(t *testing.T) *service {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pipeline")
	if out, err := exec.Command("go", "build", "-C", "../..", "-o", bin, "./cmd/pipeline").CombinedOutput(); err != nil {
		t.Fatalf("build the service: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "PIPELINE_ADDR=127.0.0.1:0", "PIPELINE_DATA_DIR=" + filepath.Join(dir, "data"),
		"PIPELINE_DEMO=true", "PIPELINE_ADMIN_PASSWORD=" + adminPassword, "PIPELINE_PASSWORD_COST=4", "PIPELINE_LOG_LEVEL=warn"}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &service{}
	cmd.Stderr = &lockedWriter{s}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the service: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = (&lockedWriter{s}).Write([]byte(sc.Text() + "\n"))
			if m := servesRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			t.Fatalf("the service stopped:\n%s", s.output())
		}
		s.base = base
	case <-time.After(2 * time.Minute):
		t.Fatalf("the service did not start within 2 minutes:\n%s", s.output())
	}
	return s
}

type lockedWriter struct{ s *service }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.out.Write(p)
}

func ptr[T any](v T) *T { return &v }

// bearer sends a token as issued.
func bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// newSystem registers a department system for energy as the admin, with
// the generated client, and returns its client_id and client_secret.
func newSystem(t *testing.T, ctx context.Context, s *service) (id, secret string) {
	t.Helper()
	anon, err := client.NewClientWithResponses(s.base)
	if err != nil {
		t.Fatal(err)
	}
	login, err := anon.LoginWithResponse(ctx, client.LoginRequest{Username: ptr("admin"), Password: ptr(adminPassword)})
	if err != nil {
		t.Fatal(err)
	}
	if login.JSON200 == nil {
		t.Fatalf("sign in as admin: %s", login.Body)
	}
	created, err := anon.CreateClientWithResponse(ctx, &client.CreateClientParams{}, client.ClientCreate{
		Name: ptr("能源局项目系统"), Department: ptr("energy"), Scopes: &[]string{"projects:read", "projects:write"},
	}, bearer(login.JSON200.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil || created.JSON201.ClientSecret == nil {
		t.Fatalf("create a client: %s", created.Body)
	}
	return created.JSON201.ClientId, *created.JSON201.ClientSecret
}

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
