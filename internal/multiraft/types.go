package multiraft

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// Errors returned by the scheduler. Proposal errors say whether the command
// may still apply: ErrNotLeader, ErrProposalDropped, ErrGroupNotFound and
// ErrGroupRemoved (returned before proposing) mean it was not appended;
// ErrLeaderChanged and a context error mean the outcome is unknown.
var (
	// ErrGroupNotFound is returned for a group this node does not host.
	ErrGroupNotFound = errors.New("multiraft: group not found")
	// ErrGroupExists is returned by AddGroup for a group already hosted.
	ErrGroupExists = errors.New("multiraft: group already hosted")
	// ErrGroupRemoved is returned to requests pending on a group when it is
	// removed from this node.
	ErrGroupRemoved = errors.New("multiraft: group removed")
	// ErrProposalDropped is returned when raft refused a proposal (for
	// example too many uncommitted entries); the command was not appended.
	ErrProposalDropped = errors.New("multiraft: proposal dropped")
	// ErrLeaderChanged is returned to reads pending when this replica lost
	// leadership, and to proposals it made as leader that had not applied
	// once it applied as far as its log then went (or within two election
	// timeouts): such a proposal may or may not still apply. Proposals
	// that the next leader commits return their results.
	ErrLeaderChanged = errors.New("multiraft: leadership changed before completion")
	// ErrConfChangeInProgress is returned when a group already has a
	// configuration change that is not yet applied.
	ErrConfChangeInProgress = errors.New("multiraft: configuration change in progress")
	// ErrUnsafeConfChange is returned for a change that could leave the
	// group without a quorum of live, caught-up voters.
	ErrUnsafeConfChange = errors.New("multiraft: configuration change would endanger quorum")
	// ErrNotCaughtUp is returned when promoting a learner that lags.
	ErrNotCaughtUp = errors.New("multiraft: replica not caught up")
	// ErrInvalidConfChange is returned for a change that makes no sense for
	// the current membership (adding a member twice, removing a stranger).
	ErrInvalidConfChange = errors.New("multiraft: invalid configuration change")
	// ErrClosed is returned once the node is closed.
	ErrClosed = errors.New("multiraft: closed")
)

// NotLeaderError is returned for a request that needs the leader on a
// replica that is not the leader. Leader is the node this replica believes
// leads the group, or 0 when it knows no leader; a router retries there.
type NotLeaderError struct {
	Group  uint64
	Leader transport.NodeID
}

func (e *NotLeaderError) Error() string {
	if e.Leader == 0 {
		return fmt.Sprintf("multiraft: group %d: not leader, leader unknown", e.Group)
	}
	return fmt.Sprintf("multiraft: group %d: not leader, leader is node %d", e.Group, e.Leader)
}

// ErrNotLeader matches every *NotLeaderError with errors.Is.
var ErrNotLeader = errors.New("multiraft: not leader")

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// Command is one committed command handed to a StateMachine.
type Command struct {
	// Index is the command's raft log index; indexes increase but may skip
	// (membership changes and leader no-ops are not handed over).
	Index uint64
	// Data is the command as proposed.
	Data []byte
}

// StateMachine is what a full replica runs. All methods except
// Snapshot.WriteTo and Snapshot.Close are called on the scheduler's
// goroutine, one at a time, except Restore, which may be called from a
// transport goroutine while no other method of the same state machine runs.
type StateMachine interface {
	// Apply applies committed commands in order and returns one result per
	// command; the result goes to the proposer when this node proposed it.
	// A non-nil error means the state machine cannot go on (a storage
	// failure): the node stops.
	Apply(cmds []Command) ([]any, error)
	// AppliedIndex returns the index of the last command applied durably
	// (that survives a crash). The log is compacted only up to it, and after
	// a restart commands at or below it are not applied again.
	AppliedIndex() uint64
	// Snapshot returns a consistent view of the state as of the last applied
	// command. It is called on the scheduler's goroutine and must be cheap;
	// streaming happens later through the view, on another goroutine.
	Snapshot() (Snapshot, error)
	// Restore replaces the whole state with a snapshot read from r and
	// returns the index of the last command it reflects. The new state must
	// be durable when Restore returns.
	Restore(r io.Reader) (uint64, error)
}

// Snapshot is a consistent view of a state machine at one applied index.
type Snapshot interface {
	// Index is the applied index the view reflects.
	Index() uint64
	// WriteTo streams the view.
	WriteTo(w io.Writer) (int64, error)
	// Close releases the view.
	Close() error
}

