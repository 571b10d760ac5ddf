package split

import (
	"bytes"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestNewSamplerRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"negative half-life", Options{HalfLife: -time.Second}},
		{"negative samples", Options{Samples: -1}},
		{"too many samples", Options{Samples: MaxSamples + 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSampler(tc.opts, epoch)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

func TestNewSamplerDefaults(t *testing.T) {
	s, err := NewSampler(Options{}, epoch)
	require.NoError(t, err)
	require.Equal(t, DefaultHalfLife, s.HalfLife())
	require.Equal(t, DefaultHalfLife/4, s.RecentWindow())
	require.Equal(t, DefaultSamples+1, s.capacity)
}

func TestSlotOverheadMatchesLayout(t *testing.T) {
	require.Equal(t, uintptr(SlotOverhead), unsafe.Sizeof(slot{}))
}

func TestSamplerDecayHalvesWeightAfterOneHalfLife(t *testing.T) {
	const halfLife = 10 * time.Second
	for _, tc := range []struct {
		name    string
		samples int
		n       int // accesses, 1 ms apart, to keys i%keys
		keys    int
	}{
		{"one read", 16, 1, 1},
		{"a few keys, sample not full", 64, 40, 7},
		{"many keys, sample full", 32, 5000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSampler(Options{HalfLife: halfLife, Samples: tc.samples, Seed: 7}, epoch)
			require.NoError(t, err)
			var last time.Time
			for i := range tc.n {
				last = epoch.Add(time.Duration(i) * time.Millisecond)
				s.RecordRead(u64Key(uint64(i%tc.keys)), 1+float64(i%3), last)
				s.RecordWrite(u64Key(uint64(i%tc.keys)), 2, last)
			}
			before := s.Load(last)
			after := s.Load(last.Add(halfLife))
			later := s.Load(last.Add(2 * halfLife))
			require.Len(t, after.Keys, len(before.Keys))
			require.NotEmpty(t, before.Keys)
			for i := range before.Keys {
				require.Equal(t, before.Keys[i].Key, after.Keys[i].Key)
				require.InDelta(t, before.Keys[i].Read/2, after.Keys[i].Read, 1e-9*before.Keys[i].Read)
				require.InDelta(t, before.Keys[i].Write/2, after.Keys[i].Write, 1e-9*before.Keys[i].Write)
				require.InDelta(t, before.Keys[i].Read/4, later.Keys[i].Read, 1e-9*before.Keys[i].Read)
			}
			require.InDelta(t, before.Reads.Load/2, after.Reads.Load, 1e-9*before.Reads.Load)
			require.InDelta(t, before.Writes.Load/4, later.Writes.Load, 1e-9*before.Writes.Load)
		})
	}
}

func TestSamplerDecayWeightsByAge(t *testing.T) {
	const halfLife = time.Minute
	s, err := NewSampler(Options{HalfLife: halfLife, Samples: 8}, epoch)
	require.NoError(t, err)
	s.RecordWrite([]byte("old"), 8, epoch)
	s.RecordWrite([]byte("new"), 8, epoch.Add(3*halfLife))
	load := s.Load(epoch.Add(3 * halfLife))
	require.Len(t, load.Keys, 2)
	require.Equal(t, []byte("new"), load.Keys[0].Key)
	require.InDelta(t, 8.0, load.Keys[0].Write, 1e-12)
	require.Equal(t, []byte("old"), load.Keys[1].Key)
	require.InDelta(t, 1.0, load.Keys[1].Write, 1e-12)
	require.InDelta(t, 9.0, load.Writes.Load, 1e-12)
	require.Zero(t, load.Reads.Load)
}

func TestSamplerIgnoresUnitsOutsideTheAcceptedRange(t *testing.T) {
	for _, units := range []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1), MaxUnits * 2, math.MaxFloat64} {
		s, err := NewSampler(Options{}, epoch)
		require.NoError(t, err)
		s.RecordRead([]byte("k"), units, epoch)
		s.RecordWrite([]byte("k"), units, epoch)
		load := s.Load(epoch)
		require.Empty(t, load.Keys, "units %v", units)
		require.Zero(t, load.Reads.Load+load.Writes.Load, "units %v", units)
	}
}

