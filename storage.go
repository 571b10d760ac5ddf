package dynamo

import (
	"io"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

// Storage holds the applied data of every partition replica on a node, and
// each partition's metadata (applied index, range), written together in
// atomic batches. Keys are byte strings ordered by bytes.Compare. It is not
// the point of durability: the replicated log is, and a batch committed
// without sync may be lost in a crash, but never applied in part. The
// built-in implementations are OpenBoltStorage (on disk, the default) and
// NewMemoryStorage (for tests); dynamotest.TestStorage checks a custom one.
// All methods are safe for concurrent use.
type Storage = storage.Engine

// StorageReader reads a Storage: the engine itself (a live view) or one of
// its snapshots (a consistent view).
type StorageReader = storage.Reader

// StorageBatch collects writes that Storage.Commit applies atomically, in
// the order they were added. A batch is used by one goroutine.
type StorageBatch = storage.Batch

// StorageSnapshot is a consistent, read-only view of a Storage at one moment;
// writes go on while it is open. It must be closed.
type StorageSnapshot = storage.Snapshot

// StorageIterator walks the keys of a StorageReader in order; it must be
// closed.
type StorageIterator = storage.Iterator

// StorageIterOptions bounds an iteration: [Lower, Upper), nil meaning
// unbounded, descending when Reverse is set.
type StorageIterOptions = storage.IterOptions

// Errors of the Storage seam, matched with errors.Is.
var (
	// ErrStorageNotFound is returned by Get for a missing key and by Meta
	// for a group without metadata.
	ErrStorageNotFound = storage.ErrNotFound
	// ErrStorageClosed is returned by every method of a closed Storage.
	ErrStorageClosed = storage.ErrClosed
	// ErrStorageInvalidKey is returned by Commit for a batch holding an
	// empty key or one longer than MaxStorageKeySize; nothing is applied.
	ErrStorageInvalidKey = storage.ErrInvalidKey
)

// MaxStorageKeySize is the longest key, in bytes, the built-in Storage
// implementations accept.
const MaxStorageKeySize = storage.MaxKeySize

// BoltOptions configures OpenBoltStorage; nil or the zero value means the
// defaults: file mode 0600, 8 GiB of mapped address space (see
// InitialMmapSize), every commit synced, a one-second wait for the file lock.
type BoltOptions = boltstore.Options

// OpenBoltStorage opens, or creates, the Storage in the bbolt file at path:
// the default on-disk implementation. Each commit is one bbolt transaction.
// Only one process may open a file at a time. Its iterators hold no
// transaction between chunks of keys and never block writes; its snapshots
// hold a read transaction, and block a commit only when the file outgrows
// BoltOptions.InitialMmapSize.
func OpenBoltStorage(path string, opts *BoltOptions) (Storage, error) {
	e, err := boltstore.Open(path, opts)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// NewMemoryStorage returns a Storage held in memory, on copy-on-write
// B-trees: snapshots and iterators are free and consistent, nothing is
// durable. For tests and fixtures.
func NewMemoryStorage() Storage {
	return memstore.New()
}

// ExportStorageRange writes the pairs of r in [lower, upper) to w as a
// framed, checksummed stream for ImportStorageRange: the data part of a
// replica snapshot. Pass a StorageSnapshot for a consistent export.
func ExportStorageRange(r StorageReader, lower, upper []byte, w io.Writer) error {
	return storage.ExportRange(r, lower, upper, w)
}

// ImportStorageRange replaces [lower, upper) of s with the stream written
// by ExportStorageRange and sets the given group metadata, in one synced
// batch. A corrupt or truncated stream changes nothing.
func ImportStorageRange(s Storage, lower, upper []byte, r io.Reader, meta map[uint64][]byte) error {
	return storage.IngestRange(s, lower, upper, r, meta)
}
