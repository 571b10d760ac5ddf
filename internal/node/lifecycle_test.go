package node_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// openSingle opens node 1 alone on a fresh network with the given stores.
func openSingle(t *testing.T, logs *memlog.Store, engine *memstore.Engine) *node.Node {
	t.Helper()
	net, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, net.Close()) })
	tr, err := net.Join(1)
	require.NoError(t, err)
	n, err := node.Open(testContext(t), node.Config{ID: 1, Zone: "z", Transport: tr, LogStore: logs, Storage: engine, TickInterval: tickForTests})
	require.NoError(t, err)
	return n
}

// Metadata with no raft log (a crash between writing a partition's
// metadata and persisting its bootstrap, or the right side of a split) is
// an orphan: CreatePartition adopts it only with the same table and
// range, RemovePartition drops it.
func TestOrphanPartitions(t *testing.T) {
	ctx := testContext(t)
	logs, engine := memlog.New(), memstore.New()
	t.Cleanup(func() { _ = logs.Close(); _ = engine.Close() })
	stored := wholeTable()
	for _, g := range []uint64{1, 2} {
		_, err := partition.Create(engine, g, stored, partition.Options{})
		require.NoError(t, err)
	}
	// Group 3 is what a removal that crashed midway leaves: a state that
	// has applied entries of a log that is gone.
	applied := tableMeta(testTable + 2)
	applied.AppliedIndex = 5
	_, err := partition.Create(engine, 3, applied, partition.Options{})
	require.NoError(t, err)

	n := openSingle(t, logs, engine)
	defer func() { require.NoError(t, n.Close()) }()
	orphans, err := n.Orphans()
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2, 3}, orphans)
	require.ErrorIs(t, n.CreatePartition(ctx, 3, applied, []transport.NodeID{1}), partition.ErrExists)
	require.NoError(t, n.RemovePartition(ctx, 3))
	require.Empty(t, n.Partitions())

	other := tableMeta(testTable + 1)
	require.ErrorIs(t, n.CreatePartition(ctx, 1, other, []transport.NodeID{1}), partition.ErrExists)
	require.NoError(t, n.CreatePartition(ctx, 1, stored, []transport.NodeID{1}))
	require.Equal(t, []uint64{1}, n.Partitions())
	orphans, err = n.Orphans()
	require.NoError(t, err)
	require.Equal(t, []uint64{2}, orphans)

	require.NoError(t, n.RemovePartition(ctx, 2))
	orphans, err = n.Orphans()
	require.NoError(t, err)
	require.Empty(t, orphans)
	metas, err := engine.Metas()
	require.NoError(t, err)
	require.Len(t, metas, 1)
}

// A closed node refuses requests; a cancelled context stops a request
// before it starts.
func TestClosedNodeAndCancelledContext(t *testing.T) {
	logs, engine := memlog.New(), memstore.New()
	t.Cleanup(func() { _ = logs.Close(); _ = engine.Close() })
	n := openSingle(t, logs, engine)
	ctx := testContext(t)
	require.NoError(t, n.CreatePartition(ctx, 1, wholeTable(), []transport.NodeID{1}))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := n.Write(cancelled, 1, putCmd("a", "1"))
	require.ErrorIs(t, err, context.Canceled)
	_, err = n.Get(cancelled, 1, key("a"), true)
	require.ErrorIs(t, err, context.Canceled)
	_, err = n.Scan(cancelled, 1, node.ScanRequest{})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, n.CreatePartition(cancelled, 2, wholeTable(), []transport.NodeID{1}), context.Canceled)

	require.NoError(t, n.Close())
	require.NoError(t, n.Close(), "a second Close does nothing")
	_, err = n.Write(ctx, 1, putCmd("a", "1"))
	require.ErrorIs(t, err, multiraft.ErrClosed)
	_, err = n.Get(ctx, 1, key("a"), false)
	require.ErrorIs(t, err, multiraft.ErrClosed)
}

