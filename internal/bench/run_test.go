package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/clock"
)

// stepClock is a virtual clock for a single worker: time moves only when
// the worker waits (a timer fires at once, its wait skipped forward) or
// when the fake target serves a request.
type stepClock struct {
	mu   sync.Mutex
	now  time.Time
	late time.Duration // how late every timer fires
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *stepClock) NewTimer(d time.Duration) clock.Timer {
	c.advance(d + c.late)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return firedTimer{ch}
}

func (c *stepClock) NewTicker(time.Duration) clock.Ticker { return idleTicker{} }

type firedTimer struct{ ch chan time.Time }

func (t firedTimer) C() <-chan time.Time { return t.ch }
func (t firedTimer) Stop() bool          { return false }

type idleTicker struct{}

func (idleTicker) C() <-chan time.Time { return nil }
func (idleTicker) Stop()               {}

// fakeTarget serves every request in a fixed service time on the step
// clock and answers with a scripted outcome per operation type.
type fakeTarget struct {
	clk      *stepClock
	service  time.Duration
	outcomes map[OpType]Outcome
	mu       sync.Mutex
	calls    map[OpType]int
	keys     []Key
}

func newFakeTarget(clk *stepClock, service time.Duration) *fakeTarget {
	return &fakeTarget{clk: clk, service: service, outcomes: map[OpType]Outcome{}, calls: map[OpType]int{}}
}

func (f *fakeTarget) serve(op OpType, key Key) (Outcome, error) {
	f.clk.advance(f.service)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	f.keys = append(f.keys, key)
	o := f.outcomes[op]
	if o == Error {
		return o, errors.New("disk on fire")
	}
	return o, nil
}

func (f *fakeTarget) Read(_ context.Context, k Key) (Outcome, error) { return f.serve(OpRead, k) }
func (f *fakeTarget) Update(_ context.Context, k Key, _ []byte) (Outcome, error) {
	return f.serve(OpUpdate, k)
}
func (f *fakeTarget) Insert(_ context.Context, k Key, _ []byte) (Outcome, error) {
	return f.serve(OpInsert, k)
}
func (f *fakeTarget) Scan(_ context.Context, k Key, _ int) (Outcome, error) {
	return f.serve(OpScan, k)
}
func (f *fakeTarget) ReadModifyWrite(_ context.Context, k Key, _ []byte) (Outcome, error) {
	return f.serve(OpReadModifyWrite, k)
}

func workload(t *testing.T, name string) Workload {
	t.Helper()
	w, err := CoreWorkload(name)
	require.NoError(t, err)
	return w
}

func newStepClock() *stepClock { return &stepClock{now: time.Unix(1_700_000_000, 0)} }

// TestOpenLoopLatencyIncludesQueueing runs one worker against a target
// that serves in exactly 1 ms (capacity 1,000 ops/s). Below capacity both
// loops see the service time. Above it, the open loop's operations fall
// further behind their schedule and their latency, measured from the
// intended send time, grows; the closed loop, measuring from the actual
// send, still reports 1 ms.
func TestOpenLoopLatencyIncludesQueueing(t *testing.T) {
	const service = time.Millisecond
	for _, tc := range []struct {
		name             string
		rate             float64
		wantP50, wantMax time.Duration // within the histogram's precision
		wantOps          int64
		wantUnsent       int64
	}{
		{name: "closed loop reports the service time", rate: 0, wantP50: service, wantMax: service, wantOps: 1000},
		{name: "open loop below capacity reports the service time", rate: 500, wantP50: service, wantMax: service, wantOps: 500},
		{name: "open loop at twice capacity reports the queueing delay", rate: 2000,
			// Operation i is due at i/2 ms and done at (i+1) ms: it waited
			// i/2 ms more than its service time; 1,000 are sent in 1 s.
			wantP50: 250*time.Millisecond + service, wantMax: 500 * time.Millisecond, wantOps: 1000, wantUnsent: 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newStepClock()
			target := newFakeTarget(clk, service)
			res, err := Run(context.Background(), target, Options{Workload: workload(t, "c"), Duration: time.Second, Rate: tc.rate, Clock: clk})
			require.NoError(t, err)
			require.Equal(t, tc.wantOps, res.Operations)
			require.Equal(t, tc.wantUnsent, res.Unsent)
			h := res.Histogram(OpRead)
			require.Equal(t, tc.wantOps, h.TotalCount())
			require.InEpsilon(t, float64(tc.wantP50.Microseconds()), float64(h.ValueAtQuantile(50)), 0.01)
			require.InEpsilon(t, float64(tc.wantMax.Microseconds()), float64(h.Max()), 0.01)
			require.InEpsilon(t, float64(tc.wantP50.Microseconds())/1000, res.Ops["read"].P50Ms, 0.01)
			if tc.rate > 0 {
				// Service time, from the actual send, is the target's 1 ms
				// however long the queue.
				require.InEpsilon(t, 1.0, res.Service["read"].P50Ms, 0.01)
				require.InEpsilon(t, 1.0, res.Service["read"].MaxMs, 0.01)
			} else {
				require.Nil(t, res.Service)
			}
		})
	}
}

