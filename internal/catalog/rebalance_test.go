package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// allPartitions returns every partition of the catalog, tables by name.
func allPartitions(c *Catalog) []Partition {
	var out []Partition
	for _, name := range c.TableNames() {
		ps, _ := c.Partitions(name)
		out = append(out, ps...)
	}
	return out
}

// loads returns each live node's replica count, bytes and units.
func loads(c *Catalog, load map[uint64]PartitionLoad) map[NodeID]loadVec {
	out := map[NodeID]loadVec{}
	for _, n := range c.Nodes() {
		if n.Live {
			out[n.ID] = loadVec{}
		}
	}
	for _, p := range allPartitions(c) {
		for _, r := range p.Replicas {
			if v, ok := out[r.Node]; ok {
				rl := replicaLoad(r, load[p.ID])
				for d := range v {
					v[d] += rl[d]
				}
				out[r.Node] = v
			}
		}
	}
	return out
}

// worstRatio is the largest load ratio of any live node in any dimension.
func worstRatio(c *Catalog, load map[uint64]PartitionLoad) float64 {
	l := loads(c, load)
	var total loadVec
	for _, v := range l {
		for d := range v {
			total[d] += v[d]
		}
	}
	worst := 0.0
	for _, v := range l {
		for d := range v {
			if total[d] > 0 {
				worst = max(worst, v[d]/(total[d]/float64(len(l))))
			}
		}
	}
	return worst
}

// applyMoves applies a plan through the catalog, which checks every move.
func applyMoves(t *testing.T, c *Catalog, moves []Move) {
	t.Helper()
	for _, m := range moves {
		tbl, ok := c.TableByID(m.Table)
		require.True(t, ok)
		require.NoError(t, c.MoveReplica(tbl.Description.TableName, m.Partition, m.From, m.To), "move %+v", m)
	}
	require.NoError(t, c.Check())
}

// grownCluster creates tables while only the first `start` nodes are live,
// then brings the rest up: the new nodes are empty.
func grownCluster(t *testing.T, zones, perZone, start, tables int, rcu int64) *Catalog {
	c := newCluster(t, zones, perZone)
	for _, n := range c.Nodes() {
		require.NoError(t, c.SetNodeLive(n.ID, int(n.ID) <= start))
	}
	for i := 0; i < tables; i++ {
		in := baseCreate()
		in.TableName = fmt.Sprintf("table-%02d", i)
		in.ProvisionedThroughput = pt(rcu, 1)
		active(t, c, in)
	}
	for _, n := range c.Nodes() {
		require.NoError(t, c.SetNodeLive(n.ID, true))
	}
	return c
}

func TestPlanRebalanceScenarios(t *testing.T) {
	cases := []struct {
		name      string
		build     func(t *testing.T) (*Catalog, map[uint64]PartitionLoad)
		wantMoves bool
		balanced  bool
	}{
		{"balanced cluster needs no moves", func(t *testing.T) (*Catalog, map[uint64]PartitionLoad) {
			c := newCluster(t, 3, 2)
			for i := 0; i < 4; i++ {
				in := baseCreate()
				in.TableName = fmt.Sprintf("t%02d", i)
				active(t, c, in)
			}
			return c, nil
		}, false, true},
		{"new nodes in every zone take replicas", func(t *testing.T) (*Catalog, map[uint64]PartitionLoad) {
			// Zones a: 1,2  b: 3,4  c: 5,6; tables placed while only
			// nodes 1, 3 and 5 were live.
			c := newCluster(t, 3, 2)
			for _, n := range c.Nodes() {
				require.NoError(t, c.SetNodeLive(n.ID, n.ID%2 == 1))
			}
			for i := 0; i < 6; i++ {
				in := baseCreate()
				in.TableName = fmt.Sprintf("t%02d", i)
				active(t, c, in)
			}
			for _, n := range c.Nodes() {
				require.NoError(t, c.SetNodeLive(n.ID, true))
			}
			return c, nil
		}, true, true},
		{"hot partitions are spread by units", func(t *testing.T) (*Catalog, map[uint64]PartitionLoad) {
			c := newCluster(t, 3, 2)
			load := map[uint64]PartitionLoad{}
			for i := 0; i < 6; i++ {
				in := baseCreate()
				in.TableName = fmt.Sprintf("t%02d", i)
				active(t, c, in)
			}
			// Make every partition whose replicas sit on node 1 hot.
			for _, p := range allPartitions(c) {
				if p.Holds(1) {
					load[p.ID] = PartitionLoad{Units: 300, Bytes: 1 << 20}
				} else {
					load[p.ID] = PartitionLoad{Units: 100, Bytes: 1 << 20}
				}
			}
			return c, load
		}, true, true},
		{"dead nodes are neither sources nor targets", func(t *testing.T) (*Catalog, map[uint64]PartitionLoad) {
			c := grownCluster(t, 3, 2, 3, 4, 100)
			require.NoError(t, c.SetNodeLive(4, false))
			require.NoError(t, c.SetNodeLive(5, false))
			require.NoError(t, c.SetNodeLive(6, false))
			return c, nil
		}, false, false},
		{"single zone cluster balances across its nodes", func(t *testing.T) (*Catalog, map[uint64]PartitionLoad) {
			return grownCluster(t, 1, 6, 3, 6, 100), nil
		}, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, load := tc.build(t)
			before := worstRatio(c, load)
			in := RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitions(c), Load: load}
			moves := PlanRebalance(in)
			require.Equal(t, tc.wantMoves, len(moves) > 0, "moves %v", moves)
			require.Equal(t, moves, PlanRebalance(in), "the plan is deterministic")
			for _, m := range moves {
				n, _ := c.Node(m.To)
				require.True(t, n.Live)
			}
			applyMoves(t, c, moves)
			after := worstRatio(c, load)
			require.LessOrEqual(t, after, before+1e-9)
			if tc.balanced {
				require.LessOrEqual(t, after, DefaultRebalanceThreshold+1e-9, "worst ratio %.3f", after)
			}
		})
	}
}

