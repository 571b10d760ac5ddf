package db

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// The tests of this file run the whole cluster (raft, nodes, the control
// plane, the client) in simulated time: a testing/synctest bubble, whose
// clock every timer, ticker and time.Now in it reads, and which moves on
// only when every goroutine of the bubble is blocked. Liveness runs at its
// defaults (a heartbeat every 500 ms, dead after 10 s of silence), a
// minute of simulated time takes a fraction of a second, and how loaded
// the machine is changes nothing the tests measure. Their waits are
// simulated time passing, not synchronisation by sleeping.

// poll waits in simulated time until done holds, looking every step, and
// fails the test once limit has passed (after calling explain, if given,
// to log what it sees); it returns how long it waited.
func poll(t *testing.T, what string, limit, step time.Duration, done func() bool, explain ...func()) time.Duration {
	t.Helper()
	start := time.Now()
	for !done() {
		if time.Since(start) >= limit {
			for _, f := range explain {
				f()
			}
			require.FailNow(t, fmt.Sprintf("%s: not within %v of simulated time", what, limit))
		}
		time.Sleep(step)
	}
	return time.Since(start)
}

// explainTable logs table's partitions (the catalog's replicas and the
// group's members as the leader sees them), the nodes' liveness and the
// latest events.
func explainTable(t *testing.T, c *Cluster, tables ...string) func() {
	return func() {
		ctx := context.Background()
		cl := c.Client()
		for _, table := range tables {
			rec, err := cl.meta.Table(ctx, table)
			if err != nil {
				continue
			}
			for _, p := range rec.Partitions {
				leader := c.nc.Leader(p.ID)
				var st multiraft.GroupStatus
				if n, err := c.nc.Node(leader); err == nil {
					st, _ = n.Status(p.ID)
				}
				t.Logf("%s partition %d: catalog %v, leader %d, members %+v", table, p.ID, p.Replicas, leader, st.Replicas)
			}
		}
		t.Logf("leaders %v", leaderCounts(c))
		var out meta.DescribeClusterOutput
		if err := cl.meta.Call(ctx, meta.OpDescribeCluster, struct{}{}, &out); err == nil {
			t.Logf("nodes %+v; control plane on node %d", out.Nodes, c.nc.Leader(meta.Group))
		}
		if evs, err := cl.Events(ctx); err == nil {
			for _, ev := range evs[max(0, len(evs)-30):] {
				t.Logf("event %s %s partition %d: %s | %s | %s", ev.Time.Format("15:04:05.000"), ev.Kind, ev.Partition, ev.What, ev.Why, ev.Outcome)
			}
		}
	}
}

// load writes items into table's item collections c0-c9 and queries them
// strongly from its own goroutine until stopped; a query must return every
// item of its collection acknowledged before it began, in order. Writes
// and queries that fail (a leader moving, a node dying) are counted, not
// fatal: only an acknowledged write counts as written.
type load struct {
	cl    *Client
	table string
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	// mu guards the fields below.
	mu      sync.Mutex
	acked   map[string][]int // collection -> sort keys acknowledged, ascending
	writes  int
	queries int
	failed  int
	wrong   []string // queries that missed acknowledged items
}

func startLoad(t *testing.T, cl *Client, table string) *load {
	l := &load{cl: cl, table: table, stop: make(chan struct{}), done: make(chan struct{}), acked: map[string][]int{}}
	go l.run()
	t.Cleanup(l.halt) // a test that fails midway stops it too
	return l
}

// halt stops the load and waits for it; a second call does nothing.
func (l *load) halt() {
	l.once.Do(func() { close(l.stop) })
	<-l.done
}

