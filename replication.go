package dynamo

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/embeddynamo/dynamo/internal/multiraft"
)

// StateMachine is what a replication group runs on each full replica: it
// applies committed commands in log order, reports what it has applied
// durably, and exports and restores snapshots of its whole state. Partition
// is one; examples/replicated-kv has another in a page of code.
//
// Apply, AppliedIndex and Snapshot are called on the node's scheduler
// goroutine, one at a time; Restore may be called from a transport goroutine
// while no other method runs. Reads of the state from other goroutines are
// the state machine's own business (a mutex, a storage snapshot).
type StateMachine = multiraft.StateMachine

// StateMachineSnapshot is a consistent view of a state machine at one
// applied index, streamed to a replica that is too far behind for the log.
type StateMachineSnapshot = multiraft.Snapshot

// CommittedCommand is one committed command handed to StateMachine.Apply:
// its log index and the bytes that were proposed.
type CommittedCommand = multiraft.Command

// ReplicaKind says what a replica stores: FullReplica (log and state, may
// lead) or LogReplica (log only: votes and persists, never applies, serves
// nothing; added in seconds when a replica is lost; it leads only as a last
// resort, to hand leadership to a full voter its log alone can bring up to
// date).
type ReplicaKind = multiraft.ReplicaKind

// The kinds of replica.
const (
	FullReplica = multiraft.FullReplica
	LogReplica  = multiraft.LogReplica
)

// ReplicaChange is one membership change of a replication group.
type ReplicaChange = multiraft.ReplicaChange

// The membership changes: add a learner (it receives the log, or a
// snapshot, but does not vote), promote a caught-up learner to voter,
// remove a replica.
const (
	AddLearner     = multiraft.AddLearner
	PromoteLearner = multiraft.PromoteLearner
	RemoveReplica  = multiraft.RemoveReplica
)

// ReplicaGroupStatus describes one node's replica of a group: leader, term,
// commit and applied indexes, membership, and whether the group is
// quiesced.
type ReplicaGroupStatus = multiraft.GroupStatus

// NotLeaderError is returned by calls that need the group's leader when
// made on another replica; Leader names the node to retry at (0: unknown).
type NotLeaderError = multiraft.NotLeaderError

// Errors returned by ReplicaNode. A proposal that fails with ErrNotLeader
// or ErrProposalDropped was not appended and may be retried; one that fails
// with ErrLeaderChanged or a context error may or may not have applied.
var (
	ErrNotLeader                  = multiraft.ErrNotLeader
	ErrProposalDropped            = multiraft.ErrProposalDropped
	ErrLeaderChanged              = multiraft.ErrLeaderChanged
	ErrGroupNotFound              = multiraft.ErrGroupNotFound
	ErrMembershipChangeInProgress = multiraft.ErrConfChangeInProgress
	ErrUnsafeMembershipChange     = multiraft.ErrUnsafeConfChange
	ErrReplicaNotCaughtUp         = multiraft.ErrNotCaughtUp
	ErrInvalidMembershipChange    = multiraft.ErrInvalidConfChange
	ErrReplicaNodeClosed          = multiraft.ErrClosed
)

// LeaderReadMode selects how a group's leader serves linearizable reads.
type LeaderReadMode = multiraft.ReadMode

// The leader read modes: ReadIndexReads confirm leadership with a quorum
// round trip (the default); LeaseReads skip the round trip while the leader
// holds a lease, which an acknowledged round grants for an election timeout
// less two ticks. Leases rely on tick rates that agree across nodes.
const (
	ReadIndexReads = multiraft.ReadIndex
	LeaseReads     = multiraft.LeaseRead
)

// ReplicaNodeOptions configure StartReplicaNode. Zero values mean the
// defaults.
type ReplicaNodeOptions struct {
	// ID is the node's ID in the cluster; required, never zero.
	ID NodeID
	// Transport carries traffic to the other nodes; required. The node
	// starts it and closes it on Close.
	Transport Transport
	// LogStore persists the logs of every group on the node; required
	// (OpenWAL, or NewMemoryLogStore in tests). It stays open on Close.
	LogStore LogStore
	// TickInterval is raft's clock tick. Default 100ms.
	TickInterval time.Duration
	// ElectionTicks is how many ticks a follower waits for its leader
	// before campaigning. Default 10 (one second with the default tick).
	ElectionTicks int
	// ReadMode is how the node's leaders serve Read. Default
	// ReadIndexReads.
	ReadMode LeaderReadMode
	// Logger receives leader changes, membership changes and peer
	// liveness; nil discards them.
	Logger *slog.Logger
}

// ReplicaNode hosts one replica of each of many replication groups, all
// driven by one scheduler: one LogStore write and sync per round for every
// group, one message batch per destination node, quiesced idle groups and
// node-level liveness. Its methods are safe for concurrent use.
type ReplicaNode struct {
	node *multiraft.Node
}

