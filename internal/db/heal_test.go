package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// Kill one node of four (or five) in three zones: the control plane
// declares it dead and gives each of its partitions a new full replica on
// the other node of its zone (with five nodes, a log replica on a spare node
// first, removed at the end), so every partition is back to three full
// replicas in three zones; no acknowledged write is lost, and writes go on
// throughout.
func TestHealAfterNodeDeath(t *testing.T) {
	for _, nodes := range []int{4, 5} {
		t.Run(fmt.Sprint(nodes, " nodes"), func(t *testing.T) { testHeal(t, nodes) })
	}
}

func testHeal(t *testing.T, nodes int) {
	c := startCluster(t, ClusterConfig{Nodes: nodes, Zones: 3, DeadAfter: time.Second, HeartbeatInterval: 100 * time.Millisecond})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	in := ordersTable("healed")
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(1000), WriteCapacityUnits: catalog.Int64(3500)}
	createTable(t, cl, in)
	acked := map[string]bool{}
	put := func(i int) {
		k := fmt.Sprintf("k%d", i)
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "healed", Item: attr.Item{"pk": attr.S(k), "sk": attr.N("1")}})
		if err == nil {
			acked[k] = true
		}
	}
	for i := range 100 {
		put(i)
	}
	require.Len(t, acked, 100)

	// The victim is a node holding replicas whose zone has another node.
	rec, err := cl.meta.Table(ctx, "healed")
	require.NoError(t, err)
	var victim transport.NodeID
	for _, r := range rec.Partitions[0].Replicas {
		if c.Zone(transport.NodeID(r.Node)) == "zone-1" {
			victim = transport.NodeID(r.Node)
		}
	}
	require.NotZero(t, victim)
	onVictim := 0
	for _, p := range rec.Partitions {
		if p.Holds(catalog.NodeID(victim)) {
			onVictim++
		}
	}
	autoadmin := c.nc.Leader(meta.Group)
	start := time.Now()
	require.NoError(t, c.Crash(victim))

	healed := func() bool {
		rec, err := cl.meta.Table(ctx, "healed")
		if err != nil {
			return false
		}
		for _, p := range rec.Partitions {
			zones := map[string]bool{}
			for _, r := range p.Replicas {
				if transport.NodeID(r.Node) == victim || r.Kind != catalog.ReplicaFull {
					return false
				}
				zones[c.Zone(transport.NodeID(r.Node))] = true
			}
			if len(zones) != 3 {
				return false
			}
		}
		return true
	}
	i := 100
	for !healed() {
		require.Less(t, time.Since(start), 60*time.Second, "not healed within 60 s")
		if i < 600 {
			put(i) // writes go on while the cluster heals
			i++
		} else {
			require.NoError(t, meta.Backoff(ctx, 1, 10*time.Millisecond)) // polling the control plane's progress
		}
	}
	recovery := time.Since(start)
	events := mustEvents(ctx, t, cl)
	heals, logs := 0, 0
	for _, ev := range events {
		switch {
		case ev.Kind == "heal" && strings.HasPrefix(ev.What, "log replica"):
			logs++
		case ev.Kind == "heal":
			heals++
		}
	}
	require.Equal(t, onVictim, heals, "one heal event per partition that had a replica on the dead node")
	if nodes == 5 {
		require.Equal(t, onVictim, logs, "a log replica first for each")
	}
	for _, n := range c.Nodes() {
		require.Empty(t, n.LogReplicas(), "node %d: log replicas are removed once the full ones are in", n.ID())
	}
	t.Logf("the control plane ran on node %d before the crash, on node %d after", autoadmin, c.nc.Leader(meta.Group))
	t.Logf("%d nodes, node %d dead: its %d partitions back to 3 full replicas in 3 zones after %v (failure detection 1 s; %d log replicas in between); %d writes acknowledged meanwhile",
		nodes, victim, onVictim, recovery.Round(time.Millisecond), logs, len(acked)-100)

	// The dead node comes back: it is live again, and it drops the replicas
	// it was replaced in rather than serving them twice; it may take new
	// ones as the cluster rebalances onto it, but only ones the catalog
	// places there.
	require.NoError(t, c.Restart(ctx, victim))
	deadline := time.Now().Add(30 * time.Second)
	for {
		placed := map[uint64]bool{}
		rec, err := cl.meta.Table(ctx, "healed")
		require.NoError(t, err)
		for _, p := range rec.Partitions {
			if p.Holds(catalog.NodeID(victim)) {
				placed[p.ID] = true
			}
		}
		n, err := c.nc.Node(victim)
		require.NoError(t, err)
		var stale []uint64
		for _, g := range append(n.Partitions(), n.LogReplicas()...) {
			if g != meta.Group && !placed[g] {
				stale = append(stale, g)
			}
		}
		if len(stale) == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "node %d still hosts %v", victim, stale)
		require.NoError(t, meta.Backoff(ctx, 1, 20*time.Millisecond)) // polling the control plane's progress
	}

	for k := range acked {
		requireStored(ctx, t, cl, "healed", k)
	}
}

