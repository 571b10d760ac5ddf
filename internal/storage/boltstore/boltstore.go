// Package boltstore is the on-disk storage engine: the applied data and group
// metadata of a node in one go.etcd.io/bbolt file, in two buckets ("data":
// key → value; "meta": group ID, 8 bytes big-endian → value).
//
// # Transactions
//
// Each Commit is one bbolt read-write transaction, so a batch is atomic on
// disk: bbolt writes the new pages, syncs, then switches to them by writing
// one meta page, and syncs again. A crash at any point leaves either the old
// or the new meta page in force.
//
// # Sync
//
// By default every Commit syncs, whatever its sync flag. Options.RelaxedSync
// lets Commit(b, false) skip both syncs. Such a commit still survives a
// process crash (SIGKILL, panic): its writes are in the kernel's page cache,
// in order, and the next open sees them. It does not survive an operating
// system crash or power loss, and worse, it can break atomicity there: the
// kernel may write the unsynced meta page back before the pages it points
// to, and bbolt reuses freed pages that the last durable meta page still
// references, so the file can come back corrupt rather than merely old. bbolt
// itself documents NoSync as unsafe for that reason. Use RelaxedSync only
// where the host can rebuild the engine's contents from elsewhere (the
// replicated log) and losing the file to a power cut is acceptable.
//
// # Iterators, snapshots and the mmap
//
// bbolt reads through a memory map. A commit that grows the file past the
// mapped size must remap, and remapping waits for every open read
// transaction. So:
//
//   - An Engine's own iterators (NewIter) hold no transaction between calls:
//     they copy keys and values out a chunk at a time (up to 256 pairs or
//     256 KiB), each chunk in a fresh short read transaction, and re-seek
//     after the last key for the next chunk. They never block a writer. The
//     price: the view is live, not consistent. Each key in bounds is visited
//     at most once and in order, but a write committed during the iteration
//     may or may not be seen.
//   - A Snapshot holds one read transaction until it is closed, which is what
//     makes it consistent. Writes are not blocked while the file fits in the
//     mapped size, which is why InitialMmapSize defaults to a large 8 GiB of
//     address space (it costs address space, not memory, and the file is not
//     grown to it). A commit that must grow the map past InitialMmapSize
//     while a snapshot is open waits until the snapshot is closed, so a
//     goroutine must never wait for its own write while holding a snapshot.
//     An open snapshot also keeps the pages it sees from being reused, so a
//     long-lived snapshot under heavy writes grows the file.
package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/embeddynamo/dynamo/internal/storage"
)

var (
	dataBucket = []byte("data")
	metaBucket = []byte("meta")
)

// defaultInitialMmapSize is the mapped address space used when
// Options.InitialMmapSize is zero.
var defaultInitialMmapSize = func() int {
	if bits.UintSize == 32 {
		return 256 << 20
	}
	return 8 << 30
}()

