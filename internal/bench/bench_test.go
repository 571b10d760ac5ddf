package bench

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// BenchmarkWorkerOperation measures the harness's cost per operation
// (choosing the operation and key, filling the value, recording the
// latency) against the memory target, for each workload.
func BenchmarkWorkerOperation(b *testing.B) {
	for _, name := range []string{"a", "c", "e", "ddb"} {
		b.Run(name, func(b *testing.B) {
			w, err := CoreWorkload(name)
			require.NoError(b, err)
			target := NewMemoryTarget()
			require.NoError(b, Load(context.Background(), target, w, 1, 1))
			chooser, err := w.newChooser()
			require.NoError(b, err)
			wk := &worker{r: rand.New(rand.NewPCG(1, 1)), chooser: chooser, value: make([]byte, w.ItemSize)}
			for _, op := range w.ops() {
				wk.hists[op] = hdrhistogram.New(histMin, histMax, histSigFigs)
			}
			records := newAckCounter(w.RecordCount)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				op := w.pick(wk.r)
				outcome, err := runOp(ctx, target, w, wk, records, op)
				elapsed := time.Since(start)
				wk.record(op, outcome, err, elapsed, elapsed)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
