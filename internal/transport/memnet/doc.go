// Package memnet is an in-process network for tests and simulations: every
// node of a cluster lives in one process and talks through a *Network that can
// drop, delay, duplicate and reorder traffic, cut links in one or both
// directions, and crash and restart nodes. Every random choice comes from one
// generator seeded by Options.Seed (math/rand/v2 PCG), so a schedule replays.
//
// # Model
//
// New returns a Network; Join(id) adds a node and returns its *Transport,
// which implements transport.Transport. Traffic is one of three kinds of
// envelope: a batch of raft messages (one Send), a call (one Call) and a
// snapshot stream (one SendSnapshot). Envelopes never share memory with the
// sender: raft messages are marshalled at Send and unmarshalled afresh for
// every delivery, call requests, responses and snapshot headers are copied,
// and a snapshot body is read from the sender's reader into the receiver's
// buffer.
//
// Faults (Options.Faults, SetFaults, SetLinkFaults) apply per directed link:
//
//   - Drop and Duplicate apply to raft message batches only. Calls and
//     snapshot streams model a reliable stream (as TCP is): they are never
//     dropped or duplicated, but they see delay, partitions and crashes.
//   - MinDelay..MaxDelay is a uniform delay drawn per envelope (async mode);
//     for a call or snapshot it delays the request, and the answer returns
//     as soon as the handler does.
//     A range wider than zero lets later batches overtake earlier ones; a
//     fixed delay keeps each link FIFO.
//   - Reorder is the probability that a batch loses its place: in async mode
//     it is held back by an extra delay in (0, ReorderWindow]; in stepped mode
//     it may be delivered before or after any other batch of its link.
//
// Partitions (Partition, PartitionOneWay, Isolate; Heal undoes all) and
// crashes (Crash, Restart) are checked when traffic is sent and again when it
// is delivered, so a partition also swallows traffic already in flight.
// Blocked raft messages vanish; a blocked call or snapshot fails with
// transport.ErrUnreachable. A crashed node's transport stops at once: its
// queued inbound traffic is discarded, its handlers' contexts are cancelled,
// its own Send drops everything and its Call and SendSnapshot return
// transport.ErrUnreachable. Restart(id) hands out a new Transport under the
// same ID; traffic addressed to the old incarnation is never delivered to the
// new one.
//
// # Delivery modes
//
// Async (the default): goroutines owned by the Network and its Transports
// deliver traffic after its delay, measured on Options.Clock (the wall clock
// by default; a simulated clock makes delays instantaneous to test). Raft
// batches for one node are handed to its HandleMessages one at a time, by one
// goroutine, in due-time order (ties in send order). Calls and snapshots each
// run on their own goroutine.
//
// Stepped (Options.Stepped): no goroutine delivers anything. Every envelope
// waits in a queue until the harness calls DeliverOne or DeliverAll, which
// run the receiver's handler on the harness's goroutine. A Call or
// SendSnapshot blocks its caller until the harness delivers it; the answer is
// handed back as soon as the handler returns. Delays are ignored (the harness
// is the clock); drops, duplicates, reordering, partitions and crashes apply.
//
// Determinism guarantee of stepped mode: for the same Options.Seed, the same
// sequence of operations on the network and its transports (Send, Call,
// SendSnapshot, Partition, Crash, ...) issued in the same order, and
// DeliverOne given generators with the same seed, the deliveries happen in
// the same order with the same faults. Fates (drop, duplicate, reorder) are
// drawn from the network's generator when traffic is sent; the choice of what
// to deliver next is drawn from the generator passed to DeliverOne. Calls and
// snapshots are issued from goroutines (they block), so a harness that wants
// a replayable order must let each one reach the queue before going on
// (AwaitPending does that) and must not issue two concurrently. Handlers must
// not block on Call or SendSnapshot in stepped mode: nobody would deliver
// them.
package memnet
