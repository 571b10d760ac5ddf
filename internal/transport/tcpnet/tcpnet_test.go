package tcpnet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/tcpnet/tlstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// handler records messages and answers calls with a fixed prefix.
type handler struct {
	prefix  string
	mu      sync.Mutex
	got     []transport.GroupMessage
	arrived chan struct{}
}

func newHandler(prefix string) *handler {
	return &handler{prefix: prefix, arrived: make(chan struct{}, 1)}
}

func (h *handler) HandleMessages(_ transport.NodeID, msgs []transport.GroupMessage) {
	h.mu.Lock()
	h.got = append(h.got, msgs...)
	h.mu.Unlock()
	select {
	case h.arrived <- struct{}{}:
	default:
	}
}

func (h *handler) HandleCall(_ context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
	return append([]byte(h.prefix), req...), nil
}

func (h *handler) HandleSnapshot(_ context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}

func (h *handler) waitCount(t *testing.T, n int) []transport.GroupMessage {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		got := append([]transport.GroupMessage(nil), h.got...)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.arrived:
		case <-deadline.C:
			require.FailNowf(t, "messages missing", "got %d of %d", len(got), n)
		}
	}
}

func newNode(t *testing.T, opts Options) (*Transport, *handler) {
	t.Helper()
	if opts.ListenAddr == "" {
		opts.ListenAddr = "127.0.0.1:0"
	}
	n, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, n.Close()) })
	h := newHandler(fmt.Sprintf("node %d: ", opts.ID))
	require.NoError(t, n.Start(h))
	return n, h
}

func raftMsg(index uint64, payload int) transport.GroupMessage {
	return transport.GroupMessage{Group: 1, Message: &pb.Message{
		Type:    pb.MessageType_MsgApp.Enum(),
		Index:   proto.Uint64(index),
		Entries: []*pb.Entry{{Data: make([]byte, payload)}},
	}}
}

func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOptionsAreValidated(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"zero node ID", Options{ListenAddr: "127.0.0.1:0"}, "Options.ID"},
		{"no listen address", Options{ID: 1}, "ListenAddr"},
		{"tiny frames", Options{ID: 1, ListenAddr: "127.0.0.1:0", MaxFrameSize: 100}, "MaxFrameSize"},
		{"chunk larger than a frame", Options{ID: 1, ListenAddr: "127.0.0.1:0", MaxFrameSize: 8192, SnapshotChunkSize: 8192}, "SnapshotChunkSize"},
		{"window too large", Options{ID: 1, ListenAddr: "127.0.0.1:0", SnapshotWindow: 5000}, "SnapshotWindow"},
		{"unusable address", Options{ID: 1, ListenAddr: "256.0.0.1:0"}, "listen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestHandshakeRefusals(t *testing.T) {
	certsA, err := tlstest.MutualTLS(2)
	require.NoError(t, err)
	certsB, err := tlstest.MutualTLS(1)
	require.NoError(t, err)
	refuseAll := func(transport.NodeID, *tls.ConnectionState) error { return errors.New("not on the list") }
	cases := []struct {
		name     string
		dialer   Options
		acceptor Options
		dialID   transport.NodeID // the ID the dialer thinks it reaches
		want     string
	}{
		{"different clusters", Options{ID: 1, ClusterID: 1}, Options{ID: 2, ClusterID: 2}, 2, "cluster 1, this node is in cluster 2"},
		{"stale address reaches another node", Options{ID: 1}, Options{ID: 2}, 3, "dialled node 3, reached node 2"},
		{"untrusted certificate", Options{ID: 1, TLS: certsA[0]}, Options{ID: 2, TLS: certsB[0]}, 2, "tls"},
		{"TLS against plain TCP", Options{ID: 1, TLS: certsA[0]}, Options{ID: 2}, 2, "tls"},
		{"acceptor's VerifyPeer refuses", Options{ID: 1, TLS: certsA[0]}, Options{ID: 2, TLS: certsA[1], VerifyPeer: refuseAll}, 2, "not on the list"},
		{"dialer's VerifyPeer refuses", Options{ID: 1, TLS: certsA[0], VerifyPeer: refuseAll}, Options{ID: 2, TLS: certsA[1]}, 2, "not on the list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newNode(t, tc.acceptor)
			tc.dialer.Peers = map[transport.NodeID]string{tc.dialID: b.Addr().String()}
			// A simulated clock holds the redial back, so the dial count is
			// exact however slow the machine.
			tc.dialer.Clock = &armClock{Sim: clock.NewSim(time.Unix(0, 0)), armed: make(chan struct{}, 16)}
			a, _ := newNode(t, tc.dialer)
			ctx := callCtx(t)
			_, err := a.Call(ctx, tc.dialID, []byte("hi"))
			require.ErrorIs(t, err, transport.ErrUnreachable)
			require.ErrorContains(t, err, tc.want)
			// While the peer is down, calls fail at once without a new dial.
			_, err = a.Call(ctx, tc.dialID, []byte("again"))
			require.ErrorIs(t, err, transport.ErrUnreachable)
			require.ErrorIs(t, a.SendSnapshot(ctx, tc.dialID, nil, bytes.NewReader(nil)), transport.ErrUnreachable)
			require.Equal(t, uint64(1), a.Stats().DialFailures)
		})
	}
}