func (l *load) run() {
	defer close(l.done)
	ctx := context.Background()
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		pk := fmt.Sprintf("c%d", i%10)
		_, err := l.cl.PutItem(ctx, &api.PutItemInput{TableName: l.table, Item: attr.Item{"pk": attr.S(pk), "sk": attr.N(strconv.Itoa(i)), "v": attr.S("payload")}})
		l.mu.Lock()
		if err == nil {
			l.acked[pk] = append(l.acked[pk], i)
			l.writes++
		} else {
			l.failed++
		}
		l.mu.Unlock()
		if i%10 == 9 {
			l.query(ctx, fmt.Sprintf("c%d", (i/10)%10))
		}
		time.Sleep(5 * time.Millisecond) // a steady rate of simulated time
	}
}

func (l *load) query(ctx context.Context, pk string) {
	l.mu.Lock()
	want := slices.Clone(l.acked[pk])
	l.mu.Unlock()
	var got []int
	in := &api.QueryInput{TableName: l.table, ConsistentRead: true, KeyConditionExpression: "pk = :p",
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S(pk)}}
	for {
		out, err := l.cl.Query(ctx, in)
		if err != nil {
			l.mu.Lock()
			l.failed++
			l.mu.Unlock()
			return
		}
		for _, item := range out.Items {
			n, _ := strconv.Atoi(item["sk"].N())
			got = append(got, n)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries++
	if !slices.IsSorted(got) {
		l.wrong = append(l.wrong, fmt.Sprintf("%s out of order: %v", pk, got))
	}
	for _, sk := range want {
		if _, found := slices.BinarySearch(got, sk); !found {
			l.wrong = append(l.wrong, fmt.Sprintf("%s: acknowledged item %d missing", pk, sk))
			return
		}
	}
}

// finish stops the load and checks that every acknowledged write reads back
// strongly and that no query missed one.
func (l *load) finish(ctx context.Context, t *testing.T) (writes, queries, failed int) {
	t.Helper()
	l.halt()
	require.Empty(t, l.wrong)
	for pk, sks := range l.acked {
		for _, sk := range sks {
			requireItem(ctx, t, l.cl, l.table, attr.Item{"pk": attr.S(pk), "sk": attr.N(strconv.Itoa(sk))})
		}
	}
	return l.writes, l.queries, l.failed
}

// requireItem reads key strongly from table, backing off as a client does
// while the table throttles, and requires the item to be there.
func requireItem(ctx context.Context, t *testing.T, cl *Client, table string, key attr.Item) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		out, err := cl.GetItem(ctx, &api.GetItemInput{TableName: table, ConsistentRead: true, Key: key})
		var pte *dberr.ProvisionedThroughputExceededException
		if errors.As(err, &pte) {
			require.NoError(t, meta.Backoff(ctx, attempt, 100*time.Millisecond))
			continue
		}
		require.NoError(t, err)
		require.NotNil(t, out.Item, "acknowledged write %s/%v lost", table, key)
		return
	}
}

// loadedCluster starts a cluster with a provisioned table under load
// (startLoad).
func loadedCluster(t *testing.T, cfg ClusterConfig, table string) (*Cluster, *Client, *load) {
	t.Helper()
	c := startCluster(t, cfg)
	cl := c.Client()
	createTable(t, cl, provisioned(table))
	return c, cl, startLoad(t, cl, table)
}

// provisioned is a table of four partitions (3,500 WCU at 1,000 per
// partition).
func provisioned(name string) *catalog.CreateTableInput {
	in := ordersTable(name)
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(1000), WriteCapacityUnits: catalog.Int64(3500)}
	return in
}

// Kill one node of four (or five) in three zones, in simulated time: the
// control plane declares it dead after 10 s of silence and gives each of
// its partitions a log replica first (on a spare node with five nodes; with
// four, on the other node of the dead one's zone, beside the full replica
// it then builds there), then a new full replica on the other node of its
// zone, and removes the log replica at the end, so
// every partition is back to three full replicas in three zones within a
// minute; writes and queries go on throughout, and no acknowledged write
// is lost.
func TestHealAfterNodeDeath(t *testing.T) {
	for _, nodes := range []int{4, 5} {
		t.Run(fmt.Sprint(nodes, " nodes"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testHeal(t, nodes) })
		})
	}
}

