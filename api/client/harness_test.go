package client_test

import (
	"bufio"
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// startService builds and starts the service; env adds settings
// ("PIPELINE_…=…") to those of every test. It stops when the test ends.
func startService(t *testing.T, env ...string) *service {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pipeline")
	if out, err := exec.Command("go", "build", "-C", "../..", "-o", bin, "./cmd/pipeline").CombinedOutput(); err != nil {
		t.Fatalf("build the service: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + dir, "PIPELINE_ADDR=127.0.0.1:0", "PIPELINE_DATA_DIR=" + filepath.Join(dir, "data"),
		"PIPELINE_DEMO=true", "PIPELINE_ADMIN_PASSWORD=" + adminPassword, "PIPELINE_PASSWORD_COST=4", "PIPELINE_LOG_LEVEL=warn"}, env...)
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

// webhookSettings let the service post to receivers on loopback, and try
// again soon after a failure.
var webhookSettings = []string{"PIPELINE_WEBHOOK_ALLOW_PRIVATE=true", "PIPELINE_WEBHOOK_RETRY_BASE=200ms",
	"PIPELINE_WEBHOOK_RETRY_MAX=2s", "PIPELINE_WEBHOOK_INTERVAL=100ms"}

func ptr[T any](v T) *T { return &v }

// bearer sends a token as issued.
func bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// adminToken signs in as the admin with the generated client.
func adminToken(t *testing.T, ctx context.Context, s *service) string {
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
	return login.JSON200.AccessToken
}

// systemScopes are the scopes of the department systems the tests register.
var systemScopes = []string{"projects:read", "projects:write", "events:read"}

// newSystem registers a department system for energy as the admin, with
// the generated client, and returns its client_id and client_secret.
func newSystem(t *testing.T, ctx context.Context, s *service) (id, secret string) {
	t.Helper()
	anon, err := client.NewClientWithResponses(s.base)
	if err != nil {
		t.Fatal(err)
	}
	created, err := anon.CreateClientWithResponse(ctx, &client.CreateClientParams{}, client.ClientCreate{
		Name: ptr("能源局项目系统"), Department: ptr("energy"), Scopes: &systemScopes,
	}, bearer(adminToken(t, ctx, s)))
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil || created.JSON201.ClientSecret == nil {
		t.Fatalf("create a client: %s", created.Body)
	}
	return created.JSON201.ClientId, *created.JSON201.ClientSecret
}