// StartReplicaNode starts a node with no groups; add them with AddGroup.
func StartReplicaNode(opts ReplicaNodeOptions) (*ReplicaNode, error) {
	if opts.Transport == nil || opts.LogStore == nil {
		return nil, errors.New("dynamo: ReplicaNodeOptions needs a Transport and a LogStore")
	}
	n, err := multiraft.StartNode(multiraft.NodeConfig{
		Config: multiraft.Config{
			NodeID:        opts.ID,
			LogStore:      opts.LogStore,
			ElectionTicks: opts.ElectionTicks,
			ReadMode:      opts.ReadMode,
			Logger:        opts.Logger,
		},
		Transport:    opts.Transport,
		TickInterval: opts.TickInterval,
	})
	if err != nil {
		return nil, err
	}
	return &ReplicaNode{node: n}, nil
}

// AddGroup hosts a full replica of a group running sm. For a new group,
// peers lists its initial voters (this node included) on every one of them;
// when the group already has state in the LogStore (a restart), peers is
// empty.
func (n *ReplicaNode) AddGroup(group uint64, sm StateMachine, peers ...NodeID) error {
	return n.node.AddGroup(multiraft.GroupConfig{Group: group, Kind: FullReplica, StateMachine: sm, Peers: peers})
}

// JoinGroup hosts a new full replica of an existing group: replica is the
// ID that the leader's ChangeReplicas (AddLearner) returned, and must still
// be a member (ReplicaGroupStatus.ReplicaIDs): never re-create a removed
// replica under its old ID. The replica receives a snapshot, then the log.
func (n *ReplicaNode) JoinGroup(group uint64, sm StateMachine, replica uint64) error {
	return n.node.AddGroup(multiraft.GroupConfig{Group: group, Kind: FullReplica, StateMachine: sm, ReplicaID: replica})
}

// JoinAsLogReplica hosts a log replica of an existing group: replica is the
// ID that ChangeReplicas (AddLearner with Kind LogReplica) returned. It
// receives an index-and-term snapshot (no data), then the log; promote it
// with PromoteLearner. A node may host a log replica beside a full replica
// of the same group, one of each kind: the log replica keeps the group's
// quorum durable while the full one is being built.
func (n *ReplicaNode) JoinAsLogReplica(group uint64, replica uint64) error {
	return n.node.AddGroup(multiraft.GroupConfig{Group: group, Kind: LogReplica, ReplicaID: replica})
}

// RemoveGroup stops hosting the group's full replica, or its log replica
// when that is all this node hosts, and deletes its log; the state
// machine's data is the caller's to drop.
func (n *ReplicaNode) RemoveGroup(group uint64) error {
	err := n.node.RemoveGroup(group)
	if errors.Is(err, multiraft.ErrGroupNotFound) {
		return n.RemoveLogReplica(group)
	}
	return err
}

// RemoveLogReplica stops hosting the group's log replica and deletes its
// log.
func (n *ReplicaNode) RemoveLogReplica(group uint64) error {
	return n.node.RemoveGroup(multiraft.LocalID(group, LogReplica))
}

// Propose replicates cmd through the group, whose leader must be this node,
// and returns what the state machine's Apply returned for it here.
func (n *ReplicaNode) Propose(ctx context.Context, group uint64, cmd []byte) (any, error) {
	return n.node.Propose(ctx, group, cmd)
}

// Read returns once this node, the group's leader, may serve a
// linearizable read from its state machine: every write acknowledged before
// Read was called has been applied here.
func (n *ReplicaNode) Read(ctx context.Context, group uint64) error { return n.node.Read(ctx, group) }

// ChangeReplicas applies one membership change through this node, the
// group's leader, and returns the raft ID of the replica concerned. For
// AddLearner it is a new ID, never one an earlier replica used; host the
// joining replica with it (JoinGroup, JoinAsLogReplica). A change that
// could leave the group without a quorum of live, caught-up voters is
// refused with ErrUnsafeMembershipChange; one change at a time.
func (n *ReplicaNode) ChangeReplicas(ctx context.Context, group uint64, ch ReplicaChange) (uint64, error) {
	return n.node.ChangeReplicas(ctx, group, ch)
}

// TransferLeadership hands the group's leadership to the full voter on
// node to.
func (n *ReplicaNode) TransferLeadership(ctx context.Context, group uint64, to NodeID) error {
	return n.node.TransferLeadership(ctx, group, to)
}

// Status describes this node's replica of a group: its full replica, or
// its log replica when that is all it hosts.
func (n *ReplicaNode) Status(group uint64) (ReplicaGroupStatus, error) { return n.node.Status(group) }

// Close stops the node, fails pending calls with ErrReplicaNodeClosed and
// closes the transport.
func (n *ReplicaNode) Close() error { return n.node.Close() }
