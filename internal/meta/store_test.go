package meta

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A catalog saved to the system table loads back whole; a store whose view
// is older than the table's (a deposed controller) cannot overwrite it.
func TestStoreSaveLoadAndFencing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := node.StartCluster(ctx, node.ClusterConfig{Nodes: 1, Zones: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, nc.Close()) }()
	require.NoError(t, nc.CreatePartition(ctx, Group, PartitionMeta(), []transport.NodeID{1}))
	_, err = nc.WaitLeader(ctx, Group)
	require.NoError(t, err)
	n, err := nc.Node(1)
	require.NoError(t, err)

	first := &store{n: n}
	empty, err := first.load(ctx)
	require.NoError(t, err)
	require.Empty(t, empty.TableNames())
	stale := &store{n: n}
	_, err = stale.load(ctx)
	require.NoError(t, err)

	c := sampleCatalog(t)
	require.NoError(t, first.save(ctx, c))
	require.NoError(t, c.CompleteTransition("users"))
	_, err = c.DeleteTable(&catalog.DeleteTableInput{TableName: "users"})
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("users"))
	require.NoError(t, first.save(ctx, c))

	loaded, err := (&store{n: n}).load(ctx)
	require.NoError(t, err)
	want, err := catalog.EncodeCatalog(c)
	require.NoError(t, err)
	got, err := catalog.EncodeCatalog(loaded)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// The stale store still believes the table holds nothing.
	require.ErrorIs(t, stale.save(ctx, sampleCatalog(t)), ErrStale)
	after, err := (&store{n: n}).load(ctx)
	require.NoError(t, err)
	got, err = catalog.EncodeCatalog(after)
	require.NoError(t, err)
	require.Equal(t, want, got, "a refused save changes nothing")
}
