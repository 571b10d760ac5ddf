package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// ErrTimeout is returned by the blocking helpers when the simulated
// deadline passes first.
var ErrTimeout = errors.New("sim: timed out")

// await runs the simulation until *done or until d of simulated time passed.
func (c *Cluster) await(d time.Duration, done *bool) error {
	if err := c.Settle(); err != nil {
		return err
	}
	ok, err := c.RunUntil(d, func() bool { return *done })
	if err != nil {
		return err
	}
	if !ok {
		return ErrTimeout
	}
	return nil
}

// Propose proposes cmd on a node and runs the simulation until it
// completes or timeout passes.
func (c *Cluster) Propose(node transport.NodeID, group uint64, cmd []byte, timeout time.Duration) (any, error) {
	n := c.Node(node)
	if !n.Up {
		return nil, fmt.Errorf("sim: node %d is down", node)
	}
	var res any
	var perr error
	done := false
	n.Core.Propose(group, cmd, func(r any, err error) { res, perr, done = r, err, true })
	if err := c.await(timeout, &done); err != nil {
		return nil, err
	}
	return res, perr
}

// ProposeToLeader proposes cmd at whichever node leads the group, retrying
// while there is no leader or the proposal is refused, until timeout. It
// returns the node that accepted it.
func (c *Cluster) ProposeToLeader(group uint64, cmd []byte, timeout time.Duration) (transport.NodeID, any, error) {
	deadline := c.Clock.Now().Add(timeout)
	for c.Clock.Now().Before(deadline) {
		lead := c.Leader(group)
		if lead == 0 {
			if err := c.Step(); err != nil {
				return 0, nil, err
			}
			continue
		}
		res, err := c.Propose(lead, group, cmd, deadline.Sub(c.Clock.Now()))
		if err == nil || errors.Is(err, ErrTimeout) {
			return lead, res, err
		}
		if !errors.Is(err, multiraft.ErrNotLeader) && !errors.Is(err, multiraft.ErrProposalDropped) &&
			!errors.Is(err, multiraft.ErrLeaderChanged) {
			return lead, nil, err
		}
		if err := c.Step(); err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, ErrTimeout
}

func (c *Cluster) atLeader(group uint64, timeout time.Duration, submit func(core *multiraft.Core, done func(uint64, error))) (uint64, error) {
	deadline := c.Clock.Now().Add(timeout)
	for c.Clock.Now().Before(deadline) {
		lead := c.Leader(group)
		if lead == 0 {
			if err := c.Step(); err != nil {
				return 0, err
			}
			continue
		}
		var result error
		var replica uint64
		done := false
		submit(c.Node(lead).Core, func(r uint64, err error) { replica, result, done = r, err, true })
		if err := c.await(deadline.Sub(c.Clock.Now()), &done); err != nil {
			return 0, err
		}
		if !errors.Is(result, multiraft.ErrNotLeader) && !errors.Is(result, multiraft.ErrLeaderChanged) {
			return replica, result
		}
	}
	return 0, ErrTimeout
}

// ChangeReplicas applies a membership change through the group's leader
// and returns the raft ID of the replica concerned.
func (c *Cluster) ChangeReplicas(group uint64, ch multiraft.ReplicaChange, timeout time.Duration) (uint64, error) {
	return c.atLeader(group, timeout, func(core *multiraft.Core, done func(uint64, error)) { core.ChangeReplicas(group, ch, done) })
}

// AddLearner adds a learner of the given kind on node through the leader,
// then hosts the joining replica there.
func (c *Cluster) AddLearner(group uint64, node transport.NodeID, kind multiraft.ReplicaKind, timeout time.Duration) error {
	replica, err := c.ChangeReplicas(group, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: node, Kind: kind}, timeout)
	if err != nil {
		return err
	}
	return c.AddReplica(node, group, kind, nil, replica)
}

// TransferLeadership asks the group's leader to hand over to node to.
func (c *Cluster) TransferLeadership(group uint64, to transport.NodeID, timeout time.Duration) error {
	_, err := c.atLeader(group, timeout, func(core *multiraft.Core, done func(uint64, error)) {
		core.TransferLeadership(group, to, func(err error) { done(0, err) })
	})
	return err
}

// Status returns a live node's status of a group.
func (c *Cluster) Status(node transport.NodeID, group uint64) (multiraft.GroupStatus, error) {
	n := c.Node(node)
	if !n.Up {
		return multiraft.GroupStatus{}, fmt.Errorf("sim: node %d is down", node)
	}
	return n.Core.Status(n.local(group))
}