// ReplicaKind says what a replica of a group stores.
type ReplicaKind uint8

const (
	// FullReplica persists the log, applies commands to a StateMachine and
	// may lead.
	FullReplica ReplicaKind = iota
	// LogReplica persists the log and votes, but never applies commands,
	// serves nothing, and leads only as a last resort, just long enough to
	// hand leadership to a full voter (see the package doc).
	LogReplica
)

func (k ReplicaKind) String() string {
	if k == LogReplica {
		return "log"
	}
	return "full"
}

// A raft replica ID is the node ID (low 32 bits), a generation (bits
// 32-62) and the log replica flag (bit 63). The initial replicas of a group
// are generation 0; a replica added later gets a new generation, so a node
// removed from a group and added again is a different raft member, and
// messages still in flight for or from its old incarnation are dropped
// instead of being mistaken for the new one's.
const (
	logReplicaBit   = uint64(1) << 63
	generationShift = 32
	nodeMask        = uint64(1)<<generationShift - 1
	generationMask  = uint64(1)<<(63-generationShift) - 1
)

// logGroupBit marks the local ID of a log replica (LocalID).
const logGroupBit = uint64(1) << 63

// LocalID returns the ID under which a node hosts its replica of kind of
// group: the group's ID for a full replica, the group's ID with the top bit
// set for a log replica. A node may host both replicas of one group at once
// (a log replica keeps the group's quorum durable while a full replica on
// the same node is being built), and each has its own local ID and log.
// Core and Node methods taking a group take its local ID; group IDs must
// leave the top bit clear.
func LocalID(group uint64, kind ReplicaKind) uint64 {
	if kind == LogReplica {
		return group | logGroupBit
	}
	return group
}

// GroupOf returns the group and the replica kind of a local ID.
func GroupOf(local uint64) (uint64, ReplicaKind) {
	if local&logGroupBit != 0 {
		return local &^ logGroupBit, LogReplica
	}
	return local, FullReplica
}

// ReplicaID returns the raft ID of a node's initial (generation 0) replica
// of the given kind.
func ReplicaID(node transport.NodeID, kind ReplicaKind) uint64 {
	return replicaIDGen(node, kind, 0)
}

func replicaIDGen(node transport.NodeID, kind ReplicaKind, gen uint64) uint64 {
	id := uint64(node) | (gen&generationMask)<<generationShift
	if kind == LogReplica {
		id |= logReplicaBit
	}
	return id
}

// NodeOf returns the node and kind of a raft replica ID.
func NodeOf(replica uint64) (transport.NodeID, ReplicaKind) {
	kind := FullReplica
	if replica&logReplicaBit != 0 {
		kind = LogReplica
	}
	return transport.NodeID(replica & nodeMask), kind
}

// ReadMode selects how linearizable reads are served by a leader.
type ReadMode uint8

const (
	// ReadIndex confirms leadership with a heartbeat round to a quorum
	// before serving a read (raft's ReadOnlySafe). The default.
	ReadIndex ReadMode = iota
	// LeaseRead serves a read without a round trip while the leader holds
	// a lease: a read index round that a quorum acknowledged at tick t
	// grants a lease until t + ElectionTicks - 2, since none of those
	// voters grants a vote before an election timeout has passed (a
	// leadership transfer ends the lease). Reads outside a lease take a
	// round and renew it. It relies on tick rates that agree across nodes
	// (bounded clock drift).
	LeaseRead
)

