// Command bench measures dynamo with YCSB's core workloads and a
// DynamoDB-shaped one, in a closed loop (a fixed number of workers) or an
// open loop (a fixed rate, latency measured from each operation's intended
// send time so that queueing behind a stall is counted).
//
//	go run ./examples/bench                          # workload a, 10 s, kv target
//	go run ./examples/bench -workload e -concurrency 32 -json e.json
//	go run ./examples/bench -rate 2000               # open loop at 2,000 ops/s
//	go run ./examples/bench -sweep                   # capacity, then 25..125% of it, open loop
//	go run ./examples/bench -compare -dir /data      # fdatasync ceiling vs replicated writes
//
// Targets: kv, a three-node replicated key-value service built from
// dynamo.ReplicaNode with a write-ahead log per node under -dir; memory, a
// map in the process, to check the harness itself. The Table targets
// (disk, memory-backed Table, the HTTP endpoint, TCP nodes) come with the
// Table layer.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/embeddynamo/dynamo/internal/bench"
	"github.com/embeddynamo/dynamo/internal/bench/kvtarget"
)

// config is the command line.
type config struct {
	workload     string
	duration     time.Duration
	records      uint64
	itemSize     int
	distribution string
	consistent   bool
	concurrency  int
	rate         float64
	target       string
	jsonFile     string
	dir          string
	seed         uint64
	progress     time.Duration
	compare      bool
	sweep        bool
	cpuProfile   string
}

// tableTargets need the Table layer (PutItem/GetItem/UpdateItem/Query on a
// replicated cluster), which is not there yet.
var tableTargets = map[string]string{
	"disk": "a Table on a cluster of nodes with bbolt storage and WALs on disk",
	"http": "a Table behind the DynamoDB JSON endpoint, through the AWS SDK for Go v2",
	"tcp":  "a Table on nodes talking over TCP on loopback",
}

