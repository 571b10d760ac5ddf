package wal

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
)

// history runs a workload on a fresh WAL in dir and returns the steps and the
// size of the last segment after each one (the end of that step's frames).
func history(t *testing.T, dir string, opts *Options, seed uint64, n int) ([]step, []int64) {
	t.Helper()
	w := openWAL(t, dir, fast(opts))
	wl := newWorkload(seed, 4)
	var steps []step
	var ends []int64
	for range n {
		s := wl.next()
		require.NoError(t, s.apply(w))
		steps = append(steps, s)
		ends = append(ends, w.active().size)
	}
	require.NoError(t, w.Close())
	return steps, ends
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, path := range segmentFiles(t, from) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, filepath.Base(path)), data, 0o644))
	}
	return to
}

func lastSegment(t *testing.T, dir string) string {
	files := segmentFiles(t, dir)
	return files[len(files)-1]
}

// TestTornTail cuts the log at every byte of its last three steps: reopening
// must repair the tail and find exactly the steps before the cut one.
func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	steps, ends := history(t, dir, nil, 11, 40)
	last := lastSegment(t, dir)
	full, err := os.ReadFile(last)
	require.NoError(t, err)
	require.Equal(t, ends[len(ends)-1], int64(len(full)))

	cuts := 0
	torn := copyDir(t, dir)
	for k := len(steps) - 3; k < len(steps); k++ {
		if ends[k] == ends[k-1] {
			continue // a step that wrote nothing
		}
		want := modelAfter(t, steps[:k])
		for cut := ends[k-1]; cut < ends[k]; cut++ {
			require.NoError(t, os.WriteFile(filepath.Join(torn, filepath.Base(last)), full[:cut], 0o644))
			w, err := Open(torn, fast(nil))
			require.NoError(t, err, "cut at %d in step %d", cut, k)
			requireSame(t, want, w)
			require.Equal(t, ends[k-1], w.active().size, "the file is truncated at the last good frame")
			if cut%16 == 0 {
				// The repaired log takes writes and keeps them.
				require.NoError(t, w.Save([]logstore.Update{{Group: 99, HardState: hs(1, 1, 0)}}))
				require.NoError(t, w.Close())
				w = openWAL(t, torn, fast(nil))
				_, err = w.State(99)
				require.NoError(t, err)
			}
			require.NoError(t, w.Close())
			cuts++
		}
	}
	require.Greater(t, cuts, 100)
}

// TestTornTailAcrossSegments cuts the last frame of a log of many segments,
// including a new segment whose header was torn.
func TestTornTailAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	opts := &Options{SegmentSize: 600}
	steps, ends := history(t, dir, opts, 12, 60)
	require.Greater(t, len(segmentFiles(t, dir)), 3)
	last := lastSegment(t, dir)
	full, err := os.ReadFile(last)
	require.NoError(t, err)

	want := modelAfter(t, steps)
	nextSeq := uint32(len(segmentFiles(t, dir)) + firstSeq(t, dir))
	for cut := int64(0); cut < segmentHeaderSize; cut++ {
		torn := copyDir(t, dir)
		// A crash while creating a segment leaves it empty or partial; the
		// steps were all in earlier segments in this variant.
		next := filepath.Join(torn, segmentName(nextSeq))
		require.NoError(t, os.WriteFile(next, segmentHeader(nextSeq)[:cut], 0o644))
		w, err := Open(torn, fast(opts))
		require.NoError(t, err, "header cut at %d", cut)
		requireSame(t, want, w)
		require.NoError(t, w.Close())
	}

	k := len(steps) - 1
	start := ends[k-1]
	if start > ends[k] { // the last step started a new segment
		start = segmentHeaderSize
	}
	want = modelAfter(t, steps[:k])
	torn := copyDir(t, dir)
	for cut := start; cut < ends[k]; cut++ {
		require.NoError(t, os.WriteFile(filepath.Join(torn, filepath.Base(last)), full[:cut], 0o644))
		w, err := Open(torn, fast(opts))
		require.NoError(t, err, "cut at %d", cut)
		requireSame(t, want, w)
		require.NoError(t, w.Close())
	}
}

