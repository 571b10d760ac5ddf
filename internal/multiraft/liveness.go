package multiraft

import (
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"

	"github.com/embeddynamo/dynamo/internal/transport"
)

type peer struct {
	lastHeard uint64
	dead      bool
}

func (c *Core) heard(node transport.NodeID) {
	p, ok := c.peers[node]
	if !ok {
		p = &peer{}
		c.peers[node] = p
	}
	p.lastHeard = c.ticks
	if p.dead {
		p.dead = false
		c.cfg.Logger.Info("multiraft: peer alive", "node", c.self, "peer", node)
		// Quiesced leaders left this peer's replicas behind while it was
		// dead: wake them so that they catch it up.
		for _, g := range c.groupsOn(node) {
			c.wake(g)
			c.markDirty(g)
		}
	}
}

// groupsOn returns the hosted groups with a member on node, by group ID.
func (c *Core) groupsOn(node transport.NodeID) []*group {
	var out []*group
	for _, id := range c.Groups() {
		g := c.groups[id]
		for _, r := range members(g.confState()) {
			if n, _ := NodeOf(r); n == node {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// PeerDead reports whether this node has declared a peer dead.
func (c *Core) PeerDead(node transport.NodeID) bool {
	p, ok := c.peers[node]
	return ok && p.dead
}

func (c *Core) tickLiveness() {
	nodes := make([]transport.NodeID, 0, len(c.peers))
	for n := range c.peers {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	sendNow := c.ticks%uint64(c.cfg.HeartbeatTicks) == 0
	for _, n := range nodes {
		p := c.peers[n]
		if sendNow {
			c.outbox[n] = append(c.outbox[n], transport.GroupMessage{Group: 0, Message: &pb.Message{
				Type: pb.MsgHeartbeat.Enum(), From: new(uint64(c.self)), To: new(uint64(n)),
			}})
		}
		if !p.dead && c.ticks-p.lastHeard > uint64(c.cfg.LivenessTicks) {
			p.dead = true
			c.cfg.Logger.Info("multiraft: peer dead", "node", c.self, "peer", n)
			c.onPeerDead(n)
		}
	}
}

// onPeerDead wakes the quiesced groups with a replica on the dead node;
// followers whose leader was there forget it so that they can elect another
// without waiting for a lease to run out.
func (c *Core) onPeerDead(node transport.NodeID) {
	for _, g := range c.groupsOn(node) {
		wasQuiesced := g.quiesced
		c.wake(g)
		if leadNode, _ := NodeOf(g.lead); g.state == raft.StateFollower && g.lead != 0 && leadNode == node {
			_ = g.rn.ForgetLeader()
			if wasQuiesced {
				// Liveness already waited out an election timeout:
				// campaign soon, staggered as resetElection staggers.
				g.electionTimer = max(g.electionTimer, c.cfg.ElectionTicks-1)
			}
		}
		c.markDirty(g)
	}
}

// maybeQuiesce puts an idle leader and its followers to sleep and reports
// whether it did.
func (c *Core) maybeQuiesce(g *group) bool {
	if len(g.proposals) > 0 || len(g.reads) > 0 || g.conf != nil || len(g.transfers) > 0 ||
		len(g.snapshotsOut) > 0 || g.rn.HasReady() {
		return false
	}
	last := g.storage.last
	if g.applied != last || g.storage.hardState.GetCommit() != last {
		return false
	}
	st := g.rn.Status()
	if st.LeadTransferee != 0 || st.RaftState != raft.StateLeader {
		return false
	}
	voters := st.Config.Voters.IDs()
	liveVoters := 0
	var followers []uint64
	for id, pr := range st.Progress {
		if id == g.replicaID {
			if _, ok := voters[id]; ok {
				liveVoters++
			}
			continue
		}
		if node, _ := NodeOf(id); c.PeerDead(node) {
			continue
		}
		if pr.Match != last || pr.State != tracker.StateReplicate {
			return false
		}
		if _, ok := voters[id]; ok {
			liveVoters++
		}
		followers = append(followers, id)
	}
	if liveVoters < len(voters)/2+1 {
		return false
	}
	slices.Sort(followers)
	for _, id := range followers {
		node, _ := NodeOf(id)
		c.outbox[node] = append(c.outbox[node], transport.GroupMessage{Group: g.wire, Message: &pb.Message{
			Type:    pb.MsgHeartbeat.Enum(),
			To:      new(id),
			From:    new(g.replicaID),
			Term:    new(st.HardState.GetTerm()),
			Commit:  new(last),
			Context: quiesceMarker,
		}})
	}
	g.quiesced = true
	delete(c.active, g.id)
	return true
}

// Quiesced reports whether a group is asleep.
func (c *Core) Quiesced(group uint64) bool {
	g, ok := c.groups[group]
	return ok && g.quiesced
}

// ActiveGroups returns how many groups are ticking.
func (c *Core) ActiveGroups() int { return len(c.active) }

func (c *Core) maybeFollowQuiesce(g *group) {
	from := g.quiesceFrom
	g.quiesceFrom = 0
	if g.destroyed || g.state != raft.StateFollower || g.lead != from || g.rn.HasReady() {
		return
	}
	last := g.storage.last
	if g.applied != last || g.storage.hardState.GetCommit() != last {
		return
	}
	if len(g.proposals) > 0 || len(g.reads) > 0 {
		return
	}
	g.quiesced = true
	delete(c.active, g.id)
}
