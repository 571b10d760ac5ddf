package memnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a handler that logs every delivery and answers calls.
type recorder struct {
	id  transport.NodeID
	mu  sync.Mutex
	log []string
	got []transport.GroupMessage
	// onMessages, when set, runs after each batch is logged (stepped tests
	// use it to make nodes answer).
	onMessages func(from transport.NodeID, msgs []transport.GroupMessage)
	callFunc   func(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error)
	arrived    chan struct{}
}

func newRecorder(id transport.NodeID) *recorder {
	return &recorder{id: id, arrived: make(chan struct{}, 1)}
}

func (r *recorder) HandleMessages(from transport.NodeID, msgs []transport.GroupMessage) {
	r.mu.Lock()
	for _, m := range msgs {
		r.log = append(r.log, fmt.Sprintf("%d→%d g%d i%d", from, r.id, m.Group, m.Message.GetIndex()))
		r.got = append(r.got, m)
	}
	hook := r.onMessages
	r.mu.Unlock()
	if hook != nil {
		hook(from, msgs)
	}
	select {
	case r.arrived <- struct{}{}:
	default:
	}
}

func (r *recorder) HandleCall(ctx context.Context, from transport.NodeID, req []byte) ([]byte, error) {
	r.mu.Lock()
	r.log = append(r.log, fmt.Sprintf("%d→%d call %s", from, r.id, req))
	f := r.callFunc
	r.mu.Unlock()
	if f != nil {
		return f(ctx, from, req)
	}
	return append([]byte("re:"), req...), nil
}

func (r *recorder) HandleSnapshot(_ context.Context, from transport.NodeID, header []byte, body io.Reader) error {
	data, err := io.ReadAll(body)
	r.mu.Lock()
	r.log = append(r.log, fmt.Sprintf("%d→%d snap %s %d", from, r.id, header, len(data)))
	r.mu.Unlock()
	return err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *recorder) waitCount(t *testing.T, n int) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for r.count() < n {
		select {
		case <-r.arrived:
		case <-deadline.C:
			require.FailNowf(t, "messages missing", "got %d of %d", r.count(), n)
		}
	}
}

func msg(index uint64) []transport.GroupMessage {
	return []transport.GroupMessage{{Group: 1, Message: &pb.Message{
		Type:  pb.MessageType_MsgApp.Enum(),
		Index: proto.Uint64(index),
	}}}
}

type cluster struct {
	net   *memnet.Network
	nodes map[transport.NodeID]*memnet.Transport
	recs  map[transport.NodeID]*recorder
}

func newCluster(t *testing.T, opts memnet.Options, ids ...transport.NodeID) *cluster {
	t.Helper()
	n, err := memnet.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, n.Close()) })
	c := &cluster{net: n, nodes: map[transport.NodeID]*memnet.Transport{}, recs: map[transport.NodeID]*recorder{}}
	for _, id := range ids {
		tr, err := n.Join(id)
		require.NoError(t, err)
		rec := newRecorder(id)
		require.NoError(t, tr.Start(rec))
		c.nodes[id], c.recs[id] = tr, rec
	}
	return c
}

func TestOptionsRejectBadProbabilities(t *testing.T) {
	for _, f := range []memnet.Faults{{Drop: -0.1}, {Duplicate: 1.5}, {Reorder: math.NaN()}, {MinDelay: -1}} {
		_, err := memnet.New(memnet.Options{Faults: f})
		require.Error(t, err, "%+v", f)
	}
	n, err := memnet.New(memnet.Options{Stepped: true})
	require.NoError(t, err)
	defer n.Close()
	require.Error(t, n.SetLinkFaults(1, 2, memnet.Faults{Drop: 2}))
	require.Error(t, n.SetFaults(memnet.Faults{Reorder: -1}))
}

func TestJoinAndRestartRules(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true}, 1, 2)
	_, err := c.net.Join(1)
	require.ErrorIs(t, err, memnet.ErrNodeExists)
	_, err = c.net.Join(0)
	require.Error(t, err)
	_, err = c.net.Restart(1)
	require.ErrorIs(t, err, memnet.ErrNotCrashed)
	require.NoError(t, c.net.Crash(2))
	require.Error(t, c.net.Crash(2), "a crashed node cannot crash again")
	_, err = c.net.Join(2)
	require.ErrorIs(t, err, memnet.ErrNodeExists, "a crashed node comes back through Restart")
	require.ErrorContains(t, c.nodes[1].Start(newRecorder(1)), "already started")
}

