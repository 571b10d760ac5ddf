// Package gate is a storage node's admission control: the token buckets of
// the partitions it hosts (internal/admission's Bucket, one for reads and
// one for writes per partition) in front of the node's own buckets, and the
// metrics of what it admitted and refused.
//
// The control plane sets each partition's Limits (its share of the table's
// capacity, capped at the partition maximum) on every replica's node; a
// partition without limits is not throttled. A request is admitted before
// it runs on an estimate of its cost (a write by the size of the item it
// carries, a read by one item of 4 KB); once it has run, what it consumed
// beyond the estimate is charged, into debt if need be, so that later
// requests pay for large items.
package gate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/clock"
)

// Limits are one partition's admission settings.
type Limits struct {
	// Table names the partition's table in metrics; Partition names the
	// partition in metrics and throttling errors.
	Table     string
	Partition string
	// ReadRate and WriteRate are the partition's capacity in units per
	// second.
	ReadRate, WriteRate float64
	// OnDemand marks a PAY_PER_REQUEST table: refusals are
	// ThrottlingException rather than ProvisionedThroughputExceededException.
	OnDemand bool
}

// Options configures a Gate.
type Options struct {
	// Node names the node in throttling errors.
	Node string
	// NodeReadRate and NodeWriteRate cap what the node admits across all
	// partitions, in units per second; zero means no cap.
	NodeReadRate, NodeWriteRate float64
	// Clock tells the buckets the time; nil is the wall clock.
	Clock clock.Clock
}

// Gate admits the requests of one node's partitions. It is safe for
// concurrent use.
type Gate struct {
	clock               clock.Clock
	nodeRead, nodeWrite *admission.NodeBucket
	metrics             admission.Metrics

	// mu guards groups, the buckets of each partition with limits.
	mu     sync.RWMutex
	groups map[uint64]*entry
}

// entry is one partition's limits and buckets. It is immutable once in
// groups (the buckets lock themselves).
type entry struct {
	limits      Limits
	read, write *admission.Bucket
}

// New returns a gate with no partition limits.
func New(opts Options) (*Gate, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	g := &Gate{clock: opts.Clock, groups: map[uint64]*entry{}}
	now := opts.Clock.Now()
	var err error
	if opts.NodeReadRate > 0 {
		if g.nodeRead, err = admission.NewNodeBucket(admission.NodeOptions{Resource: opts.Node, Rate: opts.NodeReadRate}, now); err != nil {
			return nil, err
		}
	}
	if opts.NodeWriteRate > 0 {
		if g.nodeWrite, err = admission.NewNodeBucket(admission.NodeOptions{Resource: opts.Node, Rate: opts.NodeWriteRate}, now); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Set gives partition group its limits, creating its buckets or changing
// their rates (what they have banked stays).
func (g *Gate) Set(group uint64, l Limits) error {
	for _, r := range []float64{l.ReadRate, l.WriteRate} {
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("gate: partition %d: rate %v is not a finite, non-negative number", group, r)
		}
	}
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.groups[group]; ok && e.limits.OnDemand == l.OnDemand && e.limits.Partition == l.Partition {
		e.read.SetRate(now, l.ReadRate)
		e.write.SetRate(now, l.WriteRate)
		// Entries are read without the lock once fetched: replace, never
		// modify.
		g.groups[group] = &entry{limits: l, read: e.read, write: e.write}
		return nil
	}
	read, err := admission.NewBucket(admission.BucketOptions{Resource: l.Partition, Rate: l.ReadRate,
		MaxRate: admission.PartitionMaxRead, OnDemand: l.OnDemand}, now)
	if err != nil {
		return err
	}
	write, err := admission.NewBucket(admission.BucketOptions{Resource: l.Partition, Rate: l.WriteRate,
		MaxRate: admission.PartitionMaxWrite, OnDemand: l.OnDemand}, now)
	if err != nil {
		return err
	}
	g.groups[group] = &entry{limits: l, read: read, write: write}
	return nil
}

// Limits returns partition group's limits, if it has any.
func (g *Gate) Limits(group uint64) (Limits, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	e, ok := g.groups[group]
	if !ok {
		return Limits{}, false
	}
	return e.limits, true
}

// Remove drops partition group's limits and buckets.
func (g *Gate) Remove(group uint64) {
	g.mu.Lock()
	delete(g.groups, group)
	g.mu.Unlock()
}

func (g *Gate) entry(group uint64) *entry {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.groups[group]
}

func (e *entry) bucket(kind admission.Kind) *admission.Bucket {
	if kind == admission.Write {
		return e.write
	}
	return e.read
}

func (g *Gate) node(kind admission.Kind) *admission.NodeBucket {
	if kind == admission.Write {
		return g.nodeWrite
	}
	return g.nodeRead
}

// Admit admits a request of group estimated to cost units of kind, or
// returns the throttling exception of the bucket that refused it. A
// partition without limits admits everything.
func (g *Gate) Admit(group uint64, kind admission.Kind, units float64) error {
	e := g.entry(group)
	if e == nil {
		return nil
	}
	err := admission.Admit(g.clock.Now(), units, e.bucket(kind), g.node(kind))
	if err != nil {
		g.metrics.RecordThrottle(e.limits.Table, e.limits.Partition, err)
		return err
	}
	return nil
}

// Refund gives back the units admitted for a request of group that then did
// not run (see admission.Bucket.Refund).
func (g *Gate) Refund(group uint64, kind admission.Kind, units float64) {
	if e := g.entry(group); e != nil {
		e.bucket(kind).Refund(units)
	}
}

// Done records what an admitted request of group consumed, and charges what
// it consumed beyond the estimate admitted for it.
func (g *Gate) Done(group uint64, kind admission.Kind, estimate, consumed float64, latency time.Duration) {
	e := g.entry(group)
	if e == nil {
		return
	}
	if extra := consumed - estimate; extra > 0 {
		e.bucket(kind).Charge(g.clock.Now(), extra)
	}
	g.metrics.RecordConsumed(e.limits.Table, e.limits.Partition, kind, consumed)
	g.metrics.RecordLatency(e.limits.Table, e.limits.Partition, latency)
}

// Stats returns a snapshot of the gate's metrics: units consumed, requests
// admitted and throttled by reason, and latency, per table and partition.
func (g *Gate) Stats() admission.Stats {
	return g.metrics.Stats()
}

// GroupUsage is what one partition's buckets admitted and refused since the
// previous TakeUsage, with the rates they run at.
type GroupUsage struct {
	Group               uint64
	Read, Write         admission.Usage
	ReadRate, WriteRate float64
}

// TakeUsage returns the usage of every partition with limits since the
// previous call, by ascending group, and starts a new interval: the
// observations of adaptive capacity.
func (g *Gate) TakeUsage() []GroupUsage {
	g.mu.RLock()
	out := make([]GroupUsage, 0, len(g.groups))
	for group, e := range g.groups {
		out = append(out, GroupUsage{Group: group, Read: e.read.TakeUsage(), Write: e.write.TakeUsage(),
			ReadRate: e.read.Rate(), WriteRate: e.write.Rate()})
	}
	g.mu.RUnlock()
	slices.SortFunc(out, func(a, b GroupUsage) int { return cmp.Compare(a.Group, b.Group) })
	return out
}
