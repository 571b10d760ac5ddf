package multiraft_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/sim"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

type liveNode struct {
	id   transport.NodeID
	node *multiraft.Node
	kv   *sim.KV
}

func startNode(t *testing.T, network *memnet.Network, id transport.NodeID, peers []transport.NodeID, replica uint64) *liveNode {
	t.Helper()
	tr, err := network.Join(id)
	require.NoError(t, err)
	n, err := multiraft.StartNode(multiraft.NodeConfig{
		Config:       multiraft.Config{NodeID: id, LogStore: memlog.New(), LogRetainEntries: 5},
		Transport:    tr,
		TickInterval: 2 * time.Millisecond,
	})
	require.NoError(t, err)
	kv := sim.NewKV(nil, 1)
	require.NoError(t, n.AddGroup(multiraft.GroupConfig{Group: 1, StateMachine: kv, Peers: peers, ReplicaID: replica}))
	return &liveNode{id: id, node: n, kv: kv}
}

// proposeAnywhere tries every node until the leader takes the command.
func proposeAnywhere(ctx context.Context, nodes []*liveNode, cmd []byte) (transport.NodeID, error) {
	for ctx.Err() == nil {
		for _, n := range nodes {
			_, err := n.node.Propose(ctx, 1, cmd)
			if err == nil {
				return n.id, nil
			}
			if !errors.Is(err, multiraft.ErrNotLeader) && !errors.Is(err, multiraft.ErrLeaderChanged) {
				return 0, err
			}
		}
		select { // no leader yet: back off a few ticks
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
	}
	return 0, ctx.Err()
}

// TestNodeStreamsSnapshotsThroughTheTransport runs real Nodes (goroutines,
// wall clock, asynchronous in-memory network): a learner joins a group whose
// log is compacted and catches up through Transport.SendSnapshot.
func TestNodeStreamsSnapshotsThroughTheTransport(t *testing.T) {
	network, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, network.Close()) }()
	peers := []transport.NodeID{1, 2, 3}
	var nodes []*liveNode
	for _, id := range peers {
		nodes = append(nodes, startNode(t, network, id, peers, 0))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lead transport.NodeID
	for i := range 30 {
		lead, err = proposeAnywhere(ctx, nodes, put(fmt.Sprint("k", i%4), fmt.Sprint("v", i)))
		require.NoError(t, err)
	}
	leader := nodes[lead-1]
	replica, err := leader.node.ChangeReplicas(ctx, 1, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4})
	require.NoError(t, err)
	joiner := startNode(t, network, 4, nil, replica)
	_, err = proposeAnywhere(ctx, nodes, put("last", "write"))
	require.NoError(t, err)
	for {
		st, err := leader.node.Status(1)
		require.NoError(t, err)
		if st.Match[4] >= st.Commit {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("learner did not catch up: %+v", st)
		case <-time.After(5 * time.Millisecond):
		}
	}
	require.Positive(t, network.Stats().Snapshots, "the learner caught up without a snapshot stream")
	require.NoError(t, leader.node.Read(ctx, 1))

	// Closing fails pending work and stops every goroutine (goleak checks).
	for _, n := range append(nodes, joiner) {
		require.NoError(t, n.node.Close())
		_, err := n.node.Propose(ctx, 1, put("k", "closed"))
		require.ErrorIs(t, err, multiraft.ErrClosed)
	}
	require.Equal(t, leader.kv.Digest(), joiner.kv.Digest())
	require.Equal(t, "write", joiner.kv.Get("last"))
}