// Options configures Open. The zero value is ready to use.
type Options struct {
	// FileMode is the permission bits of a newly created file. Zero means
	// 0o600.
	FileMode os.FileMode
	// InitialMmapSize is the bytes of address space mapped when the file is
	// opened. While the file fits in it, open snapshots never block a
	// commit (see the package documentation). Zero means 8 GiB on 64-bit
	// platforms, 256 MiB on 32-bit ones.
	InitialMmapSize int
	// RelaxedSync lets Commit(b, false) skip syncing: safe against a process
	// crash, unsafe (possible corruption) against an operating-system crash
	// or power loss. False, the zero value, syncs every commit.
	RelaxedSync bool
	// LockTimeout is how long Open waits for another process to release
	// its lock on the file. Zero means one second; a negative value waits
	// forever.
	LockTimeout time.Duration
	// OpenFile opens the database file; nil means os.OpenFile. Tests use it
	// to inject open errors or watch the file.
	OpenFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// Engine is a storage.Engine on one bbolt file. Create one with Open; all
// methods are safe for concurrent use.
type Engine struct {
	path        string
	relaxedSync bool

	// mu guards db and closed against Close: every method holds it for
	// reading while it uses db, Close takes it for writing.
	mu     sync.RWMutex
	db     *bolt.DB
	closed bool

	// commitMu serializes commits, so that db.NoSync (which bbolt reads
	// inside the write transaction) can be set per commit without a race.
	commitMu sync.Mutex

	// snapMu guards snapshots: the open snapshots, which Close must end
	// before bbolt can close the file.
	snapMu    sync.Mutex
	snapshots map[*snapshot]struct{}
}

var _ storage.Engine = (*Engine)(nil)

// Open opens (or creates) the bbolt file at path. opts may be nil.
func Open(path string, opts *Options) (*Engine, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.FileMode == 0 {
		o.FileMode = 0o600
	}
	if o.InitialMmapSize == 0 {
		o.InitialMmapSize = defaultInitialMmapSize
	}
	switch {
	case o.LockTimeout == 0:
		o.LockTimeout = time.Second
	case o.LockTimeout < 0:
		o.LockTimeout = 0 // bbolt: wait forever
	}
	db, err := bolt.Open(path, o.FileMode, &bolt.Options{
		Timeout:         o.LockTimeout,
		InitialMmapSize: o.InitialMmapSize,
		FreelistType:    bolt.FreelistMapType,
		OpenFile:        o.OpenFile,
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	// Create the buckets of a new file; an existing file is not written.
	missing := false
	err = db.View(func(tx *bolt.Tx) error {
		missing = tx.Bucket(dataBucket) == nil || tx.Bucket(metaBucket) == nil
		return nil
	})
	if err == nil && missing {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{dataBucket, metaBucket} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: create buckets: %w", path, err)
	}
	return &Engine{
		path:        path,
		relaxedSync: o.RelaxedSync,
		db:          db,
		snapshots:   make(map[*snapshot]struct{}),
	}, nil
}

// Path returns the file the engine was opened on.
func (e *Engine) Path() string { return e.path }

// view runs fn in a short read transaction.
func (e *Engine) view(fn func(tx *bolt.Tx) error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return storage.ErrClosed
	}
	return e.db.View(fn)
}

// Get returns a copy of the value stored at key, or storage.ErrNotFound.
func (e *Engine) Get(key []byte) ([]byte, error) {
	var value []byte
	err := e.view(func(tx *bolt.Tx) (err error) {
		value, err = get(tx, key)
		return err
	})
	return value, err
}

// Meta returns the metadata of group, or storage.ErrNotFound.
func (e *Engine) Meta(group uint64) ([]byte, error) {
	var value []byte
	err := e.view(func(tx *bolt.Tx) (err error) {
		value, err = getMeta(tx, group)
		return err
	})
	return value, err
}

// NewIter returns a live iterator (see the package documentation): it holds
// no transaction between calls and never blocks a writer.
func (e *Engine) NewIter(opts storage.IterOptions) (storage.Iterator, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, storage.ErrClosed
	}
	return newIter(e.view, opts), nil
}

// Metas returns the metadata of every group.
func (e *Engine) Metas() (map[uint64][]byte, error) {
	out := make(map[uint64][]byte)
	err := e.view(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("boltstore: meta key of %d bytes", len(k))
			}
			out[binary.BigEndian.Uint64(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApproximateSize returns the bytes of keys and values in [start, end). It
// walks the keys, O(keys in range), 4096 keys per short read transaction so
// that a large range never holds one transaction for long.
func (e *Engine) ApproximateSize(start, end []byte) (int64, error) {
	const chunk = 4096
	var size int64
	var last []byte
	for {
		n := 0
		done := false
		err := e.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(dataBucket).Cursor()
			var k, v []byte
			switch {
			case last != nil:
				if k, v = c.Seek(last); k != nil && bytes.Equal(k, last) {
					k, v = c.Next()
				}
			case len(start) > 0:
				k, v = c.Seek(start)
			default:
				k, v = c.First()
			}
			for ; k != nil; k, v = c.Next() {
				if end != nil && bytes.Compare(k, end) >= 0 {
					break
				}
				size += int64(len(k) + len(v))
				n++
				if n == chunk {
					last = append(last[:0], k...)
					return nil
				}
			}
			done = true
			return nil
		})
		if err != nil {
			return 0, err
		}
		if done {
			return size, nil
		}
	}
}

// NewBatch returns an empty *storage.OpBatch.
func (e *Engine) NewBatch() storage.Batch { return storage.NewOpBatch() }

// Commit applies the batch in one bbolt write transaction. It syncs unless
// sync is false and Options.RelaxedSync is set.
func (e *Engine) Commit(b storage.Batch, sync bool) error {
	ob, err := storage.AsOpBatch(b)
	if err != nil {
		return err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return storage.ErrClosed
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	if ob.Len() == 0 {
		// Nothing to write. Under RelaxedSync a synced empty commit is a
		// barrier: it makes earlier unsynced commits durable.
		if sync && e.relaxedSync {
			if err := e.db.Sync(); err != nil {
				return fmt.Errorf("boltstore: commit: sync: %w", err)
			}
		}
		return nil
	}
	e.db.NoSync = e.relaxedSync && !sync
	err = e.db.Update(func(tx *bolt.Tx) error {
		data, meta := tx.Bucket(dataBucket), tx.Bucket(metaBucket)
		var groupKey [8]byte
		for i, op := range ob.Ops() {
			var err error
			switch op.Kind {
			case storage.OpSet:
				err = data.Put(op.Key, op.Value)
			case storage.OpDelete:
				err = data.Delete(op.Key)
			case storage.OpDeleteRange:
				data, err = deleteRange(tx, data, op.Key, op.End)
			case storage.OpSetMeta:
				binary.BigEndian.PutUint64(groupKey[:], op.Group)
				err = meta.Put(groupKey[:], op.Value)
			case storage.OpDeleteMeta:
				binary.BigEndian.PutUint64(groupKey[:], op.Group)
				err = meta.Delete(groupKey[:])
			default:
				err = fmt.Errorf("unknown operation %v", op.Kind)
			}
			if err != nil {
				return fmt.Errorf("operation %d (%v): %w", i, op.Kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: commit: %w", err)
	}
	return nil
}

// deleteRange removes [start, end) from the data bucket without reading the
// range into memory: the whole bucket is dropped and recreated when the
// range is unbounded on both sides, otherwise keys are deleted one at a time
// with a re-seek after each (a bbolt cursor skips a key if it moves on with
// Next after Delete). Keys and values are never copied; what the transaction
// holds until it commits is bbolt's bookkeeping for each page it changed
// (a node per page, pointing into the map), which deleting leaves nearly
// empty. It returns the data bucket, new if it was recreated.
func deleteRange(tx *bolt.Tx, data *bolt.Bucket, start, end []byte) (*bolt.Bucket, error) {
	if len(start) == 0 && end == nil {
		if err := tx.DeleteBucket(dataBucket); err != nil {
			return nil, err
		}
		return tx.CreateBucket(dataBucket)
	}
	if end != nil && bytes.Compare(start, end) >= 0 {
		return data, nil
	}
	c := data.Cursor()
	var seek []byte
	var k []byte
	if len(start) == 0 {
		k, _ = c.First()
	} else {
		k, _ = c.Seek(start)
	}
	for k != nil && (end == nil || bytes.Compare(k, end) < 0) {
		seek = append(seek[:0], k...)
		if err := c.Delete(); err != nil {
			return nil, err
		}
		k, _ = c.Seek(seek)
	}
	return data, nil
}

// NewSnapshot returns a consistent view held by one bbolt read transaction
// until Close. See the package documentation for how it interacts with
// writes that grow the file.
func (e *Engine) NewSnapshot() (storage.Snapshot, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, storage.ErrClosed
	}
	tx, err := e.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("boltstore: snapshot: %w", err)
	}
	s := &snapshot{engine: e, tx: tx}
	e.snapMu.Lock()
	e.snapshots[s] = struct{}{}
	e.snapMu.Unlock()
	return s, nil
}

// Close ends any snapshot still open (later calls on it return
// storage.ErrClosed) and closes the file. Every later call returns
// storage.ErrClosed.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return storage.ErrClosed
	}
	e.closed = true
	e.snapMu.Lock()
	open := make([]*snapshot, 0, len(e.snapshots))
	for s := range e.snapshots {
		open = append(open, s)
	}
	e.snapMu.Unlock()
	var errs []error
	for _, s := range open {
		if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if err := e.db.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", e.path, err)
	}
	return nil
}

func get(tx *bolt.Tx, key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, storage.ErrNotFound // no empty key is ever stored
	}
	// Seek, not Bucket.Get, so that an empty value is told apart from a
	// missing key.
	k, v := tx.Bucket(dataBucket).Cursor().Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil, storage.ErrNotFound
	}
	return append([]byte{}, v...), nil
}

func getMeta(tx *bolt.Tx, group uint64) ([]byte, error) {
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], group)
	k, v := tx.Bucket(metaBucket).Cursor().Seek(key[:])
	if k == nil || !bytes.Equal(k, key[:]) {
		return nil, storage.ErrNotFound
	}
	return append([]byte{}, v...), nil
}

