package kvtarget

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/bench"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, opts Options) *Target {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts.TickInterval = 10 * time.Millisecond // elections in 200ms
	if opts.Dir == "" && !opts.MemoryLogs {
		opts.Dir = t.TempDir()
	}
	target, err := Open(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, target.Close()) })
	return target
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func requireOutcome(t *testing.T, want bench.Outcome) func(bench.Outcome, error) {
	return func(got bench.Outcome, err error) {
		t.Helper()
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestOperations(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"consistent reads on disk", Options{Consistent: true}},
		{"eventual reads in memory", Options{MemoryLogs: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := open(t, tc.opts)
			ctx := ctxT(t)
			ok, notFound := requireOutcome(t, bench.OK), requireOutcome(t, bench.NotFound)
			for _, k := range []bench.Key{{Partition: "p", Sort: "1"}, {Partition: "p", Sort: "2"}, {Partition: "q", Sort: "1"}} {
				ok(target.Insert(ctx, k, []byte("v1")))
			}
			ok(target.Update(ctx, bench.Key{Partition: "p", Sort: "2"}, []byte("v2")))
			if tc.opts.Consistent {
				ok(target.Read(ctx, bench.Key{Partition: "p", Sort: "1"}))
				ok(target.Scan(ctx, bench.Key{Partition: "p", Sort: "1"}, 10))
			}
			notFound(target.Read(ctx, bench.Key{Partition: "nope"}))
			notFound(target.Scan(ctx, bench.Key{Partition: "r", Sort: "1"}, 10))
			notFound(target.ReadModifyWrite(ctx, bench.Key{Partition: "nope"}, []byte("x")))
			// Every replica applies every write: once settled, each holds them.
			require.NoError(t, target.Settle(ctx))
			for _, n := range target.nodes {
				value, version, found := n.state.get(bench.EncodeKey(bench.Key{Partition: "p", Sort: "2"}))
				require.True(t, found, "node %d", n.id)
				require.Equal(t, []byte("v2"), value)
				require.Equal(t, uint64(2), version)
				require.Equal(t, 2, n.state.scan(bench.Key{Partition: "p", Sort: "1"}, 10))
			}
		})
	}
}

func TestReadModifyWriteFailsWhenAnotherWriteCameFirst(t *testing.T) {
	target := open(t, Options{Consistent: true, MemoryLogs: true})
	ctx := ctxT(t)
	key := bench.EncodeKey(bench.Key{Partition: "k"})
	requireOutcome(t, bench.OK)(target.Insert(ctx, bench.Key{Partition: "k"}, []byte("a")))
	requireOutcome(t, bench.OK)(target.ReadModifyWrite(ctx, bench.Key{Partition: "k"}, []byte("b")))
	// A write conditional on version 1 after the item reached version 2.
	requireOutcome(t, bench.ConditionFailed)(target.propose(ctx, "stale", encodePut(key, []byte("c"), 1, true)))
	requireOutcome(t, bench.OK)(target.propose(ctx, "fresh", encodePut(key, []byte("c"), 2, true)))
	leader, err := target.findLeader(ctx)
	require.NoError(t, err)
	value, version, _ := leader.state.get(key)
	require.Equal(t, []byte("c"), value)
	require.Equal(t, uint64(3), version)
}

func TestWritesFollowTheLeader(t *testing.T) {
	target := open(t, Options{Consistent: true, MemoryLogs: true})
	ctx := ctxT(t)
	requireOutcome(t, bench.OK)(target.Insert(ctx, bench.Key{Partition: "a"}, []byte("1")))
	old, err := target.findLeader(ctx)
	require.NoError(t, err)
	next := target.nodes[0]
	if next == old {
		next = target.nodes[1]
	}
	// The old leader may report ErrLeaderChanged for a transfer that
	// succeeded (it steps down before it learns who leads): wait for the
	// new leader to say so.
	err = old.replica.TransferLeadership(ctx, group, next.id)
	if err != nil {
		require.ErrorIs(t, err, dynamo.ErrLeaderChanged)
	}
	require.Eventually(t, func() bool {
		st, err := next.replica.Status(group)
		return err == nil && st.IsLeader
	}, 10*time.Second, time.Millisecond)
	require.Same(t, old, target.leader.Load(), "the cached leader is now stale")
	requireOutcome(t, bench.OK)(target.Update(ctx, bench.Key{Partition: "a"}, []byte("2")))
	requireOutcome(t, bench.OK)(target.Read(ctx, bench.Key{Partition: "a"}))
	require.Same(t, next, target.leader.Load())
}

