//go:build unix

package auth

import (
	"os"
	"syscall"
)

// lockFolder takes an exclusive lock on the file name (flock), waiting for
// it, and returns its release. The kernel releases it should the process
// die holding it.
func lockFolder(name string) (func() error, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		return f.Close() // closing the last descriptor releases the lock
	}, nil
}