func testHeal(t *testing.T, nodes int) {
	c, cl, l := loadedCluster(t, ClusterConfig{Nodes: nodes, Zones: 3}, "healed")
	ctx := context.Background()
	time.Sleep(2 * time.Second)

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
	crashed := time.Now()
	require.NoError(t, c.Crash(victim))

	recovery := poll(t, "every partition back to 3 full replicas in 3 zones", 60*time.Second, 100*time.Millisecond, healed(c, "healed", victim), explainTable(t, c, "healed"))
	writes, queries, failed := l.finish(ctx, t)

	var declared, durable time.Time
	heals, logs, besides := 0, 0, 0
	for _, ev := range mustEvents(ctx, t, cl) {
		switch {
		case ev.Kind == "node" && strings.Contains(ev.What, "declared dead"):
			declared = ev.Time
		case ev.Kind == "heal" && strings.HasPrefix(ev.What, "log replica"):
			logs++
			durable = ev.Time // the last partition's log replica votes
			if strings.Contains(ev.What, "the only one to spare") {
				besides++
			}
		case ev.Kind == "heal":
			heals++
		}
	}
	if nodes == 4 {
		require.Equal(t, onVictim, besides, "with four nodes each log replica sits beside the new full one")
	} else {
		require.Zero(t, besides, "with a node to spare, the log replicas go there")
	}
	require.False(t, declared.IsZero(), "the death is an event")
	require.Equal(t, onVictim, heals, "one heal event per partition that had a replica on the dead node")
	// With four nodes the only node to spare is the one that takes the
	// new full replica: the log replica goes there, beside it.
	require.Equal(t, onVictim, logs, "a log replica first for each")
	for _, n := range c.Nodes() {
		require.Empty(t, n.LogReplicas(), "node %d: log replicas are removed once the full ones are in", n.ID())
	}
	t.Logf("the control plane ran on node %d before the crash, on node %d after", autoadmin, c.nc.Leader(meta.Group))
	t.Logf("%d nodes, node %d killed: declared dead after %v; %d log replicas voting (three live voters per partition) %v after the kill; its %d partitions back to 3 full replicas in 3 zones %v after the kill (%v after detection), simulated time; meanwhile %d writes acknowledged, %d queries checked, %d requests failed",
		nodes, victim, declared.Sub(crashed).Round(time.Millisecond), logs, durable.Sub(crashed).Round(time.Millisecond), onVictim, recovery.Round(time.Millisecond), (recovery - declared.Sub(crashed)).Round(time.Millisecond), writes, queries, failed)

	// The dead node comes back: it is live again, and it drops the replicas
	// it was replaced in rather than serving them twice; it may take new
	// ones as the cluster rebalances onto it, but only ones the catalog
	// places there.
	require.NoError(t, c.Restart(ctx, victim))
	poll(t, "the returning node drops the replicas it was replaced in", 30*time.Second, 100*time.Millisecond, func() bool {
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
		for _, g := range append(n.Partitions(), n.LogReplicas()...) {
			if g != meta.Group && !placed[g] {
				return false
			}
		}
		return true
	})
}

// healed reports whether every partition of table has three full replicas
// in three zones, none on node dead, and its group exactly those members
// (no log replica, nothing half added, none missing).
func healed(c *Cluster, table string, dead transport.NodeID) func() bool {
	return healedIn(c, table, dead, 3)
}

