package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	// Workload, Distribution, Records and ItemSize describe the mix.
	Workload     string       `json:"workload"`
	Distribution Distribution `json:"distribution"`
	Records      uint64       `json:"records"`
	ItemSize     int          `json:"item_size"`
	// Target names the store under test (set by the caller).
	Target string `json:"target,omitempty"`
	// Loop is "closed" or "open"; Rate is the open loop's target rate.
	Loop        string  `json:"loop"`
	Rate        float64 `json:"rate,omitempty"`
	Concurrency int     `json:"concurrency"`
	// DurationSeconds is the time from the first send to the last answer.
	DurationSeconds float64 `json:"duration_seconds"`
	// Operations counts every operation sent; Throughput is Operations per
	// second of DurationSeconds.
	Operations int64   `json:"operations"`
	Throughput float64 `json:"throughput"`
	// Answered counts the operations the target answered (OK, NotFound,
	// ConditionFailed); Goodput is Answered per second. They differ from
	// Operations and Throughput by the throttled and failed operations,
	// which a throttling target answers fast and in great numbers.
	Answered int64   `json:"answered"`
	Goodput  float64 `json:"goodput"`
	// Throttled and Errors count operations with those outcomes.
	Throttled int64 `json:"throttled"`
	Errors    int64 `json:"errors"`
	// Scheduled, Unsent and UnsentLagMs are the open loop's: operations due
	// before the end, those never sent because every worker was busy, and
	// how late the oldest of those was when the run ended.
	Scheduled   int64   `json:"scheduled,omitempty"`
	Unsent      int64   `json:"unsent,omitempty"`
	UnsentLagMs float64 `json:"unsent_lag_ms,omitempty"`
	// All summarizes every operation type together; Ops each one.
	All OpStats            `json:"all"`
	Ops map[string]OpStats `json:"ops"`
	// Service is the open loop's service time per operation type: from the
	// actual send, not the intended one, so without the time spent waiting
	// for a free worker. Ops minus Service is the queueing a closed loop
	// would have hidden.
	Service map[string]OpStats `json:"service,omitempty"`
	// ServiceAll is the open loop's service time of every operation type
	// together.
	ServiceAll *OpStats `json:"service_all,omitempty"`
	// ErrorSamples holds a few distinct error texts.
	ErrorSamples []string `json:"error_samples,omitempty"`

	hists map[OpType]*hdrhistogram.Histogram
}