func firstSeq(t *testing.T, dir string) int {
	seq, ok := parseSegmentName(filepath.Base(segmentFiles(t, dir)[0]))
	require.True(t, ok)
	return int(seq)
}

// TestGarbageTail: what a crash can leave after the last good frame (zeros
// from a size update without the data, or stale bytes) is cut off.
func TestGarbageTail(t *testing.T) {
	dir := t.TempDir()
	steps, _ := history(t, dir, nil, 13, 30)
	want := modelAfter(t, steps)
	last := lastSegment(t, dir)
	full, err := os.ReadFile(last)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 13))
	random := make([]byte, 4<<20)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	// A torn frame whose header promises more than was written.
	partial := segmentHeader(1)
	partial[0] = 200
	tests := []struct {
		name string
		tail []byte
	}{
		{"zeros", make([]byte, 4096)},
		{"one zero byte", []byte{0}},
		{"random bytes", random[:5000]},
		{"4 MiB of random bytes", random},
		{"a frame header cut short", partial[:frameHeaderSize+3]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			torn := copyDir(t, dir)
			path := filepath.Join(torn, filepath.Base(last))
			require.NoError(t, os.WriteFile(path, append(append([]byte(nil), full...), tc.tail...), 0o644))
			w := openWAL(t, torn, nil)
			requireSame(t, want, w)
			require.NoError(t, w.Close())
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, int64(len(full)), info.Size())
		})
	}
}

// TestCorruptionIsReported flips a byte of a frame that is followed by valid
// frames, or that is in a segment before the last: Open must refuse with a
// CorruptError naming the segment and the frame's offset.
func TestCorruptionIsReported(t *testing.T) {
	t.Run("middle of the last segment", func(t *testing.T) {
		dir := t.TempDir()
		_, ends := history(t, dir, nil, 14, 30)
		last := lastSegment(t, dir)
		full, err := os.ReadFile(last)
		require.NoError(t, err)
		for _, k := range []int{0, 5, 15, 28} {
			start, end := int64(segmentHeaderSize), ends[k]
			if k > 0 {
				start = ends[k-1]
			}
			if start == end {
				continue
			}
			for _, at := range []int64{start, start + 4, start + 8, (start + end) / 2, end - 1} {
				bad := copyDir(t, dir)
				data := append([]byte(nil), full...)
				data[at] ^= 0x5a
				require.NoError(t, os.WriteFile(filepath.Join(bad, filepath.Base(last)), data, 0o644))
				_, err := Open(bad, nil)
				var corrupt *CorruptError
				require.ErrorAs(t, err, &corrupt, "flip at %d in step %d", at, k)
				require.ErrorIs(t, err, ErrCorrupt)
				require.Equal(t, filepath.Join(bad, filepath.Base(last)), corrupt.Segment)
				require.Equal(t, start, corrupt.Offset)
			}
		}
	})
	t.Run("a segment before the last", func(t *testing.T) {
		dir := t.TempDir()
		history(t, dir, &Options{SegmentSize: 600}, 15, 60)
		files := segmentFiles(t, dir)
		require.Greater(t, len(files), 2)
		full, err := os.ReadFile(files[0])
		require.NoError(t, err)
		for _, at := range []int{0, 10, segmentHeaderSize + 3, len(full) - 1} {
			bad := copyDir(t, dir)
			data := append([]byte(nil), full...)
			data[at] ^= 0x01
			require.NoError(t, os.WriteFile(filepath.Join(bad, filepath.Base(files[0])), data, 0o644))
			_, err := Open(bad, nil)
			require.ErrorIs(t, err, ErrCorrupt, "flip at %d", at)
			require.Contains(t, err.Error(), filepath.Base(files[0]))
		}
	})
	t.Run("a segment missing", func(t *testing.T) {
		dir := t.TempDir()
		history(t, dir, &Options{SegmentSize: 600}, 16, 60)
		files := segmentFiles(t, dir)
		require.Greater(t, len(files), 2)
		require.NoError(t, os.Remove(files[1]))
		_, err := Open(dir, nil)
		require.ErrorIs(t, err, ErrCorrupt)
		require.Contains(t, err.Error(), "segment missing")
	})
	t.Run("the last frame of the last segment is treated as torn", func(t *testing.T) {
		dir := t.TempDir()
		steps, ends := history(t, dir, nil, 17, 30)
		last := lastSegment(t, dir)
		data, err := os.ReadFile(last)
		require.NoError(t, err)
		k := len(steps) - 1
		for ends[k-1] == ends[k] {
			k--
		}
		data[ends[k]-1] ^= 0xff
		require.NoError(t, os.WriteFile(last, data[:ends[k]], 0o644))
		w := openWAL(t, dir, nil)
		requireSame(t, modelAfter(t, steps[:k]), w)
		require.NoError(t, w.Close())
	})
}

