package meta

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// OpHeartbeat tells the active controller a node is alive
// (HeartbeatInput). It is served outside the catalog's lock.
const OpHeartbeat = "Heartbeat"

// HeartbeatInput is the input of OpHeartbeat.
type HeartbeatInput struct {
	ID transport.NodeID
}

// The defaults of liveness.
const (
	// DefaultHeartbeatInterval is how often a node tells the controller it
	// is alive.
	DefaultHeartbeatInterval = 500 * time.Millisecond
	// DefaultDeadAfter is how long a node may stay silent before the
	// controller declares it dead and heals its replicas.
	DefaultDeadAfter = 10 * time.Second
)

// heartbeat records that node id is alive now.
func (c *Controller) heartbeat(id transport.NodeID) {
	c.seen.Store(id, c.cfg.Clock.Now())
}

// lastSeen returns when node id last sent a heartbeat to this controller
// while active, or the zero time.
func (c *Controller) lastSeen(id transport.NodeID) time.Time {
	if v, ok := c.seen.Load(id); ok {
		return v.(time.Time)
	}
	return time.Time{}
}

// checkLiveness marks nodes silent for DeadAfter dead, and dead nodes that
// speak again live, recording an event for each; it reports whether the
// catalog changed. A controller that just became active gives every node
// DeadAfter from then. c.mu is held.
func (c *Controller) checkLiveness() bool {
	now := c.cfg.Clock.Now()
	changed := false
	for _, n := range c.cat.Nodes() {
		id := transport.NodeID(n.ID)
		last := c.lastSeen(id)
		if last.IsZero() {
			c.seen.Store(id, now)
			continue
		}
		silent := now.Sub(last)
		switch {
		case n.Live && silent > c.cfg.DeadAfter:
			if err := c.cat.SetNodeLive(n.ID, false); err == nil {
				changed = true
				c.events.add(Event{Time: now, Kind: "node", What: fmt.Sprintf("node %d (%s) declared dead", n.ID, n.Zone),
					Why: fmt.Sprintf("no heartbeat for %v (limit %v)", silent.Round(time.Millisecond), c.cfg.DeadAfter), Outcome: "its replicas will be replaced"})
				c.log.Warn("node dead", "node", uint64(n.ID), "silent", silent)
			}
		case !n.Live && silent <= c.cfg.DeadAfter:
			if err := c.cat.SetNodeLive(n.ID, true); err == nil {
				changed = true
				c.events.add(Event{Time: now, Kind: "node", What: fmt.Sprintf("node %d (%s) live again", n.ID, n.Zone),
					Why: "it sends heartbeats", Outcome: "it takes new replicas again"})
			}
		}
	}
	return changed
}

// heal replaces every full replica on a dead node with a full replica on a
// live one, the same zone's first: the new replica joins the group as a
// learner, is promoted once caught up, then the dead one is removed from
// the group and the catalog moves the replica. Each step is checked
// against the group's membership first, so a heal interrupted by a crash
// of this controller is finished by the next. One step per partition per
// call; it reports whether the catalog changed. c.mu is held.
func (c *Controller) heal(ctx context.Context) bool {
	changed := false
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		if s := t.Description.TableStatus; s != catalog.TableStatusActive && s != catalog.TableStatusUpdating {
			continue
		}
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				if n, ok := c.cat.Node(r.Node); ok && r.Kind == catalog.ReplicaFull && (!n.Live || c.leftGroup(p, r.Node)) {
					if c.replace(ctx, t, p, n) {
						changed = true
					}
					break
				}
			}
		}
	}
	return changed
}

// leftGroup reports whether the leaders' last reports show p's group
// without a full replica on node: a heal that removed it from the group
// and was cut short when the node came back to life. A stale report only
// makes replace look at the group afresh.
func (c *Controller) leftGroup(p catalog.Partition, node catalog.NodeID) bool {
	members, reported := c.members[p.ID]
	return reported && !slices.ContainsFunc(members, func(r multiraft.Replica) bool {
		return r.Node == transport.NodeID(node) && r.Kind == multiraft.FullReplica
	})
}

