package split

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// busy is a consumption that triggers a split under the default policy.
var busy = Consumption{Consumed: 2900, Limit: 3000, For: 10 * time.Minute}

// writesBusy is a write consumption that triggers a split.
var writesBusy = Consumption{Consumed: 950, Limit: 1000, For: 10 * time.Minute}

func TestDecideConsumptionOnWorkloads(t *testing.T) {
	upper := Range{Start: u64Key(0x80 << 56)}
	for _, tc := range []struct {
		name       string
		w          workload
		r          Range
		reads      bool
		writes     bool
		wantSplit  bool
		wantReason Reason
		// the split key lies in [keyLow, keyHigh) when set
		keyLow, keyHigh []byte
	}{
		{name: "uniform load splits at the load median", w: uniform, reads: true, wantSplit: true, wantReason: ReasonLoad},
		{name: "a hot key range splits inside the range at the load median", w: hotRange, reads: true, wantSplit: true,
			wantReason: ReasonLoad, keyLow: u64Key(0x40 << 56), keyHigh: u64Key(0x41 << 56)},
		{name: "reads and writes of skewed sizes split at the combined median", w: skewedSizes, reads: true, writes: true,
			wantSplit: true, wantReason: ReasonLoad},
		{name: "skewed sizes split on writes alone", w: skewedSizes, writes: true, wantSplit: true, wantReason: ReasonLoad},
		{name: "keys outside the range are ignored", w: uniform, r: upper, reads: true, wantSplit: true, wantReason: ReasonLoad,
			keyLow: u64Key(0x80 << 56)},
		{name: "a single hot key refuses", w: hotKeyLoad, reads: true, wantReason: ReasonHotKey},
		{name: "ascending keys refuse as sequential", w: ascending, writes: true, wantReason: ReasonSequential},
		{name: "descending keys refuse as sequential", w: descending, writes: true, wantReason: ReasonSequential},
		{name: "reads of the latest appends refuse as sequential", w: timeSeries, reads: true, wantReason: ReasonSequential},
		{name: "appends below other keys refuse as a walking load", w: appendsBelowOthers, reads: true, wantReason: ReasonSequential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSampler(Options{Seed: 21}, epoch)
			require.NoError(t, err)
			accesses, now := tc.w.run(t, s, 22)
			in := ConsumptionInput{Range: tc.r, Load: s.Load(now)}
			if tc.reads {
				in.Reads = busy
			}
			if tc.writes {
				in.Writes = writesBusy
			}
			d, err := DecideConsumption(in, Policy{})
			require.NoError(t, err)
			require.Equal(t, tc.wantReason, d.Reason, d.Detail)
			require.Equal(t, tc.wantSplit, d.Split, d.Detail)
			require.NotEmpty(t, d.Detail)
			if !tc.wantSplit {
				require.Nil(t, d.Key)
				return
			}
			require.Positive(t, bytes.Compare(d.Key, tc.r.Start), "split key must be above the range start")
			require.True(t, tc.r.Contains(d.Key))
			if tc.keyLow != nil {
				require.GreaterOrEqual(t, bytes.Compare(d.Key, tc.keyLow), 0, "key %x", d.Key)
			}
			if tc.keyHigh != nil {
				require.Negative(t, bytes.Compare(d.Key, tc.keyHigh), "key %x", d.Key)
			}
			// The key halves the true load, not only the sampled one.
			var share float64
			if tc.reads && tc.writes {
				share = trueNormalizedShareLeft(accesses, d.Key, tc.r, now, s.HalfLife(), busy.Limit, writesBusy.Limit)
			} else {
				share = trueShareLeft(accesses, d.Key, tc.r, now, s.HalfLife(), tc.reads, tc.writes)
			}
			require.InDelta(t, 0.5, share, 0.1, "true left share at key %x", d.Key)
			require.InDelta(t, 0.5, d.Left/(d.Left+d.Right), 0.02)
			require.Less(t, d.HotKeyShare, 0.05)
			require.Less(t, d.EdgeShare, 0.05)
			require.Less(t, d.WalkShare, 0.75)
		})
	}
}

