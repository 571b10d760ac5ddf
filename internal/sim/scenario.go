package sim

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// ChaosOptions configures RunChaos.
type ChaosOptions struct {
	Seed uint64
	// Duration is the simulated time under faults; default 3s.
	Duration time.Duration
	// ReadMode selects how gets are served.
	ReadMode multiraft.ReadMode
	// Quiet disables faults (a control run).
	Quiet bool
	// Membership adds a fourth node and keeps changing each group's
	// membership (add a learner, promote it, remove a voter) under the
	// faults.
	Membership bool
}

// ChaosResult is what one seed of RunChaos produced.
type ChaosResult struct {
	History []porcupine.Operation
	// Completed counts operations with a known outcome.
	Completed int
	// Faults counts injected partitions and crashes.
	Faults int
	// Trace is the run's event trace (for determinism checks and replay).
	Trace []string
	// Digest is the final state of every replica.
	Digest string
	// LeaseReads counts reads the final incarnations of the nodes served
	// under a leader lease.
	LeaseReads uint64
}

// RunChaos runs the KV workload on three nodes and two groups under random
// partitions, message loss, duplication, reordering, leader crashes and
// restarts, all from one seed; then heals, lets clients finish and checks
// that the replicas of each group converged.
func RunChaos(opts ChaosOptions) (*ChaosResult, error) {
	if opts.Duration <= 0 {
		opts.Duration = 3 * time.Second
	}
	faults := memnet.Faults{Drop: 0.03, Duplicate: 0.02, Reorder: 0.05}
	if opts.Quiet {
		faults = memnet.Faults{}
	}
	seedRng := uint64(opts.Seed)
	nodes := 3
	if opts.Membership {
		nodes = 4
	}
	c, err := NewCluster(Options{
		Seed:             opts.Seed,
		Nodes:            nodes,
		Replicas:         3,
		Groups:           2,
		Faults:           faults,
		LogRetainEntries: 20 + seedRng%40,
		SyncEvery:        1 + int(seedRng%4),
		ReadMode:         opts.ReadMode,
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	// Membership churn makes more outcomes unknown (leaders change under
	// proposals); more keys keep each key's history small enough for the
	// checker.
	keys := 3
	if opts.Membership {
		keys = 6
	}
	w := NewWorkload(c, WorkloadOptions{Keys: keys})
	res := &ChaosResult{}

	end := c.Clock.Now().Add(opts.Duration)
	for c.Clock.Now().Before(end) {
		if !opts.Quiet {
			c.injectFault(res)
		}
		if opts.Membership && c.Rng.Float64() < 0.01 {
			c.changeMembership(res)
		}
		w.Tick(true)
		if err := c.Step(); err != nil {
			return nil, err
		}
	}
	// Recovery: every node back, every link healed; clients finish.
	c.Heal()
	for _, n := range c.Nodes {
		if err := c.Restart(n.ID); err != nil {
			return nil, err
		}
	}
	if err := c.Net.SetFaults(memnet.Faults{}); err != nil {
		return nil, err
	}
	recoverEnd := c.Clock.Now().Add(5 * time.Second)
	for w.Busy() && c.Clock.Now().Before(recoverEnd) {
		w.Tick(false)
		if err := c.Step(); err != nil {
			return nil, err
		}
	}
	if w.Busy() {
		return nil, fmt.Errorf("sim: seed %d: clients still busy after recovery", opts.Seed)
	}
	converged, err := c.RunUntil(10*time.Second, func() bool {
		if opts.Membership {
			c.reconcileAll()
		}
		return c.converged()
	})
	if err != nil {
		return nil, err
	}
	res.History, res.Completed, res.Trace, res.Digest = w.History(), w.Completed, c.Trace(), c.Digest()
	for _, n := range c.Nodes {
		if n.Up {
			res.LeaseReads += n.Core.Stats().LeaseReads
		}
	}
	if !converged {
		return res, fmt.Errorf("sim: seed %d: replicas did not converge:\n%s", opts.Seed, res.Digest)
	}
	return res, nil
}

// converged reports whether every group has a leader and all its members
// (by the leader's membership) applied the same commands to the same state.
func (c *Cluster) converged() bool {
	for g := uint64(1); g <= uint64(c.Opts.Groups); g++ {
		lead := c.Leader(g)
		if lead == 0 {
			return false
		}
		st, err := c.Status(lead, g)
		if err != nil {
			return false
		}
		want := c.Node(lead).KV(g).Digest()
		for _, id := range append(st.Voters, st.Learners...) {
			n := c.Node(id)
			if !n.Up {
				return false
			}
			mine, err := n.Core.Status(g)
			if err != nil || n.KV(g) == nil || mine.Applied != st.Applied || n.KV(g).Digest() != want {
				return false
			}
		}
	}
	return true
}

// reconcile hosts every member of a group, by the leader's membership,
// whose node does not host it (its AddLearner outcome was unknown, or it was
// added while the node was down), as an operator or the autoadmin would.
func (c *Cluster) reconcile(g uint64, st multiraft.GroupStatus) {
	for _, node := range slices.Sorted(maps.Keys(st.ReplicaIDs)) {
		replica := st.ReplicaIDs[node]
		n := c.Node(node)
		if !n.Up || (c.Hosts(node, g) && n.replicaIDs[g] == replica) {
			continue
		}
		if c.Hosts(node, g) {
			_ = c.DropReplica(node, g)
		}
		if err := c.AddReplica(node, g, multiraft.FullReplica, nil, replica); err != nil {
			c.Tracef("host replica group %d node %d: %v", g, node, err)
		}
	}
}

// reconcileAll reconciles every group that has a leader.
func (c *Cluster) reconcileAll() {
	for g := uint64(1); g <= uint64(c.Opts.Groups); g++ {
		if lead := c.Leader(g); lead != 0 {
			if st, err := c.Status(lead, g); err == nil {
				c.reconcile(g, st)
			}
		}
	}
}

// changeMembership takes one step of membership churn on a random group:
// promote a learner, else remove a voter from four, else add a learner on a
// node outside the group (replacing whatever stale replica it held).
func (c *Cluster) changeMembership(res *ChaosResult) {
	g := uint64(1 + c.Rng.IntN(c.Opts.Groups))
	if c.churning == nil {
		c.churning = map[uint64]bool{}
	}
	lead := c.Leader(g)
	if lead == 0 || c.churning[g] {
		return
	}
	st, err := c.Status(lead, g)
	if err != nil {
		return
	}
	c.reconcile(g, st)
	var ch multiraft.ReplicaChange
	switch {
	case len(st.Learners) > 0:
		ch = multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: st.Learners[0]}
	case len(st.Voters) >= 4:
		victim := st.Voters[c.Rng.IntN(len(st.Voters))]
		if victim == lead {
			return
		}
		ch = multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: victim}
	default:
		var outside []transport.NodeID
		for _, n := range c.Nodes {
			if n.Up && !slices.Contains(st.Voters, n.ID) {
				outside = append(outside, n.ID)
			}
		}
		if len(outside) == 0 {
			return
		}
		node := outside[c.Rng.IntN(len(outside))]
		if c.Hosts(node, g) {
			_ = c.DropReplica(node, g)
		}
		ch = multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: node}
	}
	c.churning[g] = true
	res.Faults++
	c.Node(lead).Core.ChangeReplicas(g, ch, func(replica uint64, err error) {
		c.churning[g] = false
		c.Tracef("membership group %d type %d node %d: %v", g, ch.Type, ch.Node, err)
		if err != nil || ch.Type != multiraft.AddLearner {
			return
		}
		if !c.Node(ch.Node).Up {
			return // hosted by reconcile once the node is back
		}
		if err := c.AddReplica(ch.Node, g, multiraft.FullReplica, nil, replica); err != nil {
			c.Tracef("host learner group %d node %d: %v", g, ch.Node, err)
		}
	})
}

func (c *Cluster) down() int {
	d := 0
	for _, n := range c.Nodes {
		if !n.Up {
			d++
		}
	}
	return d
}

func (c *Cluster) randomNode() transport.NodeID {
	return transport.NodeID(1 + c.Rng.IntN(len(c.Nodes)))
}

func (c *Cluster) injectFault(res *ChaosResult) {
	r := c.Rng.Float64()
	switch {
	case r < 0.0015:
		a, b := c.randomNode(), c.randomNode()
		if a != b {
			c.Partition(a, b)
			res.Faults++
		}
	case r < 0.0025:
		c.Isolate(c.randomNode())
		res.Faults++
	case r < 0.0045:
		c.Heal()
	case r < 0.0055:
		if c.down() == 0 {
			if lead := c.Leader(uint64(1 + c.Rng.IntN(c.Opts.Groups))); lead != 0 {
				c.Crash(lead)
				res.Faults++
			}
		}
	case r < 0.006:
		if c.down() == 0 {
			c.Crash(c.randomNode())
			res.Faults++
		}
	case r < 0.0085:
		for _, n := range c.Nodes {
			if !n.Up {
				_ = c.Restart(n.ID)
				break
			}
		}
	}
}