func TestPlanRebalanceRespectsCapacityAndMaxMoves(t *testing.T) {
	c := grownCluster(t, 3, 2, 3, 6, 100)
	ns := c.Nodes()
	for i := range ns {
		if ns[i].ID == 2 {
			ns[i].Capacity.Replicas = 1
		}
	}
	moves := PlanRebalance(RebalanceInput{Nodes: ns, Partitions: allPartitions(c)})
	into := 0
	for _, m := range moves {
		if m.To == 2 {
			into++
		}
	}
	require.LessOrEqual(t, into, 1)
	limited := PlanRebalance(RebalanceInput{Nodes: ns, Partitions: allPartitions(c), MaxMoves: 2})
	require.Len(t, limited, 2)
	require.Equal(t, moves[:2], limited)
}

// TestPlanRebalanceRandomClusters checks the planner's promises on seeded
// random clusters: every move is valid, zones stay distinct where they
// were and zones suffice, the worst load never grows, and the plan is
// deterministic.
func TestPlanRebalanceRandomClusters(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 11))
			zones := 1 + r.IntN(4)
			perZone := 1 + r.IntN(3)
			total := zones * perZone
			start := 1 + r.IntN(total)
			c := grownCluster(t, zones, perZone, start, 1+r.IntN(8), int64(1+r.IntN(9000)))
			for _, n := range c.Nodes() {
				if r.IntN(8) == 0 {
					require.NoError(t, c.SetNodeLive(n.ID, false))
				}
			}
			load := map[uint64]PartitionLoad{}
			for _, p := range allPartitions(c) {
				load[p.ID] = PartitionLoad{Bytes: int64(r.IntN(1 << 30)), Units: float64(r.IntN(3000))}
			}
			liveZones := map[string]bool{}
			for _, n := range c.Nodes() {
				if n.Live {
					liveZones[n.Zone] = true
				}
			}
			distinctBefore := map[uint64]bool{}
			crowded := false
			for _, p := range allPartitions(c) {
				distinctBefore[p.ID] = distinctZones(c, p) == len(p.Replicas)
				crowded = crowded || spreadable(c, p)
			}
			before := worstRatio(c, load)
			in := RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitions(c), Load: load}
			moves := PlanRebalance(in)
			require.Equal(t, moves, PlanRebalance(in))
			applyMoves(t, c, moves)
			if !crowded {
				// Spreading a crowded partition over zones comes before
				// load and may raise it; otherwise load only goes down.
				require.LessOrEqual(t, worstRatio(c, load), before+1e-9)
			}
			for _, p := range allPartitions(c) {
				if distinctBefore[p.ID] {
					require.Equal(t, len(p.Replicas), distinctZones(c, p), "partition %d lost zone diversity", p.ID)
				}
				require.False(t, spreadable(c, p), "partition %d keeps two replicas in a zone while another zone is free", p.ID)
			}
		})
	}
}

