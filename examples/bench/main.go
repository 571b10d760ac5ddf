// Command bench measures dynamo with YCSB's core workloads and a
// DynamoDB-shaped one, in a closed loop (a fixed number of workers) or an
// open loop (a fixed rate, latency measured from each operation's intended
// send time so that queueing behind a stall is counted).
//
//	go run ./examples/bench                          # workload a, 10 s, 3-node cluster on disk
//	go run ./examples/bench -workload e -concurrency 32 -json e.json
//	go run ./examples/bench -rate 2000               # open loop at 2,000 ops/s
//	go run ./examples/bench -sweep                   # capacity, then 25..125% of it, open loop
//	go run ./examples/bench -compare -dir /data      # fdatasync and replicated-write ceilings vs PutItem
//
// Targets: disk (the default), a table on an in-process cluster of three
// nodes in three zones, each with a write-ahead log and a bbolt file under
// -dir; memory, the same cluster kept in memory; http, the disk cluster
// behind the DynamoDB HTTP endpoint on loopback, driven through the AWS SDK
// for Go v2; kv, a three-node replicated key-value service built from
// dynamo.ReplicaNode alone (the replication ceiling); map, a map in the
// process, to check the harness itself; tcp, three nodes in separate
// processes (examples/server, built on the fly) talking over TCP on
// loopback, driven through the first node's HTTP endpoint.
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
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/bench"
	"github.com/embeddynamo/dynamo/internal/bench/kvtarget"
	"github.com/embeddynamo/dynamo/internal/bench/tabletarget"
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
	readUnits    int64
	writeUnits   int64
	backoff      time.Duration
}

// targets are the -target values.
var targets = []string{"disk", "memory", "http", "tcp", "kv", "map"}