// OpStats is one operation type's counts and latency percentiles (of the
// operations the target answered: OK, NotFound, ConditionFailed).
type OpStats struct {
	Count           int64   `json:"count"`
	OK              int64   `json:"ok"`
	NotFound        int64   `json:"not_found"`
	ConditionFailed int64   `json:"condition_failed"`
	Throttled       int64   `json:"throttled"`
	Errors          int64   `json:"errors"`
	MeanMs          float64 `json:"mean_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P90Ms           float64 `json:"p90_ms"`
	P99Ms           float64 `json:"p99_ms"`
	P999Ms          float64 `json:"p999_ms"`
	MaxMs           float64 `json:"max_ms"`
}

func newResult(opts Options, workers []*worker, elapsed time.Duration) *Result {
	w := opts.Workload
	res := &Result{Workload: w.Name, Distribution: w.Distribution, Records: w.RecordCount, ItemSize: w.ItemSize,
		Loop: "closed", Concurrency: opts.Concurrency, DurationSeconds: elapsed.Seconds(),
		Ops: map[string]OpStats{}, hists: map[OpType]*hdrhistogram.Histogram{}}
	if opts.Rate > 0 {
		res.Loop, res.Rate = "open", opts.Rate
		res.Service = map[string]OpStats{}
	}
	all := hdrhistogram.New(histMin, histMax, histSigFigs)
	allService := hdrhistogram.New(histMin, histMax, histSigFigs)
	var allCounts [numOutcomes]int64
	for _, op := range w.ops() {
		h := hdrhistogram.New(histMin, histMax, histSigFigs)
		var counts [numOutcomes]int64
		for _, wk := range workers {
			h.Merge(wk.hists[op])
			for o := range counts {
				counts[o] += wk.counts[op][o]
			}
		}
		all.Merge(h)
		for o := range counts {
			allCounts[o] += counts[o]
		}
		res.Ops[op.String()] = stats(h, counts)
		res.hists[op] = h
		if res.Service != nil {
			svc := hdrhistogram.New(histMin, histMax, histSigFigs)
			for _, wk := range workers {
				svc.Merge(wk.service[op])
			}
			res.Service[op.String()] = stats(svc, counts)
			allService.Merge(svc)
		}
	}
	res.All = stats(all, allCounts)
	if res.Service != nil {
		s := stats(allService, allCounts)
		res.ServiceAll = &s
	}
	res.Operations = res.All.Count
	res.Throttled, res.Errors = res.All.Throttled, res.All.Errors
	res.Answered = res.All.OK + res.All.NotFound + res.All.ConditionFailed
	if elapsed > 0 {
		res.Throughput = float64(res.Operations) / elapsed.Seconds()
		res.Goodput = float64(res.Answered) / elapsed.Seconds()
	}
	for _, wk := range workers {
		for _, e := range wk.errs {
			if len(res.ErrorSamples) < maxErrors && !contains(res.ErrorSamples, e) {
				res.ErrorSamples = append(res.ErrorSamples, e)
			}
		}
	}
	return res
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stats(h *hdrhistogram.Histogram, counts [numOutcomes]int64) OpStats {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	s := OpStats{OK: counts[OK], NotFound: counts[NotFound], ConditionFailed: counts[ConditionFailed],
		Throttled: counts[Throttled], Errors: counts[Error]}
	for _, c := range counts {
		s.Count += c
	}
	if h.TotalCount() > 0 {
		s.MeanMs = h.Mean() / 1000
		s.P50Ms = ms(h.ValueAtQuantile(50))
		s.P90Ms = ms(h.ValueAtQuantile(90))
		s.P99Ms = ms(h.ValueAtQuantile(99))
		s.P999Ms = ms(h.ValueAtQuantile(99.9))
		s.MaxMs = ms(h.Max())
	}
	return s
}

// Histogram returns the merged latency histogram of one operation type, in
// microseconds, or nil if the workload has no such operation.
func (r *Result) Histogram(op OpType) *hdrhistogram.Histogram { return r.hists[op] }

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bench: encode result: %w", err)
	}
	return nil
}

// WriteJSONFile writes the result to the file at path.
func (r *Result) WriteJSONFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: create result file: %w", err)
	}
	if err := r.WriteJSON(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: close result file: %w", err)
	}
	return nil
}

// String renders the result as a table.
func (r *Result) String() string {
	var b strings.Builder
	loop := "closed loop"
	if r.Loop == "open" {
		loop = fmt.Sprintf("open loop at %.0f ops/s", r.Rate)
	}
	fmt.Fprintf(&b, "workload %s (%s, %d records of %d B) on %s, %s, %d workers, %.1fs\n",
		r.Workload, r.Distribution, r.Records, r.ItemSize, r.Target, loop, r.Concurrency, r.DurationSeconds)
	fmt.Fprintf(&b, "throughput %.0f ops/s, %d ops, %d throttled, %d errors", r.Throughput, r.Operations, r.Throttled, r.Errors)
	if r.Answered != r.Operations {
		fmt.Fprintf(&b, "; answered %.0f ops/s", r.Goodput)
	}
	if r.Unsent > 0 {
		fmt.Fprintf(&b, ", %d of %d scheduled never sent (oldest %.0f ms late)", r.Unsent, r.Scheduled, r.UnsentLagMs)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-18s %9s %9s %9s %9s %9s %9s %9s %s\n", "op", "count", "mean ms", "p50", "p90", "p99", "p99.9", "max", "other outcomes")
	row := func(name string, s OpStats) {
		var other []string
		for _, o := range []struct {
			n string
			c int64
		}{{"not_found", s.NotFound}, {"condition_failed", s.ConditionFailed}, {"throttled", s.Throttled}, {"errors", s.Errors}} {
			if o.c > 0 {
				other = append(other, fmt.Sprintf("%s=%d", o.n, o.c))
			}
		}
		line := fmt.Sprintf("%-18s %9d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %s",
			name, s.Count, s.MeanMs, s.P50Ms, s.P90Ms, s.P99Ms, s.P999Ms, s.MaxMs, strings.Join(other, " "))
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for op := range numOpTypes {
		if s, ok := r.Ops[op.String()]; ok {
			row(op.String(), s)
		}
	}
	row("all", r.All)
	if len(r.Service) > 0 {
		b.WriteString("service time (from the actual send, without queueing):\n")
		for op := range numOpTypes {
			if s, ok := r.Service[op.String()]; ok {
				row(op.String(), s)
			}
		}
		row("all", *r.ServiceAll)
	}
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	return b.String()
}
