//go:build !unix

package vfs

import "os"

// lockFile does nothing where flock is not available: the caller must not
// open one log from two processes.
func lockFile(*os.File) error { return nil }
