package admission

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// AdaptiveOptions configures an Adaptive controller.
type AdaptiveOptions struct {
	// TableRate is the table's provisioned capacity of one kind (read or
	// write) in units per second, shared evenly by its partitions.
	TableRate float64
	// Gain is the proportional gain: each step moves a partition's rate by
	// Gain times the error (the throttled demand when raising, the table's
	// excess when lowering). Zero means 0.5; it must be at most 1.
	Gain float64
}

// Adaptive is DynamoDB's adaptive capacity for one table and one kind of
// capacity: it watches the table's partition buckets and, when a partition
// is throttled while the table as a whole has unused capacity, raises that
// partition's rate toward its maximum (proportional control on the demand
// the partition refused, never lending more than the table leaves unused).
// When the table consumes more than its capacity, it lowers the boosted
// partitions back toward their even share, in proportion to their boost.
//
// The controller is driven by explicit steps: the host calls Step with the
// current time at a regular interval (a second, say); the observations are
// the buckets' own Usage since the previous step. It is safe for concurrent
// use.
type Adaptive struct {
	mu        sync.Mutex
	tableRate float64
	gain      float64
	parts     []*Bucket
	last      time.Time
}

// NewAdaptive returns a controller for the given partition buckets of one
// table, and sets every bucket to its even share of opts.TableRate (capped
// at the bucket's MaxRate). Usage recorded by the buckets before now is
// discarded.
func NewAdaptive(opts AdaptiveOptions, partitions []*Bucket, now time.Time) (*Adaptive, error) {
	if !(opts.TableRate >= 0) || math.IsInf(opts.TableRate, 0) {
		return nil, fmt.Errorf("admission: adaptive capacity: table rate %v is not a finite, non-negative number", opts.TableRate)
	}
	if opts.Gain < 0 || opts.Gain > 1 || math.IsNaN(opts.Gain) {
		return nil, fmt.Errorf("admission: adaptive capacity: gain %v is not in [0, 1]", opts.Gain)
	}
	if len(partitions) == 0 {
		return nil, fmt.Errorf("admission: adaptive capacity: no partitions")
	}
	for i, p := range partitions {
		if p == nil {
			return nil, fmt.Errorf("admission: adaptive capacity: partition %d is nil", i)
		}
	}
	if opts.Gain == 0 {
		opts.Gain = 0.5
	}
	a := &Adaptive{
		tableRate: opts.TableRate,
		gain:      opts.Gain,
		parts:     append([]*Bucket(nil), partitions...),
		last:      now,
	}
	a.resetLocked(now)
	return a, nil
}

// base is a partition's even share of the table's capacity.
func (a *Adaptive) base(p *Bucket) float64 {
	return p.capped(a.tableRate / float64(len(a.parts)))
}

func (a *Adaptive) resetLocked(now time.Time) {
	for _, p := range a.parts {
		p.SetRate(now, a.base(p))
		p.TakeUsage()
	}
}

// SetTableRate applies an UpdateTable: the partitions go back to their even
// share of the new capacity, and any boost must be earned again.
func (a *Adaptive) SetTableRate(now time.Time, unitsPerSecond float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !(unitsPerSecond >= 0) || math.IsInf(unitsPerSecond, 0) {
		unitsPerSecond = 0
	}
	a.tableRate = unitsPerSecond
	a.last = now
	a.resetLocked(now)
}

