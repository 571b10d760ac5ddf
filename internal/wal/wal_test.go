package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/wal/vfs"
)

// TestMatchesModel runs random workloads against the WAL and the in-memory
// store side by side, reopening the WAL now and then, with segment and cache
// sizes that make rotation, deletion, carry-forward and disk reads frequent.
func TestMatchesModel(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"defaults", Options{}},
		{"small segments, small cache", Options{SegmentSize: 2048, CacheSize: 2000}},
		{"tiny segments, no cache", Options{SegmentSize: 300, CacheSize: -1}},
	}
	for _, tc := range tests {
		for seed := uint64(1); seed <= 8; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.name, seed), func(t *testing.T) {
				dir := t.TempDir()
				wl := newWorkload(seed, 6)
				opts := fast(&tc.opts)
				w := openWAL(t, dir, opts)
				for i := 0; i < 400; i++ {
					s := wl.next()
					require.NoError(t, s.apply(w), "step %d: %v", i, s)
					checkInvariants(t, w)
					if i%50 == 49 {
						requireSame(t, wl.model, w)
						require.NoError(t, w.Close())
						w = openWAL(t, dir, opts)
						checkInvariants(t, w)
						requireSame(t, wl.model, w)
					}
				}
				requireSame(t, wl.model, w)
				st := w.Stats()
				if tc.opts.CacheSize > 0 {
					require.LessOrEqual(t, st.CacheBytes, tc.opts.CacheSize)
				}
				require.NoError(t, w.Close())
			})
		}
	}
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	require.NoError(t, err)
	return names
}

func TestCompactionDeletesSegments(t *testing.T) {
	dir := t.TempDir()
	opts := &Options{SegmentSize: 1024}
	w := openWAL(t, dir, opts)
	defer func() { require.NoError(t, w.Close()) }()

	// Two groups write enough to fill several segments.
	for i := uint64(1); i <= 60; i++ {
		require.NoError(t, w.Save([]logstore.Update{
			{Group: 1, Entries: []*pb.Entry{ent(i, 1, "0123456789abcdef0123456789abcdef")}, HardState: hs(1, 1, i)},
			{Group: 2, Entries: []*pb.Entry{ent(i, 1, "0123456789abcdef0123456789abcdef")}},
		}))
	}
	full := w.Stats().Segments
	require.Greater(t, full, 4)
	require.Len(t, segmentFiles(t, dir), full)

	// Group 1 compacting alone frees nothing: group 2 still needs every
	// segment.
	require.NoError(t, w.Compact(1, meta(60, 1)))
	require.Equal(t, full, w.Stats().Segments)

	// Group 2 compacting half frees the segments before its entry 31.
	require.NoError(t, w.Compact(2, meta(30, 1)))
	half := w.Stats().Segments
	require.Less(t, half, full)
	require.Greater(t, half, 1)
	require.Len(t, segmentFiles(t, dir), half)

	require.NoError(t, w.Compact(2, meta(60, 1)))
	require.LessOrEqual(t, w.Stats().Segments, 2, "only the active segment, and the one the carried state moved to, remain")
	require.Len(t, segmentFiles(t, dir), w.Stats().Segments)

	// Everything needed survives a restart.
	require.NoError(t, w.Close())
	w = openWAL(t, dir, opts)
	st, err := w.State(1)
	require.NoError(t, err)
	require.Equal(t, uint64(60), st.HardState.GetCommit(), "hard state carried forward")
	require.Equal(t, uint64(60), st.Snapshot.GetIndex())
	require.Equal(t, []uint64{1, 2, 3}, st.Snapshot.GetConfState().GetVoters())
	st, err = w.State(2)
	require.NoError(t, err)
	require.Equal(t, uint64(61), st.FirstIndex)
	require.Equal(t, uint64(60), st.LastIndex)
}