func TestSamplerAcceptsTheLargestUnitsWithoutOverflow(t *testing.T) {
	s, err := NewSampler(Options{HalfLife: time.Second, Samples: 4}, epoch)
	require.NoError(t, err)
	var at time.Time
	for i := range 10000 { // 1,000 half-lives: the landmark moves
		at = epoch.Add(time.Duration(i) * 100 * time.Millisecond)
		s.RecordWrite(u64Key(uint64(i%7)), MaxUnits, at)
	}
	load := s.Load(at)
	require.False(t, math.IsInf(load.Writes.Load, 0) || math.IsNaN(load.Writes.Load))
	// A steady MaxUnits every tenth of a half-life sums to MaxUnits/(1-2^-0.1).
	require.InEpsilon(t, MaxUnits/(1-math.Exp2(-0.1)), load.Writes.Load, 1e-9)
	require.Positive(t, s.landmark)
	d, err := DecideConsumption(ConsumptionInput{Load: load, Writes: writesBusy}, Policy{MinSamples: 1})
	require.NoError(t, err)
	require.NotZero(t, d.Reason)
}

func TestSamplerLoadBeforeLatestAccessUsesTheLatest(t *testing.T) {
	s, err := NewSampler(Options{}, epoch)
	require.NoError(t, err)
	at := epoch.Add(time.Hour)
	s.RecordWrite([]byte("k"), 4, at)
	load := s.Load(epoch)
	require.Equal(t, at, load.At)
	require.Len(t, load.Keys, 1)
	require.InDelta(t, 4.0, load.Keys[0].Write, 1e-12)
}

func TestSamplerLoadIsSortedDistinctAndCopied(t *testing.T) {
	s, err := NewSampler(Options{Samples: 64, Seed: 3}, epoch)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		key := u64Key(rng.Uint64N(50))
		s.RecordRead(key, 1, epoch.Add(time.Duration(i)*time.Millisecond))
		s.RecordWrite(key, 1, epoch.Add(time.Duration(i)*time.Millisecond))
	}
	load := s.Load(epoch.Add(time.Second))
	require.Equal(t, 128, load.Samples)
	samples, recent := 0, 0
	for i, k := range load.Keys {
		if i > 0 {
			require.Negative(t, bytes.Compare(load.Keys[i-1].Key, k.Key))
		}
		require.Positive(t, k.Samples)
		samples += k.Samples
		recent += k.RecentSamples
	}
	require.Equal(t, load.Samples, samples)
	require.Equal(t, load.RecentSamples, recent)
	// The recent window is the last 15 s; every access was in the last 1 s.
	require.Equal(t, load.Samples, load.RecentSamples)
	first := bytes.Clone(load.Keys[0].Key)
	load.Keys[0].Key[0] ^= 0xFF
	require.Equal(t, first, s.Load(epoch.Add(time.Second)).Keys[0].Key)
}

func TestSamplerIsDeterministicForASeed(t *testing.T) {
	loads := make([]Load, 2)
	for i := range loads {
		s, err := NewSampler(Options{Samples: 32, Seed: 99}, epoch)
		require.NoError(t, err)
		uniform.run(t, s, 5)
		loads[i] = s.Load(epoch.Add(time.Hour))
	}
	require.Equal(t, loads[0], loads[1])
}

// The sum of the estimates over any set of keys approximates that set's
// exact decayed load.
func TestSamplerEstimatesSubsetLoad(t *testing.T) {
	for _, w := range []workload{uniform, hotRange, skewedSizes} {
		t.Run(w.name, func(t *testing.T) {
			s, err := NewSampler(Options{Samples: 1024, Seed: 11}, epoch)
			require.NoError(t, err)
			accesses, now := w.run(t, s, 12)
			load := s.Load(now)
			var estTotal, estLeft float64
			for _, k := range load.Keys {
				estTotal += k.Read + k.Write
				if k.Key[0] < 0x80 {
					estLeft += k.Read + k.Write
				}
			}
			exact := load.Reads.Load + load.Writes.Load
			require.InEpsilon(t, exact, estTotal, 0.1)
			whole := Range{Start: nil}
			trueLeft := trueShareLeft(accesses, []byte{0x80}, whole, now, s.HalfLife(), true, true)
			require.InDelta(t, trueLeft, estLeft/estTotal, 0.05)
		})
	}
}