const crashChildEnv = "DYNAMO_WAL_CRASH_CHILD_DIR"

// crashChild is the child process of TestCrashRecovery: it saves numbered
// batches until killed, printing "ack N" after Save N returned. Batch N
// appends entry N to each of four groups and sets their commit to N; every
// tenth batch compacts them, so segments are also deleted.
func crashChild(dir string) int {
	w, err := Open(dir, &Options{SegmentSize: 8 << 10})
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	st, err := w.State(1)
	next := uint64(1)
	if err == nil {
		next = st.LastIndex + 1
	}
	out := bufio.NewWriter(os.Stdout)
	for n := next; ; n++ {
		var updates []logstore.Update
		for g := uint64(1); g <= 4; g++ {
			updates = append(updates, logstore.Update{
				Group:     g,
				Entries:   []*pb.Entry{ent(n, 1, fmt.Sprintf("batch %d group %d %s", n, g, strings.Repeat("x", int(n%200))))},
				HardState: hs(1, 1, n),
			})
		}
		if err := w.Save(updates); err != nil {
			fmt.Println("save:", err)
			return 1
		}
		fmt.Fprintf(out, "ack %d\n", n)
		_ = out.Flush()
		if n%10 == 0 {
			for g := uint64(1); g <= 4; g++ {
				if err := w.Compact(g, meta(n-5, 1)); err != nil {
					fmt.Println("compact:", err)
					return 1
				}
			}
		}
	}
}

// TestCrashRecovery kills a process that is saving, at a seeded random
// moment, twenty times in a row on the same log: every acknowledged Save must
// be found, and every Save must be all or nothing.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts twenty processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(2026, 11))
	var acked uint64
	for round := range 20 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		killAfter := 1 + rng.IntN(40)
		lines := bufio.NewScanner(stdout)
		for seen := 0; seen < killAfter && lines.Scan(); seen++ {
			n, ok := strings.CutPrefix(lines.Text(), "ack ")
			require.True(t, ok, "child said %q", lines.Text())
			acked, err = strconv.ParseUint(n, 10, 64)
			require.NoError(t, err)
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()

		w := openWAL(t, dir, nil)
		st, err := w.State(1)
		require.NoError(t, err, "round %d", round)
		last := st.LastIndex
		require.GreaterOrEqual(t, last, acked, "round %d: acknowledged save %d lost", round, acked)
		for g := uint64(1); g <= 4; g++ {
			st, err := w.State(g)
			require.NoError(t, err)
			require.Equal(t, last, st.LastIndex, "round %d: save %d is not all or nothing", round, last)
			require.Equal(t, last, st.HardState.GetCommit(), "round %d: hard state of group %d", round, g)
			ents, err := w.Entries(g, st.FirstIndex, last+1, ^uint64(0))
			require.NoError(t, err)
			for _, e := range ents {
				require.Equal(t, fmt.Sprintf("batch %d group %d %s", e.GetIndex(), g, strings.Repeat("x", int(e.GetIndex()%200))), string(e.GetData()))
			}
		}
		require.NoError(t, w.Close())
	}
	require.Greater(t, acked, uint64(20))
}
