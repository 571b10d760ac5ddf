package node_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// openSingle opens node 1 alone on a fresh network with the given stores.
func openSingle(t *testing.T, logs *memlog.Store, engine *memstore.Engine) *node.Node {
	t.Helper()
	net, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, net.Close()) })
	tr, err := net.Join(1)
	require.NoError(t, err)
	n, err := node.Open(testContext(t), node.Config{ID: 1, Zone: "z", Transport: tr, LogStore: logs, Storage: engine, TickInterval: tickForTests})
	require.NoError(t, err)
	return n
}

// Metadata with no raft log (a crash between writing a partition's
// metadata and persisting its bootstrap, or the right side of a split) is
// an orphan: CreatePartition adopts it only with the same table and
// range, RemovePartition drops it.
func TestOrphanPartitions(t *testing.T) {
	ctx := testContext(t)
	logs, engine := memlog.New(), memstore.New()
	t.Cleanup(func() { _ = logs.Close(); _ = engine.Close() })
	stored := wholeTable()
	for _, g := range []uint64{1, 2} {
		_, err := partition.Create(engine, g, stored, partition.Options{})
		require.NoError(t, err)
	}

	n := openSingle(t, logs, engine)
	defer func() { require.NoError(t, n.Close()) }()
	orphans, err := n.Orphans()
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2}, orphans)
	require.Empty(t, n.Partitions())

	other := tableMeta(testTable + 1)
	require.ErrorIs(t, n.CreatePartition(ctx, 1, other, []transport.NodeID{1}), partition.ErrExists)
	require.NoError(t, n.CreatePartition(ctx, 1, stored, []transport.NodeID{1}))
	require.Equal(t, []uint64{1}, n.Partitions())
	orphans, err = n.Orphans()
	require.NoError(t, err)
	require.Equal(t, []uint64{2}, orphans)

	require.NoError(t, n.RemovePartition(ctx, 2))
	orphans, err = n.Orphans()
	require.NoError(t, err)
	require.Empty(t, orphans)
	metas, err := engine.Metas()
	require.NoError(t, err)
	require.Len(t, metas, 1)
}

// A closed node refuses requests; a cancelled context stops a request
// before it starts.
func TestClosedNodeAndCancelledContext(t *testing.T) {
	logs, engine := memlog.New(), memstore.New()
	t.Cleanup(func() { _ = logs.Close(); _ = engine.Close() })
	n := openSingle(t, logs, engine)
	ctx := testContext(t)
	require.NoError(t, n.CreatePartition(ctx, 1, wholeTable(), []transport.NodeID{1}))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := n.Write(cancelled, 1, putCmd("a", "1"))
	require.ErrorIs(t, err, context.Canceled)
	_, err = n.Get(cancelled, 1, key("a"), true)
	require.ErrorIs(t, err, context.Canceled)
	_, err = n.Scan(cancelled, 1, node.ScanRequest{})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, n.CreatePartition(cancelled, 2, wholeTable(), []transport.NodeID{1}), context.Canceled)

	require.NoError(t, n.Close())
	require.NoError(t, n.Close(), "a second Close does nothing")
	_, err = n.Write(ctx, 1, putCmd("a", "1"))
	require.ErrorIs(t, err, multiraft.ErrClosed)
	_, err = n.Get(ctx, 1, key("a"), false)
	require.ErrorIs(t, err, multiraft.ErrClosed)
}