// TestCarryForwardIdleGroups: groups that wrote once, long ago, keep their
// hard state and compaction point when the segments holding them are deleted.
func TestCarryForwardIdleGroups(t *testing.T) {
	dir := t.TempDir()
	opts := fast(&Options{SegmentSize: 512})
	w := openWAL(t, dir, opts)

	var idle []logstore.Update
	for g := uint64(100); g < 120; g++ {
		idle = append(idle, logstore.Update{Group: g, HardState: hs(g, 1, 0)})
	}
	idle = append(idle, logstore.Update{Group: 200}) // created, nothing else
	require.NoError(t, w.Save(idle))
	require.NoError(t, w.Save([]logstore.Update{{Group: 300, Snapshot: meta(77, 4)}}))
	require.NoError(t, w.Save([]logstore.Update{{Group: 400, Entries: []*pb.Entry{ent(1, 1, "x"), ent(2, 1, "y")}}}))
	require.NoError(t, w.Compact(400, meta(2, 1)))

	// A busy group fills and compacts segment after segment.
	for i := uint64(1); i <= 200; i++ {
		require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(i, 1, "payload payload payload")}, HardState: hs(1, 1, i)}}))
		if i%10 == 0 {
			require.NoError(t, w.Compact(1, meta(i, 1)))
		}
	}
	require.Less(t, w.Stats().Segments, 4, "old segments were deleted")
	first := filepath.Base(segmentFiles(t, dir)[0])
	require.NotEqual(t, segmentName(1), first)

	check := func(w *WAL) {
		for g := uint64(100); g < 120; g++ {
			st, err := w.State(g)
			require.NoError(t, err)
			require.Equal(t, g, st.HardState.GetTerm(), "hard state of idle group %d", g)
		}
		_, err := w.State(200)
		require.NoError(t, err, "a group with no record but its creation")
		st, err := w.State(300)
		require.NoError(t, err)
		require.Equal(t, uint64(77), st.Snapshot.GetIndex())
		require.Equal(t, uint64(4), st.Snapshot.GetTerm())
		st, err = w.State(400)
		require.NoError(t, err)
		require.Equal(t, uint64(3), st.FirstIndex)
		term, err := w.Term(400, 2)
		require.NoError(t, err)
		require.Equal(t, uint64(1), term)
		groups, err := w.Groups()
		require.NoError(t, err)
		require.Len(t, groups, 24)
	}
	check(w)
	require.NoError(t, w.Close())
	w = openWAL(t, dir, opts)
	check(w)
	require.NoError(t, w.Close())
}

func TestRemovedGroupStaysRemoved(t *testing.T) {
	dir := t.TempDir()
	opts := &Options{SegmentSize: 512}
	w := openWAL(t, dir, opts)
	require.NoError(t, w.Save([]logstore.Update{{Group: 5, Entries: []*pb.Entry{ent(1, 1, "a")}, HardState: hs(1, 1, 1)}}))
	require.NoError(t, w.Save([]logstore.Update{{Group: 6, Entries: []*pb.Entry{ent(1, 1, "pin")}}})) // pins segment 1
	require.NoError(t, w.RemoveGroup(5))
	for i := uint64(1); i <= 50; i++ {
		require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(i, 1, "payload payload payload")}}}))
		require.NoError(t, w.Compact(1, meta(i, 1)))
	}
	require.Equal(t, segmentName(1), filepath.Base(segmentFiles(t, dir)[0]), "group 6 keeps the first segment")
	require.NoError(t, w.Close())
	w = openWAL(t, dir, opts)
	_, err := w.State(5)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	require.NoError(t, w.Close())
}

