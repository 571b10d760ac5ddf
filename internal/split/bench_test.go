package split

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// BenchmarkRecord is the cost of recording one access on the serving path,
// with the sample full: most accesses fall below τ and only touch the
// counters and edges.
func BenchmarkRecord(b *testing.B) {
	for _, tc := range []struct {
		name string
		key  func(rng *rand.Rand, i int, buf []byte)
	}{
		{"uniform", func(rng *rand.Rand, _ int, buf []byte) { binary.BigEndian.PutUint64(buf, rng.Uint64()) }},
		{"ascending", func(_ *rand.Rand, i int, buf []byte) { binary.BigEndian.PutUint64(buf, uint64(i)) }},
		{"hot key", func(*rand.Rand, int, []byte) {}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := NewSampler(Options{Seed: 1}, epoch)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			buf := make([]byte, 16)
			for i := range 10 * DefaultSamples {
				tc.key(rng, i, buf)
				s.RecordWrite(buf, 1, epoch)
			}
			b.ReportAllocs()
			i := 10 * DefaultSamples
			for b.Loop() {
				i++
				tc.key(rng, i, buf)
				s.RecordWrite(buf, 1, epoch.Add(time.Duration(i)*time.Microsecond))
			}
		})
	}
}

// BenchmarkRecordParallel records from many goroutines into one sampler,
// as a leader serving concurrent reads does.
func BenchmarkRecordParallel(b *testing.B) {
	s, err := NewSampler(Options{Seed: 1}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
		buf := make([]byte, 16)
		i := 0
		for pb.Next() {
			i++
			binary.BigEndian.PutUint64(buf, rng.Uint64())
			s.RecordRead(buf, 1, epoch.Add(time.Duration(i)*time.Microsecond))
		}
	})
}

// BenchmarkDecideConsumption is the cost of one consumption decision from a
// full default sampler: taking its Load, then deciding.
func BenchmarkDecideConsumption(b *testing.B) {
	s, err := NewSampler(Options{Seed: 1}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	_, now := skewedSizes.run(b, s, 2)
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = s.Load(now)
		}
	})
	b.Run("decide", func(b *testing.B) {
		in := ConsumptionInput{Load: s.Load(now), Reads: busy, Writes: writesBusy}
		b.ReportAllocs()
		for b.Loop() {
			d, err := DecideConsumption(in, Policy{})
			if err != nil || !d.Split {
				b.Fatal(err, d.Detail)
			}
		}
	})
}

// BenchmarkDecideSize is the cost of a size decision over 10,000 samples
// (10 GiB in 1 MiB runs).
func BenchmarkDecideSize(b *testing.B) {
	samples := make([]SizeSample, 10_000)
	for i := range samples {
		samples[i] = SizeSample{Key: u64Key(uint64(i)), Bytes: 1 << 20}
	}
	in := SizeInput{Samples: samples, SplitSize: 1 << 30}
	b.ReportAllocs()
	for b.Loop() {
		d, err := DecideSize(in)
		if err != nil || !d.Split {
			b.Fatal(err, d.Detail)
		}
	}
}

// BenchmarkSamplerMemory records a million distinct keys into a default
// sampler and reports the bytes it holds: its own accounting (bytes), the
// bound of the package doc for its keys (bound-bytes) and the live heap
// the sampler keeps after a collection (heap-bytes).
func BenchmarkSamplerMemory(b *testing.B) {
	const distinct = 1_000_000
	var accounted, heap float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := NewSampler(Options{Seed: 3}, epoch)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 3))
		buf := make([]byte, 16)
		for i := range distinct {
			binary.BigEndian.PutUint64(buf, rng.Uint64())
			binary.BigEndian.PutUint64(buf[8:], uint64(i))
			at := epoch.Add(time.Duration(i) * time.Microsecond)
			if i%2 == 0 {
				s.RecordRead(buf, 1, at)
			} else {
				s.RecordWrite(buf, 1, at)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		accounted = float64(s.MemoryBytes())
		heap = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		runtime.KeepAlive(s)
		runtime.KeepAlive(buf)
	}
	b.ReportMetric(accounted, "bytes")
	b.ReportMetric(float64(memoryBound(DefaultSamples, 16)), "bound-bytes")
	b.ReportMetric(heap, "heap-bytes")
	b.ReportMetric(distinct, "keys")
}
