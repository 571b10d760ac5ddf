package tcpnet

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// errStreamAborted is what a snapshot body returns when the sender gave up
// or the connection broke mid-stream.
var errStreamAborted = errors.New("tcpnet: snapshot stream aborted by the sender")

func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	for {
		c, err := t.listener.Accept()
		if err != nil {
			if t.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or the like: log, and pause so the loop
			// does not spin.
			t.log.Warn("tcpnet: accept failed", "err", err)
			timer := t.opts.Clock.NewTimer(50 * time.Millisecond)
			select {
			case <-timer.C():
			case <-t.done:
				timer.Stop()
				return
			}
			continue
		}
		if !t.track(c) {
			return
		}
		t.wg.Add(1)
		go t.serveInbound(c)
	}
}

// inConn is the serving side of a connection a peer dialed.
type inConn struct {
	t      *Transport
	conn   net.Conn
	from   transport.NodeID
	ctx    context.Context // ends when the connection or the transport does
	cancel context.CancelFunc
	calls  chan struct{} // semaphore of calls being served

	wmu sync.Mutex // serialises frames written back

	mu      sync.Mutex
	serving map[uint64]context.CancelFunc
	streams map[uint64]*inStream
}

// inStream is a snapshot being received. Only the connection's reader
// sends on or closes chunks.
type inStream struct {
	chunks  chan []byte
	ended   bool
	aborted atomic.Bool
	cancel  context.CancelFunc
}

func (t *Transport) serveInbound(raw net.Conn) {
	defer t.wg.Done()
	defer t.untrack(raw)
	remote := raw.RemoteAddr().String()
	conn, br, from, err := t.acceptHandshake(raw)
	if err != nil {
		var perr *protocolError
		if errors.As(err, &perr) {
			t.protocolErrors.Add(1)
		}
		if !t.isClosed() {
			t.log.Warn("tcpnet: refused inbound connection", "remote", remote, "err", err)
		}
		return
	}
	ctx, cancel := context.WithCancel(t.ctx)
	ic := &inConn{
		t:       t,
		conn:    conn,
		from:    from,
		ctx:     ctx,
		cancel:  cancel,
		calls:   make(chan struct{}, t.opts.MaxConcurrentCalls),
		serving: make(map[uint64]context.CancelFunc),
		streams: make(map[uint64]*inStream),
	}
	err = ic.readLoop(br)
	cancel()
	ic.mu.Lock()
	open := make([]*inStream, 0, len(ic.streams))
	for _, s := range ic.streams {
		open = append(open, s)
	}
	ic.mu.Unlock()
	for _, s := range open {
		if !s.ended {
			s.ended = true
			s.aborted.Store(true)
			close(s.chunks)
		}
	}
	var perr *protocolError
	switch {
	case errors.As(err, &perr):
		t.protocolErrors.Add(1)
		t.log.Warn("tcpnet: closing connection after protocol error", "peer", uint64(from), "remote", remote, "err", err)
	case t.isClosed(), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	default:
		t.log.Info("tcpnet: inbound connection lost", "peer", uint64(from), "remote", remote, "err", err)
	}
}

// acceptHandshake runs the TLS and node handshakes on an accepted
// connection and returns the peer's node ID.
func (t *Transport) acceptHandshake(raw net.Conn) (net.Conn, *bufio.Reader, transport.NodeID, error) {
	if err := raw.SetDeadline(time.Now().Add(t.opts.DialTimeout)); err != nil {
		return nil, nil, 0, err
	}
	conn := raw
	if t.opts.TLS != nil {
		tc := tls.Server(raw, t.opts.TLS)
		if err := tc.HandshakeContext(t.ctx); err != nil {
			return nil, nil, 0, fmt.Errorf("tls handshake: %w", err)
		}
		conn = tc
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	f, err := readFrame(br, 1+helloSize)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("reading hello: %w", err)
	}
	if f.typ != frameHello {
		return nil, nil, 0, protocolErrorf("frame type %d before the hello", f.typ)
	}
	h, err := decodeHello(f.payload)
	if err != nil {
		return nil, nil, 0, err
	}
	reject := func(format string, args ...any) (net.Conn, *bufio.Reader, transport.NodeID, error) {
		reason := fmt.Sprintf(format, args...)
		_, _ = conn.Write(encodeTextFrame(frameHelloReject, reason))
		return nil, nil, 0, fmt.Errorf("node %d: %s", h.from, reason)
	}
	switch {
	case h.cluster != t.opts.ClusterID:
		return reject("cluster %d, this node is in cluster %d", h.cluster, t.opts.ClusterID)
	case h.to != t.opts.ID:
		return reject("dialled node %d, reached node %d", h.to, t.opts.ID)
	case h.from == 0:
		return reject("node ID 0 is not valid")
	}
	if err := t.verifyPeer(h.from, conn); err != nil {
		return reject("peer verification failed: %v", err)
	}
	if _, err := conn.Write(encodeNodeFrame(frameHelloAck, t.opts.ID)); err != nil {
		return nil, nil, 0, fmt.Errorf("hello ack: %w", err)
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return nil, nil, 0, err
	}
	return conn, br, h.from, nil
}

// write sends one frame back to the peer; a failure closes the connection,
// which ends the reader.
func (ic *inConn) write(frame []byte) {
	ic.wmu.Lock()
	defer ic.wmu.Unlock()
	if err := ic.conn.SetWriteDeadline(time.Now().Add(ic.t.opts.WriteTimeout)); err == nil {
		if _, err = ic.conn.Write(frame); err == nil {
			return
		}
	}
	_ = ic.conn.Close()
}