// trueNormalizedShareLeft is trueShareLeft for a decision triggered by both
// kinds: each access weighs its units over its kind's limit.
func trueNormalizedShareLeft(accesses []access, key []byte, r Range, now time.Time, halfLife time.Duration, readLimit, writeLimit float64) float64 {
	var left, total float64
	for _, a := range accesses {
		if !r.Contains(a.key) {
			continue
		}
		limit := readLimit
		if a.write {
			limit = writeLimit
		}
		w := a.units / limit * math.Exp2(-float64(now.Sub(a.at))/float64(halfLife))
		total += w
		if bytes.Compare(a.key, key) < 0 {
			left += w
		}
	}
	return left / total
}

// Over many seeds the split of a uniform load stays balanced: the sampling
// error is small, not a lucky draw.
func TestDecideConsumptionBalanceAcrossSeeds(t *testing.T) {
	w := uniform
	w.n = 20000
	for seed := range uint64(20) {
		s, err := NewSampler(Options{Seed: seed}, epoch)
		require.NoError(t, err)
		accesses, now := w.run(t, s, 100+seed)
		d, err := DecideConsumption(ConsumptionInput{Load: s.Load(now), Reads: busy}, Policy{})
		require.NoError(t, err)
		require.True(t, d.Split, "seed %d: %s", seed, d.Detail)
		share := trueShareLeft(accesses, d.Key, Range{}, now, s.HalfLife(), true, false)
		require.InDelta(t, 0.5, share, 0.12, "seed %d", seed)
	}
}

func TestDecideConsumptionHotKeyReportsTheKey(t *testing.T) {
	s, err := NewSampler(Options{Seed: 5}, epoch)
	require.NoError(t, err)
	_, now := hotKeyLoad.run(t, s, 6)
	d, err := DecideConsumption(ConsumptionInput{Load: s.Load(now), Reads: busy}, Policy{})
	require.NoError(t, err)
	require.False(t, d.Split)
	require.Equal(t, ReasonHotKey, d.Reason)
	require.Equal(t, hotKey, d.HotKey)
	require.InDelta(t, 0.6, d.HotKeyShare, 0.05)
	require.Contains(t, d.Detail, fmt.Sprintf("%x", hotKey))
	require.Contains(t, d.Detail, "cannot divide one key's load")

	// A policy that tolerates a hotter key splits, beside the hot key.
	d, err = DecideConsumption(ConsumptionInput{Load: s.Load(now), Reads: busy}, Policy{HotKeyShare: 0.7})
	require.NoError(t, err)
	require.True(t, d.Split, d.Detail)
}

func TestDecideConsumptionSequentialDetail(t *testing.T) {
	s, err := NewSampler(Options{Seed: 5}, epoch)
	require.NoError(t, err)
	_, now := ascending.run(t, s, 6)
	d, err := DecideConsumption(ConsumptionInput{Load: s.Load(now), Writes: writesBusy}, Policy{})
	require.NoError(t, err)
	require.Equal(t, ReasonSequential, d.Reason)
	require.Greater(t, d.EdgeShare, 0.99)
	require.Contains(t, d.Detail, "new right edge")
}

func TestDecideConsumptionThresholdAndSustain(t *testing.T) {
	s, err := NewSampler(Options{Seed: 5}, epoch)
	require.NoError(t, err)
	_, now := uniform.run(t, s, 6)
	load := s.Load(now)
	for _, tc := range []struct {
		name       string
		reads      Consumption
		writes     Consumption
		policy     Policy
		wantSplit  bool
		wantDetail string
	}{
		{"under the threshold", Consumption{Consumed: 2000, Limit: 3000, For: time.Hour}, Consumption{}, Policy{},
			false, "reads 2000 of 3000 units/s (67%) are under 80% of the limit"},
		{"above the threshold but not for long enough", Consumption{Consumed: 2900, Limit: 3000, For: time.Minute}, Consumption{}, Policy{},
			false, "reads have stayed above 80% of the limit for 1m0s of the 5m0s required"},
		{"no limits given", Consumption{Consumed: 2900}, Consumption{}, Policy{}, false, "no read or write limit given"},
		{"both kinds under", Consumption{Consumed: 1, Limit: 3000, For: time.Hour}, Consumption{Consumed: 1, Limit: 1000, For: time.Hour}, Policy{},
			false, "; writes 1 of 1000"},
		{"exactly at the threshold for exactly the sustain", Consumption{Consumed: 2400, Limit: 3000, For: DefaultSustain}, Consumption{}, Policy{},
			true, "reads 2400 of 3000 units/s (80%) for 5m0s"},
		{"a lower policy threshold", Consumption{Consumed: 2000, Limit: 3000, For: time.Minute}, Consumption{},
			Policy{Threshold: 0.5, Sustain: 30 * time.Second}, true, "halves the sampled load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DecideConsumption(ConsumptionInput{Load: load, Reads: tc.reads, Writes: tc.writes}, tc.policy)
			require.NoError(t, err)
			require.Equal(t, tc.wantSplit, d.Split, d.Detail)
			if !tc.wantSplit {
				require.Equal(t, ReasonUnderThreshold, d.Reason)
			}
			require.Contains(t, d.Detail, tc.wantDetail)
		})
	}
}

