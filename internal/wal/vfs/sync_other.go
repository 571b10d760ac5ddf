//go:build !linux

package vfs

import "os"

// dataSync falls back to fsync where fdatasync is not available.
func dataSync(f *os.File) error { return f.Sync() }
