package admission

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

func newTestBucket(t *testing.T, opts BucketOptions, now time.Time) *Bucket {
	t.Helper()
	b, err := NewBucket(opts, now)
	require.NoError(t, err)
	return b
}

func newTestNode(t *testing.T, opts NodeOptions, now time.Time) *NodeBucket {
	t.Helper()
	n, err := NewNodeBucket(opts, now)
	require.NoError(t, err)
	return n
}

// drain admits requests of size units at now until refused and returns the
// units admitted.
func drain(t *testing.T, now time.Time, size float64, p *Bucket, n *NodeBucket) float64 {
	t.Helper()
	var admitted float64
	for i := 0; i < 10_000_000; i++ {
		if err := Admit(now, size, p, n); err != nil {
			return admitted
		}
		admitted += size
	}
	t.Fatal("bucket never refused")
	return 0
}

func TestBucketStartsWithOneSecondBanked(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Resource: "p0", Rate: 1000, MaxRate: PartitionMaxWrite}, epoch)
	require.Equal(t, 1000.0, b.Available(epoch))
	require.Equal(t, 300_000.0, b.Burst())
	require.Equal(t, 1000.0, drain(t, epoch, 10, b, nil))
}

// After 300 s idle the bucket admits 300 s worth at once, then only the rate.
func TestBucketBurstAfterIdleThenRate(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Resource: "p0", Rate: 1000, MaxRate: PartitionMaxWrite}, epoch)
	require.Equal(t, 1000.0, drain(t, epoch, 100, b, nil))

	// Idle for 300 s (and more: the bank is capped at 300 s).
	for _, idle := range []time.Duration{300 * time.Second, 900 * time.Second} {
		start := epoch.Add(idle)
		if idle > 300*time.Second {
			require.Equal(t, 300_000.0, b.Available(start), "bank is capped at 300 s")
			continue
		}
		burst := drain(t, start, 100, b, nil)
		require.Equal(t, 300_000.0, burst, "300 s of unused capacity at once")

		// Then the rate: offer 10x the rate for 10 s in 10 ms steps.
		var admitted float64
		for step := 1; step <= 1000; step++ {
			now := start.Add(time.Duration(step) * 10 * time.Millisecond)
			for r := 0; r < 10; r++ {
				if Admit(now, 10, b, nil) == nil {
					admitted += 10
				}
			}
		}
		require.InDelta(t, 10_000, admitted, 10, "1000 units/s after the burst")
		t.Logf("burst after 300 s idle: %.0f units at once; then %.0f units in 10 s", burst, admitted)
	}
}

func TestBucketRateChanges(t *testing.T) {
	t.Run("lowering the rate shrinks the bank to the new burst", func(t *testing.T) {
		b := newTestBucket(t, BucketOptions{Rate: 1000}, epoch)
		now := epoch.Add(300 * time.Second)
		require.Equal(t, 300_000.0, b.Available(now))
		b.SetRate(now, 100)
		require.Equal(t, 30_000.0, b.Burst())
		require.Equal(t, 30_000.0, b.Available(now))
		require.Equal(t, 30_000.0, drain(t, now, 100, b, nil))
	})
	t.Run("raising the rate keeps the bank and grows the burst", func(t *testing.T) {
		b := newTestBucket(t, BucketOptions{Rate: 100}, epoch)
		now := epoch.Add(300 * time.Second)
		require.Equal(t, 30_000.0, b.Available(now))
		b.SetRate(now, 1000)
		require.Equal(t, 300_000.0, b.Burst())
		require.Equal(t, 30_000.0, b.Available(now), "tokens earned at the old rate are kept, not inflated")
		require.InDelta(t, 40_000.0, b.Available(now.Add(10*time.Second)), 1e-6)
		require.Equal(t, 300_000.0, b.Available(now.Add(time.Hour)))
	})
	t.Run("time before a rate change is credited at the old rate", func(t *testing.T) {
		b := newTestBucket(t, BucketOptions{Rate: 100}, epoch)
		drain(t, epoch, 1, b, nil)
		at := epoch.Add(10 * time.Second)
		b.SetRate(at, 1000)
		require.InDelta(t, 1000.0, b.Available(at), 1e-6, "10 s at 100/s")
		require.InDelta(t, 2000.0, b.Available(at.Add(time.Second)), 1e-6, "then 1000/s")
	})
	t.Run("rate is capped at the partition maximum", func(t *testing.T) {
		b := newTestBucket(t, BucketOptions{Rate: 5000, MaxRate: PartitionMaxRead}, epoch)
		require.Equal(t, PartitionMaxRead, b.Rate())
		b.SetRate(epoch, 10_000)
		require.Equal(t, PartitionMaxRead, b.Rate())
		b.SetRate(epoch, -5)
		require.Equal(t, 0.0, b.Rate())
	})
	t.Run("a bucket with no rate refuses everything", func(t *testing.T) {
		b := newTestBucket(t, BucketOptions{Rate: 0, Resource: "p9"}, epoch)
		err := b.Admit(epoch.Add(time.Hour), 1)
		var pte *dberr.ProvisionedThroughputExceededException
		require.ErrorAs(t, err, &pte)
		require.Equal(t, time.Hour, pte.RetryAfter)
		require.NoError(t, b.Admit(epoch, 0), "a free request passes")
	})
}

