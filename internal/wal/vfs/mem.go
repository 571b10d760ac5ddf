package vfs

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// ErrCrashed is returned by every operation of a MemFS after its simulated
// crash point.
var ErrCrashed = errors.New("vfs: crashed")

// MemFS is a file system in memory that remembers what was made durable:
// a file's content by Sync, a directory's entries by SyncDir. Crash returns
// what a power loss could leave behind, for tests of crash recovery that
// cannot be done with a real disk. Safe for concurrent use.
type MemFS struct {
	mu sync.Mutex
	// live is what the running program sees; durable what survives a crash.
	live, durable map[string]*memNode
	locks         map[string]bool
	// opsLeft counts the operations before the crash point; negative for
	// none.
	opsLeft int
}

type memNode struct {
	data   []byte // what reads see
	synced []byte // what survives a crash
}

// NewMemFS returns an empty MemFS.
func NewMemFS() *MemFS {
	return &MemFS{live: map[string]*memNode{}, durable: map[string]*memNode{}, locks: map[string]bool{}, opsLeft: -1}
}

// CrashAfter makes every operation after the next n fail with ErrCrashed, as
// if the machine stopped there.
func (m *MemFS) CrashAfter(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opsLeft = n
}

// Crash returns the file system as a power loss at this moment could leave
// it: every synced byte is there; of what was written since a file's last
// Sync, a random prefix survives, sometimes followed by zeros up to the
// written length (the size reached the disk, the data did not); a directory
// change not followed by SyncDir is kept or lost at random.
func (m *MemFS) Crash(rng *rand.Rand) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := NewMemFS()
	names := map[string]bool{}
	for name := range m.live {
		names[name] = true
	}
	for name := range m.durable {
		names[name] = true
	}
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	slices.Sort(sorted) // deterministic use of rng
	crashed := map[*memNode]*memNode{}
	for _, name := range sorted {
		live, durable := m.live[name], m.durable[name]
		node := durable
		if live != durable && rng.IntN(2) == 0 {
			node = live
		}
		if node == nil {
			continue
		}
		if c, ok := crashed[node]; ok {
			out.live[name], out.durable[name] = c, c
			continue
		}
		data := slices.Clone(node.synced)
		if len(node.data) > len(node.synced) && string(node.data[:len(node.synced)]) == string(node.synced) {
			tail := node.data[len(node.synced):]
			keep := rng.IntN(len(tail) + 1)
			data = append(data, tail[:keep]...)
			if rng.IntN(4) == 0 {
				data = append(data, make([]byte, len(tail)-keep)...)
			}
		}
		c := &memNode{data: data, synced: slices.Clone(data)}
		crashed[node] = c
		out.live[name], out.durable[name] = c, c
	}
	return out
}

// op counts an operation against the crash point.
func (m *MemFS) op() error {
	if m.opsLeft == 0 {
		return ErrCrashed
	}
	if m.opsLeft > 0 {
		m.opsLeft--
	}
	return nil
}

// Create implements FS.
func (m *MemFS) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return nil, err
	}
	name = filepath.Clean(name)
	if m.live[name] != nil {
		return nil, &os.PathError{Op: "create", Path: name, Err: os.ErrExist}
	}
	node := &memNode{}
	m.live[name] = node
	return &memFile{fs: m, node: node, name: name}, nil
}

// OpenAppend implements FS.
func (m *MemFS) OpenAppend(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return nil, err
	}
	name = filepath.Clean(name)
	node := m.live[name]
	if node == nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	return &memFile{fs: m, node: node, name: name}, nil
}

// Remove implements FS.
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return err
	}
	name = filepath.Clean(name)
	if m.live[name] == nil {
		return &os.PathError{Op: "remove", Path: name, Err: os.ErrNotExist}
	}
	delete(m.live, name)
	return nil
}

// Rename implements FS.
func (m *MemFS) Rename(oldName, newName string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return err
	}
	oldName, newName = filepath.Clean(oldName), filepath.Clean(newName)
	node := m.live[oldName]
	if node == nil {
		return &os.PathError{Op: "rename", Path: oldName, Err: os.ErrNotExist}
	}
	m.live[newName] = node
	delete(m.live, oldName)
	return nil
}

// ReadDir implements FS.
func (m *MemFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return nil, err
	}
	var names []string
	for name := range m.live {
		if filepath.Dir(name) == filepath.Clean(dir) {
			names = append(names, filepath.Base(name))
		}
	}
	slices.Sort(names)
	return names, nil
}

// MkdirAll implements FS; directories exist implicitly.
func (m *MemFS) MkdirAll(string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.op()
}

// SyncDir implements FS: the directory's entries become durable.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.op(); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	for name := range m.durable {
		if filepath.Dir(name) == dir && m.live[name] == nil {
			delete(m.durable, name)
		}
	}
	for name, node := range m.live {
		if filepath.Dir(name) == dir {
			m.durable[name] = node
		}
	}
	return nil
}

// Lock implements FS, within this MemFS.
func (m *MemFS) Lock(name string) (io.Closer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if m.locks[name] {
		return nil, fmt.Errorf("%s: %w", name, ErrLocked)
	}
	m.locks[name] = true
	return memLock{m, name}, nil
}

type memLock struct {
	fs   *MemFS
	name string
}

func (l memLock) Close() error {
	l.fs.mu.Lock()
	defer l.fs.mu.Unlock()
	delete(l.fs.locks, l.name)
	return nil
}

type memFile struct {
	fs     *MemFS
	node   *memNode
	name   string
	closed bool
}

var errClosedFile = errors.New("vfs: file already closed")

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, errClosedFile
	}
	if err := f.fs.op(); err != nil {
		return 0, err
	}
	f.node.data = append(f.node.data, p...)
	return len(p), nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, errClosedFile
	}
	if off >= int64(len(f.node.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.node.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return errClosedFile
	}
	if err := f.fs.op(); err != nil {
		return err
	}
	f.node.synced = slices.Clone(f.node.data)
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return errClosedFile
	}
	if err := f.fs.op(); err != nil {
		return err
	}
	if size < int64(len(f.node.data)) {
		f.node.data = slices.Clone(f.node.data[:size])
	} else {
		f.node.data = append(f.node.data, make([]byte, size-int64(len(f.node.data)))...)
	}
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, errClosedFile
	}
	return int64(len(f.node.data)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return errClosedFile
	}
	f.closed = true
	return nil
}
