package memnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// errStreamClosed is what a snapshot body returns once its stream is over
// (the sender gave up, or the handler already returned).
var errStreamClosed = errors.New("memnet: snapshot stream closed")

// Transport is one node's endpoint on a Network. It implements
// transport.Transport; its methods are safe for concurrent use.
type Transport struct {
	net    *Network
	id     transport.NodeID
	incarn uint64

	// Guarded by net.mu.
	handler  transport.Handler
	started  bool
	crashed  bool
	closed   bool
	inbox    []*envelope
	inboxSig chan struct{}

	stop     chan struct{} // closed on crash or close
	haltOnce sync.Once
	ctx      context.Context // cancelled on crash or close; parent of handler contexts
	cancel   context.CancelFunc
	wg       sync.WaitGroup // delivery goroutine and running handlers
}

var _ transport.Transport = (*Transport)(nil)

// ID returns the node's ID.
func (t *Transport) ID() transport.NodeID { return t.id }

func (t *Transport) runningLocked() bool { return t.started && !t.crashed && !t.closed }

// Start begins delivering inbound traffic to h.
func (t *Transport) Start(h transport.Handler) error {
	if h == nil {
		return errors.New("memnet: Start with a nil handler")
	}
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case t.closed:
		return transport.ErrClosed
	case t.crashed:
		return fmt.Errorf("memnet: start %d: node crashed: %w", t.id, transport.ErrUnreachable)
	case t.started:
		return fmt.Errorf("memnet: node %d already started", t.id)
	}
	t.handler = h
	t.started = true
	if !n.stepped {
		t.wg.Add(1)
		go t.runInbox()
	}
	return nil
}

// Send queues msgs for node to. They are marshalled before Send returns and
// every delivery unmarshals a fresh copy, so sender and receiver never share
// a message.
func (t *Transport) Send(to transport.NodeID, msgs []transport.GroupMessage) {
	if len(msgs) == 0 {
		return
	}
	wire := make([]wireMessage, 0, len(msgs))
	for _, m := range msgs {
		b, err := proto.Marshal(m.Message)
		if err != nil {
			continue // a message raft made always marshals; nothing to send otherwise
		}
		wire = append(wire, wireMessage{group: m.Group, data: b})
	}
	_ = t.net.send(t, &envelope{kind: kindMessages, from: t.id, to: to, msgs: wire})
}

// Call sends req to node to and waits for its handler's response.
func (t *Transport) Call(ctx context.Context, to transport.NodeID, req []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opCtx, opCancel := context.WithCancel(context.Background())
	defer opCancel()
	op := &callOp{ctx: opCtx, req: bytes.Clone(req), done: make(chan callResult, 1)}
	env := &envelope{kind: kindCall, from: t.id, to: to, call: op}
	if err := t.net.send(t, env); err != nil {
		return nil, fmt.Errorf("memnet: call %d→%d: %w", t.id, to, err)
	}
	select {
	case r := <-op.done:
		if r.err != nil && !isRemote(r.err) {
			return nil, fmt.Errorf("memnet: call %d→%d: %w", t.id, to, r.err)
		}
		return r.resp, r.err
	case <-ctx.Done():
		t.net.unqueue(env)
		return nil, ctx.Err()
	case <-t.stop:
		t.net.unqueue(env)
		return nil, fmt.Errorf("memnet: call %d→%d: %w", t.id, to, t.stopErr())
	}
}

// SendSnapshot streams header and body to node to's HandleSnapshot and waits
// for its verdict. The handler reads body straight from the sender's reader
// (into its own buffers); SendSnapshot returns only once no Read of body is in
// progress, so the caller may close body afterwards.
func (t *Transport) SendSnapshot(ctx context.Context, to transport.NodeID, header []byte, body io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	opCtx, opCancel := context.WithCancel(context.Background())
	defer opCancel()
	guarded := &guardedReader{r: body}
	defer guarded.close(errStreamClosed)
	op := &snapOp{ctx: opCtx, header: bytes.Clone(header), body: guarded, done: make(chan error, 1)}
	env := &envelope{kind: kindSnapshot, from: t.id, to: to, snap: op}
	if err := t.net.send(t, env); err != nil {
		return fmt.Errorf("memnet: snapshot %d→%d: %w", t.id, to, err)
	}
	select {
	case err := <-op.done:
		if err != nil && !isRemote(err) {
			return fmt.Errorf("memnet: snapshot %d→%d: %w", t.id, to, err)
		}
		return err
	case <-ctx.Done():
		t.net.unqueue(env)
		return ctx.Err()
	case <-t.stop:
		t.net.unqueue(env)
		return fmt.Errorf("memnet: snapshot %d→%d: %w", t.id, to, t.stopErr())
	}
}

