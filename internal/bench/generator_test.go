package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func draw(t *testing.T, c KeyChooser, count uint64, n int) []int {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	hits := make([]int, count)
	for range n {
		k := c.Next(r, count)
		if k >= count {
			t.Fatalf("drew record %d of %d", k, count)
		}
		hits[k]++
	}
	return hits
}

func TestZipfianFrequenciesFollowTheLaw(t *testing.T) {
	const count, n = 1000, 400_000
	hits := draw(t, NewZipfian(count, ZipfianTheta), count, n)
	zetan := zeta(0, count, ZipfianTheta, 0)
	// Gray et al.'s method is exact for the first two ranks and an
	// approximation (within some 20%) further down.
	for _, tc := range []struct {
		rank      int
		tolerance float64
	}{{0, 0.03}, {1, 0.03}, {2, 0.2}, {9, 0.2}, {99, 0.2}} {
		want := 1 / math.Pow(float64(tc.rank+1), ZipfianTheta) / zetan
		got := float64(hits[tc.rank]) / n
		require.InDelta(t, want, got, want*tc.tolerance, "rank %d", tc.rank)
	}
	require.Greater(t, hits[0], hits[10])
	require.Greater(t, hits[10], hits[500])
}

func TestZipfianGrowsWithTheItemCount(t *testing.T) {
	z := NewZipfian(10, ZipfianTheta)
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		require.Less(t, z.Next(r, 10), uint64(10))
	}
	big := NewZipfian(2000, ZipfianTheta)
	for range 1000 {
		require.Less(t, z.Next(r, 2000), uint64(2000))
	}
	require.InDelta(t, big.zetan, z.zetan, 1e-9, "extending zeta gives the sum computed at once")
	require.InDelta(t, big.eta, z.eta, 1e-9)
	z.Next(r, 5)
	require.InDelta(t, zeta(0, 5, ZipfianTheta, 0), z.zetan, 1e-12, "fewer items: zeta computed again")
}

func TestScrambledZipfianSpreadsTheHotKeys(t *testing.T) {
	const count, n = 1000, 200_000
	hits := draw(t, NewScrambledZipfian(), count, n)
	sorted := slices.Clone(hits)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	// Rank 0 alone draws 1/zeta(10^10) of the requests; the long tail of
	// ranks lands evenly on the records.
	top := float64(sorted[0]) / n
	require.InDelta(t, 1/scrambledZeta, top, 0.2/scrambledZeta, "the hottest record draws its rank's share")
	hottest := slices.Index(hits, sorted[0])
	require.NotEqual(t, 0, hottest, "rank 0 is hashed away from record 0")
	tenth := 0
	for _, h := range sorted[:100] {
		tenth += h
	}
	require.Greater(t, float64(tenth)/n, 0.25, "the hottest tenth of the records gets well over a tenth of the requests")
}

func TestLatestFavoursRecentRecords(t *testing.T) {
	const count = 500
	hits := draw(t, NewLatest(), count, 100_000)
	require.Equal(t, count-1, slices.Index(hits, slices.Max(hits)))
	require.Greater(t, hits[count-1], 10*hits[0])
}

func TestUniformCoversTheRecordsEvenly(t *testing.T) {
	const count, n = 100, 100_000
	hits := draw(t, Uniform{}, count, n)
	for k, h := range hits {
		require.InDelta(t, n/count, h, n/count*0.2, "record %d", k)
	}
}

func TestCompositeZipfianSkewsPartitionsNotItems(t *testing.T) {
	const perPartition, count = 10, 1005 // the last partition holds 5
	c := NewCompositeZipfian(perPartition)
	hits := draw(t, c, count, 300_000)
	partitions := make([]int, (count+perPartition-1)/perPartition)
	for k, h := range hits {
		partitions[k/perPartition] += h
	}
	hot := slices.Index(partitions, slices.Max(partitions))
	require.Greater(t, float64(slices.Max(partitions))/300_000, 3.0/float64(len(partitions)), "partitions are skewed")
	items := hits[hot*perPartition : min((hot+1)*perPartition, count)]
	for _, h := range items {
		require.InDelta(t, float64(partitions[hot])/float64(len(items)), h, float64(partitions[hot])/float64(len(items))*0.25,
			"items in a partition are drawn uniformly")
	}
}

func TestChoosersAreDeterministicForASeed(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func() KeyChooser
	}{
		{"uniform", func() KeyChooser { return Uniform{} }},
		{"zipfian", func() KeyChooser { return NewScrambledZipfian() }},
		{"latest", func() KeyChooser { return NewLatest() }},
		{"composite", func() KeyChooser { return NewCompositeZipfian(10) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, draw(t, tc.new(), 300, 2000), draw(t, tc.new(), 300, 2000))
		})
	}
}

func TestChoosersHandleEmptyAndSingleRecordSets(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []KeyChooser{Uniform{}, NewScrambledZipfian(), NewLatest(), NewCompositeZipfian(10), NewZipfian(1, ZipfianTheta)} {
		require.Equal(t, uint64(0), c.Next(r, 0))
		require.Equal(t, uint64(0), c.Next(r, 1))
	}
}

func TestAckCounterLimitIsTheAcknowledgedPrefix(t *testing.T) {
	a := newAckCounter(10)
	n1, n2, n3 := a.Next(), a.Next(), a.Next()
	require.Equal(t, []uint64{10, 11, 12}, []uint64{n1, n2, n3})
	a.Acknowledge(n2)
	require.Equal(t, uint64(10), a.Limit(), "record 10 is still in flight")
	a.Acknowledge(n3)
	require.Equal(t, uint64(10), a.Limit())
	a.Acknowledge(n1)
	require.Equal(t, uint64(13), a.Limit())
}

func TestFNVHashMatchesFNV1a(t *testing.T) {
	// FNV-1a of eight zero bytes, a published test value, without its top bit.
	require.Equal(t, uint64(0xa8c7f832281a39c5)&^(1<<63), fnv64(0))
	require.NotEqual(t, fnv64(1), fnv64(256))
}

func BenchmarkChoosers(b *testing.B) {
	for _, tc := range []struct {
		name string
		c    KeyChooser
	}{{"uniform", Uniform{}}, {"zipfian", NewScrambledZipfian()}, {"latest", NewLatest()}, {"composite", NewCompositeZipfian(10)}} {
		b.Run(tc.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				tc.c.Next(r, 1_000_000)
			}
		})
	}
}
