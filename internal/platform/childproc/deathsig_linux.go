//go:build linux

package childproc

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the process that started
// it ends, even by SIGKILL or a test's timeout, so that no service outlives
// the test or benchmark that started it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