// Close detaches the node from the network, stops its goroutines and waits
// for its running handlers. Closing a crashed transport only reaps it; the
// node stays crashed until Restart. Close is idempotent.
func (t *Transport) Close() error {
	n := t.net
	n.mu.Lock()
	if t.closed {
		n.mu.Unlock()
		t.wg.Wait()
		return nil
	}
	t.closed = true
	n.stats.Dropped += uint64(len(t.inbox))
	t.inbox = nil
	if !t.crashed && n.nodes[t.id] == t {
		delete(n.nodes, t.id)
		n.purgeLocked(func(e *envelope) bool { return e.to == t.id && e.toIncarn == t.incarn }, true)
	}
	n.mu.Unlock()
	t.halt()
	t.wg.Wait()
	return nil
}

func (t *Transport) halt() {
	t.haltOnce.Do(func() {
		close(t.stop)
		t.cancel()
	})
}

func (t *Transport) stopErr() error {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if t.closed {
		return transport.ErrClosed
	}
	return transport.ErrUnreachable
}

func (t *Transport) runInbox() {
	defer t.wg.Done()
	n := t.net
	for {
		select {
		case <-t.stop:
			return
		case <-t.inboxSig:
		}
		for {
			n.mu.Lock()
			batch := t.inbox
			t.inbox = nil
			n.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, env := range batch {
				select {
				case <-t.stop:
					return
				default:
				}
				n.deliver(env, t)
			}
		}
	}
}

// deliverMessages hands env's batch to the handler and reports whether it
// did (the node may have stopped since the batch was dispatched).
func (t *Transport) deliverMessages(env *envelope) bool {
	t.net.mu.Lock()
	h, ok := t.handler, t.runningLocked()
	t.net.mu.Unlock()
	if !ok {
		return false
	}
	msgs := make([]transport.GroupMessage, 0, len(env.msgs))
	for _, w := range env.msgs {
		m := new(pb.Message)
		if err := proto.Unmarshal(w.data, m); err != nil {
			continue // cannot happen for bytes proto.Marshal produced
		}
		msgs = append(msgs, transport.GroupMessage{Group: w.group, Message: m})
	}
	h.HandleMessages(env.from, msgs)
	return true
}

// handlerContext returns the context a handler serving op runs under: it ends
// when the caller gives up or this node stops.
func (t *Transport) handlerContext(opCtx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.ctx)
	stop := context.AfterFunc(opCtx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

func (t *Transport) serveCall(env *envelope) {
	op := env.call
	t.net.mu.Lock()
	h := t.handler
	t.net.mu.Unlock()
	ctx, cancel := t.handlerContext(op.ctx)
	defer cancel()
	resp, err := h.HandleCall(ctx, env.from, bytes.Clone(op.req))
	var result callResult
	switch {
	case t.ctx.Err() != nil:
		result.err = transport.ErrUnreachable // this node crashed or closed mid-call
	case err != nil:
		result.err = &transport.RemoteError{Message: err.Error()}
	default:
		result.resp = bytes.Clone(resp)
	}
	select {
	case op.done <- result:
	default: // cannot happen: a served envelope has no other answer
	}
}

func (t *Transport) serveSnapshot(env *envelope) {
	op := env.snap
	t.net.mu.Lock()
	h := t.handler
	t.net.mu.Unlock()
	ctx, cancel := t.handlerContext(op.ctx)
	defer cancel()
	err := h.HandleSnapshot(ctx, env.from, bytes.Clone(op.header), op.body)
	op.body.close(errStreamClosed)
	switch {
	case t.ctx.Err() != nil:
		err = transport.ErrUnreachable
	case err != nil:
		err = &transport.RemoteError{Message: err.Error()}
	}
	select {
	case op.done <- err:
	default: // cannot happen: a served envelope has no other answer
	}
}

// wireMessage is a raft message as it travels: marshalled, so that sender
// and receiver never share memory.
type wireMessage struct {
	group uint64
	data  []byte
}

type callResult struct {
	resp []byte
	err  error
}

// callOp is a call in flight; done has room for the one answer.
type callOp struct {
	ctx  context.Context // ends when the caller stops waiting
	req  []byte
	done chan callResult
}

// snapOp is a snapshot stream in flight; done has room for the one verdict.
type snapOp struct {
	ctx    context.Context
	header []byte
	body   *guardedReader
	done   chan error
}

// fail tells a waiting sender that its envelope will not be served.
func (e *envelope) fail(err error) {
	switch e.kind {
	case kindCall:
		select {
		case e.call.done <- callResult{err: err}:
		default:
		}
	case kindSnapshot:
		select {
		case e.snap.done <- err:
		default:
		}
	}
}

func isRemote(err error) bool {
	var re *transport.RemoteError
	return errors.As(err, &re)
}

// guardedReader lets the receiver read the sender's body until the stream is
// closed; close waits for a Read in progress, so the sender's reader is never
// touched after SendSnapshot returns.
type guardedReader struct {
	mu  sync.Mutex
	r   io.Reader
	err error
}

func (g *guardedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return 0, g.err
	}
	return g.r.Read(p)
}

func (g *guardedReader) close(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
	}
}
