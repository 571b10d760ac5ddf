package dynamotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// TransportFactory builds the nodes the transport suite runs on: one
// transport per ID, in the same order, each able to reach all the others.
// The transports must not be started; the suite starts them with its own
// handlers and closes them when the subtest ends. A factory registers with
// t.Cleanup whatever else it made (a network, listeners).
type TransportFactory func(t *testing.T, ids []transport.NodeID) []transport.Transport

// suiteWait bounds every wait of the suite for traffic to arrive. It is a
// deadlock guard, not a timing assumption: a correct transport delivers on
// loopback in microseconds.
const suiteWait = 20 * time.Second

// TestTransport runs the conformance suite every transport.Transport must
// pass: message delivery, batching and order, calls (round trip, remote
// error, cancellation, deadline, unknown peer, concurrency), snapshot streams
// (content, verdict, cancellation), concurrent use, Close and goroutine
// leaks. Each subtest builds fresh nodes with newNodes and checks with goleak
// that none of their goroutines survive Close.
func TestTransport(t *testing.T, newNodes TransportFactory) {
	cases := []struct {
		name  string
		nodes int
		run   func(t *testing.T, c *suiteCluster)
	}{
		{"DeliversMessagesIntact", 2, suiteDeliversMessagesIntact},
		{"KeepsOrderWithinOnePeerAcrossManyBatches", 2, suiteKeepsOrder},
		{"ReceiversGetIndependentCopies", 3, suiteIndependentCopies},
		{"CallRoundTrip", 2, suiteCallRoundTrip},
		{"CallReturnsRemoteError", 2, suiteCallRemoteError},
		{"CallHonoursCancellationOnBothSides", 2, suiteCallCancel},
		{"CallHonoursDeadline", 2, suiteCallDeadline},
		{"CallsRunConcurrently", 2, suiteCallsConcurrent},
		{"UnknownPeerIsUnreachable", 2, suiteUnknownPeer},
		{"SnapshotStreamsSeveralMiB", 2, suiteSnapshotContent},
		{"SnapshotVerdictErrorReachesSender", 2, suiteSnapshotVerdict},
		{"SnapshotHonoursCancellation", 2, suiteSnapshotCancel},
		{"ConcurrentTrafficBetweenThreeNodes", 3, suiteConcurrent},
		{"CloseStopsTrafficAndFailsLaterCalls", 3, suiteClose},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
			tc.run(t, newSuiteCluster(t, newNodes, tc.nodes))
		})
	}
}

// suiteCluster is the nodes of one subtest with their recording handlers.
type suiteCluster struct {
	ids      []transport.NodeID
	nodes    []transport.Transport
	handlers []*suiteHandler
}

func newSuiteCluster(t *testing.T, newNodes TransportFactory, count int) *suiteCluster {
	c := &suiteCluster{}
	for i := range count {
		c.ids = append(c.ids, transport.NodeID(i+1))
	}
	c.nodes = newNodes(t, c.ids)
	require.Len(t, c.nodes, count, "factory must return one transport per ID")
	t.Cleanup(func() {
		for _, n := range c.nodes {
			_ = n.Close()
		}
	})
	for _, n := range c.nodes {
		h := newSuiteHandler()
		c.handlers = append(c.handlers, h)
		require.NoError(t, n.Start(h))
	}
	return c
}

type suiteReceived struct {
	from transport.NodeID
	msg  transport.GroupMessage
}

// suiteHandler records raft messages and delegates calls and snapshots to
// replaceable functions.
type suiteHandler struct {
	mu       sync.Mutex
	received []suiteReceived
	batches  int
	arrived  chan struct{} // signalled after each batch
	stopped  atomic.Bool   // set once its node is closed
	late     atomic.Int64  // deliveries after stopped was set

	call atomic.Pointer[suiteCallFunc]
	snap atomic.Pointer[suiteSnapFunc]
}

type (
	suiteCallFunc func(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error)
	suiteSnapFunc func(ctx context.Context, from transport.NodeID, header []byte, body io.Reader) error
)

func (h *suiteHandler) onCall(f suiteCallFunc)     { h.call.Store(&f) }
func (h *suiteHandler) onSnapshot(f suiteSnapFunc) { h.snap.Store(&f) }

func newSuiteHandler() *suiteHandler {
	h := &suiteHandler{arrived: make(chan struct{}, 1)}
	h.onCall(func(_ context.Context, from transport.NodeID, req []byte) ([]byte, error) {
		return append([]byte(fmt.Sprintf("from %d: ", from)), req...), nil
	})
	h.onSnapshot(func(_ context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
		_, err := io.Copy(io.Discard, body)
		return err
	})
	return h
}