func TestDecideConsumptionRefusesSmallSamples(t *testing.T) {
	s, err := NewSampler(Options{}, epoch)
	require.NoError(t, err)
	for i := range 10 {
		s.RecordRead(u64Key(uint64(i)), 1, epoch)
	}
	d, err := DecideConsumption(ConsumptionInput{Load: s.Load(epoch), Reads: busy}, Policy{})
	require.NoError(t, err)
	require.Equal(t, ReasonTooFewSamples, d.Reason)
	require.False(t, d.Split)

	// An empty range of load counts as too few samples too.
	d, err = DecideConsumption(ConsumptionInput{Range: Range{Start: u64Key(100)}, Load: s.Load(epoch), Reads: busy}, Policy{MinSamples: 1})
	require.NoError(t, err)
	require.Equal(t, ReasonTooFewSamples, d.Reason)
}

func TestDecideConsumptionRefusesAnEmptyLeftSide(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start []byte
	}{
		{"the only key is the range start", u64Key(7)},
		{"the only key is above the range start", u64Key(3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSampler(Options{}, epoch)
			require.NoError(t, err)
			for i := range 100 {
				s.RecordRead(u64Key(7), 1, epoch.Add(time.Duration(i)*time.Millisecond))
			}
			in := ConsumptionInput{Range: Range{Start: tc.start}, Load: s.Load(epoch.Add(time.Second)), Reads: busy}
			d, err := DecideConsumption(in, Policy{HotKeyShare: 1})
			require.NoError(t, err)
			require.False(t, d.Split)
			require.Equal(t, ReasonEmptyLeft, d.Reason, d.Detail)
			require.Zero(t, d.Left)
		})
	}
}

// A split key is never the range start or outside the range, whatever the
// load; accesses are confined to few keys so edges of the range are hit.
func TestDecideConsumptionKeyIsStrictlyInsideTheRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	for trial := range 200 {
		s, err := NewSampler(Options{Samples: 32, Seed: uint64(trial)}, epoch)
		require.NoError(t, err)
		keys := 1 + rng.IntN(6)
		for range 200 {
			s.RecordWrite(u64Key(uint64(10+rng.IntN(keys))), 1+rng.Float64(), epoch.Add(time.Duration(rng.IntN(1000))*time.Millisecond))
		}
		r := Range{Start: u64Key(uint64(8 + rng.IntN(4))), End: u64Key(uint64(12 + rng.IntN(6)))}
		d, err := DecideConsumption(ConsumptionInput{Range: r, Load: s.Load(epoch.Add(time.Second)), Writes: writesBusy},
			Policy{HotKeyShare: 1, SequentialShare: 1, WalkShare: 1, MinSamples: 1})
		require.NoError(t, err)
		if d.Split {
			require.Positive(t, bytes.Compare(d.Key, r.Start), "trial %d", trial)
			require.Negative(t, bytes.Compare(d.Key, r.End), "trial %d", trial)
			require.Positive(t, d.Left)
			require.Positive(t, d.Right)
		}
	}
}