// TestDropAndDuplicateRatesFollowProbabilities sends many single-message
// batches through a faulty link and checks the observed rates lie within
// five standard deviations of the configured probability.
func TestDropAndDuplicateRatesFollowProbabilities(t *testing.T) {
	const sends = 4000
	cases := []struct {
		name      string
		drop, dup float64
	}{
		{"perfect link", 0, 0},
		{"ten percent loss", 0.1, 0},
		{"heavy loss", 0.6, 0},
		{"duplicates only", 0, 0.25},
		{"loss and duplicates", 0.3, 0.2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, memnet.Options{Seed: 7, Stepped: true,
				Faults: memnet.Faults{Drop: tc.drop, Duplicate: tc.dup}}, 1, 2)
			for i := range sends {
				c.nodes[1].Send(2, msg(uint64(i)))
			}
			c.net.DeliverAll()
			st := c.net.Stats()
			require.Equal(t, uint64(sends), st.Sent)
			within := func(name string, observed, p float64) {
				sigma := math.Sqrt(p * (1 - p) / sends)
				require.InDeltaf(t, p, observed, 5*sigma+1e-9, "%s rate", name)
			}
			within("drop", float64(st.Dropped)/sends, tc.drop)
			kept := sends - int(st.Dropped)
			if kept > 0 {
				within("duplicate", float64(st.Duplicated)/float64(kept), tc.dup)
			}
			require.Equal(t, kept+int(st.Duplicated), c.recs[2].count())
			require.Equal(t, uint64(c.recs[2].count()), st.Delivered)
		})
	}
}

// TestPartitionsBlockExactlyTheDirectionsAsked sends on every directed link
// of a three-node cluster after each kind of cut.
func TestPartitionsBlockExactlyTheDirectionsAsked(t *testing.T) {
	ids := []transport.NodeID{1, 2, 3}
	cases := []struct {
		name    string
		cut     func(n *memnet.Network)
		blocked map[[2]transport.NodeID]bool
	}{
		{"no cut", func(*memnet.Network) {}, nil},
		{"two-way partition", func(n *memnet.Network) { n.Partition(1, 2) },
			map[[2]transport.NodeID]bool{{1, 2}: true, {2, 1}: true}},
		{"one-way partition", func(n *memnet.Network) { n.PartitionOneWay(1, 2) },
			map[[2]transport.NodeID]bool{{1, 2}: true}},
		{"isolated node", func(n *memnet.Network) { n.Isolate(3) },
			map[[2]transport.NodeID]bool{{1, 3}: true, {3, 1}: true, {2, 3}: true, {3, 2}: true}},
		{"healed", func(n *memnet.Network) { n.Partition(1, 2); n.Isolate(3); n.Heal() }, nil},
	}
	for _, stepped := range []bool{true, false} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s stepped=%v", tc.name, stepped), func(t *testing.T) {
				c := newCluster(t, memnet.Options{Stepped: stepped}, ids...)
				tc.cut(c.net)
				ctx := context.Background()
				wantMsgs := map[transport.NodeID]int{}
				for _, from := range ids {
					for _, to := range ids {
						if from == to {
							continue
						}
						c.nodes[from].Send(to, msg(uint64(from*10+to)))
						blocked := tc.blocked[[2]transport.NodeID{from, to}]
						if !blocked {
							wantMsgs[to]++
						}
						if stepped {
							continue // calls block until delivered; covered in async
						}
						_, err := c.nodes[from].Call(ctx, to, []byte("x"))
						if blocked {
							require.ErrorIs(t, err, transport.ErrUnreachable, "call %d→%d", from, to)
						} else {
							require.NoError(t, err, "call %d→%d", from, to)
						}
					}
				}
				if stepped {
					c.net.DeliverAll()
				}
				for _, id := range ids {
					c.recs[id].waitCount(t, wantMsgs[id])
					for _, m := range c.recs[id].got {
						from := transport.NodeID(m.Message.GetIndex() / 10)
						require.Falsef(t, tc.blocked[[2]transport.NodeID{from, id}], "message %d→%d crossed a cut", from, id)
					}
				}
			})
		}
	}
}

func TestPartitionSwallowsTrafficInFlight(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true}, 1, 2)
	c.nodes[1].Send(2, msg(1))
	c.nodes[2].Send(1, msg(2))
	c.net.PartitionOneWay(1, 2)
	require.Equal(t, 2, c.net.DeliverAll())
	require.Zero(t, c.recs[2].count(), "the cut direction loses what was in flight")
	require.Equal(t, 1, c.recs[1].count(), "the other direction still delivers")
	require.Equal(t, uint64(1), c.net.Stats().Dropped)
}

