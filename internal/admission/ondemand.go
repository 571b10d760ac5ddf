package admission

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// DynamoDB's figures for on-demand tables (Developer Guide,
// HowItWorks.ReadWriteCapacityMode, "Peak traffic and scaling properties" and
// "Initial throughput for on-demand capacity mode"): a new table starts with
// a previous peak of 6,000 read and 2,000 write request units per second, so
// it serves up to 12,000 and 4,000 at once; traffic may reach double the
// previous peak instantly, and more than double within 30 minutes may be
// throttled.
const (
	OnDemandInitialReadPeak  = 6000.0
	OnDemandInitialWritePeak = 2000.0
	DefaultPeakWindow        = 30 * time.Minute
)

// OnDemandOptions configures an OnDemand tracker. Zero values mean the
// defaults noted on each field.
type OnDemandOptions struct {
	// Table names the table in throttling errors.
	Table string
	// InitialReadPeak is the previous read peak the table starts with, in
	// request units per second. Zero means OnDemandInitialReadPeak; a table
	// switched from provisioned mode uses the larger of that and half the
	// most read capacity it was ever provisioned with (see
	// SwitchedFromProvisioned).
	InitialReadPeak float64
	// InitialWritePeak is the same for writes. Zero means
	// OnDemandInitialWritePeak.
	InitialWritePeak float64
	// PeakWindow is how long a second of traffic must lie in the past before
	// it counts as the previous peak. Zero means DefaultPeakWindow (30
	// minutes).
	PeakWindow time.Duration
}

// SwitchedFromProvisioned returns the options of a table switched from
// provisioned to on-demand mode: its previous peaks are half the most
// capacity it was provisioned with, or a new table's, whichever is higher.
func SwitchedFromProvisioned(table string, maxReadCapacity, maxWriteCapacity float64) OnDemandOptions {
	return OnDemandOptions{
		Table:            table,
		InitialReadPeak:  math.Max(OnDemandInitialReadPeak, maxReadCapacity/2),
		InitialWritePeak: math.Max(OnDemandInitialWritePeak, maxWriteCapacity/2),
	}
}

// OnDemand admits the requests of one PAY_PER_REQUEST table up to double its
// previous peak, separately for reads and writes.
//
// The previous peak is the most request units the table consumed in any one
// second (seconds counted from the Unix epoch) that ended at least
// PeakWindow ago, or the initial peak if larger. Traffic may therefore grow
// to double the previous peak at once, and a new, higher level becomes the
// previous peak once it is PeakWindow old: a table that doubles its traffic
// every 30 minutes is never throttled, one that more than doubles within 30
// minutes may be. The peak never decreases. Admission is a token bucket
// refilled at twice the previous peak, holding one second of it.
//
// An OnDemand is safe for concurrent use.
type OnDemand struct {
	mu     sync.Mutex
	table  string
	window time.Duration
	last   time.Time
	read   peakTracker
	write  peakTracker
}

// peakSecond is the units consumed in one second.
type peakSecond struct {
	second int64
	units  float64
}

type peakTracker struct {
	peak    float64
	lim     *rate.Limiter
	second  int64
	current float64
	pending []peakSecond // completed seconds not yet PeakWindow old, oldest first
}

// NewOnDemand returns an on-demand tracker for one table, starting at now.
func NewOnDemand(opts OnDemandOptions, now time.Time) (*OnDemand, error) {
	for _, v := range []float64{opts.InitialReadPeak, opts.InitialWritePeak} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("admission: on-demand table %q: initial peak %v is not a finite, non-negative number", opts.Table, v)
		}
	}
	if opts.PeakWindow < 0 {
		return nil, fmt.Errorf("admission: on-demand table %q: negative peak window", opts.Table)
	}
	if opts.InitialReadPeak == 0 {
		opts.InitialReadPeak = OnDemandInitialReadPeak
	}
	if opts.InitialWritePeak == 0 {
		opts.InitialWritePeak = OnDemandInitialWritePeak
	}
	if opts.PeakWindow == 0 {
		opts.PeakWindow = DefaultPeakWindow
	}
	o := &OnDemand{table: opts.Table, window: opts.PeakWindow, last: now}
	o.read.init(opts.InitialReadPeak, now)
	o.write.init(opts.InitialWritePeak, now)
	return o, nil
}