// TestOpenLoopForgivesALateTimerUpToTheSlack runs below capacity (one
// operation every 10 ms, served in 1 ms) with timers firing late: a
// millisecond is the harness's, not counted; of 5 ms, what exceeds the
// 2 ms slack counts.
func TestOpenLoopForgivesALateTimerUpToTheSlack(t *testing.T) {
	for _, tc := range []struct {
		name        string
		late        time.Duration
		wantLatency time.Duration
	}{
		{"punctual timer", 0, time.Millisecond},
		{"timer 1 ms late is forgiven", time.Millisecond, time.Millisecond},
		{"timer 5 ms late counts beyond the slack", 5 * time.Millisecond, 4 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newStepClock()
			clk.late = tc.late
			res, err := Run(context.Background(), newFakeTarget(clk, time.Millisecond), Options{Workload: workload(t, "c"), Duration: time.Second, Rate: 100, Clock: clk})
			require.NoError(t, err)
			require.Positive(t, res.Operations)
			require.InEpsilon(t, float64(tc.wantLatency.Microseconds())/1000, res.Ops["read"].P50Ms, 0.01)
			require.InEpsilon(t, float64(tc.wantLatency.Microseconds())/1000, res.Ops["read"].MaxMs, 0.01)
			require.InEpsilon(t, 1.0, res.Service["read"].MaxMs, 0.01)
		})
	}
}

// TestOpenLoopLatencyGrowsOverTheRun checks the queue's growth directly:
// above capacity, each answered operation is later than the one before.
func TestOpenLoopLatencyGrowsOverTheRun(t *testing.T) {
	clk := newStepClock()
	target := newFakeTarget(clk, time.Millisecond)
	short, err := Run(context.Background(), target, Options{Workload: workload(t, "c"), Duration: 200 * time.Millisecond, Rate: 1250, Clock: clk})
	require.NoError(t, err)
	clk = newStepClock()
	target = newFakeTarget(clk, time.Millisecond)
	long, err := Run(context.Background(), target, Options{Workload: workload(t, "c"), Duration: 2 * time.Second, Rate: 1250, Clock: clk})
	require.NoError(t, err)
	// At 125% of capacity operation i is due at 0.8i ms and done at
	// i+1 ms: its latency is 0.2i+1 ms. The last sent is number 199
	// (200 ms run) or 1999 (2 s run).
	require.InEpsilon(t, 0.2*199+1, short.Ops["read"].MaxMs, 0.01)
	require.InEpsilon(t, 0.2*1999+1, long.Ops["read"].MaxMs, 0.01)
	require.Greater(t, long.Ops["read"].P50Ms, 5*short.Ops["read"].P50Ms)
}

func TestWorkloadMixesMatchTheirProportions(t *testing.T) {
	for _, tc := range []struct {
		workload string
		want     map[OpType]float64
	}{
		{"a", map[OpType]float64{OpRead: 0.5, OpUpdate: 0.5}},
		{"b", map[OpType]float64{OpRead: 0.95, OpUpdate: 0.05}},
		{"c", map[OpType]float64{OpRead: 1}},
		{"d", map[OpType]float64{OpRead: 0.95, OpInsert: 0.05}},
		{"e", map[OpType]float64{OpScan: 0.95, OpInsert: 0.05}},
		{"f", map[OpType]float64{OpRead: 0.5, OpReadModifyWrite: 0.5}},
		{"ddb", map[OpType]float64{OpRead: 0.5, OpUpdate: 0.4, OpScan: 0.1}},
	} {
		t.Run(tc.workload, func(t *testing.T) {
			clk := newStepClock()
			target := newFakeTarget(clk, time.Millisecond)
			res, err := Run(context.Background(), target, Options{Workload: workload(t, tc.workload), Duration: 10 * time.Second, Clock: clk, Seed: 7})
			require.NoError(t, err)
			require.Equal(t, int64(10_000), res.Operations)
			require.Len(t, target.calls, len(tc.want))
			for op, p := range tc.want {
				require.InDelta(t, p, float64(target.calls[op])/10_000, 0.015, "%v", op)
				require.Equal(t, int64(target.calls[op]), res.Ops[op.String()].Count)
			}
		})
	}
}

