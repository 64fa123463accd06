//go:build !linux

package childproc

import "os/exec"

// dieWithParent does nothing where the kernel cannot be asked to end a
// child with its parent.
func dieWithParent(*exec.Cmd) {}
