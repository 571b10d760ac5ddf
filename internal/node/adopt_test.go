package node_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// fillPartition writes n items k0..k(n-1) through the group's leader and
// returns them (pk to value).
func fillPartition(t *testing.T, ctx context.Context, c *node.Cluster, group uint64, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		pk := fmt.Sprintf("k%d", i)
		_, err := routedWrite(ctx, c, 1, group, putCmd(pk, "1"))
		require.NoError(t, err)
		want[pk] = "1"
	}
	return want
}

// moveReplica moves group's full replica from node from to node to, as
// the control plane does: a learner joins from a snapshot, is promoted,
// and the old replica leaves the group and its node.
func moveReplica(t *testing.T, ctx context.Context, c *node.Cluster, group uint64, from, to transport.NodeID, want map[string]string) {
	t.Helper()
	id := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: to, Kind: multiraft.FullReplica})
	n, err := c.Node(to)
	require.NoError(t, err)
	require.NoError(t, n.JoinPartition(ctx, group, id))
	requireItems(t, ctx, c, to, group, want)
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: to})
	changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: from})
	old, err := c.Node(from)
	require.NoError(t, err)
	require.NoError(t, old.RemovePartition(ctx, group))
}

// A split's right side takes the nodes the control plane recorded for its
// left side when it decided the split; one of them may have lost its
// replica of the left side (moved away) before the split applied there, and
// so holds nothing to adopt. Its replica joins the new group empty and
// takes a snapshot from a leader that adopted the split's data: bootstrapped
// empty, as an equal voter, it could lead the group and serve the right
// side's range without its items.
func TestSplitRightSideJoinsEmptyWhereNothingToAdopt(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 4, Zones: 3, Seed: 21})
	const left, right = 70, 71
	require.NoError(t, c.CreatePartition(ctx, left, wholeTable(), []transport.NodeID{1, 2, 3}))
	want := fillPartition(t, ctx, c, left, 20)
	// Node 3's replica of the left side moves to node 4 before the split.
	moveReplica(t, ctx, c, left, 3, 4, want)

	leaderID, err := c.WaitLeader(ctx, left)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)
	full, err := leader.Scan(ctx, left, node.ScanRequest{Consistent: true})
	require.NoError(t, err)
	require.Len(t, full.Items, 20)
	res, err := leader.Write(ctx, left, &partition.Command{Op: partition.OpSplit, SplitKey: full.Keys[10], NewGroup: right})
	require.NoError(t, err)
	rightItems := map[string]string{}
	for _, it := range full.Items[10:] {
		rightItems[it["pk"].S()] = "1"
	}

	// The right side was recorded on nodes 1, 2 and 3, its left side's
	// replicas when the split was decided.
	peers := []transport.NodeID{1, 2, 3}
	for _, id := range []transport.NodeID{1, 2} {
		n, err := c.Node(id)
		require.NoError(t, err)
		eventually(t, ctx, func() error {
			err := n.AdoptPartition(ctx, right, res.Split.Right, peers)
			if err != nil && strings.Contains(err.Error(), node.ErrRangeOverlap.Error()) {
				return err // the split has not applied here yet
			}
			require.NoError(t, err)
			return nil
		})
	}
	n3, err := c.Node(3)
	require.NoError(t, err)
	orphans, err := n3.Orphans()
	require.NoError(t, err)
	require.Empty(t, orphans, "node 3 holds nothing of the right side")
	require.NoError(t, n3.AdoptPartition(ctx, right, res.Split.Right, peers))

	requireItems(t, ctx, c, 3, right, rightItems)
	p, err := n3.Partition(right)
	require.NoError(t, err)
	require.Equal(t, res.Split.Right.Range, p.Meta().Range)
	require.Equal(t, uint64(len(rightItems)), p.Meta().Items)

	// Led by node 3, the group serves every item of its range.
	rl, err := c.WaitLeader(ctx, right)
	require.NoError(t, err)
	if rl != 3 {
		from, err := c.Node(rl)
		require.NoError(t, err)
		require.NoError(t, from.Raft().TransferLeadership(ctx, right, 3))
	}
	eventually(t, ctx, func() error {
		page, err := n3.Scan(ctx, right, node.ScanRequest{Consistent: true})
		if err != nil {
			return err
		}
		if len(page.Items) != len(rightItems) {
			return fmt.Errorf("node 3 serves %d items of the right side, want %d", len(page.Items), len(rightItems))
		}
		return nil
	})
}

// logLines is a slog handler's writer that keeps every line.
type logLines struct {
	mu    sync.Mutex // guards lines
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

func (l *logLines) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// Replicas on one node share its engine's key space, so no two of them
// may own overlapping ranges. A node that comes back holding a replica it
// was replaced in (of a range since split) may be asked to take a replica
// of part of that range: the snapshot is refused while the stale replica
// is there, and taken once it is removed. Taken earlier, the stale
// replica's removal would delete the new replica's items with its own.
func TestSnapshotRefusedWhileAnotherReplicaOwnsTheRange(t *testing.T) {
	ctx := testContext(t)
	logs := &logLines{}
	c := startCluster(t, node.ClusterConfig{Nodes: 4, Zones: 3, Seed: 22,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	const group, stale = 80, 81
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1, 2, 3}))
	want := fillPartition(t, ctx, c, group, 10)
	n4, err := c.Node(4)
	require.NoError(t, err)
	require.NoError(t, n4.CreatePartition(ctx, stale, wholeTable(), []transport.NodeID{4}))

	id := changeReplicas(t, ctx, c, group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4, Kind: multiraft.FullReplica})
	require.NoError(t, n4.JoinPartition(ctx, group, id))
	eventually(t, ctx, func() error {
		if !logs.contains(node.ErrRangeOverlap.Error()) {
			return fmt.Errorf("no snapshot refused yet")
		}
		return nil
	})
	p, err := n4.Partition(group)
	require.NoError(t, err)
	require.True(t, p.Meta().Range.Empty(), "the snapshot was refused: node 4's replica holds nothing")
	require.ErrorIs(t, n4.AdoptPartition(ctx, 82, wholeTable(), []transport.NodeID{4}), node.ErrRangeOverlap)

	require.NoError(t, n4.RemovePartition(ctx, stale))
	requireItems(t, ctx, c, 4, group, want)
}
