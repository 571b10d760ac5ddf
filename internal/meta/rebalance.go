package meta

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// DefaultRebalanceInterval is how often the active controller looks at the
// balance of replicas and leaders by default.
const DefaultRebalanceInterval = 2 * time.Second

// MaxParallelMoves is how many replica moves the control plane runs at
// once.
const MaxParallelMoves = 4

// rebalance moves replicas off nodes carrying more than
// catalog.DefaultRebalanceThreshold times the mean, and onto nodes below
// the mean divided by it (catalog.PlanRebalance: replica counts, stored
// bytes and consumed capacity units, never two replicas of a partition in
// one zone while zones suffice), and, with no move to make, hands
// leaderships from nodes leading more than that to the least leading
// replica. Moves go in batches: up to MaxParallelMoves of the plan's first
// moves (of distinct partitions) run at once, and the next plan is made
// once they are all done. It waits while any partition has a replica on a
// dead node, or one that left its group: healing comes first. It reports
// whether the catalog changed. c.mu is held.
func (c *Controller) rebalance(ctx context.Context) bool {
	if len(c.moves) > 0 {
		changed := false
		kept := c.moves[:0]
		for _, m := range c.moves {
			ch, done := c.moveStep(ctx, m)
			changed = changed || ch
			if !done {
				kept = append(kept, m)
			}
		}
		c.moves = kept
		if len(kept) == 0 {
			// The batch is over: the next one is planned at the next
			// tick, from the catalog the batch changed, not an interval
			// later.
			c.lastRebalance = time.Time{}
		}
		return changed
	}
	now := c.cfg.Clock.Now()
	if now.Sub(c.lastRebalance) < c.cfg.RebalanceInterval {
		return false
	}
	in := catalog.RebalanceInput{Nodes: c.cat.Nodes(), Load: c.sizes, MaxMoves: MaxParallelMoves}
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		if t.Description.TableStatus != catalog.TableStatusActive || c.splitPending(t) {
			return false // splits and table changes come first: looked at again next tick
		}
		for _, p := range t.Partitions {
			if !c.allLive(p) || slices.ContainsFunc(p.Replicas, func(r catalog.Replica) bool {
				return r.Kind == catalog.ReplicaFull && c.leftGroup(p, r.Node)
			}) {
				return false // healing comes first
			}
		}
		in.Partitions = append(in.Partitions, t.Partitions...)
	}
	c.lastRebalance = now
	plan := catalog.PlanRebalance(in)
	if len(plan) == 0 {
		c.balanceLeaders(ctx, in.Partitions)
		return false
	}
	moving := map[uint64]bool{}
	for _, m := range plan {
		if moving[m.Partition] {
			break // a later step of the plan builds on this one: next batch
		}
		moving[m.Partition] = true
		c.moves = append(c.moves, m)
		fromNode, _ := c.cat.Node(m.From)
		toNode, _ := c.cat.Node(m.To)
		c.events.add(Event{Time: now, Kind: "rebalance", Partition: m.Partition,
			What:    fmt.Sprintf("moving partition %d's replica from node %d (%s) to node %d (%s)", m.Partition, m.From, fromNode.Zone, m.To, toNode.Zone),
			Why:     moveWhy(m),
			Outcome: "under way"})
	}
	// Saved before their first step: a controller that takes over
	// finishes them rather than leaving replicas half added.
	return true
}

// moveWhy is why move m is made.
func moveWhy(m catalog.Move) string {
	return fmt.Sprintf("evening out load: node %d is among the most loaded live nodes and node %d takes the replica below that level (threshold %.1f times the mean, above or below)", m.From, m.To, catalog.DefaultRebalanceThreshold)
}