func TestEntriesFromDiskAndCache(t *testing.T) {
	tests := []struct {
		name      string
		cacheSize int64
	}{
		{"no cache", -1},
		{"cache holds a few entries", 3 * (96 + 100)},
		{"cache holds everything", 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := openWAL(t, t.TempDir(), fast(&Options{SegmentSize: 4096, CacheSize: tc.cacheSize}))
			defer func() { require.NoError(t, w.Close()) }()
			var want []*pb.Entry
			for i := uint64(1); i <= 100; i++ {
				e := ent(i, 1+i/30, fmt.Sprintf("%0100d", i))
				want = append(want, e)
				require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{e}}}))
			}
			if tc.cacheSize > 0 {
				require.LessOrEqual(t, w.Stats().CacheBytes, tc.cacheSize)
			} else {
				require.Zero(t, w.Stats().CacheBytes)
			}
			for lo := uint64(1); lo <= 100; lo += 7 {
				got, err := w.Entries(1, lo, 101, ^uint64(0))
				require.NoError(t, err)
				require.Len(t, got, int(101-lo))
				for i, e := range got {
					require.Equal(t, string(want[int(lo)-1+i].GetData()), string(e.GetData()))
					require.Equal(t, want[int(lo)-1+i].GetTerm(), e.GetTerm())
				}
				got, err = w.Entries(1, lo, 101, 250)
				require.NoError(t, err)
				require.Len(t, got, 2, "maxSize counts entries read from disk and cache alike")
			}
		})
	}
}

func TestEntryCorruptedOnDiskAfterOpen(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, &Options{CacheSize: -1})
	defer func() { require.NoError(t, w.Close()) }()
	require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(1, 1, "hello, world")}}}))
	loc := w.groups[1].locs[0]
	path := filepath.Join(dir, segmentName(loc.seg))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[loc.off+loc.size-1] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))

	_, err = w.Entries(1, 1, 2, 100)
	var corrupt *CorruptError
	require.ErrorAs(t, err, &corrupt)
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, int64(loc.off), corrupt.Offset)
	require.Equal(t, path, corrupt.Segment)
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, nil)
	_, err := Open(dir, nil)
	require.ErrorIs(t, err, vfs.ErrLocked)
	require.NoError(t, w.Close())
	w = openWAL(t, dir, nil)
	require.NoError(t, w.Close())
}

func TestOptionsAreChecked(t *testing.T) {
	_, err := Open(t.TempDir(), &Options{SegmentSize: -1})
	require.Error(t, err)
	_, err = Open(t.TempDir(), &Options{SegmentSize: MaxSegmentSize + 1})
	require.Error(t, err)
}

// TestConcurrentSavesShareOneSync holds the sync lock while several Saves
// write their frames, then lets them go: one fdatasync covers them all.
func TestConcurrentSavesShareOneSync(t *testing.T) {
	fs := vfs.NewFaultFS(vfs.Default)
	w := openWAL(t, t.TempDir(), &Options{FS: fs})
	defer func() { require.NoError(t, w.Close()) }()
	const savers = 8
	w.syncMu.Lock()
	before := fs.Count(vfs.OpSync)
	var wg sync.WaitGroup
	errs := make([]error, savers)
	for i := range savers {
		wg.Go(func() {
			errs[i] = w.Save([]logstore.Update{{Group: uint64(i + 1), Entries: []*pb.Entry{ent(1, 1, "x")}}})
		})
	}
	for {
		w.mu.RLock()
		written := w.written
		w.mu.RUnlock()
		if written == savers {
			break
		}
		runtime.Gosched()
	}
	w.syncMu.Unlock()
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, fs.Count(vfs.OpSync)-before, "one fdatasync for %d saves", savers)
}

