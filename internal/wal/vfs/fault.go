package vfs

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrInjected is the error FaultFS returns for an injected fault.
var ErrInjected = errors.New("vfs: injected fault")

// Op names a file-system operation FaultFS can fail.
type Op int

// The operations FaultFS counts and can fail.
const (
	OpCreate Op = iota + 1
	OpWrite
	OpSync
	OpTruncate
	OpRemove
	OpRename
	OpSyncDir
)

func (op Op) String() string {
	switch op {
	case OpCreate:
		return "create"
	case OpWrite:
		return "write"
	case OpSync:
		return "sync"
	case OpTruncate:
		return "truncate"
	case OpRemove:
		return "remove"
	case OpRename:
		return "rename"
	case OpSyncDir:
		return "syncdir"
	}
	return fmt.Sprintf("op(%d)", int(op))
}

// FaultFS wraps an FS and fails chosen operations, for tests of what the
// write-ahead log does when the disk misbehaves. Safe for concurrent use.
type FaultFS struct {
	inner FS

	mu     sync.Mutex
	faults []*fault
	counts map[Op]int
}

type fault struct {
	op    Op
	skip  int  // operations of this kind to let through first
	short bool // a write fails after writing half its bytes
}

// NewFaultFS returns a FaultFS over inner that fails nothing until told to.
func NewFaultFS(inner FS) *FaultFS {
	return &FaultFS{inner: inner, counts: make(map[Op]int)}
}

// FailAfter makes the operation op fail with ErrInjected after n more
// operations of that kind have succeeded (n = 0: the next one fails). Each
// call injects one failure.
func (f *FaultFS) FailAfter(op Op, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{op: op, skip: n})
}

// ShortWriteAfter makes a write, after n more writes have succeeded, write
// only the first half of its bytes and then fail with ErrInjected: a torn
// write.
func (f *FaultFS) ShortWriteAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{op: OpWrite, skip: n, short: true})
}

// Count returns how many operations of kind op were attempted.
func (f *FaultFS) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// check counts an operation and returns the fault to inject, if any.
func (f *FaultFS) check(op Op) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[op]++
	for i, ft := range f.faults {
		if ft.op != op {
			continue
		}
		if ft.skip > 0 {
			ft.skip--
			continue
		}
		f.faults = append(f.faults[:i], f.faults[i+1:]...)
		return ft
	}
	return nil
}

func (f *FaultFS) fail(op Op, name string) error {
	return fmt.Errorf("%s %s: %w", op, name, ErrInjected)
}

// Create implements FS.
func (f *FaultFS) Create(name string) (File, error) {
	if f.check(OpCreate) != nil {
		return nil, f.fail(OpCreate, name)
	}
	file, err := f.inner.Create(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, name: name}, nil
}

// OpenAppend implements FS.
func (f *FaultFS) OpenAppend(name string) (File, error) {
	file, err := f.inner.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, name: name}, nil
}

// Remove implements FS.
func (f *FaultFS) Remove(name string) error {
	if f.check(OpRemove) != nil {
		return f.fail(OpRemove, name)
	}
	return f.inner.Remove(name)
}

// Rename implements FS.
func (f *FaultFS) Rename(oldName, newName string) error {
	if f.check(OpRename) != nil {
		return f.fail(OpRename, oldName)
	}
	return f.inner.Rename(oldName, newName)
}

// ReadDir implements FS.
func (f *FaultFS) ReadDir(dir string) ([]string, error) { return f.inner.ReadDir(dir) }

// MkdirAll implements FS.
func (f *FaultFS) MkdirAll(dir string) error { return f.inner.MkdirAll(dir) }

// SyncDir implements FS.
func (f *FaultFS) SyncDir(dir string) error {
	if f.check(OpSyncDir) != nil {
		return f.fail(OpSyncDir, dir)
	}
	return f.inner.SyncDir(dir)
}

// Lock implements FS.
func (f *FaultFS) Lock(name string) (io.Closer, error) { return f.inner.Lock(name) }

type faultFile struct {
	File
	fs   *FaultFS
	name string
}

func (f *faultFile) Write(p []byte) (int, error) {
	if ft := f.fs.check(OpWrite); ft != nil {
		if !ft.short {
			return 0, f.fs.fail(OpWrite, f.name)
		}
		n, err := f.File.Write(p[:len(p)/2])
		if err != nil {
			return n, err
		}
		return n, f.fs.fail(OpWrite, f.name)
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if f.fs.check(OpSync) != nil {
		return f.fs.fail(OpSync, f.name)
	}
	return f.File.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if f.fs.check(OpTruncate) != nil {
		return f.fs.fail(OpTruncate, f.name)
	}
	return f.File.Truncate(size)
}
