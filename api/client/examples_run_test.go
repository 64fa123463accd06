package client_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guangling/pipeline/api/client"
)

// pythonPath is Debian's Python, which python3-authlib is installed for.
const pythonPath = "/usr/bin/python3"

// Bounds of an example's run: waits for something to happen, not
// assertions of how fast it happens.
const (
	exampleTimeout   = 3 * time.Minute
	backgroundWait   = 30 * time.Second
	goBuildTimeout   = 5 * time.Minute
	exampleOutputCap = 8000
)

// TestExamples runs every example of docs/integration.md against the
// service built from this repository, in the page's order, with the
// variables the page documents ("About the examples").
func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the service")
	}
	page, err := os.ReadFile(examplesPage)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := parseExamples(string(page))
	if err != nil {
		t.Fatalf("%s: %v", examplesPage, err)
	}
	for _, lang := range runnable {
		if countRunnable(examples, lang) == 0 {
			t.Fatalf("%s has no %s example that runs", examplesPage, lang)
		}
	}
	needTools(t)
	s := startService(t, webhookSettings...)
	r := &runner{t: t, env: exampleEnv(t, s), module: exampleModule(t)}
	defer r.finish()
	for _, e := range examples {
		if e.skip != "" {
			t.Logf("line %d (%s) not run: %s", e.line, e.lang, e.skip)
			continue
		}
		t.Run(e.name(), func(t *testing.T) { r.run(t, e) })
	}
}

func countRunnable(examples []example, lang string) int {
	n := 0
	for _, e := range examples {
		if e.lang == lang && e.skip == "" {
			n++
		}
	}
	return n
}

// exampleEnv is the examples' environment: the variables of the page's
// table beside what the test runs with (PATH, Go's caches).
func exampleEnv(t *testing.T, s *service) []string {
	t.Helper()
	ctx := t.Context()
	id, secret := newSystem(t, ctx, s)
	c, err := client.NewClientWithResponses(s.base)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.IssueTokenWithFormdataBodyWithResponse(ctx, client.IssueTokenFormdataRequestBody{
		GrantType: "client_credentials", ClientId: &id, ClientSecret: &secret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.JSON200 == nil {
		t.Fatalf("a token for the examples: %s", tok.Body)
	}
	receiver := freeAddr(t)
	return append(os.Environ(),
		"PIPELINE_URL="+s.base,
		"PIPELINE_ADMIN_TOKEN="+adminToken(t, ctx, s),
		"PIPELINE_CLIENT_ID="+id,
		"PIPELINE_CLIENT_SECRET="+secret,
		"PIPELINE_TOKEN="+tok.JSON200.AccessToken,
		"RECEIVER_ADDR="+receiver,
		"RECEIVER_URL=http://"+receiver+"/pipeline/hook",
		"WEBHOOK_SECRET_FILE="+filepath.Join(t.TempDir(), "webhook-secret"),
		"PYTHONDONTWRITEBYTECODE=1",
	)
}

// freeAddr is a loopback address nothing listens on, for the receivers.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// exampleModule is the go.mod and go.sum of a module that requires the
// client from this directory, as an integrator's module does.
func exampleModule(t *testing.T) (files map[string][]byte) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	mod := "module example.test/integration\n\ngo 1.26\n\n" +
		"require github.com/guangling/pipeline/api/client v0.0.0\n\n" +
		"replace github.com/guangling/pipeline/api/client => " + dir + "\n"
	return map[string][]byte{"go.mod": []byte(mod), "go.sum": sum}
}

// runner runs the examples one after another; a background one runs on
// while those after it run.
type runner struct {
	t          *testing.T
	env        []string
	module     map[string][]byte
	background []*backgroundRun
}

// backgroundRun is a background example and what it printed.
type backgroundRun struct {
	e    example
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (b *backgroundRun) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.Write(p)
}

func (b *backgroundRun) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

func (r *runner) run(t *testing.T, e example) {
	dir := t.TempDir()
	if e.until != "" {
		r.waitBackground() // one receiver at a time: they share RECEIVER_ADDR
	}
	cmd := r.command(t, e, dir)
	if e.until != "" {
		r.start(t, e, cmd)
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), exampleTimeout)
	defer cancel()
	cmd = commandContext(ctx, cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the %s example at line %d: %v\n%s\n--- the example:\n%s", e.lang, e.line, err, clip(out), e.code)
	}
}