func TestSamplerCountsEdges(t *testing.T) {
	for _, tc := range []struct {
		name      string
		key       func(rng *rand.Rand, i int) uint64
		wantRight bool
		wantLeft  bool
	}{
		{"ascending keys land on the right edge", func(_ *rand.Rand, i int) uint64 { return uint64(i) }, true, false},
		{"descending keys land on the left edge", func(_ *rand.Rand, i int) uint64 { return uint64(1e9 - i) }, false, true},
		{"random keys rarely land on an edge", func(rng *rand.Rand, _ int) uint64 { return rng.Uint64() }, false, false},
		{"one key is no edge", func(*rand.Rand, int) uint64 { return 42 }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSampler(Options{Seed: 1}, epoch)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(4, 4))
			var at time.Time
			for i := range 20000 {
				at = epoch.Add(time.Duration(i) * 10 * time.Millisecond)
				s.RecordWrite(u64Key(tc.key(rng, i)), 1, at)
			}
			w := s.Load(at).Writes
			require.Equal(t, tc.wantRight, w.RightEdge/w.Load > 0.99, "right edge share %v", w.RightEdge/w.Load)
			require.Equal(t, tc.wantLeft, w.LeftEdge/w.Load > 0.99, "left edge share %v", w.LeftEdge/w.Load)
			if !tc.wantRight && !tc.wantLeft {
				require.Less(t, (w.RightEdge+w.LeftEdge)/w.Load, 0.01)
			}
		})
	}
}

// Over thousands of half-lives the sampler rebases its landmark; the
// figures stay finite and exact.
func TestSamplerStaysExactOverLongRuns(t *testing.T) {
	const halfLife = time.Second
	s, err := NewSampler(Options{HalfLife: halfLife, Samples: 16, Seed: 2}, epoch)
	require.NoError(t, err)
	var at time.Time
	for i := range 10000 {
		at = epoch.Add(time.Duration(i) * halfLife)
		s.RecordWrite(u64Key(uint64(i%100)), 1, at)
	}
	load := s.Load(at)
	// A steady unit per half-life sums to 1 + 1/2 + 1/4 + ... = 2.
	require.InDelta(t, 2.0, load.Writes.Load, 1e-9)
	var est float64
	for _, k := range load.Keys {
		require.False(t, math.IsNaN(k.Write) || math.IsInf(k.Write, 0))
		est += k.Write
	}
	require.InDelta(t, 2.0, est, 0.5)
	require.Less(t, s.lambda*float64(s.latest-s.landmark), float64(relandmarkAt))
}

// memoryBound is the bound stated in the package doc for keys whose buffers
// hold at most keyCap bytes.
func memoryBound(samples, keyCap int) int {
	return 2*(samples+1)*(SlotOverhead+keyCap) + 2*keyCap
}

func TestSamplerMemoryBoundHoldsWithOneMillionDistinctKeys(t *testing.T) {
	for _, samples := range []int{16, DefaultSamples} {
		s, err := NewSampler(Options{Samples: samples, Seed: 8}, epoch)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(8, 8))
		for i := range 1_000_000 {
			key := u64Key(rng.Uint64())
			at := epoch.Add(time.Duration(i) * time.Microsecond)
			if i%4 == 0 {
				s.RecordWrite(key, 1, at)
			} else {
				s.RecordRead(key, 1, at)
			}
		}
		got := s.MemoryBytes()
		// 8-byte keys sit in 8-byte buffers.
		require.LessOrEqual(t, got, memoryBound(samples, 8))
		require.Equal(t, 2*samples, s.Load(epoch.Add(time.Second)).Samples)
	}
}

func TestSamplerMemoryOfAnIdleKindIsZero(t *testing.T) {
	s, err := NewSampler(Options{}, epoch)
	require.NoError(t, err)
	require.Zero(t, s.MemoryBytes())
	s.RecordRead(u64Key(1), 1, epoch)
	require.Equal(t, (DefaultSamples+1)*SlotOverhead+8+2*8, s.MemoryBytes())
}

// Reads recorded from many goroutines while another takes Loads: the race
// detector checks the locking, and every access is counted.
func TestSamplerIsSafeForConcurrentUse(t *testing.T) {
	s, err := NewSampler(Options{Samples: 64, Seed: 1}, epoch)
	require.NoError(t, err)
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s.RecordRead(u64Key(uint64(w*each+i)), 1, epoch)
			}
		}()
	}
	largest := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			largest = max(largest, s.Load(epoch).Samples)
		}
	}()
	wg.Wait()
	require.LessOrEqual(t, largest, 64)
	require.InDelta(t, writers*each, s.Load(epoch).Reads.Load, 1e-6)
}
