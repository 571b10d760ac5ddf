package dynamo

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/db"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/node"
)

// ClusterOptions configures OpenCluster. Zero values mean the defaults.
type ClusterOptions struct {
	// Nodes is the number of storage nodes. Default 3.
	Nodes int
	// Zones is the number of availability zones the nodes are spread over;
	// each partition's three replicas go to three zones. Default 3, at
	// most Nodes.
	Zones int
	// Dir is the directory holding the cluster's files, one subdirectory
	// per node (a write-ahead log and a bbolt file each). It is required
	// unless InMemory is set; opening a directory a cluster was closed in
	// finds every table and item again.
	Dir string
	// InMemory keeps everything in memory: nothing survives Close.
	InMemory bool
	// Region and Account go into ARNs. Defaults us-east-1 and
	// 000000000000.
	Region, Account string
	// Logger receives the cluster's events (leader changes, table state
	// changes), never one per request; nil discards them.
	Logger *slog.Logger
	// SplitSize is the partition size in bytes (items counted as DynamoDB
	// counts them) above which a partition splits in two at its byte
	// median; zero means 10 GiB, DynamoDB's. Small values show splits on
	// small data.
	SplitSize int64
	// NodeReadCapacity and NodeWriteCapacity cap what each node admits
	// across all tables, in capacity units per second, so that one table's
	// burst cannot take what the node's other tables were allocated; zero
	// means no cap.
	NodeReadCapacity, NodeWriteCapacity float64
	// Faults, for tests, applies message faults (drops, delays,
	// duplicates, reordering) to every link of the in-memory network;
	// Seed makes them, and raft's election jitter, replay exactly.
	Faults NetworkFaults
	Seed   uint64
}

// Cluster is an in-process cluster: storage nodes in zones on an in-memory
// network, each partition a raft group of three replicas in three zones,
// with the control plane on the leader of the system table. It is the
// embedded default: one call gives a replicated database whose Client
// speaks DynamoDB's API. Its methods are safe for concurrent use.
type Cluster struct {
	c *db.Cluster
}

// OpenCluster starts a cluster, or reopens the one opts.Dir holds, and
// returns once every node has joined the control plane.
func OpenCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	if opts.Dir == "" && !opts.InMemory {
		return nil, errors.New("dynamo: ClusterOptions.Dir is empty: set a directory, or InMemory")
	}
	dir := opts.Dir
	if opts.InMemory {
		dir = ""
	}
	c, err := db.StartCluster(ctx, db.ClusterConfig{
		Nodes:     opts.Nodes,
		Zones:     opts.Zones,
		Dir:       dir,
		Catalog:   catalog.Options{Region: opts.Region, Account: opts.Account},
		Logger:    opts.Logger,
		Faults:    opts.Faults,
		Seed:      opts.Seed,
		Gate:      gate.Options{NodeReadRate: opts.NodeReadCapacity, NodeWriteRate: opts.NodeWriteCapacity},
		SplitSize: opts.SplitSize,
	})
	if err != nil {
		return nil, err
	}
	return &Cluster{c: c}, nil
}

// Client returns the cluster's client, which routes through whichever
// nodes are up.
func (c *Cluster) Client() *Client { return c.c.Client() }

// NodeIDs returns the IDs of the cluster's nodes, up or crashed, ascending.
func (c *Cluster) NodeIDs() []NodeID { return c.c.NodeIDs() }

// Zone returns the zone of node id.
func (c *Cluster) Zone(id NodeID) string { return c.c.Zone(id) }

// Stats returns the admission metrics of every node that is up, as its
// replicas counted them: a leader counts the writes and strongly
// consistent reads of its partitions, any replica the eventually
// consistent reads it served.
func (c *Cluster) Stats() map[NodeID]AdmissionStats { return c.c.Stats() }

// Crash stops node id at once, as a process crash or a power cut would.
// Partitions it led elect new leaders among the other replicas; requests go
// on as long as two of each partition's three replicas are up.
func (c *Cluster) Crash(id NodeID) error { return c.c.Crash(id) }

// Restart starts crashed node id again from its files; its replicas catch
// up from their groups.
func (c *Cluster) Restart(ctx context.Context, id NodeID) error { return c.c.Restart(ctx, id) }

