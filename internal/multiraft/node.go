package multiraft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// NodeConfig configures a Node: a Core plus what drives it.
type NodeConfig struct {
	Config
	// Transport carries raft traffic; required. The node starts it and
	// closes it on Close.
	Transport transport.Transport
	// Clock drives ticks; nil means the wall clock.
	Clock clock.Clock
	// TickInterval is the duration of one tick. Default 100ms.
	TickInterval time.Duration
	// CallHandler serves Transport calls from peers (routed requests,
	// admin); nil refuses them.
	CallHandler func(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error)
	// SnapshotTimeout bounds one snapshot stream. Default one minute.
	SnapshotTimeout time.Duration
}

// Node runs a Core on one goroutine: it ticks it from the clock, wakes it
// when traffic or requests arrive, and streams snapshots on goroutines of
// its own. Its methods are safe for concurrent use.
type Node struct {
	core     *Core
	tr       transport.Transport
	clk      clock.Clock
	interval time.Duration
	callH    func(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error)
	snapTO   time.Duration

	wakeCh chan struct{}
	stop   chan struct{}
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	err    error
}

// StartNode creates a node, starts its transport and its loop.
func StartNode(cfg NodeConfig) (*Node, error) {
	if cfg.Transport == nil {
		return nil, errors.New("multiraft: NodeConfig.Transport is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 100 * time.Millisecond
	}
	if cfg.SnapshotTimeout <= 0 {
		cfg.SnapshotTimeout = time.Minute
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(cfg.Clock.Now().UnixNano())
	}
	tr := cfg.Transport
	cfg.Send = tr.Send
	core, err := NewCore(cfg.Config)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		core:     core,
		tr:       tr,
		clk:      cfg.Clock,
		interval: cfg.TickInterval,
		callH:    cfg.CallHandler,
		snapTO:   cfg.SnapshotTimeout,
		wakeCh:   make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		ctx:      ctx,
		cancel:   cancel,
	}
	core.SetNotify(n.notify)
	if err := tr.Start(n); err != nil {
		cancel()
		return nil, fmt.Errorf("multiraft: start transport: %w", err)
	}
	go n.loop()
	return n, nil
}

func (n *Node) notify() {
	select {
	case n.wakeCh <- struct{}{}:
	default:
	}
}

func (n *Node) loop() {
	defer close(n.done)
	ticker := n.clk.NewTicker(n.interval)
	defer ticker.Stop()
	for {
		select {
		case <-n.stop:
			n.core.FailAll(ErrClosed)
			for _, j := range n.core.TakeSnapshotJobs() {
				j.Release()
			}
			return
		case <-ticker.C():
			n.core.Tick()
		case <-n.wakeCh:
		}
		n.process()
	}
}

func (n *Node) process() {
	for range 64 {
		worked, err := n.core.Process()
		if err != nil {
			n.mu.Lock()
			n.err = err
			n.mu.Unlock()
			n.core.FailAll(err)
			return
		}
		for _, job := range n.core.TakeSnapshotJobs() {
			n.runSnapshot(job)
		}
		if !worked {
			return
		}
	}
	n.notify()
}

func (n *Node) runSnapshot(job *SnapshotJob) {
	n.jobs.Add(1)
	go func() {
		defer n.jobs.Done()
		ctx, cancel := context.WithTimeout(n.ctx, n.snapTO)
		err := job.Send(ctx, n.tr.SendSnapshot)
		cancel()
		n.core.Enqueue(func() { n.core.ReportSnapshot(job, err) })
	}()
}

// do runs fn on the node's goroutine.
func (n *Node) do(fn func()) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if n.err != nil {
		return n.err
	}
	n.core.Enqueue(fn)
	return nil
}

// Err returns the error that stopped the node's scheduler, if any.
func (n *Node) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func wait[T any](ctx context.Context, n *Node, submit func(done func(T, error))) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	var zero T
	if err := n.do(func() { submit(func(v T, err error) { ch <- result{v, err} }) }); err != nil {
		return zero, err
	}
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-n.done:
		select {
		case r := <-ch:
			return r.v, r.err
		default:
			return zero, ErrClosed
		}
	}
}

