// Package bench is the core of dynamo's benchmark harness: YCSB's core
// workloads and a DynamoDB-shaped one, run against a small Target interface
// in a closed or an open loop, with latencies recorded in HdrHistograms.
//
// # Targets
//
// A Target is the store under test, reduced to the five things the
// workloads do: Read, Update, Insert, Scan (a short range: YCSB's scan, or a
// Query within one partition key) and ReadModifyWrite (read, then write on
// the condition that the item did not change in between). Each call returns
// an Outcome: OK, NotFound, Throttled, ConditionFailed or Error. MemoryTarget
// (a map in the process) checks the harness itself; package kvtarget drives
// a replicated key-value service (the replication ceiling); package
// tabletarget drives a table through DynamoDB's API, on the in-process
// cluster's Client or through the AWS SDK and the HTTP endpoint.
//
// # Workloads
//
// CoreWorkload returns YCSB's core workloads A to F as their property files
// define them (operation mix, request distribution, 1,000 records of ten
// 100-byte fields) and "ddb": 1 KB items under a partition key and a sort
// key, partition keys drawn from a zipfian distribution. Keys are chosen by a
// KeyChooser: Uniform, ScrambledZipfian (YCSB's default: zipfian with theta
// 0.99, after Gray et al., with ranks scattered over the key space by a
// hash), Latest (zipfian over recency, for workload D) and
// CompositeZipfian (zipfian over partition keys, uniform sort keys).
//
// # Closed and open loop
//
// In a closed loop, Concurrency workers each send an operation as soon as
// the previous one returns, and latency is measured from the send. That
// measures service time but hides queueing: a stall slows the senders down,
// so the operations that would have waited are never sent ("coordinated
// omission"). In an open loop (Options.Rate > 0) operations have intended
// send times on a fixed schedule, one every 1/Rate seconds; a free worker
// takes the next scheduled operation, waits for its time if it is early, and
// its latency is measured from the intended time, so time spent queued
// behind a stall counts; the service time, from the actual send, is
// recorded beside it. Operations scheduled before the end of the run but
// never sent are reported as Unsent, with how late the oldest was. A
// worker that was early and slept until an operation's time forgives its
// timer up to 2 ms of lateness (Go's timers fire up to a millisecond late
// on an idle Linux process): that delay is the harness's, not the
// target's. A longer one, such as a pause of the whole process, counts:
// an in-process target causes those too. What remains of the harness's
// own delay shows in a run of the memory target at the same rate.
//
// # Recording
//
// Each worker records into its own histograms (one per operation type,
// 1 µs to 60 s, 3 significant digits) and counters, with no lock; the
// histograms are merged when the run ends. A progress line reads atomic
// per-worker counters. Result holds throughput, p50/p90/p99/p99.9/max per
// operation type and outcome counts, and encodes to JSON.
package bench
