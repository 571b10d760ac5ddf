// Package sim is the deterministic simulation harness for replication: a
// simulated clock, an in-memory network in stepped mode (internal/transport/
// memnet), multiraft Cores driven on one goroutine, and crashes and restarts
// of nodes that keep their LogStore and their state machines' durable state.
// Every choice (what to deliver next, faults, crashes, client operations)
// comes from one seed, so a failing seed replays exactly; tests print the
// command line that replays it.
//
// A Cluster hosts groups of the KV state machine on every node. The
// linearizability workload (Workload) runs clients against it and records a
// history for github.com/anishathalye/porcupine.
package sim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// Options configures a Cluster.
type Options struct {
	// Seed drives every random choice.
	Seed uint64
	// Nodes is the number of nodes (IDs 1..Nodes); default 3.
	Nodes int
	// Groups is the number of groups; default 1.
	Groups int
	// Replicas is how many nodes (1..Replicas) host a full replica of every
	// group at the start; default all of them.
	Replicas int
	// Faults applies to every link of the network.
	Faults memnet.Faults
	// Tick is the simulated duration of one raft tick; default 10ms.
	Tick time.Duration
	// ElectionTicks and HeartbeatTicks configure raft; defaults 10 and 1.
	ElectionTicks, HeartbeatTicks int
	// LogRetainEntries is passed to multiraft (small values force
	// snapshots); default 1000.
	LogRetainEntries uint64
	// SyncEvery is how many applies a KV state machine waits between
	// syncs; default 1.
	SyncEvery int
	// ReadMode selects ReadIndex or lease reads.
	ReadMode multiraft.ReadMode
}

// Node is one simulated node.
type Node struct {
	ID          transport.NodeID
	Core        *multiraft.Core
	Store       *memlog.Store
	Up          bool
	incarnation int
	tr          *memnet.Transport
	ticker      clock.Ticker
	kinds       map[uint64]multiraft.ReplicaKind
	replicaIDs  map[uint64]uint64
	bootstrap   map[uint64][]transport.NodeID // initial replicas: their peers
	sms         map[uint64]*KV
	disks       map[uint64]*KVDisk
}

// local is the ID under which the node's Core hosts its replica of group.
func (n *Node) local(group uint64) uint64 { return multiraft.LocalID(group, n.kinds[group]) }

// KV returns the node's state machine of a group (nil for a log replica or
// a group it does not host).
func (n *Node) KV(group uint64) *KV { return n.sms[group] }