// healedIn is healed with the number of zones the replicas must span.
func healedIn(c *Cluster, table string, dead transport.NodeID, zones int) func() bool {
	return func() bool {
		rec, err := c.Client().meta.Table(context.Background(), table)
		if err != nil {
			return false
		}
		for _, p := range rec.Partitions {
			used := map[string]bool{}
			for _, r := range p.Replicas {
				if transport.NodeID(r.Node) == dead || r.Kind != catalog.ReplicaFull {
					return false
				}
				used[c.Zone(transport.NodeID(r.Node))] = true
			}
			if len(used) < zones {
				return false
			}
			n, err := c.nc.Node(c.nc.Leader(p.ID))
			if err != nil {
				return false
			}
			st, err := n.Status(p.ID)
			if err != nil || len(st.Replicas) != len(p.Replicas) {
				return false
			}
			for _, r := range p.Replicas {
				if _, ok := st.Member(transport.NodeID(r.Node), multiraft.FullReplica); !ok {
					return false // the catalog and the group disagree
				}
			}
		}
		return true
	}
}

// replicaCounts counts the replicas the catalog places on each node (every
// node of c listed) over tables, and their total.
func replicaCounts(ctx context.Context, t *testing.T, c *Cluster, tables ...string) (map[catalog.NodeID]int, int) {
	t.Helper()
	count, total := map[catalog.NodeID]int{}, 0
	for _, id := range c.NodeIDs() {
		count[catalog.NodeID(id)] = 0
	}
	for _, name := range tables {
		rec, err := c.Client().meta.Table(ctx, name)
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

// leaderCounts counts the user partitions each live node leads.
func leaderCounts(c *Cluster) map[transport.NodeID]int {
	leads := map[transport.NodeID]int{}
	for _, n := range c.Nodes() {
		for _, g := range n.Partitions() {
			if st, err := n.Status(g); err == nil && st.IsLeader && g != meta.Group {
				leads[n.ID()]++
			}
		}
	}
	return leads
}

// staleLooks sums the controllers' lookups of replica membership.
func staleLooks(c *Cluster) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, ctrl := range c.ctrls {
		n += ctrl.StaleLooks()
	}
	return n
}

// waitDead waits until the control plane has declared node id dead.
// firstMovedOnto waits for the first partition a move gives node id (its
// new replica joined there) and returns it.
func firstMovedOnto(t *testing.T, c *Cluster, id transport.NodeID) uint64 {
	t.Helper()
	n, err := c.nc.Node(id)
	require.NoError(t, err)
	var moved uint64
	poll(t, fmt.Sprintf("a move's new replica joins node %d", id), time.Minute, time.Millisecond, func() bool {
		for _, g := range n.Partitions() {
			if g != meta.Group {
				moved = g
				return true
			}
		}
		return false
	})
	return moved
}

func waitDead(t *testing.T, cl *Client, id transport.NodeID) {
	t.Helper()
	poll(t, fmt.Sprintf("node %d declared dead", id), time.Minute, 100*time.Millisecond, func() bool {
		var out meta.DescribeClusterOutput
		require.NoError(t, cl.meta.Call(context.Background(), meta.OpDescribeCluster, struct{}{}, &out))
		return !slices.ContainsFunc(out.Nodes, func(n catalog.Node) bool { return n.ID == catalog.NodeID(id) && n.Live })
	})
}

// A fourth node joining a loaded three-node cluster takes replicas and
// leaderships, in simulated time, with writes and queries going on and no
// acknowledged write lost, and no partition ever losing a zone. In a zone
// of its own it takes its share of every partition: no node ends above 1.2
// times the mean. In the zone of node 1 it can only share node 1's
// replicas (nodes 2 and 3, alone in their zones, must keep a replica of
// every partition): the two end within 1.2 times their zone's mean, and
// leaderships within 1.2 times the cluster's mean.
func TestRebalanceOntoANewNode(t *testing.T) {
	for _, zones := range []int{4, 3} {
		t.Run(fmt.Sprint(zones, " zones"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testRebalance(t, zones) })
		})
	}
}

