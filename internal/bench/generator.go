package bench

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// ZipfianTheta is YCSB's zipfian constant: the skew of its request
// distribution (the item of rank i is drawn with probability proportional
// to 1/i^0.99).
const ZipfianTheta = 0.99

// scrambledItems and scrambledZeta are the item space of YCSB's scrambled
// zipfian and zeta(scrambledItems, 0.99) for it, as YCSB precomputes it:
// summing ten billion terms at start-up would take minutes.
const (
	scrambledItems = 10_000_000_000
	scrambledZeta  = 26.46902820178302
)

// KeyChooser picks the record an operation touches among count records
// numbered 0 to count-1. A chooser keeps state between calls and is not
// safe for concurrent use: each worker has its own.
type KeyChooser interface {
	Next(r *rand.Rand, count uint64) uint64
}

// Uniform picks every record with the same probability.
type Uniform struct{}

// Next returns a record number drawn uniformly from [0, count).
func (Uniform) Next(r *rand.Rand, count uint64) uint64 {
	if count == 0 {
		return 0
	}
	return r.Uint64N(count)
}

// Zipfian draws ranks 0, 1, 2, ... with probability proportional to
// 1/(rank+1)^theta, by the method of Gray et al., "Quickly Generating
// Billion-Record Synthetic Databases" (SIGMOD 1994), as YCSB uses it: one
// uniform draw per value, constant time, after computing zeta(n, theta) =
// sum over i in 1..n of 1/i^theta once. When the item count grows, zeta
// is extended by the new terms only.
type Zipfian struct {
	theta, alpha, zeta2 float64
	items               uint64 // the count zetan covers
	zetan, eta          float64
}

// NewZipfian returns a zipfian chooser with skew theta (0 < theta < 1)
// over items items.
func NewZipfian(items uint64, theta float64) *Zipfian {
	z := &Zipfian{theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(0, 2, theta, 0)}
	z.grow(max(items, 1))
	return z
}

func newZipfianWithZeta(items uint64, theta, zetan float64) *Zipfian {
	z := &Zipfian{theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(0, 2, theta, 0), items: items, zetan: zetan}
	z.eta = z.computeEta()
	return z
}

