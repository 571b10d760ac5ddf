package db

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// NodeConfig configures OpenNode.
type NodeConfig struct {
	// Node configures the storage node: ID, zone, files or stores,
	// transport, timing. Its ReadMode defaults to lease reads here.
	Node node.Config
	// Members lists every node of the cluster, this one included, with
	// zones and addresses. Every node must be given the same list: the
	// system table's replicas are chosen from it (meta.Voters).
	Members []meta.Member
	// Catalog sets the region, account and limits of the control plane.
	Catalog catalog.Options
	// DataPlane configures request handling.
	DataPlane dataplane.Options
	// Gate configures the node's admission control; Node.Gate, when set,
	// is used instead.
	Gate gate.Options
	// SplitSize is the partition size in bytes above which partitions
	// split; zero means 10 GiB.
	SplitSize int64
}

// Node is one storage node of a cluster whose nodes run in separate
// processes, with its share of the control plane and a Client that routes
// through it.
type Node struct {
	n      *node.Node
	ctrl   *meta.Controller
	client *Client
}

// OpenNode opens a storage node, creates its replica of the system table
// the first time when it is one of the system table's voters, starts its
// controller, and returns. The node registers with the control plane in the
// background once a quorum of the system table's voters is up.
func OpenNode(ctx context.Context, cfg NodeConfig) (*Node, error) {
	voters := meta.Voters(cfg.Members)
	if !slices.ContainsFunc(cfg.Members, func(m meta.Member) bool { return m.ID == cfg.Node.ID }) {
		return nil, fmt.Errorf("db: node %d is not among the members", cfg.Node.ID)
	}
	if cfg.Node.ReadMode == 0 {
		cfg.Node.ReadMode = multiraft.LeaseRead
	}
	if cfg.Node.Gate == nil {
		opts := cfg.Gate
		if opts.Node == "" {
			opts.Node = fmt.Sprintf("node-%d", cfg.Node.ID)
		}
		if opts.Clock == nil {
			opts.Clock = cfg.Node.Clock
		}
		g, err := gate.New(opts)
		if err != nil {
			return nil, err
		}
		cfg.Node.Gate = g
	}
	n, err := node.Open(ctx, cfg.Node)
	if err != nil {
		return nil, err
	}
	if slices.Contains(voters, cfg.Node.ID) && fresh(n) {
		err := n.CreatePartition(ctx, meta.Group, meta.PartitionMeta(), voters)
		if err != nil && !errors.Is(err, multiraft.ErrGroupExists) {
			_ = n.Close()
			return nil, fmt.Errorf("db: create the system table: %w", err)
		}
	}
	ctrl, err := meta.Start(meta.Config{Node: n, Members: cfg.Members, Catalog: cfg.Catalog, Clock: cfg.Node.Clock,
		SplitSize: cfg.SplitSize, Logger: cfg.Node.Logger})
	if err != nil {
		_ = n.Close()
		return nil, err
	}
	gw := func(transport.NodeID) (*node.Node, error) { return n, nil }
	return &Node{n: n, ctrl: ctrl, client: newClient(gw, voters, cfg.DataPlane)}, nil
}

// fresh reports whether n holds nothing yet: a node started for the first
// time, which must bootstrap its system table replica.
func fresh(n *node.Node) bool {
	orphans, err := n.Orphans()
	return err == nil && len(n.Partitions()) == 0 && len(n.LogReplicas()) == 0 && len(orphans) == 0
}

// WaitJoined waits until the node has joined the control plane's registry
// (which needs a quorum of the system table's voters up), or ctx ends.
func (n *Node) WaitJoined(ctx context.Context) error {
	select {
	case <-n.ctrl.Joined():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("db: node %d waiting to join: %w", n.ID(), ctx.Err())
	}
}

// Client returns the node's client.
func (n *Node) Client() *Client { return n.client }

// ID returns the node's ID.
func (n *Node) ID() transport.NodeID { return n.n.ID() }

// Zone returns the node's zone.
func (n *Node) Zone() string { return n.n.Zone() }

// Stats returns the node's admission metrics (see Cluster.Stats).
func (n *Node) Stats() admission.Stats { return n.n.Gate().Stats() }

// Close stops the controller and the node with every goroutine.
func (n *Node) Close() error {
	n.ctrl.Close()
	return n.n.Close()
}
