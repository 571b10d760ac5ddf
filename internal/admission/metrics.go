package admission

import (
	"sort"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// Latency histograms record microseconds from 1 µs to one minute with two
// significant digits: about 1% error at any latency, about 20 KB per
// histogram, made on the first latency recorded for a table or partition.
const (
	latencyLowest  = 1
	latencyHighest = int64(time.Minute / time.Microsecond)
	latencyDigits  = 2
)

// Metrics collects admission metrics per table and per partition: consumed
// read and write units, throttled requests by reason, and request latency.
// A host records into it from its request path and exports Stats.
//
// The zero Metrics is ready to use. It is safe for concurrent use.
type Metrics struct {
	mu     sync.Mutex
	tables map[string]*tableMetrics
}

type counters struct {
	consumedRead  float64
	consumedWrite float64
	requests      int64
	throttled     map[dberr.ThrottleReason]int64
	latency       *hdrhistogram.Histogram // nil until a latency is recorded
}

func newCounters() *counters {
	return &counters{throttled: make(map[dberr.ThrottleReason]int64)}
}

func (c *counters) recordLatency(us int64) {
	if c.latency == nil {
		c.latency = hdrhistogram.New(latencyLowest, latencyHighest, latencyDigits)
	}
	// Values are clamped into the histogram's range, so recording cannot
	// fail.
	_ = c.latency.RecordValue(us)
}

type tableMetrics struct {
	counters
	partitions map[string]*counters
}

// entries returns the table's and the partition's counters, creating them.
// partition may be empty for a request not tied to one partition.
func (m *Metrics) entries(table, partition string) (*counters, *counters) {
	if m.tables == nil {
		m.tables = make(map[string]*tableMetrics)
	}
	t := m.tables[table]
	if t == nil {
		t = &tableMetrics{counters: *newCounters(), partitions: make(map[string]*counters)}
		m.tables[table] = t
	}
	if partition == "" {
		return &t.counters, nil
	}
	p := t.partitions[partition]
	if p == nil {
		p = newCounters()
		t.partitions[partition] = p
	}
	return &t.counters, p
}

// RecordConsumed adds units of kind admitted for a request on table (and
// partition, if not empty). Units that are negative or not finite are
// ignored.
func (m *Metrics) RecordConsumed(table, partition string, kind Kind, units float64) {
	if !validAmount(units) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, p := m.entries(table, partition)
	for _, c := range []*counters{t, p} {
		if c == nil {
			continue
		}
		c.requests++
		if kind == Write {
			c.consumedWrite += units
		} else {
			c.consumedRead += units
		}
	}
}

// RecordThrottle counts a throttled request on table (and partition). err is
// the throttling error; anything else is not counted.
func (m *Metrics) RecordThrottle(table, partition string, err error) {
	reason, ok := ThrottleReasonOf(err)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, p := m.entries(table, partition)
	t.throttled[reason]++
	if p != nil {
		p.throttled[reason]++
	}
}

// RecordLatency records how long a request on table (and partition) took.
// Latencies beyond a minute are recorded as a minute.
func (m *Metrics) RecordLatency(table, partition string, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < latencyLowest {
		us = latencyLowest
	}
	if us > latencyHighest {
		us = latencyHighest
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, p := m.entries(table, partition)
	t.recordLatency(us)
	if p != nil {
		p.recordLatency(us)
	}
}

// Stats is a snapshot of Metrics, sorted by table and partition name. It
// shares nothing with the Metrics it came from.
type Stats struct {
	Tables []TableStats
}

// TableStats is one table's metrics.
type TableStats struct {
	Table string
	Counts
	Partitions []PartitionStats
}

// PartitionStats is one partition's metrics.
type PartitionStats struct {
	Partition string
	Counts
}

// Counts are the metrics of a table or a partition.
type Counts struct {
	// ConsumedRead and ConsumedWrite are the capacity units admitted.
	ConsumedRead  float64
	ConsumedWrite float64
	// Requests is the number of admitted requests.
	Requests int64
	// Throttled counts refused requests by reason.
	Throttled map[dberr.ThrottleReason]int64
	// Latency summarizes the recorded request latencies.
	Latency LatencySummary
}

// LatencySummary summarizes a latency histogram.
type LatencySummary struct {
	Count               int64
	Min, Max, Mean      time.Duration
	P50, P90, P99, P999 time.Duration
}

func (c *counters) snapshot() Counts {
	out := Counts{
		ConsumedRead:  c.consumedRead,
		ConsumedWrite: c.consumedWrite,
		Requests:      c.requests,
		Throttled:     make(map[dberr.ThrottleReason]int64, len(c.throttled)),
	}
	for r, n := range c.throttled {
		out.Throttled[r] = n
	}
	if h := c.latency; h != nil && h.TotalCount() > 0 {
		n := h.TotalCount()
		us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
		out.Latency = LatencySummary{
			Count: n,
			Min:   us(h.Min()),
			Max:   us(h.Max()),
			Mean:  time.Duration(h.Mean() * float64(time.Microsecond)),
			P50:   us(h.ValueAtQuantile(50)),
			P90:   us(h.ValueAtQuantile(90)),
			P99:   us(h.ValueAtQuantile(99)),
			P999:  us(h.ValueAtQuantile(99.9)),
		}
	}
	return out
}

// Stats returns a snapshot of every table's and partition's metrics.
func (m *Metrics) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s Stats
	for name, t := range m.tables {
		ts := TableStats{Table: name, Counts: t.counters.snapshot()}
		for pname, p := range t.partitions {
			ts.Partitions = append(ts.Partitions, PartitionStats{Partition: pname, Counts: p.snapshot()})
		}
		sort.Slice(ts.Partitions, func(i, j int) bool { return ts.Partitions[i].Partition < ts.Partitions[j].Partition })
		s.Tables = append(s.Tables, ts)
	}
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Table < s.Tables[j].Table })
	return s
}

// Table returns the snapshot of one table and whether it has any metrics.
func (s Stats) Table(name string) (TableStats, bool) {
	for _, t := range s.Tables {
		if t.Table == name {
			return t, true
		}
	}
	return TableStats{}, false
}