func TestVerifyPeerBindsNodeIDsToCertificates(t *testing.T) {
	certs, err := tlstest.MutualTLS(2)
	require.NoError(t, err)
	byName := func(id transport.NodeID, state *tls.ConnectionState) error {
		if state == nil || len(state.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		if cn, want := state.PeerCertificates[0].Subject.CommonName, fmt.Sprintf("node-%d", id); cn != want {
			return fmt.Errorf("certificate %q claims to be %s", cn, want)
		}
		return nil
	}
	b, _ := newNode(t, Options{ID: 2, TLS: certs[1], VerifyPeer: byName})
	a, _ := newNode(t, Options{ID: 1, TLS: certs[0], VerifyPeer: byName, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
	resp, err := a.Call(callCtx(t), 2, []byte("ok"))
	require.NoError(t, err)
	require.Equal(t, "node 2: ok", string(resp))

	// Node 1's certificate presented under ID 3 is refused.
	c, _ := newNode(t, Options{ID: 3, TLS: certs[0], VerifyPeer: byName, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
	_, err = c.Call(callCtx(t), 2, []byte("imposter"))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.ErrorContains(t, err, `certificate "node-1" claims to be node-3`)
}

// armClock is a simulated clock that signals each new timer, so a test can
// advance time exactly when the transport waits.
type armClock struct {
	*clock.Sim
	armed chan struct{}
}

func (c *armClock) NewTimer(d time.Duration) clock.Timer {
	timer := c.Sim.NewTimer(d)
	c.armed <- struct{}{}
	return timer
}

func TestRedialsAfterThePeerRestarts(t *testing.T) {
	clk := &armClock{Sim: clock.NewSim(time.Unix(0, 0)), armed: make(chan struct{}, 16)}
	b, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	require.NoError(t, b.Start(newHandler("first life: ")))
	addr := b.Addr().String()
	a, _ := newNode(t, Options{ID: 1, Clock: clk, MinBackoff: time.Second, MaxBackoff: 4 * time.Second,
		Peers: map[transport.NodeID]string{2: addr}})
	ctx := callCtx(t)
	resp, err := a.Call(ctx, 2, []byte("x"))
	require.NoError(t, err)
	require.Equal(t, "first life: x", string(resp))

	require.NoError(t, b.Close())
	<-clk.armed // a noticed the loss and waits to redial
	b2, _ := newNode(t, Options{ID: 2, ListenAddr: addr})
	_ = b2
	clk.Advance(4 * time.Second)
	resp, err = a.Call(ctx, 2, []byte("y"))
	require.NoError(t, err)
	require.Equal(t, "node 2: y", string(resp))
	require.Equal(t, uint64(2), a.Stats().Dials)
}

func TestUnreachableAddressFailsCallsAndDropsMessages(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nobody listens there now
	clk := &armClock{Sim: clock.NewSim(time.Unix(0, 0)), armed: make(chan struct{}, 16)}
	a, _ := newNode(t, Options{ID: 1, Clock: clk, Peers: map[transport.NodeID]string{2: addr}})
	_, err = a.Call(callCtx(t), 2, []byte("x"))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	<-clk.armed
	a.Send(2, []transport.GroupMessage{raftMsg(1, 1), raftMsg(2, 1)})
	st := a.Stats()
	require.Equal(t, uint64(2), st.MessagesDropped)
	require.Equal(t, uint64(1), st.DialFailures)
}

func TestSetPeerRedialsAnUnreachablePeerAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	clk := &armClock{Sim: clock.NewSim(time.Unix(0, 0)), armed: make(chan struct{}, 16)}
	a, _ := newNode(t, Options{ID: 1, Clock: clk, MinBackoff: time.Hour, MaxBackoff: time.Hour,
		Peers: map[transport.NodeID]string{2: deadAddr}})
	_, err = a.Call(callCtx(t), 2, []byte("x"))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	<-clk.armed // waiting an hour of simulated time to redial

	b, _ := newNode(t, Options{ID: 2})
	a.SetPeer(2, b.Addr().String())
	resp, err := a.Call(callCtx(t), 2, []byte("moved"))
	require.NoError(t, err, "the new address is dialled without waiting for the backoff")
	require.Equal(t, "node 2: moved", string(resp))
}

// fakePeer accepts one connection on a raw listener and completes the
// handshake by hand, so a test can see exactly what a transport writes.
type fakePeer struct {
	ln   net.Listener
	conn net.Conn
	br   *bufio.Reader
}

func newFakePeer(t *testing.T) *fakePeer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return &fakePeer{ln: ln}
}

func (f *fakePeer) accept(t *testing.T, id transport.NodeID) hello {
	conn, err := f.ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	f.conn, f.br = conn, bufio.NewReader(conn)
	fr, err := readFrame(f.br, 1<<20)
	require.NoError(t, err)
	require.Equal(t, frameHello, fr.typ)
	h, err := decodeHello(fr.payload)
	require.NoError(t, err)
	_, err = conn.Write(encodeNodeFrame(frameHelloAck, id))
	require.NoError(t, err)
	return h
}

func TestFullSendQueueDropsTheNewestSends(t *testing.T) {
	peer := newFakePeer(t)
	a, _ := newNode(t, Options{ID: 1, ClusterID: 9, SendQueueSize: 4, Peers: map[transport.NodeID]string{2: peer.ln.Addr().String()}})
	// The fake peer has not answered the handshake, so nothing drains.
	for i := range 10 {
		a.Send(2, []transport.GroupMessage{raftMsg(uint64(i), 10)})
	}
	require.Equal(t, uint64(6), a.Stats().MessagesDropped)
	h := peer.accept(t, 2)
	require.Equal(t, hello{cluster: 9, from: 1, to: 2}, h)
	var indexes []uint64
	for len(indexes) < 4 {
		fr, err := readFrame(peer.br, 1<<20)
		require.NoError(t, err)
		require.Equal(t, frameMessages, fr.typ)
		msgs, err := decodeMessages(fr.payload)
		require.NoError(t, err)
		for _, w := range msgs {
			m := new(pb.Message)
			require.NoError(t, proto.Unmarshal(w.data, m))
			indexes = append(indexes, m.GetIndex())
		}
	}
	require.Equal(t, []uint64{0, 1, 2, 3}, indexes, "the oldest Sends are kept, in order")
}

func TestOversizedTrafficIsRefusedLocally(t *testing.T) {
	b, hb := newNode(t, Options{ID: 2, MaxFrameSize: 8192, SnapshotChunkSize: 4096})
	a, _ := newNode(t, Options{ID: 1, MaxFrameSize: 8192, SnapshotChunkSize: 4096, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
	a.Send(2, []transport.GroupMessage{raftMsg(1, 10000), raftMsg(2, 10)})
	got := hb.waitCount(t, 1)
	require.Equal(t, uint64(2), got[0].Message.GetIndex(), "the message too large for a frame is dropped, the other sent")
	require.Equal(t, uint64(1), a.Stats().MessagesDropped)

	// A Send larger than one frame is cut into frames but fully delivered.
	var big []transport.GroupMessage
	for i := range 20 {
		big = append(big, raftMsg(uint64(100+i), 1000))
	}
	a.Send(2, big)
	got = hb.waitCount(t, 21)
	for i, m := range got[1:] {
		require.Equal(t, uint64(100+i), m.Message.GetIndex())
	}

	_, err := a.Call(callCtx(t), 2, make([]byte, 9000))
	require.ErrorContains(t, err, "exceeds the frame limit")
	require.NotErrorIs(t, err, transport.ErrUnreachable)
	// A snapshot body far larger than a frame streams in chunks.
	require.NoError(t, a.SendSnapshot(callCtx(t), 2, []byte("h"), bytes.NewReader(make([]byte, 100_000))))
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func validHello(to transport.NodeID) []byte {
	return encodeHello(hello{cluster: 0, from: 5, to: to})
}

func rawFrame(typ byte, payload []byte) []byte {
	buf := appendFrameStart(nil, typ)
	buf = append(buf, payload...)
	return finishFrame(buf, 0)
}

// TestBadFramesCloseTheConnectionAndAreLogged plays a misbehaving peer: each
// case writes bytes after (or instead of) a valid hello; the node must close
// that connection, count and log a protocol error, never panic, and keep
// serving well-behaved peers.
func TestBadFramesCloseTheConnectionAndAreLogged(t *testing.T) {
	badCRC := rawFrame(frameCallRequest, make([]byte, 12))
	badCRC[5] ^= 0xff
	oversized := make([]byte, 8)
	binary.BigEndian.PutUint32(oversized, 1<<30)
	lyingCount := rawFrame(frameMessages, binary.AppendUvarint(nil, 1_000_000))
	badProto := rawFrame(frameMessages, []byte{1, 0, 2, 0xff, 0xff})
	cases := []struct {
		name  string
		bytes []byte
	}{
		{"garbage instead of a hello", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"hello with a bad magic", rawFrame(frameHello, append([]byte("XXXX"), make([]byte, helloSize-4)...))},
		{"call before the hello", rawFrame(frameCallRequest, make([]byte, 8))},
		{"bad checksum", append(validHello(2), badCRC...)},
		{"frame over the size limit", append(validHello(2), oversized...)},
		{"empty frame", append(validHello(2), make([]byte, 8)...)},
		{"unknown frame type", append(validHello(2), rawFrame(99, nil)...)},
		{"answer frame sent to the acceptor", append(validHello(2), rawFrame(frameCallResponse, make([]byte, 9))...)},
		{"message count beyond the frame", append(validHello(2), lyingCount...)},
		{"undecodable raft message", append(validHello(2), badProto...)},
		{"call without an ID", append(validHello(2), rawFrame(frameCallRequest, []byte{1, 2})...)},
		{"chunk after the end", append(validHello(2), joinFrames(
			rawFrame(frameSnapBegin, make([]byte, 8)),
			rawFrame(frameSnapEnd, make([]byte, 8)),
			rawFrame(frameSnapChunk, make([]byte, 9)))...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			b, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0", MaxFrameSize: 1 << 20, SnapshotChunkSize: 64 << 10,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			require.NoError(t, err)
			h := &blockingSnapshotHandler{handler: newHandler("node 2: ")}
			require.NoError(t, b.Start(h))
			t.Cleanup(func() { require.NoError(t, b.Close()) })

			conn, err := net.Dial("tcp", b.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			_, _ = conn.Write(tc.bytes)
			_, err = io.Copy(io.Discard, conn) // returns once the node closes the connection
			require.NoError(t, err, "the node must close the connection, not stall")
			require.Equal(t, uint64(1), b.Stats().ProtocolErrors)
			require.Contains(t, logs.String(), "protocol error")

			a, _ := newNode(t, Options{ID: 1, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
			resp, err := a.Call(callCtx(t), 2, []byte("still serving"))
			require.NoError(t, err)
			require.Equal(t, "node 2: still serving", string(resp))
		})
	}
}

func joinFrames(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// blockingSnapshotHandler holds snapshot streams open until their context
// ends, so a test controls when a stream finishes.
type blockingSnapshotHandler struct{ *handler }

func (h *blockingSnapshotHandler) HandleSnapshot(ctx context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestSenderExceedingCreditsIsAProtocolError(t *testing.T) {
	b, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0", SnapshotWindow: 1})
	require.NoError(t, err)
	stuck := make(chan struct{})
	defer close(stuck)
	require.NoError(t, b.Start(stuckSnapshotHandler{handler: newHandler(""), release: stuck}))
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	conn, err := net.Dial("tcp", b.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	id := make([]byte, 8)
	chunk := append(bytes.Clone(id), 1, 2, 3)
	// The handler never reads, so only the one credited chunk fits; the
	// channel holds it, the next two overflow.
	_, _ = conn.Write(joinFrames(validHello(2), rawFrame(frameSnapBegin, id),
		rawFrame(frameSnapChunk, chunk), rawFrame(frameSnapChunk, chunk), rawFrame(frameSnapChunk, chunk)))
	_, err = io.Copy(io.Discard, conn)
	require.NoError(t, err)
	require.Equal(t, uint64(1), b.Stats().ProtocolErrors)
}

type stuckSnapshotHandler struct {
	*handler
	release chan struct{}
}

func (h stuckSnapshotHandler) HandleSnapshot(ctx context.Context, _ transport.NodeID, _ []byte, _ io.Reader) error {
	select {
	case <-h.release:
	case <-ctx.Done():
	}
	return nil
}

func TestTooManyConcurrentCallsAreRefusedNotQueued(t *testing.T) {
	release := make(chan struct{})
	b, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0", MaxConcurrentCalls: 2})
	require.NoError(t, err)
	started := make(chan struct{}, 2)
	require.NoError(t, b.Start(callFuncHandler(func(ctx context.Context, req []byte) ([]byte, error) {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return req, nil
	})))
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	a, _ := newNode(t, Options{ID: 1, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
	ctx := callCtx(t)
	var wg sync.WaitGroup
	slowErrs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := a.Call(ctx, 2, []byte("slow"))
			slowErrs <- err
		})
	}
	<-started
	<-started
	_, err = a.Call(ctx, 2, []byte("third"))
	var remote *transport.RemoteError
	require.ErrorAs(t, err, &remote)
	require.True(t, strings.Contains(remote.Message, "serving 2 calls"), remote.Message)
	close(release)
	wg.Wait()
	require.NoError(t, <-slowErrs)
	require.NoError(t, <-slowErrs)
}

type callFuncHandler func(ctx context.Context, req []byte) ([]byte, error)

func (f callFuncHandler) HandleMessages(transport.NodeID, []transport.GroupMessage) {}
func (f callFuncHandler) HandleCall(ctx context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
	return f(ctx, req)
}
func (f callFuncHandler) HandleSnapshot(context.Context, transport.NodeID, []byte, io.Reader) error {
	return nil
}

func TestStartAndCloseRules(t *testing.T) {
	n, err := New(Options{ID: 1, ListenAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	require.Error(t, n.Start(nil))
	require.NoError(t, n.Start(newHandler("")))
	require.ErrorContains(t, n.Start(newHandler("")), "already started")
	require.NoError(t, n.Close())
	require.NoError(t, n.Close())
	require.ErrorIs(t, n.Start(newHandler("")), transport.ErrClosed)
	_, err = n.Call(context.Background(), 2, nil)
	require.ErrorIs(t, err, transport.ErrClosed)
	n.Send(2, []transport.GroupMessage{raftMsg(1, 1)})
}

// dropConnections closes every connection t holds, as a network failure
// would.
func dropConnections(t *Transport) int {
	t.mu.Lock()
	conns := make([]net.Conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

// TestConnectionChurnNeverStrandsCallers breaks the connections again and
// again while calls and snapshots run: every operation must end with its
// result or ErrUnreachable, never by running into its deadline, and the
// nodes must keep working afterwards.
func TestConnectionChurnNeverStrandsCallers(t *testing.T) {
	b, _ := newNode(t, Options{ID: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	a, _ := newNode(t, Options{ID: 1, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		SnapshotChunkSize: 16 << 10, Peers: map[transport.NodeID]string{2: b.Addr().String()}})
	const workers, perWorker = 4, 60
	completed := make(chan struct{}, workers*perWorker)
	var failures sync.Map
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				var err error
				if i%10 == 0 {
					err = a.SendSnapshot(ctx, 2, nil, bytes.NewReader(make([]byte, 100<<10)))
				} else {
					var resp []byte
					req := []byte(fmt.Sprintf("%d-%d", w, i))
					resp, err = a.Call(ctx, 2, req)
					if err == nil && string(resp) != "node 2: "+string(req) {
						err = fmt.Errorf("wrong response %q to %q", resp, req)
					}
				}
				cancel()
				a.Send(2, []transport.GroupMessage{raftMsg(uint64(i), 10)})
				if err != nil && !errors.Is(err, transport.ErrUnreachable) {
					failures.Store(fmt.Sprintf("%d-%d", w, i), err)
				}
				completed <- struct{}{}
			}
		})
	}
	// Break every connection after each tenth completed operation.
	broken := 0
	for done := 1; done <= workers*perWorker; done++ {
		<-completed
		if done%10 == 0 {
			broken += dropConnections(b)
		}
	}
	wg.Wait()
	require.Positive(t, broken, "the test must break connections to mean anything")
	failures.Range(func(k, v any) bool {
		t.Errorf("operation %v: %v", k, v)
		return true
	})
	// The nodes still talk once the churn stops.
	ctx := callCtx(t)
	var err error
	for range 100 { // a call may meet the last broken connection
		if _, err = a.Call(ctx, 2, []byte("after")); err == nil {
			break
		}
		require.ErrorIs(t, err, transport.ErrUnreachable)
	}
	require.NoError(t, err)
}
