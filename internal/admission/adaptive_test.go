package admission

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// adaptiveTable is a 4-partition write table driven in 10 ms steps with the
// controller stepped every second.
type adaptiveTable struct {
	t      *testing.T
	parts  []*Bucket
	ctl    *Adaptive
	now    time.Time
	offers []float64 // units per second offered to each partition
}

func newAdaptiveTable(t *testing.T, tableRate float64) *adaptiveTable {
	t.Helper()
	parts := make([]*Bucket, 4)
	for i := range parts {
		parts[i] = newTestBucket(t, BucketOptions{Resource: fmt.Sprintf("t/p%d", i), MaxRate: PartitionMaxWrite}, epoch)
	}
	ctl, err := NewAdaptive(AdaptiveOptions{TableRate: tableRate}, parts, epoch)
	require.NoError(t, err)
	return &adaptiveTable{t: t, parts: parts, ctl: ctl, now: epoch, offers: make([]float64, 4)}
}

// run drives the table for seconds and returns the units each partition
// admitted in the last second.
func (a *adaptiveTable) run(seconds int) []float64 {
	const step = 10 * time.Millisecond
	var last []float64
	for s := 0; s < seconds; s++ {
		last = make([]float64, len(a.parts))
		for i := 0; i < 100; i++ {
			a.now = a.now.Add(step)
			for p, offer := range a.offers {
				size := offer * step.Seconds()
				if size > 0 && a.parts[p].Admit(a.now, size) == nil {
					last[p] += size
				}
			}
		}
		a.ctl.Step(a.now)
	}
	return last
}

func TestAdaptiveCapacity(t *testing.T) {
	t.Run("a single hot partition reaches the partition maximum when the table has capacity", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000) // even share: 500 per partition
		require.Equal(t, []float64{500, 500, 500, 500}, a.ctl.Rates())
		a.offers[0] = 2000
		first := a.run(1)
		require.InDelta(t, 500, first[0], 1, "before any step: its even share")
		steps := 1
		for ; steps < 30 && a.ctl.Rates()[0] < PartitionMaxWrite; steps++ {
			a.run(1)
		}
		t.Logf("hot partition at the %v WCU maximum after %d controller step(s), 1 s apart", PartitionMaxWrite, steps)
		require.Equal(t, PartitionMaxWrite, a.ctl.Rates()[0])
		last := a.run(5)
		require.InDelta(t, PartitionMaxWrite, last[0], 1, "the hot partition admits its maximum")
		require.Equal(t, []float64{500, 500, 500}, a.ctl.Rates()[1:], "idle partitions keep their share")
	})
	t.Run("the boost is limited to what the table leaves unused", func(t *testing.T) {
		a := newAdaptiveTable(t, 1600) // share 400
		a.offers = []float64{2000, 300, 300, 300}
		a.run(60)
		rates := a.ctl.Rates()
		require.InDelta(t, 700, rates[0], 5, "1600 - 3 x 300")
		require.InDelta(t, 1600, sum(a.run(1)), 10)
	})
	t.Run("no boost when the table has no capacity to spare", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000)
		a.offers = []float64{2000, 500, 500, 500}
		a.run(30)
		require.Equal(t, 500.0, a.ctl.Rates()[0])
	})
	t.Run("boosted partitions are lowered when the table exceeds its capacity", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000)
		a.offers[0] = 2000
		a.run(20)
		require.Equal(t, PartitionMaxWrite, a.ctl.Rates()[0])
		a.offers = []float64{2000, 500, 500, 500}
		a.run(30)
		rates := a.ctl.Rates()
		require.InDelta(t, 500, rates[0], 5, "back to its share")
		require.InDelta(t, 2000, sum(a.run(1)), 10, "the table is back within its capacity")
	})
	t.Run("UpdateTable resets partitions to the new even share", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000)
		a.offers[0] = 2000
		a.run(20)
		a.ctl.SetTableRate(a.now, 800)
		require.Equal(t, []float64{200, 200, 200, 200}, a.ctl.Rates())
		a.ctl.SetTableRate(a.now, 8000)
		require.Equal(t, []float64{1000, 1000, 1000, 1000}, a.ctl.Rates(), "capped at the partition maximum")
	})
	t.Run("a split spreads the table over more partitions", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000)
		a.offers[0] = 2000
		a.run(5)
		more := append([]*Bucket(nil), a.parts...)
		for i := 0; i < 4; i++ {
			more = append(more, newTestBucket(t, BucketOptions{MaxRate: PartitionMaxWrite}, a.now))
		}
		require.NoError(t, a.ctl.SetPartitions(a.now, more))
		require.Equal(t, []float64{250, 250, 250, 250, 250, 250, 250, 250}, a.ctl.Rates())
		require.Error(t, a.ctl.SetPartitions(a.now, nil))
		require.Error(t, a.ctl.SetPartitions(a.now, []*Bucket{nil}))
	})
	t.Run("a step with no elapsed time changes nothing", func(t *testing.T) {
		a := newAdaptiveTable(t, 2000)
		a.offers[0] = 2000
		a.run(1)
		before := a.ctl.Rates()
		require.Equal(t, before, a.ctl.Step(a.now))
	})
}