const usageText = `usage: bench [flags]

Runs a YCSB core workload (a-f) or the DynamoDB-shaped "ddb" workload against
a target and prints throughput and latency percentiles per operation type.

Targets available now:
  kv       three in-process replicas (dynamo.ReplicaNode) of one raft group,
           each with its own write-ahead log under -dir, fdatasync'd
  memory   a map in the process: checks the harness's own overhead
Targets that come with the Table step (PutItem/GetItem/UpdateItem/Query):
  disk     a Table on a cluster of nodes with bbolt storage and WALs on disk
  memory   (Table variant) a Table on in-memory storage
  http     a Table behind the DynamoDB JSON endpoint, through the AWS SDK
  tcp      a Table on nodes talking over TCP on loopback

Modes:
  default   load the records, then run the workload for -duration
  -rate N   open loop: N ops/s on a fixed schedule (latency from intended time)
  -sweep    closed loop to find capacity, then open loop at 25/50/75/100/125%
  -compare  fdatasync ceiling of 4 KB appends on -dir's disk vs replicated
            durable writes through the kv target, and their ratios

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.workload, "workload", "a", "workload: a|b|c|d|e|f|ddb")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send operations (each step of -sweep and -compare)")
	fs.Uint64Var(&c.records, "records", 0, "records loaded before the run (0: the workload's, 1000 as in YCSB)")
	fs.IntVar(&c.itemSize, "item-size", 0, "bytes per item (0: the workload's: 1000 for a-f, 1024 for ddb, 4096 for -compare)")
	fs.StringVar(&c.distribution, "distribution", "", "request distribution: uniform|zipfian|latest (default: the workload's)")
	fs.BoolVar(&c.consistent, "consistent", false, "strongly consistent reads (at the leader, after a quorum check)")
	fs.IntVar(&c.concurrency, "concurrency", 32, "workers (closed loop) or the most operations in flight (open loop)")
	fs.Float64Var(&c.rate, "rate", 0, "open loop at this many ops/s when > 0")
	fs.StringVar(&c.target, "target", "kv", "target: kv|memory now; disk|http|tcp come with the Table step")
	fs.StringVar(&c.jsonFile, "json", "", "write the results to this JSON file")
	fs.StringVar(&c.dir, "dir", "", "data directory for the kv target and -compare (default: a new temporary directory, removed after)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the workers' random choices")
	fs.DurationVar(&c.progress, "progress", 5*time.Second, "time between progress lines (0: none)")
	fs.BoolVar(&c.compare, "compare", false, "measure the fdatasync ceiling and replicated durable writes side by side")
	fs.BoolVar(&c.sweep, "sweep", false, "find closed-loop capacity, then run the open loop at 25..125% of it")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if what, ok := tableTargets[c.target]; ok {
		return c, fmt.Errorf("target %q (%s) needs the Table layer, which comes in a later step; the targets available now are kv and memory", c.target, what)
	}
	if c.target != "kv" && c.target != "memory" {
		return c, fmt.Errorf("unknown target %q (want kv or memory; disk, http and tcp come with the Table step)", c.target)
	}
	if c.compare && c.target != "kv" {
		return c, errors.New("-compare measures the kv target; drop -target")
	}
	if c.compare && (c.sweep || c.rate > 0) {
		return c, errors.New("-compare runs closed loops: it does not combine with -sweep or -rate")
	}
	if c.sweep && c.rate > 0 {
		return c, errors.New("-sweep chooses the rates itself: drop -rate")
	}
	if c.concurrency < 1 {
		return c, fmt.Errorf("-concurrency %d: at least 1", c.concurrency)
	}
	return c, nil
}

// workload builds the workload the flags describe.
func (c config) workloadFor(defaultItemSize int) (bench.Workload, error) {
	w, err := bench.CoreWorkload(c.workload)
	if err != nil {
		return w, err
	}
	if c.records > 0 {
		w.RecordCount = c.records
	}
	if defaultItemSize > 0 {
		w.ItemSize = defaultItemSize
	}
	if c.itemSize > 0 {
		w.ItemSize = c.itemSize
	}
	if c.distribution != "" {
		w.Distribution = bench.Distribution(c.distribution)
		if w.Distribution == bench.DistComposite {
			return w, errors.New("-distribution: want uniform, zipfian or latest")
		}
	}
	return w, w.Validate()
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run carries out the mode the flags chose, writing its report to out.
func run(ctx context.Context, cfg config, out io.Writer) (err error) {
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	dir := cfg.dir
	if dir == "" && (cfg.target == "kv" || cfg.compare) {
		if dir, err = os.MkdirTemp("", "dynamo-bench-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	} else if dir != "" {
		if dir, err = os.MkdirTemp(dir, "dynamo-bench-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	var report any
	switch {
	case cfg.compare:
		report, err = runCompare(ctx, cfg, dir, out)
	case cfg.sweep:
		report, err = runSweep(ctx, cfg, dir, out)
	default:
		report, err = runOnce(ctx, cfg, dir, out)
	}
	if err != nil {
		return err
	}
	if cfg.jsonFile != "" {
		if err := writeJSON(cfg.jsonFile, report); err != nil {
			return err
		}
		fmt.Fprintf(out, "results written to %s\n", cfg.jsonFile)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// openTarget starts the chosen target; close stops it.
func openTarget(ctx context.Context, cfg config, dir, name string) (bench.Target, func() error, error) {
	switch cfg.target {
	case "memory":
		return bench.NewMemoryTarget(), func() error { return nil }, nil
	case "kv":
		startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		t, err := kvtarget.Open(startCtx, kvtarget.Options{Dir: dir + "/" + name, Consistent: cfg.consistent})
		if err != nil {
			return nil, nil, err
		}
		return t, t.Close, nil
	}
	return nil, nil, fmt.Errorf("unknown target %q", cfg.target)
}

// prepare opens the target and loads the workload's records.
func prepare(ctx context.Context, cfg config, dir, name string, w bench.Workload, out io.Writer) (bench.Target, func() error, error) {
	target, closeTarget, err := openTarget(ctx, cfg, dir, name)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if err := bench.Load(ctx, target, w, cfg.concurrency, cfg.seed); err != nil {
		_ = closeTarget()
		return nil, nil, err
	}
	if s, ok := target.(interface{ Settle(context.Context) error }); ok {
		settleCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := s.Settle(settleCtx); err != nil {
			_ = closeTarget()
			return nil, nil, err
		}
	}
	fmt.Fprintf(out, "loaded %d records of %d B into %s in %.1fs\n", w.RecordCount, w.ItemSize, cfg.target, time.Since(start).Seconds())
	return target, closeTarget, nil
}

// drainTimeout bounds how long a run waits, after -duration, for the
// operations still in flight (a target that lost its leader for good would
// otherwise hold them forever); those it cancels count as errors.
const drainTimeout = 30 * time.Second

// runBench runs one measurement, its operations cancelled drainTimeout
// after its duration.
func runBench(ctx context.Context, target bench.Target, opts bench.Options) (*bench.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Duration+drainTimeout)
	defer cancel()
	return bench.Run(ctx, target, opts)
}

func (c config) options(w bench.Workload, concurrency int, rate float64, out io.Writer) bench.Options {
	opts := bench.Options{Workload: w, Concurrency: concurrency, Rate: rate, Duration: c.duration, Seed: c.seed}
	if c.progress > 0 {
		opts.Progress, opts.ProgressInterval = out, c.progress
	}
	return opts
}

func runOnce(ctx context.Context, cfg config, dir string, out io.Writer) (*bench.Result, error) {
	w, err := cfg.workloadFor(0)
	if err != nil {
		return nil, err
	}
	target, closeTarget, err := prepare(ctx, cfg, dir, "run", w, out)
	if err != nil {
		return nil, err
	}
	res, err := runBench(ctx, target, cfg.options(w, cfg.concurrency, cfg.rate, out))
	if cerr := closeTarget(); err == nil && cerr != nil {
		err = fmt.Errorf("close target: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	res.Target = describeTarget(cfg)
	fmt.Fprint(out, res)
	return res, nil
}

func describeTarget(cfg config) string {
	if cfg.target == "kv" {
		reads := "eventually consistent reads"
		if cfg.consistent {
			reads = "strongly consistent reads"
		}
		return "kv (3 replicas, WAL on disk, " + reads + ")"
	}
	return cfg.target
}

// sweepReport is -sweep's JSON: the closed-loop run and the open-loop runs.
type sweepReport struct {
	Capacity float64         `json:"capacity"`
	Closed   *bench.Result   `json:"closed"`
	Open     []*bench.Result `json:"open"`
}

// sweepLoads are the open-loop rates, in percent of the measured capacity.
var sweepLoads = []int{25, 50, 75, 100, 125}

func runSweep(ctx context.Context, cfg config, dir string, out io.Writer) (*sweepReport, error) {
	w, err := cfg.workloadFor(0)
	if err != nil {
		return nil, err
	}
	target, closeTarget, err := prepare(ctx, cfg, dir, "sweep", w, out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = closeTarget() }()
	closed, err := runBench(ctx, target, cfg.options(w, cfg.concurrency, 0, out))
	if err != nil {
		return nil, err
	}
	closed.Target = describeTarget(cfg)
	fmt.Fprint(out, closed)
	report := &sweepReport{Capacity: closed.Throughput, Closed: closed}
	for _, pct := range sweepLoads {
		rate := closed.Throughput * float64(pct) / 100
		fmt.Fprintf(out, "\n--- open loop at %d%% of capacity: %.0f ops/s\n", pct, rate)
		res, err := runBench(ctx, target, cfg.options(w, cfg.concurrency, rate, out))
		if err != nil {
			return nil, err
		}
		res.Target = closed.Target
		fmt.Fprint(out, res)
		report.Open = append(report.Open, res)
	}
	fmt.Fprintf(out, "\nsummary, workload %s, %d workers (closed loop capacity %.0f ops/s)\n", w.Name, cfg.concurrency, closed.Throughput)
	fmt.Fprintln(out, "latency in ms from the intended send time (open loop); svc: from the actual send")
	fmt.Fprintf(out, "%-8s %10s %10s %9s %9s %9s %9s %9s %8s %9s %9s\n", "load", "rate", "achieved", "p50", "p90", "p99", "p99.9", "max", "unsent", "svc p50", "svc p99")
	fmt.Fprintf(out, "%-8s %10s %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f %8s %9.2f %9.2f\n", "closed", "-", closed.Throughput,
		closed.All.P50Ms, closed.All.P90Ms, closed.All.P99Ms, closed.All.P999Ms, closed.All.MaxMs, "-", closed.All.P50Ms, closed.All.P99Ms)
	for i, res := range report.Open {
		svc := res.ServiceAll
		fmt.Fprintf(out, "%-8s %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f %8d %9.2f %9.2f\n", fmt.Sprintf("%d%%", sweepLoads[i]), res.Rate, res.Throughput,
			res.All.P50Ms, res.All.P90Ms, res.All.P99Ms, res.All.P999Ms, res.All.MaxMs, res.Unsent, svc.P50Ms, svc.P99Ms)
	}
	return report, nil
}

// compareReport is -compare's JSON.
type compareReport struct {
	Fdatasync  bench.SyncResult `json:"fdatasync"`
	Serial     *bench.Result    `json:"kv_writes_one_worker"`
	Concurrent *bench.Result    `json:"kv_writes_concurrent"`
	// SerialRatio and ConcurrentRatio are kv writes per second over
	// fdatasyncs per second.
	SerialRatio     float64 `json:"serial_ratio"`
	ConcurrentRatio float64 `json:"concurrent_ratio"`
}

// compareBlock is the size of the appends the fdatasync ceiling is measured
// with.
const compareBlock = 4096

func runCompare(ctx context.Context, cfg config, dir string, out io.Writer) (*compareReport, error) {
	fmt.Fprintf(out, "(a) fdatasync ceiling: %d B appends, each fdatasync'd, one writer, in %s\n", compareBlock, dir)
	ceiling, err := bench.MeasureFdatasync(ctx, dir, compareBlock, cfg.duration)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "    %.0f syncs/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n\n",
		ceiling.Rate, ceiling.Latency.P50Ms, ceiling.Latency.P99Ms, ceiling.Latency.MaxMs)

	w := bench.Workload{Name: "update-only", Update: 1, RecordCount: bench.YCSBRecordCount, ItemSize: compareBlock, Distribution: bench.DistUniform}
	if cfg.records > 0 {
		w.RecordCount = cfg.records
	}
	if cfg.itemSize > 0 {
		w.ItemSize = cfg.itemSize
	}
	fmt.Fprintf(out, "(b) replicated durable writes: kv target, 3 replicas (3 WALs on the same disk), %d B updates, uniform keys\n", w.ItemSize)
	target, closeTarget, err := prepare(ctx, cfg, dir, "compare", w, out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = closeTarget() }()
	report := &compareReport{Fdatasync: ceiling}
	for _, workers := range []int{1, cfg.concurrency} {
		res, err := runBench(ctx, target, cfg.options(w, workers, 0, out))
		if err != nil {
			return nil, err
		}
		res.Target = describeTarget(cfg)
		fmt.Fprint(out, res)
		fmt.Fprintln(out)
		if workers == 1 {
			report.Serial = res
		} else {
			report.Concurrent = res
		}
	}
	if report.Concurrent == nil { // -concurrency 1
		report.Concurrent = report.Serial
	}
	report.SerialRatio = report.Serial.Throughput / ceiling.Rate
	report.ConcurrentRatio = report.Concurrent.Throughput / ceiling.Rate
	fmt.Fprintf(out, "ratios to the fdatasync ceiling (%.0f syncs/s, p50 %.3f ms):\n", ceiling.Rate, ceiling.Latency.P50Ms)
	fmt.Fprintf(out, "  1 writer:   %7.0f writes/s = %.2fx the ceiling; p50 %.3f ms = %.1fx one fdatasync\n",
		report.Serial.Throughput, report.SerialRatio, report.Serial.All.P50Ms, report.Serial.All.P50Ms/ceiling.Latency.P50Ms)
	fmt.Fprintf(out, "  %d writers: %7.0f writes/s = %.2fx the ceiling; p50 %.3f ms = %.1fx one fdatasync\n",
		report.Concurrent.Concurrency, report.Concurrent.Throughput, report.ConcurrentRatio, report.Concurrent.All.P50Ms, report.Concurrent.All.P50Ms/ceiling.Latency.P50Ms)
	return report, nil
}
