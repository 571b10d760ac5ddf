package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/split"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

func isNotFound(err error) bool {
	var nf *dberr.ResourceNotFoundException
	return errors.As(err, &nf)
}

// ClusterConfig configures StartCluster. Zero values mean the defaults.
type ClusterConfig struct {
	// Nodes is the number of storage nodes, IDs 1 to Nodes. Default 3.
	Nodes int
	// Zones is the number of zones the nodes are spread over, node i in
	// zone "zone-<(i-1)%Zones+1>". Default 3, at most Nodes.
	Zones int
	// Dir holds the cluster's files, Dir/node-<id> for each node; empty
	// keeps everything in memory.
	Dir string
	// Seed seeds the network and raft's election jitter.
	Seed uint64
	// Faults applies to every link of the in-memory network.
	Faults memnet.Faults
	// Clock drives raft and the control plane; nil is the wall clock.
	Clock clock.Clock
	// TickInterval and ElectionTicks set raft's timing. Defaults 10ms and
	// 20 ticks: a leader fails over in a few hundred milliseconds.
	TickInterval  time.Duration
	ElectionTicks int
	// Catalog sets the region, account and limits of the control plane.
	Catalog catalog.Options
	// DataPlane configures request handling.
	DataPlane dataplane.Options
	// Partition configures every partition.
	Partition partition.Options
	// Logger receives the cluster's events; nil discards them.
	Logger *slog.Logger
	// Gate configures every node's admission control (its own read and
	// write capacity; partitions get theirs from the control plane).
	Gate gate.Options
	// SplitSize is the partition size in bytes above which partitions
	// split; zero means 10 GiB, DynamoDB's. Tests use small values.
	SplitSize int64
	// SplitPolicy configures splits for consumption; zero values mean
	// internal/split's defaults.
	SplitPolicy split.Policy
	// SplitCheckInterval is how often partition sizes are looked at;
	// default one second.
	SplitCheckInterval time.Duration
	// DeadAfter is how long a node may miss heartbeats before the control
	// plane replaces its replicas (default 10s); HeartbeatInterval how often
	// nodes send them (default 500ms).
	DeadAfter, HeartbeatInterval time.Duration
	// RebalanceInterval is how often the balance of replicas and leaders
	// is looked at (default 2s).
	RebalanceInterval time.Duration
	// Unmetered turns admission control off, for benchmarks of the engine
	// itself: no table or partition is throttled.
	Unmetered bool
	// AdmissionClock, when set, is the time of all admission control: the
	// nodes' gates, the tables' admission services and the client's
	// grants (a simulated clock makes throttling deterministic in tests).
	AdmissionClock clock.Clock
}

// Cluster is an in-process cluster of storage nodes on an in-memory network,
// each with its control plane share, and a Client routing through whichever
// nodes are up. Its methods are safe for concurrent use.
type Cluster struct {
	nc      *node.Cluster
	cfg     ClusterConfig
	members []meta.Member
	client  *Client

	// mu guards ctrls, the controller of each live node.
	mu    sync.Mutex
	ctrls map[transport.NodeID]*meta.Controller
}