func testRebalance(t *testing.T, zones int) {
	c := startCluster(t, ClusterConfig{Nodes: 4, Zones: zones})
	cl := c.Client()
	ctx := context.Background()
	// Node 4 is down while the tables are made: they go to nodes 1-3.
	require.NoError(t, c.Crash(4))
	waitDead(t, cl, 4)
	tables := []string{"first", "second"}
	for _, name := range tables {
		createTable(t, cl, provisioned(name))
	}
	loads := []*load{startLoad(t, cl, "first"), startLoad(t, cl, "second")}
	time.Sleep(2 * time.Second)
	before, total := replicaCounts(ctx, t, c, tables...)
	require.Zero(t, before[4])

	require.NoError(t, c.Restart(ctx, 4))
	partitions := total / 3
	took := poll(t, "replicas and leaders balanced", 3*time.Minute, 100*time.Millisecond, func() bool {
		count, _ := replicaCounts(ctx, t, c, tables...)
		if zones == 4 {
			mean := float64(total) / 4
			for _, n := range count {
				if float64(n) > 1.2*mean {
					return false
				}
			}
		} else {
			zoneMean := float64(count[1]+count[4]) / 2
			if float64(max(count[1], count[4])) > 1.2*zoneMean {
				return false
			}
		}
		leads := leaderCounts(c)
		for _, id := range c.NodeIDs() {
			if float64(leads[id]) > 1.2*float64(partitions)/4 {
				return false
			}
		}
		return true
	}, explainTable(t, c, tables...))
	after, _ := replicaCounts(ctx, t, c, tables...)
	moves := 0
	for _, ev := range mustEvents(ctx, t, cl) {
		if ev.Kind == "rebalance" && strings.HasPrefix(ev.What, "moved") {
			moves++
		}
	}
	for _, name := range tables {
		rec, err := cl.meta.Table(ctx, name)
		require.NoError(t, err)
		for _, p := range rec.Partitions {
			zones := map[string]bool{}
			for _, r := range p.Replicas {
				zones[c.Zone(transport.NodeID(r.Node))] = true
			}
			require.Len(t, zones, 3, "partition %d keeps three zones", p.ID)
		}
	}
	// Settled, the reconciliation of hosted replicas takes membership from
	// the leaders' reports: no replica needs a look at its group.
	time.Sleep(5 * time.Second)
	looks := staleLooks(c)
	time.Sleep(10 * time.Second)
	require.Equal(t, looks, staleLooks(c), "a settled cluster's reconciliation looked up replicas one by one")
	var writes, queries, failed int
	for _, l := range loads {
		w, q, f := l.finish(ctx, t)
		writes, queries, failed = writes+w, queries+q, failed+f
	}
	t.Logf("%d zones: replicas per node before %v, after %v (%d replicas, %d moves); leaders after %v; balanced %v of simulated time after node 4 came; meanwhile %d writes acknowledged, %d queries checked, %d requests failed",
		zones, before, after, total, moves, leaderCounts(c), took.Round(time.Millisecond), writes, queries, failed)
}

