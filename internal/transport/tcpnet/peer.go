package tcpnet

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// maxSnapshotCredits bounds the credits a sender holds; a receiver granting
// more is capped (and would only slow its own stream).
const maxSnapshotCredits = 1024

// ctrlQueueSize bounds the call and snapshot frames waiting for the writer;
// Call and SendSnapshot block (with their context) when it is full.
const ctrlQueueSize = 256

// outFrame is an encoded frame waiting for a peer's writer.
type outFrame struct {
	data []byte
	// op, when non-zero, is the call or stream the frame belongs to; the
	// frame is skipped if that operation has ended (failed or given up).
	op uint64
}

type callResult struct {
	resp []byte
	err  error
}

// callOp is a call waiting for its response; done has room for one answer.
type callOp struct{ done chan callResult }

// streamOp is a snapshot being sent: credits granted by the receiver, and
// room for the one verdict or failure.
type streamOp struct {
	credits chan struct{}
	done    chan error
}

// peer is the outbound side of one peer: its queues, its connection
// goroutine (dial, write, redial) and the operations waiting for answers.
type peer struct {
	t     *Transport
	id    transport.NodeID
	queue chan []wireMessage // one entry per Send (or per part of a huge Send)
	ctrl  chan outFrame
	wake  chan struct{} // cuts a redial backoff short after SetPeer

	mu      sync.Mutex
	nextID  uint64
	calls   map[uint64]*callOp
	streams map[uint64]*streamOp
	down    error // the last dial's error while the peer is unreachable
}

func newPeer(t *Transport, id transport.NodeID) *peer {
	return &peer{
		t:       t,
		id:      id,
		queue:   make(chan []wireMessage, t.opts.SendQueueSize),
		ctrl:    make(chan outFrame, ctrlQueueSize),
		wake:    make(chan struct{}, 1),
		calls:   make(map[uint64]*callOp),
		streams: make(map[uint64]*streamOp),
	}
}

func (p *peer) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down != nil
}

// register adds a call or stream and returns its ID, or ErrUnreachable
// while the peer is down.
func (p *peer) register(op any) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down != nil {
		return 0, fmt.Errorf("node %d: %v: %w", p.id, p.down, transport.ErrUnreachable)
	}
	p.nextID++
	switch op := op.(type) {
	case *callOp:
		p.calls[p.nextID] = op
	case *streamOp:
		p.streams[p.nextID] = op
	}
	return p.nextID, nil
}

// unregister removes an operation and reports whether it was still there.
func (p *peer) unregister(id uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, call := p.calls[id]
	_, stream := p.streams[id]
	delete(p.calls, id)
	delete(p.streams, id)
	return call || stream
}

func (p *peer) alive(id uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, call := p.calls[id]
	_, stream := p.streams[id]
	return call || stream
}

// enqueue hands a frame to the writer, waiting for room.
func (p *peer) enqueue(ctx context.Context, f outFrame) error {
	select {
	case p.ctrl <- f:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.t.done:
		return transport.ErrClosed
	}
}

// tryEnqueue hands a best-effort frame (a cancel) to the writer if there is
// room.
func (p *peer) tryEnqueue(f outFrame) {
	select {
	case p.ctrl <- f:
	default:
	}
}

// failAll ends every waiting operation with err and discards queued traffic;
// with down set the peer refuses new operations until markUp.
func (p *peer) failAll(err error, down error) {
	// Drain first: an operation registered after the maps are cleared keeps
	// its frames for the next connection.
	dropped := 0
	for {
		select {
		case b := <-p.queue:
			dropped += len(b)
			continue
		case <-p.ctrl:
			continue
		default:
		}
		break
	}
	p.t.messagesDropped.Add(uint64(dropped))
	p.mu.Lock()
	calls, streams := p.calls, p.streams
	p.calls = make(map[uint64]*callOp)
	p.streams = make(map[uint64]*streamOp)
	if down != nil {
		p.down = down
	}
	p.mu.Unlock()
	for _, op := range calls {
		op.done <- callResult{err: err}
	}
	for _, op := range streams {
		op.done <- err
	}
}

