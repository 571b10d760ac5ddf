package dynamo

import (
	"time"

	"github.com/embeddynamo/dynamo/internal/split"
)

// Splits, as parts a host program can use on its own key ranges without a
// Table: where, and whether, to split a range of keys the way DynamoDB
// splits a partition.
//
//   - a LoadSampler records the reads and writes a range serves, per key,
//     in capacity units, decayed with a half-life, in a fixed amount of
//     memory however many distinct keys it sees (a weighted sample of
//     accesses), and follows whether new keys keep landing on an edge of
//     the range;
//   - DecideSizeSplit picks the key that halves a range's bytes once it is
//     above its split size;
//   - DecideConsumptionSplit picks the key that halves the sampled load once
//     consumption has stayed above a fraction of the range's limit for long
//     enough, and refuses where a split cannot help: one key carries most of
//     the load, or the load walks a sequential key range.
//
// Keys are opaque byte strings ordered by bytes.Compare; a split key lies
// strictly inside the range, the left side keeps [Start, key) and the right
// side takes [key, End). Every decision is a pure function of its inputs,
// and the sampler takes every time as an argument, so a host can drive them
// from a simulated clock. A decision's Reason and Detail say why, in words
// fit for an event log.

// SplitRange is a range of keys [Start, End) to split; a nil End means no
// upper bound.
type SplitRange = split.Range

// LoadSampler records the load served per key of one range, decayed over
// time, in fixed memory. Safe for concurrent use.
type LoadSampler = split.Sampler

// LoadSamplerOptions configures a LoadSampler: the half-life of the load,
// the number of accesses sampled and the random seed. Zero values mean
// defaults (a one-minute half-life, 256 samples each of reads and writes).
type LoadSamplerOptions = split.Options

// NewLoadSampler returns an empty sampler; times are measured from origin,
// which should be at or before the first access.
func NewLoadSampler(opts LoadSamplerOptions, origin time.Time) (*LoadSampler, error) {
	return split.NewSampler(opts, origin)
}

// SampledLoad is a LoadSampler's picture of the load at one time: the
// sampled keys in order with their estimated load, and exact totals.
type SampledLoad = split.Load

// KeyLoad is the estimated decayed read and write load of one sampled key.
type KeyLoad = split.KeyLoad

// LoadTotals are the exact decayed load of one kind of access and the part
// of it that landed on a new edge of the key range.
type LoadTotals = split.Totals

// SplitDecision is the verdict of a split decision: whether to split, the
// split key, the reason in a word and in a sentence, and the figures behind
// it.
type SplitDecision = split.Decision

// SplitReason says why a SplitDecision splits or does not.
type SplitReason = split.Reason

// The reasons of a SplitDecision.
const (
	// SplitForSize: split at the key that halves the bytes.
	SplitForSize = split.ReasonSize
	// SplitForLoad: split at the key that halves the sampled load.
	SplitForLoad = split.ReasonLoad
	// NoSplitUnderSize: the range is not above its split size.
	NoSplitUnderSize = split.ReasonUnderSize
	// NoSplitUnderThreshold: consumption has not stayed above the threshold
	// for long enough.
	NoSplitUnderThreshold = split.ReasonUnderThreshold
	// NoSplitSingleKey: a single key holds all the bytes.
	NoSplitSingleKey = split.ReasonSingleKey
	// NoSplitHotKey: one key carries most of the load.
	NoSplitHotKey = split.ReasonHotKey
	// NoSplitSequential: the load walks a sequential key range.
	NoSplitSequential = split.ReasonSequential
	// NoSplitEmptyLeft: the split key would leave the left side without
	// load.
	NoSplitEmptyLeft = split.ReasonEmptyLeft
	// NoSplitTooFewSamples: the load sample is too small to trust.
	NoSplitTooFewSamples = split.ReasonTooFewSamples
)

// DefaultSplitSize is the size above which a range splits when
// SizeSplitInput.SplitSize is zero: 10 GiB, DynamoDB's partition size.
const DefaultSplitSize = split.DefaultSplitSize

// ErrInvalidSplitInput reports input a split decision or a LoadSampler
// cannot use (a bad option, a range whose start is not below its end, size
// samples out of order); match it with errors.Is.
var ErrInvalidSplitInput = split.ErrInvalid

// SizeSample is bytes stored at a key: one item, or a run of items up to
// the next sample's key.
type SizeSample = split.SizeSample

// SizeSplitInput is a range, its size distribution in key order, and its
// split size.
type SizeSplitInput = split.SizeInput

// DecideSizeSplit decides a split for size: above the split size, split at
// the sample key that leaves the two sides' bytes closest to equal; refuse
// when a single key holds all the bytes.
func DecideSizeSplit(in SizeSplitInput) (SplitDecision, error) {
	return split.DecideSize(in)
}

// PartitionConsumption is how hard one kind of capacity (reads or writes)
// of a range is used: the lowest rate consumed over a period, the limit,
// and the length of the period.
type PartitionConsumption = split.Consumption

// SplitPolicy sets the thresholds of DecideConsumptionSplit: the fraction
// of the limit and how long it must be held, and the shares of the load
// that make a hot key or sequential keys. Zero values mean defaults.
type SplitPolicy = split.Policy

// ConsumptionSplitInput is a range, its sampled load and its read and write
// consumption.
type ConsumptionSplitInput = split.ConsumptionInput

// DecideConsumptionSplit decides a split for consumption: when reads or
// writes have stayed above the policy's fraction of their limit for long
// enough, split at the key that halves the sampled load, unless one key
// carries most of the load or the load walks a sequential key range.
func DecideConsumptionSplit(in ConsumptionSplitInput, p SplitPolicy) (SplitDecision, error) {
	return split.DecideConsumption(in, p)
}