func (h *suiteHandler) HandleMessages(from transport.NodeID, msgs []transport.GroupMessage) {
	if h.stopped.Load() {
		h.late.Add(1)
	}
	h.mu.Lock()
	for _, m := range msgs {
		h.received = append(h.received, suiteReceived{from: from, msg: m})
	}
	h.batches++
	h.mu.Unlock()
	select {
	case h.arrived <- struct{}{}:
	default:
	}
}

func (h *suiteHandler) HandleCall(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error) {
	if h.stopped.Load() {
		h.late.Add(1)
	}
	return (*h.call.Load())(ctx, from, req)
}

func (h *suiteHandler) HandleSnapshot(ctx context.Context, from transport.NodeID, header []byte, body io.Reader) error {
	if h.stopped.Load() {
		h.late.Add(1)
	}
	return (*h.snap.Load())(ctx, from, header, body)
}

// waitFor blocks until the handler holds at least n messages and returns a
// copy of them.
func (h *suiteHandler) waitFor(t *testing.T, n int) []suiteReceived {
	t.Helper()
	deadline := time.NewTimer(suiteWait)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		got := len(h.received)
		if got >= n {
			out := append([]suiteReceived(nil), h.received...)
			h.mu.Unlock()
			return out
		}
		h.mu.Unlock()
		select {
		case <-h.arrived:
		case <-deadline.C:
			require.FailNowf(t, "messages missing", "received %d of %d messages within %v", got, n, suiteWait)
		}
	}
}

func suiteMessage(group, index uint64, payload int) transport.GroupMessage {
	data := bytes.Repeat([]byte{byte(index)}, payload)
	return transport.GroupMessage{Group: group, Message: &pb.Message{
		Type:    pb.MessageType_MsgApp.Enum(),
		To:      proto.Uint64(2),
		From:    proto.Uint64(1),
		Term:    proto.Uint64(7),
		LogTerm: proto.Uint64(6),
		Index:   proto.Uint64(index),
		Commit:  proto.Uint64(index / 2),
		Entries: []*pb.Entry{
			{Term: proto.Uint64(7), Index: proto.Uint64(index + 1), Type: pb.EntryType_EntryNormal.Enum(), Data: data},
		},
		Context: []byte("ctx"),
	}}
}

func suiteCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), suiteWait)
	t.Cleanup(cancel)
	return ctx
}

func suiteDeliversMessagesIntact(t *testing.T, c *suiteCluster) {
	sent := []transport.GroupMessage{
		suiteMessage(0, 1, 0),
		suiteMessage(17, 2, 100),
		{Group: 1 << 40, Message: &pb.Message{
			Type:       pb.MessageType_MsgAppResp.Enum(),
			Reject:     proto.Bool(true),
			RejectHint: proto.Uint64(99),
			Snapshot: &pb.Snapshot{Data: []byte("snap"), Metadata: &pb.SnapshotMetadata{
				Index: proto.Uint64(5), Term: proto.Uint64(2),
				ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}},
			}},
		}},
	}
	want := make([]transport.GroupMessage, len(sent))
	for i, m := range sent {
		want[i] = transport.GroupMessage{Group: m.Group, Message: proto.Clone(m.Message).(*pb.Message)}
	}
	c.nodes[0].Send(c.ids[1], sent)
	got := c.handlers[1].waitFor(t, len(want))
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, c.ids[0], got[i].from, "message %d sender", i)
		require.Equal(t, want[i].Group, got[i].msg.Group, "message %d group", i)
		require.Truef(t, proto.Equal(want[i].Message, got[i].msg.Message),
			"message %d differs:\nwant %v\ngot  %v", i, want[i].Message, got[i].msg.Message)
	}
}

func suiteKeepsOrder(t *testing.T, c *suiteCluster) {
	const total = 2000
	rng := rand.New(rand.NewPCG(1, 2))
	next := uint64(1)
	sends := 0
	for next <= total {
		size := min(1+rng.IntN(64), total-int(next)+1)
		batch := make([]transport.GroupMessage, 0, size)
		for range size {
			batch = append(batch, suiteMessage(next%5, next, 100))
			next++
		}
		c.nodes[0].Send(c.ids[1], batch)
		sends++
	}
	got := c.handlers[1].waitFor(t, total)
	require.Len(t, got, total, "no message may be lost or duplicated without faults")
	for i, r := range got {
		require.Equal(t, uint64(i+1), r.msg.Message.GetIndex(), "message %d out of order", i)
		require.Equal(t, uint64(i+1)%5, r.msg.Group)
	}
	c.handlers[1].mu.Lock()
	batches := c.handlers[1].batches
	c.handlers[1].mu.Unlock()
	require.LessOrEqual(t, batches, sends, "a transport may merge Sends but must not split one")
}

