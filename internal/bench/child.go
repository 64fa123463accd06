package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a pipeline binary the bench started with serve.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
	err  error // how it ended, once done is closed
}

// command runs one of the service binary's operator commands (the newer
// binary's, in a comparison).
func (r *run) command(ctx context.Context, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, r.o.Service, args...)
	cmd.Env = append(append([]string{}, r.childEnv...), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pipeline %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// startChild starts bin with args and waits until it has printed a line
// that announce matches, returning its submatches.
func (r *run) startChild(ctx context.Context, name, bin string, env []string, announce *regexp.Regexp, args ...string) (*child, []string, error) {
	c := &child{name: name, out: &tail{}, done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, bin, args...)
	c.cmd.Env = append(append([]string{}, r.childEnv...), env...)
	// Stopped as an operator stops it, so that it finishes its requests.
	c.cmd.Cancel = func() error { return c.cmd.Process.Signal(syscall.SIGTERM) }
	c.cmd.WaitDelay = 30 * time.Second
	found := make(chan []string, 1)
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
	select {
	case m := <-found:
		return c, m, nil
	case <-c.done:
		return nil, nil, fmt.Errorf("%s stopped (%v):\n%s", name, c.err, c.out)
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, nil, fmt.Errorf("%s did not start within 2 minutes:\n%s", name, c.out)
	case <-ctx.Done():
		c.stop()
		return nil, nil, ctx.Err()
	}
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