const usageText = `usage: bench [flags]

Runs a YCSB core workload (a-f) or the DynamoDB-shaped "ddb" workload against
a target and prints throughput and latency percentiles per operation type.

Targets (the table ones run GetItem, UpdateItem, PutItem, Query or Scan,
and conditional UpdateItem; they load the records with BatchWriteItem):
  disk     (default) a table on an in-process cluster of 3 nodes in 3 zones,
           each with a write-ahead log and a bbolt file under -dir
  memory   the same cluster with everything in memory
  http     the disk cluster behind the DynamoDB HTTP endpoint on loopback,
           driven through the AWS SDK for Go v2
  kv       three in-process replicas (dynamo.ReplicaNode) of one raft group,
           each with its own write-ahead log under -dir, fdatasync'd: the
           replicated-write ceiling, without tables
  map      a map in the process: checks the harness's own overhead
  tcp      3 nodes in separate processes (examples/server, built on the fly) over
           TCP on loopback, each serving the HTTP endpoint; driven through the
           first node's endpoint with the AWS SDK

A table is PAY_PER_REQUEST (one partition to start with) unless -rcu or -wcu
make it PROVISIONED. Admission control throttles a partition past its share
of the table's capacity and past DynamoDB's per-partition maxima (3,000 read
and 1,000 write units a second): throttled operations are counted apart
("throttled"), and "answered" counts only the operations that were served.
The sweep's capacity and -compare's ratios use answered operations.

Modes:
  default   load the records, then run the workload for -duration
  -rate N   open loop: N ops/s on a fixed schedule (latency from intended time)
  -sweep    closed loop to find capacity, then open loop at 25/50/75/100/125%
  -compare  the fdatasync ceiling of appends on -dir's disk, the replicated-
            write ceiling (kv target, blind writes), PutItem alone and the
            chosen workload on the disk cluster, and their ratios

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
	fs.IntVar(&c.itemSize, "item-size", 0, "bytes per item (0: the workload's: 1000 for a-f and -compare, 1024 for ddb)")
	fs.StringVar(&c.distribution, "distribution", "", "request distribution: uniform|zipfian|latest (default: the workload's)")
	fs.BoolVar(&c.consistent, "consistent", false, "strongly consistent reads (at the leader, after a quorum check)")
	fs.IntVar(&c.concurrency, "concurrency", 32, "workers (closed loop) or the most operations in flight (open loop)")
	fs.Float64Var(&c.rate, "rate", 0, "open loop at this many ops/s when > 0")
	fs.StringVar(&c.target, "target", "disk", "target: disk|memory|http|tcp|kv|map")
	fs.StringVar(&c.jsonFile, "json", "", "write the results to this JSON file")
	fs.StringVar(&c.dir, "dir", "", "data directory for the disk, http and kv targets and -compare (default: a new temporary directory, removed after)")
	fs.Int64Var(&c.readUnits, "rcu", 0, "table targets: a PROVISIONED table with this many read capacity units (0 with -wcu 0: PAY_PER_REQUEST)")
	fs.Int64Var(&c.writeUnits, "wcu", 0, "table targets: a PROVISIONED table with this many write capacity units")
	fs.DurationVar(&c.backoff, "throttle-backoff", 10*time.Millisecond, "table targets: a throttled worker waits this long, as a client backs off (0: sends again at once)")
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
	if !slices.Contains(targets, c.target) {
		return c, fmt.Errorf("unknown target %q (want %s)", c.target, strings.Join(targets, ", "))
	}
	if c.compare && c.target != "disk" {
		return c, errors.New("-compare measures the kv target and the disk cluster itself; drop -target")
	}
	if c.readUnits < 0 || c.writeUnits < 0 {
		return c, errors.New("-rcu and -wcu: capacity units are not negative")
	}
	if c.backoff < 0 {
		return c, errors.New("-throttle-backoff: a duration that is not negative")
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
	if dir == "" && cfg.target != "memory" && cfg.target != "map" {
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

// openTarget starts the chosen target for workload w; close stops it.
func openTarget(ctx context.Context, cfg config, dir, name string, w bench.Workload) (bench.Target, func() error, error) {
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	switch cfg.target {
	case "map":
		return bench.NewMemoryTarget(), func() error { return nil }, nil
	case "kv":
		t, err := kvtarget.Open(startCtx, kvtarget.Options{Dir: filepath.Join(dir, name), Consistent: cfg.consistent})
		if err != nil {
			return nil, nil, err
		}
		return t, t.Close, nil
	case "disk", "memory", "http", "tcp":
		return openTable(startCtx, cfg, filepath.Join(dir, name), w)
	}
	return nil, nil, fmt.Errorf("unknown target %q", cfg.target)
}

// openTable starts a cluster (on disk in dir, or in memory) and creates
// the table the workload needs, reached through the cluster's Client or,
// for the http target, through the HTTP endpoint and the AWS SDK.
func openTable(ctx context.Context, cfg config, dir string, w bench.Workload) (bench.Target, func() error, error) {
	if cfg.target == "tcp" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		api, stop, err := launchTCP(ctx, dir)
		if err != nil {
			return nil, nil, err
		}
		t, err := tabletarget.Open(ctx, api, tabletarget.Options{SortKey: w.ItemsPerPartition > 0, Consistent: cfg.consistent,
			ReadUnits: cfg.readUnits, WriteUnits: cfg.writeUnits, ThrottleBackoff: cfg.backoff})
		if err != nil {
			return nil, nil, errors.Join(err, stop())
		}
		return t, stop, nil
	}
	opts := dynamo.ClusterOptions{Dir: dir}
	if cfg.target == "memory" {
		opts = dynamo.ClusterOptions{InMemory: true}
	}
	cluster, err := dynamo.OpenCluster(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("start the cluster: %w", err)
	}
	closers := []func() error{cluster.Close}
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	var client tabletarget.API = cluster.Client()
	if cfg.target == "http" {
		sdk, stop, err := serveHTTP(ctx, cluster.Client())
		if err != nil {
			_ = closeAll()
			return nil, nil, err
		}
		closers = append(closers, stop)
		client = sdk
	}
	t, err := tabletarget.Open(ctx, client, tabletarget.Options{SortKey: w.ItemsPerPartition > 0, Consistent: cfg.consistent,
		ReadUnits: cfg.readUnits, WriteUnits: cfg.writeUnits, ThrottleBackoff: cfg.backoff})
	if err != nil {
		_ = closeAll()
		return nil, nil, err
	}
	return t, closeAll, nil
}

// prepare opens the target and loads the workload's records.
func prepare(ctx context.Context, cfg config, dir, name string, w bench.Workload, out io.Writer) (bench.Target, func() error, error) {
	target, closeTarget, err := openTarget(ctx, cfg, dir, name, w)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if loader, ok := target.(interface {
		Load(ctx context.Context, w bench.Workload, concurrency int, seed uint64) error
	}); ok {
		err = loader.Load(ctx, w, cfg.concurrency, cfg.seed)
	} else {
		err = bench.Load(ctx, target, w, cfg.concurrency, cfg.seed)
	}
	if err != nil {
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
	fmt.Fprintf(out, "loaded %d records of %d B into %s in %.1fs", w.RecordCount, w.ItemSize, cfg.target, time.Since(start).Seconds())
	if t, ok := target.(*tabletarget.Target); ok {
		fmt.Fprintf(out, " (BatchWriteItem, %d throttled)", t.Throttled())
	}
	fmt.Fprintln(out)
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
	reads := "eventually consistent reads"
	if cfg.consistent {
		reads = "strongly consistent reads"
	}
	table := "PAY_PER_REQUEST"
	if cfg.readUnits > 0 || cfg.writeUnits > 0 {
		table = fmt.Sprintf("PROVISIONED %d RCU %d WCU", cfg.readUnits, cfg.writeUnits)
	}
	switch cfg.target {
	case "kv":
		return "kv (3 replicas, WAL on disk, " + reads + ")"
	case "disk":
		return "disk (3 nodes in 3 zones, WAL + bbolt on disk, " + table + ", " + reads + ")"
	case "memory":
		return "memory (3 nodes in 3 zones, in memory, " + table + ", " + reads + ")"
	case "http":
		return "http (AWS SDK for Go v2 over loopback HTTP to the disk cluster, " + table + ", " + reads + ")"
	case "tcp":
		return "tcp (3 node processes over TCP on loopback, AWS SDK for Go v2 to the first node's endpoint, " + table + ", " + reads + ")"
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
	// Capacity is what the target answered: throttled operations are
	// not served.
	report := &sweepReport{Capacity: closed.Goodput, Closed: closed}
	for _, pct := range sweepLoads {
		rate := closed.Goodput * float64(pct) / 100
		fmt.Fprintf(out, "\n--- open loop at %d%% of capacity: %.0f ops/s\n", pct, rate)
		res, err := runBench(ctx, target, cfg.options(w, cfg.concurrency, rate, out))
		if err != nil {
			return nil, err
		}
		res.Target = closed.Target
		fmt.Fprint(out, res)
		report.Open = append(report.Open, res)
	}
	fmt.Fprintf(out, "\nsummary, workload %s, %d workers (closed loop capacity %.0f answered ops/s)\n", w.Name, cfg.concurrency, closed.Goodput)
	fmt.Fprintln(out, "latency in ms from the intended send time (open loop); svc: from the actual send")
	fmt.Fprintf(out, "%-8s %10s %10s %10s %9s %9s %9s %9s %9s %8s %9s %9s %10s\n", "load", "rate", "achieved", "answered", "p50", "p90", "p99", "p99.9", "max", "unsent", "svc p50", "svc p99", "throttled")
	fmt.Fprintf(out, "%-8s %10s %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f %8s %9.2f %9.2f %10d\n", "closed", "-", closed.Throughput, closed.Goodput,
		closed.All.P50Ms, closed.All.P90Ms, closed.All.P99Ms, closed.All.P999Ms, closed.All.MaxMs, "-", closed.All.P50Ms, closed.All.P99Ms, closed.Throttled)
	for i, res := range report.Open {
		svc := res.ServiceAll
		fmt.Fprintf(out, "%-8s %10.0f %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f %8d %9.2f %9.2f %10d\n", fmt.Sprintf("%d%%", sweepLoads[i]), res.Rate, res.Throughput, res.Goodput,
			res.All.P50Ms, res.All.P90Ms, res.All.P99Ms, res.All.P999Ms, res.All.MaxMs, res.Unsent, svc.P50Ms, svc.P99Ms, res.Throttled)
	}
	return report, nil
}

// compareReport is -compare's JSON.
type compareReport struct {
	Fdatasync bench.SyncResult `json:"fdatasync"`
	// Serial and Concurrent are the replicated-write ceiling: blind writes
	// to the kv target, one writer and -concurrency writers.
	Serial     *bench.Result `json:"kv_writes_one_worker"`
	Concurrent *bench.Result `json:"kv_writes_concurrent"`
	// PutSerial and PutConcurrent are PutItem of new items on the disk
	// cluster, one writer and -concurrency writers.
	PutSerial     *bench.Result `json:"putitem_one_worker"`
	PutConcurrent *bench.Result `json:"putitem_concurrent"`
	// Workload is the chosen workload on the disk cluster.
	Workload *bench.Result `json:"workload"`
	// SerialRatio and ConcurrentRatio are kv writes per second over
	// fdatasyncs per second.
	SerialRatio     float64 `json:"serial_ratio"`
	ConcurrentRatio float64 `json:"concurrent_ratio"`
	// PutSerialRatio and PutConcurrentRatio are PutItems per second over
	// kv writes per second at the same concurrency; PutToFdatasyncRatio is
	// concurrent PutItems per second over fdatasyncs per second.
	PutSerialRatio      float64 `json:"putitem_serial_ratio"`
	PutConcurrentRatio  float64 `json:"putitem_concurrent_ratio"`
	PutToFdatasyncRatio float64 `json:"putitem_to_fdatasync_ratio"`
	// WorkloadRatio is the workload's operations per second over
	// concurrent kv writes per second.
	WorkloadRatio float64 `json:"workload_ratio"`
}

// compareBlock is the size of the appends the fdatasync ceiling is measured
// with.
const compareBlock = 4096

// runPair runs w closed-loop with one worker, then with -concurrency.
func runPair(ctx context.Context, cfg config, dir, name string, w bench.Workload, out io.Writer) (serial, concurrent *bench.Result, err error) {
	target, closeTarget, err := prepare(ctx, cfg, dir, name, w, out)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = closeTarget() }()
	for _, workers := range []int{1, cfg.concurrency} {
		res, err := runBench(ctx, target, cfg.options(w, workers, 0, out))
		if err != nil {
			return nil, nil, err
		}
		res.Target = describeTarget(cfg)
		fmt.Fprint(out, res)
		fmt.Fprintln(out)
		if workers == 1 {
			serial = res
		} else {
			concurrent = res
		}
	}
	if concurrent == nil { // -concurrency 1
		concurrent = serial
	}
	return serial, concurrent, nil
}

func runCompare(ctx context.Context, cfg config, dir string, out io.Writer) (*compareReport, error) {
	fmt.Fprintf(out, "(a) fdatasync ceiling: %d B appends, each fdatasync'd, one writer, in %s\n", compareBlock, dir)
	ceiling, err := bench.MeasureFdatasync(ctx, dir, compareBlock, cfg.duration)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "    %.0f syncs/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n\n",
		ceiling.Rate, ceiling.Latency.P50Ms, ceiling.Latency.P99Ms, ceiling.Latency.MaxMs)
	report := &compareReport{Fdatasync: ceiling}

	itemSize := bench.YCSBItemSize
	if cfg.itemSize > 0 {
		itemSize = cfg.itemSize
	}
	w := bench.Workload{Name: "update-only", Update: 1, RecordCount: bench.YCSBRecordCount, ItemSize: itemSize, Distribution: bench.DistUniform}
	if cfg.records > 0 {
		w.RecordCount = cfg.records
	}
	fmt.Fprintf(out, "(b) replicated-write ceiling: kv target, 3 replicas (3 WALs on the same disk), %d B blind writes, uniform keys\n", w.ItemSize)
	kv := cfg
	kv.target = "kv"
	if report.Serial, report.Concurrent, err = runPair(ctx, kv, dir, "compare-kv", w, out); err != nil {
		return nil, err
	}

	put := bench.Workload{Name: "putitem-only", Insert: 1, ItemSize: itemSize, Distribution: bench.DistUniform}
	fmt.Fprintf(out, "(c) PutItem of new %d B items on the disk cluster (3 nodes in 3 zones, WAL + bbolt each)\n", put.ItemSize)
	if report.PutSerial, report.PutConcurrent, err = runPair(ctx, cfg, dir, "compare-put", put, out); err != nil {
		return nil, err
	}

	fmt.Fprintf(out, "(d) workload %s on the disk cluster\n", cfg.workload)
	if report.Workload, err = runOnce(ctx, cfg, dir, out); err != nil {
		return nil, err
	}
	fmt.Fprintln(out)

	// The ratios count what was answered: a throttled PutItem wrote
	// nothing.
	report.SerialRatio = report.Serial.Goodput / ceiling.Rate
	report.ConcurrentRatio = report.Concurrent.Goodput / ceiling.Rate
	report.PutSerialRatio = report.PutSerial.Goodput / report.Serial.Goodput
	report.PutConcurrentRatio = report.PutConcurrent.Goodput / report.Concurrent.Goodput
	report.PutToFdatasyncRatio = report.PutConcurrent.Goodput / ceiling.Rate
	report.WorkloadRatio = report.Workload.Goodput / report.Concurrent.Goodput
	fmt.Fprintf(out, "ratios to the fdatasync ceiling (%.0f syncs/s, p50 %.3f ms), answered operations only:\n", ceiling.Rate, ceiling.Latency.P50Ms)
	fmt.Fprintf(out, "  kv, 1 writer:          %7.0f writes/s = %.2fx the ceiling; p50 %.3f ms = %.1fx one fdatasync\n",
		report.Serial.Goodput, report.SerialRatio, report.Serial.All.P50Ms, report.Serial.All.P50Ms/ceiling.Latency.P50Ms)
	fmt.Fprintf(out, "  kv, %d writers:        %7.0f writes/s = %.2fx the ceiling; p50 %.3f ms = %.1fx one fdatasync\n",
		report.Concurrent.Concurrency, report.Concurrent.Goodput, report.ConcurrentRatio, report.Concurrent.All.P50Ms, report.Concurrent.All.P50Ms/ceiling.Latency.P50Ms)
	fmt.Fprintf(out, "  PutItem, %d writers:   %7.0f puts/s = %.2fx the ceiling (%d throttled)\n",
		report.PutConcurrent.Concurrency, report.PutConcurrent.Goodput, report.PutToFdatasyncRatio, report.PutConcurrent.Throttled)
	fmt.Fprintln(out, "ratios to the replicated-write ceiling (kv writes at the same concurrency):")
	fmt.Fprintf(out, "  PutItem, 1 writer:     %7.0f puts/s = %.2fx kv's %.0f writes/s; p50 %.3f ms vs %.3f ms (%d throttled)\n",
		report.PutSerial.Goodput, report.PutSerialRatio, report.Serial.Goodput, report.PutSerial.All.P50Ms, report.Serial.All.P50Ms, report.PutSerial.Throttled)
	fmt.Fprintf(out, "  PutItem, %d writers:   %7.0f puts/s = %.2fx kv's %.0f writes/s; p50 %.3f ms vs %.3f ms (%d throttled)\n",
		report.PutConcurrent.Concurrency, report.PutConcurrent.Goodput, report.PutConcurrentRatio, report.Concurrent.Goodput, report.PutConcurrent.All.P50Ms, report.Concurrent.All.P50Ms, report.PutConcurrent.Throttled)
	fmt.Fprintf(out, "  workload %s, %d workers: %7.0f ops/s = %.2fx kv's %.0f writes/s (%d throttled)\n",
		cfg.workload, report.Workload.Concurrency, report.Workload.Goodput, report.WorkloadRatio, report.Concurrent.Goodput, report.Workload.Throttled)
	return report, nil
}