// replace moves p's replica off dead node dead by one step. The steps, each
// taken only if the group's membership shows it is not done yet:
//
//  1. a log replica, so the group has three voters that persist its log
//     again within seconds: on a live node that holds no replica of p if
//     there is one to spare, else beside the new full replica on the
//     replacement node (a node may host one replica of each kind);
//  2. a full replica on the replacement node: added as a learner, joined
//     (it receives a snapshot), promoted once caught up;
//  3. the dead replica removed from the group, then the log replica, whose
//     node drops its log;
//  4. the catalog moves the replica from the dead node to the new one.
func (c *Controller) replace(ctx context.Context, t catalog.Table, p catalog.Partition, dead catalog.Node) bool {
	name := t.Description.TableName
	st, leader, ok := c.groupStatus(ctx, p)
	if !ok {
		return false
	}
	if _, member := st.Member(transport.NodeID(dead.ID), multiraft.FullReplica); member && dead.Live {
		return false // it is in the group after all: nothing to replace
	}
	logR, hasLog := logReplicaOf(st)
	target, ok := c.replacementFor(p, dead, st)
	if !ok {
		return false
	}
	tid := transport.NodeID(target)
	full, hasFull := st.Member(tid, multiraft.FullReplica)
	if !hasLog && !(hasFull && full.Voter) {
		x, spare := c.spareFor(p, target)
		if !spare {
			x = target
		}
		xid := transport.NodeID(x)
		id, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: xid, Kind: multiraft.LogReplica})
		if err == nil {
			err = c.joinLog(ctx, xid, p.ID, id)
		}
		c.logStep(name, p.ID, fmt.Sprintf("add a log replica on node %d", x), err)
		return false
	}
	if hasLog && !logR.Voter {
		if err := c.joinLog(ctx, logR.Node, p.ID, logR.ID); err != nil {
			c.logStep(name, p.ID, fmt.Sprintf("host the log replica on node %d", logR.Node), err)
			return false
		}
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: logR.Node, Kind: multiraft.LogReplica})
		if err == nil {
			where := "a node with no other replica of the partition"
			if logR.Node == tid {
				where = "the node that takes the new full replica, the only one to spare"
			}
			c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "heal", Table: name, Partition: p.ID,
				What: fmt.Sprintf("log replica on node %d (%s)", logR.Node, where), Why: fmt.Sprintf("node %d is dead: quorum durability first", dead.ID),
				Outcome: "the group has three live voters again"})
		}
		if !errors.Is(err, multiraft.ErrNotCaughtUp) {
			c.logStep(name, p.ID, fmt.Sprintf("promote the log replica on node %d", logR.Node), err)
		}
		return false
	}
	switch {
	case !hasFull:
		id, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: tid, Kind: multiraft.FullReplica})
		if err == nil {
			err = c.join(ctx, tid, p.ID, id)
		}
		c.logStep(name, p.ID, fmt.Sprintf("add a replica on node %d", target), err)
		return false
	case !full.Voter:
		// Joined before, perhaps by a controller that then died: make
		// sure the replica is hosted, then promote it once caught up.
		if err := c.join(ctx, tid, p.ID, full.ID); err != nil {
			c.logStep(name, p.ID, fmt.Sprintf("host the replica on node %d", target), err)
			return false
		}
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: tid, Kind: multiraft.FullReplica})
		if !errors.Is(err, multiraft.ErrNotCaughtUp) {
			c.logStep(name, p.ID, fmt.Sprintf("promote the replica on node %d", target), err)
		}
		return false
	}
	if _, member := st.Member(transport.NodeID(dead.ID), multiraft.FullReplica); member {
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: transport.NodeID(dead.ID), Kind: multiraft.FullReplica})
		c.logStep(name, p.ID, fmt.Sprintf("remove the replica of dead node %d", dead.ID), err)
		return false
	}
	if hasLog {
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: logR.Node, Kind: multiraft.LogReplica})
		if err == nil {
			err = c.dropReplica(ctx, logR.Node, p.ID, multiraft.LogReplica)
		}
		c.logStep(name, p.ID, fmt.Sprintf("remove the log replica on node %d", logR.Node), err)
		return false
	}
	if err := c.cat.ReplaceReplica(name, p.ID, dead.ID, target); err != nil {
		c.log.Error("heal: catalog move", "table", name, "partition", p.ID, "err", err)
		return false
	}
	c.placed(p.ID, transport.NodeID(dead.ID), tid)
	tn, _ := c.cat.Node(target)
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "heal", Table: name, Partition: p.ID,
		What:    fmt.Sprintf("replaced the replica on node %d (%s) with one on node %d (%s)", dead.ID, dead.Zone, target, tn.Zone),
		Why:     fmt.Sprintf("node %d is dead", dead.ID),
		Outcome: "the partition has its full replicas again"})
	return true
}