// moveStep takes move m one step: the new replica joins as a learner and
// is promoted once caught up; the old one hands off its leadership if it
// has it and leaves the group; its node drops it; the catalog moves the
// replica. It reports whether the catalog changed and whether the move is
// over (done, or given up).
func (c *Controller) moveStep(ctx context.Context, m catalog.Move) (changed, over bool) {
	t, ok := c.cat.TableByID(m.Table)
	var p catalog.Partition
	found := false
	if ok {
		for _, q := range t.Partitions {
			if q.ID == m.Partition {
				p, found = q, true
			}
		}
	}
	if !found || !p.Holds(m.From) || p.Holds(m.To) {
		// The partition split or changed meanwhile: plan again. A replica
		// the move added is an orphan that dropOrphans removes.
		return true, true
	}
	name := t.Description.TableName
	if n, ok := c.cat.Node(m.To); !ok || !n.Live {
		// The new replica's node died: give the move up. The replica it
		// may have added is an orphan that dropOrphans removes.
		c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "rebalance", Table: name, Partition: p.ID,
			What:    fmt.Sprintf("gave up moving partition %d's replica from node %d to node %d", p.ID, m.From, m.To),
			Why:     fmt.Sprintf("node %d is dead", m.To),
			Outcome: "the replica stays on node " + fmt.Sprint(m.From)})
		return true, true
	}
	st, leader, ok := c.groupStatus(ctx, p)
	if !ok {
		return false, false
	}
	from, to := transport.NodeID(m.From), transport.NodeID(m.To)
	toR, toMember := st.Member(to, multiraft.FullReplica)
	_, fromMember := st.Member(from, multiraft.FullReplica)
	switch {
	case !toMember:
		id, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: to, Kind: multiraft.FullReplica})
		if err == nil {
			err = c.join(ctx, to, p.ID, id)
		}
		c.logStep(name, p.ID, fmt.Sprintf("move: add a replica on node %d", m.To), err)
		return false, false
	case !toR.Voter:
		if err := c.join(ctx, to, p.ID, toR.ID); err != nil {
			c.logStep(name, p.ID, fmt.Sprintf("move: host the replica on node %d", m.To), err)
			return false, false
		}
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: to, Kind: multiraft.FullReplica})
		if !errors.Is(err, multiraft.ErrNotCaughtUp) {
			c.logStep(name, p.ID, fmt.Sprintf("move: promote the replica on node %d", m.To), err)
		}
		return false, false
	case fromMember && leader == from:
		err := c.transferLeader(ctx, from, p.ID, to)
		c.logStep(name, p.ID, fmt.Sprintf("move: hand leadership from node %d to %d", m.From, m.To), err)
		return false, false
	case fromMember:
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: from, Kind: multiraft.FullReplica})
		c.logStep(name, p.ID, fmt.Sprintf("move: remove the replica on node %d", m.From), err)
		return false, false
	}
	// The old replica is out of the group; its node drops it now if it
	// can, else dropStale does once the node answers again.
	if err := c.dropReplica(ctx, from, p.ID, multiraft.FullReplica); err != nil && !errors.Is(err, multiraft.ErrGroupNotFound) {
		c.logStep(name, p.ID, fmt.Sprintf("move: drop the replica on node %d", m.From), err)
	}
	if err := c.cat.MoveReplica(name, p.ID, m.From, m.To); err != nil {
		c.log.Error("move: catalog", "table", name, "partition", p.ID, "err", err)
		return false, true
	}
	c.placed(p.ID, transport.NodeID(m.From), transport.NodeID(m.To))
	fromNode, _ := c.cat.Node(m.From)
	toNode, _ := c.cat.Node(m.To)
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "rebalance", Table: name, Partition: p.ID,
		What:    fmt.Sprintf("moved a replica from node %d (%s) to node %d (%s)", m.From, fromNode.Zone, m.To, toNode.Zone),
		Why:     moveWhy(m),
		Outcome: "done"})
	return true, true
}

func (c *Controller) transferLeader(ctx context.Context, from transport.NodeID, group uint64, to transport.NodeID) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.cfg.Node.Forward(cctx, from, &node.Request{Op: node.OpTransferLeader, Group: group, Change: multiraft.ReplicaChange{Node: to}})
	return err
}

