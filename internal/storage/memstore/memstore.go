// Package memstore is the in-memory storage engine: the applied data and
// group metadata of a node held in two copy-on-write B-trees
// (github.com/google/btree). It is meant for tests and fixtures; nothing
// survives Close or a crash, and Commit's sync flag has no effect.
//
// # Concurrency
//
// The engine's state (a version: the data tree and the meta tree) is guarded
// by a read-write mutex. Point reads hold it for reading; Commit holds it for
// writing while it applies the whole batch, so a reader sees all of a batch
// or none of it. A snapshot or an iterator takes the current version and
// marks it shared: from then on the version is immutable and is read without
// any lock, so it stays consistent for as long as it is open and never
// blocks a writer. The next Commit, finding the current version shared,
// clones it (O(1): the B-tree's lazy copy-on-write Clone) and applies the
// batch to the clone; nodes still shared with the old version are copied the
// first time they are written. While no snapshot or iterator is taken, Commit
// updates the trees in place and copies nothing.
package memstore

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/btree"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// degree is the B-tree degree: nodes hold up to 2*degree-1 entries.
const degree = 32

type entry struct {
	key, value []byte
}

func lessEntry(a, b entry) bool { return bytes.Compare(a.key, b.key) < 0 }

type metaEntry struct {
	group uint64
	value []byte
}

func lessMeta(a, b metaEntry) bool { return a.group < b.group }

// version is one state of the engine. Commit modifies it in place until it
// is shared; a shared version is never modified again.
type version struct {
	data *btree.BTreeG[entry]
	meta *btree.BTreeG[metaEntry]
	// shared is set, under mu held for reading, when a snapshot or an
	// iterator (or a long read) takes this version.
	shared atomic.Bool
}

// Engine is an in-memory storage.Engine. Create one with New; all methods are
// safe for concurrent use.
type Engine struct {
	// mu guards current and closed, and the trees of current while it is
	// not shared: readers hold it for reading, Commit and Close for writing.
	mu      sync.RWMutex
	current *version // nil once closed
	closed  atomic.Bool
}

var _ storage.Engine = (*Engine)(nil)

// New returns an empty engine.
func New() *Engine {
	return &Engine{current: &version{
		data: btree.NewG(degree, lessEntry),
		meta: btree.NewG(degree, lessMeta),
	}}
}

// read runs fn on the current version under mu held for reading.
func (e *Engine) read(fn func(v *version) error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.current == nil {
		return storage.ErrClosed
	}
	return fn(e.current)
}

// share returns the current version marked shared: immutable from now on,
// readable without the lock.
func (e *Engine) share() (*version, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.current == nil {
		return nil, storage.ErrClosed
	}
	e.current.shared.Store(true)
	return e.current, nil
}

// Get returns a copy of the value stored at key, or storage.ErrNotFound.
func (e *Engine) Get(key []byte) (value []byte, err error) {
	err = e.read(func(v *version) error {
		value, err = v.get(key)
		return err
	})
	return value, err
}

// NewIter returns an iterator over a consistent view of the engine as of the
// call: writes committed while it is open are not visible through it.
func (e *Engine) NewIter(opts storage.IterOptions) (storage.Iterator, error) {
	v, err := e.share()
	if err != nil {
		return nil, err
	}
	return newIter(v, opts, e.closed.Load), nil
}

// Meta returns the metadata of group, or storage.ErrNotFound.
func (e *Engine) Meta(group uint64) (value []byte, err error) {
	err = e.read(func(v *version) error {
		value, err = v.getMeta(group)
		return err
	})
	return value, err
}

