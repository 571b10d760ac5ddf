package sim

import (
	"fmt"
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
	c, err := NewCluster(Options{
		Seed:             opts.Seed,
		Nodes:            3,
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
	w := NewWorkload(c, WorkloadOptions{})
	res := &ChaosResult{}

	end := c.Clock.Now().Add(opts.Duration)
	for c.Clock.Now().Before(end) {
		if !opts.Quiet {
			c.injectFault(res)
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
	converged, err := c.RunUntil(10*time.Second, c.converged)
	if err != nil {
		return nil, err
	}
	res.History, res.Completed, res.Trace, res.Digest = w.History(), w.Completed, c.Trace(), c.Digest()
	if !converged {
		return res, fmt.Errorf("sim: seed %d: replicas did not converge:\n%s", opts.Seed, res.Digest)
	}
	return res, nil
}

// converged reports whether every group has a leader and all its replicas
// applied the same commands to the same state.
func (c *Cluster) converged() bool {
	for g := uint64(1); g <= uint64(c.Opts.Groups); g++ {
		if c.Leader(g) == 0 {
			return false
		}
		var applied uint64
		var digest string
		for i, n := range c.Nodes {
			if !n.Up {
				return false
			}
			st, err := n.Core.Status(g)
			if err != nil {
				return false
			}
			kv := n.KV(g)
			if kv == nil {
				return false
			}
			if i == 0 {
				applied, digest = st.Applied, kv.Digest()
				continue
			}
			if st.Applied != applied || kv.Digest() != digest {
				return false
			}
		}
	}
	return true
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
