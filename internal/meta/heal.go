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
				if n, ok := c.cat.Node(r.Node); ok && !n.Live && r.Kind == catalog.ReplicaFull {
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

// replace moves p's replica off dead node dead by one step.
func (c *Controller) replace(ctx context.Context, t catalog.Table, p catalog.Partition, dead catalog.Node) bool {
	name := t.Description.TableName
	st, leader, ok := c.groupStatus(ctx, p)
	if !ok {
		return false
	}
	target, ok := c.replacementFor(p, dead, st)
	if !ok {
		return false
	}
	tid := transport.NodeID(target)
	switch {
	case !slices.Contains(st.Voters, tid) && !slices.Contains(st.Learners, tid):
		id, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: tid, Kind: multiraft.FullReplica})
		if err == nil {
			err = c.join(ctx, tid, p.ID, id)
		}
		c.logStep(name, p.ID, fmt.Sprintf("add a replica on node %d", target), err)
		return false
	case slices.Contains(st.Learners, tid):
		// Joined before, perhaps by a controller that then died: make
		// sure the replica is hosted, then promote it once caught up.
		_ = c.join(ctx, tid, p.ID, st.ReplicaIDs[tid])
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: tid})
		if !errors.Is(err, multiraft.ErrNotCaughtUp) {
			c.logStep(name, p.ID, fmt.Sprintf("promote the replica on node %d", target), err)
		}
		return false
	case slices.Contains(st.Voters, transport.NodeID(dead.ID)):
		_, err := c.changeReplicas(ctx, leader, p.ID, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: transport.NodeID(dead.ID)})
		c.logStep(name, p.ID, fmt.Sprintf("remove the replica of dead node %d", dead.ID), err)
		return false
	}
	if err := c.cat.MoveReplica(name, p.ID, dead.ID, target); err != nil {
		c.log.Error("heal: catalog move", "table", name, "partition", p.ID, "err", err)
		return false
	}
	tn, _ := c.cat.Node(target)
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "heal", Table: name, Partition: p.ID,
		What:    fmt.Sprintf("replaced the replica on node %d (%s) with one on node %d (%s)", dead.ID, dead.Zone, target, tn.Zone),
		Why:     fmt.Sprintf("node %d is dead", dead.ID),
		Outcome: "the partition has its full replicas again"})
	return true
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

// replacementFor picks the node to take dead's replica of p: a learner
// already added to the group on a node outside p's catalog replicas (a
// heal begun earlier), else the live node free of p in dead's zone with the
// fewest replicas, else in a zone p does not use, else any the catalog
// allows, lowest ID first on ties.
func (c *Controller) replacementFor(p catalog.Partition, dead catalog.Node, st multiraft.GroupStatus) (catalog.NodeID, bool) {
	for _, l := range st.Learners {
		if !p.Holds(catalog.NodeID(l)) {
			if n, ok := c.cat.Node(catalog.NodeID(l)); ok && n.Live {
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
