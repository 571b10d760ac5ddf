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
	// it was replaced in rather than serving them twice.
	require.NoError(t, c.Restart(ctx, victim))
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := c.nc.Node(victim)
		require.NoError(t, err)
		var stale []uint64
		for _, g := range append(n.Partitions(), n.LogReplicas()...) {
			if g != meta.Group {
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
		var out *api.GetItemOutput
		for attempt := 1; ; attempt++ {
			out, err = cl.GetItem(ctx, &api.GetItemInput{TableName: "healed", ConsistentRead: true, Key: attr.Item{"pk": attr.S(k), "sk": attr.N("1")}})
			var pte *dberr.ProvisionedThroughputExceededException
			if !errors.As(err, &pte) {
				break
			}
			require.NoError(t, meta.Backoff(ctx, attempt, 100*time.Millisecond)) // as a client backs off
		}
		require.NoError(t, err)
		require.NotNil(t, out.Item, "acknowledged write %s lost", k)
	}
}