// StartCluster starts a cluster, or reopens the one Dir holds. It returns
// once every node is registered with the control plane.
func StartCluster(ctx context.Context, cfg ClusterConfig) (*Cluster, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AdmissionClock != nil {
		cfg.Gate.Clock = cfg.AdmissionClock
	}
	nc, err := node.StartCluster(ctx, node.ClusterConfig{
		Nodes:         cfg.Nodes,
		Zones:         cfg.Zones,
		Dir:           cfg.Dir,
		Seed:          cfg.Seed,
		Faults:        cfg.Faults,
		Clock:         cfg.Clock,
		TickInterval:  cfg.TickInterval,
		ElectionTicks: cfg.ElectionTicks,
		ReadMode:      multiraft.LeaseRead,
		Partition:     cfg.Partition,
		Logger:        cfg.Logger,
		Gate:          &cfg.Gate,
	})
	if err != nil {
		return nil, err
	}
	c := &Cluster{nc: nc, cfg: cfg, ctrls: map[transport.NodeID]*meta.Controller{}}
	for _, id := range nc.IDs() {
		c.members = append(c.members, meta.Member{ID: id, Zone: nc.Zone(id)})
	}
	voters := meta.Voters(c.members)
	if err := nc.CreatePartition(ctx, meta.Group, meta.PartitionMeta(), voters); err != nil && !errors.Is(err, multiraft.ErrGroupExists) {
		_ = c.Close()
		return nil, fmt.Errorf("db: create the system table: %w", err)
	}
	for _, id := range nc.IDs() {
		if err := c.startController(id); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	c.client = newClient(c.gateway, voters, cfg.DataPlane)
	if cfg.AdmissionClock != nil {
		c.client.router.SetClock(cfg.AdmissionClock.Now)
	}
	if cfg.Unmetered {
		c.client.router.SetUnmetered()
	}
	if err := c.waitRegistered(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) startController(id transport.NodeID) error {
	n, err := c.nc.Node(id)
	if err != nil {
		return err
	}
	ctrl, err := meta.Start(meta.Config{Node: n, Members: c.members, Catalog: c.cfg.Catalog, Clock: c.cfg.Clock,
		AdmissionClock: c.cfg.AdmissionClock, SplitSize: c.cfg.SplitSize,
		SplitCheckInterval: c.cfg.SplitCheckInterval, SplitPolicy: c.cfg.SplitPolicy, Unmetered: c.cfg.Unmetered,
		DeadAfter: c.cfg.DeadAfter, HeartbeatInterval: c.cfg.HeartbeatInterval, RebalanceInterval: c.cfg.RebalanceInterval,
		Logger: c.cfg.Logger})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ctrls[id] = ctrl
	c.mu.Unlock()
	return nil
}

// waitRegistered waits until the registry lists every node.
func (c *Cluster) waitRegistered(ctx context.Context) error {
	for i := 1; ; i++ {
		var out meta.DescribeClusterOutput
		err := c.client.meta.Call(ctx, meta.OpDescribeCluster, struct{}{}, &out)
		if err == nil && len(out.Nodes) == len(c.members) {
			return nil
		}
		if berr := meta.Backoff(ctx, i, 100*time.Millisecond); berr != nil {
			return fmt.Errorf("db: waiting for the nodes to register: %w", errors.Join(berr, err))
		}
	}
}

// gateway returns the node a request to target is sent from: target itself
// when it is up, an error wrapping node.ErrNodeDown when it is down (the
// request is then known not to have been sent), and for target 0 the first
// node that is up.
func (c *Cluster) gateway(target transport.NodeID) (*node.Node, error) {
	if target != 0 {
		n, err := c.nc.Node(target)
		if err == nil {
			return n, nil
		}
		// The target is down: nothing can reach it.
		return nil, err
	}
	for _, n := range c.nc.Nodes() {
		return n, nil
	}
	return nil, fmt.Errorf("db: no node is up: %w", node.ErrNodeDown)
}

// Client returns the cluster's client.
func (c *Cluster) Client() *Client { return c.client }

// NodeIDs returns the IDs of every node, up or down, ascending.
func (c *Cluster) NodeIDs() []transport.NodeID { return c.nc.IDs() }

// Zone returns the zone of node id.
func (c *Cluster) Zone(id transport.NodeID) string { return c.nc.Zone(id) }

// Nodes returns the storage nodes that are up, by ascending ID.
func (c *Cluster) Nodes() []*node.Node { return c.nc.Nodes() }

// Network returns the in-memory network, for fault injection.
func (c *Cluster) Network() *memnet.Network { return c.nc.Network() }

// Stats returns the admission metrics of every node that is up: capacity
// consumed, requests admitted and throttled by reason, and latency, per
// table and partition, as each partition's replica on that node counted
// them (a leader counts writes and strong reads; any replica counts the
// eventually consistent reads it served).
func (c *Cluster) Stats() map[transport.NodeID]admission.Stats {
	out := map[transport.NodeID]admission.Stats{}
	for _, n := range c.nc.Nodes() {
		if g := n.Gate(); g != nil {
			out[n.ID()] = g.Stats()
		}
	}
	return out
}

// Crash stops node id at once, as a process crash would: its stores keep
// what they had synced (on disk) or everything (in memory).
func (c *Cluster) Crash(id transport.NodeID) error {
	c.mu.Lock()
	ctrl := c.ctrls[id]
	delete(c.ctrls, id)
	c.mu.Unlock()
	if ctrl != nil {
		ctrl.Close()
	}
	return c.nc.Crash(id)
}

// Restart starts crashed node id again from its stores.
func (c *Cluster) Restart(ctx context.Context, id transport.NodeID) error {
	if err := c.nc.Restart(ctx, id); err != nil {
		return err
	}
	return c.startController(id)
}

// Close stops every node and goroutine of the cluster.
func (c *Cluster) Close() error {
	c.mu.Lock()
	ctrls := c.ctrls
	c.ctrls = map[transport.NodeID]*meta.Controller{}
	c.mu.Unlock()
	for _, ctrl := range ctrls {
		ctrl.Close()
	}
	return c.nc.Close()
}
