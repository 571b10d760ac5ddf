package wal

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/wal/vfs"
)

// TestPowerLoss runs workloads on a MemFS that stops at a random operation,
// then takes what a power loss could leave on disk (synced data; a random
// prefix of unsynced data, sometimes zero-filled; directory changes not
// synced kept or lost) and reopens it. The log must open, and hold exactly
// the acknowledged steps plus some prefix of the steps not yet made durable
// (Compacts, which wait for the next sync, and the step the crash
// interrupted).
func TestPowerLoss(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			mem := vfs.NewMemFS()
			opts := &Options{FS: mem, SegmentSize: 700, CacheSize: 1500}
			mem.CrashAfter(rng.IntN(1500))
			var acked, pending []step
			if w, err := Open("/wal", opts); err == nil {
				wl := newWorkload(seed, 5)
				for range 400 {
					s := wl.next()
					if err := s.apply(w); err != nil {
						require.ErrorIs(t, err, vfs.ErrCrashed)
						pending = append(pending, s)
						break
					}
					if s.meta != nil { // a Compact is durable with the next sync
						pending = append(pending, s)
						continue
					}
					acked = append(append(acked, pending...), s)
					pending = nil
				}
				defer func() { _ = w.Close() }()
			}

			t.Logf("acked %d, pending %d", len(acked), len(pending))
			image := mem.Crash(rng)
			w, err := Open("/wal", &Options{FS: image, SegmentSize: 700})
			require.NoError(t, err, "reopen after the crash")
			defer func() { require.NoError(t, w.Close()) }()
			checkInvariants(t, w)
			var diffs []string
			for k := 0; k <= len(pending); k++ {
				diff := storeDiff(modelAfter(t, append(append([]step(nil), acked...), pending[:k]...)), w)
				if diff == "" {
					return
				}
				diffs = append(diffs, fmt.Sprintf("with %d of %d pending steps: %s", k, len(pending), diff))
			}
			t.Fatalf("after %d acknowledged steps the log holds none of the allowed states:\n%s", len(acked), strings.Join(diffs, "\n"))
		})
	}
}