func TestAdjustRatesIsProportional(t *testing.T) {
	obs := []partitionObservation{
		{rate: 500, base: 500, max: 1000, consumed: 500, throttled: 400},
		{rate: 500, base: 500, max: 1000, consumed: 100},
	}
	// Unused 1400; raise = gain x throttled = 200.
	require.Equal(t, []float64{700, 500}, adjustRates(2000, 0.5, obs))
	// Unused only 100: the raise is scaled down to it.
	obs[1].consumed = 1400
	require.Equal(t, []float64{600, 500}, adjustRates(2000, 0.5, obs))
	// Over capacity: the boost is cut by gain x excess.
	over := []partitionObservation{
		{rate: 900, base: 500, max: 1000, consumed: 900},
		{rate: 500, base: 500, max: 1000, consumed: 500},
		{rate: 700, base: 500, max: 1000, consumed: 700},
	}
	// Excess 100 split 400:200 between the boosts, times gain 0.5.
	got := adjustRates(2000, 0.5, over)
	require.InDelta(t, 900-100*0.5*400/600, got[0], 1e-9)
	require.Equal(t, 500.0, got[1])
	require.InDelta(t, 700-100*0.5*200/600, got[2], 1e-9)
}

func TestNewAdaptiveRejectsBadOptions(t *testing.T) {
	p := newTestBucket(t, BucketOptions{Rate: 1}, epoch)
	_, err := NewAdaptive(AdaptiveOptions{TableRate: -1}, []*Bucket{p}, epoch)
	require.Error(t, err)
	_, err = NewAdaptive(AdaptiveOptions{TableRate: 1, Gain: 2}, []*Bucket{p}, epoch)
	require.Error(t, err)
	_, err = NewAdaptive(AdaptiveOptions{TableRate: 1}, nil, epoch)
	require.Error(t, err)
	_, err = NewAdaptive(AdaptiveOptions{TableRate: 1}, []*Bucket{nil}, epoch)
	require.Error(t, err)
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// AdjustRates lends a throttled partition what the table leaves unused, up
// to its ceiling, and takes loans back when the table is over capacity.
func TestAdjustRatesExported(t *testing.T) {
	obs := []PartitionObservation{
		{Rate: 250, Base: 250, Max: 3000, Consumed: 250, Throttled: 2000},
		{Rate: 250, Base: 250, Max: 3000, Consumed: 10},
		{Rate: 250, Base: 250, Max: 3000, Consumed: 10},
		{Rate: 250, Base: 250, Max: 3000, Consumed: 10},
	}
	rates := AdjustRates(1000, 1, obs)
	require.InDelta(t, 250+1000-280, rates[0], 1e-9, "all the table leaves unused")
	require.Equal(t, []float64{250, 250, 250}, rates[1:])

	obs[0].Rate, obs[0].Consumed, obs[0].Throttled = 970, 970, 0
	obs[1].Consumed = 250
	rates = AdjustRates(1000, 0.5, obs)
	require.Less(t, rates[0], 970.0, "over capacity: the loan shrinks")
	require.GreaterOrEqual(t, rates[0], 250.0)
}
