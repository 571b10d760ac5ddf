//go:build unix

package vfs

import (
	"fmt"
	"os"
	"syscall"
)

func lockFile(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if err == syscall.EWOULDBLOCK {
			return fmt.Errorf("%s: %w", f.Name(), ErrLocked)
		}
		return &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return nil
}