// readdress forgets the failure of the last dial (it was to the old
// address) and wakes a pending redial.
func (p *peer) readdress() {
	p.mu.Lock()
	p.down = nil
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *peer) markUp() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = nil
}

// run owns the peer's connection: dial, serve until it breaks, redial with
// backoff, until the transport closes.
func (p *peer) run() {
	defer p.t.wg.Done()
	opts := &p.t.opts
	backoff := opts.MinBackoff
	for {
		conn, br, err := p.dial()
		if err != nil {
			if p.t.isClosed() {
				p.failAll(transport.ErrClosed, nil)
				return
			}
			p.t.dialFailures.Add(1)
			p.t.log.Debug("tcpnet: dial failed", "peer", uint64(p.id), "err", err)
			p.failAll(fmt.Errorf("node %d: %v: %w", p.id, err, transport.ErrUnreachable), err)
			if !p.pause(backoff) {
				return
			}
			backoff = min(2*backoff, opts.MaxBackoff)
			continue
		}
		p.t.dials.Add(1)
		p.markUp()
		backoff = opts.MinBackoff
		err = p.serve(conn, br)
		if p.t.isClosed() {
			p.failAll(transport.ErrClosed, nil)
			return
		}
		var perr *protocolError
		if errors.As(err, &perr) {
			p.t.protocolErrors.Add(1)
			p.t.log.Warn("tcpnet: closing connection after protocol error", "peer", uint64(p.id), "err", err)
		} else {
			p.t.log.Info("tcpnet: connection lost", "peer", uint64(p.id), "err", err)
		}
		p.failAll(fmt.Errorf("node %d: connection lost: %v: %w", p.id, err, transport.ErrUnreachable), nil)
		if !p.pause(backoff) {
			return
		}
	}
}

// pause waits a jittered d (half fixed, half random), or until SetPeer
// gives a new address, and reports false if the transport closed meanwhile.
func (p *peer) pause(d time.Duration) bool {
	d = d/2 + rand.N(d/2+1)
	timer := p.t.opts.Clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return true
	case <-p.wake:
		return true
	case <-p.t.done:
		return false
	}
}

// dial connects to the peer and runs the TLS and node handshakes.
func (p *peer) dial() (net.Conn, *bufio.Reader, error) {
	addr, ok := p.t.address(p.id)
	if !ok {
		return nil, nil, fmt.Errorf("no address for node %d", p.id)
	}
	ctx, cancel := context.WithTimeout(p.t.ctx, p.t.opts.DialTimeout)
	defer cancel()
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	if !p.t.track(raw) {
		return nil, nil, transport.ErrClosed
	}
	conn, br, err := p.handshake(ctx, raw, addr)
	if err != nil {
		p.t.untrack(raw)
		return nil, nil, err
	}
	return conn, br, nil
}

func (p *peer) handshake(ctx context.Context, raw net.Conn, addr string) (net.Conn, *bufio.Reader, error) {
	deadline, _ := ctx.Deadline()
	if err := raw.SetDeadline(deadline); err != nil {
		return nil, nil, err
	}
	conn := raw
	if cfg := p.t.opts.TLS; cfg != nil {
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, nil, fmt.Errorf("address %q: %w", addr, err)
			}
			cfg.ServerName = host
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		conn = tc
	}
	h := hello{cluster: p.t.opts.ClusterID, from: p.t.opts.ID, to: p.id}
	if _, err := conn.Write(encodeHello(h)); err != nil {
		return nil, nil, fmt.Errorf("hello to %s: %w", addr, err)
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	f, err := readFrame(br, 1+4096)
	if err != nil {
		return nil, nil, fmt.Errorf("hello answer from %s: %w", addr, err)
	}
	switch f.typ {
	case frameHelloAck:
		if len(f.payload) != 8 {
			return nil, nil, protocolErrorf("hello ack of %d bytes", len(f.payload))
		}
		if got := transport.NodeID(binary.BigEndian.Uint64(f.payload)); got != p.id {
			return nil, nil, fmt.Errorf("dialled node %d at %s but reached node %d", p.id, addr, got)
		}
	case frameHelloReject:
		return nil, nil, fmt.Errorf("node %d at %s refused the connection: %s", p.id, addr, f.payload)
	default:
		return nil, nil, protocolErrorf("frame type %d in the handshake", f.typ)
	}
	if err := p.t.verifyPeer(p.id, conn); err != nil {
		return nil, nil, fmt.Errorf("verifying node %d: %w", p.id, err)
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return nil, nil, err
	}
	return conn, br, nil
}

