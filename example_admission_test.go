package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo"
)

// A host program rate-limits its own writes as DynamoDB would: each write is
// priced in write units, admitted by its partition's bucket and its node's,
// and, across the host's two routers, by global admission control. Times are
// explicit, so the run is deterministic.
func Example_admission() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// A 100 WCU partition on a node serving 1,000 WCU.
	partition, err := dynamo.NewTokenBucket(dynamo.TokenBucketOptions{
		Resource: "orders/p0",
		Rate:     100,
		MaxRate:  dynamo.PartitionMaxWriteUnits,
	}, start)
	if err != nil {
		panic(err)
	}
	node, err := dynamo.NewNodeBucket(dynamo.NodeBucketOptions{Resource: "node-1", Rate: 1000}, start)
	if err != nil {
		panic(err)
	}

	// Writing a 2.5 KB item over a 1 KB one costs 3 WCU.
	cost := dynamo.PutItemUnits(dynamo.WriteStandard, 1024, 2560)
	fmt.Println("cost:", cost, "WCU")

	admitted := 0
	for dynamo.Admit(start, cost, partition, node) == nil {
		admitted++
	}
	fmt.Println("admitted at once:", admitted)

	err = dynamo.Admit(start, cost, partition, node)
	var throttled *dynamo.ProvisionedThroughputExceededException
	if errors.As(err, &throttled) {
		fmt.Println("throttled:", throttled.Reason, throttled.Resource, "retry after", throttled.RetryAfter)
	}

	// Five idle minutes bank 300 s of capacity: a burst of 10,000 writes
	// passes at once.
	later := start.Add(5 * time.Minute)
	fmt.Println("banked:", partition.Available(later), "WCU")

	// Global admission control: two routers share a 100 WCU table.
	now := later
	svc, err := dynamo.NewAdmissionService(dynamo.AdmissionServiceOptions{
		Table: "orders",
		Rate:  100,
		Now:   func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	routers := make([]*dynamo.AdmissionClient, 2)
	for i := range routers {
		routers[i], err = dynamo.NewAdmissionClient(svc, dynamo.AdmissionClientOptions{
			ID:    fmt.Sprintf("router-%d", i),
			Table: "orders",
		})
		if err != nil {
			panic(err)
		}
	}
	// Each router offers 1 WCU every 5 ms (200 WCU/s) for 10 s.
	total := make([]int, len(routers))
	for step := 0; step < 2000; step++ {
		now = later.Add(time.Duration(step) * 5 * time.Millisecond)
		for i, r := range routers {
			if r.Admit(ctx, now, 1) == nil {
				total[i]++
			}
		}
	}
	fmt.Println("admitted by the routers in 10 s:", total[0]+total[1], "WCU")
	// Output:
	// cost: 3 WCU
	// admitted at once: 33
	// throttled: KeyRangeThroughputExceeded orders/p0 retry after 20ms
	// banked: 30000 WCU
	// admitted by the routers in 10 s: 1090 WCU
}
