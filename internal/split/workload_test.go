package split

import (
	"math/rand/v2"
	"time"
)

// The workloads of the tests and benchmarks: 200,000 accesses a millisecond
// apart (200 s, a little over three default half-lives).
const (
	workloadAccesses = 200_000
	workloadStep     = time.Millisecond
)

// hotKey is the key of the hot-key workload.
var hotKey = u64Key(0x3333_3333_3333_3333)

var (
	// uniform reads one unit at uniformly random keys.
	uniform = workload{name: "uniform", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, _ int) ([]byte, float64, bool) {
			return u64Key(rng.Uint64()), 1, false
		}}
	// hotRange reads 80% of the time in [0x40..., 0x41...), the rest
	// uniformly.
	hotRange = workload{name: "hot range", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, _ int) ([]byte, float64, bool) {
			if rng.IntN(10) < 8 {
				return u64Key(0x40<<56 | rng.Uint64N(1<<56)), 1, false
			}
			return u64Key(rng.Uint64()), 1, false
		}}
	// skewedSizes reads and writes uniformly random keys with units from
	// 0.5 to 50.
	skewedSizes = workload{name: "skewed sizes", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, i int) ([]byte, float64, bool) {
			units := 0.5
			if rng.IntN(20) == 0 {
				units = 1 + float64(rng.IntN(50))
			}
			return u64Key(rng.Uint64()), units, i%3 == 0
		}}
	// hotKeyLoad reads one key 60% of the time, random keys otherwise.
	hotKeyLoad = workload{name: "hot key", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, _ int) ([]byte, float64, bool) {
			if rng.IntN(10) < 6 {
				return hotKey, 1, false
			}
			return u64Key(rng.Uint64()), 1, false
		}}
	// ascending writes a counter: every key is a new right edge.
	ascending = workload{name: "ascending", n: workloadAccesses, step: workloadStep,
		next: func(_ *rand.Rand, i int) ([]byte, float64, bool) {
			return u64Key(1<<40 + uint64(i)), 1, true
		}}
	// descending writes a counting-down key: every key is a new left edge.
	descending = workload{name: "descending", n: workloadAccesses, step: workloadStep,
		next: func(_ *rand.Rand, i int) ([]byte, float64, bool) {
			return u64Key(1<<40 - uint64(i)), 1, true
		}}
	// timeSeries appends one item in four and reads one of the hundred
	// latest items the other three times; reads are what is hot.
	timeSeries = workload{name: "time series", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, i int) ([]byte, float64, bool) {
			latest := uint64(i / 4)
			if i%4 == 0 {
				return u64Key(1<<40 + latest), 1, true
			}
			return u64Key(1<<40 + latest - min(latest, rng.Uint64N(100))), 1, false
		}}
	// appendsBelowOthers appends to one item collection 90% of the time,
	// and reads random keys above it otherwise, so the appends are never a
	// new right edge of the whole partition; the load still walks.
	appendsBelowOthers = workload{name: "appends below other keys", n: workloadAccesses, step: workloadStep,
		next: func(rng *rand.Rand, i int) ([]byte, float64, bool) {
			if rng.IntN(10) < 9 {
				return u64Key(0x10<<56 + uint64(i)), 1, false
			}
			return u64Key(0x20<<56 | rng.Uint64N(0xE0<<56)), 1, false
		}}
)