func (t *peakTracker) init(peak float64, now time.Time) {
	t.peak = peak
	t.lim = rate.NewLimiter(rate.Limit(2*peak*tokensPerUnit), burstTokens(2*peak, 1))
	t.lim.AllowN(now, 0)
	t.second = now.Unix()
}

func (o *OnDemand) tracker(kind Kind) *peakTracker {
	if kind == Write {
		return &o.write
	}
	return &o.read
}

// advance closes the seconds before now and promotes those older than the
// window to the previous peak, raising the limit when the peak grows.
func (t *peakTracker) advance(now time.Time, window time.Duration) {
	sec := now.Unix()
	if sec > t.second {
		if t.current > 0 {
			t.pending = append(t.pending, peakSecond{second: t.second, units: t.current})
		}
		t.second, t.current = sec, 0
	}
	// A second [s, s+1) is window old once s+1 <= now - window.
	cutoff := now.Add(-window)
	promoted := t.peak
	i := 0
	for ; i < len(t.pending); i++ {
		if time.Unix(t.pending[i].second+1, 0).After(cutoff) {
			break
		}
		promoted = math.Max(promoted, t.pending[i].units)
	}
	if i > 0 {
		t.pending = append(t.pending[:0], t.pending[i:]...)
	}
	if promoted > t.peak {
		t.peak = promoted
		t.lim.SetLimitAt(now, rate.Limit(2*promoted*tokensPerUnit))
		t.lim.SetBurstAt(now, burstTokens(2*promoted, 1))
	}
}

// Admit decides whether a request costing units of kind may run at now. A
// refusal is a *dberr.ThrottlingException with reason dberr.ThrottleTable;
// units that are negative or not finite are a wrapped ValidationException.
func (o *OnDemand) Admit(now time.Time, kind Kind, units float64) error {
	if !validAmount(units) {
		return fmt.Errorf("admission: on-demand table %q: %w", o.table,
			dberr.Validationf("capacity units %v must be finite and non-negative", units))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now = monotonic(&o.last, now)
	t := o.tracker(kind)
	t.advance(now, o.window)
	tokens := min(toTokens(units), t.lim.Burst())
	if t.lim.TokensAt(now) < float64(tokens) {
		return ThrottleError(true, dberr.ThrottleTable, o.table, delayFor(t.lim, now, float64(tokens)))
	}
	t.lim.AllowN(now, tokens)
	t.current += units
	return nil
}

// Record counts units of kind consumed at now toward the table's peak
// without admitting them: a host whose requests were admitted elsewhere
// (by the grants of a Service whose rate follows Limit) reports what they
// consumed. Units that are not finite and positive count nothing.
func (o *OnDemand) Record(now time.Time, kind Kind, units float64) {
	if !validAmount(units) || units == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now = monotonic(&o.last, now)
	t := o.tracker(kind)
	t.advance(now, o.window)
	t.current += units
}

// PreviousPeak returns the previous peak of kind at now, in request units per
// second.
func (o *OnDemand) PreviousPeak(now time.Time, kind Kind) float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	now = monotonic(&o.last, now)
	t := o.tracker(kind)
	t.advance(now, o.window)
	return t.peak
}

// Limit returns the most request units per second of kind the table admits
// at now: double the previous peak. A host running global admission control
// for an on-demand table feeds it to Service.SetRate.
func (o *OnDemand) Limit(now time.Time, kind Kind) float64 {
	return 2 * o.PreviousPeak(now, kind)
}
