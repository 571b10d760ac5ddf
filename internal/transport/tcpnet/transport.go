package tcpnet

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxFrameSize       = 16 << 20
	DefaultSendQueueSize      = 4096
	DefaultSnapshotChunkSize  = 1 << 20
	DefaultSnapshotWindow     = 4
	DefaultDialTimeout        = 5 * time.Second
	DefaultMinBackoff         = 50 * time.Millisecond
	DefaultMaxBackoff         = 5 * time.Second
	DefaultWriteTimeout       = 10 * time.Second
	DefaultMaxConcurrentCalls = 512

	// batchBytes is the most message bytes the writer packs in one frame.
	batchBytes = 64 << 10
)

// Options configures a Transport. Zero values mean the defaults above.
type Options struct {
	// ID is this node's ID; required, never zero.
	ID transport.NodeID
	// ClusterID names the cluster; nodes with different IDs refuse each
	// other's connections.
	ClusterID uint64
	// ListenAddr is the address to listen on, such as "127.0.0.1:7001" or
	// ":0"; required.
	ListenAddr string
	// Peers is the initial address book: the address to dial for each node.
	// SetPeer changes it later.
	Peers map[transport.NodeID]string
	// TLS, when set, wraps every connection in TLS and is used on both
	// sides: as a server it needs Certificates, and for mutual TLS ClientCAs
	// with ClientAuth tls.RequireAndVerifyClientCert; as a client it needs
	// RootCAs and, for mutual TLS, Certificates. ServerName defaults to the
	// host of the dialled address.
	TLS *tls.Config
	// VerifyPeer, when set, is called in the handshake with the node ID the
	// other side claims and its TLS state (nil without TLS); an error
	// refuses the connection. Use it to bind node IDs to certificates.
	VerifyPeer func(id transport.NodeID, state *tls.ConnectionState) error
	// Logger receives connection events and protocol errors; nil discards.
	Logger *slog.Logger
	// Clock times the redial backoff; nil means the wall clock.
	Clock clock.Clock
	// MaxFrameSize bounds a frame's type and payload, both ways. The nodes
	// of a cluster should agree on it: a node refuses (as a protocol error)
	// a frame larger than its own limit, such as a snapshot chunk or a call
	// sized for a larger one.
	MaxFrameSize int
	// SendQueueSize bounds the Send batches queued for one peer.
	SendQueueSize int
	// SnapshotChunkSize is the body bytes per snapshot chunk.
	SnapshotChunkSize int
	// SnapshotWindow is the chunks this node, receiving a snapshot, lets a
	// sender have unconsumed (at most 1024).
	SnapshotWindow int
	// DialTimeout bounds a dial including the TLS and node handshakes.
	DialTimeout time.Duration
	// MinBackoff and MaxBackoff bound the delay between redials.
	MinBackoff, MaxBackoff time.Duration
	// WriteTimeout bounds one flush to a connection; a peer that does not
	// read for that long loses the connection.
	WriteTimeout time.Duration
	// MaxConcurrentCalls bounds the calls served at once per connection.
	MaxConcurrentCalls int
}