// command is the process that runs e in dir: bash, a Go program built in a
// module of its own, or Debian's Python.
func (r *runner) command(t *testing.T, e example, dir string) *exec.Cmd {
	t.Helper()
	var cmd *exec.Cmd
	switch e.lang {
	case "sh":
		write(t, dir, "example.sh", e.code)
		cmd = exec.Command("bash", "-euo", "pipefail", "example.sh")
	case "python":
		write(t, dir, "example.py", e.code)
		cmd = exec.Command(pythonPath, "example.py")
	case "go":
		cmd = exec.Command(r.buildGo(t, e, dir))
	}
	cmd.Dir = dir
	cmd.Env = r.env
	return cmd
}

// buildGo builds a go example as the main package of a module that
// requires the client by a replace, offline: what the client's own module
// needs is in the module cache already.
func (r *runner) buildGo(t *testing.T, e example, dir string) string {
	t.Helper()
	for name, content := range r.module {
		write(t, dir, name, string(content))
	}
	write(t, dir, "main.go", e.code)
	ctx, cancel := context.WithTimeout(t.Context(), goBuildTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", "example", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the go example at line %d: %v\n%s\n--- the example:\n%s", e.line, err, clip(out), e.code)
	}
	return filepath.Join(dir, "example")
}

// commandContext gives cmd a context that ends it and its children.
func commandContext(ctx context.Context, cmd *exec.Cmd) *exec.Cmd {
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir, c.Env = cmd.Dir, cmd.Env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 10 * time.Second
	return c
}

// start runs a background example and waits until it listens on
// RECEIVER_ADDR.
func (r *runner) start(t *testing.T, e example, cmd *exec.Cmd) {
	t.Helper()
	b := &backgroundRun{e: e, done: make(chan struct{})}
	cmd = commandContext(context.Background(), cmd)
	cmd.Stdout, cmd.Stderr = b, b
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the %s example at line %d: %v", e.lang, e.line, err)
	}
	b.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(b.done)
	}()
	r.background = append(r.background, b)
	addr := lookupEnv(r.env, "RECEIVER_ADDR")
	deadline := time.Now().Add(backgroundWait)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-b.done:
			t.Fatalf("the %s example at line %d ended: %s", e.lang, e.line, clip([]byte(b.output())))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s example at line %d does not listen on %s after %s: %s", e.lang, e.line, addr, backgroundWait, clip([]byte(b.output())))
		}
	}
}

// waitBackground waits for each running background example to print what
// its directive says, then stops it.
func (r *runner) waitBackground() {
	for _, b := range r.background {
		deadline := time.Now().Add(backgroundWait)
		for !strings.Contains(b.output(), b.e.until) && time.Now().Before(deadline) {
			select {
			case <-b.done:
				deadline = time.Now()
			case <-time.After(100 * time.Millisecond):
			}
		}
		if !strings.Contains(b.output(), b.e.until) {
			r.t.Errorf("the %s example at line %d did not print %q within %s:\n%s", b.e.lang, b.e.line, b.e.until, backgroundWait, clip([]byte(b.output())))
		}
		stop(b)
	}
	r.background = nil
}

func stop(b *backgroundRun) {
	select {
	case <-b.done:
		return
	default:
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.done
	}
}

func (r *runner) finish() { r.waitBackground() }

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clip keeps the end of a long output, where the error is.
func clip(out []byte) string {
	if len(out) <= exampleOutputCap {
		return string(out)
	}
	return fmt.Sprintf("… (%d bytes before)\n%s", len(out)-exampleOutputCap, out[len(out)-exampleOutputCap:])
}
