// Package tcpnet is the TCP transport between nodes: raft message batches,
// request/response calls and snapshot streams over one connection per
// direction and peer, with optional mutual TLS.
//
// # Connections
//
// Each node dials each peer it has traffic for, at the address its address
// book holds (Options.Peers, SetPeer), once, and keeps the connection. The
// dialer's requests (raft batches, calls, snapshot chunks) flow over it; the
// peer's answers (call responses, snapshot credits and verdicts) come back
// on the same connection. The peer's own traffic uses the connection the peer
// dialed. A lost connection is redialled with exponential backoff
// (Options.MinBackoff doubling to Options.MaxBackoff) and equal jitter (half
// the delay fixed, half random). While the last dial to a peer has failed,
// the peer is unreachable: Send drops, Call and SendSnapshot fail at once
// with transport.ErrUnreachable; the redial goes on in the background.
// SetPeer with a new address ends that state and redials at once. A peer
// without an address is unknown: its traffic is dropped and its calls fail
// with transport.ErrUnreachable.
//
// Every connection opens with a handshake: the dialer sends a hello frame
// with a magic number, the protocol version, the cluster ID, its own node ID
// and the node ID it means to reach; the acceptor answers with its node ID or
// a rejection. Nodes of different clusters, and a dialer that reached the
// wrong node (a stale address), refuse each other. With Options.TLS the
// handshake runs inside TLS; Options.VerifyPeer can bind node IDs to
// certificates.
//
// # Frames
//
// Every frame is
//
//	length  uint32 big-endian: bytes of type + payload
//	crc     uint32 big-endian: CRC-32C (Castagnoli) of type + payload
//	type    1 byte
//	payload length-1 bytes
//
// A frame longer than Options.MaxFrameSize, a bad checksum, an unknown type
// or a malformed payload is a protocol error: the connection is closed and
// the error logged; the transport never panics on a peer's bytes.
//
// Raft messages: Send marshals the messages at once (protobuf) and queues
// them, as one entry, on the peer's bounded send queue (Options.SendQueueSize
// entries). When the queue is full the newest Send is dropped: raft resends
// what matters, and keeping the older entries keeps what is queued in order.
// The connection's writer merges queued Sends into frames of about 64 KiB,
// so a busy peer gets few large writes; it never splits one Send, so the
// messages of a Send reach the peer's HandleMessages together (a Send too
// large for one frame is cut into frame-sized parts).
//
// Calls are multiplexed over the connection by request ID; any number run at
// once (up to Options.MaxConcurrentCalls per connection on the serving side,
// beyond which the server answers with an error). When the caller's context
// ends, Call returns its error at once and sends a cancel frame; the serving
// handler's context is cancelled.
//
// Snapshots stream in chunks of Options.SnapshotChunkSize with credit-based
// flow control: the sender may have Options.SnapshotWindow chunks unconsumed;
// the receiver grants a credit each time its handler takes a chunk. Raft
// batches and calls interleave with the chunks on the connection. The
// receiver's verdict (its handler's error, or nil) ends the stream; a verdict
// that comes before the body is fully sent stops the sender early.
package tcpnet
