package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// A provisioned table admits what its capacity allows and throttles the
// rest with DynamoDB's exception, naming the table or partition; the
// capacity comes back as time passes, and the nodes' metrics count what
// they admitted.
func TestProvisionedTableThrottles(t *testing.T) {
	sim := clock.NewSim(time.Unix(1_800_000_000, 0))
	c := startCluster(t, ClusterConfig{AdmissionClock: sim})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := ordersTable("slow")
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(10), WriteCapacityUnits: catalog.Int64(5)}
	createTable(t, cl, in)

	// 1 KB items cost 1 WCU each. The bucket starts with one second (5
	// units) banked; simulated time stands still, so exactly 5 writes pass.
	big := strings.Repeat("x", 1000)
	put := func(i int) error {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "slow", Item: attr.Item{
			"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i)), "v": attr.S(big[:1000-len("pkskv")-3]),
		}})
		return err
	}
	// The control plane sets the partition's limits shortly after the table
	// turns ACTIVE: wait until a write is refused.
	i := 0
	for {
		err := put(i)
		i++
		if err != nil {
			var pte *dberr.ProvisionedThroughputExceededException
			require.ErrorAs(t, err, &pte)
			break
		}
		require.Less(t, i, 10_000, "never throttled")
	}
	sim.Advance(time.Second)
	admitted, throttled := 0, 0
	for j := range 8 {
		err := put(i + j)
		var pte *dberr.ProvisionedThroughputExceededException
		switch {
		case err == nil:
			admitted++
		case errors.As(err, &pte):
			throttled++
			// The table's admission service and the partition's bucket
			// both meter 5 WCU; either may refuse first.
			require.Contains(t, []dberr.ThrottleReason{dberr.ThrottleTable, dberr.ThrottlePartition}, pte.Reason)
			require.Contains(t, pte.Resource, "slow")
			require.Equal(t, "The level of configured provisioned throughput for the table was exceeded. "+
				"Consider increasing your provisioning level with the UpdateTable API.", pte.ErrorMessage())
		default:
			t.Fatalf("write %d: %v", j, err)
		}
	}
	require.Equal(t, 5, admitted, "one second of 5 WCU")
	require.Equal(t, 3, throttled)

	var consumed float64
	for _, st := range c.Stats() {
		if ts, ok := st.Table("slow"); ok {
			consumed += ts.ConsumedWrite
		}
	}
	require.GreaterOrEqual(t, consumed, 5.0+float64(admitted), "the leader counted every write it admitted")
}