func suiteIndependentCopies(t *testing.T, c *suiteCluster) {
	msg := suiteMessage(3, 9, 64)
	c.nodes[0].Send(c.ids[1], []transport.GroupMessage{msg})
	c.nodes[0].Send(c.ids[2], []transport.GroupMessage{suiteMessage(3, 9, 64)})
	first := c.handlers[1].waitFor(t, 1)[0].msg.Message
	first.Entries[0].Data[0] ^= 0xff
	first.Index = proto.Uint64(1234)
	second := c.handlers[2].waitFor(t, 1)[0].msg.Message
	require.Equal(t, uint64(9), second.GetIndex())
	require.Equal(t, byte(9), second.Entries[0].Data[0], "receivers must not share message memory")
}

func suiteCallRoundTrip(t *testing.T, c *suiteCluster) {
	ctx := suiteCtx(t)
	for _, req := range [][]byte{[]byte("ping"), {}, bytes.Repeat([]byte("x"), 1<<20)} {
		resp, err := c.nodes[0].Call(ctx, c.ids[1], req)
		require.NoError(t, err)
		require.Equal(t, append([]byte("from 1: "), req...), resp)
	}
	resp, err := c.nodes[1].Call(ctx, c.ids[0], []byte("back"))
	require.NoError(t, err)
	require.Equal(t, "from 2: back", string(resp))
}

func suiteCallRemoteError(t *testing.T, c *suiteCluster) {
	c.handlers[1].onCall(func(context.Context, transport.NodeID, []byte) ([]byte, error) {
		return nil, errors.New("table busy: try later")
	})
	_, err := c.nodes[0].Call(suiteCtx(t), c.ids[1], []byte("q"))
	var remote *transport.RemoteError
	require.ErrorAs(t, err, &remote)
	require.Equal(t, "table busy: try later", remote.Message)
}

