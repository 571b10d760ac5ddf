package admission

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// The partition-then-node decision on the admit path: a partition with room
// and a node with room.
func BenchmarkAdmitPartitionNode(b *testing.B) {
	p, err := NewBucket(BucketOptions{Resource: "p", Rate: 1e6}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	n, err := NewNodeBucket(NodeOptions{Resource: "n", Rate: 1e7}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := epoch.Add(time.Duration(i) * time.Microsecond)
		if err := Admit(now, 1, p, n); err != nil {
			b.Fatal(err)
		}
	}
}

// The refusal path: the node refuses and the partition's reservation is
// cancelled.
func BenchmarkAdmitNodeRefuses(b *testing.B) {
	p, err := NewBucket(BucketOptions{Resource: "p", Rate: 1e6}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	n, err := NewNodeBucket(NodeOptions{Resource: "n", Rate: 1}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	for Admit(epoch, 1, p, n) == nil {
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if Admit(epoch, 1, p, n) == nil {
			b.Fatal("admitted")
		}
	}
}

// Many partitions of one node admitting concurrently.
func BenchmarkAdmitPartitionNodeParallel(b *testing.B) {
	n, err := NewNodeBucket(NodeOptions{Resource: "n", Rate: 1e9}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p, err := NewBucket(BucketOptions{Resource: fmt.Sprint("p", next.Add(1)), Rate: 1e6}, epoch)
		if err != nil {
			b.Error(err)
			return
		}
		var i int64
		for pb.Next() {
			i++
			if err := Admit(epoch.Add(time.Duration(i)*time.Microsecond), 1, p, n); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// A router's admission with tokens already granted: no call to the service.
func BenchmarkGACClientLocalTokens(b *testing.B) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 1e9, GrantTTL: time.Hour, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(svc, ClientOptions{ID: "r", Table: "t"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Build a demand estimate large enough that one grant covers the run.
	if err := c.Admit(ctx, epoch, 1); err != nil {
		b.Fatal(err)
	}
	clk.Set(epoch.Add(time.Microsecond))
	if err := c.Admit(ctx, clk.Now(), 1e8); err != nil {
		b.Fatal(err)
	}
	asks := c.Asks()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Admit(ctx, clk.Now(), 1); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.Asks()-asks), "asks")
}

// A grant request served by the service, four clients active.
func BenchmarkGACServiceAcquire(b *testing.B) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 1e6, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ids := []string{"r0", "r1", "r2", "r3"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clk.Set(epoch.Add(time.Duration(i) * time.Millisecond))
		if _, err := svc.Acquire(ctx, GrantRequest{Client: ids[i%4], Want: 100, Need: 1, Used: 50, Returned: 10}); err != nil {
			b.Fatal(err)
		}
	}
}