// Kill the node running the control plane in the middle of a replica move:
// the control plane that takes over reads the move from the system table
// and finishes it, and the partition's group ends up with exactly the
// replicas the catalog places, none left half added.
func TestControllerDiesMidMove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, ClusterConfig{Nodes: 4, Zones: 3})
		cl := c.Client()
		ctx := context.Background()
		require.NoError(t, c.Crash(4))
		waitDead(t, cl, 4)
		createTable(t, cl, provisioned("moving"))
		l := startLoad(t, cl, "moving")
		// Node 4 shares zone-1 with node 1, so moves onto it come from
		// node 1. The control plane runs on node 2, neither end of a move.
		n1, err := c.nc.Node(1)
		require.NoError(t, err)
		_, err = n1.Forward(ctx, c.nc.Leader(meta.Group), &node.Request{Op: node.OpTransferLeader, Group: meta.Group, Change: multiraft.ReplicaChange{Node: 2}})
		require.NoError(t, err)
		poll(t, "node 2 runs the control plane", 10*time.Second, 10*time.Millisecond, func() bool { return c.nc.Leader(meta.Group) == 2 })

		require.NoError(t, c.Restart(ctx, 4))
		moved := firstMovedOnto(t, c, 4)
		n4, err := c.nc.Node(4)
		require.NoError(t, err)
		require.NoError(t, c.Crash(2))

		events := func() []meta.Event {
			evs, err := cl.Events(ctx)
			if err != nil {
				return nil // the control plane is moving to another node
			}
			return evs
		}
		// The events are the system table's: the one node 2 recorded when
		// it began the move is still there after it died.
		var began, resumed, done bool
		took := poll(t, "the move finished by the next control plane", time.Minute, 100*time.Millisecond, func() bool {
			for _, ev := range events() {
				if ev.Partition != moved || ev.Kind != "rebalance" {
					continue
				}
				began = began || strings.HasPrefix(ev.What, fmt.Sprintf("moving partition %d's replica from node 1", moved))
				resumed = resumed || strings.HasPrefix(ev.What, "resumed moving")
				done = done || strings.HasPrefix(ev.What, "moved a replica from node 1")
			}
			return began && resumed && done
		})
		require.NotEqual(t, transport.NodeID(2), c.nc.Leader(meta.Group))

		// The group's members are the catalog's replicas, nothing more.
		rec, err := cl.meta.Table(ctx, "moving")
		require.NoError(t, err)
		for _, p := range rec.Partitions {
			if p.ID != moved {
				continue
			}
			require.True(t, p.Holds(4), "the catalog places the moved replica on node 4")
			require.False(t, p.Holds(1))
			var want []transport.NodeID
			for _, r := range p.Replicas {
				want = append(want, transport.NodeID(r.Node))
			}
			slices.Sort(want)
			st, err := n4.Status(moved)
			require.NoError(t, err)
			members := append(slices.Clone(st.Voters), st.Learners...)
			slices.Sort(members)
			require.Equal(t, want, members)
		}
		// Every move the dead control plane had under way is finished or
		// given up cleanly: each group's members are the catalog's.
		poll(t, "every group's members are the catalog's replicas", time.Minute, 100*time.Millisecond,
			healedIn(c, "moving", 0, 3), explainTable(t, c, "moving"))
		writes, queries, failed := l.finish(ctx, t)
		t.Logf("node 2 killed while moving partition %d from node 1 to node 4; node %d's control plane resumed and finished the move %v of simulated time later; %d writes acknowledged, %d queries checked, %d requests failed",
			moved, c.nc.Leader(meta.Group), took.Round(time.Millisecond), writes, queries, failed)
	})
}

