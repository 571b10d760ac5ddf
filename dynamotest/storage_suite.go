package dynamotest

import (
	"testing"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/storagetest"
)

// StorageSuiteOptions adds optional parts to TestStorage.
type StorageSuiteOptions struct {
	// OpenDir, when set, declares the Storage durable and lets the suite
	// check it: OpenDir opens a Storage whose data live in dir, finding
	// there whatever a Storage opened on dir before wrote and closed. The
	// suite calls it on a fresh t.TempDir(), closes, reopens and checks.
	OpenDir func(t *testing.T, dir string) dynamo.Storage
}

// TestStorage runs the conformance suite every Storage must pass. open
// returns a new, empty Storage; the suite closes every Storage it opens.
// Pass at most one StorageSuiteOptions.
//
// Beyond the interface's documentation, the suite requires what the
// built-in implementations guarantee so that data can move between them:
// keys of 1 to MaxStorageKeySize bytes, Commit refusing a batch holding any
// other key with ErrStorageInvalidKey and applying none of it, empty values
// stored as values, and ErrStorageClosed from every call, Close included,
// once the Storage is closed.
//
// It covers: Get, Set and Delete; batch atomicity (a refused batch applies
// nothing; readers see all of a batch or none) and order (a Set after a
// DeleteRange covering it survives); forward and reverse iteration with and
// without bounds, over empty ranges, keys that are prefixes of one another
// and 0x00/0xff bytes; snapshot isolation, snapshot iterators that stay
// stable while writes go on, and writes that an open snapshot does not
// block; group metadata written atomically with data; DeleteRange with an
// unbounded end; ApproximateSize; ErrStorageClosed after Close; independence
// of the store from slices the caller passes in or gets back; concurrent
// readers and writers (run it under -race); range export and import; and,
// with OpenDir, data and metadata surviving a reopen.
func TestStorage(t *testing.T, open func(t *testing.T) dynamo.Storage, opts ...StorageSuiteOptions) {
	if len(opts) > 1 {
		t.Fatalf("TestStorage: %d StorageSuiteOptions, want at most one", len(opts))
	}
	var o storagetest.Options
	if len(opts) == 1 && opts[0].OpenDir != nil {
		openDir := opts[0].OpenDir
		o.OpenDir = func(t *testing.T, dir string) storage.Engine { return openDir(t, dir) }
	}
	storagetest.Run(t, func(t *testing.T) storage.Engine { return open(t) }, o)
}

// BenchmarkStorage runs the Storage benchmarks on engines made by open:
// batch commits of 1, 100 and 1000 items of 1 KiB with and without sync,
// point reads, 1000-item range scans and range export.
func BenchmarkStorage(b *testing.B, open func(b *testing.B) dynamo.Storage) {
	storagetest.Bench(b, func(b *testing.B) storage.Engine { return open(b) })
}