func TestBenchRunsOnTheTarget(t *testing.T) {
	target := open(t, Options{})
	ctx := ctxT(t)
	w, err := bench.CoreWorkload("a")
	require.NoError(t, err)
	w.RecordCount = 100
	require.NoError(t, bench.Load(ctx, target, w, 8, 1))
	require.NoError(t, target.Settle(ctx))
	res, err := bench.Run(ctx, target, bench.Options{Workload: w, Concurrency: 8, Duration: 200 * time.Millisecond, Seed: 1})
	require.NoError(t, err)
	require.Positive(t, res.Ops["update"].OK)
	require.Positive(t, res.Ops["read"].OK)
	require.Zero(t, res.Errors, res.ErrorSamples)
	require.Zero(t, res.All.NotFound)
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := newState()
	_, err := s.Apply([]dynamo.CommittedCommand{
		{Index: 5, Data: encodePut("a", []byte("1"), 0, false)},
		{Index: 6, Data: encodePut("b\x00c", bytes.Repeat([]byte("x"), 300), 0, false)},
		{Index: 7, Data: encodePut("a", []byte("2"), 1, true)},
	})
	require.NoError(t, err)
	snap, err := s.Snapshot()
	require.NoError(t, err)
	require.Equal(t, uint64(7), snap.Index())
	var buf bytes.Buffer
	n, err := snap.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	require.NoError(t, snap.Close())

	restored := newState()
	index, err := restored.Restore(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Equal(t, uint64(7), index)
	for _, key := range []string{"a", "b\x00c"} {
		wantValue, wantVersion, _ := s.get(key)
		value, version, ok := restored.get(key)
		require.True(t, ok)
		require.Equal(t, wantValue, value)
		require.Equal(t, wantVersion, version)
	}
	for cut := range buf.Len() - 1 {
		_, err := newState().Restore(bytes.NewReader(buf.Bytes()[:cut]))
		require.Error(t, err, "a snapshot cut at %d bytes", cut)
	}
}

func TestApplyResults(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  []byte
		want any
	}{
		{"put", encodePut("k", []byte("v"), 0, false), bench.OK},
		{"put if at the current version", encodePut("k", []byte("v"), 1, true), bench.OK},
		{"put if at a stale version", encodePut("k", []byte("v"), 1, true), bench.ConditionFailed},
		{"put if absent on an existing item", encodePut("k", []byte("v"), 0, true), bench.ConditionFailed},
		{"unknown kind", []byte{9, 1, 'k'}, errBadCommand},
		{"key longer than the command", []byte{cmdPut, 5, 'k'}, errBadCommand},
		{"truncated version", []byte{cmdPutIf, 0x80}, errBadCommand},
		{"kind alone", []byte{cmdPut}, errBadCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One state machine across the cases: they build on each other.
			results, err := sharedState.Apply([]dynamo.CommittedCommand{{Index: 1, Data: tc.cmd}})
			require.NoError(t, err)
			require.Equal(t, []any{tc.want}, results)
		})
	}
}

var sharedState = newState()

func FuzzDecodeCommand(f *testing.F) {
	f.Add(encodePut("k", []byte("v"), 0, false))
	f.Add(encodePut("key", []byte("value"), 7, true))
	f.Add([]byte{cmdPutIf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeCommand(data)
		if err != nil {
			return
		}
		again, err := decodeCommand(encodePut(c.key, c.value, c.version, c.conditional))
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}
