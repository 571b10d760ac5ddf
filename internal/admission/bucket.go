package admission

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// Per-partition ceilings: every partition strives to serve 3,000 read units
// and 1,000 write units per second (DynamoDB Developer Guide,
// bp-partition-key-design), whatever the table's capacity.
const (
	PartitionMaxRead  = 3000.0
	PartitionMaxWrite = 1000.0
)

// DefaultBurstSeconds is how much unused capacity a partition banks: DynamoDB
// retains up to 300 seconds of unused read and write capacity.
const DefaultBurstSeconds = 300.0

// tokensPerUnit is the resolution of the buckets: x/time/rate counts whole
// tokens, capacity comes in halves (an eventually consistent 4 KB read), and
// adaptive rates are fractional, so a token is a thousandth of a unit.
const tokensPerUnit = 1000

// maxTokens bounds token counts at half of what an int holds, so sums of
// them cannot overflow.
const maxTokens = math.MaxInt >> 1

// toTokens converts units to tokens, rounding up so that a bucket never
// admits more than it was asked to.
func toTokens(units float64) int {
	if !(units > 0) {
		return 0
	}
	t := math.Ceil(units*tokensPerUnit - 1e-6)
	if t > maxTokens {
		return maxTokens
	}
	return int(t)
}

func toUnits(tokens float64) float64 { return tokens / tokensPerUnit }

// burstTokens is the bucket size for a rate and a number of seconds: at least
// one token while the rate is positive, so a tiny rate still admits.
func burstTokens(unitsPerSecond, seconds float64) int {
	if !(unitsPerSecond > 0) {
		return 0
	}
	b := math.Floor(unitsPerSecond * seconds * tokensPerUnit)
	if b < 1 {
		return 1
	}
	if b > maxTokens {
		return maxTokens
	}
	return int(b)
}

// monotonic returns now, or last when now is earlier. x/time/rate moves its
// own notion of "last" back when given an earlier time and would then count
// the same interval twice; buckets never let time go backwards.
func monotonic(last *time.Time, now time.Time) time.Time {
	if now.Before(*last) {
		return *last
	}
	*last = now
	return now
}

// delayFor is how long lim needs before it holds need tokens.
func delayFor(lim *rate.Limiter, now time.Time, need float64) time.Duration {
	have := lim.TokensAt(now)
	if have >= need {
		return 0
	}
	r := float64(lim.Limit())
	if r <= 0 {
		return maxRetryAfter
	}
	d := time.Duration((need - have) / r * float64(time.Second))
	if d <= 0 {
		d = time.Nanosecond
	}
	return d
}

// BucketOptions configures a Bucket. Zero values mean the defaults noted on
// each field.
type BucketOptions struct {
	// Resource names what the bucket guards (a partition, a table, an index);
	// it is reported in throttling errors.
	Resource string
	// Rate is the refill rate in capacity units per second: the partition's
	// share of its table's capacity.
	Rate float64
	// MaxRate caps Rate, including any adaptive boost: PartitionMaxRead or
	// PartitionMaxWrite for a partition. Zero means no cap.
	MaxRate float64
	// BurstSeconds is how many seconds of unused capacity the bucket banks.
	// Zero means DefaultBurstSeconds (300).
	BurstSeconds float64
	// Reason is reported when the bucket refuses. Zero means
	// dberr.ThrottlePartition.
	Reason dberr.ThrottleReason
	// OnDemand makes refusals ThrottlingException instead of
	// ProvisionedThroughputExceededException.
	OnDemand bool
}

// Usage is what a bucket admitted and refused over an interval, in capacity
// units.
type Usage struct {
	// Consumed is the units admitted.
	Consumed float64
	// Throttled is the units the bucket itself refused (a refusal by the node
	// bucket is not counted: it says nothing about the partition's demand
	// exceeding its own rate).
	Throttled float64
}