// changeReplicas applies a membership change at the group's leader,
// retrying while the group is busy or the learner lags.
func changeReplicas(t *testing.T, ctx context.Context, c *node.Cluster, group uint64, ch multiraft.ReplicaChange) uint64 {
	t.Helper()
	var id uint64
	eventually(t, ctx, func() error {
		leaderID, err := c.WaitLeader(ctx, group)
		if err != nil {
			return err
		}
		leader, err := c.Node(leaderID)
		if err != nil {
			return err
		}
		id, err = leader.Raft().ChangeReplicas(ctx, group, ch)
		return err
	})
	return id
}

// A full replica joins an existing group from a snapshot and a log
// replica joins with the log only; both restart as what they are.
func TestJoinReplicasAndRestart(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 5, Zones: 3, Seed: 9})
	const group = 50
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1, 2, 3}))
	want := map[string]string{}
	for i := range 10 {
		pk := fmt.Sprintf("k%d", i)
		_, err := routedWrite(ctx, c, 1, group, putCmd(pk, "1"))
		require.NoError(t, err)
		want[pk] = "1"
	}

	full := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4, Kind: multiraft.FullReplica})
	n4, err := c.Node(4)
	require.NoError(t, err)
	require.NoError(t, n4.JoinPartition(ctx, group, full))
	requireItems(t, ctx, c, 4, group, want)
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4})

	// multiraft's AddLogReplica proposes replica ID 0 (it never assigns
	// one), so the log replica joins as a learner and is promoted.
	logID := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 5, Kind: multiraft.LogReplica})
	n5, err := c.Node(5)
	require.NoError(t, err)
	require.NoError(t, n5.JoinLogReplica(ctx, group, logID))
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 5})
	require.Equal(t, []uint64{group}, n5.LogReplicas())
	_, err = n5.Get(ctx, group, key("k1"), false)
	require.ErrorIs(t, err, multiraft.ErrGroupNotFound, "a log replica serves nothing")
	_, err = routedWrite(ctx, c, 1, group, putCmd("late", "2"))
	require.NoError(t, err)
	want["late"] = "2"
	eventually(t, ctx, func() error {
		st, err := n5.Status(group)
		if err != nil {
			return err
		}
		if st.LastIndex < st.Commit || st.Commit == 0 {
			return fmt.Errorf("log replica at %d, commit %d", st.LastIndex, st.Commit)
		}
		return nil
	})

	for _, id := range []transport.NodeID{4, 5} {
		require.NoError(t, c.Crash(id))
		require.NoError(t, c.Restart(ctx, id))
	}
	n4, err = c.Node(4)
	require.NoError(t, err)
	require.Equal(t, []uint64{group}, n4.Partitions())
	requireItems(t, ctx, c, 4, group, want)
	n5, err = c.Node(5)
	require.NoError(t, err)
	require.Equal(t, []uint64{group}, n5.LogReplicas())
	require.Empty(t, n5.Partitions())
	st, err := n5.Status(group)
	require.NoError(t, err)
	require.Equal(t, multiraft.LogReplica, st.Kind)
}

