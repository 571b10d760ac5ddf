package memnet

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// DefaultReorderWindow is the longest extra delay a reordered batch gets in
// async mode when Faults.ReorderWindow is zero.
const DefaultReorderWindow = 10 * time.Millisecond

// ErrNodeExists is returned by Join for an ID that is already on the network
// (alive or crashed).
var ErrNodeExists = errors.New("memnet: node already joined")

// ErrNotCrashed is returned by Restart for an ID that is not crashed.
var ErrNotCrashed = errors.New("memnet: node is not crashed")

// Faults describes what a directed link does to traffic. The zero value is a
// perfect link: no loss, no delay, FIFO.
type Faults struct {
	// Drop is the probability in [0, 1] that a raft message batch is lost.
	Drop float64
	// Duplicate is the probability in [0, 1] that a raft message batch is
	// delivered twice.
	Duplicate float64
	// MinDelay and MaxDelay bound the uniform delay of every envelope in
	// async mode. MaxDelay below MinDelay is treated as MinDelay.
	MinDelay, MaxDelay time.Duration
	// Reorder is the probability in [0, 1] that a raft message batch loses
	// its place in its link's order.
	Reorder float64
	// ReorderWindow bounds the extra delay of a reordered batch in async
	// mode; zero means DefaultReorderWindow.
	ReorderWindow time.Duration
}

func (f Faults) validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"Drop", f.Drop}, {"Duplicate", f.Duplicate}, {"Reorder", f.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("memnet: Faults.%s is %v, want a probability in [0, 1]", p.name, p.v)
		}
	}
	if f.MinDelay < 0 || f.MaxDelay < 0 || f.ReorderWindow < 0 {
		return fmt.Errorf("memnet: negative delay in Faults %+v", f)
	}
	return nil
}

// Options configures a Network. The zero value is an async network with
// perfect links on the wall clock and seed 0.
type Options struct {
	// Seed seeds every random choice the network makes.
	Seed uint64
	// Stepped selects the manual delivery mode (see the package doc).
	Stepped bool
	// Clock measures delays in async mode; nil means the wall clock.
	Clock clock.Clock
	// Faults applies to every link without its own SetLinkFaults.
	Faults Faults
}

// Stats counts envelopes since the network was made. Raft batches count
// once per Send (a duplicate counts again in Duplicated and Delivered).
type Stats struct {
	// Sent counts raft message batches handed to Send.
	Sent uint64
	// Delivered counts raft message batches handed to a HandleMessages.
	Delivered uint64
	// Dropped counts raft message batches lost to Drop, a partition or a
	// crash.
	Dropped uint64
	// Duplicated counts extra copies made by Duplicate.
	Duplicated uint64
	// Calls counts calls served by a handler.
	Calls uint64
	// Snapshots counts snapshot streams served by a handler.
	Snapshots uint64
	// Unreachable counts calls and snapshots refused by a partition, a crash
	// or an unknown peer.
	Unreachable uint64
}

type link struct{ from, to transport.NodeID }

type envelopeKind uint8

const (
	kindMessages envelopeKind = iota
	kindCall
	kindSnapshot
)

// envelope is one unit of traffic in flight.
type envelope struct {
	kind      envelopeKind
	from, to  transport.NodeID
	toIncarn  uint64
	seq       uint64
	at        time.Time // due time in async mode
	reordered bool
	msgs      []wireMessage
	call      *callOp
	snap      *snapOp
	heapIndex int
}