// serve writes queued traffic to conn and reads the answers, until either
// side fails or the transport closes. It closes conn before returning.
func (p *peer) serve(conn net.Conn, br *bufio.Reader) error {
	readerDone := make(chan error, 1)
	p.t.wg.Add(1)
	go func() {
		defer p.t.wg.Done()
		readerDone <- p.readLoop(br)
	}()
	stop := func(err error) error {
		p.t.untrack(conn)
		if rerr := <-readerDone; err == nil {
			err = rerr
		}
		return err
	}
	bw := bufio.NewWriterSize(conn, 256<<10)
	write := func(b []byte) error {
		if err := conn.SetWriteDeadline(time.Now().Add(p.t.opts.WriteTimeout)); err != nil {
			return err
		}
		_, err := bw.Write(b)
		return err
	}
	limit := p.t.frameMessageLimit()
	var batch, held []wireMessage
	var buf []byte
	for {
		var err error
		var first []wireMessage
		if held != nil {
			first, held = held, nil
		} else {
			select {
			case <-p.t.done:
				return stop(transport.ErrClosed)
			case err := <-readerDone:
				p.t.untrack(conn)
				return err
			case first = <-p.queue:
			case f := <-p.ctrl:
				if f.op != 0 && !p.alive(f.op) {
					continue
				}
				err = write(f.data)
			}
		}
		if first != nil {
			// Merge whole Sends, never splitting one, up to batchBytes.
			batch = append(batch[:0], first...)
			size := batchSize(first)
		gather:
			for size < min(batchBytes, limit) {
				select {
				case next := <-p.queue:
					if size+batchSize(next) > limit {
						held = next
						break gather
					}
					batch = append(batch, next...)
					size += batchSize(next)
				default:
					break gather
				}
			}
			buf = appendMessagesFrame(buf[:0], batch)
			err = write(buf)
			if err == nil {
				p.t.messagesSent.Add(uint64(len(batch)))
			}
			clear(batch)
		}
		if err == nil && held == nil && len(p.queue) == 0 && len(p.ctrl) == 0 {
			err = bw.Flush()
		}
		if err != nil {
			return stop(err)
		}
	}
}

// batchSize is the bytes msgs take in a messages frame, at most.
func batchSize(msgs []wireMessage) int {
	size := 0
	for _, m := range msgs {
		size += len(m.data) + messagesFrameOverhead
	}
	return size
}

// readLoop reads the peer's answers on an outbound connection.
func (p *peer) readLoop(br *bufio.Reader) error {
	for {
		f, err := readFrame(br, p.t.opts.MaxFrameSize)
		if err != nil {
			return err
		}
		id, rest, err := splitID(f.payload)
		if err != nil {
			return err
		}
		switch f.typ {
		case frameCallResponse:
			resp, remote, err := decodeStatus(rest)
			if err != nil {
				return err
			}
			p.mu.Lock()
			op := p.calls[id]
			delete(p.calls, id)
			p.mu.Unlock()
			if op != nil {
				op.done <- callResult{resp: resp, err: remote}
			}
		case frameSnapCredit:
			if len(rest) != 4 {
				return protocolErrorf("credit frame of %d bytes", len(rest))
			}
			grant := int(min(binary.BigEndian.Uint32(rest), maxSnapshotCredits))
			p.mu.Lock()
			op := p.streams[id]
			p.mu.Unlock()
			if op == nil {
				continue
			}
		grant:
			for range grant {
				select {
				case op.credits <- struct{}{}:
				default:
					break grant
				}
			}
		case frameSnapVerdict:
			_, remote, err := decodeStatus(rest)
			if err != nil {
				return err
			}
			p.mu.Lock()
			op := p.streams[id]
			delete(p.streams, id)
			p.mu.Unlock()
			if op != nil {
				op.done <- remote
			}
		default:
			return protocolErrorf("frame type %d on an outbound connection", f.typ)
		}
	}
}
