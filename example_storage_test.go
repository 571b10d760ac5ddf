package dynamo_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/embeddynamo/dynamo"
)

// A Storage applies batches atomically and reads through iterators and
// snapshots. The same code runs on NewMemoryStorage.
func ExampleOpenBoltStorage() {
	dir, err := os.MkdirTemp("", "storage-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := dynamo.OpenBoltStorage(filepath.Join(dir, "node.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Data and the group's applied index, in one atomic, synced batch.
	b := s.NewBatch()
	b.Set([]byte("user#alice"), []byte(`{"age":31}`))
	b.Set([]byte("user#bob"), []byte(`{"age":27}`))
	b.Set([]byte("zone#eu"), []byte("3 nodes"))
	b.SetMeta(1, []byte("applied=42"))
	if err := s.Commit(b, true); err != nil {
		log.Fatal(err)
	}

	// A snapshot keeps its view while writes go on.
	snap, err := s.NewSnapshot()
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()
	b = s.NewBatch()
	b.Delete([]byte("user#bob"))
	if err := s.Commit(b, false); err != nil {
		log.Fatal(err)
	}

	it, err := snap.NewIter(dynamo.StorageIterOptions{Lower: []byte("user#"), Upper: []byte("user$")})
	if err != nil {
		log.Fatal(err)
	}
	for it.Next() {
		fmt.Printf("%s = %s\n", it.Key(), it.Value())
	}
	if err := it.Close(); err != nil {
		log.Fatal(err)
	}
	if _, err := s.Get([]byte("user#bob")); errors.Is(err, dynamo.ErrStorageNotFound) {
		fmt.Println("user#bob deleted after the snapshot")
	}
	meta, err := s.Meta(1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(meta))
	// Output:
	// user#alice = {"age":31}
	// user#bob = {"age":27}
	// user#bob deleted after the snapshot
	// applied=42
}

// A replica snapshot moves one key range between nodes: export it from a
// consistent snapshot on one Storage, import it on another, which replaces
// the range and sets the group's metadata in one atomic batch.
func ExampleExportStorageRange() {
	src := dynamo.NewMemoryStorage()
	defer src.Close()
	b := src.NewBatch()
	for _, k := range []string{"a1", "b1", "b2", "c1"} {
		b.Set([]byte(k), []byte("from src"))
	}
	if err := src.Commit(b, false); err != nil {
		log.Fatal(err)
	}

	snap, err := src.NewSnapshot()
	if err != nil {
		log.Fatal(err)
	}
	var stream bytes.Buffer
	if err := dynamo.ExportStorageRange(snap, []byte("b"), []byte("c"), &stream); err != nil {
		log.Fatal(err)
	}
	snap.Close()

	dst := dynamo.NewMemoryStorage()
	defer dst.Close()
	b = dst.NewBatch()
	b.Set([]byte("b0"), []byte("stale"))
	b.Set([]byte("c9"), []byte("outside the range"))
	if err := dst.Commit(b, false); err != nil {
		log.Fatal(err)
	}
	err = dynamo.ImportStorageRange(dst, []byte("b"), []byte("c"), &stream, map[uint64][]byte{2: []byte("applied=7")})
	if err != nil {
		log.Fatal(err)
	}
	it, err := dst.NewIter(dynamo.StorageIterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for it.Next() {
		fmt.Printf("%s = %s\n", it.Key(), it.Value())
	}
	it.Close()
	meta, _ := dst.Meta(2)
	fmt.Println(string(meta))
	// Output:
	// b1 = from src
	// b2 = from src
	// c9 = outside the range
	// applied=7
}
