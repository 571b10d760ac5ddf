package admission

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

func newTestOnDemand(t *testing.T, opts OnDemandOptions) *OnDemand {
	t.Helper()
	o, err := NewOnDemand(opts, epoch)
	require.NoError(t, err)
	return o
}

func TestOnDemandNewTableServesDoubleTheInitialPeak(t *testing.T) {
	o := newTestOnDemand(t, OnDemandOptions{Table: "events"})
	require.Equal(t, 4000.0, o.Limit(epoch, Write))
	require.Equal(t, 12_000.0, o.Limit(epoch, Read))

	// One second's worth at once, then refused.
	var writes, reads float64
	for o.Admit(epoch, Write, 10) == nil {
		writes += 10
	}
	for o.Admit(epoch, Read, 10) == nil {
		reads += 10
	}
	require.Equal(t, 4000.0, writes)
	require.Equal(t, 12_000.0, reads)

	err := o.Admit(epoch, Write, 10)
	var te *dberr.ThrottlingException
	require.ErrorAs(t, err, &te)
	require.Equal(t, OnDemandThrottleMessage, te.Message)
	require.Equal(t, dberr.ThrottleTable, te.Reason)
	require.Equal(t, "events", te.Resource)
	require.Equal(t, 2500*time.Microsecond, te.RetryAfter, "10 units at 4000/s")
}

func TestOnDemandSwitchedFromProvisioned(t *testing.T) {
	o := newTestOnDemand(t, SwitchedFromProvisioned("t", 50_000, 1000))
	require.Equal(t, 50_000.0, o.Limit(epoch, Read), "half of 50,000 RCU, doubled")
	require.Equal(t, 4000.0, o.Limit(epoch, Write), "a new table's figures when higher")
}

// A table ramping its traffic is never throttled while it stays within
// double its previous peak, where the previous peak is computed here from
// the admitted traffic: the busiest second that ended at least 30 minutes
// ago, or the initial 2,000 WRU.
func TestOnDemandRampIsNeverThrottledBelowDoubleThePreviousPeak(t *testing.T) {
	o := newTestOnDemand(t, OnDemandOptions{Table: "t"})
	const step = 100 * time.Millisecond
	// The oracle: admitted units per second, oldest first, folded into
	// oracle peak once 30 minutes old.
	type second struct {
		sec   int64
		units float64
	}
	var recent []second
	peak := OnDemandInitialWritePeak
	// Traffic grows 20% every 10 minutes from 2,000 WRU/s for 3 hours (1.73x
	// per 30 minutes), then spikes to 5x its last level.
	offered := func(elapsed time.Duration) float64 {
		if elapsed >= 3*time.Hour {
			return 5 * 2000 * math.Pow(1.2, 17)
		}
		return 2000 * math.Pow(1.2, math.Floor(elapsed.Minutes()/10))
	}
	var checked, throttledWithin, throttledSpike int
	for elapsed := time.Duration(0); elapsed < 3*time.Hour+10*time.Minute; elapsed += step {
		now := epoch.Add(elapsed)
		for len(recent) > 0 && !time.Unix(recent[0].sec+1, 0).After(now.Add(-30*time.Minute)) {
			peak = math.Max(peak, recent[0].units)
			recent = recent[1:]
		}
		rateNow := offered(elapsed)
		size := rateNow * step.Seconds()
		err := o.Admit(now, Write, size)
		if err == nil {
			if n := len(recent); n > 0 && recent[n-1].sec == now.Unix() {
				recent[n-1].units += size
			} else {
				recent = append(recent, second{now.Unix(), size})
			}
		}
		if rateNow <= 2*peak {
			checked++
			if err != nil {
				throttledWithin++
			}
		} else if err != nil {
			throttledSpike++
		}
	}
	lastPeak := peak
	require.Equal(t, lastPeak, o.PreviousPeak(epoch.Add(3*time.Hour+10*time.Minute-step), Write), "tracker and oracle agree on the peak")
	t.Logf("checked %d requests within double the previous peak: %d throttled; previous peak grew to %.0f WRU/s; %d spike requests throttled",
		checked, throttledWithin, lastPeak, throttledSpike)
	require.Greater(t, checked, 100_000)
	require.Zero(t, throttledWithin)
	require.Greater(t, throttledSpike, 0, "more than double the previous peak within 30 minutes is throttled")
	require.Greater(t, lastPeak, 2*OnDemandInitialWritePeak, "the peak grew with the traffic")
}

func TestOnDemandPeakNeedsTheWindowToPass(t *testing.T) {
	o := newTestOnDemand(t, OnDemandOptions{Table: "t", PeakWindow: time.Minute})
	now := epoch
	for i := 0; i < 10; i++ { // 3,900 WRU in one second, twice the initial peak almost
		require.NoError(t, o.Admit(now.Add(time.Duration(i)*100*time.Millisecond), Write, 390))
	}
	require.Equal(t, 2000.0, o.PreviousPeak(now.Add(30*time.Second), Write), "not a previous peak yet")
	require.Equal(t, 2000.0, o.PreviousPeak(now.Add(60*time.Second), Write), "the second ends at 1 s; 61 s is needed")
	require.Equal(t, 3900.0, o.PreviousPeak(now.Add(61*time.Second), Write))
	require.Equal(t, 7800.0, o.Limit(now.Add(2*time.Minute), Write))
	require.Equal(t, 12_000.0, o.Limit(now.Add(2*time.Minute), Read), "reads and writes are tracked apart")
}

func TestNewOnDemandRejectsBadOptions(t *testing.T) {
	_, err := NewOnDemand(OnDemandOptions{InitialReadPeak: -1}, epoch)
	require.Error(t, err)
	_, err = NewOnDemand(OnDemandOptions{InitialWritePeak: math.Inf(1)}, epoch)
	require.Error(t, err)
	_, err = NewOnDemand(OnDemandOptions{PeakWindow: -time.Second}, epoch)
	require.Error(t, err)
}

// Record raises the peak as admitted traffic does, without a limit.
func TestOnDemandRecord(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	o, err := NewOnDemand(OnDemandOptions{Table: "t", InitialWritePeak: 100, PeakWindow: time.Minute}, t0)
	require.NoError(t, err)
	require.Equal(t, 200.0, o.Limit(t0, Write))
	o.Record(t0, Write, 500)
	o.Record(t0, Write, -1)
	require.Equal(t, 200.0, o.Limit(t0.Add(30*time.Second), Write), "not a minute old yet")
	require.Equal(t, 1000.0, o.Limit(t0.Add(2*time.Minute), Write), "double the new peak")
	require.Equal(t, 2*OnDemandInitialReadPeak, o.Limit(t0, Read))
}
