package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/embeddynamo/dynamo/internal/clock"
)

// Histogram bounds: latencies are recorded in microseconds from 1 µs to
// 60 s with 3 significant digits; longer ones are recorded as 60 s.
const (
	histMin     = 1
	histMax     = 60_000_000
	histSigFigs = 3
)

// Options configure Run.
type Options struct {
	// Workload is the mix to run; it must have been loaded (Load).
	Workload Workload
	// Concurrency is the number of workers. Default 1.
	Concurrency int
	// Rate, when above zero, makes the run an open loop: Rate operations
	// per second on a fixed schedule, latency measured from each
	// operation's intended send time. Zero: a closed loop.
	Rate float64
	// Duration is how long operations are sent. Required.
	Duration time.Duration
	// Seed seeds the workers' random sources (worker i uses Seed and i).
	Seed uint64
	// Clock tells time and waits for the open loop's schedule. Default
	// the wall clock.
	Clock clock.Clock
	// Progress, when not nil, receives a line every ProgressInterval
	// (default 5 s).
	Progress io.Writer
	// ProgressInterval is the time between progress lines.
	ProgressInterval time.Duration
}

func (o *Options) withDefaults() (Options, error) {
	opts := *o
	if opts.Concurrency == 0 {
		opts.Concurrency = 1
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.ProgressInterval == 0 {
		opts.ProgressInterval = 5 * time.Second
	}
	switch {
	case opts.Concurrency < 0:
		return opts, fmt.Errorf("bench: concurrency %d is negative", opts.Concurrency)
	case opts.Rate < 0:
		return opts, fmt.Errorf("bench: rate %g is negative", opts.Rate)
	case opts.Duration <= 0:
		return opts, fmt.Errorf("bench: duration %v must be positive", opts.Duration)
	case opts.Rate > 0 && float64(time.Second)/opts.Rate < 1:
		return opts, fmt.Errorf("bench: rate %g is above one operation per nanosecond", opts.Rate)
	}
	return opts, opts.Workload.Validate()
}

// Load inserts the workload's RecordCount records with concurrency
// workers, stopping at the first failure.
func Load(ctx context.Context, t Target, w Workload, concurrency int, seed uint64) error {
	if err := w.Validate(); err != nil {
		return err
	}
	concurrency = max(concurrency, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Uint64
	var wg sync.WaitGroup
	for i := range concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(i)^0x10ad))
			value := make([]byte, w.ItemSize)
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if n >= w.RecordCount {
					return
				}
				Fill(r, value)
				// An insert that failed (a leader change, say) may be sent
				// again: loading writes each record once, whatever it held.
				var outcome Outcome
				var err error
				for range loadAttempts {
					if outcome, err = t.Insert(ctx, w.KeyOf(n), value); outcome == OK || ctx.Err() != nil {
						break
					}
				}
				if outcome != OK {
					cancel(fmt.Errorf("bench: load record %d: %v: %w", n, outcome, errOrOutcome(err, outcome)))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// loadAttempts is how many times Load sends one record's insert.
const loadAttempts = 3

func errOrOutcome(err error, o Outcome) error {
	if err != nil {
		return err
	}
	return errors.New(o.String())
}

// Fill writes printable random bytes into value (YCSB's values are random
// printable strings), as Load and Run do; a target with a loader of its own
// fills its records with it.
func Fill(r *rand.Rand, value []byte) {
	for i := 0; i < len(value); i += 8 {
		x := r.Uint64()
		for j := i; j < min(i+8, len(value)); j++ {
			value[j] = ' ' + byte(x%95)
			x >>= 8
		}
	}
}

// worker is one sender's state: its random source, chooser and records,
// touched by its goroutine alone, plus counters the progress line reads.
type worker struct {
	r       *rand.Rand
	chooser KeyChooser
	value   []byte
	hists   [numOpTypes]*hdrhistogram.Histogram
	service [numOpTypes]*hdrhistogram.Histogram // open loop: from the actual send
	counts  [numOpTypes][numOutcomes]int64
	errs    []string // the first few distinct errors
	done    atomic.Int64
	failed  atomic.Int64 // throttled or error
	_       [64]byte     // keep workers' counters off each other's cache lines
}

// Run runs the workload against t and returns what it measured. It stops
// sending at Duration (or when ctx is cancelled) and waits for the
// operations in flight.
func Run(ctx context.Context, t Target, o Options) (*Result, error) {
	opts, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	w := opts.Workload
	clk := opts.Clock
	workers := make([]*worker, opts.Concurrency)
	for i := range workers {
		chooser, err := w.newChooser()
		if err != nil {
			return nil, err
		}
		wk := &worker{r: rand.New(rand.NewPCG(opts.Seed, uint64(i))), chooser: chooser, value: make([]byte, w.ItemSize)}
		for _, op := range w.ops() {
			wk.hists[op] = hdrhistogram.New(histMin, histMax, histSigFigs)
			if opts.Rate > 0 {
				wk.service[op] = hdrhistogram.New(histMin, histMax, histSigFigs)
			}
		}
		workers[i] = wk
	}
	records := newAckCounter(w.RecordCount)
	var interval time.Duration
	var scheduled int64
	if opts.Rate > 0 {
		interval = time.Duration(float64(time.Second) / opts.Rate)
		scheduled = int64((opts.Duration + interval - 1) / interval)
	}
	var next atomic.Int64 // the open loop's next operation

	start := clk.Now()
	end := start.Add(opts.Duration)
	progressDone := make(chan struct{})
	stopProgress := make(chan struct{})
	go func() {
		defer close(progressDone)
		if opts.Progress != nil {
			reportProgress(opts.Progress, clk, opts.ProgressInterval, start, workers, stopProgress)
		}
	}()

	var wg sync.WaitGroup
	for _, wk := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				var intended time.Time
				if interval > 0 {
					i := next.Add(1) - 1
					if i >= scheduled {
						return
					}
					intended = start.Add(time.Duration(i) * interval)
					now := clk.Now()
					if !now.Before(end) {
						return // the run is over: this operation was never sent
					}
					if wait := intended.Sub(now); wait > 0 {
						if !sleep(ctx, clk, wait) {
							return
						}
						// The worker was early and idle: a timer that fires
						// late (by up to a millisecond on Linux when the
						// process is idle) is the harness's delay, not the
						// target's, up to timerSlack. Beyond it (a pause
						// of the whole process, which an in-process
						// target causes too) it counts.
						intended = intended.Add(min(clk.Now().Sub(intended), timerSlack))
					}
				} else {
					intended = clk.Now()
					if !intended.Before(end) {
						return
					}
				}
				op := w.pick(wk.r)
				sent := clk.Now()
				outcome, err := runOp(ctx, t, w, wk, records, op)
				done := clk.Now()
				wk.record(op, outcome, err, done.Sub(intended), done.Sub(sent))
			}
		})
	}
	wg.Wait()
	elapsed := clk.Now().Sub(start)
	close(stopProgress)
	<-progressDone
	res := newResult(opts, workers, elapsed)
	if interval > 0 {
		res.Scheduled = scheduled
		if unsent := scheduled - res.Operations; unsent > 0 {
			res.Unsent = unsent
			oldest := start.Add(time.Duration(res.Operations) * interval)
			res.UnsentLagMs = float64(end.Sub(oldest)) / float64(time.Millisecond)
		}
	}
	return res, nil
}

