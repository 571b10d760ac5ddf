// Package split decides where, and whether, to split a partition: the
// deterministic half of DynamoDB's split for size and split for
// consumption. The control plane that acts on a decision lives elsewhere;
// everything here is a pure function of its inputs or, for the Sampler, of
// the accesses recorded and the timestamps passed in. Nothing reads the
// wall clock and nothing starts a goroutine.
//
// # Keys
//
// Keys are opaque byte strings ordered by bytes.Compare: a table's key space
// as package keyenc encodes it. A partition owns the half-open range
// [Start, End) of that space. A split key is any key of the space strictly
// inside (Start, End); after the split the left partition owns [Start, key)
// and the right one [key, End). Nothing aligns a split key to an item
// collection: a partition may end inside the items of one partition key, so
// a large or hot item collection can be divided between its sort keys.
//
// # Sampling load
//
// A Sampler records the reads and writes (in capacity units) served by one
// partition, per key, with exponential time decay: an access of u units at
// time t counts u·2^(-(now-t)/HalfLife) at time now. A partition may see
// millions of distinct keys, so the Sampler keeps a fixed-size weighted
// sample of accesses instead of a counter per key: priority sampling
// (Duffield, Lund and Thorup, "Priority sampling for estimation of arbitrary
// subset sums", J. ACM 2007) over forward-decayed weights (Cormode, Shkapenyuk,
// Srivastava and Xu, "Forward decay", ICDE 2009). Each access gets the
// priority w/r, where w is its units scaled by 2^((t-L)/HalfLife) for a
// landmark time L and r is uniform in (0,1]; the sample holds the Samples
// accesses of highest priority, and τ, the next highest priority, turns each
// sampled access into the estimate max(w, τ). The estimate of the load of
// any set of keys (one key, the keys left of a candidate split, the keys of
// one side) is the sum of the estimates of its sampled accesses; it is
// unbiased, heavy accesses are kept exactly, and light ones are represented
// in proportion to their weight. Because forward decay scales every weight
// by the same factor as time passes, the sample need not be rebuilt when
// time moves: old accesses lose priority against new ones by themselves.
// (Weights grow exponentially with t, so every few hundred half-lives the
// Sampler moves L forward and rescales what it holds, which changes no
// estimate.)
//
// Why this and not a heavy-hitters sketch (space-saving, count-min): a split
// for consumption needs the load median, a quantile of the load over the key
// order, and a sketch of the heaviest keys says nothing about how the rest of
// the load is spread across the range; with millions of keys of equal load it
// holds noise. A weighted sample answers both questions, the median and the
// share of the heaviest key, from one structure. Its cost is sampling error:
// with the default 256 samples per kind the estimated load left of a split
// key is off by a few percent of the total (standard error about
// 0.5/sqrt(256) ≈ 3% for even load); a hot key fills much of the sample, so
// its share is measured closely.
//
// Memory is fixed: reads and writes are sampled separately, each in
// Samples+1 slots (the extra slot holds τ), and a slot holds one copy of a
// key in a buffer it reuses. The bound is
//
//	2·(Samples+1)·(SlotOverhead + K) + 2·K bytes
//
// for keys of at most K bytes (the last term is the two edge keys below;
// K is the key length rounded up to Go's allocation size class), whatever
// the number of distinct keys recorded. A kind never accessed costs nothing.
// With the default 256 samples and keys of 64 bytes that is about 57 KB; a
// slot's buffer keeps the capacity of the longest key it has held, so the
// worst case, keys at DynamoDB's limits (a 2,048-byte partition key and a
// 1,024-byte sort key, escaped, a little over 6 KB encoded), is about 3.2 MB. MemoryBytes reports the
// current figure.
//
// # Sequential keys
//
// The Sampler also follows the order of accesses. It remembers the largest
// and the smallest key accessed so far, and counts, with the same decay, the
// load of accesses that land beyond them: a new right edge (a key above every
// key before it, as with timestamps or counters) or a new left edge (keys
// that only decrease). When most of the load lands on a new edge, every key
// written next lies beyond any split key chosen from the past, so the right
// (or left) child would receive the whole load: the split cannot help.
//
// The edges are those of every key accessed, so appends to one item
// collection that sits below other keys in use never make a new edge of the
// whole partition. The decision therefore also looks at where the load goes
// now: the accesses of the recent window (the last quarter of a half-life)
// estimated from the sample. When nearly all of it lies on one side of the
// load median, the load is walking the key range, and a split at the median
// would hand one child all the load to come. (A hot range that jumped
// elsewhere looks the same until the old load decays, and is refused for
// the same reason: the split would not divide the load to come.)
//
// # Decisions
//
// DecideSize splits at the key that halves the bytes of a partition once it
// exceeds its split size. DecideConsumption splits at the key that halves the
// sampled load once consumption has stayed above a fraction of the
// partition's limit for long enough, and refuses where DynamoDB does not
// split because it would not help (ATC 2022, §4.4): when one key carries most
// of the load, or when the load walks a sequential key range. A Decision
// carries the verdict, the key, the reason as a Reason value and in words,
// and the figures behind it.
package split
