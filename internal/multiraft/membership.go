package multiraft

import (
	"fmt"
	"math"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// ReplicaChangeType says what a membership change does.
type ReplicaChangeType uint8

const (
	// AddLearner adds a replica that receives the log but does not vote.
	AddLearner ReplicaChangeType = iota
	// PromoteLearner makes a caught-up learner a voter.
	PromoteLearner
	// AddLogReplica adds a log replica directly as a voter. It is admitted
	// only when the group keeps a live quorum without it.
	AddLogReplica
	// RemoveReplica removes a replica.
	RemoveReplica
)

// ReplicaChange is one membership change of a group.
type ReplicaChange struct {
	Type ReplicaChangeType
	Node transport.NodeID
	// Kind is the kind of the replica concerned (for AddLearner, the kind
	// it will have; AddLogReplica implies LogReplica). A node holds at most
	// one replica of each kind; PromoteLearner and RemoveReplica need Kind
	// only on a node that holds both.
	Kind ReplicaKind
}

// recoverReplicaID finds this node's raft ID in a restarted group: the
// latest member of this node and kind in the compaction point's membership
// or in a conf change still in the log; else (a joining replica that has
// not received its snapshot yet) the ID it was created with.
func (c *Core) recoverReplicaID(g *group, st *logstore.GroupState) uint64 {
	id := uint64(0)
	mine := func(r uint64) bool {
		node, kind := NodeOf(r)
		return node == c.self && kind == g.kind
	}
	for _, m := range members(st.Snapshot.GetConfState()) {
		if mine(m) {
			id = m
		}
	}
	if st.LastIndex >= st.FirstIndex {
		ents, err := c.store.Entries(g.id, st.FirstIndex, st.LastIndex+1, math.MaxUint64)
		if err == nil {
			for _, e := range ents {
				if e.GetType() == pb.EntryNormal {
					continue
				}
				cc, _, _, err := confChange(e)
				if err != nil {
					continue
				}
				for _, ch := range cc.GetChanges() {
					if t := ch.GetType(); (t == pb.ConfChangeAddNode || t == pb.ConfChangeAddLearnerNode) && mine(ch.GetNodeId()) {
						id = ch.GetNodeId()
					}
				}
			}
		}
	}
	if id == 0 {
		return g.replicaID
	}
	return id
}

// logReplicaPatience is how many election timeouts a log replica waits
// without a leader before campaigning itself.
const logReplicaPatience = 3

// handOffLeadership moves leadership from a log replica to the full voter
// furthest ahead; raft's transfer waits until that voter has caught up.
func (c *Core) handOffLeadership(g *group) {
	st := g.rn.Status()
	if st.LeadTransferee != 0 {
		return
	}
	var best, bestMatch uint64
	for _, v := range g.confState().GetVoters() {
		if _, kind := NodeOf(v); kind == LogReplica || v == g.replicaID {
			continue
		}
		if node, _ := NodeOf(v); c.PeerDead(node) {
			continue
		}
		if pr, ok := st.Progress[v]; ok && (best == 0 || pr.Match > bestMatch) {
			best, bestMatch = v, pr.Match
		}
	}
	if best != 0 {
		g.rn.TransferLeader(best)
	}
}

// settleTransfers completes the transfers a replica had pending when it
// stopped leading, once it knows the new leader: a leader that steps down
// for MsgTimeoutNow first learns only that its term is over (leader
// unknown), and only later which replica won. Until then the transfers wait,
// bounded by their deadlines.
func (c *Core) settleTransfers(g *group) {
	if g.lead == 0 || len(g.transfers) == 0 {
		return
	}
	transfers := g.transfers
	g.transfers = nil
	for _, t := range transfers {
		if t.to == g.lead {
			t.done(nil)
		} else {
			t.done(ErrLeaderChanged)
		}
	}
}

func (c *Core) expireTransfers(g *group) {
	kept := g.transfers[:0]
	for _, t := range g.transfers {
		if c.ticks >= t.deadline {
			t.done(fmt.Errorf("multiraft: group %d: leadership transfer to replica %d did not complete", g.wire, t.to))
			continue
		}
		kept = append(kept, t)
	}
	g.transfers = kept
}

// ChangeReplicas proposes one membership change; done gets the raft ID of
// the replica concerned once the change is applied on this (leader)
// replica. For AddLearner it is a new ID (a new generation), which the
// joining replica must be created with (GroupConfig.ReplicaID). See the
// package doc for the safety rule.
func (c *Core) ChangeReplicas(group uint64, ch ReplicaChange, done func(uint64, error)) {
	g, err := c.leaderGroup(group)
	if err != nil {
		done(0, err)
		return
	}
	if g.conf != nil || g.applied < g.confBarrier {
		done(0, fmt.Errorf("multiraft: group %d: %w", group, ErrConfChangeInProgress))
		return
	}
	cc, err := c.checkChange(g, ch)
	if err != nil {
		done(0, fmt.Errorf("multiraft: group %d: %w", group, err))
		return
	}
	id := c.nextID()
	cc.Context = make([]byte, requestIDLen)
	id.put(cc.Context)
	if err := g.rn.ProposeConfChange(cc); err != nil {
		done(0, fmt.Errorf("multiraft: group %d: %w: %v", group, ErrProposalDropped, err))
		return
	}
	g.conf = &confRequest{id: id, replica: cc.GetChanges()[0].GetNodeId(), done: done}
	c.markDirty(g)
}

func (c *Core) checkChange(g *group, ch ReplicaChange) (*pb.ConfChangeV2, error) {
	st := g.rn.Status()
	cs := g.confState()
	if len(cs.GetVotersOutgoing()) > 0 {
		return nil, ErrConfChangeInProgress
	}
	kind := ch.Kind
	if ch.Type == AddLogReplica {
		kind = LogReplica
	}
	// The node's current replica of that kind, if any: a node may hold a
	// full and a log replica of one group. A promotion or removal on a
	// node holding only one replica means that one, whatever Kind says.
	rid, onNode := uint64(0), false
	var ofNode []uint64
	for _, m := range members(cs) {
		if n, k := NodeOf(m); n == ch.Node {
			ofNode = append(ofNode, m)
			if k == kind {
				rid, onNode = m, true
			}
		}
	}
	if (ch.Type == PromoteLearner || ch.Type == RemoveReplica) && len(ofNode) == 1 {
		rid, onNode = ofNode[0], true
	}
	if ch.Type == AddLearner {
		// A new generation: never the raft ID of an earlier incarnation.
		gen := (g.storage.last + 1) & generationMask
		rid = replicaIDGen(ch.Node, kind, max(gen, 1))
	}
	isVoter := onNode && slices.Contains(cs.GetVoters(), rid)
	isLearner := onNode && slices.Contains(cs.GetLearners(), rid)
	newVoters := slices.Clone(cs.GetVoters())
	var typ pb.ConfChangeType
	switch ch.Type {
	case AddLearner:
		if onNode {
			return nil, fmt.Errorf("%w: node %d already holds a %s replica", ErrInvalidConfChange, ch.Node, kind)
		}
		typ = pb.ConfChangeAddLearnerNode
	case AddLogReplica:
		if onNode {
			return nil, fmt.Errorf("%w: node %d already holds a %s replica", ErrInvalidConfChange, ch.Node, kind)
		}
		typ = pb.ConfChangeAddNode
		newVoters = append(newVoters, rid)
	case PromoteLearner:
		if !isLearner {
			return nil, fmt.Errorf("%w: replica %d is not a learner", ErrInvalidConfChange, rid)
		}
		last := g.storage.last
		if pr, ok := st.Progress[rid]; !ok || pr.Match+c.cfg.CatchUpSlack < last {
			return nil, fmt.Errorf("%w: replica %d is at %d, leader at %d", ErrNotCaughtUp, rid, st.Progress[rid].Match, last)
		}
		typ = pb.ConfChangeAddNode
		newVoters = append(newVoters, rid)
	case RemoveReplica:
		if !isVoter && !isLearner {
			return nil, fmt.Errorf("%w: replica %d is not a member", ErrInvalidConfChange, rid)
		}
		if rid == g.replicaID {
			return nil, fmt.Errorf("%w: the leader cannot remove itself; transfer leadership first", ErrInvalidConfChange)
		}
		typ = pb.ConfChangeRemoveNode
		newVoters = slices.DeleteFunc(newVoters, func(v uint64) bool { return v == rid })
	default:
		return nil, fmt.Errorf("%w: unknown change type %d", ErrInvalidConfChange, ch.Type)
	}
	if len(newVoters) == 0 {
		return nil, fmt.Errorf("%w: no voter would remain", ErrUnsafeConfChange)
	}
	live := 0
	last := g.storage.last
	for _, v := range newVoters {
		if v == g.replicaID {
			live++
			continue
		}
		pr, ok := st.Progress[v]
		node, _ := NodeOf(v)
		if ok && pr.RecentActive && !c.PeerDead(node) && pr.Match+c.cfg.CatchUpSlack >= last {
			live++
		}
	}
	if ch.Type == AddLogReplica {
		live++ // the new log replica is empty but catches up with a snapshot of no data
		if live-1 < len(newVoters)/2+1 {
			return nil, fmt.Errorf("%w: %d of %d voters live and caught up without the new log replica", ErrUnsafeConfChange, live-1, len(newVoters))
		}
	}
	if live < len(newVoters)/2+1 {
		return nil, fmt.Errorf("%w: %d of %d voters would be live and caught up", ErrUnsafeConfChange, live, len(newVoters))
	}
	return &pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: typ.Enum(), NodeId: new(rid)}}}, nil
}

// TransferLeadership asks the leader (this replica) to hand leadership to
// the full voter on node to; done gets nil once this replica sees the new
// leader, or an error after two election timeouts.
func (c *Core) TransferLeadership(group uint64, to transport.NodeID, done func(error)) {
	g, err := c.leaderGroup(group)
	if err != nil {
		done(err)
		return
	}
	rid := uint64(0)
	for _, v := range g.confState().GetVoters() {
		if node, kind := NodeOf(v); node == to && kind == FullReplica {
			rid = v
		}
	}
	if rid == 0 {
		done(fmt.Errorf("multiraft: group %d: %w: node %d holds no full voter (log replicas never lead)", group, ErrInvalidConfChange, to))
		return
	}
	if rid == g.replicaID {
		done(nil)
		return
	}
	g.leaseUntil = 0 // the transferee campaigns at once, ignoring leases
	g.transfers = append(g.transfers, &transferRequest{to: rid, deadline: c.ticks + 2*uint64(c.cfg.ElectionTicks), done: done})
	g.rn.TransferLeader(rid)
	c.markDirty(g)
}