func TestBucketThrottleErrorNamesPartitionAndRetry(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Resource: "orders/p3", Rate: 10}, epoch)
	require.Equal(t, 10.0, drain(t, epoch, 1, b, nil))
	err := b.Admit(epoch, 5)
	var pte *dberr.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte)
	require.Equal(t, dberr.ThrottlePartition, pte.Reason)
	require.Equal(t, "orders/p3", pte.Resource)
	require.Equal(t, 500*time.Millisecond, pte.RetryAfter, "5 units at 10 units/s")
	require.Equal(t, TableThrottleMessage, pte.Message)
	require.NoError(t, b.Admit(epoch.Add(pte.RetryAfter), 5), "admitted once the hint has passed")

	u := b.TakeUsage()
	require.Equal(t, Usage{Consumed: 15, Throttled: 6}, u, "the refusal that ended drain, then the 5")
	require.Equal(t, Usage{}, b.TakeUsage())
}

func TestBucketOnDemandRefusalIsThrottlingException(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Resource: "t/p0", Rate: 1, OnDemand: true}, epoch)
	drain(t, epoch, 1, b, nil)
	var te *dberr.ThrottlingException
	require.ErrorAs(t, b.Admit(epoch, 1), &te)
	require.Equal(t, OnDemandThrottleMessage, te.Message)
}

func TestBucketRequestLargerThanBurstIsAdmittedWhenFull(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Rate: 1}, epoch) // burst: 300 units
	require.Error(t, b.Admit(epoch, 400), "not full yet")
	full := epoch.Add(300 * time.Second)
	require.NoError(t, b.Admit(full, 400), "a 400 KB write on a 1 WCU partition passes once the bank is full")
	require.Equal(t, 0.0, b.Available(full))
	require.Error(t, b.Admit(full, 1))
}

func TestBucketClockSteppingBackMintsNoTokens(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Rate: 10}, epoch)
	later := epoch.Add(10 * time.Second)
	require.Equal(t, 110.0, drain(t, later, 1, b, nil), "one second banked at start, then 10 s at 10/s")
	require.Error(t, b.Admit(epoch.Add(5*time.Second), 1), "earlier time is treated as the latest seen")
	require.Equal(t, 0.0, b.Available(later), "returning to the latest time finds no new tokens")
	require.InDelta(t, 10.0, b.Available(later.Add(time.Second)), 1e-9)
}

func TestNodeRefusalCostsThePartitionNothing(t *testing.T) {
	p := newTestBucket(t, BucketOptions{Resource: "p0", Rate: 100}, epoch)
	n := newTestNode(t, NodeOptions{Resource: "node-a", Rate: 10}, epoch)
	require.Equal(t, 10.0, drain(t, epoch, 1, p, n), "the node caps admission")
	before := p.Available(epoch)
	require.Equal(t, 90.0, before)

	err := Admit(epoch, 5, p, n)
	var pte *dberr.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte)
	require.Equal(t, dberr.ThrottleNode, pte.Reason)
	require.Equal(t, "node-a", pte.Resource)
	require.Equal(t, 500*time.Millisecond, pte.RetryAfter)
	require.Equal(t, before, p.Available(epoch), "the partition's reservation was cancelled")
	require.Equal(t, Usage{Consumed: 10}, p.TakeUsage(), "node refusals are not partition throttles")
}

func TestBurstRequestsLeaveTheNodeReserve(t *testing.T) {
	n := newTestNode(t, NodeOptions{Rate: 1000, Reserve: 0.5}, epoch)
	p := newTestBucket(t, BucketOptions{Rate: 100}, epoch)
	at := epoch.Add(300 * time.Second) // p has 30,000 banked, its allocation meter 100
	// 100 within the allocation, then burst until the node is down to its
	// reserve (500 of 1000).
	require.Equal(t, 500.0, drain(t, at, 10, p, n))
	require.InDelta(t, 500.0, n.Available(at), 1e-9)
	// A request within some other partition's allocation still gets the reserve.
	q := newTestBucket(t, BucketOptions{Rate: 500}, epoch)
	require.Equal(t, 500.0, drain(t, at, 10, q, n))
}

func TestNewBucketRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]BucketOptions{
		"negative rate":          {Rate: -1},
		"negative max rate":      {Rate: 1, MaxRate: -1},
		"negative burst seconds": {Rate: 1, BurstSeconds: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewBucket(opts, epoch)
			require.Error(t, err)
		})
	}
	for name, opts := range map[string]NodeOptions{
		"negative rate":  {Rate: -1},
		"reserve of one": {Rate: 1, Reserve: 1},
		"negative burst": {Rate: 1, BurstSeconds: -2},
	} {
		t.Run("node "+name, func(t *testing.T) {
			_, err := NewNodeBucket(opts, epoch)
			require.Error(t, err)
		})
	}
}

// Two tables share a node. Table B's admitted throughput with table A
// flooding at 10x its capacity (after banking 300 s of burst) stays within
// 10% of B's throughput alone.
func TestNodeBucketIsolatesTablesFromAFlood(t *testing.T) {
	const (
		nodeRate  = 2000.0
		tableRate = 1000.0
		bOffered  = 800.0
		step      = 10 * time.Millisecond
		span      = 60 * time.Second
	)
	run := func(flood bool, reserve float64) (admittedA, admittedB, throttledB float64) {
		n := newTestNode(t, NodeOptions{Resource: "node-1", Rate: nodeRate, Reserve: reserve}, epoch)
		a := newTestBucket(t, BucketOptions{Resource: "A/p0", Rate: tableRate, MaxRate: PartitionMaxWrite}, epoch)
		b := newTestBucket(t, BucketOptions{Resource: "B/p0", Rate: tableRate, MaxRate: PartitionMaxWrite}, epoch)
		start := epoch.Add(300 * time.Second) // both tables idle for 300 s first
		for i := 0; i < int(span/step); i++ {
			now := start.Add(time.Duration(i) * step)
			if flood {
				// 10x A's capacity: 100 units per 10 ms, as ten requests.
				for r := 0; r < 10; r++ {
					if Admit(now, 10, a, n) == nil {
						admittedA += 10
					}
				}
			}
			size := bOffered * step.Seconds()
			if err := Admit(now, size, b, n); err == nil {
				admittedB += size
			} else {
				throttledB += size
			}
		}
		return admittedA, admittedB, throttledB
	}
	_, solo, _ := run(false, 0)
	floodA, shared, throttledB := run(true, 0)
	t.Logf("table B alone: %.0f units in 60 s; with A flooding: %.0f (%.1f%%), B throttled %.0f; A admitted %.0f",
		solo, shared, 100*shared/solo, throttledB, floodA)
	require.InDelta(t, bOffered*span.Seconds(), solo, 1, "B alone gets all it offers")
	require.GreaterOrEqual(t, shared, 0.9*solo)
	require.LessOrEqual(t, floodA+shared, nodeRate*span.Seconds()+nodeRate, "the node never admits more than its capacity plus its one-second burst")
	require.Greater(t, floodA, tableRate*span.Seconds(), "A's burst runs on the node's spare capacity")

	// The reserve is what protects B: with (almost) none, A's burst takes
	// the node first and B falls far below its baseline.
	_, unprotected, _ := run(true, 1e-9)
	t.Logf("table B with A flooding and no node reserve: %.0f (%.1f%%)", unprotected, 100*unprotected/solo)
	require.Less(t, unprotected, 0.9*solo)
}

func TestAdmitErrorsAreMatchable(t *testing.T) {
	b := newTestBucket(t, BucketOptions{Rate: 1, Reason: dberr.ThrottleIndex, Resource: "t/index/gsi1"}, epoch)
	drain(t, epoch, 1, b, nil)
	err := b.Admit(epoch, 1)
	var pte *dberr.ProvisionedThroughputExceededException
	require.True(t, errors.As(err, &pte))
	require.Equal(t, IndexThrottleMessage, pte.Message)
	reason, ok := ThrottleReasonOf(err)
	require.True(t, ok)
	require.Equal(t, dberr.ThrottleIndex, reason)
}

