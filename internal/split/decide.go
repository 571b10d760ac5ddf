package split

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Range is a partition's half-open key range [Start, End); a nil End means
// no upper bound.
type Range = keyenc.Range

// Decision defaults.
const (
	// DefaultSplitSize is the size above which a partition splits when
	// SizeInput.SplitSize is zero: 10 GiB, DynamoDB's partition size.
	DefaultSplitSize = 10 << 30
	// DefaultThreshold is the fraction of its limit a partition must consume
	// before it splits for consumption.
	DefaultThreshold = 0.8
	// DefaultSustain is how long consumption must stay above the threshold.
	DefaultSustain = 5 * time.Minute
	// DefaultHotKeyShare is the share of the sampled load above which one
	// key is a hot key that no split can divide.
	DefaultHotKeyShare = 0.5
	// DefaultSequentialShare is the share of the load landing on a new edge
	// of the key range above which the keys are sequential.
	DefaultSequentialShare = 0.5
	// DefaultWalkShare is the share of the recent load landing on one side
	// of the split key above which the load is walking the key range.
	DefaultWalkShare = 0.9
	// DefaultMinSamples is the fewest sampled accesses a consumption
	// decision trusts.
	DefaultMinSamples = 32
	// minRecentSamples is the fewest recent sampled accesses the walk check
	// trusts; with fewer it is skipped. At 24 the share of an even load has a
	// standard error of about 0.1, so the default WalkShare of 0.9 sits four
	// errors away from it.
	minRecentSamples = 24
)

// Reason says why a Decision splits or does not.
type Reason uint8

// The reasons.
const (
	// ReasonSize: split at the key that halves the bytes.
	ReasonSize Reason = iota + 1
	// ReasonLoad: split at the key that halves the sampled load.
	ReasonLoad
	// ReasonUnderSize: no split, the partition is not above its split size.
	ReasonUnderSize
	// ReasonUnderThreshold: no split, consumption has not stayed above the
	// threshold for long enough.
	ReasonUnderThreshold
	// ReasonSingleKey: no split, a single key holds all the bytes.
	ReasonSingleKey
	// ReasonHotKey: no split, one key carries most of the load.
	ReasonHotKey
	// ReasonSequential: no split, the load walks a sequential key range:
	// new keys land on an edge of the range, or the recent load lies on one
	// side of the split key.
	ReasonSequential
	// ReasonEmptyLeft: no split, the split key would leave the left side
	// without load (the key equals the range start or nothing sampled lies
	// below it).
	ReasonEmptyLeft
	// ReasonTooFewSamples: no split, the sample is too small to trust.
	ReasonTooFewSamples
)

var reasonNames = [...]string{
	ReasonSize:           "size",
	ReasonLoad:           "load",
	ReasonUnderSize:      "under size",
	ReasonUnderThreshold: "under threshold",
	ReasonSingleKey:      "single key",
	ReasonHotKey:         "hot key",
	ReasonSequential:     "sequential keys",
	ReasonEmptyLeft:      "empty left side",
	ReasonTooFewSamples:  "too few samples",
}