// logReplicaOf returns the group's log replica (a voter, or a learner that
// will be one), the first by raft ID if there are several.
func logReplicaOf(st multiraft.GroupStatus) (multiraft.Replica, bool) {
	for _, r := range st.Replicas {
		if r.Kind == multiraft.LogReplica {
			return r, true
		}
	}
	return multiraft.Replica{}, false
}

// dropReplica has node on drop its replica of kind of group: the data of
// a full replica, the log of a log replica.
func (c *Controller) dropReplica(ctx context.Context, on transport.NodeID, group uint64, kind multiraft.ReplicaKind) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.cfg.Node.Forward(cctx, on, &node.Request{Op: node.OpRemovePartition, Group: group, LogReplica: kind == multiraft.LogReplica})
	return err
}

// spareFor returns a live node that holds no replica of p and is not
// target: where a log replica can go.
func (c *Controller) spareFor(p catalog.Partition, target catalog.NodeID) (catalog.NodeID, bool) {
	for _, n := range c.cat.Nodes() {
		if n.Live && n.ID != target && !p.Holds(n.ID) {
			return n.ID, true
		}
	}
	return 0, false
}

func (c *Controller) joinLog(ctx context.Context, on transport.NodeID, group, replica uint64) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.cfg.Node.Forward(cctx, on, &node.Request{Op: node.OpJoin, Group: group, Replica: replica, LogReplica: true})
	if errors.Is(err, multiraft.ErrGroupExists) {
		return nil
	}
	return err
}

func (c *Controller) logStep(table string, partition uint64, step string, err error) {
	if err != nil {
		c.log.Warn("heal step failed", "table", table, "partition", partition, "step", step, "err", err)
		return
	}
	c.log.Info("heal step", "table", table, "partition", partition, "step", step)
}

// groupStatus asks p's live replicas for the group's status as its leader
// sees it.
func (c *Controller) groupStatus(ctx context.Context, p catalog.Partition) (multiraft.GroupStatus, transport.NodeID, bool) {
	for _, r := range p.Replicas {
		if n, ok := c.cat.Node(r.Node); !ok || !n.Live {
			continue
		}
		st, err := c.status(ctx, transport.NodeID(r.Node), p.ID)
		if err != nil || st.Leader == 0 {
			continue
		}
		if st.Leader != transport.NodeID(r.Node) {
			if st, err = c.status(ctx, st.Leader, p.ID); err != nil || !st.IsLeader {
				continue
			}
		}
		return st, st.Leader, true
	}
	return multiraft.GroupStatus{}, 0, false
}

func (c *Controller) status(ctx context.Context, on transport.NodeID, group uint64) (multiraft.GroupStatus, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	resp, err := c.cfg.Node.Forward(cctx, on, &node.Request{Op: node.OpStatus, Group: group})
	if err != nil {
		return multiraft.GroupStatus{}, err
	}
	var st multiraft.GroupStatus
	err = json.Unmarshal(resp.Body, &st)
	return st, err
}

func (c *Controller) changeReplicas(ctx context.Context, leader transport.NodeID, group uint64, ch multiraft.ReplicaChange) (uint64, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := c.cfg.Node.Forward(cctx, leader, &node.Request{Op: node.OpChangeReplicas, Group: group, Change: ch})
	if err != nil {
		return 0, err
	}
	id, n := binary.Uvarint(resp.Body)
	if n <= 0 {
		return 0, fmt.Errorf("meta: change replicas of %d: bad replica ID", group)
	}
	return id, nil
}

func (c *Controller) join(ctx context.Context, on transport.NodeID, group, replica uint64) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.cfg.Node.Forward(cctx, on, &node.Request{Op: node.OpJoin, Group: group, Replica: replica})
	if errors.Is(err, multiraft.ErrGroupExists) {
		return nil
	}
	return err
}

