package admission

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

func TestMetricsStats(t *testing.T) {
	var m Metrics
	require.Empty(t, m.Stats().Tables, "the zero Metrics is ready and empty")

	m.RecordConsumed("orders", "p0", Read, 0.5)
	m.RecordConsumed("orders", "p0", Write, 3)
	m.RecordConsumed("orders", "p1", Write, 1)
	m.RecordConsumed("users", "", Read, 2)
	m.RecordThrottle("orders", "p0", ThrottleError(false, dberr.ThrottlePartition, "orders/p0", time.Second))
	m.RecordThrottle("orders", "p1", fmt.Errorf("put: %w", ThrottleError(false, dberr.ThrottleNode, "n1", 0)))
	m.RecordThrottle("orders", "p1", errors.New("not a throttle"))
	for i := 1; i <= 100; i++ {
		m.RecordLatency("orders", "p0", time.Duration(i)*time.Millisecond)
	}
	m.RecordLatency("orders", "p1", 2*time.Hour)
	m.RecordLatency("orders", "p1", 0)

	s := m.Stats()
	require.Len(t, s.Tables, 2)
	orders, ok := s.Table("orders")
	require.True(t, ok)
	require.Equal(t, 0.5, orders.ConsumedRead)
	require.Equal(t, 4.0, orders.ConsumedWrite)
	require.Equal(t, int64(3), orders.Requests)
	require.Equal(t, map[dberr.ThrottleReason]int64{dberr.ThrottlePartition: 1, dberr.ThrottleNode: 1}, orders.Throttled)
	require.Equal(t, int64(102), orders.Latency.Count)
	require.InEpsilon(t, float64(time.Minute), float64(orders.Latency.Max), 0.01, "latencies beyond a minute are clamped (to 1% precision)")

	require.Len(t, orders.Partitions, 2)
	p0 := orders.Partitions[0]
	require.Equal(t, "p0", p0.Partition)
	require.Equal(t, 3.0, p0.ConsumedWrite)
	require.Equal(t, int64(100), p0.Latency.Count)
	require.InDelta(t, 50*time.Millisecond, p0.Latency.P50, float64(time.Millisecond))
	require.InDelta(t, 99*time.Millisecond, p0.Latency.P99, float64(time.Millisecond))
	require.InDelta(t, 50.5*float64(time.Millisecond), float64(p0.Latency.Mean), float64(time.Millisecond))
	require.Equal(t, time.Millisecond, p0.Latency.Min)

	users, ok := s.Table("users")
	require.True(t, ok)
	require.Empty(t, users.Partitions)
	require.Equal(t, 2.0, users.ConsumedRead)
	require.Zero(t, users.Latency.Count, "no histogram until a latency is recorded")
	_, ok = s.Table("nope")
	require.False(t, ok)

	// The snapshot shares nothing with the live metrics.
	m.RecordThrottle("orders", "p0", ThrottleError(false, dberr.ThrottlePartition, "orders/p0", 0))
	require.Equal(t, int64(1), orders.Throttled[dberr.ThrottlePartition])
	require.Equal(t, int64(2), m.Stats().Tables[0].Throttled[dberr.ThrottlePartition])
}

func TestThrottleError(t *testing.T) {
	cases := []struct {
		name     string
		onDemand bool
		reason   dberr.ThrottleReason
		retry    time.Duration
		wantType string
		wantMsg  string
		wantWait time.Duration
	}{
		{"provisioned table", false, dberr.ThrottleTable, time.Second, "ProvisionedThroughputExceededException", TableThrottleMessage, time.Second},
		{"provisioned partition uses the table message", false, dberr.ThrottlePartition, 0, "ProvisionedThroughputExceededException", TableThrottleMessage, 0},
		{"provisioned index", false, dberr.ThrottleIndex, 0, "ProvisionedThroughputExceededException", IndexThrottleMessage, 0},
		{"on-demand", true, dberr.ThrottleTable, time.Millisecond, "ThrottlingException", OnDemandThrottleMessage, time.Millisecond},
		{"retry hint is capped at an hour", false, dberr.ThrottleNode, 48 * time.Hour, "ProvisionedThroughputExceededException", TableThrottleMessage, time.Hour},
		{"negative retry hint is zero", true, dberr.ThrottleNode, -time.Second, "ThrottlingException", OnDemandThrottleMessage, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ThrottleError(tc.onDemand, tc.reason, "res", tc.retry)
			var api dberr.APIError
			require.ErrorAs(t, err, &api)
			require.Equal(t, tc.wantType, api.ErrorCode())
			require.Equal(t, tc.wantMsg, api.ErrorMessage())
			require.True(t, api.Retryable())
			reason, ok := ThrottleReasonOf(fmt.Errorf("wrapped: %w", err))
			require.True(t, ok)
			require.Equal(t, tc.reason, reason)
			switch e := err.(type) {
			case *dberr.ProvisionedThroughputExceededException:
				require.Equal(t, tc.wantWait, e.RetryAfter)
				require.Equal(t, "res", e.Resource)
			case *dberr.ThrottlingException:
				require.Equal(t, tc.wantWait, e.RetryAfter)
				require.Equal(t, "res", e.Resource)
			default:
				t.Fatalf("unexpected type %T", err)
			}
		})
	}
	_, ok := ThrottleReasonOf(errors.New("other"))
	require.False(t, ok)
}

func TestMetricsConcurrentRecording(t *testing.T) {
	var m Metrics
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				m.RecordConsumed("t", fmt.Sprint("p", i%3), Write, 1)
				m.RecordLatency("t", "p0", time.Millisecond)
				if i%10 == 0 {
					_ = m.Stats()
				}
			}
		}()
	}
	wg.Wait()
	s := m.Stats()
	require.Equal(t, 4000.0, s.Tables[0].ConsumedWrite)
	require.Equal(t, int64(4000), s.Tables[0].Latency.Count)
}