// Config configures a Core. Zero values mean the documented defaults.
type Config struct {
	// NodeID is this node's ID; required.
	NodeID transport.NodeID
	// LogStore persists every group's log; required.
	LogStore logstore.LogStore
	// Send delivers a batch of raft messages to a peer node; required
	// (a Node sets it to its Transport's Send).
	Send func(to transport.NodeID, msgs []transport.GroupMessage)
	// ElectionTicks is the number of ticks a follower waits without hearing
	// from a leader before campaigning (plus a stagger, see resetElection).
	// Default 10.
	ElectionTicks int
	// HeartbeatTicks is the leader's heartbeat interval in ticks. Default 1.
	HeartbeatTicks int
	// LivenessTicks is how long a peer node may stay silent before it is
	// declared dead. Default ElectionTicks.
	LivenessTicks int
	// ReadMode selects ReadIndex (default) or LeaseRead.
	ReadMode ReadMode
	// MaxSizePerMsg caps the bytes of entries in one append message.
	// Default 1 MiB.
	MaxSizePerMsg uint64
	// MaxInflightMsgs caps append messages in flight per follower.
	// Default 256.
	MaxInflightMsgs int
	// MaxUncommittedBytes caps the bytes of uncommitted entries a leader
	// accepts before dropping proposals. Default 64 MiB.
	MaxUncommittedBytes uint64
	// LogRetainEntries is how many applied entries a group keeps in its log
	// for lagging followers; a follower further behind gets a snapshot.
	// Default 1000.
	LogRetainEntries uint64
	// CatchUpSlack is how far behind the leader's last index a replica may
	// be and still count as caught up. Default 10.
	CatchUpSlack uint64
	// Seed seeds the election timer jitter and request IDs.
	Seed uint64
	// Logger receives state changes (leader changes, membership, peer
	// liveness); nil discards them.
	Logger *slog.Logger
	// CommitApplied, when set, is the round commit: state machines may
	// stage what Apply writes (for example in one storage batch shared by
	// every group of the node) instead of committing it, and the scheduler
	// calls CommitApplied once per round, after the Apply calls of every
	// group with committed commands, to make all of them durable together.
	// Only after it returns does the scheduler deliver those commands'
	// results to their proposers, serve reads waiting for them and
	// advance raft; until then each group's state machine is held (Restore
	// waits). An error stops the node, as an Apply error does. A state
	// machine that commits in Apply works the same with or without it.
	// AppliedIndex must report what is committed, not what is staged.
	CommitApplied func() error
}

func (c *Config) setDefaults() error {
	if c.NodeID == 0 || uint64(c.NodeID) > nodeMask {
		return fmt.Errorf("multiraft: invalid node ID %d (want 1 to 2^32-1)", c.NodeID)
	}
	if c.LogStore == nil {
		return errors.New("multiraft: Config.LogStore is required")
	}
	if c.Send == nil {
		return errors.New("multiraft: Config.Send is required")
	}
	if c.ElectionTicks <= 0 {
		c.ElectionTicks = 10
	}
	if c.HeartbeatTicks <= 0 {
		c.HeartbeatTicks = 1
	}
	if c.HeartbeatTicks >= c.ElectionTicks {
		return fmt.Errorf("multiraft: HeartbeatTicks %d must be below ElectionTicks %d", c.HeartbeatTicks, c.ElectionTicks)
	}
	if c.LivenessTicks <= 0 {
		c.LivenessTicks = c.ElectionTicks
	}
	if c.MaxSizePerMsg == 0 {
		c.MaxSizePerMsg = 1 << 20
	}
	if c.MaxInflightMsgs <= 0 {
		c.MaxInflightMsgs = 256
	}
	if c.MaxUncommittedBytes == 0 {
		c.MaxUncommittedBytes = 64 << 20
	}
	if c.LogRetainEntries == 0 {
		c.LogRetainEntries = 1000
	}
	if c.CatchUpSlack == 0 {
		c.CatchUpSlack = 10
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// GroupStatus describes a group's replica on this node.
type GroupStatus struct {
	Group    uint64
	Kind     ReplicaKind
	Leader   transport.NodeID
	IsLeader bool
	Term     uint64
	Commit   uint64
	Applied  uint64
	// LastIndex is the last index in this replica's log.
	LastIndex uint64
	// Voters, Learners and LogReplicas list the membership by node; a log
	// replica is a voter listed in LogReplicas. A node hosting a full and a
	// log replica is listed for each; Replicas tells them apart.
	Voters, Learners, LogReplicas []transport.NodeID
	// ReplicaIDs maps each member node to its replica's raft ID (what a
	// joining replica must be created with), its full replica's where it
	// has both.
	ReplicaIDs map[transport.NodeID]uint64
	// Replicas lists every member replica, ascending by raft ID.
	Replicas []Replica
	// Quiesced reports that the group is not ticking.
	Quiesced bool
	// Match is, on the leader, the highest index known replicated on each
	// replica, by node.
	Match map[transport.NodeID]uint64
}

// Replica is one member replica of a group.
type Replica struct {
	Node  transport.NodeID
	Kind  ReplicaKind
	ID    uint64 // raft ID
	Voter bool
}

// Member returns node's replica of the given kind, if it is a member.
func (s GroupStatus) Member(node transport.NodeID, kind ReplicaKind) (Replica, bool) {
	for _, r := range s.Replicas {
		if r.Node == node && r.Kind == kind {
			return r, true
		}
	}
	return Replica{}, false
}