func TestFaults(t *testing.T) {
	first := []logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(1, 1, "kept")}, HardState: hs(1, 1, 1)}}
	second := []logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(2, 1, "maybe")}}}
	tests := []struct {
		name   string
		inject func(fs *vfs.FaultFS)
		// maybe: the second save may or may not be found after reopening.
		maybe bool
	}{
		{"write fails", func(fs *vfs.FaultFS) { fs.FailAfter(vfs.OpWrite, 0) }, false},
		{"short write", func(fs *vfs.FaultFS) { fs.ShortWriteAfter(0) }, false},
		{"fdatasync fails", func(fs *vfs.FaultFS) { fs.FailAfter(vfs.OpSync, 0) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fs := vfs.NewFaultFS(vfs.Default)
			w := openWAL(t, dir, &Options{FS: fs})
			require.NoError(t, w.Save(first))
			tc.inject(fs)
			err := w.Save(second)
			require.ErrorIs(t, err, vfs.ErrInjected)

			// The log refuses every later write, with the first failure.
			err = w.Save([]logstore.Update{{Group: 2}})
			require.ErrorIs(t, err, ErrFailed)
			require.ErrorIs(t, err, vfs.ErrInjected)
			require.ErrorIs(t, w.Compact(1, meta(1, 1)), ErrFailed)
			require.ErrorIs(t, w.RemoveGroup(1), ErrFailed)
			// Reads still work.
			got, err := w.Entries(1, 1, 2, 100)
			require.NoError(t, err)
			require.Equal(t, "kept", string(got[0].GetData()))
			require.NoError(t, w.Close())

			w = openWAL(t, dir, nil)
			defer func() { require.NoError(t, w.Close()) }()
			st, err := w.State(1)
			require.NoError(t, err)
			if !tc.maybe {
				require.Equal(t, uint64(1), st.LastIndex, "the failed save is not there")
			}
			got, err = w.Entries(1, 1, 2, 100)
			require.NoError(t, err)
			require.Equal(t, "kept", string(got[0].GetData()))
			_, err = w.State(2)
			require.ErrorIs(t, err, logstore.ErrUnknownGroup)
		})
	}
}

func TestRotationFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(fs *vfs.FaultFS)
	}{
		{"creating the next segment fails", func(fs *vfs.FaultFS) { fs.FailAfter(vfs.OpCreate, 0) }},
		{"syncing the directory fails", func(fs *vfs.FaultFS) { fs.FailAfter(vfs.OpSyncDir, 0) }},
		{"syncing the full segment fails", func(fs *vfs.FaultFS) { fs.FailAfter(vfs.OpSync, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fs := vfs.NewFaultFS(vfs.Default)
			opts := &Options{FS: fs, SegmentSize: 256}
			w := openWAL(t, dir, opts)
			big := string(make([]byte, 150))
			require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(1, 1, big)}}}))
			tc.inject(fs)
			err := w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(2, 1, big)}}})
			require.ErrorIs(t, err, vfs.ErrInjected)
			require.ErrorIs(t, w.Save([]logstore.Update{{Group: 1}}), ErrFailed)
			require.NoError(t, w.Close())

			w = openWAL(t, dir, nil)
			defer func() { require.NoError(t, w.Close()) }()
			st, err := w.State(1)
			require.NoError(t, err)
			require.Equal(t, uint64(1), st.LastIndex)
		})
	}
}

func TestTruncationFaultFailsTheLog(t *testing.T) {
	dir := t.TempDir()
	fs := vfs.NewFaultFS(vfs.Default)
	w := openWAL(t, dir, &Options{FS: fs, SegmentSize: 256})
	big := string(make([]byte, 150))
	for i := uint64(1); i <= 3; i++ {
		require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(i, 1, big)}}}))
	}
	fs.FailAfter(vfs.OpRemove, 0)
	require.ErrorIs(t, w.Compact(1, meta(3, 1)), vfs.ErrInjected)
	require.ErrorIs(t, w.Save([]logstore.Update{{Group: 1}}), ErrFailed)
	require.NoError(t, w.Close())
	w = openWAL(t, dir, nil)
	defer func() { require.NoError(t, w.Close()) }()
	st, err := w.State(1)
	require.NoError(t, err)
	require.Equal(t, uint64(3), st.Snapshot.GetIndex(), "the compaction was synced before the removal")
}

func TestClosedAndEmptySaves(t *testing.T) {
	w := openWAL(t, t.TempDir(), nil)
	require.NoError(t, w.Save(nil), "an empty save")
	require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(1, 1, "a")}}}))
	require.NoError(t, w.Compact(1, meta(1, 1)))
	written := w.written
	require.NoError(t, w.Save([]logstore.Update{{Group: 1, Entries: []*pb.Entry{ent(1, 1, "a")}}}), "entries below the compaction point only")
	require.Equal(t, written, w.written, "nothing written for it")
	require.NoError(t, w.Close())
	require.True(t, errors.Is(w.Save(nil), logstore.ErrClosed))
}