func TestDecideConsumptionRejectsBadInput(t *testing.T) {
	load := Load{Samples: 100}
	for _, tc := range []struct {
		name   string
		in     ConsumptionInput
		policy Policy
		want   string
	}{
		{"threshold above one", ConsumptionInput{Load: load}, Policy{Threshold: 1.5}, "Threshold 1.5"},
		{"negative hot-key share", ConsumptionInput{Load: load}, Policy{HotKeyShare: -0.1}, "HotKeyShare"},
		{"walk share of one half", ConsumptionInput{Load: load}, Policy{WalkShare: 0.5}, "WalkShare"},
		{"NaN sequential share", ConsumptionInput{Load: load}, Policy{SequentialShare: math.NaN()}, "SequentialShare"},
		{"negative sustain", ConsumptionInput{Load: load}, Policy{Sustain: -time.Second}, "Sustain"},
		{"negative min samples", ConsumptionInput{Load: load}, Policy{MinSamples: -1}, "MinSamples"},
		{"empty range", ConsumptionInput{Range: Range{Start: []byte("b"), End: []byte("b")}, Load: load}, Policy{}, "range start"},
		{"negative consumption", ConsumptionInput{Load: load, Reads: Consumption{Consumed: -1, Limit: 3000}}, Policy{}, "read consumption"},
		{"infinite limit", ConsumptionInput{Load: load, Writes: Consumption{Limit: math.Inf(1)}}, Policy{}, "write consumption"},
		{"NaN consumption", ConsumptionInput{Load: load, Writes: Consumption{Consumed: math.NaN(), Limit: 1}}, Policy{}, "write consumption"},
		{"negative duration", ConsumptionInput{Load: load, Reads: Consumption{Limit: 1, For: -1}}, Policy{}, "read consumption"},
		{"load keys out of order", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("b")}, {Key: []byte("a")}}}}, Policy{},
			"load key 1 61 is not above"},
		{"load keys repeated", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("a")}, {Key: []byte("a")}}}}, Policy{},
			"not above the key before it"},
		{"negative key load", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("a"), Write: -1}}}}, Policy{}, "load of key 61"},
		{"NaN recent load", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("a"), RecentRead: math.NaN()}}}}, Policy{}, "load of key 61"},
		{"negative sample count", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("a"), Samples: -1}}}}, Policy{}, "has -1 samples"},
		{"more recent samples than samples", ConsumptionInput{Load: Load{Keys: []KeyLoad{{Key: []byte("a"), Samples: 1, RecentSamples: 2}}}}, Policy{},
			"1 samples, 2 recent"},
		{"limits so small the load overflows", ConsumptionInput{
			Load:   Load{Keys: []KeyLoad{{Key: []byte("a"), Read: 1e300, Write: 1e300, Samples: 1}}},
			Reads:  Consumption{Consumed: 1e-300, Limit: 1e-300, For: time.Hour},
			Writes: Consumption{Consumed: 1e-300, Limit: 1e-300, For: time.Hour},
		}, Policy{}, "overflows"},
		{"a limit whose inverse is infinite", ConsumptionInput{
			Load:   Load{Keys: []KeyLoad{{Key: []byte("a"), Write: 1, Samples: 1}}},
			Reads:  Consumption{Consumed: 5e-324, Limit: 5e-324, For: time.Hour},
			Writes: writesBusy,
		}, Policy{}, "overflows"},
		{"infinite total", ConsumptionInput{Load: Load{Writes: Totals{RightEdge: math.Inf(1)}}}, Policy{}, "load total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecideConsumption(tc.in, tc.policy)
			require.ErrorIs(t, err, ErrInvalid)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDecideSize(t *testing.T) {
	key := func(s string) []byte { return []byte(s) }
	for _, tc := range []struct {
		name       string
		r          Range
		samples    []SizeSample
		splitSize  int64
		wantReason Reason
		wantKey    []byte
		wantLeft   float64
	}{
		{"splits at the byte median", Range{}, []SizeSample{{key("a"), 10}, {key("b"), 10}, {key("c"), 10}, {key("d"), 10}},
			30, ReasonSize, key("c"), 20},
		{"weighs bytes, not keys", Range{}, []SizeSample{{key("a"), 5}, {key("b"), 5}, {key("c"), 5}, {key("d"), 45}},
			30, ReasonSize, key("d"), 15},
		{"takes the first of equally good keys", Range{}, []SizeSample{{key("a"), 10}, {key("b"), 20}, {key("c"), 10}},
			30, ReasonSize, key("b"), 10},
		{"adds equal keys together", Range{}, []SizeSample{{key("a"), 10}, {key("b"), 10}, {key("b"), 10}, {key("c"), 10}},
			30, ReasonSize, key("b"), 10},
		{"stays under the split size", Range{}, []SizeSample{{key("a"), 10}, {key("b"), 10}}, 20, ReasonUnderSize, nil, 0},
		{"refuses when a single key holds the bytes", Range{}, []SizeSample{{key("a"), 0}, {key("b"), 100}, {key("c"), 0}},
			30, ReasonSingleKey, nil, 100},
		{"refuses one key repeated", Range{}, []SizeSample{{key("a"), 50}, {key("a"), 50}}, 30, ReasonSingleKey, nil, 100},
		{"splits inside an item collection", Range{Start: key("pk1#"), End: key("pk2#")},
			[]SizeSample{{key("pk1#sk1"), 400}, {key("pk1#sk2"), 400}, {key("pk1#sk3"), 400}}, 1000, ReasonSize, key("pk1#sk2"), 400},
		{"defaults to 10 GiB", Range{}, []SizeSample{{key("a"), 5 << 30}, {key("b"), 5 << 30}}, 0, ReasonUnderSize, nil, 0},
		{"above the default size", Range{}, []SizeSample{{key("a"), 5 << 30}, {key("b"), 5<<30 + 1}}, 0, ReasonSize, key("b"), 5 << 30},
		{"handles sizes near the int64 limit", Range{}, []SizeSample{{key("a"), math.MaxInt64 / 2}, {key("b"), math.MaxInt64 / 2}},
			1, ReasonSize, key("b"), math.MaxInt64 / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DecideSize(SizeInput{Range: tc.r, Samples: tc.samples, SplitSize: tc.splitSize})
			require.NoError(t, err)
			require.Equal(t, tc.wantReason, d.Reason, d.Detail)
			require.Equal(t, tc.wantKey != nil, d.Split)
			require.Equal(t, tc.wantKey, d.Key)
			require.Equal(t, tc.wantLeft, d.Left)
			require.NotEmpty(t, d.Detail)
		})
	}
}