// Cluster is a simulated cluster. It is driven from one goroutine.
type Cluster struct {
	Opts  Options
	Rng   *rand.Rand
	Clock *clock.Sim
	Net   *memnet.Network
	Nodes []*Node
	trace []string
	cut   map[[2]transport.NodeID]bool
	// churning marks groups with a membership change in flight.
	churning map[uint64]bool
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewCluster builds and starts a cluster with every group bootstrapped on
// every node.
func NewCluster(opts Options) (*Cluster, error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.Groups <= 0 {
		opts.Groups = 1
	}
	if opts.Replicas <= 0 || opts.Replicas > opts.Nodes {
		opts.Replicas = opts.Nodes
	}
	if opts.Tick <= 0 {
		opts.Tick = 10 * time.Millisecond
	}
	if opts.ElectionTicks <= 0 {
		opts.ElectionTicks = 10
	}
	if opts.HeartbeatTicks <= 0 {
		opts.HeartbeatTicks = 1
	}
	if opts.SyncEvery <= 0 {
		opts.SyncEvery = 1
	}
	net, err := memnet.New(memnet.Options{Seed: opts.Seed, Stepped: true, Faults: opts.Faults})
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		Opts:  opts,
		Rng:   rand.New(rand.NewPCG(opts.Seed, 0x5eed)),
		Clock: clock.NewSim(epoch),
		Net:   net,
		cut:   make(map[[2]transport.NodeID]bool),
	}
	var peers []transport.NodeID
	for i := 1; i <= opts.Replicas; i++ {
		peers = append(peers, transport.NodeID(i))
	}
	for i := 1; i <= opts.Nodes; i++ {
		id := transport.NodeID(i)
		n := &Node{ID: id, Store: memlog.New(), kinds: map[uint64]multiraft.ReplicaKind{}, replicaIDs: map[uint64]uint64{}, bootstrap: map[uint64][]transport.NodeID{},
			sms: map[uint64]*KV{}, disks: map[uint64]*KVDisk{}}
		tr, err := net.Join(id)
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, n)
		if err := c.start(n, tr); err != nil {
			return nil, err
		}
		for g := 1; g <= opts.Groups && i <= opts.Replicas; g++ {
			if err := c.AddReplica(id, uint64(g), multiraft.FullReplica, peers, 0); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// Close releases the network.
func (c *Cluster) Close() error {
	for _, n := range c.Nodes {
		if n.ticker != nil {
			n.ticker.Stop()
		}
	}
	return c.Net.Close()
}

// Node returns node id.
func (c *Cluster) Node(id transport.NodeID) *Node { return c.Nodes[id-1] }

// Tracef records an event in the trace.
func (c *Cluster) Tracef(format string, args ...any) {
	c.trace = append(c.trace, fmt.Sprintf("%d ", c.Clock.Now().Sub(epoch).Milliseconds())+fmt.Sprintf(format, args...))
}

// Trace returns the events recorded so far.
func (c *Cluster) Trace() []string { return c.trace }

type handler struct {
	c    *Cluster
	core *multiraft.Core
}

func (h handler) HandleMessages(from transport.NodeID, msgs []transport.GroupMessage) {
	h.core.HandleMessages(from, msgs)
}

func (h handler) HandleCall(context.Context, transport.NodeID, []byte) ([]byte, error) {
	return nil, fmt.Errorf("sim: no calls")
}

func (h handler) HandleSnapshot(ctx context.Context, from transport.NodeID, header []byte, body io.Reader) error {
	return h.core.ReceiveSnapshot(ctx, from, header, body)
}

func (c *Cluster) start(n *Node, tr *memnet.Transport) error {
	n.incarnation++
	core, err := multiraft.NewCore(multiraft.Config{
		NodeID:           n.ID,
		LogStore:         n.Store,
		Send:             tr.Send,
		ElectionTicks:    c.Opts.ElectionTicks,
		HeartbeatTicks:   c.Opts.HeartbeatTicks,
		LogRetainEntries: c.Opts.LogRetainEntries,
		ReadMode:         c.Opts.ReadMode,
		Seed:             c.Opts.Seed*1000 + uint64(n.ID)*100 + uint64(n.incarnation),
		Logger:           slog.New(traceHandler{c: c}),
	})
	if err != nil {
		return err
	}
	n.Core, n.tr, n.Up = core, tr, true
	if err := tr.Start(handler{c, core}); err != nil {
		return err
	}
	n.ticker = c.Clock.NewTicker(c.Opts.Tick)
	return nil
}

// AddReplica hosts a group on a node: bootstrapped with peers, restarted
// from its LogStore, or joining as the replica an AddLearner change
// returned (replicaID).
func (c *Cluster) AddReplica(id transport.NodeID, group uint64, kind multiraft.ReplicaKind, peers []transport.NodeID, replicaID uint64) error {
	n := c.Node(id)
	gc := multiraft.GroupConfig{Group: group, Kind: kind, Peers: peers, ReplicaID: replicaID}
	if kind == multiraft.FullReplica {
		kv := NewKV(n.disks[group], c.Opts.SyncEvery)
		n.disks[group] = kv.Disk()
		n.sms[group] = kv
		gc.StateMachine = kv
	}
	n.kinds[group] = kind
	if len(peers) > 0 {
		n.bootstrap[group] = peers
	}
	if replicaID == 0 {
		replicaID = multiraft.ReplicaID(id, kind) // an initial replica
	}
	n.replicaIDs[group] = replicaID
	return n.Core.AddGroup(gc)
}

// DropReplica stops hosting a group on a node and forgets its data.
func (c *Cluster) DropReplica(id transport.NodeID, group uint64) error {
	n := c.Node(id)
	local := n.local(group)
	c.forget(n, group)
	return n.Core.RemoveGroup(local)
}

func (c *Cluster) forget(n *Node, group uint64) {
	delete(n.kinds, group)
	delete(n.replicaIDs, group)
	delete(n.bootstrap, group)
	delete(n.sms, group)
	delete(n.disks, group)
}

// Hosts reports whether a live node hosts a group.
func (c *Cluster) Hosts(id transport.NodeID, group uint64) bool {
	n := c.Node(id)
	if !n.Up {
		return false
	}
	_, err := n.Core.Status(n.local(group))
	return err == nil
}

// pruneRemoved forgets the groups a node's Core dropped by itself (its
// replica was removed from the group), so that a restart does not bring
// them back.
func (c *Cluster) pruneRemoved(n *Node) {
	for g := range n.kinds {
		if _, err := n.Core.Status(n.local(g)); err != nil {
			c.forget(n, g)
		}
	}
}

// Crash stops a node at once: its Core and the in-memory state of its state
// machines are lost; its LogStore and the state machines' last syncs stay.
func (c *Cluster) Crash(id transport.NodeID) {
	n := c.Node(id)
	if !n.Up {
		return
	}
	c.Tracef("crash %d", id)
	_ = c.Net.Crash(id)
	n.ticker.Stop()
	n.Up = false
	n.Core = nil
	n.sms = map[uint64]*KV{}
}

// Restart brings a crashed node back with what it kept.
func (c *Cluster) Restart(id transport.NodeID) error {
	n := c.Node(id)
	if n.Up {
		return nil
	}
	c.Tracef("restart %d", id)
	tr, err := c.Net.Restart(id)
	if err != nil {
		return err
	}
	if err := c.start(n, tr); err != nil {
		return err
	}
	groups := make([]uint64, 0, len(n.kinds))
	for g := range n.kinds {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		if _, err := n.Store.State(g); err != nil {
			if peers, ok := n.bootstrap[g]; ok {
				// An initial replica that crashed before its bootstrap
				// was saved: nothing of it left the node, bootstrap again.
				if err := c.AddReplica(id, g, n.kinds[g], peers, 0); err != nil {
					return fmt.Errorf("sim: restart node %d group %d: %w", id, g, err)
				}
				continue
			}
			// A joiner that had received nothing: it is hosted again only
			// if the group still counts it (reconcile), never blindly
			// with an ID that may have been removed since.
			c.forget(n, g)
			continue
		}
		if err := c.AddReplica(id, g, n.kinds[g], nil, n.replicaIDs[g]); err != nil {
			return fmt.Errorf("sim: restart node %d group %d: %w", id, g, err)
		}
	}
	return nil
}

// Partition cuts the links between a and b both ways.
func (c *Cluster) Partition(a, b transport.NodeID) {
	c.Tracef("partition %d-%d", a, b)
	c.Net.Partition(a, b)
	c.cut[[2]transport.NodeID{a, b}] = true
	c.cut[[2]transport.NodeID{b, a}] = true
}

// Isolate cuts every link of id.
func (c *Cluster) Isolate(id transport.NodeID) {
	for _, n := range c.Nodes {
		if n.ID != id {
			c.Partition(id, n.ID)
		}
	}
}

// Heal restores every link.
func (c *Cluster) Heal() {
	c.Tracef("heal")
	c.Net.Heal()
	clear(c.cut)
}

func (c *Cluster) reachable(from, to transport.NodeID) bool {
	return c.Node(to).Up && c.Node(from).Up && !c.cut[[2]transport.NodeID{from, to}]
}

// Settle processes every live node until none has work left, running
// snapshot streams inline. Messages stay in the network until delivered.
func (c *Cluster) Settle() error {
	for range 1000 {
		any := false
		for _, n := range c.Nodes {
			if !n.Up {
				continue
			}
			worked, err := n.Core.Process()
			if err != nil {
				return fmt.Errorf("sim: node %d: %w", n.ID, err)
			}
			any = any || worked
			if worked {
				c.pruneRemoved(n)
			}
			for _, job := range n.Core.TakeSnapshotJobs() {
				c.runSnapshot(n, job)
				any = true
			}
		}
		if !any {
			return nil
		}
	}
	return fmt.Errorf("sim: nodes did not settle")
}

func (c *Cluster) runSnapshot(from *Node, job *multiraft.SnapshotJob) {
	err := job.Send(context.Background(), func(ctx context.Context, to transport.NodeID, header []byte, body io.Reader) error {
		if !c.reachable(from.ID, to) {
			return transport.ErrUnreachable
		}
		return c.Node(to).Core.ReceiveSnapshot(ctx, from.ID, header, body)
	})
	c.Tracef("snapshot group %d %d->%d err=%v", job.Group, from.ID, job.To, err)
	from.Core.ReportSnapshot(job, err)
}

// AdvanceTick moves the clock one tick and ticks every live node whose
// ticker fired, in node order.
func (c *Cluster) AdvanceTick() {
	c.Clock.Advance(c.Opts.Tick)
	for _, n := range c.Nodes {
		if !n.Up {
			continue
		}
		select {
		case <-n.ticker.C():
			n.Core.Tick()
		default:
		}
	}
}

// Step delivers one pending envelope (chosen by the seed) or, with no
// traffic pending or by chance, advances one tick; then settles.
func (c *Cluster) Step() error {
	if c.Net.Pending() > 0 && c.Rng.Float64() < 0.95 {
		c.Net.DeliverOne(c.Rng)
	} else {
		c.AdvanceTick()
	}
	return c.Settle()
}

// RunFor steps until d of simulated time has passed.
func (c *Cluster) RunFor(d time.Duration) error {
	end := c.Clock.Now().Add(d)
	for c.Clock.Now().Before(end) {
		if err := c.Step(); err != nil {
			return err
		}
	}
	return nil
}

// RunUntil steps until cond holds or d of simulated time has passed, and
// reports whether cond held.
func (c *Cluster) RunUntil(d time.Duration, cond func() bool) (bool, error) {
	end := c.Clock.Now().Add(d)
	for !cond() {
		if !c.Clock.Now().Before(end) {
			return false, nil
		}
		if err := c.Step(); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Leader returns the node that leads group according to a live replica
// that is itself leader, or 0.
func (c *Cluster) Leader(group uint64) transport.NodeID {
	var lead transport.NodeID
	var term uint64
	for _, n := range c.Nodes {
		if !n.Up {
			continue
		}
		st, err := n.Core.Status(n.local(group))
		if err == nil && st.IsLeader && st.Term >= term {
			lead, term = n.ID, st.Term
		}
	}
	return lead
}

// Digest describes every live replica's applied state and log position.
func (c *Cluster) Digest() string {
	var b strings.Builder
	for _, n := range c.Nodes {
		if !n.Up {
			fmt.Fprintf(&b, "n%d down\n", n.ID)
			continue
		}
		for _, local := range n.Core.Groups() {
			st, _ := n.Core.Status(local)
			g, kind := multiraft.GroupOf(local)
			fmt.Fprintf(&b, "n%d g%d (%s) term=%d commit=%d applied=%d", n.ID, g, kind, st.Term, st.Commit, st.Applied)
			if kv := n.sms[g]; kv != nil && kind == multiraft.FullReplica {
				fmt.Fprintf(&b, " kv=%s", kv.Digest())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