// Network is an in-process network of nodes with seeded fault injection.
// Its methods are safe for concurrent use.
type Network struct {
	stepped bool
	clk     clock.Clock

	mu       sync.Mutex
	rng      *rand.Rand
	defaults Faults
	links    map[link]Faults
	cut      map[link]bool
	isolated map[transport.NodeID]bool
	nodes    map[transport.NodeID]*Transport // current incarnation of each node
	all      []*Transport                    // every incarnation, for Close
	incarn   uint64
	seq      uint64
	closed   bool
	stats    Stats
	queue    []*envelope // stepped mode: pending envelopes in send order
	timed    envelopeHeap
	changed  chan struct{} // closed and replaced when queue grows

	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// New returns a network. In async mode it starts the goroutine that releases
// delayed traffic; Close stops it.
func New(opts Options) (*Network, error) {
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	n := &Network{
		stepped:  opts.Stepped,
		clk:      opts.Clock,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		defaults: opts.Faults,
		links:    make(map[link]Faults),
		cut:      make(map[link]bool),
		isolated: make(map[transport.NodeID]bool),
		nodes:    make(map[transport.NodeID]*Transport),
		changed:  make(chan struct{}),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if n.clk == nil {
		n.clk = clock.Real{}
	}
	if !n.stepped {
		n.wg.Add(1)
		go n.runScheduler()
	}
	return n, nil
}

// Join adds a node and returns its transport. The transport receives nothing
// until Start.
func (n *Network) Join(id transport.NodeID) (*Transport, error) {
	if id == 0 {
		return nil, errors.New("memnet: node ID 0 is not valid")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, transport.ErrClosed
	}
	if _, ok := n.nodes[id]; ok {
		return nil, fmt.Errorf("memnet: join %d: %w", id, ErrNodeExists)
	}
	return n.addLocked(id), nil
}

func (n *Network) addLocked(id transport.NodeID) *Transport {
	n.incarn++
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		net:      n,
		id:       id,
		incarn:   n.incarn,
		stop:     make(chan struct{}),
		inboxSig: make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
	}
	n.nodes[id] = t
	n.all = append(n.all, t)
	return t
}

// Crash stops node id at once, as a process crash would (see the package
// doc). It does not wait for the node's running handlers to return; the old
// transport's Close does.
func (n *Network) Crash(id transport.NodeID) error {
	n.mu.Lock()
	t, ok := n.nodes[id]
	if !ok || t.crashed {
		n.mu.Unlock()
		return fmt.Errorf("memnet: crash %d: no such live node", id)
	}
	t.crashed = true
	n.stats.Dropped += uint64(len(t.inbox))
	t.inbox = nil
	n.purgeLocked(func(e *envelope) bool { return e.to == id && e.toIncarn == t.incarn }, true)
	n.mu.Unlock()
	t.halt()
	return nil
}

// Restart replaces crashed node id with a new incarnation and returns its
// transport, which must be started like a new one.
func (n *Network) Restart(id transport.NodeID) (*Transport, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, transport.ErrClosed
	}
	t, ok := n.nodes[id]
	if !ok || !t.crashed {
		return nil, fmt.Errorf("memnet: restart %d: %w", id, ErrNotCrashed)
	}
	return n.addLocked(id), nil
}

// Partition cuts the links between a and b in both directions.
func (n *Network) Partition(a, b transport.NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[link{a, b}] = true
	n.cut[link{b, a}] = true
}

// PartitionOneWay cuts the link from → to; to → from still works.
func (n *Network) PartitionOneWay(from, to transport.NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[link{from, to}] = true
}

// Isolate cuts every link to and from id, including links to nodes that join
// later.
func (n *Network) Isolate(id transport.NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isolated[id] = true
}

// Heal undoes every Partition, PartitionOneWay and Isolate.
func (n *Network) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.cut)
	clear(n.isolated)
}

// SetFaults replaces the faults of every link that has no SetLinkFaults.
func (n *Network) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.defaults = f
	return nil
}

// SetLinkFaults sets the faults of the directed link from → to, overriding
// the network's defaults for it.
func (n *Network) SetLinkFaults(from, to transport.NodeID, f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[link{from, to}] = f
	return nil
}

// Stats returns the counters so far.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Pending returns the number of envelopes not yet delivered: in stepped mode
// the queue the harness draws from, in async mode the traffic waiting for its
// delay or for its receiver's delivery goroutine.
func (n *Network) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stepped {
		return len(n.queue)
	}
	count := len(n.timed)
	for _, t := range n.nodes {
		count += len(t.inbox)
	}
	return count
}

