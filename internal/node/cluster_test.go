package node_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// requireItems checks that node id serves every item of want (pk to v) from
// its own replica, waiting for it to catch up.
func requireItems(t *testing.T, ctx context.Context, c *node.Cluster, id transport.NodeID, group uint64, want map[string]string) {
	t.Helper()
	n, err := c.Node(id)
	require.NoError(t, err)
	eventually(t, ctx, func() error {
		for pk, v := range want {
			item, err := n.Get(ctx, group, key(pk), false)
			if err != nil {
				return err
			}
			if item == nil || item["v"].S() != v {
				return fmt.Errorf("node %d: item %s is %v, want v=%s", id, pk, item, v)
			}
		}
		return nil
	})
}

// The leader of a partition crashes: writes go on at a new leader, the
// crashed node restarts from its disk, catches up, and every acknowledged
// write is on every replica.
func TestLeaderCrashAndRestart(t *testing.T) {
	for _, disk := range []bool{true, false} {
		name := "memory"
		if disk {
			name = "disk"
		}
		t.Run(name, func(t *testing.T) {
			ctx := testContext(t)
			cfg := node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 4}
			if disk {
				cfg.Dir = t.TempDir()
			}
			c := startCluster(t, cfg)
			const group = 30
			require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
			first, err := c.WaitLeader(ctx, group)
			require.NoError(t, err)
			via := followers(c.IDs(), first)[0]

			acked := map[string]string{}
			for i := range 20 {
				pk := fmt.Sprintf("before-%d", i)
				_, err := routedWrite(ctx, c, via, group, putCmd(pk, "1"))
				require.NoError(t, err)
				acked[pk] = "1"
			}

			require.NoError(t, c.Crash(first))
			_, err = c.Node(first)
			require.ErrorIs(t, err, node.ErrNodeDown)
			second, err := c.WaitLeader(ctx, group)
			require.NoError(t, err)
			require.NotEqual(t, first, second)
			for i := range 20 {
				pk := fmt.Sprintf("after-%d", i)
				_, err := routedWrite(ctx, c, via, group, putCmd(pk, "2"))
				require.NoError(t, err)
				acked[pk] = "2"
			}

			require.NoError(t, c.Restart(ctx, first))
			restarted, err := c.Node(first)
			require.NoError(t, err)
			require.Equal(t, []uint64{group}, restarted.Partitions())
			for _, id := range c.IDs() {
				requireItems(t, ctx, c, id, group, acked)
			}
			leaderID, err := c.WaitLeader(ctx, group)
			require.NoError(t, err)
			leader, err := c.Node(leaderID)
			require.NoError(t, err)
			for pk, v := range acked {
				item, err := leader.Get(ctx, group, key(pk), true)
				require.NoError(t, err)
				require.Equal(t, v, item["v"].S(), "item %s", pk)
			}
			meta := restarted.Engine()
			raw, err := meta.Meta(group)
			require.NoError(t, err)
			m, err := partition.DecodeMeta(raw)
			require.NoError(t, err)
			require.Equal(t, uint64(len(acked)), m.Items, "the restarted replica counts every item")
		})
	}
}

// A disk cluster closed as a whole and started again on the same
// directories finds every partition and every item.
func TestReopenDiskCluster(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	cfg := node.ClusterConfig{Nodes: 3, Zones: 3, Dir: dir, Seed: 5}
	c, err := node.StartCluster(ctx, cfg)
	require.NoError(t, err)

	const groups = 4
	want := map[uint64]map[string]string{}
	for g := uint64(1); g <= groups; g++ {
		meta := tableMeta(g)
		require.NoError(t, c.CreatePartition(ctx, g, meta, c.IDs()))
		want[g] = map[string]string{}
		for i := range 10 {
			pk := fmt.Sprintf("g%d-%d", g, i)
			_, err := routedWrite(ctx, c, 1, g, tablePut(g, pk))
			require.NoError(t, err)
			want[g][pk] = pk
		}
	}
	// Every replica has applied everything before the close, so the check
	// after the reopen is about what the disk holds.
	for g := uint64(1); g <= groups; g++ {
		for _, id := range c.IDs() {
			requireTableItems(t, ctx, c, id, g, want[g])
		}
	}
	require.NoError(t, c.Close())

	c = startCluster(t, cfg)
	for _, n := range c.Nodes() {
		require.Equal(t, []uint64{1, 2, 3, 4}, n.Partitions(), "node %d", n.ID())
		orphans, err := n.Orphans()
		require.NoError(t, err)
		require.Empty(t, orphans)
	}
	for g := uint64(1); g <= groups; g++ {
		for _, id := range c.IDs() {
			requireTableItems(t, ctx, c, id, g, want[g])
		}
		// The groups elect leaders again and take writes.
		_, err := routedWrite(ctx, c, 2, g, tablePut(g, "new"))
		require.NoError(t, err)
	}
}