// Metas returns the metadata of every group.
func (e *Engine) Metas() (map[uint64][]byte, error) {
	out := make(map[uint64][]byte)
	err := e.read(func(v *version) error {
		v.meta.Ascend(func(m metaEntry) bool {
			out[m.group] = bytes.Clone(m.value)
			return true
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApproximateSize returns the bytes of keys and values in [start, end). It
// walks the range, O(keys in range), on a shared version so that writers
// are not held up (the next Commit pays for one Clone).
func (e *Engine) ApproximateSize(start, end []byte) (int64, error) {
	v, err := e.share()
	if err != nil {
		return 0, err
	}
	var size int64
	v.ascend(start, end, func(en entry) bool {
		size += int64(len(en.key) + len(en.value))
		return true
	})
	return size, nil
}

// NewBatch returns an empty *storage.OpBatch.
func (e *Engine) NewBatch() storage.Batch { return storage.NewOpBatch() }

// Commit applies the batch atomically. Sync is ignored: memory is never
// durable.
func (e *Engine) Commit(b storage.Batch, sync bool) error {
	ob, err := storage.AsOpBatch(b)
	if err != nil {
		return err
	}
	// Check every operation before changing anything: a version may be
	// updated in place, so the batch must not fail half way.
	for _, op := range ob.Ops() {
		if op.Kind < storage.OpSet || op.Kind > storage.OpDeleteMeta {
			return fmt.Errorf("memstore: commit: unknown operation %v", op.Kind)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v := e.current
	if v == nil {
		return storage.ErrClosed
	}
	if ob.Len() == 0 {
		return nil
	}
	if v.shared.Load() {
		v = &version{data: v.data.Clone(), meta: v.meta.Clone()}
		e.current = v
	}
	for _, op := range ob.Ops() {
		switch op.Kind {
		case storage.OpSet:
			kv := make([]byte, len(op.Key)+len(op.Value))
			n := copy(kv, op.Key)
			copy(kv[n:], op.Value)
			v.data.ReplaceOrInsert(entry{key: kv[:n:n], value: kv[n:]})
		case storage.OpDelete:
			v.data.Delete(entry{key: op.Key})
		case storage.OpDeleteRange:
			v.deleteRange(op.Key, op.End)
		case storage.OpSetMeta:
			v.meta.ReplaceOrInsert(metaEntry{group: op.Group, value: bytes.Clone(op.Value)})
		case storage.OpDeleteMeta:
			v.meta.Delete(metaEntry{group: op.Group})
		}
	}
	return nil
}

// NewSnapshot returns a consistent view of the engine as of now. It costs
// nothing to take and blocks no writer; the next Commit clones the trees.
func (e *Engine) NewSnapshot() (storage.Snapshot, error) {
	v, err := e.share()
	if err != nil {
		return nil, err
	}
	return &snapshot{engine: e, v: v}, nil
}

// Close releases the engine's data. Every later call returns
// storage.ErrClosed, including reads through open snapshots and iterators.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.current == nil {
		return storage.ErrClosed
	}
	e.closed.Store(true)
	e.current = nil
	return nil
}

func (v *version) get(key []byte) ([]byte, error) {
	en, ok := v.data.Get(entry{key: key})
	if !ok {
		return nil, storage.ErrNotFound
	}
	return bytes.Clone(en.value), nil
}

func (v *version) getMeta(group uint64) ([]byte, error) {
	m, ok := v.meta.Get(metaEntry{group: group})
	if !ok {
		return nil, storage.ErrNotFound
	}
	return bytes.Clone(m.value), nil
}

// ascend calls fn for each entry in [start, end) (nil bounds unbounded) until
// fn returns false.
func (v *version) ascend(start, end []byte, fn func(entry) bool) {
	visit := func(en entry) bool {
		if end != nil && bytes.Compare(en.key, end) >= 0 {
			return false
		}
		return fn(en)
	}
	if start == nil {
		v.data.Ascend(visit)
		return
	}
	v.data.AscendGreaterOrEqual(entry{key: start}, visit)
}

// deleteRange removes [start, end) from a version under construction,
// collecting keys in bounded chunks (a B-tree cannot be modified while it is
// walked).
func (v *version) deleteRange(start, end []byte) {
	if len(start) == 0 && end == nil {
		v.data = btree.NewG(degree, lessEntry) // everything: drop the tree
		return
	}
	if end != nil && bytes.Compare(start, end) >= 0 {
		return
	}
	const chunk = 256
	keys := make([][]byte, 0, chunk)
	for {
		keys = keys[:0]
		v.ascend(start, end, func(en entry) bool {
			keys = append(keys, en.key)
			return len(keys) < chunk
		})
		for _, k := range keys {
			v.data.Delete(entry{key: k})
		}
		if len(keys) < chunk {
			return
		}
	}
}

// snapshot is a version kept open.
type snapshot struct {
	engine *Engine
	v      *version
	closed atomic.Bool
}

func (s *snapshot) check() error {
	if s.closed.Load() || s.engine.closed.Load() {
		return storage.ErrClosed
	}
	return nil
}

func (s *snapshot) Get(key []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.v.get(key)
}

func (s *snapshot) Meta(group uint64) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.v.getMeta(group)
}

func (s *snapshot) NewIter(opts storage.IterOptions) (storage.Iterator, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return newIter(s.v, opts, func() bool { return s.check() != nil }), nil
}

func (s *snapshot) Close() error {
	if s.closed.Swap(true) {
		return storage.ErrClosed
	}
	return nil
}