// replacementFor picks the node to take dead's replica of p: a full
// replica already added to the group on a live node outside p's catalog
// replicas (a heal begun earlier), else the live node free of p in dead's
// zone with the fewest replicas, else in a zone p does not use, else any
// the catalog allows, lowest ID first on ties.
func (c *Controller) replacementFor(p catalog.Partition, dead catalog.Node, st multiraft.GroupStatus) (catalog.NodeID, bool) {
	for _, r := range st.Replicas {
		if r.Kind == multiraft.FullReplica && !p.Holds(catalog.NodeID(r.Node)) {
			if n, ok := c.cat.Node(catalog.NodeID(r.Node)); ok && n.Live {
				return n.ID, true
			}
		}
	}
	used := map[string]bool{}
	for _, r := range p.Replicas {
		if n, ok := c.cat.Node(r.Node); ok && r.Node != dead.ID {
			used[n.Zone] = true
		}
	}
	load := map[catalog.NodeID]int{}
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		for _, q := range t.Partitions {
			for _, r := range q.Replicas {
				load[r.Node]++
			}
		}
	}
	var best catalog.Node
	bestRank, found := 0, false
	for _, n := range c.cat.Nodes() {
		if !n.Live || p.Holds(n.ID) {
			continue
		}
		rank := 2
		switch {
		case n.Zone == dead.Zone:
			rank = 0
		case !used[n.Zone]:
			rank = 1
		}
		if !found || rank < bestRank || (rank == bestRank && load[n.ID] < load[best.ID]) {
			best, bestRank, found = n, rank, true
		}
	}
	return best.ID, found
}

// ReconcileInterval is how often the active controller compares what the
// live nodes host with the catalog.
const ReconcileInterval = 2 * time.Second

// dropStale removes, from every live node, the replicas of groups the node
// is no longer a member of: what a node that was declared dead and replaced
// still holds when it comes back, and what a removed table left on a node
// that was down when it went. A replica the catalog does not place on the
// node but that is in its group's membership (a heal or move under way) is
// kept. Membership comes from the leaders' last reports; only a replica
// they do not list (by node, kind and raft ID) is looked up in its group,
// so a settled cluster costs one call per node, not one per replica.
// c.mu is held.
func (c *Controller) dropStale(ctx context.Context) {
	now := c.cfg.Clock.Now()
	if now.Sub(c.lastStaleCheck) < ReconcileInterval {
		return
	}
	c.lastStaleCheck = now
	c.dropOrphans(ctx)
	placed := map[uint64]catalog.Partition{}
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		for _, p := range t.Partitions {
			placed[p.ID] = p
		}
	}
	for _, n := range c.cat.Nodes() {
		if !n.Live {
			continue
		}
		id := transport.NodeID(n.ID)
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := c.cfg.Node.Forward(cctx, id, &node.Request{Op: node.OpHosted})
		cancel()
		if err != nil {
			continue
		}
		var hosted node.Hosted
		if err := json.Unmarshal(resp.Body, &hosted); err != nil {
			continue
		}
		type replica struct {
			group uint64
			kind  multiraft.ReplicaKind
		}
		var replicas []replica
		for _, g := range hosted.Partitions {
			replicas = append(replicas, replica{g, multiraft.FullReplica})
		}
		for _, g := range hosted.LogReplicas {
			replicas = append(replicas, replica{g, multiraft.LogReplica})
		}
		ids := map[replica]uint64{}
		for _, h := range hosted.Replicas {
			ids[replica{h.Group, h.Kind}] = h.ID
		}
		for _, r := range replicas {
			g := r.group
			if g == Group {
				continue
			}
			// A group the catalog does not know is garbage: the catalog
			// records every partition before any node hosts it.
			if p, known := placed[g]; known {
				rid := ids[r]
				if c.reported(g, id, r.kind, rid) {
					continue // a member, as its leader last reported: no need to ask
				}
				c.staleLooks.Add(1)
				st, _, ok := c.groupStatus(ctx, p)
				if !ok {
					continue // the group cannot tell now
				}
				m, member := st.Member(id, r.kind)
				if member && (rid == m.ID || (rid == 0 && (r.kind == multiraft.LogReplica || c.sameReplica(ctx, id, g, m.ID)))) {
					continue
				}
				// Not a member, or a member under another replica ID: the
				// node still holds the replica it had before it was
				// replaced, and the group now wants a new one there.
			}
			err := c.dropReplica(ctx, id, g, r.kind)
			c.events.add(Event{Time: now, Kind: "reconcile", Partition: g,
				What:    fmt.Sprintf("removed node %d's %s replica of partition %d", n.ID, r.kind, g),
				Why:     "the node is not a member of the partition's group (it was replaced while down, or its table is gone)",
				Outcome: outcomeOf(err)})
		}
	}
}

