package bench

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"github.com/guangling/pipeline/internal/platform/childproc"
)

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

// startChild starts bin with args in the bench's environment for the
// children and env, and waits until it has printed a line that announce
// matches, returning its submatches.
func (r *run) startChild(ctx context.Context, name, bin string, env []string, announce *regexp.Regexp, args ...string) (*childproc.Child, []string, error) {
	return childproc.Start(ctx, name, bin, append(append([]string{}, r.childEnv...), env...), announce, args...)
}