func TestCrashAndRestart(t *testing.T) {
	c := newCluster(t, memnet.Options{}, 1, 2)
	ctx := context.Background()

	// A call being served when its node crashes fails as unreachable.
	served := make(chan struct{})
	c.recs[2].callFunc = func(ctx context.Context, _ transport.NodeID, _ []byte) ([]byte, error) {
		close(served)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.nodes[1].Call(ctx, 2, []byte("long"))
		errc <- err
	}()
	<-served
	old := c.nodes[2]
	require.NoError(t, c.net.Crash(2))
	require.ErrorIs(t, <-errc, transport.ErrUnreachable)

	_, err := c.nodes[1].Call(ctx, 2, []byte("x"))
	require.ErrorIs(t, err, transport.ErrUnreachable, "calls to a crashed node")
	_, err = old.Call(ctx, 1, []byte("x"))
	require.ErrorIs(t, err, transport.ErrUnreachable, "calls from a crashed node")
	require.ErrorIs(t, old.SendSnapshot(ctx, 1, nil, bytes.NewReader(nil)), transport.ErrUnreachable)
	old.Send(1, msg(5))
	c.nodes[1].Send(2, msg(6))
	require.NoError(t, old.Close(), "closing a crashed transport reaps it")

	fresh, err := c.net.Restart(2)
	require.NoError(t, err)
	rec := newRecorder(2)
	require.NoError(t, fresh.Start(rec))
	resp, err := c.nodes[1].Call(ctx, 2, []byte("again"))
	require.NoError(t, err)
	require.Equal(t, "re:again", string(resp))
	c.nodes[1].Send(2, msg(7))
	rec.waitCount(t, 1)
	require.Equal(t, uint64(7), rec.got[0].Message.GetIndex(), "only traffic sent after the restart arrives")
	require.Zero(t, c.recs[1].count(), "the crashed node's sends were dropped")
}

func TestRestartedNodeNeverSeesTrafficForItsOldIncarnation(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true}, 1, 2)
	c.nodes[1].Send(2, msg(1))
	require.NoError(t, c.net.Crash(2))
	fresh, err := c.net.Restart(2)
	require.NoError(t, err)
	rec := newRecorder(2)
	require.NoError(t, fresh.Start(rec))
	require.Zero(t, c.net.Pending(), "a crash discards the node's queued inbound traffic")
	c.nodes[1].Send(2, msg(2))
	c.net.DeliverAll()
	require.Equal(t, 1, rec.count())
	require.Equal(t, uint64(2), rec.got[0].Message.GetIndex())
}

func TestSteppedCallWaitsForTheHarness(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true}, 1, 2)
	ctx := context.Background()
	type result struct {
		resp []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.nodes[1].Call(ctx, 2, []byte("q"))
		done <- result{resp, err}
	}()
	require.NoError(t, c.net.AwaitPending(ctx, 1))
	select {
	case <-done:
		require.FailNow(t, "the call was answered before the harness delivered it")
	default:
	}
	require.True(t, c.net.DeliverOne(nil))
	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, "re:q", string(r.resp))

	// A caller that gives up takes its call off the queue.
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		_, err := c.nodes[1].Call(cctx, 2, []byte("abandoned"))
		done <- result{nil, err}
	}()
	require.NoError(t, c.net.AwaitPending(ctx, 1))
	cancel()
	require.ErrorIs(t, (<-done).err, context.Canceled)
	require.Zero(t, c.net.Pending())

	// Snapshots are queued the same way.
	snapDone := make(chan error, 1)
	go func() {
		snapDone <- c.nodes[1].SendSnapshot(ctx, 2, []byte("hdr"), bytes.NewReader(make([]byte, 3000)))
	}()
	require.NoError(t, c.net.AwaitPending(ctx, 1))
	require.True(t, c.net.DeliverOne(nil))
	require.NoError(t, <-snapDone)
	require.Contains(t, c.recs[2].log, "1→2 snap hdr 3000")
}

