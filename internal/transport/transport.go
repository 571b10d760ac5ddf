// Package transport defines how nodes talk: batched raft messages, request/
// response calls (routed client requests, admin), and chunked snapshot
// streams. The root package re-exports Transport and Handler.
//
// Implementations: internal/transport/memnet (in-process network with seeded
// fault injection) and internal/transport/tcpnet (length-prefixed frames over
// TCP, optional mutual TLS). Both pass the conformance suite in dynamotest.
package transport

import (
	"context"
	"errors"
	"io"

	pb "go.etcd.io/raft/v3/raftpb"
)

// NodeID names a node in the cluster. Zero is never a valid ID.
type NodeID uint64

// ErrUnreachable is returned by Call and SendSnapshot when the peer cannot be
// reached (unknown, down, partitioned away).
var ErrUnreachable = errors.New("transport: peer unreachable")

// ErrClosed is returned once the transport is closed.
var ErrClosed = errors.New("transport: closed")

// GroupMessage is one raft message addressed to one replication group on the
// receiving node. raft's own Message has no group field, so every message
// travels in this envelope. Group 0 is reserved for node-level traffic (the
// node liveness heartbeats that replace per-group heartbeats of quiesced
// groups).
type GroupMessage struct {
	Group   uint64
	Message *pb.Message
}

// RemoteError carries the error a peer's handler returned from a call or a
// snapshot; only its text crosses the wire.
type RemoteError struct{ Message string }

func (e *RemoteError) Error() string { return "remote: " + e.Message }

// Handler receives a node's inbound traffic. Implementations must be safe for
// concurrent use and must not block for long in HandleMessages.
type Handler interface {
	// HandleMessages receives a batch of raft messages from one peer, in the
	// order they were sent (a transport may drop, delay or reorder batches;
	// raft tolerates it). The handler owns msgs and the messages.
	HandleMessages(from NodeID, msgs []GroupMessage)
	// HandleCall serves one request from a peer and returns the response.
	HandleCall(ctx context.Context, from NodeID, req []byte) ([]byte, error)
	// HandleSnapshot receives a snapshot stream: a header, then the body as
	// a reader that yields the chunks in order. Returning nil acknowledges the
	// whole stream; the sender's SendSnapshot then returns nil.
	HandleSnapshot(ctx context.Context, from NodeID, header []byte, body io.Reader) error
}

// Transport moves traffic between one node and its peers. Methods are safe
// for concurrent use.
type Transport interface {
	// Start begins delivering inbound traffic to h; called once, by the node
	// that owns the transport, before any other method.
	Start(h Handler) error
	// Send queues raft messages to a peer and returns without waiting for the
	// network. Messages to an unreachable peer are dropped (raft retries).
	// The transport may batch messages for one peer into fewer deliveries.
	// The transport takes ownership of msgs; the caller must not reuse them.
	Send(to NodeID, msgs []GroupMessage)
	// Call sends a request and waits for the response, the context's end, or
	// an error (ErrUnreachable, a *RemoteError from the peer's handler).
	Call(ctx context.Context, to NodeID, req []byte) ([]byte, error)
	// SendSnapshot streams header and body to a peer's HandleSnapshot in
	// chunks and waits for its verdict.
	SendSnapshot(ctx context.Context, to NodeID, header []byte, body io.Reader) error
	// Close stops every goroutine of the transport and drops queued traffic.
	Close() error
}
