package dynamotest_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
	"github.com/embeddynamo/dynamo/internal/wal"
)

func TestMemoryLogStore(t *testing.T) {
	defer goleak.VerifyNone(t)
	dynamotest.TestLogStore(t, func(t *testing.T) dynamo.LogStore { return dynamo.NewMemoryLogStore() })
}

func TestWALLogStore(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		opts *dynamo.WALOptions
	}{
		{"defaults", nil},
		// Tiny segments and cache: every few saves move to a new segment,
		// compaction deletes old ones, and reads go to disk.
		{"tiny segments, no cache", &dynamo.WALOptions{SegmentSize: 256, CacheSize: -1}},
		{"small cache", &dynamo.WALOptions{SegmentSize: 4096, CacheSize: 500}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			open := func(t *testing.T) dynamo.LogStore {
				s, err := dynamo.OpenWAL(t.TempDir(), tc.opts)
				require.NoError(t, err)
				return s
			}
			reopen := func(t *testing.T, s dynamo.LogStore) dynamo.LogStore {
				dir := s.(*wal.WAL).Dir()
				require.NoError(t, s.Close())
				s, err := dynamo.OpenWAL(dir, tc.opts)
				require.NoError(t, err)
				return s
			}
			dynamotest.TestLogStore(t, open, dynamotest.WithReopen(reopen))
		})
	}
}