func TestNetworkCloseReleasesBlockedCallers(t *testing.T) {
	n, err := memnet.New(memnet.Options{Stepped: true})
	require.NoError(t, err)
	a, err := n.Join(1)
	require.NoError(t, err)
	b, err := n.Join(2)
	require.NoError(t, err)
	require.NoError(t, a.Start(newRecorder(1)))
	require.NoError(t, b.Start(newRecorder(2)))
	errc := make(chan error, 1)
	go func() {
		_, err := a.Call(context.Background(), 2, []byte("q"))
		errc <- err
	}()
	require.NoError(t, n.AwaitPending(context.Background(), 1))
	require.NoError(t, n.Close())
	require.ErrorIs(t, <-errc, transport.ErrClosed)
	require.False(t, n.DeliverOne(nil))
	_, err = n.Join(3)
	require.ErrorIs(t, err, transport.ErrClosed)
}

func TestSteppedReorderOnlyWithReorderFault(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reorder   float64
		wantOrder bool
	}{
		{"FIFO without reorder", 0, true},
		{"shuffled with reorder", 0.5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, memnet.Options{Seed: 3, Stepped: true, Faults: memnet.Faults{Reorder: tc.reorder}}, 1, 2, 3)
			for i := range 100 {
				c.nodes[1].Send(2, msg(uint64(i)))
				c.nodes[3].Send(2, msg(uint64(i)))
			}
			rng := rand.New(rand.NewPCG(9, 9))
			for c.net.DeliverOne(rng) {
			}
			require.Equal(t, 200, c.recs[2].count())
			perSender := map[string][]uint64{}
			for i, m := range c.recs[2].got {
				from := c.recs[2].log[i][:1]
				perSender[from] = append(perSender[from], m.Message.GetIndex())
			}
			inOrder := true
			for _, seq := range perSender {
				for i := 1; i < len(seq); i++ {
					if seq[i] < seq[i-1] {
						inOrder = false
					}
				}
			}
			require.Equal(t, tc.wantOrder, inOrder)
		})
	}
}