// A replica in a partition's group that the catalog places nowhere (what a
// move leaves behind when its partition splits before it finishes, here
// made by hand) is taken out of the group and off its node, with an event
// saying why.
func TestOrphanReplicaRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, ClusterConfig{Nodes: 4, Zones: 3, RebalanceInterval: time.Hour})
		cl := c.Client()
		ctx := context.Background()
		require.NoError(t, c.Crash(4))
		waitDead(t, cl, 4)
		createTable(t, cl, provisioned("orphaned"))
		require.NoError(t, c.Restart(ctx, 4))
		rec, err := cl.meta.Table(ctx, "orphaned")
		require.NoError(t, err)
		p := rec.Partitions[0]
		require.False(t, p.Holds(4))

		// Node 4 joins p's group as a learner the catalog knows nothing of.
		n1, err := c.nc.Node(1)
		require.NoError(t, err)
		leader, err := c.nc.WaitLeader(ctx, p.ID)
		require.NoError(t, err)
		resp, err := n1.Forward(ctx, leader, &node.Request{Op: node.OpChangeReplicas, Group: p.ID,
			Change: multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4, Kind: multiraft.FullReplica}})
		require.NoError(t, err)
		replica, _ := binary.Uvarint(resp.Body)
		_, err = n1.Forward(ctx, 4, &node.Request{Op: node.OpJoin, Group: p.ID, Replica: replica})
		require.NoError(t, err)
		n4, err := c.nc.Node(4)
		require.NoError(t, err)
		require.Contains(t, n4.Partitions(), p.ID)

		took := poll(t, "the orphan removed", time.Minute, 100*time.Millisecond, func() bool {
			st, err := n1.Status(p.ID)
			require.NoError(t, err)
			return !slices.Contains(st.Learners, 4) && !slices.Contains(st.Voters, 4) && !slices.Contains(n4.Partitions(), p.ID)
		})
		var why string
		for _, ev := range mustEvents(ctx, t, cl) {
			if ev.Kind == "reconcile" && ev.Partition == p.ID && strings.Contains(ev.What, "node 4's full replica from partition") {
				why = ev.Why
				require.Equal(t, "done", ev.Outcome)
			}
		}
		require.Contains(t, why, "the catalog places no such replica of the partition there")
		t.Logf("orphan learner on node 4 out of partition %d's group and off the node %v of simulated time after it joined", p.ID, took.Round(time.Millisecond))
	})
}

// Nodes die and come back one after another under load, in simulated time,
// each time with whichever node runs the control plane among the
// candidates: after every death the cluster heals (three full replicas in
// three zones, no log replica left), after every return it rebalances, and
// no acknowledged write is ever lost.
func TestRepeatedDeathsAndReturns(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testDeathsAndReturns(t, seed) })
		})
	}
}

func testDeathsAndReturns(t *testing.T, seed uint64) {
	c, _, l := loadedCluster(t, ClusterConfig{Nodes: 5, Zones: 3, Seed: seed}, "churned")
	ctx := context.Background()
	var heals []time.Duration
	for round := range 3 {
		// The victim: the control plane's node in even rounds, another
		// node in odd ones, always in zone-1 or zone-2 (zones of two
		// nodes: node 3, alone in zone-3, would leave two zones).
		victim := c.nc.Leader(meta.Group)
		if victim == 3 {
			n1, err := c.nc.Node(1)
			require.NoError(t, err)
			_, err = n1.Forward(ctx, 3, &node.Request{Op: node.OpTransferLeader, Group: meta.Group, Change: multiraft.ReplicaChange{Node: 1}})
			require.NoError(t, err)
			poll(t, "node 1 runs the control plane", 10*time.Second, 10*time.Millisecond, func() bool { return c.nc.Leader(meta.Group) == 1 })
			victim = 1
		}
		if round%2 == 1 {
			for _, id := range []transport.NodeID{4, 5, 1, 2} {
				if id != victim {
					victim = id
					break
				}
			}
		}
		require.NoError(t, c.Crash(victim))
		heals = append(heals, poll(t, fmt.Sprintf("round %d: healed after node %d died", round, victim), 2*time.Minute, 100*time.Millisecond, healed(c, "churned", victim), explainTable(t, c, "churned")))
		require.NoError(t, c.Restart(ctx, victim))
		poll(t, fmt.Sprintf("round %d: node %d back and settled", round, victim), 2*time.Minute, 100*time.Millisecond, healed(c, "churned", 0), explainTable(t, c, "churned"))
		time.Sleep(5 * time.Second)
	}
	writes, queries, failed := l.finish(ctx, t)
	for _, n := range c.Nodes() {
		require.Empty(t, n.LogReplicas(), "node %d keeps a log replica", n.ID())
	}
	t.Logf("seed %d: three deaths healed in %v (simulated); %d writes acknowledged, %d queries checked, %d requests failed", seed, heals, writes, queries, failed)
}

