// Package childproc runs a pipeline binary as a child process, as the
// benchmark and the fault tests do: started, its announcement awaited in
// what it prints, and stopped as an operator stops it (SIGTERM) or killed.
package childproc

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

// Child is a running binary.
type Child struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
	err  error // how it ended, once done is closed
}

// Start starts bin with args in the environment env (the whole of it) and
// waits until it has printed a line that announce matches, returning its
// submatches. name names the child in errors.
func Start(ctx context.Context, name, bin string, env []string, announce *regexp.Regexp, args ...string) (*Child, []string, error) {
	c := &Child{name: name, out: &tail{}, done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, bin, args...)
	c.cmd.Env = env
	// Stopped as an operator stops it, so that it finishes its requests.
	c.cmd.Cancel = func() error { return c.cmd.Process.Signal(syscall.SIGTERM) }
	c.cmd.WaitDelay = 30 * time.Second
	dieWithParent(c.cmd)
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
		_ = c.Stop()
		return nil, nil, fmt.Errorf("%s did not start within 2 minutes:\n%s", name, c.out)
	case <-ctx.Done():
		_ = c.Stop()
		return nil, nil, ctx.Err()
	}
}

// Pid is the child's process ID.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Stop ends the child as an operator would (SIGTERM) and waits for it; it
// fails when the child exited with an error.
func (c *Child) Stop() error {
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

// Kill ends the child with SIGKILL, as a crash of its machine or the
// kernel's out-of-memory killer would, and waits until it is gone.
func (c *Child) Kill() {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// Output is the last lines the child printed, for error messages.
func (c *Child) Output() string { return c.out.String() }

// PeakRSS is the child's VmHWM, its peak resident set, from /proc (Linux).
func (c *Child) PeakRSS() (int64, error) {
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