// simulate runs a small seeded conversation in stepped mode, with a
// partition and a crash and restart on the way, and returns the journal of
// every delivery across all nodes, in the order the harness made them.
func simulate(t *testing.T, seed uint64) []string {
	c := newCluster(t, memnet.Options{Seed: seed, Stepped: true,
		Faults: memnet.Faults{Drop: 0.1, Duplicate: 0.1, Reorder: 0.3}}, 1, 2, 3)
	var journal []string // appended on the harness goroutine only
	hook := func(id transport.NodeID, rec *recorder, node *memnet.Transport) {
		rec.onMessages = func(from transport.NodeID, msgs []transport.GroupMessage) {
			for _, m := range msgs {
				journal = append(journal, fmt.Sprintf("%d→%d i%d", from, id, m.Message.GetIndex()))
				if idx := m.Message.GetIndex(); idx < 40 {
					node.Send(from, msg(idx+1)) // answer, so the conversation feeds itself
				}
			}
		}
		rec.callFunc = func(_ context.Context, from transport.NodeID, req []byte) ([]byte, error) {
			journal = append(journal, fmt.Sprintf("%d→%d call %s", from, id, req))
			return req, nil
		}
	}
	for id, rec := range c.recs {
		hook(id, rec, c.nodes[id])
	}
	for _, from := range []transport.NodeID{1, 2, 3} {
		for _, to := range []transport.NodeID{1, 2, 3} {
			if from != to {
				c.nodes[from].Send(to, msg(0))
			}
		}
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	var calls []chan error
	for step := 0; c.net.Pending() > 0 || step < 130; step++ {
		switch step {
		case 30:
			c.net.Partition(1, 2)
		case 50:
			c.net.Heal()
		case 60:
			require.NoError(t, c.net.Crash(2))
			journal = append(journal, "crash 2")
		case 120:
			tr, err := c.net.Restart(2)
			require.NoError(t, err)
			rec := newRecorder(2)
			hook(2, rec, tr)
			require.NoError(t, tr.Start(rec))
			tr.Send(1, msg(0))
			tr.Send(3, msg(0))
			journal = append(journal, "restart 2")
		}
		if step%25 == 0 {
			// A call issued mid-run reaches the queue before the harness goes
			// on; the harness serves it whenever its generator picks it.
			queued := c.net.Pending()
			done := make(chan error, 1)
			calls = append(calls, done)
			go func() {
				_, err := c.nodes[1].Call(ctx, 3, []byte(fmt.Sprint(step)))
				done <- err
			}()
			require.NoError(t, c.net.AwaitPending(ctx, queued+1))
		}
		c.net.DeliverOne(rng)
	}
	for _, done := range calls {
		require.NoError(t, <-done)
	}
	st := c.net.Stats()
	return append(journal, fmt.Sprintf("stats %+v", st))
}

func TestSteppedModeReplaysIdenticallyForASeed(t *testing.T) {
	first := simulate(t, 11)
	second := simulate(t, 11)
	require.Greater(t, len(first), 50, "the scenario must exercise the network")
	require.Contains(t, first, "restart 2")
	require.Equal(t, first, second, "same seed, same deliveries in the same order")
	require.NotEqual(t, first, simulate(t, 12), "another seed gives another schedule")
}

func TestAsyncDelayIsMeasuredOnTheInjectedClock(t *testing.T) {
	clk := newFakeClock()
	c := newCluster(t, memnet.Options{Clock: clk, Faults: memnet.Faults{MinDelay: 100 * time.Millisecond, MaxDelay: 100 * time.Millisecond}}, 1, 2)
	c.nodes[1].Send(2, msg(1))
	clk.waitTimers(t, 1)
	clk.Advance(99 * time.Millisecond)
	require.Equal(t, 1, c.net.Pending(), "nothing is due before the delay")
	require.Zero(t, c.recs[2].count())
	clk.Advance(time.Millisecond)
	c.recs[2].waitCount(t, 1)

	// Calls wait for the delay too.
	errc := make(chan error, 1)
	go func() {
		_, err := c.nodes[2].Call(context.Background(), 1, []byte("q"))
		errc <- err
	}()
	clk.waitTimers(t, 1)
	clk.Advance(100 * time.Millisecond)
	require.NoError(t, <-errc)
}

func TestAsyncDelayRangeAndReorderStillDeliverEverything(t *testing.T) {
	clk := newFakeClock()
	c := newCluster(t, memnet.Options{Seed: 5, Clock: clk, Faults: memnet.Faults{
		MinDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond, Reorder: 0.2}}, 1, 2)
	for i := range 200 {
		c.nodes[1].Send(2, msg(uint64(i)))
	}
	// Advance time whenever the scheduler waits on a timer; deliveries in
	// between wake the loop to re-check.
	for c.recs[2].count() < 200 {
		if clk.waitTimersOr(t, 1, c.recs[2].arrived) {
			clk.Advance(5 * time.Millisecond)
		}
	}
	inOrder := true
	for i, m := range c.recs[2].got {
		if m.Message.GetIndex() != uint64(i) {
			inOrder = false
		}
	}
	require.False(t, inOrder, "a delay range with reordering must shuffle a link")
}

func TestMessagesDoNotShareMemory(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true, Faults: memnet.Faults{Duplicate: 1}}, 1, 2)
	m := msg(1)
	m[0].Message.Context = []byte("abc")
	c.nodes[1].Send(2, m)
	m[0].Message.Context[0] = 'X' // the sender breaks its promise; the copy is safe
	c.net.DeliverAll()
	require.Equal(t, 2, c.recs[2].count())
	first, second := c.recs[2].got[0].Message, c.recs[2].got[1].Message
	require.Equal(t, "abc", string(first.Context))
	first.Context[0] = 'Z'
	require.Equal(t, "abc", string(second.Context), "duplicates are separate copies")
}

func TestCallErrorsAreRemoteErrors(t *testing.T) {
	c := newCluster(t, memnet.Options{}, 1, 2)
	c.recs[2].callFunc = func(context.Context, transport.NodeID, []byte) ([]byte, error) {
		return nil, errors.New("nope")
	}
	_, err := c.nodes[1].Call(context.Background(), 2, nil)
	var re *transport.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "nope", re.Message)
	require.Equal(t, uint64(1), c.net.Stats().Calls)
}

// fakeClock is a simulated clock: time moves only on Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{}
}

var _ clock.Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), changed: make(chan struct{})}
}

type fakeTimer struct {
	clk    *fakeClock
	at     time.Time
	period time.Duration
	c      chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d, period time.Duration) *fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clk: c, at: c.now.Add(d), period: period, c: make(chan time.Time, 1)}
	if d <= 0 && period == 0 {
		t.c <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	close(c.changed)
	c.changed = make(chan struct{})
	return t
}

func (c *fakeClock) NewTimer(d time.Duration) clock.Timer { return fakeTimerHandle{c.add(d, 0)} }

func (c *fakeClock) NewTicker(d time.Duration) clock.Ticker {
	return fakeTickerHandle{c.add(d, d)}
}

// Advance moves time forward and fires what is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		select {
		case t.c <- c.now:
		default:
		}
		if t.period > 0 {
			t.at = c.now.Add(t.period)
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// waitTimers blocks until at least n timers are armed.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		armed, changed := len(c.timers), c.changed
		c.mu.Unlock()
		if armed >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			require.FailNowf(t, "no timer", "%d of %d timers armed", armed, n)
		}
	}
}