// spreadable reports whether p has two replicas on live nodes of one zone
// while a live node in a zone p does not use could take one.
func spreadable(c *Catalog, p Partition) bool {
	if distinctZones(c, p) == len(p.Replicas) {
		return false
	}
	used := map[string]bool{}
	for _, r := range p.Replicas {
		n, _ := c.Node(r.Node)
		used[n.Zone] = true
	}
	for _, n := range c.Nodes() {
		if n.Live && !used[n.Zone] {
			return true
		}
	}
	return false
}

func distinctZones(c *Catalog, p Partition) int {
	zones := map[string]bool{}
	for _, r := range p.Replicas {
		n, _ := c.Node(r.Node)
		zones[n.Zone] = true
	}
	return len(zones)
}

// A replica alone in its zone never moves into a zone the partition
// already uses, however loaded its node: the move would lose the zone.
// Zones a: 1,2  b: 3,4  c: 5,6 with node 6 dead, so node 5 holds every
// replica in zone c, and nodes 2 and 4 join empty.
func TestPlanRebalanceKeepsALoneZone(t *testing.T) {
	c := newCluster(t, 3, 2)
	for _, id := range []NodeID{2, 4, 6} {
		require.NoError(t, c.SetNodeLive(id, false))
	}
	for i := 0; i < 6; i++ {
		in := baseCreate()
		in.TableName = fmt.Sprintf("t%02d", i)
		active(t, c, in)
	}
	require.NoError(t, c.SetNodeLive(2, true))
	require.NoError(t, c.SetNodeLive(4, true))
	moves := PlanRebalance(RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitions(c)})
	require.NotEmpty(t, moves, "nodes 1 and 3 share their replicas with 2 and 4")
	for _, m := range moves {
		require.NotEqual(t, NodeID(5), m.From, "move %+v takes a replica out of zone c", m)
	}
	applyMoves(t, c, moves)
	for _, p := range allPartitions(c) {
		require.Equal(t, 3, distinctZones(c, p), "partition %d", p.ID)
	}
	// Node 5 stays above the cluster's mean, but within each zone of two
	// nodes the replicas are even.
	l := loads(c, nil)
	for _, pair := range [][2]NodeID{{1, 2}, {3, 4}} {
		a, b := l[pair[0]][dimReplicas], l[pair[1]][dimReplicas]
		mean := (a + b) / 2
		require.LessOrEqual(t, max(a, b), DefaultRebalanceThreshold*mean, "zone of nodes %v: %v and %v replicas", pair, a, b)
	}
	// The catalog refuses such a move as well.
	p := allPartitions(c)[0]
	name := ""
	for _, n := range c.TableNames() {
		if ps, _ := c.Partitions(n); ps[0].ID == p.ID {
			name = n
		}
	}
	var to NodeID = 2
	if p.Holds(2) {
		to = 1
	}
	require.ErrorIs(t, c.MoveReplica(name, p.ID, 5, to), ErrZoneConflict)
	// A replica that is lost (healing) may go there: no other zone can
	// take it while node 5 cannot.
	require.NoError(t, c.ReplaceReplica(name, p.ID, 5, to))
}

// A node that joins empty is filled until it carries at least the mean
// divided by the threshold, not just until no node is above the threshold:
// four zones of one node, tables placed while node 4 was down.
func TestPlanRebalanceFillsAJoiningNode(t *testing.T) {
	c := newCluster(t, 4, 1)
	require.NoError(t, c.SetNodeLive(4, false))
	for i := 0; i < 8; i++ {
		in := baseCreate()
		in.TableName = fmt.Sprintf("t%02d", i)
		active(t, c, in)
	}
	require.NoError(t, c.SetNodeLive(4, true))
	moves := PlanRebalance(RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitions(c)})
	applyMoves(t, c, moves)
	l := loads(c, nil)
	var total float64
	for _, v := range l {
		total += v[dimReplicas]
	}
	mean := total / 4
	for id, v := range l {
		require.GreaterOrEqual(t, v[dimReplicas], mean/DefaultRebalanceThreshold, "node %d", id)
		require.LessOrEqual(t, v[dimReplicas], mean*DefaultRebalanceThreshold, "node %d", id)
	}
	require.NotEmpty(t, moves)
	require.Empty(t, PlanRebalance(RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitions(c)}), "the plan converged: nothing left to move")
}