// tableMeta is a partition owning the whole of table g.
func tableMeta(g uint64) partition.Meta {
	prefix := keyenc.TablePrefix(g)
	return partition.Meta{Table: g, Schema: testSchema, Range: keyenc.Range{Start: prefix, End: keyenc.PrefixEnd(prefix)}}
}

// tablePut writes item pk (v = pk) to table g.
func tablePut(g uint64, pk string) *partition.Command {
	return &partition.Command{Op: partition.OpPut, Table: g, Schema: testSchema,
		Item: attr.Item{"pk": attr.S(pk), "v": attr.S(pk)}}
}

func requireTableItems(t *testing.T, ctx context.Context, c *node.Cluster, id transport.NodeID, g uint64, want map[string]string) {
	t.Helper()
	n, err := c.Node(id)
	require.NoError(t, err)
	eventually(t, ctx, func() error {
		page, err := n.Scan(ctx, g, node.ScanRequest{})
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, item := range page.Items {
			got[item["pk"].S()] = item["v"].S()
		}
		for pk, v := range want {
			if got[pk] != v {
				return fmt.Errorf("node %d group %d: item %s is %q, want %q", id, g, pk, got[pk], v)
			}
		}
		return nil
	})
}

// Many partitions on three nodes take writes concurrently (run under
// -race): every write is acknowledged and readable strongly afterwards.
func TestManyPartitionsConcurrently(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 6})
	const groups, writes = 64, 8
	for g := uint64(1); g <= groups; g++ {
		require.NoError(t, c.CreatePartition(ctx, g, tableMeta(g), c.IDs()))
	}
	var wg sync.WaitGroup
	errs := make(chan error, groups)
	for g := uint64(1); g <= groups; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			via := transport.NodeID(g%3 + 1)
			for i := range writes {
				if _, err := routedWrite(ctx, c, via, g, tablePut(g, fmt.Sprintf("k%d", i))); err != nil {
					errs <- fmt.Errorf("group %d write %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for g := uint64(1); g <= groups; g++ {
		id, err := c.WaitLeader(ctx, g)
		require.NoError(t, err)
		leader, err := c.Node(id)
		require.NoError(t, err)
		page, err := leader.Scan(ctx, g, node.ScanRequest{Consistent: true})
		require.NoError(t, err)
		require.Len(t, page.Items, writes, "group %d", g)
	}
}

// A split's right side becomes a partition of its own: once each node's
// replica of the left side has applied the split, the right side's
// metadata is an orphan there, and creating the new group on the same
// nodes adopts it. Keys then route by range: the left refuses the right's
// keys with a wrong-range redirect.
func TestSplitCreatesRightPartition(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 8})
	const left, right = 40, 41
	require.NoError(t, c.CreatePartition(ctx, left, wholeTable(), c.IDs()))
	leaderID, err := c.WaitLeader(ctx, left)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)
	for i := range 20 {
		_, err := leader.Write(ctx, left, putCmd(fmt.Sprintf("k%d", i), "1"))
		require.NoError(t, err)
	}
	full, err := leader.Scan(ctx, left, node.ScanRequest{Consistent: true})
	require.NoError(t, err)
	require.Len(t, full.Items, 20)
	splitKey := full.Keys[10]
	rightPK := full.Items[10]["pk"].S()

	// The right side cannot be created before the split applied.
	early := wholeTable()
	early.Range.Start = splitKey
	require.ErrorIs(t, leader.CreatePartition(ctx, right, early, c.IDs()), node.ErrRangeOverlap)

	res, err := leader.Write(ctx, left, &partition.Command{Op: partition.OpSplit, SplitKey: splitKey, NewGroup: right})
	require.NoError(t, err)
	require.NotNil(t, res.Split)
	require.Equal(t, uint64(10), res.Split.Right.Items)
	for _, n := range c.Nodes() {
		eventually(t, ctx, func() error {
			orphans, err := n.Orphans()
			if err != nil {
				return err
			}
			if len(orphans) != 1 || orphans[0] != right {
				return fmt.Errorf("node %d: orphans %v, want the right side", n.ID(), orphans)
			}
			return nil
		})
	}
	require.NoError(t, c.CreatePartition(ctx, right, res.Split.Right, c.IDs()))
	rightLeader, err := c.WaitLeader(ctx, right)
	require.NoError(t, err)
	rl, err := c.Node(rightLeader)
	require.NoError(t, err)
	item, err := rl.Get(ctx, right, key(rightPK), true)
	require.NoError(t, err)
	require.Equal(t, "1", item["v"].S())
	_, err = rl.Write(ctx, right, putCmd(rightPK, "2"))
	require.NoError(t, err)

	_, err = leader.Write(ctx, left, putCmd(rightPK, "3"))
	var wrong *partition.WrongRangeError
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, splitKey, wrong.Range.End)
	page, err := rl.Scan(ctx, right, node.ScanRequest{Consistent: true})
	require.NoError(t, err)
	require.Len(t, page.Items, 10)
}