// Randomized runs (seeded): under any sequence of requests and rate changes,
// a partition admits no more than it banked at start plus the integral of
// its rate, and a node no more than its burst plus the integral of its rate.
func TestBucketsNeverAdmitMoreThanTheyGenerate(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			nodeRate := float64(100 + rng.Intn(5000))
			n := newTestNode(t, NodeOptions{Rate: nodeRate}, epoch)
			parts := make([]*Bucket, 1+rng.Intn(5))
			generated := make([]float64, len(parts))
			admitted := make([]float64, len(parts))
			// Rates are zero or at least 20/s, so that every request (at
			// most 19.5 units) fits in a burst: a larger one is admitted
			// when the bucket is full, which is the one documented excess.
			randomRate := func() float64 {
				if rng.Intn(20) == 0 {
					return 0
				}
				return float64(20 + rng.Intn(1500))
			}
			for i := range parts {
				r := randomRate()
				parts[i] = newTestBucket(t, BucketOptions{Rate: r, MaxRate: PartitionMaxWrite, BurstSeconds: float64(1 + rng.Intn(300))}, epoch)
				generated[i] = parts[i].Available(epoch)
			}
			nodeGenerated := nodeRate
			var nodeAdmitted float64
			now := epoch
			for step := 0; step < 5000; step++ {
				dt := time.Duration(rng.Intn(50)) * time.Millisecond
				if rng.Intn(200) == 0 {
					dt = time.Duration(rng.Intn(600)) * time.Second
				}
				now = now.Add(dt)
				nodeGenerated += nodeRate * dt.Seconds()
				for i, p := range parts {
					generated[i] += p.Rate() * dt.Seconds()
					if rng.Intn(300) == 0 {
						p.SetRate(now, randomRate())
					}
					size := float64(rng.Intn(40)) / 2
					if Admit(now, size, p, n) == nil {
						admitted[i] += size
						nodeAdmitted += size
					}
				}
			}
			for i := range parts {
				require.LessOrEqual(t, admitted[i], generated[i]+1e-6, "partition %d", i)
			}
			require.LessOrEqual(t, nodeAdmitted, nodeGenerated+1e-6)
		})
	}
}

func TestNodeBucketSetRate(t *testing.T) {
	n := newTestNode(t, NodeOptions{Resource: "node-7", Rate: 1000}, epoch)
	require.Equal(t, "node-7", n.Resource())
	require.Equal(t, 1000.0, n.Rate())
	require.Equal(t, 1000.0, n.Available(epoch))
	n.SetRate(epoch, 100)
	require.Equal(t, 100.0, n.Rate())
	require.Equal(t, 100.0, n.Available(epoch), "the node's one-second bucket shrinks with it")
	n.SetRate(epoch, -1)
	require.Equal(t, 0.0, n.Rate())
	p := newTestBucket(t, BucketOptions{Resource: "p", Rate: 10, MaxRate: 20}, epoch)
	require.Equal(t, "p", p.Resource())
	require.Equal(t, 20.0, p.MaxRate())
	require.Error(t, Admit(epoch, 1, p, n), "a node with no capacity admits nothing")
}

func TestAdmitRejectsUnitsThatAreNotAmounts(t *testing.T) {
	p := newTestBucket(t, BucketOptions{Resource: "p", Rate: 10}, epoch)
	o := newTestOnDemand(t, OnDemandOptions{Table: "t"})
	var m Metrics
	for _, units := range []float64{-1, nan(), inf()} {
		var ve *dberr.ValidationException
		require.ErrorAs(t, Admit(epoch, units, p, nil), &ve, "%v", units)
		require.ErrorAs(t, o.Admit(epoch, Write, units), &ve, "%v", units)
		m.RecordConsumed("t", "p", Write, units)
	}
	require.Equal(t, Usage{}, p.TakeUsage(), "nothing counted")
	require.Empty(t, m.Stats().Tables)
}

// Charge takes units without refusing, and the debt delays what follows.
func TestBucketChargeDebt(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b, err := NewBucket(BucketOptions{Resource: "p", Rate: 100}, t0)
	require.NoError(t, err)
	require.NoError(t, b.Admit(t0, 100), "one second banked at the start")
	b.Charge(t0, 200)
	require.Error(t, b.Admit(t0.Add(time.Second), 1), "a second refills 100 of the 200 owed")
	require.Error(t, b.Admit(t0.Add(2*time.Second), 1), "the debt is exactly repaid after two seconds")
	require.NoError(t, b.Admit(t0.Add(3*time.Second), 100))
	b.Charge(t0, -5)
	b.Charge(t0, 0)
	require.Equal(t, 400.0, b.TakeUsage().Consumed)
}

// Refunded units are admitted again before the bank's, up to one second of
// the rate.
func TestBucketRefund(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b, err := NewBucket(BucketOptions{Resource: "p", Rate: 10}, t0)
	require.NoError(t, err)
	for range 10 {
		require.NoError(t, b.Admit(t0, 1))
	}
	require.Error(t, b.Admit(t0, 1))
	b.Refund(3)
	for range 3 {
		require.NoError(t, b.Admit(t0, 1))
	}
	require.Error(t, b.Admit(t0, 1))
	b.Refund(100)
	for range 10 {
		require.NoError(t, b.Admit(t0, 1), "refunds are held up to one second of the rate")
	}
	require.Error(t, b.Admit(t0, 1))
	b.Refund(-1)
	require.Error(t, b.Admit(t0, 1))
}
