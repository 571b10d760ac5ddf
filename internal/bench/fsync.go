package bench

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// SyncResult is what MeasureFdatasync measured: the ceiling for durable
// appends on one disk by one writer.
type SyncResult struct {
	// BlockSize is the size of each append.
	BlockSize int `json:"block_size"`
	// Syncs counts appends made durable; Rate is Syncs per second.
	Syncs int64   `json:"syncs"`
	Rate  float64 `json:"rate"`
	// DurationSeconds is the time measured.
	DurationSeconds float64 `json:"duration_seconds"`
	// Latency summarizes the append-and-fdatasync times.
	Latency OpStats `json:"latency"`
}

// MeasureFdatasync appends blockSize bytes to a new file in dir and
// fdatasyncs it, one after the other, for duration (or until ctx ends): the
// rate of durable appends a single writer gets from the disk, which a
// write-ahead log without group commit cannot exceed. The file is removed
// afterwards.
func MeasureFdatasync(ctx context.Context, dir string, blockSize int, duration time.Duration) (SyncResult, error) {
	res := SyncResult{BlockSize: blockSize}
	if blockSize <= 0 || duration <= 0 {
		return res, fmt.Errorf("bench: fdatasync ceiling needs a positive block size and duration, not %d and %v", blockSize, duration)
	}
	f, err := os.CreateTemp(dir, "fdatasync-*")
	if err != nil {
		return res, fmt.Errorf("bench: fdatasync ceiling: %w", err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	block := make([]byte, blockSize)
	for i := range block {
		block[i] = byte(i)
	}
	h := hdrhistogram.New(histMin, histMax, histSigFigs)
	start := time.Now()
	end := start.Add(duration)
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		if _, err := f.Write(block); err != nil {
			return res, fmt.Errorf("bench: fdatasync ceiling: write: %w", err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return res, fmt.Errorf("bench: fdatasync ceiling: fdatasync: %w", err)
		}
		_ = h.RecordValue(min(max(time.Since(t0).Microseconds(), histMin), histMax))
		res.Syncs++
	}
	elapsed := time.Since(start)
	res.DurationSeconds = elapsed.Seconds()
	res.Rate = float64(res.Syncs) / elapsed.Seconds()
	var counts [numOutcomes]int64
	counts[OK] = res.Syncs
	res.Latency = stats(h, counts)
	return res, nil
}