// A leader cut off from its peers cannot serve a strong read: the others
// elect a new leader and take a write, and the old leader's ReadIndex
// never confirms, so it returns an error, never the stale value. Its
// eventual read may be stale, as DynamoDB's may.
func TestIsolatedLeaderServesNoStaleStrongRead(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 10})
	const group = 60
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	oldID, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	old, err := c.Node(oldID)
	require.NoError(t, err)
	_, err = old.Write(ctx, group, putCmd("a", "old"))
	require.NoError(t, err)

	c.Network().Isolate(oldID)
	via := followers(c.IDs(), oldID)[0]
	var newID transport.NodeID
	eventually(t, ctx, func() error {
		for _, id := range followers(c.IDs(), oldID) {
			n, err := c.Node(id)
			if err != nil {
				return err
			}
			st, err := n.Status(group)
			if err != nil {
				return err
			}
			if st.IsLeader {
				newID = id
				return nil
			}
		}
		return fmt.Errorf("no new leader yet")
	})
	newLeader, err := c.Node(newID)
	require.NoError(t, err)
	_, err = newLeader.Write(ctx, group, putCmd("a", "new"))
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	item, err := old.Get(short, group, key("a"), true)
	require.Error(t, err, "a strong read on the isolated leader returned %v", item)
	item, err = old.Get(ctx, group, key("a"), false)
	require.NoError(t, err)
	require.Equal(t, "old", item["v"].S(), "the isolated replica has not seen the new write")

	c.Network().Heal()
	resp, err := func() (*node.Response, error) {
		n, err := c.Node(via)
		if err != nil {
			return nil, err
		}
		return n.Forward(ctx, newID, &node.Request{Op: node.OpGet, Group: group, Key: key("a"), Consistent: true})
	}()
	require.NoError(t, err)
	require.Equal(t, "new", resp.Item["v"].S())
	requireItems(t, ctx, c, oldID, group, map[string]string{"a": "new"})
}

// Writes keep being acknowledged, and land on every replica, on a network
// that drops, duplicates and reorders raft traffic.
func TestWritesOnFaultyNetwork(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 11,
		Faults: memnet.Faults{Drop: 0.05, Duplicate: 0.05, Reorder: 0.1, MaxDelay: 2 * time.Millisecond}})
	const group = 70
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	want := map[string]string{}
	for i := range 30 {
		pk := fmt.Sprintf("k%d", i)
		_, err := routedWrite(ctx, c, transport.NodeID(i%3+1), group, putCmd(pk, "v"))
		require.NoError(t, err)
		want[pk] = "v"
	}
	for _, id := range c.IDs() {
		requireItems(t, ctx, c, id, group, want)
	}
}

