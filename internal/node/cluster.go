package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// ErrNodeDown is returned by Cluster methods for a node that is crashed.
var ErrNodeDown = errors.New("node: node is down")

// ClusterConfig configures StartCluster. Zero values mean the defaults.
type ClusterConfig struct {
	// Nodes is the number of nodes, with IDs 1 to Nodes. Default 3.
	Nodes int
	// Zones is the number of zones; node i is in zone "zone-<(i-1)%Zones+1>".
	// Default 3 (at most Nodes).
	Zones int
	// Dir, when set, puts each node on disk in Dir/node-<id>; empty keeps
	// every node in memory (memlog and memstore, which survive a Crash).
	Dir string
	// Seed seeds the network and raft's election jitter.
	Seed uint64
	// Faults applies to every link of the network.
	Faults memnet.Faults
	// Clock drives raft's ticks and the network's delays; nil means the
	// wall clock. With a clock.Sim the caller advances time.
	Clock clock.Clock
	// TickInterval is raft's tick. Default 10ms.
	TickInterval time.Duration
	// ElectionTicks is raft's election timeout in ticks. Default 20: with
	// the default tick, 200ms, long enough that a loaded test machine does
	// not depose healthy leaders, short enough for quick failover.
	ElectionTicks int
	// ReadMode is the leaders' strong read mode.
	ReadMode multiraft.ReadMode
	// Partition configures every partition.
	Partition partition.Options
	// Logger receives every node's events; nil discards them.
	Logger *slog.Logger
	// Gate, when set, gives every node a gate (internal/gate) made with
	// these options (Node is set to the node's name); a restarted node
	// gets a new one, without limits.
	Gate *gate.Options
}

// Cluster is an in-process cluster of nodes on one memnet network (async
// mode). Its methods are safe for concurrent use.
type Cluster struct {
	cfg ClusterConfig
	net *memnet.Network

	mu    sync.Mutex
	nodes map[transport.NodeID]*Node // nil while crashed
	mem   map[transport.NodeID]memStores
}

// memStores are an in-memory node's stores, kept by the cluster across a
// crash.
type memStores struct {
	logs   logstore.LogStore
	engine storage.Engine
}

// StartCluster starts the nodes of a cluster; on disk it reopens whatever
// Dir already holds (a cluster closed earlier).
func StartCluster(ctx context.Context, cfg ClusterConfig) (*Cluster, error) {
	if cfg.Nodes <= 0 {
		cfg.Nodes = 3
	}
	if cfg.Zones <= 0 {
		cfg.Zones = 3
	}
	cfg.Zones = min(cfg.Zones, cfg.Nodes)
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 10 * time.Millisecond
	}
	if cfg.ElectionTicks <= 0 {
		cfg.ElectionTicks = 20
	}
	net, err := memnet.New(memnet.Options{Seed: cfg.Seed, Faults: cfg.Faults, Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("node: cluster network: %w", err)
	}
	c := &Cluster{
		cfg:   cfg,
		net:   net,
		nodes: make(map[transport.NodeID]*Node),
		mem:   make(map[transport.NodeID]memStores),
	}
	for i := 1; i <= cfg.Nodes; i++ {
		id := transport.NodeID(i)
		tr, err := net.Join(id)
		if err != nil {
			return nil, errors.Join(err, c.Close())
		}
		if err := c.open(ctx, id, tr); err != nil {
			return nil, errors.Join(err, c.Close())
		}
	}
	return c, nil
}

// open opens node id on tr with its stores: its directory, or the memory
// stores the cluster keeps for it.
func (c *Cluster) open(ctx context.Context, id transport.NodeID, tr *memnet.Transport) error {
	ncfg := Config{
		ID:            id,
		Zone:          c.Zone(id),
		Transport:     tr,
		Clock:         c.cfg.Clock,
		TickInterval:  c.cfg.TickInterval,
		ElectionTicks: c.cfg.ElectionTicks,
		ReadMode:      c.cfg.ReadMode,
		Seed:          c.cfg.Seed*1000 + uint64(id),
		Partition:     c.cfg.Partition,
		Logger:        c.cfg.Logger,
	}
	if c.cfg.Gate != nil {
		opts := *c.cfg.Gate
		opts.Node = fmt.Sprintf("node-%d", id)
		if opts.Clock == nil {
			opts.Clock = c.cfg.Clock
		}
		g, err := gate.New(opts)
		if err != nil {
			_ = tr.Close()
			return fmt.Errorf("node: cluster node %d: %w", id, err)
		}
		ncfg.Gate = g
	}
	if c.cfg.Dir != "" {
		ncfg.Dir = filepath.Join(c.cfg.Dir, fmt.Sprintf("node-%d", id))
		if err := os.MkdirAll(ncfg.Dir, 0o755); err != nil {
			_ = tr.Close()
			return fmt.Errorf("node: cluster node %d: %w", id, err)
		}
	} else {
		c.mu.Lock()
		ms, ok := c.mem[id]
		if !ok {
			ms = memStores{logs: memlog.New(), engine: memstore.New()}
			c.mem[id] = ms
		}
		c.mu.Unlock()
		ncfg.LogStore, ncfg.Storage = ms.logs, ms.engine
	}
	n, err := Open(ctx, ncfg)
	if err != nil {
		_ = tr.Close()
		return fmt.Errorf("node: cluster node %d: %w", id, err)
	}
	c.mu.Lock()
	c.nodes[id] = n
	c.mu.Unlock()
	return nil
}

