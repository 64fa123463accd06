package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/guangling/pipeline/api"
)

// benchUser is the bureau account the bench signs in as: bureau staff read
// and write every project, as the pairs need.
const benchUser = "bench"

// child is a process the bench started: the service or the pair server.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
	err  error // how it ended, once done is closed
}

// command runs one of the service binary's operator commands.
func (r *run) command(ctx context.Context, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, r.o.Service, args...)
	cmd.Env = append(append([]string{}, r.childEnv...), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pipeline %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// startChild starts the service binary with args and waits until it has
// printed want lines that announce matches, returning their submatches.
func (r *run) startChild(ctx context.Context, name string, env []string, announce *regexp.Regexp, want int, args ...string) (*child, [][]string, error) {
	c := &child{name: name, out: &tail{}, done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, r.o.Service, args...)
	c.cmd.Env = append(append([]string{}, r.childEnv...), env...)
	// Stopped as an operator stops it, so that it finishes its requests.
	c.cmd.Cancel = func() error { return c.cmd.Process.Signal(syscall.SIGTERM) }
	c.cmd.WaitDelay = 30 * time.Second
	found := make(chan []string, want)
	c.cmd.Stdout = &lines{fn: func(l string) {
		c.out.add(l)
		if m := announce.FindStringSubmatch(l); m != nil {
			select {
			case found <- m:
			default:
			}
		}
	}}
	c.cmd.Stderr = &lines{fn: c.out.add}
	if err := c.cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	var got [][]string
	deadline := time.After(2 * time.Minute)
	for len(got) < want {
		select {
		case m := <-found:
			got = append(got, m)
		case <-c.done:
			return nil, nil, fmt.Errorf("%s stopped (%v):\n%s", name, c.err, c.out)
		case <-deadline:
			c.stop()
			return nil, nil, fmt.Errorf("%s did not start within 2 minutes:\n%s", name, c.out)
		case <-ctx.Done():
			c.stop()
			return nil, nil, ctx.Err()
		}
	}
	return c, got, nil
}

// stop ends the child as an operator would (SIGTERM) and waits for it.
func (c *child) stop() error {
	if c == nil {
		return nil
	}
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(c.cmd.WaitDelay):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
	if c.err != nil {
		return fmt.Errorf("%s: %w\n%s", c.name, c.err, c.out)
	}
	return nil
}

// peakRSS is the child's VmHWM, its peak resident set, from /proc (Linux).
func (c *child) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}

var (
	servesRE = regexp.MustCompile(`pipeline serves on (http://\S+)`)
	pairsRE  = regexp.MustCompile(`^bench serves (\S+) on (http://\S+)`)
)

// startService creates the bench's bureau user, starts the service on the
// bench schema, signs in, and starts the pair server beside it.
func (r *run) startService(ctx context.Context) error {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	r.password = hex.EncodeToString(b)
	if err := r.command(ctx, []string{"PIPELINE_NEW_PASSWORD=" + r.password}, "user", "create", benchUser, "bureau"); err != nil {
		return err
	}
	var env []string
	if r.o.Pprof != "" {
		env = append(env, "PIPELINE_PPROF_ADDR="+r.o.Pprof)
	}
	svc, m, err := r.startChild(ctx, "the service", env, servesRE, 1, "serve")
	if err != nil {
		return err
	}
	r.service, r.api = svc, m[0][1]
	if err := r.expect(ctx, http.MethodGet, r.api+"/readyz", "", http.StatusOK); err != nil {
		return err
	}
	token, err := r.login(ctx)
	if err != nil {
		return err
	}
	// The pair server verifies this token once to learn the principal its
	// unauthenticated handler serves as, and loads the same keys (the same
	// data folder) to verify the tokens of the authenticated one.
	pairs, m, err := r.startChild(ctx, "the pair server", []string{"PIPELINE_BENCH_TOKEN=" + token}, pairsRE, 3, "bench", "serve-pairs")
	if err != nil {
		return err
	}
	r.pairs = pairs
	for _, s := range m {
		switch s[1] {
		case "authenticated":
			r.authed = s[2]
		case "unauthenticated":
			r.unauthed = s[2]
		case "bare-gin":
			r.bare = s[2]
		}
	}
	if r.authed == "" || r.unauthed == "" || r.bare == "" {
		return fmt.Errorf("the pair server announced %v", m)
	}
	r.printf("service at %s (pid %d); pair server (pid %d)\n", r.api, svc.cmd.Process.Pid, pairs.cmd.Process.Pid)
	return nil
}

// memory reads the service's peak memory so far.
func (r *run) memory(context.Context) error {
	rss, err := r.service.peakRSS()
	r.results = append(r.results, result{key: "memory", rss: rss, rssErr: err})
	return nil
}

// stopService stops both children.
func (r *run) stopService(context.Context) error { return r.stopChildren() }

func (r *run) stopChildren() error {
	err := errors.Join(r.pairs.stop(), r.service.stop())
	r.pairs, r.service = nil, nil
	return err
}

// login signs the bench user in and returns an access token. Tokens live at
// most 15 minutes, so each measurement signs in afresh.
func (r *run) login(ctx context.Context) (string, error) {
	body, _ := json.Marshal(api.LoginRequest{Username: benchUser, Password: r.password})
	var tok api.TokenResponse
	if err := r.do(ctx, http.MethodPost, r.api+"/api/v1/auth/login", "", body, http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	return tok.AccessToken, nil
}

// expect sends one request and fails unless it answers want.
func (r *run) expect(ctx context.Context, method, target, token string, want int) error {
	return r.do(ctx, method, target, token, nil, want, nil)
}

// do sends one request, fails unless it answers want, and decodes the JSON
// answer into into, when given.
func (r *run) do(ctx context.Context, method, target, token string, body []byte, want int, into any) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d, want %d: %.300s", method, target, resp.StatusCode, want, b)
	}
	if into != nil {
		return json.Unmarshal(b, into)
	}
	return nil
}

// lines calls fn with each line written to it.
type lines struct {
	fn   func(string)
	part []byte
}

func (w *lines) Write(p []byte) (int, error) {
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.fn(string(w.part[:i]))
		w.part = w.part[i+1:]
	}
}

// tail keeps the last lines a child printed, for error messages.
type tail struct {
	mu sync.Mutex
	l  []string
}

func (t *tail) add(l string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.l = append(t.l, l); len(t.l) > 40 {
		t.l = t.l[len(t.l)-40:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.l, "\n")
}