// Raft's time is the injected clock: with a simulated clock that does not
// move no replica ever campaigns; advancing it elects a leader, which then
// takes writes.
func TestSimulatedClockDrivesElections(t *testing.T) {
	ctx := testContext(t)
	sim := clock.NewSim(time.Unix(1_700_000_000, 0))
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 12, Clock: sim})
	const group = 80
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	for range 20 {
		for _, n := range c.Nodes() {
			st, err := n.Status(group)
			require.NoError(t, err)
			require.Zero(t, st.Leader, "node %d knows a leader with the clock stopped", n.ID())
		}
	}
	eventually(t, ctx, func() error {
		sim.Advance(10 * time.Millisecond)
		if c.Leader(group) == 0 {
			return fmt.Errorf("no leader after advancing the clock")
		}
		return nil
	})
	leader, err := c.Node(c.Leader(group))
	require.NoError(t, err)
	_, err = leader.Write(ctx, group, putCmd("a", "1"))
	require.NoError(t, err)
}

// A follower that stays down while the group writes past what its leader
// retains in the log catches up from a snapshot of the partition when it
// restarts from its disk.
func TestRestartedFollowerCatchesUpBySnapshot(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Dir: t.TempDir(), Seed: 13})
	const group = 90
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	leaderID, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	down := followers(c.IDs(), leaderID)[0]
	via := followers(c.IDs(), leaderID)[1]
	_, err = routedWrite(ctx, c, via, group, putCmd("first", "1"))
	require.NoError(t, err)
	requireItems(t, ctx, c, down, group, map[string]string{"first": "1"})
	require.NoError(t, c.Crash(down))

	// multiraft compacts once 2×LogRetainEntries (default 1000) entries
	// are applied, keeping the last 1000: this is well past that.
	const writes, clients = 2600, 16
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < writes; i += clients {
				if _, err := routedWrite(ctx, c, via, group, putCmd(fmt.Sprintf("k%d", i), "1")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	leaderID, err = c.WaitLeader(ctx, group)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)
	st, err := leader.Status(group)
	require.NoError(t, err)

	require.NoError(t, c.Restart(ctx, down))
	restarted, err := c.Node(down)
	require.NoError(t, err)
	eventually(t, ctx, func() error {
		rs, err := restarted.Status(group)
		if err != nil {
			return err
		}
		if rs.Applied < st.Commit {
			return fmt.Errorf("restarted replica applied %d, leader committed %d", rs.Applied, st.Commit)
		}
		return nil
	})
	p, err := restarted.Partition(group)
	require.NoError(t, err)
	require.Equal(t, uint64(writes+1), p.Meta().Items, "the restarted replica holds every item")
	page, err := restarted.Scan(ctx, group, node.ScanRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, writes+1)
	require.NotZero(t, c.Network().Stats().Snapshots, "the follower caught up by a snapshot, not the log")
}

// The leader crashes while writers keep writing: writers go on at the new
// leader, and once the crashed node is back every acknowledged write is on
// every replica (writes whose outcome was unknown may be there too).
func TestLeaderCrashUnderConcurrentWrites(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Dir: t.TempDir(), Seed: 14})
	const group = 95
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	first, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	via := followers(c.IDs(), first)[0]

	const writers = 8
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	acks := make(chan string, 1024)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				pk := fmt.Sprintf("w%d-%d", w, i)
				if _, err := routedWrite(wctx, c, via, group, putCmd(pk, "v")); err != nil {
					return // stopped (any other failure shows as missing acks)
				}
				select {
				case acks <- pk:
				case <-wctx.Done():
					return
				}
			}
		}()
	}
	acked := map[string]string{}
	collect := func(n int) {
		for range n {
			select {
			case pk := <-acks:
				acked[pk] = "v"
			case <-ctx.Done():
				require.NoError(t, ctx.Err(), "writes stalled with %d acknowledged", len(acked))
			}
		}
	}
	collect(50)
	require.NoError(t, c.Crash(first))
	collect(100)
	stop()
	wg.Wait()
	close(acks)
	for pk := range acks {
		acked[pk] = "v"
	}
	second, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	require.NotEqual(t, first, second)

	require.NoError(t, c.Restart(ctx, first))
	for _, id := range c.IDs() {
		requireItems(t, ctx, c, id, group, acked)
	}
}
