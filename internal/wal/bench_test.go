package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
)

// benchDir is where benchmarks write: $DYNAMO_WAL_BENCH_DIR, to measure a
// chosen disk, or a temporary directory.
func benchDir(b *testing.B) string {
	if dir := os.Getenv("DYNAMO_WAL_BENCH_DIR"); dir != "" {
		dir, err := os.MkdirTemp(dir, "walbench")
		require.NoError(b, err)
		b.Cleanup(func() { _ = os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

// BenchmarkFdatasync is the ceiling the WAL is measured against: a plain
// file, a block appended and fdatasync'd per operation; size=4096 is the
// reference, size=128 about one small Save.
func BenchmarkFdatasync(b *testing.B) {
	for _, size := range []int{128, 4096} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			f, err := os.Create(filepath.Join(benchDir(b), "raw"))
			require.NoError(b, err)
			defer func() { require.NoError(b, f.Close()) }()
			block := make([]byte, size)
			b.SetBytes(int64(len(block)))
			start := time.Now()
			for b.Loop() {
				if _, err := f.Write(block); err != nil {
					b.Fatal(err)
				}
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "syncs/s")
		})
	}
}

// BenchmarkSave measures Save of one 100-byte entry (and a hard state) for
// each of 1, 16 or 256 groups per Save: one write and one fdatasync each.
func BenchmarkSave(b *testing.B) { benchmarkSave(b, nil) }

// BenchmarkSaveNoSync is BenchmarkSave without fdatasync: the CPU cost of
// checking, encoding, writing and indexing.
func BenchmarkSaveNoSync(b *testing.B) { benchmarkSave(b, fast(nil)) }

func benchmarkSave(b *testing.B, opts *Options) {
	for _, groups := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			w, err := Open(benchDir(b), opts)
			require.NoError(b, err)
			defer func() { require.NoError(b, w.Close()) }()
			data := make([]byte, 100)
			updates := make([]logstore.Update, groups)
			b.ReportAllocs()
			b.SetBytes(int64(groups * len(data)))
			start := time.Now()
			index := uint64(0)
			for b.Loop() {
				index++
				for g := range updates {
					updates[g] = logstore.Update{
						Group:     uint64(g + 1),
						Entries:   []*pb.Entry{{Index: new(index), Term: new(uint64(1)), Data: data}},
						HardState: &pb.HardState{Term: new(uint64(1)), Vote: new(uint64(1)), Commit: new(index)},
					}
				}
				if err := w.Save(updates); err != nil {
					b.Fatal(err)
				}
				if index%1000 == 0 { // keep the log bounded, as raft would
					for g := range groups {
						if err := w.Compact(uint64(g+1), &pb.SnapshotMetadata{Index: new(index - 100), Term: new(uint64(1))}); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			elapsed := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/elapsed, "saves/s")
			b.ReportMetric(float64(b.N*groups)/elapsed, "entries/s")
		})
	}
}

// idleGroupBytes fills a WAL with groups that saved a hard state and a few
// entries, then compacted all but retain of them, and returns the heap bytes
// per group.
func idleGroupBytes(tb testing.TB, groups, retain int) float64 {
	w, err := Open(tb.TempDir(), fast(&Options{CacheSize: -1}))
	require.NoError(tb, err)
	defer func() { require.NoError(tb, w.Close()) }()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const entries = 20
	for first := 0; first < groups; first += 256 {
		var updates []logstore.Update
		for g := first; g < min(first+256, groups); g++ {
			u := logstore.Update{Group: uint64(g + 1), HardState: hs(3, 1, entries)}
			for i := uint64(1); i <= entries; i++ {
				u.Entries = append(u.Entries, ent(i, 3, "0123456789012345678901234567890123456789"))
			}
			updates = append(updates, u)
		}
		require.NoError(tb, w.Save(updates))
	}
	for g := range groups {
		m := &pb.SnapshotMetadata{Index: new(uint64(entries - retain)), Term: new(uint64(3)), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}
		require.NoError(tb, w.Compact(uint64(g+1), m))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	ids, err := w.Groups()
	require.NoError(tb, err)
	require.Len(tb, ids, groups)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(groups)
}

// TestIdleGroupMemory checks that a node can hold 10,000 idle groups: each
// costs well under a kilobyte of index.
func TestIdleGroupMemory(t *testing.T) {
	perGroup := idleGroupBytes(t, 10000, 0)
	t.Logf("%.0f bytes per idle group (no entries retained)", perGroup)
	require.Less(t, perGroup, 1024.0)
}

// BenchmarkIdleGroupMemory reports the heap bytes per idle group, with no
// entries retained after compaction and with 16.
func BenchmarkIdleGroupMemory(b *testing.B) {
	for _, retain := range []int{0, 16} {
		b.Run(fmt.Sprintf("retained=%d", retain), func(b *testing.B) {
			var perGroup float64
			for b.Loop() {
				perGroup = idleGroupBytes(b, 10000, retain)
			}
			b.ReportMetric(perGroup, "bytes/group")
		})
	}
}

// BenchmarkEntries reads 64 consecutive 100-byte entries of one group, from
// the cache and, with the cache off, from disk (the page cache, here).
func BenchmarkEntries(b *testing.B) {
	for _, tc := range []struct {
		name      string
		cacheSize int64
	}{{"cache", 0}, {"disk", -1}} {
		b.Run(tc.name, func(b *testing.B) {
			w, err := Open(benchDir(b), fast(&Options{CacheSize: tc.cacheSize}))
			require.NoError(b, err)
			defer func() { require.NoError(b, w.Close()) }()
			data := make([]byte, 100)
			for i := uint64(1); i <= 1024; i += 64 {
				var ents []*pb.Entry
				for j := i; j < i+64; j++ {
					ents = append(ents, &pb.Entry{Index: new(j), Term: new(uint64(1)), Data: data})
				}
				require.NoError(b, w.Save([]logstore.Update{{Group: 1, Entries: ents}}))
			}
			b.ReportAllocs()
			lo := uint64(1)
			for b.Loop() {
				ents, err := w.Entries(1, lo, lo+64, 1<<20)
				if err != nil || len(ents) != 64 {
					b.Fatal(err, len(ents))
				}
				lo = 1 + (lo+64)%(1024-64)
			}
			b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
