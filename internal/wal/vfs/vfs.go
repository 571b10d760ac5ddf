// Package vfs is the file-system seam under the write-ahead log: the few
// operations the log performs on files and directories, as an interface, so
// that tests can substitute an implementation that fails a write, an fsync or
// a directory sync on demand (FaultFS), or one in memory that can show what a
// power loss would leave on disk (MemFS). Default is the operating system's
// file system.
package vfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// File is an open file. Writes always append at the end of the file (the
// write-ahead log never overwrites); ReadAt reads at any offset.
type File interface {
	io.Writer
	io.ReaderAt
	io.Closer
	// Sync makes the file's data durable (fdatasync where the platform has
	// it, fsync elsewhere). After a failed Sync the file's durable content is
	// unknown: the caller must stop writing to it.
	Sync() error
	// Truncate changes the file's size; later writes append at the new end.
	Truncate(size int64) error
	// Size returns the file's current size.
	Size() (int64, error)
}

// FS is the file system the write-ahead log uses.
type FS interface {
	// Create creates a new file for reading and appending; it fails if the
	// file exists.
	Create(name string) (File, error)
	// OpenAppend opens an existing file for reading and appending.
	OpenAppend(name string) (File, error)
	// Remove removes a file.
	Remove(name string) error
	// Rename renames a file, replacing the target if it exists.
	Rename(oldName, newName string) error
	// ReadDir lists the names of the files in a directory, sorted.
	ReadDir(dir string) ([]string, error)
	// MkdirAll creates a directory and its parents.
	MkdirAll(dir string) error
	// SyncDir makes the directory's entries (files created, renamed or
	// removed in it) durable.
	SyncDir(dir string) error
	// Lock takes an exclusive lock on the named file, creating it, so that
	// two processes cannot open the same log; Close releases it.
	Lock(name string) (io.Closer, error)
}

// ErrLocked is returned by Lock when another process holds the lock.
var ErrLocked = errors.New("vfs: locked by another process")

// Default is the operating system's file system.
var Default FS = osFS{}

type osFS struct{}

type osFile struct{ *os.File }

func (f osFile) Sync() error { return dataSync(f.File) }

func (f osFile) Size() (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) OpenAppend(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) Rename(oldName, newName string) error { return os.Rename(oldName, newName) }

func (osFS) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func (osFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (osFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(filepath.Clean(name), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil // closing the descriptor releases the lock
}
