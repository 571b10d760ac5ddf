package wal

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
)

// FuzzOpen gives Open arbitrary bytes after a valid segment header, as the
// last segment or as the one before it: it must never panic, and a log it
// opens must answer reads without panicking.
func FuzzOpen(f *testing.F) {
	// Seeds: a real log's frames, and a few broken ones.
	dir := f.TempDir()
	w, err := Open(dir, fast(nil))
	require.NoError(f, err)
	wl := newWorkload(99, 3)
	for range 12 {
		require.NoError(f, wl.next().apply(w))
	}
	require.NoError(f, w.Close())
	data, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	require.NoError(f, err)
	body := data[segmentHeaderSize:]
	f.Add(body, false)
	f.Add(body, true)
	f.Add(body[:len(body)/2], false)
	f.Add([]byte{}, false)
	f.Add(make([]byte, 64), false)
	f.Add(append(append([]byte(nil), body...), 0, 0, 0, 0, 0), true)

	f.Fuzz(openMangled)
}

// openMangled opens a log whose segment holds body after its header (and is
// followed by an empty segment when older), checking that nothing panics and
// that the only error is a CorruptError.
func openMangled(t *testing.T, body []byte, older bool) {
	dir := t.TempDir()
	seq := uint32(1)
	if older { // the fuzzed segment is followed by an empty one
		require.NoError(t, os.WriteFile(filepath.Join(dir, segmentName(2)), segmentHeader(2), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, segmentName(seq)), append(segmentHeader(seq), body...), 0o644))
	w, err := Open(dir, fast(&Options{CacheSize: -1}))
	if err != nil {
		var corrupt *CorruptError
		require.True(t, errors.As(err, &corrupt), "an error other than corruption: %v", err)
		return
	}
	defer func() { require.NoError(t, w.Close()) }()
	groups, err := w.Groups()
	require.NoError(t, err)
	for _, g := range groups {
		st, err := w.State(g)
		require.NoError(t, err)
		if st.LastIndex >= st.FirstIndex {
			_, _ = w.Entries(g, st.FirstIndex, st.LastIndex+1, 1<<20)
			_, _ = w.Term(g, st.LastIndex)
		}
	}
	// The log still takes writes.
	require.NoError(t, w.Save([]logstore.Update{{Group: 1 << 40, Entries: []*pb.Entry{ent(1, 1, "after")}}}))
}

// TestOpenSurvivesMutatedSegments is a deterministic slice of FuzzOpen for
// every test run: a real segment with random bytes changed, cut or inserted.
func TestOpenSurvivesMutatedSegments(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, fast(nil))
	wl := newWorkload(98, 3)
	for range 12 {
		require.NoError(t, wl.next().apply(w))
	}
	require.NoError(t, w.Close())
	data, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	require.NoError(t, err)
	base := data[segmentHeaderSize:]
	rng := rand.New(rand.NewPCG(98, 1))
	for i := range 300 {
		body := append([]byte(nil), base...)
		for n := rng.IntN(3); n >= 0; n-- {
			switch rng.IntN(3) {
			case 0:
				if len(body) > 0 {
					body[rng.IntN(len(body))] = byte(rng.IntN(256))
				}
			case 1:
				body = body[:rng.IntN(len(body)+1)]
			default:
				at := rng.IntN(len(body) + 1)
				body = append(body[:at:at], append([]byte{byte(rng.IntN(256))}, body[at:]...)...)
			}
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) { openMangled(t, body, i%2 == 1) })
	}
}
