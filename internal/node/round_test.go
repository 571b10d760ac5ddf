package node_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// gatedEngine counts commits and, once armed, holds the next commit until
// released: entered receives a value when that commit starts.
type gatedEngine struct {
	storage.Engine
	mu      sync.Mutex
	commits int
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (e *gatedEngine) Commit(b storage.Batch, sync bool) error {
	e.mu.Lock()
	e.commits++
	armed := e.armed
	e.armed = false
	e.mu.Unlock()
	if armed {
		e.entered <- struct{}{}
		<-e.release
	}
	return e.Engine.Commit(b, sync)
}

func (e *gatedEngine) arm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armed = true
}

func (e *gatedEngine) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.commits
}

// A write's result comes back only after the round that applied it has
// committed to the engine, in one commit; until then readers see the state
// before the round.
func TestWriteResultWaitsForItsRoundCommit(t *testing.T) {
	ctx := testContext(t)
	inner := memstore.New()
	t.Cleanup(func() { _ = inner.Close() })
	e := &gatedEngine{Engine: inner, entered: make(chan struct{}), release: make(chan struct{})}
	net, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, net.Close()) })
	tr, err := net.Join(1)
	require.NoError(t, err)
	logs := memlog.New()
	t.Cleanup(func() { _ = logs.Close() })
	n, err := node.Open(ctx, node.Config{ID: 1, Zone: "z", Transport: tr, LogStore: logs, Storage: e, TickInterval: tickForTests})
	require.NoError(t, err)
	defer func() { require.NoError(t, n.Close()) }()

	const group = 1
	require.NoError(t, n.CreatePartition(ctx, group, tableMeta(testTable), []transport.NodeID{1}))
	eventually(t, ctx, func() error {
		_, err := n.Write(ctx, group, tablePut(testTable, "warm-up"))
		return err
	})
	p, err := n.Partition(group)
	require.NoError(t, err)
	applied := p.AppliedIndex()
	before := e.count()

	e.arm()
	type outcome struct {
		res *partition.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := n.Write(ctx, group, tablePut(testTable, "a"))
		done <- outcome{res, err}
	}()
	<-e.entered // the round that applied the write is committing
	select {
	case o := <-done:
		t.Fatalf("write returned before its round committed: %+v", o)
	default:
	}
	got, err := n.Get(ctx, group, key("a"), false)
	require.NoError(t, err)
	require.Nil(t, got, "readers do not see a round before its commit")
	require.Equal(t, applied, p.AppliedIndex(), "AppliedIndex reports what is committed")

	close(e.release)
	o := <-done
	require.NoError(t, o.err)
	require.NoError(t, o.res.Err)
	require.Equal(t, before+1, e.count(), "one engine commit for the round")
	require.Greater(t, p.AppliedIndex(), applied)
	got, err = n.Get(ctx, group, key("a"), false)
	require.NoError(t, err)
	require.Equal(t, tablePut(testTable, "a").Item, got)
}