func (ic *inConn) readLoop(br *bufio.Reader) error {
	h := ic.t.currentHandler()
	for {
		f, err := readFrame(br, ic.t.opts.MaxFrameSize)
		if err != nil {
			return err
		}
		if f.typ == frameMessages {
			if err := ic.deliverMessages(h, f.payload); err != nil {
				return err
			}
			continue
		}
		id, rest, err := splitID(f.payload)
		if err != nil {
			return err
		}
		switch f.typ {
		case frameCallRequest:
			err = ic.startCall(h, id, rest)
		case frameCallCancel:
			ic.mu.Lock()
			if cancel := ic.serving[id]; cancel != nil {
				cancel()
			}
			ic.mu.Unlock()
		case frameSnapBegin:
			err = ic.startStream(h, id, rest)
		case frameSnapChunk:
			err = ic.pushChunk(id, rest)
		case frameSnapEnd, frameSnapAbort:
			ic.endStream(id, f.typ == frameSnapAbort)
		default:
			err = protocolErrorf("frame type %d on an inbound connection", f.typ)
		}
		if err != nil {
			return err
		}
	}
}

func (ic *inConn) deliverMessages(h transport.Handler, payload []byte) error {
	wire, err := decodeMessages(payload)
	if err != nil {
		return err
	}
	msgs := make([]transport.GroupMessage, len(wire))
	for i, w := range wire {
		m := new(pb.Message)
		if err := proto.Unmarshal(w.data, m); err != nil {
			return protocolErrorf("raft message %d: %v", i, err)
		}
		msgs[i] = transport.GroupMessage{Group: w.group, Message: m}
	}
	if ic.ctx.Err() != nil {
		return nil // closing: deliver nothing more
	}
	h.HandleMessages(ic.from, msgs)
	return nil
}

func (ic *inConn) startCall(h transport.Handler, id uint64, req []byte) error {
	ic.mu.Lock()
	if _, dup := ic.serving[id]; dup {
		ic.mu.Unlock()
		return protocolErrorf("call ID %d reused while in progress", id)
	}
	select {
	case ic.calls <- struct{}{}:
	default:
		ic.mu.Unlock()
		err := fmt.Errorf("tcpnet: node %d is serving %d calls from node %d already", ic.t.opts.ID, cap(ic.calls), ic.from)
		ic.write(encodeFrame(frameCallResponse, id, encodeStatus(nil, err)))
		return nil
	}
	ctx, cancel := context.WithCancel(ic.ctx)
	ic.serving[id] = cancel
	ic.mu.Unlock()
	ic.t.wg.Add(1)
	go func() {
		defer ic.t.wg.Done()
		resp, err := h.HandleCall(ctx, ic.from, req)
		ic.mu.Lock()
		delete(ic.serving, id)
		ic.mu.Unlock()
		cancel()
		<-ic.calls
		if err == nil && len(resp)+1+8+1 > ic.t.opts.MaxFrameSize {
			err = fmt.Errorf("tcpnet: response of %d bytes exceeds the frame limit of %d", len(resp), ic.t.opts.MaxFrameSize)
		}
		ic.write(encodeFrame(frameCallResponse, id, encodeStatus(resp, err)))
	}()
	return nil
}

func (ic *inConn) startStream(h transport.Handler, id uint64, header []byte) error {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if _, dup := ic.streams[id]; dup {
		return protocolErrorf("snapshot ID %d reused while in progress", id)
	}
	ctx, cancel := context.WithCancel(ic.ctx)
	s := &inStream{chunks: make(chan []byte, ic.t.opts.SnapshotWindow), cancel: cancel}
	ic.streams[id] = s
	ic.t.wg.Add(1)
	go func() {
		defer ic.t.wg.Done()
		ic.write(encodeCredit(id, ic.t.opts.SnapshotWindow))
		body := &chunkReader{ic: ic, id: id, s: s, ctx: ctx}
		err := h.HandleSnapshot(ctx, ic.from, header, body)
		ic.mu.Lock()
		delete(ic.streams, id)
		ic.mu.Unlock()
		cancel()
		ic.write(encodeFrame(frameSnapVerdict, id, encodeStatus(nil, err)))
	}()
	return nil
}

func (ic *inConn) stream(id uint64) *inStream {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return ic.streams[id]
}

func (ic *inConn) pushChunk(id uint64, data []byte) error {
	s := ic.stream(id)
	if s == nil {
		return nil // the handler already returned its verdict
	}
	if s.ended {
		return protocolErrorf("snapshot %d: chunk after the end", id)
	}
	select {
	case s.chunks <- data:
		return nil
	default:
		return protocolErrorf("snapshot %d: sender exceeded its credits", id)
	}
}

func (ic *inConn) endStream(id uint64, aborted bool) {
	s := ic.stream(id)
	if s == nil || s.ended {
		return
	}
	s.ended = true
	if aborted {
		s.aborted.Store(true)
		s.cancel()
	}
	close(s.chunks)
}

func encodeCredit(id uint64, chunks int) []byte {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(chunks))
	return encodeFrame(frameSnapCredit, id, n[:])
}

// chunkReader is the body a snapshot handler reads: the chunks in order,
// granting the sender a credit for each one taken.
type chunkReader struct {
	ic   *inConn
	id   uint64
	s    *inStream
	ctx  context.Context
	cur  []byte
	done bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.done {
			return 0, io.EOF
		}
		select {
		case chunk, ok := <-r.s.chunks:
			if !ok {
				if r.s.aborted.Load() {
					return 0, errStreamAborted
				}
				r.done = true
				return 0, io.EOF
			}
			r.cur = chunk
			r.ic.write(encodeCredit(r.id, 1))
		case <-r.ctx.Done():
			return 0, fmt.Errorf("tcpnet: snapshot stream: %w", r.ctx.Err())
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
