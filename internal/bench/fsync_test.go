package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMeasureFdatasyncAppendsAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	res, err := MeasureFdatasync(context.Background(), dir, 4096, 50*time.Millisecond)
	require.NoError(t, err)
	require.Positive(t, res.Syncs)
	require.Equal(t, res.Syncs, res.Latency.Count)
	require.Positive(t, res.Rate)
	require.Positive(t, res.Latency.P50Ms)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "the test file is removed")

	_, err = MeasureFdatasync(context.Background(), dir, 0, time.Second)
	require.ErrorContains(t, err, "positive block size")
	_, err = MeasureFdatasync(context.Background(), dir+"/missing", 4096, time.Second)
	require.ErrorContains(t, err, "fdatasync ceiling")
}