func waitErr(ctx context.Context, n *Node, submit func(done func(error))) error {
	_, err := wait(ctx, n, func(done func(struct{}, error)) {
		submit(func(err error) { done(struct{}{}, err) })
	})
	return err
}

// AddGroup starts hosting a group (see Core.AddGroup).
func (n *Node) AddGroup(gc GroupConfig) error {
	return waitErr(context.Background(), n, func(done func(error)) { done(n.core.AddGroup(gc)) })
}

// RemoveGroup stops hosting a group and deletes its log.
func (n *Node) RemoveGroup(group uint64) error {
	return waitErr(context.Background(), n, func(done func(error)) { done(n.core.RemoveGroup(group)) })
}

// Propose proposes cmd on a group led by this node and returns the state
// machine's result once applied here. Errors: *NotLeaderError (with the
// leader to retry at), ErrProposalDropped, ErrLeaderChanged (outcome
// unknown), ErrGroupNotFound, ErrGroupRemoved, ctx's error (outcome
// unknown).
func (n *Node) Propose(ctx context.Context, group uint64, cmd []byte) (any, error) {
	return wait(ctx, n, func(done func(any, error)) { n.core.Propose(group, cmd, done) })
}

// Read returns once this node, as leader, may serve a linearizable read of
// the group's state machine: every write acknowledged before Read was
// called is applied here.
func (n *Node) Read(ctx context.Context, group uint64) error {
	return waitErr(ctx, n, func(done func(error)) { n.core.Read(group, done) })
}

// ChangeReplicas applies one membership change through this node, the
// group's leader, and returns the raft ID of the replica concerned (for
// AddLearner, the ID to create the joining replica with).
func (n *Node) ChangeReplicas(ctx context.Context, group uint64, ch ReplicaChange) (uint64, error) {
	return wait(ctx, n, func(done func(uint64, error)) { n.core.ChangeReplicas(group, ch, done) })
}

// TransferLeadership hands the group's leadership to the full voter on
// node to.
func (n *Node) TransferLeadership(ctx context.Context, group uint64, to transport.NodeID) error {
	return waitErr(ctx, n, func(done func(error)) { n.core.TransferLeadership(group, to, done) })
}

// Status describes this node's replica of a group.
func (n *Node) Status(group uint64) (GroupStatus, error) {
	return wait(context.Background(), n, func(done func(GroupStatus, error)) { done(n.core.Status(group)) })
}

// Led lists the hosted groups this node leads now with their members, in
// one pass of the scheduler rather than a Status call per group.
func (n *Node) Led() ([]LedGroup, error) {
	return wait(context.Background(), n, func(done func([]LedGroup, error)) { done(n.core.Led(), nil) })
}

// Hosted lists the hosted replicas with their raft IDs, in one pass of the
// scheduler.
func (n *Node) Hosted() ([]HostedReplica, error) {
	return wait(context.Background(), n, func(done func([]HostedReplica, error)) { done(n.core.Hosted(), nil) })
}

// Groups lists the hosted groups.
func (n *Node) Groups() ([]uint64, error) {
	return wait(context.Background(), n, func(done func([]uint64, error)) { done(n.core.Groups(), nil) })
}

// ActiveGroups returns how many hosted groups are awake (not quiesced).
func (n *Node) ActiveGroups() (int, error) {
	return wait(context.Background(), n, func(done func(int, error)) { done(n.core.ActiveGroups(), nil) })
}

// Close stops the loop and every snapshot stream, fails pending requests
// with ErrClosed and closes the transport. The LogStore stays open: it
// belongs to the caller.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	<-n.done
	n.cancel()
	n.jobs.Wait()
	return n.tr.Close()
}

// HandleMessages implements transport.Handler.
func (n *Node) HandleMessages(from transport.NodeID, msgs []transport.GroupMessage) {
	n.core.HandleMessages(from, msgs)
}

// HandleCall implements transport.Handler.
func (n *Node) HandleCall(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error) {
	if n.callH == nil {
		return nil, fmt.Errorf("multiraft: node %d serves no calls", n.core.self)
	}
	return n.callH(ctx, from, req)
}

// HandleSnapshot implements transport.Handler.
func (n *Node) HandleSnapshot(ctx context.Context, from transport.NodeID, header []byte, body io.Reader) error {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return n.core.ReceiveSnapshot(ctx, from, header, body)
}