// Bucket is a partition's token bucket, kept by the partition's leader. It
// refills at the partition's rate and banks up to BurstSeconds of unused
// capacity, so a partition idle for 300 s may then admit 300 s worth at once.
//
// Inside, two x/time/rate limiters run at the same rate: the bank (burst =
// BurstSeconds of tokens) decides admission, and the allocation meter (burst
// = one second of tokens) tells whether a request is within the partition's
// allocated rate or is spending banked burst. Burst requests are admitted by
// a NodeBucket only from capacity the node has spare.
//
// A Bucket is safe for concurrent use.
type Bucket struct {
	mu           sync.Mutex
	resource     string
	reason       dberr.ThrottleReason
	onDemand     bool
	maxRate      float64
	burstSeconds float64
	rate         float64
	bank         *rate.Limiter
	alloc        *rate.Limiter
	bankBurst    int // bank.Burst() and alloc.Burst(), kept here to spare
	allocBurst   int // the limiters' locks on the admit path
	last         time.Time
	usage        Usage
	// refunded holds tokens given back by Refund, spent before the bank's;
	// at most allocBurst.
	refunded int
}

// NewBucket returns a bucket configured by opts that starts, at now, with one
// second of capacity banked: burst is earned by leaving capacity unused.
func NewBucket(opts BucketOptions, now time.Time) (*Bucket, error) {
	if opts.Rate < 0 || math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("admission: bucket %q: rate %v is not a finite, non-negative number", opts.Resource, opts.Rate)
	}
	if opts.MaxRate < 0 || math.IsNaN(opts.MaxRate) || math.IsInf(opts.MaxRate, 0) {
		return nil, fmt.Errorf("admission: bucket %q: max rate %v is not a finite, non-negative number", opts.Resource, opts.MaxRate)
	}
	if opts.BurstSeconds < 0 || math.IsNaN(opts.BurstSeconds) || math.IsInf(opts.BurstSeconds, 0) {
		return nil, fmt.Errorf("admission: bucket %q: burst seconds %v is not a finite, non-negative number", opts.Resource, opts.BurstSeconds)
	}
	if opts.BurstSeconds == 0 {
		opts.BurstSeconds = DefaultBurstSeconds
	}
	if opts.Reason == "" {
		opts.Reason = dberr.ThrottlePartition
	}
	b := &Bucket{
		resource:     opts.Resource,
		reason:       opts.Reason,
		onDemand:     opts.OnDemand,
		maxRate:      opts.MaxRate,
		burstSeconds: opts.BurstSeconds,
		last:         now,
	}
	b.rate = b.capped(opts.Rate)
	b.bankBurst = burstTokens(b.rate, b.burstSeconds)
	b.allocBurst = burstTokens(b.rate, 1)
	b.bank = rate.NewLimiter(rate.Limit(b.rate*tokensPerUnit), b.bankBurst)
	b.alloc = rate.NewLimiter(rate.Limit(b.rate*tokensPerUnit), b.allocBurst)
	// A new limiter is full; leave one second in the bank.
	if extra := b.bankBurst - b.allocBurst; extra > 0 {
		b.bank.AllowN(now, extra)
	}
	b.alloc.AllowN(now, 0)
	return b, nil
}

func (b *Bucket) capped(r float64) float64 {
	if !(r > 0) || math.IsInf(r, 1) {
		return 0
	}
	if b.maxRate > 0 && r > b.maxRate {
		return b.maxRate
	}
	return r
}

// Resource returns the name the bucket reports in throttling errors.
func (b *Bucket) Resource() string { return b.resource }

// MaxRate returns the cap on the bucket's rate, 0 for none.
func (b *Bucket) MaxRate() float64 { return b.maxRate }

// Rate returns the refill rate in units per second.
func (b *Bucket) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}

// Burst returns the most units the bucket can bank.
func (b *Bucket) Burst() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return toUnits(float64(b.bankBurst))
}

// Available returns the units banked at now.
func (b *Bucket) Available(now time.Time) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now = monotonic(&b.last, now)
	return toUnits(b.bank.TokensAt(now))
}

// SetRate changes the refill rate at now, capped at MaxRate: UpdateTable, a
// split, or adaptive capacity. Tokens banked until now were earned at the old
// rate and are kept, up to the new burst size (BurstSeconds of the new
// rate): x/time/rate credits the elapsed time at the old rate before
// switching, and clamps the bank to the new burst on its next use. A rate
// that is negative or not finite is taken as zero.
func (b *Bucket) SetRate(now time.Time, unitsPerSecond float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now = monotonic(&b.last, now)
	r := b.capped(unitsPerSecond)
	b.rate = r
	b.bankBurst = burstTokens(r, b.burstSeconds)
	b.allocBurst = burstTokens(r, 1)
	b.bank.SetLimitAt(now, rate.Limit(r*tokensPerUnit))
	b.bank.SetBurstAt(now, b.bankBurst)
	b.alloc.SetLimitAt(now, rate.Limit(r*tokensPerUnit))
	b.alloc.SetBurstAt(now, b.allocBurst)
}