// AwaitPending blocks until at least count envelopes are queued (stepped
// mode), the context ends or the network closes. A harness uses it to let a
// Call or SendSnapshot issued on another goroutine reach the queue.
func (n *Network) AwaitPending(ctx context.Context, count int) error {
	for {
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			return transport.ErrClosed
		}
		if len(n.queue) >= count {
			n.mu.Unlock()
			return nil
		}
		changed := n.changed
		n.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// DeliverOne delivers one pending envelope in stepped mode, running the
// receiver's handler on the caller's goroutine, and reports whether there was
// one. The envelope is drawn with rng among those that may go next: the
// oldest raft batch of each link, every reordered batch, every call and
// snapshot. A nil rng takes the oldest of them. An envelope whose receiver
// has become unreachable is discarded (a call or snapshot fails with
// transport.ErrUnreachable); that counts as a delivery step.
func (n *Network) DeliverOne(rng *rand.Rand) bool {
	n.mu.Lock()
	if !n.stepped || n.closed || len(n.queue) == 0 {
		n.mu.Unlock()
		return false
	}
	candidates := n.candidatesLocked()
	pick := candidates[0]
	if rng != nil {
		pick = candidates[rng.IntN(len(candidates))]
	}
	env := n.queue[pick]
	n.queue = slices.Delete(n.queue, pick, pick+1)
	target := n.targetLocked(env)
	n.mu.Unlock()
	n.deliver(env, target)
	return true
}

// DeliverAll delivers, in send order, every envelope pending when it was
// called (stepped mode) and returns how many it took. Traffic queued by the
// handlers meanwhile stays pending.
func (n *Network) DeliverAll() int {
	n.mu.Lock()
	if !n.stepped || n.closed {
		n.mu.Unlock()
		return 0
	}
	batch := n.queue
	n.queue = nil
	n.mu.Unlock()
	for _, env := range batch {
		n.mu.Lock()
		target := n.targetLocked(env)
		n.mu.Unlock()
		n.deliver(env, target)
	}
	return len(batch)
}

// candidatesLocked returns the queue indexes that may be delivered next.
func (n *Network) candidatesLocked() []int {
	var out []int
	headSeen := make(map[link]bool)
	for i, e := range n.queue {
		switch {
		case e.kind != kindMessages || e.reordered:
			out = append(out, i)
		case !headSeen[link{e.from, e.to}]:
			headSeen[link{e.from, e.to}] = true
			out = append(out, i)
		}
	}
	return out
}

// Close closes every transport of the network and stops its goroutines.
// Blocked calls return transport.ErrClosed or transport.ErrUnreachable.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	all := n.all
	close(n.changed)
	n.mu.Unlock()
	close(n.done)
	n.wg.Wait()
	for _, t := range all {
		_ = t.Close()
	}
	n.mu.Lock()
	for _, e := range n.queue {
		e.fail(transport.ErrUnreachable)
	}
	for _, e := range n.timed {
		e.fail(transport.ErrUnreachable)
	}
	n.queue, n.timed = nil, nil
	n.mu.Unlock()
	return nil
}

func (n *Network) faultsLocked(from, to transport.NodeID) Faults {
	if f, ok := n.links[link{from, to}]; ok {
		return f
	}
	return n.defaults
}

func (n *Network) linkUpLocked(from, to transport.NodeID) bool {
	return !n.cut[link{from, to}] && !n.isolated[from] && !n.isolated[to]
}

// targetLocked returns the transport env may be delivered to now, or nil.
func (n *Network) targetLocked(env *envelope) *Transport {
	t, ok := n.nodes[env.to]
	if !ok || t.incarn != env.toIncarn || !t.runningLocked() || !n.linkUpLocked(env.from, env.to) {
		return nil
	}
	return t
}

// send admits an envelope from sender: it checks reachability, draws the
// envelope's fate and queues it. For a call or snapshot it returns an error
// when the peer is unreachable.
func (n *Network) send(from *Transport, env *envelope) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed || from.closed:
		return transport.ErrClosed
	case from.crashed:
		return transport.ErrUnreachable
	}
	if env.kind == kindMessages {
		n.stats.Sent++
	}
	to, ok := n.nodes[env.to]
	if !ok || !to.runningLocked() || !n.linkUpLocked(env.from, env.to) {
		if env.kind == kindMessages {
			n.stats.Dropped++
		} else {
			n.stats.Unreachable++
		}
		return transport.ErrUnreachable
	}
	env.toIncarn = to.incarn
	f := n.faultsLocked(env.from, env.to)
	copies := 1
	if env.kind == kindMessages {
		if f.Drop > 0 && n.rng.Float64() < f.Drop {
			n.stats.Dropped++
			return nil
		}
		if f.Duplicate > 0 && n.rng.Float64() < f.Duplicate {
			n.stats.Duplicated++
			copies = 2
		}
	}
	now := n.clk.Now()
	for i := range copies {
		e := env
		if i > 0 {
			dup := *env
			e = &dup
		}
		n.seq++
		e.seq = n.seq
		if e.kind == kindMessages && f.Reorder > 0 && n.rng.Float64() < f.Reorder {
			e.reordered = true
		}
		if n.stepped {
			n.queue = append(n.queue, e)
			continue
		}
		delay := f.MinDelay
		if f.MaxDelay > f.MinDelay {
			delay += time.Duration(n.rng.Int64N(int64(f.MaxDelay-f.MinDelay) + 1))
		}
		if e.reordered {
			window := f.ReorderWindow
			if window == 0 {
				window = DefaultReorderWindow
			}
			delay += 1 + time.Duration(n.rng.Int64N(int64(window)))
		}
		e.at = now.Add(delay)
		if delay == 0 {
			n.dispatchLocked(e)
			continue
		}
		heap.Push(&n.timed, e)
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
	if n.stepped {
		close(n.changed)
		n.changed = make(chan struct{})
	}
	return nil
}