// zeta extends sum, the zeta sum of the first from terms, to the first to
// terms.
func zeta(from, to uint64, theta, sum float64) float64 {
	for i := from; i < to; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

func (z *Zipfian) computeEta() float64 {
	return (1 - math.Pow(2/float64(z.items), 1-z.theta)) / (1 - z.zeta2/z.zetan)
}

// grow sets the item count to items, extending zeta or, for fewer items,
// computing it again.
func (z *Zipfian) grow(items uint64) {
	if items < z.items {
		z.items, z.zetan = 0, 0
	}
	z.zetan = zeta(z.items, items, z.theta, z.zetan)
	z.items = items
	z.eta = z.computeEta()
}

// Next returns a rank in [0, count): 0 is the most likely.
func (z *Zipfian) Next(r *rand.Rand, count uint64) uint64 {
	if count <= 1 {
		return 0
	}
	if count != z.items {
		z.grow(count)
	}
	u := r.Float64()
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < 1+math.Pow(0.5, z.theta) {
		return 1
	}
	rank := uint64(float64(z.items) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	return min(rank, z.items-1)
}

// ScrambledZipfian is YCSB's default request distribution: zipfian ranks
// (theta 0.99) over a space of ten billion items, each hashed (FNV-1a) and
// reduced modulo the record count, so the popular records are scattered over
// the key space instead of being the first ones inserted. The skew is
// close to a zipfian over the records themselves.
type ScrambledZipfian struct {
	ranks *Zipfian
}

// NewScrambledZipfian returns YCSB's scrambled zipfian chooser.
func NewScrambledZipfian() *ScrambledZipfian {
	return &ScrambledZipfian{ranks: newZipfianWithZeta(scrambledItems, ZipfianTheta, scrambledZeta)}
}

// Next returns a record number in [0, count).
func (s *ScrambledZipfian) Next(r *rand.Rand, count uint64) uint64 {
	if count == 0 {
		return 0
	}
	return fnv64(s.ranks.Next(r, scrambledItems)) % count
}

// Latest favours the records inserted last (YCSB's "latest", for workload
// D): the most recent record is the most likely, then the one before it,
// with zipfian skew over recency.
type Latest struct {
	recency *Zipfian
}

// NewLatest returns a chooser skewed to the most recent records.
func NewLatest() *Latest { return &Latest{recency: NewZipfian(1, ZipfianTheta)} }

// Next returns a record number in [0, count), count-1 the most likely.
func (l *Latest) Next(r *rand.Rand, count uint64) uint64 {
	if count == 0 {
		return 0
	}
	return count - 1 - l.recency.Next(r, count)
}

// CompositeZipfian is the DynamoDB-shaped chooser: records are grouped
// ItemsPerPartition to a partition key (record n is item n mod
// ItemsPerPartition of partition n div ItemsPerPartition); the partition is
// drawn from a scrambled zipfian, the item in it uniformly. Hot partition
// keys, not hot items, are what DynamoDB's partitions see.
type CompositeZipfian struct {
	// ItemsPerPartition is how many sort keys share a partition key.
	ItemsPerPartition uint64
	partitions        *ScrambledZipfian
}

// NewCompositeZipfian returns a chooser over partitions of itemsPerPartition
// records each (at least 1).
func NewCompositeZipfian(itemsPerPartition uint64) *CompositeZipfian {
	return &CompositeZipfian{ItemsPerPartition: max(itemsPerPartition, 1), partitions: NewScrambledZipfian()}
}

// Next returns a record number in [0, count).
func (c *CompositeZipfian) Next(r *rand.Rand, count uint64) uint64 {
	if count == 0 {
		return 0
	}
	partitions := (count + c.ItemsPerPartition - 1) / c.ItemsPerPartition
	p := c.partitions.Next(r, partitions)
	items := min(c.ItemsPerPartition, count-p*c.ItemsPerPartition) // the last partition may be short
	return p*c.ItemsPerPartition + r.Uint64N(items)
}

// fnv64 is 64-bit FNV-1a over the eight bytes of v, low byte first (YCSB's
// FNVhash64), less the sign bit.
func fnv64(v uint64) uint64 {
	const (
		offset = 0xCBF29CE484222325
		prime  = 1099511628211
	)
	h := uint64(offset)
	for range 8 {
		h ^= v & 0xff
		h *= prime
		v >>= 8
	}
	return h &^ (1 << 63)
}

// ackCounter hands out the numbers of new records and tracks how many are
// readable: Limit is the length of the prefix 0..Limit-1 whose inserts have
// all been acknowledged, so a chooser never picks a record whose insert is
// still in flight (YCSB's AcknowledgedCounterGenerator). Next and Limit
// take no lock; Acknowledge, once per insert, does.
type ackCounter struct {
	next    atomic.Uint64
	limit   atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]struct{}
}

func newAckCounter(start uint64) *ackCounter {
	a := &ackCounter{pending: make(map[uint64]struct{})}
	a.next.Store(start)
	a.limit.Store(start)
	return a
}

// Next returns the number for a new record.
func (a *ackCounter) Next() uint64 { return a.next.Add(1) - 1 }

// Limit returns how many records are known to exist.
func (a *ackCounter) Limit() uint64 { return a.limit.Load() }

// Acknowledge records that the insert of record n finished (successfully
// or not: a failed insert must not hold up the others).
func (a *ackCounter) Acknowledge(n uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending[n] = struct{}{}
	limit := a.limit.Load()
	for {
		if _, ok := a.pending[limit]; !ok {
			break
		}
		delete(a.pending, limit)
		limit++
	}
	a.limit.Store(limit)
}