func TestRunIsDeterministicForASeed(t *testing.T) {
	keys := func() []Key {
		clk := newStepClock()
		target := newFakeTarget(clk, time.Millisecond)
		_, err := Run(context.Background(), target, Options{Workload: workload(t, "a"), Duration: 500 * time.Millisecond, Clock: clk, Seed: 42})
		require.NoError(t, err)
		return target.keys
	}
	first := keys()
	require.Len(t, first, 500)
	require.Equal(t, first, keys())
}

func TestInsertsExtendTheKeySpace(t *testing.T) {
	clk := newStepClock()
	target := newFakeTarget(clk, time.Millisecond)
	w := workload(t, "d")
	_, err := Run(context.Background(), target, Options{Workload: w, Duration: 4 * time.Second, Clock: clk, Seed: 3})
	require.NoError(t, err)
	inserted := uint64(target.calls[OpInsert])
	require.Positive(t, inserted)
	known := map[Key]bool{}
	for n := range w.RecordCount + inserted {
		known[w.KeyOf(n)] = true
	}
	recent := 0
	for _, k := range target.keys {
		require.True(t, known[k], "every key is a loaded or inserted record")
		for n := w.RecordCount; n < w.RecordCount+inserted; n++ {
			if w.KeyOf(n) == k {
				recent++
				break
			}
		}
	}
	require.Greater(t, recent, len(target.keys)/4, "workload d reads what it inserted")
}

func TestOutcomesAreCountedAndFailuresKeptOutOfTheLatencies(t *testing.T) {
	clk := newStepClock()
	target := newFakeTarget(clk, time.Millisecond)
	target.outcomes[OpRead] = NotFound
	target.outcomes[OpReadModifyWrite] = Error
	res, err := Run(context.Background(), target, Options{Workload: workload(t, "f"), Duration: time.Second, Clock: clk, Seed: 1})
	require.NoError(t, err)
	reads, rmws := res.Ops["read"], res.Ops["read_modify_write"]
	require.Equal(t, reads.Count, reads.NotFound)
	require.Equal(t, rmws.Count, rmws.Errors)
	require.Equal(t, rmws.Errors, res.Errors)
	require.Equal(t, reads.Count, res.Histogram(OpRead).TotalCount())
	require.Zero(t, res.Histogram(OpReadModifyWrite).TotalCount())
	require.Equal(t, []string{"read_modify_write: disk on fire"}, res.ErrorSamples)
	require.Contains(t, res.String(), "error: read_modify_write: disk on fire")
	require.Equal(t, reads.Count, res.Answered, "not found is an answer, an error is not")
	require.InEpsilon(t, float64(reads.Count)/res.DurationSeconds, res.Goodput, 1e-9)
	require.Contains(t, res.String(), fmt.Sprintf("answered %.0f ops/s", res.Goodput))
}

func TestThrottledOperationsAreNotAnswers(t *testing.T) {
	clk := newStepClock()
	target := newFakeTarget(clk, time.Millisecond)
	target.outcomes[OpUpdate] = Throttled
	res, err := Run(context.Background(), target, Options{Workload: workload(t, "a"), Duration: time.Second, Clock: clk, Seed: 1})
	require.NoError(t, err)
	updates := res.Ops["update"]
	require.Positive(t, updates.Count)
	require.Equal(t, updates.Count, updates.Throttled)
	require.Equal(t, updates.Throttled, res.Throttled)
	require.Equal(t, res.Operations-res.Throttled, res.Answered)
	require.Less(t, res.Goodput, res.Throughput)
}

func TestClosedLoopOnTheMemoryTarget(t *testing.T) {
	for _, name := range []string{"a", "d", "e", "f", "ddb"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			target := NewMemoryTarget()
			w := workload(t, name)
			require.NoError(t, Load(ctx, target, w, 4, 1))
			require.Equal(t, int(w.RecordCount), target.Len())
			var progress bytes.Buffer
			res, err := Run(ctx, target, Options{Workload: w, Concurrency: 4, Duration: 50 * time.Millisecond, Seed: 1})
			require.NoError(t, err)
			require.Positive(t, res.Operations)
			require.Zero(t, res.Errors)
			require.Zero(t, res.All.NotFound, "every key read was loaded or inserted")
			require.Equal(t, res.Operations, res.All.OK+res.All.ConditionFailed)
			require.Empty(t, progress.String())
			var decoded Result
			var buf bytes.Buffer
			require.NoError(t, res.WriteJSON(&buf))
			require.NoError(t, json.Unmarshal(buf.Bytes(), &decoded))
			require.Equal(t, res.Operations, decoded.Operations)
			require.Equal(t, res.Ops, decoded.Ops)
		})
	}
}