func suiteCallCancel(t *testing.T, c *suiteCluster) {
	started := make(chan struct{})
	handlerSaw := make(chan error, 1)
	c.handlers[1].onCall(func(ctx context.Context, _ transport.NodeID, _ []byte) ([]byte, error) {
		close(started)
		<-ctx.Done()
		handlerSaw <- ctx.Err()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(suiteCtx(t))
	errc := make(chan error, 1)
	go func() {
		_, err := c.nodes[0].Call(ctx, c.ids[1], []byte("slow"))
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(suiteWait):
		require.FailNow(t, "call never reached the handler")
	}
	cancel()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(suiteWait):
		require.FailNow(t, "Call did not return after its context was cancelled")
	}
	select {
	case err := <-handlerSaw:
		require.Error(t, err, "the handler's context must end when the caller gives up")
	case <-time.After(suiteWait):
		require.FailNow(t, "the handler's context was not cancelled")
	}
}

func suiteCallDeadline(t *testing.T, c *suiteCluster) {
	c.handlers[1].onCall(func(ctx context.Context, _ transport.NodeID, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.nodes[0].Call(ctx, c.ids[1], []byte("slow"))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	expired, cancelExpired := context.WithCancel(context.Background())
	cancelExpired()
	_, err = c.nodes[0].Call(expired, c.ids[1], []byte("late"))
	require.ErrorIs(t, err, context.Canceled, "a call with an ended context must not be sent")
}

func suiteCallsConcurrent(t *testing.T, c *suiteCluster) {
	const parallel = 8
	var barrier sync.WaitGroup
	barrier.Add(parallel)
	c.handlers[1].onCall(func(ctx context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
		barrier.Done()
		barrier.Wait() // returns only once all calls are being served at once
		return req, nil
	})
	ctx := suiteCtx(t)
	var wg sync.WaitGroup
	errs := make([]error, parallel)
	resps := make([][]byte, parallel)
	for i := range parallel {
		wg.Go(func() {
			resps[i], errs[i] = c.nodes[0].Call(ctx, c.ids[1], []byte{byte(i)})
		})
	}
	wg.Wait()
	for i := range parallel {
		require.NoError(t, errs[i])
		require.Equal(t, []byte{byte(i)}, resps[i], "responses must reach their own callers")
	}
}

func suiteUnknownPeer(t *testing.T, c *suiteCluster) {
	const stranger = transport.NodeID(99)
	ctx := suiteCtx(t)
	_, err := c.nodes[0].Call(ctx, stranger, []byte("hello"))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	err = c.nodes[0].SendSnapshot(ctx, stranger, []byte("h"), bytes.NewReader([]byte("body")))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	c.nodes[0].Send(stranger, []transport.GroupMessage{suiteMessage(1, 1, 10)}) // dropped, no panic
	// The node still works for known peers.
	_, err = c.nodes[0].Call(ctx, c.ids[1], []byte("hello"))
	require.NoError(t, err)
}

type suiteSnapshot struct {
	from   transport.NodeID
	header []byte
	size   int64
	sum    [32]byte
}

func suiteHashingSnapshotHandler(got chan<- suiteSnapshot) suiteSnapFunc {
	return func(_ context.Context, from transport.NodeID, header []byte, body io.Reader) error {
		h := sha256.New()
		n, err := io.Copy(h, body)
		if err != nil {
			return err
		}
		s := suiteSnapshot{from: from, header: bytes.Clone(header), size: n}
		h.Sum(s.sum[:0])
		got <- s
		return nil
	}
}

func suiteBody(seed uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	body := make([]byte, size)
	for i := 0; i < size; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < size; j++ {
			body[i+j] = byte(v >> (8 * j))
		}
	}
	return body
}

func suiteSnapshotContent(t *testing.T, c *suiteCluster) {
	got := make(chan suiteSnapshot, 1)
	c.handlers[1].onSnapshot(suiteHashingSnapshotHandler(got))
	body := suiteBody(42, 5<<20+12345)
	header := []byte("group=7 index=1000 term=3")
	// iotest-style reader that returns small reads exercises chunk assembly.
	err := c.nodes[0].SendSnapshot(suiteCtx(t), c.ids[1], header, &suiteChoppyReader{r: bytes.NewReader(body)})
	require.NoError(t, err)
	s := <-got
	require.Equal(t, c.ids[0], s.from)
	require.Equal(t, header, s.header)
	require.Equal(t, int64(len(body)), s.size)
	require.Equal(t, sha256.Sum256(body), s.sum, "snapshot body must arrive unchanged")
}

// suiteChoppyReader returns reads of varying small sizes.
type suiteChoppyReader struct {
	r     io.Reader
	calls int
}

func (c *suiteChoppyReader) Read(p []byte) (int, error) {
	c.calls++
	limit := 1 + (c.calls*7919)%(256<<10)
	if len(p) > limit {
		p = p[:limit]
	}
	return c.r.Read(p)
}

func suiteSnapshotVerdict(t *testing.T, c *suiteCluster) {
	c.handlers[1].onSnapshot(func(_ context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
		buf := make([]byte, 1000)
		if _, err := io.ReadFull(body, buf); err != nil {
			return err
		}
		return errors.New("checksum mismatch in chunk 0")
	})
	err := c.nodes[0].SendSnapshot(suiteCtx(t), c.ids[1], []byte("h"), bytes.NewReader(suiteBody(1, 3<<20)))
	var remote *transport.RemoteError
	require.ErrorAs(t, err, &remote)
	require.Equal(t, "checksum mismatch in chunk 0", remote.Message)

	// An empty body is a valid stream.
	got := make(chan suiteSnapshot, 1)
	c.handlers[1].onSnapshot(suiteHashingSnapshotHandler(got))
	require.NoError(t, c.nodes[0].SendSnapshot(suiteCtx(t), c.ids[1], nil, bytes.NewReader(nil)))
	require.Equal(t, int64(0), (<-got).size)
}

func suiteSnapshotCancel(t *testing.T, c *suiteCluster) {
	started := make(chan struct{})
	handlerSaw := make(chan error, 1)
	c.handlers[1].onSnapshot(func(ctx context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
		close(started)
		<-ctx.Done()
		handlerSaw <- ctx.Err()
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(suiteCtx(t))
	errc := make(chan error, 1)
	go func() {
		errc <- c.nodes[0].SendSnapshot(ctx, c.ids[1], []byte("h"), bytes.NewReader(suiteBody(2, 8<<20)))
	}()
	select {
	case <-started:
	case <-time.After(suiteWait):
		require.FailNow(t, "snapshot never reached the handler")
	}
	cancel()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(suiteWait):
		require.FailNow(t, "SendSnapshot did not return after its context was cancelled")
	}
	select {
	case err := <-handlerSaw:
		require.Error(t, err)
	case <-time.After(suiteWait):
		require.FailNow(t, "the snapshot handler's context was not cancelled")
	}
}

func suiteConcurrent(t *testing.T, c *suiteCluster) {
	const (
		batchesPerPeer = 50
		perBatch       = 8
		callsPerPeer   = 20
	)
	snaps := make([]chan suiteSnapshot, len(c.nodes))
	for i := range c.nodes {
		snaps[i] = make(chan suiteSnapshot, len(c.nodes))
		c.handlers[i].onSnapshot(suiteHashingSnapshotHandler(snaps[i]))
	}
	body := suiteBody(3, 1<<20+17)
	ctx := suiteCtx(t)
	var wg sync.WaitGroup
	var failures atomic.Int64
	var firstErr atomic.Value
	record := func(err error) {
		if err != nil {
			failures.Add(1)
			firstErr.CompareAndSwap(nil, err)
		}
	}
	for i, from := range c.nodes {
		for j, to := range c.ids {
			if i == j {
				continue
			}
			wg.Go(func() {
				for b := range batchesPerPeer {
					batch := make([]transport.GroupMessage, perBatch)
					for k := range batch {
						batch[k] = suiteMessage(uint64(i), uint64(b*perBatch+k+1), 32)
					}
					from.Send(to, batch)
				}
			})
			wg.Go(func() {
				for k := range callsPerPeer {
					req := []byte(fmt.Sprintf("%d-%d-%d", i, j, k))
					resp, err := from.Call(ctx, to, req)
					record(err)
					if err == nil && !bytes.Equal(resp, append([]byte(fmt.Sprintf("from %d: ", c.ids[i])), req...)) {
						record(fmt.Errorf("call %s got %q", req, resp))
					}
				}
			})
			wg.Go(func() {
				record(from.SendSnapshot(ctx, to, []byte{byte(i)}, bytes.NewReader(body)))
			})
		}
	}
	wg.Wait()
	require.Zero(t, failures.Load(), "first failure: %v", firstErr.Load())
	want := (len(c.nodes) - 1) * batchesPerPeer * perBatch
	for i, h := range c.handlers {
		got := h.waitFor(t, want)
		require.Len(t, got, want, "node %d", i)
		perSender := map[transport.NodeID]uint64{}
		for _, r := range got {
			perSender[r.from]++
			require.Equal(t, perSender[r.from], r.msg.Message.GetIndex(), "order from %d", r.from)
		}
		for range len(c.nodes) - 1 {
			s := <-snaps[i]
			require.Equal(t, sha256.Sum256(body), s.sum)
		}
	}
}

func suiteClose(t *testing.T, c *suiteCluster) {
	a, b := c.nodes[0], c.nodes[1]
	ctx := suiteCtx(t)
	// Traffic flows both ways first, so connections exist.
	_, err := b.Call(ctx, c.ids[0], []byte("warm"))
	require.NoError(t, err)
	_, err = a.Call(ctx, c.ids[1], []byte("warm"))
	require.NoError(t, err)

	require.NoError(t, a.Close())
	c.handlers[0].stopped.Store(true)

	_, err = a.Call(ctx, c.ids[1], []byte("after close"))
	require.ErrorIs(t, err, transport.ErrClosed)
	err = a.SendSnapshot(ctx, c.ids[1], nil, bytes.NewReader([]byte("x")))
	require.ErrorIs(t, err, transport.ErrClosed)
	a.Send(c.ids[1], []transport.GroupMessage{suiteMessage(1, 1, 1)}) // dropped, no panic
	require.NotPanics(t, func() { _ = a.Close() }, "a second Close must be harmless")

	_, err = b.Call(ctx, c.ids[0], []byte("to the closed node"))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	err = b.SendSnapshot(ctx, c.ids[0], nil, bytes.NewReader([]byte("x")))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	b.Send(c.ids[0], []transport.GroupMessage{suiteMessage(1, 1, 1)})

	// The remaining nodes still talk to each other, and nothing the closed
	// node sent after Close arrived (b's handler saw no message at all).
	resp, err := b.Call(ctx, c.ids[2], []byte("still here"))
	require.NoError(t, err)
	require.Equal(t, "from 2: still here", string(resp))
	c.nodes[2].Send(c.ids[1], []transport.GroupMessage{suiteMessage(2, 1, 1)})
	got := c.handlers[1].waitFor(t, 1)
	require.Equal(t, c.ids[2], got[0].from, "only node 3's message may reach node 2")

	for _, n := range c.nodes[1:] {
		require.NoError(t, n.Close())
	}
	require.Zero(t, c.handlers[0].late.Load(), "a closed node's handler must not be called")
	c.handlers[1].mu.Lock()
	defer c.handlers[1].mu.Unlock()
	require.Len(t, c.handlers[1].received, 1)
}