// A node that has no replica of a group to spare takes both: a log replica
// first, as a voter, so the group commits on three nodes again while the
// dead replica's is rebuilt, then a full replica beside it, built from a
// snapshot. Both restart as what they are; the log replica then leaves
// and the full replica stays.
func TestLogAndFullReplicaOnOneNode(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 4, Zones: 3, Seed: 11})
	const group = 60
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1, 2, 3}))
	want := map[string]string{}
	put := func(pk, v string) {
		t.Helper()
		_, err := routedWrite(ctx, c, 1, group, putCmd(pk, v))
		require.NoError(t, err)
		want[pk] = v
	}
	for i := range 10 {
		put(fmt.Sprintf("k%d", i), "1")
	}
	require.NoError(t, c.Crash(3))

	// The log replica on node 4 becomes a voter, and the dead replica
	// leaves: three live voters, two of them full.
	logID := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4, Kind: multiraft.LogReplica})
	n4, err := c.Node(4)
	require.NoError(t, err)
	require.NoError(t, n4.JoinLogReplica(ctx, group, logID))
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4, Kind: multiraft.LogReplica})
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: 3})
	put("with-log", "2")

	// The full replica joins beside it on the same node.
	fullID := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4, Kind: multiraft.FullReplica})
	require.NotEqual(t, logID, fullID)
	require.NoError(t, n4.JoinPartition(ctx, group, fullID))
	require.ErrorIs(t, n4.JoinLogReplica(ctx, group, logID), multiraft.ErrGroupExists, "one replica of each kind")
	requireItems(t, ctx, c, 4, group, want)
	require.Equal(t, []uint64{group}, n4.Partitions())
	require.Equal(t, []uint64{group}, n4.LogReplicas())
	// The snapshot's data is in place before raft takes its membership.
	var st multiraft.GroupStatus
	eventually(t, ctx, func() error {
		var err error
		if st, err = n4.Status(group); err != nil {
			return err
		}
		if _, ok := st.Member(4, multiraft.LogReplica); !ok {
			return fmt.Errorf("node 4's full replica does not list the log replica yet: %+v", st.Replicas)
		}
		return nil
	})
	require.Equal(t, multiraft.FullReplica, st.Kind)
	logMember, ok := st.Member(4, multiraft.LogReplica)
	require.True(t, ok)
	require.True(t, logMember.Voter)
	fullMember, ok := st.Member(4, multiraft.FullReplica)
	require.True(t, ok)
	require.False(t, fullMember.Voter)
	require.Equal(t, fullID, st.ReplicaIDs[4], "ReplicaIDs names the full replica")

	// Both come back from a crash as themselves.
	require.NoError(t, c.Crash(4))
	require.NoError(t, c.Restart(ctx, 4))
	n4, err = c.Node(4)
	require.NoError(t, err)
	require.Equal(t, []uint64{group}, n4.Partitions())
	require.Equal(t, []uint64{group}, n4.LogReplicas())
	put("after-restart", "3")
	requireItems(t, ctx, c, 4, group, want)

	// The full replica is promoted, the log replica leaves; removing it
	// names its kind, and the full replica stays.
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4, Kind: multiraft.FullReplica})
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: 4, Kind: multiraft.LogReplica})
	require.NoError(t, n4.RemoveLogReplica(ctx, group))
	require.Empty(t, n4.LogReplicas())
	require.Equal(t, []uint64{group}, n4.Partitions())
	put("full-only", "4")
	requireItems(t, ctx, c, 4, group, want)
	st, err = n4.Status(group)
	require.NoError(t, err)
	require.Len(t, st.Replicas, 3)
	for _, r := range st.Replicas {
		require.Equal(t, multiraft.FullReplica, r.Kind)
		require.True(t, r.Voter)
	}
	require.ElementsMatch(t, []transport.NodeID{1, 2, 4}, st.Voters)
}

// A replica that joined a group and crashed before its snapshot arrived
// has a log with no membership naming it: the restart drops it instead of
// hosting it under a raft ID that is not its own.
func TestRestartDropsJoinerWithoutSnapshot(t *testing.T) {
	logs, engine := memlog.New(), memstore.New()
	t.Cleanup(func() { _ = logs.Close(); _ = engine.Close() })
	term := uint64(3)
	require.NoError(t, logs.Save([]logstore.Update{{Group: 7, HardState: &pb.HardState{Term: &term}}}))
	groups, err := logs.Groups()
	require.NoError(t, err)
	require.Equal(t, []uint64{7}, groups)

	n := openSingle(t, logs, engine)
	defer func() { require.NoError(t, n.Close()) }()
	require.Empty(t, n.Partitions())
	require.Empty(t, n.LogReplicas())
	groups, err = logs.Groups()
	require.NoError(t, err)
	require.Empty(t, groups)
}
