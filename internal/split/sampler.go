package split

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Sampler defaults and limits.
const (
	// DefaultHalfLife is the half-life of sampled load when Options.HalfLife
	// is zero: an access counts half as much a minute later.
	DefaultHalfLife = time.Minute
	// DefaultSamples is the number of accesses sampled per kind (reads,
	// writes) when Options.Samples is zero.
	DefaultSamples = 256
	// MaxSamples is the largest Options.Samples accepted.
	MaxSamples = 1 << 16
	// MaxUnits is the most capacity units one access may record; larger
	// figures (no DynamoDB request costs more than a few hundred units) are
	// ignored, so that one absurd figure cannot overflow the sums.
	MaxUnits = 1e15
	// SlotOverhead is the fixed size in bytes of one sample slot, before the
	// bytes of the key it holds (see the memory bound in the package doc).
	SlotOverhead = 48
)

// relandmarkAt is the decay exponent (natural log) past which the Sampler
// moves its landmark forward, so that forward-decayed weights, which grow
// as e^(λ(t-L)), stay far from float64 overflow (e^709).
const relandmarkAt = 400

// Options configures a Sampler. Zero values mean the defaults.
type Options struct {
	// HalfLife is how long it takes an access's weight to halve. Zero means
	// DefaultHalfLife. The last quarter of it is the window of "recent" load
	// a decision uses to see whether the load walks the key range.
	HalfLife time.Duration
	// Samples is the number of accesses kept in each of the two samples
	// (reads and writes). Zero means DefaultSamples. More samples give a
	// more precise median at a proportional cost in memory and decision
	// time.
	Samples int
	// Seed seeds the sampler's random priorities, so that a run replays
	// exactly.
	Seed uint64
}

// slot is one sampled access. Its layout is SlotOverhead bytes.
type slot struct {
	key []byte // a copy, in a buffer the slot reuses
	lnq float64
	lnw float64
	at  int64 // nanoseconds since the sampler's origin
}

// reservoir is the sample of one kind of access, and the exact decayed
// counters of that kind. slots is a min-heap on lnq holding at most
// Samples+1 accesses; once full, slots[0] is the (Samples+1)-th highest
// priority, τ, and the other Samples are the sample. The counters are
// forward-decayed sums relative to the sampler's landmark.
type reservoir struct {
	slots     []slot
	total     float64
	rightEdge float64
	leftEdge  float64
}

// Sampler records the load a partition serves per key, decayed over time,
// in a fixed amount of memory (see the package doc for the method and the
// bound). Times are always passed in; the Sampler never reads the clock.
// It is safe for concurrent use.
type Sampler struct {
	halfLife time.Duration
	lambda   float64 // ln 2 per nanosecond of half-life
	capacity int     // Samples+1 slots per reservoir
	origin   time.Time

	mu       sync.Mutex
	rng      *rand.Rand
	landmark int64 // nanoseconds since origin
	latest   int64 // the latest access time, nanoseconds since origin
	accessed bool
	maxKey   []byte
	minKey   []byte
	reads    reservoir
	writes   reservoir
}

// NewSampler returns an empty sampler. origin is any time at or before the
// first access; times are measured from it, so it only needs to be near
// the accesses (within a couple of centuries).
func NewSampler(opts Options, origin time.Time) (*Sampler, error) {
	if opts.HalfLife < 0 {
		return nil, fmt.Errorf("%w: HalfLife %v is negative", ErrInvalid, opts.HalfLife)
	}
	if opts.Samples < 0 || opts.Samples > MaxSamples {
		return nil, fmt.Errorf("%w: Samples %d is not in [0, %d]", ErrInvalid, opts.Samples, MaxSamples)
	}
	if opts.HalfLife == 0 {
		opts.HalfLife = DefaultHalfLife
	}
	if opts.Samples == 0 {
		opts.Samples = DefaultSamples
	}
	return &Sampler{
		halfLife: opts.HalfLife,
		lambda:   math.Ln2 / float64(opts.HalfLife),
		capacity: opts.Samples + 1,
		origin:   origin,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
	}, nil
}

// HalfLife returns the half-life of the sampled load.
func (s *Sampler) HalfLife() time.Duration { return s.halfLife }