// requireStored reads item (pk k, sk 1) of table strongly, backing off as a
// client does while the table throttles, and requires it to be there.
func requireStored(ctx context.Context, t *testing.T, cl *Client, table, k string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		out, err := cl.GetItem(ctx, &api.GetItemInput{TableName: table, ConsistentRead: true, Key: attr.Item{"pk": attr.S(k), "sk": attr.N("1")}})
		var pte *dberr.ProvisionedThroughputExceededException
		if errors.As(err, &pte) {
			require.NoError(t, meta.Backoff(ctx, attempt, 100*time.Millisecond))
			continue
		}
		require.NoError(t, err)
		require.NotNil(t, out.Item, "acknowledged write %s/%s lost", table, k)
		return
	}
}

// A fourth node joining a loaded three-node cluster takes replicas and
// leaderships until no node carries more than 1.2 times the mean, with no
// acknowledged write lost.
func TestRebalanceOntoANewNode(t *testing.T) {
	c := startCluster(t, ClusterConfig{Nodes: 4, Zones: 3, DeadAfter: 500 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, RebalanceInterval: 100 * time.Millisecond})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	// Node 4 is down while the tables are made: they go to nodes 1-3.
	require.NoError(t, c.Crash(4))
	for {
		var out meta.DescribeClusterOutput
		require.NoError(t, cl.meta.Call(ctx, meta.OpDescribeCluster, struct{}{}, &out))
		if !slices.ContainsFunc(out.Nodes, func(n catalog.Node) bool { return n.ID == 4 && n.Live }) {
			break
		}
		require.NoError(t, meta.Backoff(ctx, 1, 20*time.Millisecond)) // polling the control plane's progress
	}
	acked := map[string]bool{}
	for _, name := range []string{"first", "second"} {
		in := ordersTable(name)
		in.BillingMode = catalog.BillingModeProvisioned
		in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(1000), WriteCapacityUnits: catalog.Int64(3500)}
		createTable(t, cl, in)
		for i := range 50 {
			k := fmt.Sprint(name, i)
			_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: name, Item: attr.Item{"pk": attr.S(k), "sk": attr.N("1")}})
			require.NoError(t, err)
			acked[name+"/"+k] = true
		}
	}
	replicas := func() (map[catalog.NodeID]int, int) {
		count, total := map[catalog.NodeID]int{1: 0, 2: 0, 3: 0, 4: 0}, 0
		for _, name := range []string{"first", "second"} {
			rec, err := cl.meta.Table(ctx, name)
			require.NoError(t, err)
			for _, p := range rec.Partitions {
				for _, r := range p.Replicas {
					count[r.Node]++
					total++
				}
			}
		}
		return count, total
	}
	before, total := replicas()
	require.Zero(t, before[4])

	require.NoError(t, c.Restart(ctx, 4))
	start := time.Now()
	balanced := func() bool {
		count, _ := replicas()
		mean := float64(total) / 4
		for _, n := range count {
			if float64(n) > 1.2*mean {
				return false
			}
		}
		leads := map[transport.NodeID]int{}
		for _, n := range c.Nodes() {
			for _, g := range n.Partitions() {
				if st, err := n.Status(g); err == nil && st.IsLeader && g != meta.Group {
					leads[n.ID()]++
				}
			}
		}
		for _, l := range leads {
			if float64(l) > 1.2*float64(total/3)/4+0.5 {
				return false
			}
		}
		return true
	}
	for !balanced() {
		require.Less(t, time.Since(start), 90*time.Second, "not balanced within 90 s")
		require.NoError(t, meta.Backoff(ctx, 5, 50*time.Millisecond)) // polling the control plane's progress
	}
	after, _ := replicas()
	t.Logf("replicas per node before %v, after %v (%d replicas); balanced %v after node 4 came", before, after, total, time.Since(start).Round(time.Millisecond))
	for key := range acked {
		table, k, _ := strings.Cut(key, "/")
		requireStored(ctx, t, cl, table, k)
	}
}