// TakeUsage returns the units admitted and refused since the previous call
// and starts a new interval.
func (b *Bucket) TakeUsage() Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.usage
	b.usage = Usage{}
	return u
}

// Charge takes units from the bucket at now without refusing: what a request
// turned out to consume beyond the units admitted for it before it ran (a
// read whose items were larger than estimated). The bank may go into debt,
// which later requests wait out. Units that are not finite and positive
// charge nothing.
func (b *Bucket) Charge(now time.Time, units float64) {
	if !validAmount(units) || units == 0 {
		return
	}
	tokens := toTokens(units)
	b.mu.Lock()
	defer b.mu.Unlock()
	now = monotonic(&b.last, now)
	if b.bankBurst == 0 {
		return
	}
	// A reservation within the burst always succeeds; kept, it leaves the
	// limiter's tokens below zero.
	b.bank.ReserveN(now, min(tokens, b.bankBurst))
	b.alloc.ReserveN(now, min(tokens, b.allocBurst))
	b.usage.Consumed += units
}

// Refund gives back units admitted for a request that then did not run:
// refused before it was proposed (this replica was not the leader, or raft
// dropped the proposal), so that a request that is redirected or retried
// does not pay twice. Refunds are spent before the bank and held up to one
// second of the rate; units that are not finite and positive refund
// nothing.
func (b *Bucket) Refund(units float64) {
	if !validAmount(units) || units == 0 {
		return
	}
	tokens := toTokens(units)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refunded = min(b.refunded+tokens, b.allocBurst)
	b.usage.Consumed = max(b.usage.Consumed-units, 0)
}

// Admit admits units at now from this bucket alone; see the package-level
// Admit for a partition and its node.
func (b *Bucket) Admit(now time.Time, units float64) error {
	return Admit(now, units, b, nil)
}

// NodeOptions configures a NodeBucket. Zero values mean the defaults noted on
// each field.
type NodeOptions struct {
	// Resource names the node in throttling errors.
	Resource string
	// Rate is the most capacity units per second the node serves across all
	// tables and partitions.
	Rate float64
	// BurstSeconds is how much unused node capacity is kept: zero means one
	// second.
	BurstSeconds float64
	// Reserve is the fraction of the node bucket that burst requests may not
	// take, kept for requests within their partition's allocated rate. Zero
	// means 0.2; it must be below 1.
	Reserve float64
}

// NodeBucket caps what one storage node admits across every table it hosts.
// A request within its partition's allocated rate takes node tokens while
// there are any; a request spending its partition's banked burst is admitted
// only while the node keeps its reserve after it, so a table that bursts (or
// floods) cannot take what the other tables on the node were allocated.
//
// A NodeBucket is safe for concurrent use.
type NodeBucket struct {
	mu       sync.Mutex
	resource string
	lim      *rate.Limiter
	burst    int // lim.Burst(), kept here to spare the limiter's lock
	reserve  float64
	seconds  float64
	last     time.Time
}

// NewNodeBucket returns a node bucket configured by opts, full at now.
func NewNodeBucket(opts NodeOptions, now time.Time) (*NodeBucket, error) {
	if opts.Rate < 0 || math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("admission: node bucket %q: rate %v is not a finite, non-negative number", opts.Resource, opts.Rate)
	}
	if opts.BurstSeconds < 0 || math.IsNaN(opts.BurstSeconds) || math.IsInf(opts.BurstSeconds, 0) {
		return nil, fmt.Errorf("admission: node bucket %q: burst seconds %v is not a finite, non-negative number", opts.Resource, opts.BurstSeconds)
	}
	if opts.Reserve < 0 || opts.Reserve >= 1 || math.IsNaN(opts.Reserve) {
		return nil, fmt.Errorf("admission: node bucket %q: reserve %v is not in [0, 1)", opts.Resource, opts.Reserve)
	}
	if opts.BurstSeconds == 0 {
		opts.BurstSeconds = 1
	}
	if opts.Reserve == 0 {
		opts.Reserve = 0.2
	}
	n := &NodeBucket{
		resource: opts.Resource,
		reserve:  opts.Reserve,
		seconds:  opts.BurstSeconds,
		last:     now,
	}
	n.burst = burstTokens(opts.Rate, opts.BurstSeconds)
	n.lim = rate.NewLimiter(rate.Limit(opts.Rate*tokensPerUnit), n.burst)
	n.lim.AllowN(now, 0)
	return n, nil
}

