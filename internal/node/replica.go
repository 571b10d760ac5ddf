package node

import (
	"context"
	"fmt"
	"math"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// JoinPartition hosts a new full replica of an existing group: replica is
// the raft ID that the leader's ChangeReplicas (AddLearner, Kind
// FullReplica, Node this node) returned, and must still be a member of the
// group. The replica starts empty, receives the partition as a snapshot,
// then the log; promote it with PromoteLearner once caught up.
func (n *Node) JoinPartition(ctx context.Context, group, replica uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	return n.join(group, replica)
}

// join is JoinPartition with n.createMu held.
func (n *Node) join(group, replica uint64) error {
	if err := n.checkNew(group, multiraft.FullReplica); err != nil {
		return fmt.Errorf("node %d: join partition %d: %w", n.id, group, err)
	}
	// Metadata left by an earlier replica of the group on this node (one
	// that was removed, or a split's right side never adopted here) must
	// not pass for the joiner's state: it starts empty and takes the
	// leader's snapshot. Items the old range held are left to the
	// snapshot, which replaces its own range, and to the control plane.
	if stale, err := n.hasMeta(group); err != nil {
		return fmt.Errorf("node %d: join partition %d: %w", n.id, group, err)
	} else if stale {
		n.log.Warn("joining replica: dropping metadata an earlier replica left", "group", group)
		b := n.engine.NewBatch()
		b.DeleteMeta(group)
		if err := n.engine.Commit(b, true); err != nil {
			return fmt.Errorf("node %d: join partition %d: drop stale metadata: %w", n.id, group, err)
		}
	}
	p, err := partition.Open(n.engine, group, n.partitionOptions(group))
	if err != nil {
		return fmt.Errorf("node %d: join partition %d: %w", n.id, group, err)
	}
	if err := n.raft.AddGroup(multiraft.GroupConfig{Group: group, Kind: multiraft.FullReplica, StateMachine: p, ReplicaID: replica}); err != nil {
		return fmt.Errorf("node %d: join partition %d: %w", n.id, group, err)
	}
	n.mu.Lock()
	n.replicas[group] = p
	n.mu.Unlock()
	return nil
}

// JoinLogReplica hosts a log replica of an existing group: replica is the
// raft ID that ChangeReplicas (AddLearner with Kind LogReplica, or
// AddLogReplica) returned. A log replica persists the log and votes but
// holds no partition: requests for its group fail here as for a group the
// node does not host. It may be hosted beside a full replica of the same
// group (one being built while the log replica keeps the quorum durable).
func (n *Node) JoinLogReplica(ctx context.Context, group, replica uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	if err := n.checkNew(group, multiraft.LogReplica); err != nil {
		return fmt.Errorf("node %d: join log replica %d: %w", n.id, group, err)
	}
	if err := n.raft.AddGroup(multiraft.GroupConfig{Group: group, Kind: multiraft.LogReplica, ReplicaID: replica}); err != nil {
		return fmt.Errorf("node %d: join log replica %d: %w", n.id, group, err)
	}
	n.mu.Lock()
	n.logReplicas[group] = true
	n.mu.Unlock()
	return nil
}

// checkNew fails when the node already hosts a replica of kind of group,
// or is closed.
func (n *Node) checkNew(group uint64, kind multiraft.ReplicaKind) error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return multiraft.ErrClosed
	}
	_, full := n.replicas[group]
	if (kind == multiraft.FullReplica && full) || (kind == multiraft.LogReplica && n.logReplicas[group]) {
		return multiraft.ErrGroupExists
	}
	return nil
}

// LogReplicas returns the groups of which the node hosts a log replica,
// ascending.
func (n *Node) LogReplicas() []uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]uint64, 0, len(n.logReplicas))
	for g := range n.logReplicas {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// replicaKnown reports whether the log store's log of local (a local ID,
// multiraft.LocalID) mentions a replica of this node of kind, as multiraft
// finds its raft ID on a restart: in the compaction point's membership or
// in a configuration change still in the log. It is false for a replica
// that joined and crashed before its snapshot arrived, whose raft ID the
// log does not hold.
func replicaKnown(logs logstore.LogStore, local uint64, self uint64, kind multiraft.ReplicaKind) (bool, error) {
	st, err := logs.State(local)
	if err != nil {
		return false, err
	}
	mine := func(id uint64) bool {
		node, k := multiraft.NodeOf(id)
		return uint64(node) == self && k == kind
	}
	cs := st.Snapshot.GetConfState()
	if slices.ContainsFunc(slices.Concat(cs.GetVoters(), cs.GetLearners(), cs.GetVotersOutgoing(), cs.GetLearnersNext()), mine) {
		return true, nil
	}
	if st.LastIndex < st.FirstIndex {
		return false, nil
	}
	ents, err := logs.Entries(local, st.FirstIndex, st.LastIndex+1, math.MaxUint64)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		var cc pb.ConfChangeI
		switch e.GetType() {
		case pb.EntryType_EntryConfChange:
			var v1 pb.ConfChange
			if proto.Unmarshal(e.GetData(), &v1) != nil {
				continue
			}
			cc = &v1
		case pb.EntryType_EntryConfChangeV2:
			var v2 pb.ConfChangeV2
			if proto.Unmarshal(e.GetData(), &v2) != nil {
				continue
			}
			cc = &v2
		default:
			continue
		}
		for _, ch := range cc.AsV2().GetChanges() {
			if t := ch.GetType(); (t == pb.ConfChangeAddNode || t == pb.ConfChangeAddLearnerNode) && mine(ch.GetNodeId()) {
				return true, nil
			}
		}
	}
	return false, nil
}