// waitTimersOr blocks until at least n timers are armed (true) or wake
// fires (false).
func (c *fakeClock) waitTimersOr(t *testing.T, n int, wake <-chan struct{}) bool {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	c.mu.Lock()
	armed, changed := len(c.timers), c.changed
	c.mu.Unlock()
	if armed >= n {
		return true
	}
	select {
	case <-changed:
		return false
	case <-wake:
		return false
	case <-deadline.C:
		require.FailNow(t, "neither a timer nor a delivery")
		return false
	}
}

func (c *fakeClock) remove(t *fakeTimer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

type fakeTimerHandle struct{ t *fakeTimer }

func (h fakeTimerHandle) C() <-chan time.Time { return h.t.c }
func (h fakeTimerHandle) Stop() bool          { return h.t.clk.remove(h.t) }

type fakeTickerHandle struct{ t *fakeTimer }

func (h fakeTickerHandle) C() <-chan time.Time { return h.t.c }
func (h fakeTickerHandle) Stop()               { h.t.clk.remove(h.t) }

// TestAsyncChaosNeverStrandsCallers crashes, restarts, partitions and heals
// while calls, snapshots and messages flow on lossy, delaying links: every
// operation must end with its result or ErrUnreachable, never by running into
// its deadline.
func TestAsyncChaosNeverStrandsCallers(t *testing.T) {
	c := newCluster(t, memnet.Options{Seed: 21, Faults: memnet.Faults{
		Drop: 0.2, Duplicate: 0.1, Reorder: 0.2, MaxDelay: time.Millisecond, ReorderWindow: time.Millisecond}}, 1, 2, 3)
	const workers, perWorker = 4, 50
	completed := make(chan struct{}, workers*perWorker)
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	for w := range workers {
		from := c.nodes[transport.NodeID(1+w%2)]
		wg.Go(func() {
			for i := range perWorker {
				to := transport.NodeID(2 - w%2) // 1 and 2 call each other, and 3 on even turns
				if i%2 == 0 {
					to = 3
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				var err error
				if i%7 == 0 {
					err = from.SendSnapshot(ctx, to, []byte("h"), bytes.NewReader(make([]byte, 10_000)))
				} else {
					_, err = from.Call(ctx, to, []byte("q"))
				}
				cancel()
				from.Send(to, msg(uint64(i)))
				if err != nil && !errors.Is(err, transport.ErrUnreachable) {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
				completed <- struct{}{}
			}
		})
	}
	crashed := false
	for done := 1; done <= workers*perWorker; done++ {
		<-completed
		switch done % 20 {
		case 5:
			c.net.Partition(1, 3)
		case 10:
			c.net.Heal()
		case 15:
			if crashed {
				tr, err := c.net.Restart(3)
				require.NoError(t, err)
				require.NoError(t, tr.Start(newRecorder(3)))
			} else {
				require.NoError(t, c.net.Crash(3))
			}
			crashed = !crashed
		}
	}
	wg.Wait()
	require.Empty(t, failures)
	st := c.net.Stats()
	require.Positive(t, st.Unreachable, "the chaos must have cut some calls off")
	require.Positive(t, st.Calls)
	require.Positive(t, st.Dropped)
}

func TestLinkFaultsApplyToTheirDirectedLinkOnly(t *testing.T) {
	c := newCluster(t, memnet.Options{Stepped: true}, 1, 2, 3)
	require.NoError(t, c.net.SetLinkFaults(1, 2, memnet.Faults{Drop: 1}))
	require.NoError(t, c.net.SetLinkFaults(3, 1, memnet.Faults{Duplicate: 1}))
	for range 10 {
		c.nodes[1].Send(2, msg(12))
		c.nodes[2].Send(1, msg(21))
		c.nodes[1].Send(3, msg(13))
		c.nodes[3].Send(1, msg(31))
	}
	c.net.DeliverAll()
	require.Zero(t, c.recs[2].count(), "1→2 drops everything")
	require.Equal(t, 10, c.recs[3].count(), "1→3 keeps the defaults")
	require.Equal(t, 30, c.recs[1].count(), "2→1 delivers once, 3→1 twice")
	st := c.net.Stats()
	require.Equal(t, uint64(10), st.Dropped)
	require.Equal(t, uint64(10), st.Duplicated)
}