func (o *Options) setDefaults() error {
	if o.ID == 0 {
		return errors.New("tcpnet: Options.ID is required and must not be zero")
	}
	if o.ListenAddr == "" {
		return errors.New("tcpnet: Options.ListenAddr is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&o.MaxFrameSize, DefaultMaxFrameSize)
	setInt(&o.SendQueueSize, DefaultSendQueueSize)
	setInt(&o.SnapshotChunkSize, DefaultSnapshotChunkSize)
	setInt(&o.SnapshotWindow, DefaultSnapshotWindow)
	setInt(&o.MaxConcurrentCalls, DefaultMaxConcurrentCalls)
	setDur(&o.DialTimeout, DefaultDialTimeout)
	setDur(&o.MinBackoff, DefaultMinBackoff)
	setDur(&o.MaxBackoff, DefaultMaxBackoff)
	setDur(&o.WriteTimeout, DefaultWriteTimeout)
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.SnapshotWindow > maxSnapshotCredits {
		return fmt.Errorf("tcpnet: Options.SnapshotWindow %d exceeds %d", o.SnapshotWindow, maxSnapshotCredits)
	}
	if o.MaxFrameSize < 4096 {
		return fmt.Errorf("tcpnet: Options.MaxFrameSize %d is below the minimum of 4096", o.MaxFrameSize)
	}
	if o.SnapshotChunkSize > o.MaxFrameSize-16 {
		return fmt.Errorf("tcpnet: Options.SnapshotChunkSize %d does not fit in MaxFrameSize %d", o.SnapshotChunkSize, o.MaxFrameSize)
	}
	return nil
}

// Stats counts a transport's traffic since it was made.
type Stats struct {
	// MessagesSent counts raft messages written to a connection.
	MessagesSent uint64
	// MessagesDropped counts raft messages dropped: queue full, peer
	// unreachable or unknown, too large, or lost with a connection.
	MessagesDropped uint64
	// Dials counts successful dials; DialFailures failed ones.
	Dials, DialFailures uint64
	// ProtocolErrors counts connections closed for bad frames.
	ProtocolErrors uint64
}

// Transport is a node's TCP endpoint. It implements transport.Transport; its
// methods are safe for concurrent use.
type Transport struct {
	opts     Options
	log      *slog.Logger
	listener net.Listener

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	handler transport.Handler
	started bool
	closed  bool
	book    map[transport.NodeID]string
	peers   map[transport.NodeID]*peer
	conns   map[net.Conn]struct{}

	messagesSent, messagesDropped atomic.Uint64
	dials, dialFailures           atomic.Uint64
	protocolErrors                atomic.Uint64
}

var _ transport.Transport = (*Transport)(nil)

// New listens on opts.ListenAddr and returns the transport. Inbound
// connections wait in the listen backlog until Start.
func New(opts Options) (*Transport, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("tcpnet: listen on %s: %w", opts.ListenAddr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		opts:     opts,
		log:      opts.Logger.With("node", uint64(opts.ID)),
		listener: ln,
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		book:     make(map[transport.NodeID]string, len(opts.Peers)),
		peers:    make(map[transport.NodeID]*peer),
		conns:    make(map[net.Conn]struct{}),
	}
	for id, addr := range opts.Peers {
		t.book[id] = addr
	}
	return t, nil
}

// Addr returns the address the transport listens on (useful with port 0).
func (t *Transport) Addr() net.Addr { return t.listener.Addr() }

// ID returns the node's ID.
func (t *Transport) ID() transport.NodeID { return t.opts.ID }

// SetPeer sets the address of node id. A connection already open stays; the
// new address is used from the next dial. A peer that was unreachable at its
// old address is redialled at once, and calls to it wait for that dial
// instead of failing.
func (t *Transport) SetPeer(id transport.NodeID, addr string) {
	t.mu.Lock()
	old, had := t.book[id]
	t.book[id] = addr
	p := t.peers[id]
	t.mu.Unlock()
	if p != nil && (!had || old != addr) {
		p.readdress()
	}
}

// Stats returns the counters so far.
func (t *Transport) Stats() Stats {
	return Stats{
		MessagesSent:    t.messagesSent.Load(),
		MessagesDropped: t.messagesDropped.Load(),
		Dials:           t.dials.Load(),
		DialFailures:    t.dialFailures.Load(),
		ProtocolErrors:  t.protocolErrors.Load(),
	}
}

// Start begins accepting connections and delivering their traffic to h.
func (t *Transport) Start(h transport.Handler) error {
	if h == nil {
		return errors.New("tcpnet: Start with a nil handler")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return transport.ErrClosed
	case t.started:
		return errors.New("tcpnet: already started")
	}
	t.handler = h
	t.started = true
	t.wg.Add(1)
	go t.acceptLoop()
	return nil
}

// Send queues msgs for node to (see the package doc for the queue's bound).
func (t *Transport) Send(to transport.NodeID, msgs []transport.GroupMessage) {
	if len(msgs) == 0 {
		return
	}
	p := t.peerFor(to)
	if p == nil || p.isDown() {
		t.messagesDropped.Add(uint64(len(msgs)))
		return
	}
	limit := t.frameMessageLimit()
	var part []wireMessage
	partSize := 0
	push := func() {
		if len(part) == 0 {
			return
		}
		select {
		case p.queue <- part:
		default:
			t.messagesDropped.Add(uint64(len(part))) // queue full: drop the newest
		}
		part, partSize = nil, 0
	}
	// One buffer holds the whole Send; each message's data is a slice of it.
	total := 0
	for _, m := range msgs {
		total += proto.Size(m.Message)
	}
	arena := make([]byte, 0, total)
	part = make([]wireMessage, 0, len(msgs))
	for _, m := range msgs {
		start := len(arena)
		var err error
		arena, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(arena, m.Message)
		data := arena[start:len(arena):len(arena)]
		size := len(data) + messagesFrameOverhead
		if err != nil || size > limit {
			t.messagesDropped.Add(1)
			t.log.Warn("tcpnet: raft message not sent", "to", uint64(to), "bytes", len(data), "err", err)
			continue
		}
		// A Send travels in one frame unless it is too large for one.
		if partSize+size > limit {
			push()
		}
		part = append(part, wireMessage{group: m.Group, data: data})
		partSize += size
	}
	push()
}

// frameMessageLimit is the most message bytes (with their per-message
// overhead) one messages frame carries.
func (t *Transport) frameMessageLimit() int {
	return t.opts.MaxFrameSize - 1 - binary.MaxVarintLen64
}

// Call sends req to node to and waits for the response.
func (t *Transport) Call(ctx context.Context, to transport.NodeID, req []byte) ([]byte, error) {
	if t.isClosed() {
		return nil, transport.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(req)+1+8 > t.opts.MaxFrameSize {
		return nil, fmt.Errorf("tcpnet: call request of %d bytes exceeds the frame limit of %d", len(req), t.opts.MaxFrameSize)
	}
	p := t.peerFor(to)
	if p == nil {
		return nil, fmt.Errorf("tcpnet: call %d: no address for node %d: %w", to, to, transport.ErrUnreachable)
	}
	op := &callOp{done: make(chan callResult, 1)}
	id, err := p.register(op)
	if err != nil {
		return nil, fmt.Errorf("tcpnet: call %d: %w", to, err)
	}
	if err := p.enqueue(ctx, outFrame{data: encodeFrame(frameCallRequest, id, req), op: id}); err != nil {
		p.unregister(id)
		return nil, t.wrapWaitErr("call", to, err)
	}
	select {
	case r := <-op.done:
		if r.err != nil && !isRemote(r.err) {
			return nil, fmt.Errorf("tcpnet: call %d: %w", to, r.err)
		}
		return r.resp, r.err
	case <-ctx.Done():
		if p.unregister(id) {
			p.tryEnqueue(outFrame{data: encodeFrame(frameCallCancel, id)})
		}
		return nil, ctx.Err()
	case <-t.done:
		return nil, transport.ErrClosed
	}
}

// SendSnapshot streams header and body to node to in chunks and waits for its
// handler's verdict. It reads body only until it returns.
func (t *Transport) SendSnapshot(ctx context.Context, to transport.NodeID, header []byte, body io.Reader) error {
	if t.isClosed() {
		return transport.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(header)+1+8 > t.opts.MaxFrameSize {
		return fmt.Errorf("tcpnet: snapshot header of %d bytes exceeds the frame limit of %d", len(header), t.opts.MaxFrameSize)
	}
	p := t.peerFor(to)
	if p == nil {
		return fmt.Errorf("tcpnet: snapshot to %d: no address for node %d: %w", to, to, transport.ErrUnreachable)
	}
	// The receiver grants its window of credits when the stream begins.
	op := &streamOp{credits: make(chan struct{}, maxSnapshotCredits), done: make(chan error, 1)}
	id, err := p.register(op)
	if err != nil {
		return fmt.Errorf("tcpnet: snapshot to %d: %w", to, err)
	}
	err = t.streamSnapshot(ctx, p, id, op, header, body)
	if p.unregister(id) && err != nil && !isRemote(err) {
		p.tryEnqueue(outFrame{data: encodeFrame(frameSnapAbort, id)})
	}
	if err != nil && !isRemote(err) && !errors.Is(err, ctx.Err()) && !errors.Is(err, transport.ErrClosed) {
		return fmt.Errorf("tcpnet: snapshot to %d: %w", to, err)
	}
	return err
}

func (t *Transport) streamSnapshot(ctx context.Context, p *peer, id uint64, op *streamOp, header []byte, body io.Reader) error {
	if err := p.enqueue(ctx, outFrame{data: encodeFrame(frameSnapBegin, id, header), op: id}); err != nil {
		return err
	}
	chunk := t.opts.SnapshotChunkSize
	for {
		// Wait for a credit before reading, so that no more than the window
		// of chunks is ever buffered on either side.
		select {
		case <-op.credits:
		case err := <-op.done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-t.done:
			return transport.ErrClosed
		}
		start := frameHeaderSize + 1 + 8
		buf := make([]byte, start+chunk)
		n, rerr := io.ReadFull(body, buf[start:])
		if n > 0 {
			buf = buf[:start+n]
			buf[frameHeaderSize] = frameSnapChunk
			putUint64(buf[frameHeaderSize+1:], id)
			finishFrame(buf, 0)
			if err := p.enqueue(ctx, outFrame{data: buf, op: id}); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading snapshot body: %w", rerr)
		}
	}
	if err := p.enqueue(ctx, outFrame{data: encodeFrame(frameSnapEnd, id), op: id}); err != nil {
		return err
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-t.done:
		return transport.ErrClosed
	}
}

func (t *Transport) wrapWaitErr(what string, to transport.NodeID, err error) error {
	if errors.Is(err, transport.ErrClosed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("tcpnet: %s %d: %w", what, to, err)
}

// Close stops accepting, closes every connection, fails waiting callers with
// transport.ErrClosed and waits for every goroutine, including running
// handlers (whose contexts it cancels). Close is idempotent.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.wg.Wait()
		return nil
	}
	t.closed = true
	conns := make([]net.Conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	close(t.done)
	t.cancel()
	err := t.listener.Close()
	for _, c := range conns {
		_ = c.Close()
	}
	t.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("tcpnet: close listener: %w", err)
	}
	return nil
}

func (t *Transport) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// track registers a connection for Close; it reports false (and closes the
// connection) when the transport is already closed.
func (t *Transport) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		_ = c.Close()
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *Transport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	_ = c.Close()
}

// peerFor returns the peer for id, starting its connection goroutine on
// first use, or nil when id has no address or the transport is closed.
func (t *Transport) peerFor(id transport.NodeID) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	if p, ok := t.peers[id]; ok {
		return p
	}
	if _, ok := t.book[id]; !ok {
		return nil
	}
	p := newPeer(t, id)
	t.peers[id] = p
	t.wg.Add(1)
	go p.run()
	return p
}

func (t *Transport) address(id transport.NodeID) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	addr, ok := t.book[id]
	return addr, ok
}

func (t *Transport) currentHandler() transport.Handler {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.handler
}

// verifyPeer runs Options.VerifyPeer, if any, on a handshake.
func (t *Transport) verifyPeer(id transport.NodeID, c net.Conn) error {
	if t.opts.VerifyPeer == nil {
		return nil
	}
	var state *tls.ConnectionState
	if tc, ok := c.(*tls.Conn); ok {
		s := tc.ConnectionState()
		state = &s
	}
	return t.opts.VerifyPeer(id, state)
}

func isRemote(err error) bool {
	var re *transport.RemoteError
	return errors.As(err, &re)
}

func putUint64(b []byte, v uint64) {
	_ = b[7]
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}
