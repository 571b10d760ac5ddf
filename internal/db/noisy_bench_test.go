package db

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

var noisyDuration = flag.Duration("db.noisy", 3*time.Second, "length of each phase of BenchmarkNoisyNeighbour")

// phase is what one table's traffic achieved in one phase.
type phase struct {
	ok, throttled int64
	hist          *hdrhistogram.Histogram
	elapsed       time.Duration
}

func (p *phase) rate() float64 { return float64(p.ok) / p.elapsed.Seconds() }

// drive sends writes to table at rate per second for d, open loop: each
// write has an intended send time, and its latency counts from then, so a
// stall shows in the percentiles rather than hiding as fewer requests.
func drive(ctx context.Context, b *testing.B, cl *Client, table string, rate float64, d time.Duration) *phase {
	const workers = 16
	p := &phase{hist: hdrhistogram.New(1, int64(10*time.Second/time.Microsecond), 3)}
	var mu sync.Mutex
	var ok, throttled atomic.Int64
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	n := int(d / interval)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if int(i) >= n {
					return
				}
				intended := start.Add(time.Duration(i) * interval)
				if wait := time.Until(intended); wait > 0 {
					time.Sleep(wait) // pacing the offered load, not synchronisation
				}
				_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: table, Item: attr.Item{
					"pk": attr.S(fmt.Sprintf("w%d-%d", w, i)), "sk": attr.N("1"), "v": attr.S("0123456789abcdef"),
				}})
				var pte *dberr.ProvisionedThroughputExceededException
				switch {
				case err == nil:
					ok.Add(1)
					mu.Lock()
					_ = p.hist.RecordValue(time.Since(intended).Microseconds())
					mu.Unlock()
				case errors.As(err, &pte):
					throttled.Add(1)
				case ctx.Err() != nil:
					return
				default:
					b.Errorf("write to %s: %v", table, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.ok, p.throttled = ok.Load(), throttled.Load()
	return p
}

// BenchmarkNoisyNeighbour measures isolation between tables on the same
// three nodes: a victim table's writes at half its capacity, alone, then
// while a second table is flooded at ten times its capacity. It reports the
// victim's throughput and p99 in both phases and their ratios (flooded /
// solo), measured in the same run. Run with -benchtime=1x; -db.noisy sets
// each phase's length.
func BenchmarkNoisyNeighbour(b *testing.B) {
	c, err := StartCluster(context.Background(), ClusterConfig{})
	require.NoError(b, err)
	defer func() { require.NoError(b, c.Close()) }()
	cl := c.Client()
	ctx := context.Background()
	mk := func(name string, wcu int64) {
		in := ordersTable(name)
		in.BillingMode = catalog.BillingModeProvisioned
		in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(100), WriteCapacityUnits: catalog.Int64(wcu)}
		_, err := cl.CreateTable(ctx, in)
		require.NoError(b, err)
		require.NoError(b, cl.WaitForTable(ctx, name))
	}
	const victimWCU, floodWCU = 400, 40
	mk("victim", victimWCU)
	mk("flooded", floodWCU)
	// Warm up: routes cached, grants flowing, leaders settled.
	drive(ctx, b, cl, "victim", victimWCU/2, time.Second)
	drive(ctx, b, cl, "flooded", floodWCU/2, time.Second)
	for b.Loop() {
		solo := drive(ctx, b, cl, "victim", victimWCU/2, *noisyDuration)
		var wg sync.WaitGroup
		var flood *phase
		floodCtx, stop := context.WithCancel(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			flood = drive(floodCtx, b, cl, "flooded", 10*floodWCU, *noisyDuration)
		}()
		shared := drive(ctx, b, cl, "victim", victimWCU/2, *noisyDuration)
		stop()
		wg.Wait()
		p99 := func(p *phase) float64 { return float64(p.hist.ValueAtQuantile(99)) / 1000 }
		b.ReportMetric(solo.rate(), "solo-ops/s")
		b.ReportMetric(p99(solo), "solo-p99-ms")
		b.ReportMetric(shared.rate(), "shared-ops/s")
		b.ReportMetric(p99(shared), "shared-p99-ms")
		b.ReportMetric(shared.rate()/solo.rate(), "throughput-ratio")
		b.ReportMetric(p99(shared)/p99(solo), "p99-ratio")
		b.ReportMetric(float64(flood.ok)/flood.elapsed.Seconds(), "flood-admitted/s")
		b.ReportMetric(float64(flood.throttled)/flood.elapsed.Seconds(), "flood-throttled/s")
		b.Logf("victim solo %.0f ops/s p99 %.2f ms; with the flood %.0f ops/s p99 %.2f ms; flood admitted %d, throttled %d",
			solo.rate(), p99(solo), shared.rate(), p99(shared), flood.ok, flood.throttled)
	}
}