// String returns the reason in a few words.
func (r Reason) String() string {
	if int(r) < len(reasonNames) && r != 0 {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is the verdict of DecideSize or DecideConsumption.
type Decision struct {
	// Split reports whether to split, at Key.
	Split bool
	// Key is the split key, strictly inside the range: the left partition
	// takes [Start, Key), the right one [Key, End). Nil when Split is false.
	Key []byte
	// Reason says why, and Detail says it in a sentence with the figures,
	// for the control plane's event log.
	Reason Reason
	Detail string
	// Left and Right are the bytes (DecideSize) or the sampled load
	// (DecideConsumption) on each side of Key, or of the best split found
	// when the decision refuses one for that split's sake. Load is in
	// capacity units when one kind (reads or writes) triggered the
	// decision, and in fractions of each limit, summed, when both did.
	Left, Right float64
	// HotKey is the key carrying the largest share of the sampled load and
	// HotKeyShare that share (DecideConsumption only).
	HotKey      []byte
	HotKeyShare float64
	// EdgeShare is the share of the load that landed on a new edge of the
	// key range, and WalkShare the share of the recent load on the busier
	// side of the split key (DecideConsumption only; WalkShare is zero when
	// the recent sample was too small to measure it).
	EdgeShare float64
	WalkShare float64
}

// SizeSample is bytes stored at a key: one item, or a run of items from Key
// up to the next sample's key.
type SizeSample struct {
	Key   []byte
	Bytes int64
}

// SizeInput is the input of DecideSize.
type SizeInput struct {
	// Range is the partition's range.
	Range Range
	// Samples is the size distribution of the range in ascending key order
	// (equal keys are added together), every key inside Range. The
	// partition's size is their sum.
	Samples []SizeSample
	// SplitSize is the size above which the partition splits; zero means
	// DefaultSplitSize.
	SplitSize int64
}

// DecideSize decides a split for size: once the partition holds more than
// its split size, split at the sample key that leaves the two sides' bytes
// closest to equal (the first such key on a tie). It refuses when no key
// leaves bytes on both sides (a single key holds them all). It returns an
// error wrapping ErrInvalid for samples out of order, outside the range or
// with negative bytes.
func DecideSize(in SizeInput) (Decision, error) {
	if err := checkRange(in.Range); err != nil {
		return Decision{}, err
	}
	if in.SplitSize < 0 {
		return Decision{}, fmt.Errorf("%w: SplitSize %d is negative", ErrInvalid, in.SplitSize)
	}
	splitSize := in.SplitSize
	if splitSize == 0 {
		splitSize = DefaultSplitSize
	}
	var total int64
	for i, s := range in.Samples {
		if s.Bytes < 0 {
			return Decision{}, fmt.Errorf("%w: size sample %d has negative bytes %d", ErrInvalid, i, s.Bytes)
		}
		if !in.Range.Contains(s.Key) {
			return Decision{}, fmt.Errorf("%w: size sample %d key %x is outside the range [%x, %x)", ErrInvalid, i, s.Key, in.Range.Start, in.Range.End)
		}
		if i > 0 && bytes.Compare(in.Samples[i-1].Key, s.Key) > 0 {
			return Decision{}, fmt.Errorf("%w: size sample %d key %x is below the key before it", ErrInvalid, i, s.Key)
		}
		if total > math.MaxInt64-s.Bytes {
			return Decision{}, fmt.Errorf("%w: size samples add up to more than %d bytes", ErrInvalid, int64(math.MaxInt64))
		}
		total += s.Bytes
	}
	if total <= splitSize {
		return Decision{
			Reason: ReasonUnderSize,
			Detail: fmt.Sprintf("%d bytes are not above the split size of %d bytes", total, splitSize),
		}, nil
	}

	// Candidates are the first sample of each run of equal keys, with the
	// bytes of every key below it on the left.
	best, bestLeft := -1, int64(0)
	var left int64
	for i, s := range in.Samples {
		if i > 0 && !bytes.Equal(in.Samples[i-1].Key, s.Key) && left > 0 && left < total {
			if best < 0 || imbalance(left, total) < imbalance(bestLeft, total) {
				best, bestLeft = i, left
			}
		}
		left += s.Bytes
	}
	if best < 0 {
		return Decision{
			Reason: ReasonSingleKey,
			Detail: fmt.Sprintf("a single key holds all %d bytes; no key divides them", total),
			Left:   float64(total),
		}, nil
	}
	key := bytes.Clone(in.Samples[best].Key)
	return Decision{
		Split:  true,
		Key:    key,
		Reason: ReasonSize,
		Detail: fmt.Sprintf("%d bytes exceed the split size of %d bytes; key %x leaves %d bytes left and %d right",
			total, splitSize, key, bestLeft, total-bestLeft),
		Left:  float64(bestLeft),
		Right: float64(total - bestLeft),
	}, nil
}

// imbalance returns how far a split leaving left of total bytes on the left
// is from even: |left - (total-left)|, without overflow.
func imbalance(left, total int64) int64 {
	right := total - left
	if left >= right {
		return left - right
	}
	return right - left
}

// Consumption is how hard one kind of capacity (reads or writes) of a
// partition is being used.
type Consumption struct {
	// Consumed is the lowest consumption rate, in capacity units per
	// second, over the last For.
	Consumed float64
	// Limit is the partition's limit for this kind, in units per second;
	// zero means the kind is not considered.
	Limit float64
	// For is how long the consumption has been measured at or above
	// Consumed.
	For time.Duration
}

// Policy configures DecideConsumption. Zero values mean the defaults.
type Policy struct {
	// Threshold is the fraction of its limit, in (0, 1], a kind must
	// consume to split.
	Threshold float64
	// Sustain is how long consumption must stay at or above the threshold.
	Sustain time.Duration
	// HotKeyShare is the share of the sampled load, in (0, 1], above which
	// one key refuses the split (1 never refuses).
	HotKeyShare float64
	// SequentialShare is the share of the load landing on a new edge of the
	// key range, in (0, 1], above which the split is refused.
	SequentialShare float64
	// WalkShare is the share of the recent load on one side of the split
	// key, in (0.5, 1], above which the split is refused.
	WalkShare float64
	// MinSamples is the fewest sampled accesses in the range to decide on.
	MinSamples int
}

func (p Policy) withDefaults() (Policy, error) {
	fractions := []struct {
		name  string
		value *float64
		def   float64
		low   float64
	}{
		{"Threshold", &p.Threshold, DefaultThreshold, 0},
		{"HotKeyShare", &p.HotKeyShare, DefaultHotKeyShare, 0},
		{"SequentialShare", &p.SequentialShare, DefaultSequentialShare, 0},
		{"WalkShare", &p.WalkShare, DefaultWalkShare, 0.5},
	}
	for _, f := range fractions {
		if *f.value == 0 {
			*f.value = f.def
		}
		if !(*f.value > f.low && *f.value <= 1) {
			return p, fmt.Errorf("%w: policy %s %v is not in (%v, 1]", ErrInvalid, f.name, *f.value, f.low)
		}
	}
	if p.Sustain < 0 {
		return p, fmt.Errorf("%w: policy Sustain %v is negative", ErrInvalid, p.Sustain)
	}
	if p.Sustain == 0 {
		p.Sustain = DefaultSustain
	}
	if p.MinSamples < 0 {
		return p, fmt.Errorf("%w: policy MinSamples %d is negative", ErrInvalid, p.MinSamples)
	}
	if p.MinSamples == 0 {
		p.MinSamples = DefaultMinSamples
	}
	return p, nil
}

// ConsumptionInput is the input of DecideConsumption.
type ConsumptionInput struct {
	// Range is the partition's range. Sampled keys outside it (recorded
	// before an earlier split, say) are ignored.
	Range Range
	// Load is the partition's sampled load (Sampler.Load).
	Load Load
	// Reads and Writes are the partition's consumption of each kind.
	Reads  Consumption
	Writes Consumption
}

// DecideConsumption decides a split for consumption. A kind (reads or
// writes) triggers it when its consumption has stayed at or above
// Threshold·Limit for at least Sustain; the load to halve is that kind's
// sampled load, or, when both trigger, each key's read and write load as
// fractions of their limits, summed. It then refuses, in this order, when
// the sample holds fewer than MinSamples accesses in the range; when one
// key carries more than HotKeyShare of the load; when more than
// SequentialShare of the load landed on a new edge of the key range; when
// the split key would leave the left side without load; and when more than
// WalkShare of the recent load lies on one side of the split key (checked
// only when at least 24 recent accesses in the range were sampled). Otherwise
// it splits at the sampled key that leaves the two sides' load closest to
// equal. It returns an error wrapping ErrInvalid for a bad policy, range,
// consumption figure or load (keys out of order, amounts negative or not
// finite).
func DecideConsumption(in ConsumptionInput, p Policy) (Decision, error) {
	p, err := p.withDefaults()
	if err != nil {
		return Decision{}, err
	}
	if err := checkRange(in.Range); err != nil {
		return Decision{}, err
	}
	for _, c := range []struct {
		kind string
		c    Consumption
	}{{"read", in.Reads}, {"write", in.Writes}} {
		if !finiteNonNegative(c.c.Consumed) || !finiteNonNegative(c.c.Limit) || c.c.For < 0 {
			return Decision{}, fmt.Errorf("%w: %s consumption %v of limit %v for %v: figures must be finite and not negative",
				ErrInvalid, c.kind, c.c.Consumed, c.c.Limit, c.c.For)
		}
	}

	if err := checkLoad(in.Load); err != nil {
		return Decision{}, err
	}

	readHot := triggered(in.Reads, p)
	writeHot := triggered(in.Writes, p)
	if !readHot && !writeHot {
		return Decision{Reason: ReasonUnderThreshold, Detail: underThresholdDetail(in, p)}, nil
	}
	// Weights: raw units when one kind triggers, fractions of each limit
	// when both do, so that the busier kind does not drown the other.
	readScale, writeScale := 0.0, 0.0
	switch {
	case readHot && writeHot:
		readScale, writeScale = 1/in.Reads.Limit, 1/in.Writes.Limit
	case readHot:
		readScale = 1
	default:
		writeScale = 1
	}
	what := triggerDetail(in, readHot, writeHot)

	keys := inRange(in.Load.Keys, in.Range)
	weights := make([]float64, len(keys))
	var total, recentTotal float64
	samples, recentSamples := 0, 0
	hot := -1
	for i, k := range keys {
		weights[i] = k.Read*readScale + k.Write*writeScale
		total += weights[i]
		recentTotal += k.RecentRead*readScale + k.RecentWrite*writeScale
		samples += k.Samples
		recentSamples += k.RecentSamples
		if hot < 0 || weights[i] > weights[hot] {
			hot = i
		}
	}
	if !(total <= math.MaxFloat64 && recentTotal <= math.MaxFloat64) { // Inf, or NaN from 0·Inf
		return Decision{}, fmt.Errorf("%w: the sampled load over limits of %v and %v units/s overflows", ErrInvalid, in.Reads.Limit, in.Writes.Limit)
	}
	if samples < p.MinSamples || total <= 0 {
		return Decision{
			Reason: ReasonTooFewSamples,
			Detail: fmt.Sprintf("%s, but the load sample holds %d accesses in the range (%d keys), fewer than the %d a split needs",
				what, samples, len(keys), p.MinSamples),
		}, nil
	}
	d := Decision{HotKey: bytes.Clone(keys[hot].Key), HotKeyShare: weights[hot] / total}

	edgeLoad := in.Load.Reads.Load*readScale + in.Load.Writes.Load*writeScale
	right := in.Load.Reads.RightEdge*readScale + in.Load.Writes.RightEdge*writeScale
	left := in.Load.Reads.LeftEdge*readScale + in.Load.Writes.LeftEdge*writeScale
	edgeSide := "right"
	if left > right {
		edgeSide, right = "left", left
	}
	if edgeLoad > 0 {
		d.EdgeShare = right / edgeLoad
	}

	if d.HotKeyShare > p.HotKeyShare {
		d.Reason = ReasonHotKey
		d.Detail = fmt.Sprintf("%s, but key %x carries %.0f%% of the sampled load (more than %.0f%%); a split cannot divide one key's load",
			what, keys[hot].Key, 100*d.HotKeyShare, 100*p.HotKeyShare)
		return d, nil
	}
	if d.EdgeShare > p.SequentialShare {
		d.Reason = ReasonSequential
		d.Detail = fmt.Sprintf("%s, but %.0f%% of the load landed on a new %s edge of the key range (more than %.0f%%): the keys are sequential, so new load lands past any split key",
			what, 100*d.EdgeShare, edgeSide, 100*p.SequentialShare)
		return d, nil
	}

	// The split key: the sampled key with the two sides' load closest to
	// equal; the first on a tie.
	best, bestLeft := 0, 0.0
	var leftLoad float64
	for i := range keys {
		if math.Abs(2*leftLoad-total) < math.Abs(2*bestLeft-total) {
			best, bestLeft = i, leftLoad
		}
		leftLoad += weights[i]
	}
	d.Left, d.Right = bestLeft, total-bestLeft
	splitKey := keys[best].Key
	if bestLeft <= 0 || bytes.Compare(splitKey, in.Range.Start) <= 0 {
		d.Reason = ReasonEmptyLeft
		d.Detail = fmt.Sprintf("%s, but the load median %x leaves no sampled load left of it in the range starting at %x",
			what, splitKey, in.Range.Start)
		return d, nil
	}

	if recentSamples >= minRecentSamples && recentTotal > 0 {
		var recentRight float64
		for _, k := range keys[best:] {
			recentRight += k.RecentRead*readScale + k.RecentWrite*writeScale
		}
		share, side := recentRight/recentTotal, "right"
		if share < 0.5 {
			share, side = 1-share, "left"
		}
		d.WalkShare = share
		if share > p.WalkShare {
			d.Reason = ReasonSequential
			d.Detail = fmt.Sprintf("%s, but %.0f%% of the load of the last %v lies %s of the load median %x (more than %.0f%%): the load walks the key range, so a split there would not divide it",
				what, 100*share, in.Load.RecentWindow, side, splitKey, 100*p.WalkShare)
			return d, nil
		}
	}

	d.Split = true
	d.Key = bytes.Clone(splitKey)
	d.Reason = ReasonLoad
	d.Detail = fmt.Sprintf("%s; key %x halves the sampled load: %.4g left, %.4g right",
		what, d.Key, d.Left, d.Right)
	return d, nil
}

func checkRange(r Range) error {
	if r.End != nil && bytes.Compare(r.Start, r.End) >= 0 {
		return fmt.Errorf("%w: range start %x is not below its end %x", ErrInvalid, r.Start, r.End)
	}
	return nil
}

// checkLoad checks a Load a host may have built by hand: keys in strictly
// ascending order, loads finite and not negative, sample counts that add up.
func checkLoad(load Load) error {
	for i, k := range load.Keys {
		if i > 0 && bytes.Compare(load.Keys[i-1].Key, k.Key) >= 0 {
			return fmt.Errorf("%w: load key %d %x is not above the key before it", ErrInvalid, i, k.Key)
		}
		if k.Samples < 0 || k.RecentSamples < 0 || k.RecentSamples > k.Samples {
			return fmt.Errorf("%w: key %x has %d samples, %d recent", ErrInvalid, k.Key, k.Samples, k.RecentSamples)
		}
		for _, v := range []float64{k.Read, k.Write, k.RecentRead, k.RecentWrite} {
			if !finiteNonNegative(v) {
				return fmt.Errorf("%w: load of key %x is %v, not a finite amount", ErrInvalid, k.Key, v)
			}
		}
	}
	for _, t := range []Totals{load.Reads, load.Writes} {
		for _, v := range []float64{t.Load, t.RightEdge, t.LeftEdge} {
			if !finiteNonNegative(v) {
				return fmt.Errorf("%w: load total %v is not a finite amount", ErrInvalid, v)
			}
		}
	}
	return nil
}

func finiteNonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

func triggered(c Consumption, p Policy) bool {
	return c.Limit > 0 && c.Consumed >= p.Threshold*c.Limit && c.For >= p.Sustain
}

// inRange returns the keys of a sorted list that lie in r.
func inRange(keys []KeyLoad, r Range) []KeyLoad {
	lo := 0
	for lo < len(keys) && bytes.Compare(keys[lo].Key, r.Start) < 0 {
		lo++
	}
	hi := lo
	for hi < len(keys) && r.Contains(keys[hi].Key) {
		hi++
	}
	return keys[lo:hi]
}

func kindDetail(kind string, c Consumption) string {
	return fmt.Sprintf("%s %.4g of %.4g units/s (%.0f%%) for %v", kind, c.Consumed, c.Limit, 100*c.Consumed/c.Limit, c.For)
}

func triggerDetail(in ConsumptionInput, readHot, writeHot bool) string {
	switch {
	case readHot && writeHot:
		return kindDetail("reads", in.Reads) + " and " + kindDetail("writes", in.Writes)
	case readHot:
		return kindDetail("reads", in.Reads)
	default:
		return kindDetail("writes", in.Writes)
	}
}

func underThresholdDetail(in ConsumptionInput, p Policy) string {
	var parts []string
	for _, c := range []struct {
		kind string
		c    Consumption
	}{{"reads", in.Reads}, {"writes", in.Writes}} {
		switch {
		case c.c.Limit == 0:
		case c.c.Consumed < p.Threshold*c.c.Limit:
			parts = append(parts, fmt.Sprintf("%s %.4g of %.4g units/s (%.0f%%) are under %.0f%% of the limit",
				c.kind, c.c.Consumed, c.c.Limit, 100*c.c.Consumed/c.c.Limit, 100*p.Threshold))
		default:
			parts = append(parts, fmt.Sprintf("%s have stayed above %.0f%% of the limit for %v of the %v required",
				c.kind, 100*p.Threshold, c.c.For, p.Sustain))
		}
	}
	if len(parts) == 0 {
		return "no read or write limit given"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return parts[0] + "; " + parts[1]
}