// unqueue removes env from the stepped queue or the timer heap if it is
// still there (its caller gave up).
func (n *Network) unqueue(env *envelope) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.purgeLocked(func(e *envelope) bool { return e == env }, false)
}

// purgeLocked removes the queued envelopes that match; with fail, they count
// as lost and their senders learn it.
func (n *Network) purgeLocked(match func(*envelope) bool, fail bool) {
	kept := n.queue[:0]
	for _, e := range n.queue {
		if match(e) {
			if fail {
				n.failLocked(e)
			}
			continue
		}
		kept = append(kept, e)
	}
	clear(n.queue[len(kept):])
	n.queue = kept
	for i := 0; i < len(n.timed); {
		if match(n.timed[i]) {
			e := heap.Remove(&n.timed, i).(*envelope)
			if fail {
				n.failLocked(e)
			}
			continue
		}
		i++
	}
}

// dispatchLocked hands a due envelope to its receiver in async mode: raft
// batches to the receiver's delivery goroutine, calls and snapshots to a
// goroutine of their own owned by the receiver.
func (n *Network) dispatchLocked(env *envelope) {
	target := n.targetLocked(env)
	if target == nil {
		n.failLocked(env)
		return
	}
	if env.kind == kindMessages {
		target.inbox = append(target.inbox, env)
		select {
		case target.inboxSig <- struct{}{}:
		default:
		}
		return
	}
	target.wg.Add(1)
	go func() {
		defer target.wg.Done()
		n.deliver(env, target)
	}()
}

func (n *Network) failLocked(env *envelope) {
	if env.kind == kindMessages {
		n.stats.Dropped++
	} else {
		n.stats.Unreachable++
	}
	env.fail(transport.ErrUnreachable)
}

// deliver runs the receiver's handler for env on the calling goroutine, or
// fails env when target is nil.
func (n *Network) deliver(env *envelope, target *Transport) {
	if target == nil {
		n.mu.Lock()
		n.failLocked(env)
		n.mu.Unlock()
		return
	}
	switch env.kind {
	case kindMessages:
		if target.deliverMessages(env) {
			n.mu.Lock()
			n.stats.Delivered++
			n.mu.Unlock()
		}
	case kindCall:
		n.mu.Lock()
		n.stats.Calls++
		n.mu.Unlock()
		target.serveCall(env)
	case kindSnapshot:
		n.mu.Lock()
		n.stats.Snapshots++
		n.mu.Unlock()
		target.serveSnapshot(env)
	}
}

func (n *Network) runScheduler() {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		now := n.clk.Now()
		for len(n.timed) > 0 && !n.timed[0].at.After(now) {
			n.dispatchLocked(heap.Pop(&n.timed).(*envelope))
		}
		var next time.Time
		if len(n.timed) > 0 {
			next = n.timed[0].at
		}
		n.mu.Unlock()
		var timer clock.Timer
		var fired <-chan time.Time
		if !next.IsZero() {
			timer = n.clk.NewTimer(next.Sub(now))
			fired = timer.C()
			// The clock may have moved since now was read (a simulated clock
			// advanced by a test); then the timer is late, so look again.
			if !n.clk.Now().Before(next) {
				timer.Stop()
				continue
			}
		}
		select {
		case <-n.done:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-n.wake:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// envelopeHeap orders envelopes by due time, then send order.
type envelopeHeap []*envelope

func (h envelopeHeap) Len() int { return len(h) }
func (h envelopeHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h envelopeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *envelopeHeap) Push(x any) {
	e := x.(*envelope)
	e.heapIndex = len(*h)
	*h = append(*h, e)
}
func (h *envelopeHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