// Zone returns the zone label of node id.
func (c *Cluster) Zone(id transport.NodeID) string {
	return fmt.Sprintf("zone-%d", (int(id)-1)%c.cfg.Zones+1)
}

// Network returns the cluster's network, for fault injection.
func (c *Cluster) Network() *memnet.Network { return c.net }

// IDs returns every node's ID, live or crashed, ascending.
func (c *Cluster) IDs() []transport.NodeID {
	ids := make([]transport.NodeID, 0, c.cfg.Nodes)
	for i := 1; i <= c.cfg.Nodes; i++ {
		ids = append(ids, transport.NodeID(i))
	}
	return ids
}

// Node returns node id, or an error wrapping ErrNodeDown while it is
// crashed.
func (c *Cluster) Node(id transport.NodeID) (*Node, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[id]
	if !ok {
		return nil, fmt.Errorf("node: cluster has no node %d", id)
	}
	if n == nil {
		return nil, fmt.Errorf("node: cluster node %d: %w", id, ErrNodeDown)
	}
	return n, nil
}

// Nodes returns the live nodes, by ascending ID.
func (c *Cluster) Nodes() []*Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Node, 0, len(c.nodes))
	for _, n := range c.nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *Node) int { return int(a.id) - int(b.id) })
	return out
}

// CreatePartition creates a replica of group holding meta on each of the
// nodes ids, with ids as the group's voters: the group then elects a
// leader among them. It stops at the first node that fails (a crashed one:
// ErrNodeDown); creating again on the nodes that already host the group
// fails with multiraft.ErrGroupExists.
func (c *Cluster) CreatePartition(ctx context.Context, group uint64, meta partition.Meta, ids []transport.NodeID) error {
	for _, id := range ids {
		n, err := c.Node(id)
		if err != nil {
			return err
		}
		if err := n.CreatePartition(ctx, group, meta, ids); err != nil {
			return err
		}
	}
	return nil
}

// Leader returns the lowest-numbered live node whose replica of group is
// leader now, or 0 when none is. During a partition an old leader that has
// not yet stepped down may be returned; requests there fail with a
// redirect or an unknown outcome, and a router retries.
func (c *Cluster) Leader(group uint64) transport.NodeID {
	for _, n := range c.Nodes() {
		st, err := n.Status(group)
		if err == nil && st.IsLeader {
			return n.id
		}
	}
	return 0
}

// WaitLeader polls until group has a live leader and returns it, or ctx's
// error.
func (c *Cluster) WaitLeader(ctx context.Context, group uint64) (transport.NodeID, error) {
	return poll(ctx, c.cfg.TickInterval, func() (transport.NodeID, bool) {
		id := c.Leader(group)
		return id, id != 0
	})
}

// poll calls check every interval until it reports done or ctx ends.
func poll[T any](ctx context.Context, interval time.Duration, check func() (T, bool)) (T, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if v, ok := check(); ok {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-t.C:
		}
	}
}

// Crash stops node id at once, as a process crash would: the network drops
// its traffic, its scheduler stops, and its stores are left as they are
// (on disk, what was synced; in memory, everything).
func (c *Cluster) Crash(id transport.NodeID) error {
	n, err := c.Node(id)
	if err != nil {
		return err
	}
	if err := c.net.Crash(id); err != nil {
		return err
	}
	c.mu.Lock()
	c.nodes[id] = nil
	c.mu.Unlock()
	if err := n.Close(); err != nil && !errors.Is(err, transport.ErrClosed) {
		return fmt.Errorf("node: crash %d: %w", id, err)
	}
	return nil
}

// Restart starts crashed node id again from its stores.
func (c *Cluster) Restart(ctx context.Context, id transport.NodeID) error {
	c.mu.Lock()
	n, ok := c.nodes[id]
	c.mu.Unlock()
	if !ok || n != nil {
		return fmt.Errorf("node: restart %d: not crashed", id)
	}
	tr, err := c.net.Restart(id)
	if err != nil {
		return err
	}
	return c.open(ctx, id, tr)
}

// Close closes every live node, the network, and the memory stores.
func (c *Cluster) Close() error {
	c.mu.Lock()
	nodes := c.nodes
	mem := c.mem
	c.nodes = make(map[transport.NodeID]*Node)
	c.mem = make(map[transport.NodeID]memStores)
	c.mu.Unlock()
	var errs []error
	for _, n := range nodes {
		if n != nil {
			errs = append(errs, n.Close())
		}
	}
	errs = append(errs, c.net.Close())
	for _, ms := range mem {
		errs = append(errs, ms.logs.Close(), ms.engine.Close())
	}
	return errors.Join(errs...)
}