// Resource returns the name the node bucket reports in throttling errors.
func (n *NodeBucket) Resource() string { return n.resource }

// Rate returns the node's capacity in units per second.
func (n *NodeBucket) Rate() float64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return toUnits(float64(n.lim.Limit()))
}

// SetRate changes the node's capacity at now; a rate that is negative or not
// finite is taken as zero.
func (n *NodeBucket) SetRate(now time.Time, unitsPerSecond float64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now = monotonic(&n.last, now)
	if !(unitsPerSecond > 0) || math.IsInf(unitsPerSecond, 1) {
		unitsPerSecond = 0
	}
	n.burst = burstTokens(unitsPerSecond, n.seconds)
	n.lim.SetLimitAt(now, rate.Limit(unitsPerSecond*tokensPerUnit))
	n.lim.SetBurstAt(now, n.burst)
}

// Available returns the units the node bucket holds at now.
func (n *NodeBucket) Available(now time.Time) float64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	now = monotonic(&n.last, now)
	return toUnits(n.lim.TokensAt(now))
}

// take admits tokens at now, or returns how long until it could.
func (n *NodeBucket) take(now time.Time, tokens int, burst bool) (bool, time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now = monotonic(&n.last, now)
	if tokens > 0 && n.burst == 0 {
		// A node with no capacity admits nothing.
		return false, maxRetryAfter
	}
	tokens = min(tokens, n.burst)
	need := float64(tokens)
	if burst {
		need += n.reserve * float64(n.burst)
	}
	if n.lim.TokensAt(now) < need {
		return false, delayFor(n.lim, now, need)
	}
	n.lim.AllowN(now, tokens)
	return true, 0
}

// Admit decides whether a request costing units may run at now on partition
// p of node n (n may be nil). The partition is asked first, then the node; a
// request the node refuses gives its partition tokens back (the partition's
// reservation is cancelled), so it costs the partition nothing.
//
// A request larger than a bucket's whole burst is admitted when that bucket
// is full, and empties it.
//
// The error is a throttling exception made by ThrottleError with the reason
// of the bucket that refused, nil when admitted; units that are negative or
// not finite are a wrapped ValidationException.
func Admit(now time.Time, units float64, p *Bucket, n *NodeBucket) error {
	if !validAmount(units) {
		return fmt.Errorf("admission: partition %q: %w", p.resource,
			dberr.Validationf("capacity units %v must be finite and non-negative", units))
	}
	tokens := toTokens(units)
	p.mu.Lock()
	defer p.mu.Unlock()
	now = monotonic(&p.last, now)

	if tokens > 0 && p.refunded >= tokens {
		if n != nil {
			if ok, wait := n.take(now, tokens, false); !ok {
				return ThrottleError(p.onDemand, dberr.ThrottleNode, n.resource, wait)
			}
		}
		p.refunded -= tokens
		p.usage.Consumed += units
		return nil
	}
	if tokens > 0 && p.bankBurst == 0 {
		// A bucket with no rate admits nothing.
		p.usage.Throttled += units
		return ThrottleError(p.onDemand, p.reason, p.resource, maxRetryAfter)
	}
	res := p.bank.ReserveN(now, min(tokens, p.bankBurst))
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		p.usage.Throttled += units
		return ThrottleError(p.onDemand, p.reason, p.resource, wait)
	}

	allocTokens := min(tokens, p.allocBurst)
	withinAllocation := p.alloc.TokensAt(now) >= float64(allocTokens)
	if n != nil {
		if ok, wait := n.take(now, tokens, !withinAllocation); !ok {
			res.CancelAt(now)
			return ThrottleError(p.onDemand, dberr.ThrottleNode, n.resource, wait)
		}
	}
	if withinAllocation {
		p.alloc.AllowN(now, allocTokens)
	}
	p.usage.Consumed += units
	return nil
}