// RecentWindow returns the span before a Load's time whose accesses count
// as recent: the last quarter of the half-life.
func (s *Sampler) RecentWindow() time.Duration { return s.halfLife / 4 }

// RecordRead records a read of units read capacity units at key, served at
// time at. Units that are not a number in (0, MaxUnits] are ignored. The
// key is copied.
func (s *Sampler) RecordRead(key []byte, units float64, at time.Time) {
	s.record(false, key, units, at)
}

// RecordWrite records a write of units write capacity units at key, applied
// at time at. Units that are not a number in (0, MaxUnits] are ignored. The
// key is copied.
func (s *Sampler) RecordWrite(key []byte, units float64, at time.Time) {
	s.record(true, key, units, at)
}

func (s *Sampler) record(write bool, key []byte, units float64, at time.Time) {
	if !(units > 0 && units <= MaxUnits) {
		return
	}
	t := int64(at.Sub(s.origin))
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.accessed || t > s.latest {
		s.latest = t
	}
	if s.lambda*float64(t-s.landmark) > relandmarkAt {
		s.moveLandmark(t)
	}
	r := &s.reads
	if write {
		r = &s.writes
	}
	exponent := s.lambda * float64(t-s.landmark)
	weight := units * math.Exp(exponent)
	r.total += weight

	// Edges: a key beyond every key accessed before it.
	switch {
	case !s.accessed:
		s.maxKey = append(s.maxKey[:0], key...)
		s.minKey = append(s.minKey[:0], key...)
		s.accessed = true
	case bytes.Compare(key, s.maxKey) > 0:
		r.rightEdge += weight
		s.maxKey = append(s.maxKey[:0], key...)
	case bytes.Compare(key, s.minKey) < 0:
		r.leftEdge += weight
		s.minKey = append(s.minKey[:0], key...)
	}

	// Priority w/u with u uniform in (0,1]: ln w + Exp(1).
	lnw := math.Log(units) + exponent
	lnq := lnw + s.rng.ExpFloat64()
	switch {
	case len(r.slots) < s.capacity:
		if r.slots == nil {
			r.slots = make([]slot, 0, s.capacity)
		}
		r.slots = append(r.slots, slot{key: append([]byte(nil), key...), lnq: lnq, lnw: lnw, at: t})
		siftUp(r.slots, len(r.slots)-1)
	case lnq > r.slots[0].lnq:
		root := &r.slots[0]
		root.key = append(root.key[:0], key...)
		root.lnq, root.lnw, root.at = lnq, lnw, t
		siftDown(r.slots, 0)
	}
}

// moveLandmark rebases every forward-decayed figure on a landmark at t.
// Priorities all shift by the same amount, so the sample does not change.
func (s *Sampler) moveLandmark(t int64) {
	shift := s.lambda * float64(t-s.landmark)
	scale := math.Exp(-shift)
	for _, r := range []*reservoir{&s.reads, &s.writes} {
		r.total *= scale
		r.rightEdge *= scale
		r.leftEdge *= scale
		for i := range r.slots {
			r.slots[i].lnq -= shift
			r.slots[i].lnw -= shift
		}
	}
	s.landmark = t
}

func siftUp(h []slot, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].lnq <= h[i].lnq {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func siftDown(h []slot, i int) {
	for {
		smallest := i
		if left := 2*i + 1; left < len(h) && h[left].lnq < h[smallest].lnq {
			smallest = left
		}
		if right := 2*i + 2; right < len(h) && h[right].lnq < h[smallest].lnq {
			smallest = right
		}
		if smallest == i {
			return
		}
		h[i], h[smallest] = h[smallest], h[i]
		i = smallest
	}
}

// MemoryBytes returns the bytes the sampler holds for its samples and edge
// keys: slots and the capacity of every key buffer. It stays within the
// bound in the package doc whatever the number of distinct keys recorded.
func (s *Sampler) MemoryBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := cap(s.maxKey) + cap(s.minKey)
	for _, r := range []*reservoir{&s.reads, &s.writes} {
		total += cap(r.slots) * SlotOverhead
		for i := range r.slots {
			total += cap(r.slots[i].key)
		}
	}
	return total
}