// timerSlack is how late a timer may fire before the open loop counts the
// delay against the target: Go's timers fire up to a millisecond late.
const timerSlack = 2 * time.Millisecond

// sleep waits d on clk; false if ctx ended first.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	timer := clk.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// runOp performs one operation of type op.
func runOp(ctx context.Context, t Target, w Workload, wk *worker, records *ackCounter, op OpType) (Outcome, error) {
	existing := func() Key { return w.KeyOf(wk.chooser.Next(wk.r, records.Limit())) }
	switch op {
	case OpRead:
		return t.Read(ctx, existing())
	case OpUpdate:
		Fill(wk.r, wk.value)
		return t.Update(ctx, existing(), wk.value)
	case OpInsert:
		n := records.Next()
		defer records.Acknowledge(n)
		Fill(wk.r, wk.value)
		return t.Insert(ctx, w.KeyOf(n), wk.value)
	case OpScan:
		length := 1 + wk.r.IntN(w.MaxScanLength)
		return t.Scan(ctx, existing(), length)
	case OpReadModifyWrite:
		Fill(wk.r, wk.value)
		return t.ReadModifyWrite(ctx, existing(), wk.value)
	}
	return Error, fmt.Errorf("bench: unknown operation %v", op)
}

// maxErrors is how many distinct error texts a worker keeps.
const maxErrors = 5

// record counts one operation; latency is from its intended send time,
// service from its actual send (the same in a closed loop).
func (wk *worker) record(op OpType, outcome Outcome, err error, latency, service time.Duration) {
	if outcome >= numOutcomes {
		outcome = Error
	}
	wk.counts[op][outcome]++
	switch outcome {
	case OK, NotFound, ConditionFailed: // answers: their latency counts
		_ = wk.hists[op].RecordValue(clampMicros(latency)) // in range by construction
		if h := wk.service[op]; h != nil {
			_ = h.RecordValue(clampMicros(service))
		}
	default:
		wk.failed.Add(1)
		if err != nil && len(wk.errs) < maxErrors {
			text := op.String() + ": " + err.Error()
			known := false
			for _, e := range wk.errs {
				known = known || e == text
			}
			if !known {
				wk.errs = append(wk.errs, text)
			}
		}
	}
	wk.done.Add(1)
}

// clampMicros returns d in microseconds within the histograms' range.
func clampMicros(d time.Duration) int64 {
	return min(max(d.Microseconds(), histMin), histMax)
}

// reportProgress writes a line every interval until stop is closed.
func reportProgress(out io.Writer, clk clock.Clock, interval time.Duration, start time.Time, workers []*worker, stop <-chan struct{}) {
	ticker := clk.NewTicker(interval)
	defer ticker.Stop()
	var lastDone int64
	last := start
	for {
		select {
		case <-stop:
			return
		case now := <-ticker.C():
			var done, failed int64
			for _, wk := range workers {
				done += wk.done.Load()
				failed += wk.failed.Load()
			}
			rate := float64(done-lastDone) / now.Sub(last).Seconds()
			fmt.Fprintf(out, "%6.1fs  %10d ops  %9.0f ops/s  %d throttled or failed\n",
				now.Sub(start).Seconds(), done, rate, failed)
			lastDone, last = done, now
		}
	}
}
