// Package storage defines the Engine interface: the applied data of every
// partition replica on one node, plus each partition's metadata (applied
// index, range), written atomically together in batches. The root package
// re-exports it as dynamo.Storage.
//
// Implementations live in subpackages (internal/storage/boltstore on disk,
// internal/storage/memstore in memory); both pass the conformance suite in
// dynamotest.
//
// Keys are opaque byte strings ordered by bytes.Compare. The engine is not the
// point of durability: the replicated log is. A batch committed with sync=false
// may be lost on a crash, but never partially applied.
package storage

import "errors"

// ErrNotFound is returned by Get for a key that has no value, and by Meta for
// a group with no metadata.
var ErrNotFound = errors.New("storage: not found")

// ErrClosed is returned by every method once the engine is closed.
var ErrClosed = errors.New("storage: engine closed")

// Reader reads a consistent or live view of the engine.
type Reader interface {
	// Get returns a copy of the value stored at key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// NewIter returns an iterator over the keys in [opts.Lower, opts.Upper)
	// (nil bounds are unbounded), in ascending order, or descending when
	// opts.Reverse is set. The caller must Close it.
	NewIter(opts IterOptions) (Iterator, error)
	// Meta returns the metadata stored for group, or ErrNotFound.
	Meta(group uint64) ([]byte, error)
}

// Engine is the applied-data store of one node. All methods are safe for
// concurrent use. Writes are applied through batches; one batch is atomic.
type Engine interface {
	Reader
	// NewBatch returns an empty batch. A batch is used by one goroutine.
	NewBatch() Batch
	// Commit applies the batch atomically. With sync set, the batch is durable
	// when Commit returns; without, it may be lost on a crash (all of it, or
	// none of it). The batch may be reused after Reset.
	Commit(b Batch, sync bool) error
	// NewSnapshot returns a consistent view of the engine as of now. Writes
	// committed afterwards are not visible through it; it must be closed.
	// Writes are not blocked while a snapshot is open.
	NewSnapshot() (Snapshot, error)
	// Metas returns the metadata of every group, keyed by group ID.
	Metas() (map[uint64][]byte, error)
	// ApproximateSize estimates the bytes of keys and values in [start, end)
	// (nil bounds are unbounded).
	ApproximateSize(start, end []byte) (int64, error)
	// Close releases the engine. Open iterators and snapshots must be closed
	// first.
	Close() error
}

// Snapshot is a consistent, read-only view of an engine at one moment.
type Snapshot interface {
	Reader
	// Close releases the view.
	Close() error
}

// Batch collects writes to apply atomically with Engine.Commit. Operations
// apply in the order they were added: a Set after a DeleteRange covering its
// key survives.
type Batch interface {
	// Set stores value at key. Key and value are copied.
	Set(key, value []byte)
	// Delete removes key.
	Delete(key []byte)
	// DeleteRange removes every key in [start, end); a nil end is unbounded.
	DeleteRange(start, end []byte)
	// SetMeta stores the metadata of a group.
	SetMeta(group uint64, value []byte)
	// DeleteMeta removes the metadata of a group.
	DeleteMeta(group uint64)
	// Len returns the number of operations in the batch.
	Len() int
	// Size returns the bytes of keys and values in the batch.
	Size() int
	// Reset empties the batch for reuse.
	Reset()
}

// IterOptions bounds an iteration.
type IterOptions struct {
	// Lower is the inclusive lower bound; nil means the first key.
	Lower []byte
	// Upper is the exclusive upper bound; nil means past the last key.
	Upper []byte
	// Reverse iterates from the last key in bounds down to the first.
	Reverse bool
}

// Iterator walks keys in order. Before the first call to Next it is
// positioned before the first key.
type Iterator interface {
	// Next advances to the next key and reports whether there is one.
	Next() bool
	// Key returns the current key; valid until the next call to Next.
	Key() []byte
	// Value returns the current value; valid until the next call to Next.
	Value() []byte
	// Err returns the error that stopped the iteration, if any.
	Err() error
	// Close releases the iterator. It returns Err().
	Close() error
}
