package split

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// epoch is the simulated time every test starts at.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// u64Key returns the 8-byte big-endian key of n, so that keys order as
// their numbers do.
func u64Key(n uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, n)
}

// access is one recorded access of a generated workload.
type access struct {
	key   []byte
	units float64
	write bool
	at    time.Time
}

// workload generates accesses; next returns the i-th.
type workload struct {
	name string
	n    int
	step time.Duration
	next func(rng *rand.Rand, i int) (key []byte, units float64, write bool)
}

// run generates the accesses of w from seed and records them into s; it
// returns them with the time of the last one.
func (w workload) run(t testing.TB, s *Sampler, seed uint64) ([]access, time.Time) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	accesses := make([]access, 0, w.n)
	var at time.Time
	for i := range w.n {
		at = epoch.Add(time.Duration(i) * w.step)
		key, units, write := w.next(rng, i)
		accesses = append(accesses, access{key: key, units: units, write: write, at: at})
		if write {
			s.RecordWrite(key, units, at)
		} else {
			s.RecordRead(key, units, at)
		}
	}
	return accesses, at
}

// trueShareLeft returns the exact decayed share, at now, of the accesses
// below key among those in r (reads, writes or both as selected).
func trueShareLeft(accesses []access, key []byte, r Range, now time.Time, halfLife time.Duration, reads, writes bool) float64 {
	var left, total float64
	for _, a := range accesses {
		if (a.write && !writes) || (!a.write && !reads) || !r.Contains(a.key) {
			continue
		}
		w := a.units * math.Exp2(-float64(now.Sub(a.at))/float64(halfLife))
		total += w
		if string(a.key) < string(key) {
			left += w
		}
	}
	return left / total
}
