package dynamo

import (
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
	"github.com/embeddynamo/dynamo/internal/transport/tcpnet"
)

// NodeID names a node of a cluster. Zero is never a valid ID.
type NodeID = transport.NodeID

// Transport moves a node's traffic to its peers: batched raft messages
// (Send, fire and forget), request/response calls (Call) and chunked
// snapshot streams (SendSnapshot). Its methods are safe for concurrent use.
// The built-ins are NewTCPTransport and the nodes of a NewMemoryNetwork;
// dynamotest.TestTransport checks a custom one.
type Transport = transport.Transport

// TransportHandler receives a node's inbound traffic; the node passes it to
// Transport.Start. Its methods are called concurrently.
type TransportHandler = transport.Handler

// GroupMessage is a raft message addressed to one replication group of the
// receiving node.
type GroupMessage = transport.GroupMessage

// RemoteError is the error a peer's handler returned from a call or a
// snapshot stream, as text. Match it with errors.As.
type RemoteError = transport.RemoteError

// Errors of the Transport seam, matched with errors.Is.
var (
	// ErrUnreachable is returned by Call and SendSnapshot when the peer is
	// unknown, down, crashed or cut off.
	ErrUnreachable = transport.ErrUnreachable
	// ErrTransportClosed is returned by a closed transport.
	ErrTransportClosed = transport.ErrClosed
)

// MemoryNetwork is an in-process network for tests and simulations: Join
// adds a node and returns its Transport. It injects faults, all drawn from
// one seed so that a schedule replays: per-link loss, duplication, delay and
// reordering (SetFaults, SetLinkFaults), one-way and two-way partitions
// (Partition, PartitionOneWay, Isolate, Heal), and node crashes and restarts
// (Crash, Restart). In stepped mode nothing moves until the test calls
// DeliverOne or DeliverAll, for fully deterministic simulations. Its methods
// are safe for concurrent use; Close stops every goroutine it started.
type MemoryNetwork = memnet.Network

// MemoryNetworkOptions configures NewMemoryNetwork: the seed, stepped or
// async delivery, the clock delays are measured on, and default faults. The
// zero value is an async network of perfect links on the wall clock.
type MemoryNetworkOptions = memnet.Options

// NetworkFaults describes what a link of a MemoryNetwork does to traffic:
// drop, duplicate and reorder probabilities and a delay range. Loss and
// duplication apply to raft messages only; calls and snapshots travel as on
// a reliable stream and fail with ErrUnreachable across a cut.
type NetworkFaults = memnet.Faults

// MemoryNetworkStats counts a MemoryNetwork's traffic and losses.
type MemoryNetworkStats = memnet.Stats

// MemoryTransport is one node's Transport on a MemoryNetwork.
type MemoryTransport = memnet.Transport

// NewMemoryNetwork returns an empty in-process network.
func NewMemoryNetwork(opts MemoryNetworkOptions) (*MemoryNetwork, error) {
	return memnet.New(opts)
}

// TCPOptions configures NewTCPTransport: this node's ID, the cluster ID
// (nodes of different clusters refuse each other), the listen address, the
// peers' addresses, optional TLS (mutual TLS when it requires client
// certificates), a logger, and limits whose zero values mean sensible
// defaults (16 MiB frames, 4096 queued sends per peer, 1 MiB snapshot
// chunks, 50 ms to 5 s redial backoff).
type TCPOptions = tcpnet.Options

// TCPTransport is the TCP Transport: one connection per peer and direction,
// CRC-32C checked frames, batched raft messages, multiplexed calls and
// flow-controlled snapshot streams. SetPeer updates its address book; Addr
// tells the address it listens on.
type TCPTransport = tcpnet.Transport

// TCPStats counts a TCPTransport's traffic, drops, dials and protocol
// errors.
type TCPStats = tcpnet.Stats

// NewTCPTransport listens on opts.ListenAddr and returns the transport,
// ready for Start. Peers are dialled on first use.
func NewTCPTransport(opts TCPOptions) (*TCPTransport, error) {
	return tcpnet.New(opts)
}