// snapshot is one read transaction kept open. bbolt transactions are not
// safe for concurrent use, so mu serializes every use of tx.
type snapshot struct {
	engine *Engine
	mu     sync.Mutex
	tx     *bolt.Tx // nil once closed
}

// view runs fn in the snapshot's transaction.
func (s *snapshot) view(fn func(tx *bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tx == nil {
		return storage.ErrClosed
	}
	return fn(s.tx)
}

func (s *snapshot) Get(key []byte) ([]byte, error) {
	var value []byte
	err := s.view(func(tx *bolt.Tx) (err error) {
		value, err = get(tx, key)
		return err
	})
	return value, err
}

func (s *snapshot) Meta(group uint64) ([]byte, error) {
	var value []byte
	err := s.view(func(tx *bolt.Tx) (err error) {
		value, err = getMeta(tx, group)
		return err
	})
	return value, err
}

func (s *snapshot) NewIter(opts storage.IterOptions) (storage.Iterator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tx == nil {
		return nil, storage.ErrClosed
	}
	return newIter(s.view, opts), nil
}

func (s *snapshot) Close() error {
	s.mu.Lock()
	tx := s.tx
	s.tx = nil
	s.mu.Unlock()
	if tx == nil {
		return storage.ErrClosed
	}
	s.engine.snapMu.Lock()
	delete(s.engine.snapshots, s)
	s.engine.snapMu.Unlock()
	if err := tx.Rollback(); err != nil {
		return fmt.Errorf("boltstore: close snapshot: %w", err)
	}
	return nil
}