func TestOpenLoopOnTheMemoryTargetKeepsTheRate(t *testing.T) {
	target := NewMemoryTarget()
	w := workload(t, "b")
	require.NoError(t, Load(context.Background(), target, w, 2, 1))
	res, err := Run(context.Background(), target, Options{Workload: w, Concurrency: 2, Rate: 2000, Duration: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, "open", res.Loop)
	require.Equal(t, int64(200), res.Scheduled)
	require.Equal(t, res.Scheduled, res.Operations+res.Unsent)
}

func TestProgressLinesAreWritten(t *testing.T) {
	sim := clock.NewSim(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string, 16)
	w := chanWriter(lines)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The sim clock never reaches the end: the run ends when cancelled.
		_, _ = Run(ctx, NewMemoryTarget(), Options{Workload: workload(t, "c"), Duration: time.Hour, Clock: sim,
			Progress: w, ProgressInterval: time.Second})
	}()
	for sim.Pending() == 0 { // the progress ticker is not registered yet
		select {
		case <-done:
			t.Fatal("run ended early")
		default:
		}
		runtime.Gosched()
	}
	sim.Advance(time.Second)
	line := <-lines
	require.Contains(t, line, "1.0s")
	require.Contains(t, line, "ops/s")
	cancel()
	<-done
}

func TestOptionsAreValidated(t *testing.T) {
	w := workload(t, "a")
	bad := w
	bad.Read = 0.7
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no duration", Options{Workload: w}, "duration"},
		{"negative rate", Options{Workload: w, Duration: time.Second, Rate: -1}, "rate"},
		{"negative concurrency", Options{Workload: w, Duration: time.Second, Concurrency: -2}, "concurrency"},
		{"proportions not adding to one", Options{Workload: bad, Duration: time.Second}, "add up"},
		{"unknown distribution", Options{Workload: Workload{Name: "x", Read: 1, RecordCount: 1, Distribution: "pareto"}, Duration: time.Second}, "distribution"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), NewMemoryTarget(), tc.opts)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := CoreWorkload("z")
	require.ErrorContains(t, err, "unknown workload")
}

func TestMemoryTargetSemantics(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryTarget()
	get := func(k Key) Outcome { o, err := m.Read(ctx, k); require.NoError(t, err); return o }
	require.Equal(t, NotFound, get(Key{Partition: "a"}))
	for _, k := range []Key{{"p", "1"}, {"p", "2"}, {"p", "3"}, {"q", "1"}, {"a", ""}, {"b", ""}} {
		o, err := m.Insert(ctx, k, []byte("v"))
		require.NoError(t, err)
		require.Equal(t, OK, o)
	}
	require.Equal(t, OK, get(Key{"p", "2"}))
	require.Equal(t, 3, m.items.Scan(Key{"p", "1"}, 10), "a query stays in its partition")
	require.Equal(t, 2, m.items.Scan(Key{"p", "2"}, 10))
	require.Equal(t, 1, m.items.Scan(Key{"p", "1"}, 1))
	require.Equal(t, 2, m.items.Scan(Key{Partition: "a"}, 2), "a scan crosses keys")
	o, err := m.Scan(ctx, Key{"r", "1"}, 5)
	require.NoError(t, err)
	require.Equal(t, NotFound, o)
	o, err = m.ReadModifyWrite(ctx, Key{"p", "1"}, []byte("w"))
	require.NoError(t, err)
	require.Equal(t, OK, o)
	value, version, ok := m.items.Get(EncodeKey(Key{"p", "1"}))
	require.True(t, ok)
	require.Equal(t, []byte("w"), value)
	require.Equal(t, uint64(2), version)
	o, err = m.ReadModifyWrite(ctx, Key{"zz", ""}, []byte("w"))
	require.NoError(t, err)
	require.Equal(t, NotFound, o)
}

// chanWriter sends each write as a line, dropping it when nobody reads.
type chanWriter chan string

func (c chanWriter) Write(p []byte) (int, error) {
	select {
	case c <- string(p):
	default:
	}
	return len(p), nil
}