// Close stops every node and goroutine of the cluster. A cluster on disk
// keeps everything it acknowledged.
func (c *Cluster) Close() error { return c.c.Close() }

// Member is one node of a cluster whose nodes run in separate processes.
type Member struct {
	ID      NodeID
	Zone    string
	Address string
}

// NodeOptions configures OpenNode.
type NodeOptions struct {
	// ID is the node's ID, 1 to 2^32-1; required.
	ID NodeID
	// Zone is the node's availability zone; required.
	Zone string
	// Members lists every node of the cluster, this one included; every
	// node must be given the same list. The system table's replicas are the
	// lowest-numbered node of each zone, up to three.
	Members []Member
	// Transport carries the node's traffic (NewTCPTransport between
	// processes); required. The node closes it on Close.
	Transport Transport
	// Dir holds the node's files: a write-ahead log and a bbolt file.
	// Empty keeps the node in memory unless LogStore and Storage are set.
	Dir string
	// LogStore and Storage replace the built-in stores when both are set;
	// the caller owns them and closes them after the node.
	LogStore LogStore
	Storage  Storage
	// TickInterval and ElectionTicks set raft's timing. Defaults 100ms and
	// 10 ticks: a leader fails over in one to two seconds.
	TickInterval  time.Duration
	ElectionTicks int
	// Region and Account go into ARNs. Defaults us-east-1 and
	// 000000000000.
	Region, Account string
	// Logger receives the node's events; nil discards them.
	Logger *slog.Logger
	// ReadCapacity and WriteCapacity cap what the node admits across all
	// tables, in capacity units per second; zero means no cap.
	ReadCapacity, WriteCapacity float64
	// SplitSize is the partition size in bytes above which a partition
	// splits; zero means 10 GiB. Every node of a cluster should agree.
	SplitSize int64
}

// Node is one storage node of a cluster whose nodes run in separate
// processes (each with its own OpenNode), with its share of the control
// plane and a Client routing through it.
type Node struct {
	n *db.Node
}

// OpenNode opens a storage node and joins it to its cluster. The first time
// a node of the system table opens, it creates its replica of the system
// table; the cluster serves requests once a quorum of those is up.
func OpenNode(ctx context.Context, opts NodeOptions) (*Node, error) {
	if opts.Zone == "" {
		return nil, errors.New("dynamo: NodeOptions.Zone is empty")
	}
	members := make([]meta.Member, len(opts.Members))
	for i, m := range opts.Members {
		members[i] = meta.Member{ID: m.ID, Zone: m.Zone, Address: m.Address}
	}
	n, err := db.OpenNode(ctx, db.NodeConfig{
		Node: node.Config{
			ID:            opts.ID,
			Zone:          opts.Zone,
			Dir:           opts.Dir,
			Transport:     opts.Transport,
			LogStore:      opts.LogStore,
			Storage:       opts.Storage,
			TickInterval:  opts.TickInterval,
			ElectionTicks: opts.ElectionTicks,
			Logger:        opts.Logger,
		},
		Members:   members,
		Catalog:   catalog.Options{Region: opts.Region, Account: opts.Account},
		Gate:      gate.Options{NodeReadRate: opts.ReadCapacity, NodeWriteRate: opts.WriteCapacity},
		SplitSize: opts.SplitSize,
	})
	if err != nil {
		return nil, err
	}
	return &Node{n: n}, nil
}

// WaitJoined waits until the node has joined the cluster's control plane,
// which needs a quorum of the system table's nodes up; tables created
// before every node has joined are placed on those that have.
func (n *Node) WaitJoined(ctx context.Context) error { return n.n.WaitJoined(ctx) }

// Client returns a client that routes through this node.
func (n *Node) Client() *Client { return n.n.Client() }

// ID returns the node's ID.
func (n *Node) ID() NodeID { return n.n.ID() }

// Zone returns the node's zone.
func (n *Node) Zone() string { return n.n.Zone() }

// Stats returns the node's admission metrics (see Cluster.Stats).
func (n *Node) Stats() AdmissionStats { return n.n.Stats() }

// Close stops the node and every goroutine it started.
func (n *Node) Close() error { return n.n.Close() }
