// Package memstore is the in-memory storage engine: the applied data and
// group metadata of a node held in two copy-on-write B-trees
// (github.com/google/btree). It is meant for tests and fixtures; nothing
// survives Close or a crash, and Commit's sync flag has no effect.
//
// # Concurrency
//
// The engine publishes an immutable version of its state (the data tree and
// the meta tree) through an atomic pointer. A reader loads the current
// version and reads it without any lock; a snapshot or an iterator simply
// keeps the version it loaded, so it stays consistent for as long as it is
// open and never blocks a writer. Commit, under the writer mutex, clones the
// current version (O(1): the B-tree's lazy copy-on-write Clone), applies the
// whole batch to the clone, and publishes it with one atomic store: a reader
// sees all of a batch or none of it. The writer mutex also guards Close.
// Nodes shared with published versions are never modified; a clone copies a
// node the first time it writes to it.
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

// version is one immutable state of the engine. Once published it is never
// modified; Commit builds the next one from a clone.
type version struct {
	data *btree.BTreeG[entry]
	meta *btree.BTreeG[metaEntry]
}

// Engine is an in-memory storage.Engine. Create one with New; all methods are
// safe for concurrent use.
type Engine struct {
	// writeMu serializes Commit and Close: the only code that builds and
	// publishes versions.
	writeMu sync.Mutex
	// current is the published version; nil once closed.
	current atomic.Pointer[version]
	closed  atomic.Bool
}

var _ storage.Engine = (*Engine)(nil)

// New returns an empty engine.
func New() *Engine {
	e := &Engine{}
	e.current.Store(&version{
		data: btree.NewG(degree, lessEntry),
		meta: btree.NewG(degree, lessMeta),
	})
	return e
}

// load returns the current version, or ErrClosed.
func (e *Engine) load() (*version, error) {
	v := e.current.Load()
	if v == nil || e.closed.Load() {
		return nil, storage.ErrClosed
	}
	return v, nil
}

// Get returns a copy of the value stored at key, or storage.ErrNotFound.
func (e *Engine) Get(key []byte) ([]byte, error) {
	v, err := e.load()
	if err != nil {
		return nil, err
	}
	return v.get(key)
}

// NewIter returns an iterator over a consistent view of the engine as of the
// call: writes committed while it is open are not visible through it.
func (e *Engine) NewIter(opts storage.IterOptions) (storage.Iterator, error) {
	v, err := e.load()
	if err != nil {
		return nil, err
	}
	return newIter(v, opts, e.closed.Load), nil
}

// Meta returns the metadata of group, or storage.ErrNotFound.
func (e *Engine) Meta(group uint64) ([]byte, error) {
	v, err := e.load()
	if err != nil {
		return nil, err
	}
	return v.getMeta(group)
}

// Metas returns the metadata of every group.
func (e *Engine) Metas() (map[uint64][]byte, error) {
	v, err := e.load()
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]byte, v.meta.Len())
	v.meta.Ascend(func(m metaEntry) bool {
		out[m.group] = bytes.Clone(m.value)
		return true
	})
	return out, nil
}

// ApproximateSize returns the bytes of keys and values in [start, end). It
// walks the range: O(keys in range), without holding any lock.
func (e *Engine) ApproximateSize(start, end []byte) (int64, error) {
	v, err := e.load()
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
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	cur, err := e.load()
	if err != nil {
		return err
	}
	next := &version{data: cur.data.Clone(), meta: cur.meta.Clone()}
	for _, op := range ob.Ops() {
		switch op.Kind {
		case storage.OpSet:
			kv := make([]byte, len(op.Key)+len(op.Value))
			n := copy(kv, op.Key)
			copy(kv[n:], op.Value)
			next.data.ReplaceOrInsert(entry{key: kv[:n:n], value: kv[n:]})
		case storage.OpDelete:
			next.data.Delete(entry{key: op.Key})
		case storage.OpDeleteRange:
			next.deleteRange(op.Key, op.End)
		case storage.OpSetMeta:
			next.meta.ReplaceOrInsert(metaEntry{group: op.Group, value: bytes.Clone(op.Value)})
		case storage.OpDeleteMeta:
			next.meta.Delete(metaEntry{group: op.Group})
		default:
			return fmt.Errorf("memstore: commit: unknown operation %v", op.Kind)
		}
	}
	e.current.Store(next)
	return nil
}

// NewSnapshot returns a consistent view of the engine as of now. It costs
// nothing to take and blocks no writer.
func (e *Engine) NewSnapshot() (storage.Snapshot, error) {
	v, err := e.load()
	if err != nil {
		return nil, err
	}
	return &snapshot{engine: e, v: v}, nil
}

// Close releases the engine's data. Every later call returns
// storage.ErrClosed, including reads through open snapshots and iterators.
func (e *Engine) Close() error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if e.closed.Load() {
		return storage.ErrClosed
	}
	e.closed.Store(true)
	e.current.Store(nil)
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
