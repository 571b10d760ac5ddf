package storagetest

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// benchValueSize is the value size of every benchmark: one write unit.
const benchValueSize = 1 << 10

// benchKeySpace bounds the keys the commit benchmarks write, so that long
// runs overwrite rather than grow without limit (100 MiB of values at most).
const benchKeySpace = 100_000

// benchPreload is the number of pairs loaded before the read benchmarks.
const benchPreload = 20_000

// benchKey returns the 16-byte key of index i: an 8-byte hash prefix, as in
// the table key space, then i itself.
func benchKey(dst []byte, i uint64) []byte {
	h := i * 0x9e3779b97f4a7c15
	dst = binary.BigEndian.AppendUint64(dst[:0], h)
	return binary.BigEndian.AppendUint64(dst, i)
}

// Bench runs the storage benchmarks against engines made by open: batch
// commits of 1, 100 and 1000 pairs of 1 KiB with and without sync, point
// reads, scans of 1000 pairs, and export of 10,000 pairs. Every engine is
// closed when its benchmark ends.
func Bench(b *testing.B, open func(b *testing.B) storage.Engine) {
	engine := func(b *testing.B) storage.Engine {
		e := open(b)
		b.Cleanup(func() { _ = e.Close() })
		return e
	}
	for _, items := range []int{1, 100, 1000} {
		for _, sync := range []bool{false, true} {
			b.Run(fmt.Sprintf("Commit/items=%d/sync=%v", items, sync), func(b *testing.B) {
				benchCommit(b, engine(b), items, sync)
			})
		}
	}
	b.Run("Get", func(b *testing.B) {
		e := engine(b)
		preload(b, e)
		rng := rand.New(rand.NewPCG(1, 1))
		key := make([]byte, 0, 16)
		b.ReportAllocs()
		b.SetBytes(benchValueSize)
		for b.Loop() {
			key = benchKey(key, rng.Uint64N(benchPreload))
			if _, err := e.Get(key); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, reverse := range []bool{false, true} {
		b.Run(fmt.Sprintf("Scan1000/reverse=%v", reverse), func(b *testing.B) {
			e := engine(b)
			preload(b, e)
			rng := rand.New(rand.NewPCG(2, 2))
			b.ReportAllocs()
			b.SetBytes(1000 * (16 + benchValueSize))
			for b.Loop() {
				// Start at a random point of the hash-ordered key space,
				// with on average half the keys ahead.
				start := binary.BigEndian.AppendUint64(nil, rng.Uint64())
				opts := storage.IterOptions{Lower: start}
				if reverse {
					opts = storage.IterOptions{Upper: start, Reverse: true}
				}
				it, err := e.NewIter(opts)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for n < 1000 && it.Next() {
					n++
				}
				if err := it.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Export10000", func(b *testing.B) {
		e := engine(b)
		preload(b, e)
		// The first half of the hash-ordered key space: about 10,000 pairs.
		upper := binary.BigEndian.AppendUint64(nil, 1<<63)
		var size countingWriter
		if err := storage.ExportRange(e, nil, upper, &size); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for b.Loop() {
			snap, err := e.NewSnapshot()
			if err != nil {
				b.Fatal(err)
			}
			if err := storage.ExportRange(snap, nil, upper, io.Discard); err != nil {
				b.Fatal(err)
			}
			if err := snap.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

func benchCommit(b *testing.B, e storage.Engine, items int, sync bool) {
	value := make([]byte, benchValueSize)
	for i := range value {
		value[i] = byte(i)
	}
	batch := e.NewBatch()
	key := make([]byte, 0, 16)
	var next uint64
	b.ReportAllocs()
	b.SetBytes(int64(items * benchValueSize))
	for b.Loop() {
		batch.Reset()
		for range items {
			key = benchKey(key, next%benchKeySpace)
			next++
			batch.Set(key, value)
		}
		if err := e.Commit(batch, sync); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next), "ns/item")
}

func preload(b *testing.B, e storage.Engine) {
	b.Helper()
	value := make([]byte, benchValueSize)
	key := make([]byte, 0, 16)
	batch := e.NewBatch()
	for i := range uint64(benchPreload) {
		value[0] = byte(i)
		batch.Set(benchKey(key, i), value)
		if batch.Len() == 1000 {
			if err := e.Commit(batch, false); err != nil {
				b.Fatal(err)
			}
			batch.Reset()
		}
	}
	if err := e.Commit(batch, true); err != nil {
		b.Fatal(err)
	}
}