// Node 2, alone in its zone, dies: its replicas can only go to node 4, in
// node 1's zone, so each partition has two replicas there for a while.
// When node 2 comes back, the control plane spreads every partition over
// three zones again.
func TestZoneRegainedWhenItsNodeReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, l := loadedCluster(t, ClusterConfig{Nodes: 4, Zones: 3}, "spread")
		ctx := context.Background()
		require.NoError(t, c.Crash(2))
		healing := poll(t, "node 2's replicas replaced, two zones left", time.Minute, 100*time.Millisecond,
			healedIn(c, "spread", 2, 2), explainTable(t, c, "spread"))
		require.NoError(t, c.Restart(ctx, 2))
		spread := poll(t, "three zones again", 2*time.Minute, 100*time.Millisecond,
			healed(c, "spread", 0), explainTable(t, c, "spread"))
		writes, queries, failed := l.finish(ctx, t)
		t.Logf("node 2 (alone in zone-2) killed: replicas on 3 nodes in 2 zones after %v; node 2 back: every partition in 3 zones again %v later (simulated); %d writes acknowledged, %d queries checked, %d requests failed",
			healing.Round(time.Millisecond), spread.Round(time.Millisecond), writes, queries, failed)
	})
}

// A dead node comes back after healing has taken its replica out of the
// group but before the catalog recorded the replacement, and the control
// plane moves to another node at that moment: the new one, which has seen
// the node alive from its start, finishes the heal all the same (the
// catalog moves the replica to its replacement), the returning node drops
// its stale copy, and every partition ends with three full replicas in
// three zones, none missing.
func TestNodeReturnsMidHeal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cl, l := loadedCluster(t, ClusterConfig{Nodes: 4, Zones: 3}, "returning")
		ctx := context.Background()
		rec, err := cl.meta.Table(ctx, "returning")
		require.NoError(t, err)
		var p catalog.Partition
		for _, q := range rec.Partitions {
			if q.Holds(3) {
				p = q
			}
		}
		// The control plane runs on node 1 or 2, not on the victim.
		n1, err := c.nc.Node(1)
		require.NoError(t, err)
		transfer := func(to transport.NodeID) {
			_, err := n1.Forward(ctx, c.nc.Leader(meta.Group), &node.Request{Op: node.OpTransferLeader, Group: meta.Group, Change: multiraft.ReplicaChange{Node: to}})
			require.NoError(t, err)
			poll(t, fmt.Sprintf("node %d runs the control plane", to), 10*time.Second, time.Millisecond, func() bool { return c.nc.Leader(meta.Group) == to })
		}
		if c.nc.Leader(meta.Group) == 3 {
			transfer(1)
		}
		require.NoError(t, c.Crash(3))
		poll(t, "node 3's replica out of the group", time.Minute, time.Millisecond, func() bool {
			n, err := c.nc.Node(c.nc.Leader(p.ID))
			if err != nil {
				return false
			}
			st, err := n.Status(p.ID)
			if err != nil {
				return false
			}
			_, member := st.Member(3, multiraft.FullReplica)
			return !member
		})
		rec, err = cl.meta.Table(ctx, "returning")
		require.NoError(t, err)
		for _, q := range rec.Partitions {
			if q.ID == p.ID {
				require.True(t, q.Holds(3), "caught before the catalog moved the replica")
			}
		}
		require.NoError(t, c.Restart(ctx, 3))
		transfer(3 - c.nc.Leader(meta.Group)) // 1 <-> 2

		took := poll(t, "three full replicas in three zones, none missing", 2*time.Minute, 100*time.Millisecond,
			healed(c, "returning", 0), explainTable(t, c, "returning"))
		writes, queries, failed := l.finish(ctx, t)
		t.Logf("node 3 back, and the control plane moved, while healing partition %d (its replica already out of the group): settled %v later (simulated); %d writes acknowledged, %d queries checked, %d requests failed",
			p.ID, took.Round(time.Millisecond), writes, queries, failed)
	})
}