// balanceLeaders hands leaderships, up to MaxParallelMoves in one call,
// from the live node leading the most partitions, while it leads more than
// DefaultRebalanceThreshold times the mean, each to the replica of one of
// its partitions whose node leads the fewest. A transfer costs a message,
// not a snapshot: a node that joins gets its share of leaders in one round
// of the balance rather than one per interval.
func (c *Controller) balanceLeaders(ctx context.Context, parts []catalog.Partition) {
	leaders := map[transport.NodeID][]catalog.Partition{}
	live := 0
	for _, n := range c.cat.Nodes() {
		if n.Live {
			live++
			leaders[transport.NodeID(n.ID)] = nil
		}
	}
	if live == 0 || len(parts) == 0 {
		return
	}
	// Who leads what comes from the leaders' last size reports (c.led),
	// not from a status call per partition.
	for _, p := range parts {
		if leader, ok := c.led[p.ID]; ok {
			if _, live := leaders[leader]; live {
				leaders[leader] = append(leaders[leader], p)
			}
		}
	}
	mean := float64(len(parts)) / float64(live)
	for range MaxParallelMoves {
		if !c.handOffOne(ctx, leaders, mean) {
			return
		}
	}
}

// leaderChain finds the shortest chain of leadership transfers from node
// most to a node leading at least two fewer, through nodes leading one
// fewer (each passes one on in turn), following "leads a partition with a
// full replica on" breadth first, partitions by ascending ID. It returns
// the chain's first hop (the node and the partition most hands to) and its
// end.
func leaderChain(leaders map[transport.NodeID][]catalog.Partition, most transport.NodeID) (to transport.NodeID, p catalog.Partition, end transport.NodeID, ok bool) {
	type hop struct {
		from transport.NodeID
		p    catalog.Partition
	}
	top := len(leaders[most])
	came := map[transport.NodeID]hop{most: {}}
	first := func(end transport.NodeID) (transport.NodeID, catalog.Partition, transport.NodeID, bool) {
		at := end
		for came[at].from != most {
			at = came[at].from
		}
		return at, came[at].p, end, true
	}
	for queue := []transport.NodeID{most}; len(queue) > 0; queue = queue[1:] {
		at := queue[0]
		ps := slices.Clone(leaders[at])
		slices.SortFunc(ps, func(a, b catalog.Partition) int { return cmp.Compare(a.ID, b.ID) })
		for _, q := range ps {
			for _, r := range q.Replicas {
				next := transport.NodeID(r.Node)
				_, live := leaders[next]
				_, seen := came[next]
				if !live || seen || r.Kind != catalog.ReplicaFull {
					continue
				}
				switch n := len(leaders[next]); {
				case n+1 < top:
					came[next] = hop{at, q}
					return first(next)
				case n+1 == top:
					came[next] = hop{at, q}
					queue = append(queue, next)
				}
			}
		}
	}
	return 0, catalog.Partition{}, 0, false
}

// handOffOne makes one transfer of balanceLeaders, updating leaders, and
// reports whether it made one. The most loaded node hands a leadership to
// a node leading at least two fewer that holds a replica of one of its
// partitions; when none does (a node that just joined took replicas of
// other nodes' partitions), it hands one along the shortest chain that
// reaches such a node through nodes leading one fewer, each of which
// passes one on in the following transfers.
func (c *Controller) handOffOne(ctx context.Context, leaders map[transport.NodeID][]catalog.Partition, mean float64) bool {
	var most transport.NodeID
	for id, ps := range leaders {
		if most == 0 || len(ps) > len(leaders[most]) || (len(ps) == len(leaders[most]) && id < most) {
			most = id
		}
	}
	top := len(leaders[most])
	if float64(top) <= catalog.DefaultRebalanceThreshold*mean {
		return false
	}
	to, p, end, ok := leaderChain(leaders, most)
	if !ok {
		return false
	}
	if err := c.transferLeader(ctx, most, p.ID, to); err != nil {
		return false
	}
	c.led[p.ID] = to // until the next reports say otherwise
	leaders[to] = append(leaders[to], p)
	leaders[most] = slices.DeleteFunc(slices.Clone(leaders[most]), func(q catalog.Partition) bool { return q.ID == p.ID })
	why := fmt.Sprintf("node %d led %d partitions, more than %.1f times the mean of %.1f", most, top, catalog.DefaultRebalanceThreshold, mean)
	if to != end {
		why += fmt.Sprintf(" (node %d passes one on toward node %d, which holds no replica of node %d's partitions)", to, end, most)
	}
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "rebalance", Partition: p.ID,
		What:    fmt.Sprintf("handed the leadership of partition %d from node %d to node %d", p.ID, most, to),
		Why:     why,
		Outcome: "done"})
	return true
}