// StaleLooks counts the replicas whose membership the reconciliation of
// hosted replicas had to look up in their groups (the leaders' reports did
// not list them): zero while nothing changes.
func (c *Controller) StaleLooks() uint64 { return c.staleLooks.Load() }

// reported reports whether the leaders' last reports list replica rid (of
// kind, on node) as a member of group.
func (c *Controller) reported(group uint64, node transport.NodeID, kind multiraft.ReplicaKind, rid uint64) bool {
	return rid != 0 && slices.ContainsFunc(c.members[group], func(m multiraft.Replica) bool {
		return m.Node == node && m.Kind == kind && m.ID == rid
	})
}

// dropOrphans removes from each partition's group one member the catalog
// places nowhere in it: what a move left behind when its partition split
// before it finished, or a heal when the dead node came back first. The
// leaders' last reports point at the suspects and a fresh look at the
// group confirms each. Partitions with a move under way, or a replica on a
// dead node (healing's business), are left alone. c.mu is held.
func (c *Controller) dropOrphans(ctx context.Context) {
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		if s := t.Description.TableStatus; s != catalog.TableStatusActive && s != catalog.TableStatusUpdating {
			continue
		}
		for _, p := range t.Partitions {
			if c.moving(p.ID) || !c.allLive(p) || !hasOrphan(p, c.members[p.ID]) {
				continue
			}
			st, leader, ok := c.groupStatus(ctx, p)
			if !ok || !fullMembers(p, st) {
				continue // a replica the catalog places has left: healing's business
			}
			for _, r := range st.Replicas {
				if placedThere(p, r) {
					continue
				}
				var err error
				what := fmt.Sprintf("removed node %d's %s replica from partition %d's group", r.Node, r.Kind, p.ID)
				if r.Node == leader && r.Kind == multiraft.FullReplica {
					// An orphan that leads hands its leadership to a replica
					// the catalog places first.
					what = fmt.Sprintf("handed partition %d's leadership from node %d, a member the catalog does not place, to node %d", p.ID, r.Node, p.Replicas[0].Node)
					err = c.transferLeader(ctx, r.Node, p.ID, transport.NodeID(p.Replicas[0].Node))
				} else {
					_, err = c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: r.Node, Kind: r.Kind})
				}
				c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "reconcile", Table: name, Partition: p.ID, What: what,
					Why:     "the catalog places no such replica of the partition there: a move or a heal that did not finish left it in the group",
					Outcome: outcomeOf(err)})
				break // one change per group at a time
			}
		}
	}
}

// fullMembers reports whether every full replica the catalog places of p
// is a full member of its group.
func fullMembers(p catalog.Partition, st multiraft.GroupStatus) bool {
	for _, r := range p.Replicas {
		if _, ok := st.Member(transport.NodeID(r.Node), multiraft.FullReplica); r.Kind == catalog.ReplicaFull && !ok {
			return false
		}
	}
	return true
}

// placedThere reports whether the catalog places replica r of p: a full
// replica on one of p's nodes (or a log replica where the catalog records
// one).
func placedThere(p catalog.Partition, r multiraft.Replica) bool {
	for _, cr := range p.Replicas {
		if cr.Node == catalog.NodeID(r.Node) {
			return (cr.Kind == catalog.ReplicaLog) == (r.Kind == multiraft.LogReplica)
		}
	}
	return false
}

// allLive reports whether every replica of p is on a live node.
func (c *Controller) allLive(p catalog.Partition) bool {
	for _, r := range p.Replicas {
		if n, ok := c.cat.Node(r.Node); !ok || !n.Live {
			return false
		}
	}
	return true
}

// hasOrphan reports whether members holds a replica the catalog does not
// place in p.
func hasOrphan(p catalog.Partition, members []multiraft.Replica) bool {
	return slices.ContainsFunc(members, func(r multiraft.Replica) bool { return !placedThere(p, r) })
}

// sameReplica reports whether node on hosts group under replica ID want, as
// it sees itself (when it cannot tell, it is given the benefit of the doubt).
func (c *Controller) sameReplica(ctx context.Context, on transport.NodeID, group, want uint64) bool {
	st, err := c.status(ctx, on, group)
	if err != nil {
		return true
	}
	got, ok := st.ReplicaIDs[on]
	return !ok || got == want
}

func outcomeOf(err error) string {
	if err != nil {
		return "failed: " + err.Error()
	}
	return "done"
}
