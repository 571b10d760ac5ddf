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
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/split"
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

// Adaptive capacity: of a table split in four partitions, the one taking all
// the writes is throttled at its even share, and the control plane lends it
// the capacity the other three leave unused.
func TestAdaptiveCapacityLendsToAHotPartition(t *testing.T) {
	sim := clock.NewSim(time.Unix(1_800_000_000, 0))
	c := startCluster(t, ClusterConfig{AdmissionClock: sim})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := ordersTable("hot")
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(40), WriteCapacityUnits: catalog.Int64(40)}
	createTable(t, cl, in)
	rec, err := cl.meta.Table(ctx, "hot")
	require.NoError(t, err)
	prefix := keyenc.TablePrefix(rec.ID)
	for _, h := range []byte{0x40, 0x80, 0xc0} {
		splitAt(ctx, t, cl, "hot", append(append([]byte{}, prefix...), h))
	}
	rec, err = cl.meta.Table(ctx, "hot")
	require.NoError(t, err)
	require.Len(t, rec.Partitions, 4)
	hotKey, err := keyenc.Key(rec.ID, attr.S("p"), attr.N("0"))
	require.NoError(t, err)
	var hot uint64
	for _, p := range rec.Partitions {
		if p.Range.Contains(hotKey) {
			hot = p.ID
		}
	}
	// limit reads the hot partition's write rate on its leader.
	limit := func() float64 {
		for _, n := range c.Nodes() {
			if st, err := n.Status(hot); err == nil && st.IsLeader {
				if l, ok := n.Gate().Limits(hot); ok {
					return l.WriteRate
				}
			}
		}
		return 0
	}
	waitFor := func(cond func() bool) {
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			require.True(t, time.Now().Before(deadline), "condition not reached")
			time.Sleep(5 * time.Millisecond) // polling the control plane's progress
		}
	}
	waitFor(func() bool { return limit() == 10 })

	// The hot partition is offered 36 writes in every simulated second,
	// the others nothing: 4 WCU of the table stay unused.
	i := 0
	for round := 0; round < 12 && limit() < 30; round++ {
		for range 36 {
			_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "hot", Item: attr.Item{"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i))}})
			i++
			var pte *dberr.ProvisionedThroughputExceededException
			if err != nil {
				require.ErrorAs(t, err, &pte)
			}
		}
		before := limit()
		sim.Advance(time.Second)
		waitFor(func() bool { return limit() != before || round == 0 })
		t.Logf("second %d: the hot partition's rate %.2f WCU", round+1, limit())
	}
	require.GreaterOrEqual(t, limit(), 30.0, "the hot partition borrowed most of the 30 WCU the others leave unused")
	require.LessOrEqual(t, limit(), 40.0, "never more than the table has")
}

// The client counts what its global admission control refused, and the
// latency of what it sent.
func TestClientStats(t *testing.T) {
	sim := clock.NewSim(time.Unix(1_800_000_000, 0))
	c := startCluster(t, ClusterConfig{AdmissionClock: sim})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := ordersTable("metered")
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(2), WriteCapacityUnits: catalog.Int64(2)}
	createTable(t, cl, in)
	refused := 0
	for i := range 10 {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "metered", Item: attr.Item{"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i))}})
		if err != nil {
			refused++
		}
	}
	require.Positive(t, refused)
	st, ok := cl.Stats().Table("metered")
	require.True(t, ok)
	var throttled int64
	for _, n := range st.Throttled {
		throttled += n
	}
	require.Equal(t, int64(10), st.Latency.Count, "every write's latency, refused or not")
	require.Positive(t, throttled, "the table's 2 WCU pool refused some writes at the client")
	require.LessOrEqual(t, throttled, int64(refused))
}

// adaptRounds returns the active controller's count of usage observations.
func (c *Cluster) adaptRounds() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, ctrl := range c.ctrls {
		n = max(n, ctrl.AdaptRounds())
	}
	return n
}

// Splits for consumption: a partition kept above 80% of its write limit
// splits at the median of its sampled load when the load spreads over its
// keys; one hot key, or writes walking up the key range, are refused with
// the reason in the events.
func TestSplitsForConsumption(t *testing.T) {
	sim := clock.NewSim(time.Unix(1_800_000_000, 0))
	c := startCluster(t, ClusterConfig{AdmissionClock: sim, SplitPolicy: split.Policy{Sustain: 3 * time.Second}})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, name := range []string{"spread", "onekey", "walking"} {
		in := ordersTable(name)
		in.BillingMode = catalog.BillingModeProvisioned
		in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(100), WriteCapacityUnits: catalog.Int64(100)}
		createTable(t, cl, in)
	}
	put := func(table string, pk string, sk int) {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: table, Item: attr.Item{"pk": attr.S(pk), "sk": attr.N(fmt.Sprint(sk))}})
		var pte *dberr.ProvisionedThroughputExceededException
		if err != nil && !errors.As(err, &pte) {
			require.NoError(t, err)
		}
	}
	seq := 0
	for second := 0; second < 10; second++ {
		for i := range 90 {
			put("spread", fmt.Sprintf("k%d", (second*90+i)%200), 0)
			put("onekey", "hot", 0)
			seq++
			put("walking", "log", seq)
		}
		rounds := c.adaptRounds()
		sim.Advance(time.Second)
		deadline := time.Now().Add(20 * time.Second)
		for c.adaptRounds() == rounds {
			require.True(t, time.Now().Before(deadline), "the control plane observed no usage")
			time.Sleep(2 * time.Millisecond) // polling the control plane's progress
		}
	}
	parts := func(name string) int {
		rec, err := cl.meta.Table(ctx, name)
		require.NoError(t, err)
		return len(rec.Partitions)
	}
	require.Equal(t, 2, parts("spread"), "a spread load splits once")
	require.Equal(t, 1, parts("onekey"))
	require.Equal(t, 1, parts("walking"))
	why := map[string]string{}
	for _, ev := range mustEvents(ctx, t, cl) {
		if ev.Kind == "split" {
			why[ev.Table] = ev.Outcome + ": " + ev.What + ": " + ev.Why
		}
	}
	t.Logf("events: %v", why)
	require.Contains(t, why["spread"], "split for consumption at the load median")
	require.Contains(t, why["onekey"], "refused")
	require.Contains(t, why["walking"], "refused")
}