// KeyLoad is the estimated decayed load of one key in a Load: the sum of
// the estimates of its sampled accesses. Read is in read capacity units,
// Write in write capacity units; an access of u units t ago counts
// u·2^(-t/HalfLife). RecentRead and RecentWrite are the parts from accesses
// in the recent window. Samples and RecentSamples count the sampled
// accesses behind the figures, a measure of their precision.
type KeyLoad struct {
	Key           []byte
	Read          float64
	Write         float64
	RecentRead    float64
	RecentWrite   float64
	Samples       int
	RecentSamples int
}

// Totals are exact decayed sums over every access of one kind recorded, not
// estimates: the whole load, and the load of accesses that landed on a new
// right edge (a key above every key accessed before it) or a new left edge
// (below every key before it).
type Totals struct {
	Load      float64
	RightEdge float64
	LeftEdge  float64
}

// Load is a sampler's picture of a partition's load at one time, the input
// of DecideConsumption.
type Load struct {
	// At is the time the load is decayed to.
	At time.Time
	// RecentWindow is the span before At whose accesses are recent.
	RecentWindow time.Duration
	// Keys holds the sampled keys in ascending order (bytes.Compare), each
	// once, with its estimated load.
	Keys []KeyLoad
	// Samples is the number of sampled accesses behind Keys, and
	// RecentSamples the number of them in the recent window.
	Samples       int
	RecentSamples int
	// Reads and Writes are the exact decayed totals of each kind.
	Reads  Totals
	Writes Totals
}

// sampled is one access of a reservoir with its estimate at the Load's time.
type sampled struct {
	key      []byte
	estimate float64
	recent   bool
	write    bool
}

// Load returns the sampled load decayed to now. A now earlier than the
// latest access recorded is taken as that access's time, so a clock that
// steps back does not inflate the load. The Load shares no memory with the
// sampler.
func (s *Sampler) Load(now time.Time) Load {
	s.mu.Lock()
	defer s.mu.Unlock()
	load := Load{At: now, RecentWindow: s.halfLife / 4}
	if !s.accessed {
		return load
	}
	n := int64(now.Sub(s.origin))
	if n < s.latest {
		n = s.latest
		load.At = s.origin.Add(time.Duration(n))
	}
	shift := s.lambda * float64(n-s.landmark)
	recentFrom := n - int64(load.RecentWindow)
	scale := math.Exp(-shift)

	all := make([]sampled, 0, len(s.reads.slots)+len(s.writes.slots))
	keyBytes := 0
	for _, r := range []*reservoir{&s.reads, &s.writes} {
		write := r == &s.writes
		totals := Totals{Load: r.total * scale, RightEdge: r.rightEdge * scale, LeftEdge: r.leftEdge * scale}
		if write {
			load.Writes = totals
		} else {
			load.Reads = totals
		}
		slots := r.slots
		lnTau := math.Inf(-1)
		if len(slots) == s.capacity {
			lnTau = slots[0].lnq
			slots = slots[1:]
		}
		for i := range slots {
			sl := &slots[i]
			keyBytes += len(sl.key)
			all = append(all, sampled{
				key:      sl.key,
				estimate: math.Exp(max(sl.lnw, lnTau) - shift),
				recent:   sl.at >= recentFrom,
				write:    write,
			})
		}
	}
	slices.SortFunc(all, func(a, b sampled) int { return bytes.Compare(a.key, b.key) })
	load.Samples = len(all)
	load.Keys = make([]KeyLoad, 0, len(all))
	arena := make([]byte, 0, keyBytes) // one allocation for every key copied out
	for _, a := range all {
		if len(load.Keys) == 0 || !bytes.Equal(load.Keys[len(load.Keys)-1].Key, a.key) {
			start := len(arena)
			arena = append(arena, a.key...)
			load.Keys = append(load.Keys, KeyLoad{Key: arena[start:len(arena):len(arena)]})
		}
		k := &load.Keys[len(load.Keys)-1]
		k.Samples++
		if a.write {
			k.Write += a.estimate
		} else {
			k.Read += a.estimate
		}
		if a.recent {
			load.RecentSamples++
			k.RecentSamples++
			if a.write {
				k.RecentWrite += a.estimate
			} else {
				k.RecentRead += a.estimate
			}
		}
	}
	return load
}