// SetPartitions replaces the table's partitions (after a split or a merge):
// every partition goes to its even share of the table's capacity, and any
// boost must be earned again.
func (a *Adaptive) SetPartitions(now time.Time, partitions []*Bucket) error {
	if len(partitions) == 0 {
		return fmt.Errorf("admission: adaptive capacity: no partitions")
	}
	for i, p := range partitions {
		if p == nil {
			return fmt.Errorf("admission: adaptive capacity: partition %d is nil", i)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.parts = append(a.parts[:0:0], partitions...)
	a.last = now
	a.resetLocked(now)
	return nil
}

// Rates returns each partition's current rate, in the order given to
// NewAdaptive.
func (a *Adaptive) Rates() []float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	rates := make([]float64, len(a.parts))
	for i, p := range a.parts {
		rates[i] = p.Rate()
	}
	return rates
}

// Step observes what each partition admitted and refused since the previous
// step and adjusts their rates at now. It returns the new rates. A step with
// no time elapsed since the previous one changes nothing.
func (a *Adaptive) Step(now time.Time) []float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	interval := now.Sub(a.last).Seconds()
	if interval <= 0 {
		rates := make([]float64, len(a.parts))
		for i, p := range a.parts {
			rates[i] = p.Rate()
		}
		return rates
	}
	a.last = now
	obs := make([]partitionObservation, len(a.parts))
	for i, p := range a.parts {
		u := p.TakeUsage()
		obs[i] = partitionObservation{
			rate:      p.Rate(),
			base:      a.base(p),
			max:       p.maxRate,
			consumed:  u.Consumed / interval,
			throttled: u.Throttled / interval,
		}
	}
	rates := adjustRates(a.tableRate, a.gain, obs)
	for i, p := range a.parts {
		if rates[i] != obs[i].rate {
			p.SetRate(now, rates[i])
		}
	}
	return rates
}

// partitionObservation is one partition's state over a step, rates in units
// per second.
type partitionObservation struct {
	rate, base, max     float64
	consumed, throttled float64
}

// adjustRates is the control law, a pure function of the observations.
func adjustRates(tableRate, gain float64, obs []partitionObservation) []float64 {
	rates := make([]float64, len(obs))
	var consumed, throttled, boost float64
	for i, o := range obs {
		rates[i] = o.rate
		consumed += o.consumed
		throttled += o.throttled
		if o.rate > o.base {
			boost += o.rate - o.base
		}
	}
	switch {
	case consumed > tableRate && boost > 0:
		// The table is over its capacity: take the loans back, largest
		// boost first in proportion.
		excess := consumed - tableRate
		for i, o := range obs {
			if o.rate <= o.base {
				continue
			}
			cut := gain * excess * (o.rate - o.base) / boost
			rates[i] = math.Max(o.base, o.rate-cut)
		}
	case consumed < tableRate && throttled > 0:
		// Throttled partitions while the table has capacity to spare: lend
		// it, in proportion to each partition's refused demand, never more
		// than the table leaves unused.
		unused := tableRate - consumed
		raises := make([]float64, len(obs))
		var total float64
		for i, o := range obs {
			if o.throttled <= 0 {
				continue
			}
			room := math.Inf(1)
			if o.max > 0 {
				room = o.max - o.rate
			}
			raises[i] = math.Max(0, math.Min(gain*o.throttled, room))
			total += raises[i]
		}
		scale := 1.0
		if total > unused {
			scale = unused / total
		}
		for i := range obs {
			rates[i] = obs[i].rate + raises[i]*scale
			if obs[i].max > 0 && rates[i] > obs[i].max {
				rates[i] = obs[i].max
			}
		}
	}
	return rates
}

// PartitionObservation is one partition's state over an interval, for
// AdjustRates: its current rate, its even share of the table (Base), its
// ceiling (Max, zero for none), and what it admitted and refused, all in
// units per second.
type PartitionObservation struct {
	Rate, Base, Max     float64
	Consumed, Throttled float64
}

// AdjustRates is adaptive capacity's control law over observations a host
// gathered itself (from partition leaders on other nodes, say), the same
// law Step applies to local buckets: throttled partitions borrow what the
// table leaves unused, in proportion to their refused demand and up to
// their ceiling; when the table consumes more than tableRate, boosted
// partitions give back in proportion to their boost. gain is in (0, 1]
// (zero means 0.5). It returns each partition's new rate.
func AdjustRates(tableRate, gain float64, obs []PartitionObservation) []float64 {
	if gain <= 0 || gain > 1 || math.IsNaN(gain) {
		gain = 0.5
	}
	in := make([]partitionObservation, len(obs))
	for i, o := range obs {
		in[i] = partitionObservation{rate: o.Rate, base: o.Base, max: o.Max, consumed: o.Consumed, throttled: o.Throttled}
	}
	return adjustRates(tableRate, gain, in)
}