// Random sizes: the split key leaves the bytes within one sample's bytes
// of even and lies strictly inside the range.
func TestDecideSizeSplitsAtTheByteMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 41))
	for trial := range 100 {
		n := 2 + rng.IntN(2000)
		samples := make([]SizeSample, n)
		var total, largest int64
		for i := range samples {
			samples[i] = SizeSample{Key: u64Key(uint64(1000 + 3*i)), Bytes: 1 + rng.Int64N(400<<10)}
			total += samples[i].Bytes
			largest = max(largest, samples[i].Bytes)
		}
		r := Range{Start: u64Key(1000), End: u64Key(uint64(1000 + 3*n))}
		d, err := DecideSize(SizeInput{Range: r, Samples: samples, SplitSize: 1})
		require.NoError(t, err)
		require.True(t, d.Split, "trial %d: %s", trial, d.Detail)
		require.Positive(t, bytes.Compare(d.Key, r.Start))
		require.Negative(t, bytes.Compare(d.Key, r.End))
		require.Equal(t, float64(total), d.Left+d.Right)
		require.LessOrEqual(t, math.Abs(d.Left-d.Right), float64(largest), "trial %d", trial)
		var left int64
		for _, s := range samples {
			if bytes.Compare(s.Key, d.Key) < 0 {
				left += s.Bytes
			}
		}
		require.Equal(t, float64(left), d.Left)
	}
}

func TestDecideSizeRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   SizeInput
		want string
	}{
		{"keys out of order", SizeInput{Samples: []SizeSample{{[]byte("b"), 1}, {[]byte("a"), 1}}}, "below the key before it"},
		{"key below the range", SizeInput{Range: Range{Start: []byte("b")}, Samples: []SizeSample{{[]byte("a"), 1}}}, "outside the range"},
		{"key at the range end", SizeInput{Range: Range{End: []byte("b")}, Samples: []SizeSample{{[]byte("b"), 1}}}, "outside the range"},
		{"negative bytes", SizeInput{Samples: []SizeSample{{[]byte("a"), -1}}}, "negative bytes"},
		{"negative split size", SizeInput{SplitSize: -1}, "SplitSize"},
		{"inverted range", SizeInput{Range: Range{Start: []byte("b"), End: []byte("a")}}, "range start"},
		{"bytes overflow", SizeInput{Samples: []SizeSample{{[]byte("a"), math.MaxInt64}, {[]byte("b"), 1}}}, "add up to more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecideSize(tc.in)
			require.ErrorIs(t, err, ErrInvalid)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestReasonString(t *testing.T) {
	names := map[string]bool{}
	for r := ReasonSize; r <= ReasonTooFewSamples; r++ {
		name := r.String()
		require.NotContains(t, name, "Reason(")
		require.False(t, names[name], "duplicate name %q", name)
		names[name] = true
	}
	require.True(t, strings.HasPrefix(Reason(0).String(), "Reason("))
	require.Equal(t, "Reason(200)", Reason(200).String())
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
